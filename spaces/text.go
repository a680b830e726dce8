package spaces

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode/utf8"
)

// DefaultCharset is the alphabet a [Text] space samples from when it was
// built without a charset: ASCII letters, digits and the space.
const DefaultCharset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 "

// MaxTextLength is the largest MaxLength a [Text] space may have, so that
// sampling from a space read from an untrusted description cannot exhaust
// memory.
const MaxTextLength = 1 << 24

// Text is the set of valid UTF-8 strings whose length, counted in runes,
// lies in [MinLength, MaxLength] and, if the space has a charset, whose
// runes all belong to it. It is immutable, so one Text may be shared between
// goroutines. Text has no flat form.
type Text struct {
	minLen, maxLen int
	charset        string // "" for none; distinct runes in first-seen order
	runes          []rune // the alphabet Sample draws from
	allowed        map[rune]struct{}
}

// NewText returns the space of strings of minLen to maxLen runes with no
// charset restriction; Sample draws from [DefaultCharset]. It panics if
// minLen < 0, maxLen < minLen or maxLen > [MaxTextLength]; those are
// programming errors.
func NewText(minLen, maxLen int) *Text {
	return NewTextCharset(minLen, maxLen, "")
}

// NewTextCharset returns the space of strings of minLen to maxLen runes
// drawn from charset. Repeated runes in charset count once. An empty charset
// means no restriction, as in [NewText]. It panics if minLen < 0,
// maxLen < minLen, maxLen > [MaxTextLength] or charset is not valid UTF-8;
// those are programming errors. Use [FromDescription] to build a space from untrusted input.
func NewTextCharset(minLen, maxLen int, charset string) *Text {
	t, err := newText(minLen, maxLen, charset)
	if err != nil {
		panic("spaces: NewTextCharset: " + err.Error())
	}
	return t
}

func newText(minLen, maxLen int, charset string) (*Text, error) {
	if minLen < 0 {
		return nil, fmt.Errorf("min length %d is negative", minLen)
	}
	if maxLen < minLen {
		return nil, fmt.Errorf("max length %d is below min length %d", maxLen, minLen)
	}
	if maxLen > MaxTextLength {
		return nil, fmt.Errorf("max length %d is above the limit %d", maxLen, MaxTextLength)
	}
	if !utf8.ValidString(charset) {
		return nil, fmt.Errorf("charset %q is not valid UTF-8", charset)
	}
	t := &Text{minLen: minLen, maxLen: maxLen}
	if charset == "" {
		t.runes = []rune(DefaultCharset)
		return t, nil
	}
	t.allowed = make(map[rune]struct{})
	var distinct strings.Builder
	for _, c := range charset {
		if _, dup := t.allowed[c]; dup {
			continue
		}
		t.allowed[c] = struct{}{}
		t.runes = append(t.runes, c)
		distinct.WriteRune(c)
	}
	t.charset = distinct.String()
	return t, nil
}

// MinLength is the smallest allowed length in runes.
func (t *Text) MinLength() int { return t.minLen }

// MaxLength is the largest allowed length in runes.
func (t *Text) MaxLength() int { return t.maxLen }

// Charset is the alphabet members are restricted to, each rune once, or ""
// if there is no restriction.
func (t *Text) Charset() string { return t.charset }

// Sample returns a string whose length is uniform in [MinLength, MaxLength]
// and whose runes are drawn uniformly and independently from the charset
// (or [DefaultCharset]).
func (t *Text) Sample(r *rand.Rand) string {
	n := t.minLen + r.IntN(t.maxLen-t.minLen+1)
	var s strings.Builder
	s.Grow(n)
	for range n {
		s.WriteRune(t.runes[r.IntN(len(t.runes))])
	}
	return s.String()
}

// Contains reports whether x is valid UTF-8, has between MinLength and
// MaxLength runes and, if the space has a charset, uses only its runes.
func (t *Text) Contains(x string) bool {
	if !utf8.ValidString(x) {
		return false
	}
	if n := utf8.RuneCountInString(x); n < t.minLen || n > t.maxLen {
		return false
	}
	if t.allowed != nil {
		for _, c := range x {
			if _, ok := t.allowed[c]; !ok {
				return false
			}
		}
	}
	return true
}

// Clone returns x: strings are immutable.
func (t *Text) Clone(x string) string { return x }

// String returns "Text(min, max)" or `Text(min, max, charset="...")`.
func (t *Text) String() string {
	if t.charset != "" {
		return fmt.Sprintf("Text(%d, %d, charset=%q)", t.minLen, t.maxLen, t.charset)
	}
	return fmt.Sprintf("Text(%d, %d)", t.minLen, t.maxLen)
}

// Describe returns {"type": "text", "min_length": ..., "max_length": ...,
// "charset": ...}; the charset is omitted when there is no restriction.
func (t *Text) Describe() Description {
	return Description{Type: TypeText, MinLength: t.minLen, MaxLength: t.maxLen, Charset: t.charset}
}
