package spaces

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxJSONDepth is the deepest nesting ParseJSON builds: the config object
// (depth 1) and the list or object of a simplex (depth 2). Deeper values are
// skipped and reported as being of the wrong type.
const maxJSONDepth = 2

// ParseJSON reads a configuration from a JSON object such as
//
//	{"lr": 0.002, "bs": 256, "opt": "adam", "mix": {"web": 0.7, "code": 0.3}}
//
// and returns it normalised (see [ConfigSpace.Normalize]; numbers are read
// exactly, without a detour through float64 for integers). Text that is not
// one well-formed JSON value, or has anything but white space after it,
// gives an error wrapping [ErrMalformedJSON] that gives the line, column and
// byte offset. JSON that is well formed but not an object gives an error
// saying what was found. Otherwise every problem with the config is reported
// in a *[ConfigError], including keys given twice, at the top level or
// inside a simplex object ([ErrDuplicateDim]).
func (s *ConfigSpace) ParseJSON(data []byte) (Config, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, malformed(data, dec, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("spaces: config JSON must be an object, got %s", tokenKind(tok))
	}
	raw := make(Config, len(s.dims))
	var ps problems
	var dups map[string]struct{} // keys reported as duplicates
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, malformed(data, dec, err)
		}
		key, _ := tok.(string) // the decoder only yields string keys here
		v, err := readJSONValue(dec, 1, key, &ps)
		if err != nil {
			return nil, malformed(data, dec, err)
		}
		if _, dup := raw[key]; dup {
			if _, reported := dups[key]; !reported {
				ps.add(key, ErrDuplicateDim, "given more than once")
				if dups == nil {
					dups = make(map[string]struct{})
				}
				dups[key] = struct{}{}
			}
			continue
		}
		raw[key] = v
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, malformed(data, dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = errors.New("unexpected data after the config object")
		}
		return nil, malformed(data, dec, err)
	}
	out := make(Config, len(s.dims))
	s.scan(raw, out, nil, &ps)
	if err := ps.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// readJSONValue reads one value whose first token is next in dec, at the
// given nesting depth. Objects become map[string]any, arrays []any, numbers
// json.Number. Repeated keys of a nested object are reported against dim
// (the first value is kept).
// Containers nested deeper than maxJSONDepth are skipped and stand as an
// empty []any or map[string]any.
func readJSONValue(dec *json.Decoder, depth int, dim string, ps *problems) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil // string, json.Number, bool or nil
	}
	if depth >= maxJSONDepth {
		if err := skipJSON(dec); err != nil {
			return nil, err
		}
		if d == '[' {
			return []any{}, nil
		}
		return map[string]any{}, nil
	}
	if d == '[' {
		list := []any{}
		for dec.More() {
			v, err := readJSONValue(dec, depth+1, dim, ps)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		_, err := dec.Token() // ']'
		return list, err
	}
	obj := map[string]any{}
	var dups map[string]struct{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		v, err := readJSONValue(dec, depth+1, dim, ps)
		if err != nil {
			return nil, err
		}
		if _, dup := obj[key]; dup {
			if _, reported := dups[key]; !reported {
				ps.add(dim, ErrDuplicateDim, "key %s given more than once in the object", quoteShort(key))
				if dups == nil {
					dups = make(map[string]struct{})
				}
				dups[key] = struct{}{}
			}
			continue
		}
		obj[key] = v
	}
	_, err = dec.Token() // '}'
	return obj, err
}

// skipJSON consumes the rest of a container whose opening token has been
// read, without recursion.
func skipJSON(dec *json.Decoder) error {
	for open := 1; open > 0; {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('['), json.Delim('{'):
			open++
		case json.Delim(']'), json.Delim('}'):
			open--
		}
	}
	return nil
}

// malformed wraps a decoding error with ErrMalformedJSON and its position.
func malformed(data []byte, dec *json.Decoder, err error) error {
	off := dec.InputOffset()
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case err == io.EOF:
		off = int64(len(data))
		if len(bytes.TrimSpace(data)) == 0 {
			err = errors.New("empty input")
		} else {
			err = io.ErrUnexpectedEOF
		}
	}
	line, col := lineColumn(data, off)
	return fmt.Errorf("spaces: config JSON: %w at line %d, column %d (byte %d): %w",
		ErrMalformedJSON, line, col, off, err)
}

// lineColumn turns a byte offset into a 1-based line and column (in bytes).
func lineColumn(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line = 1 + bytes.Count(before, []byte{'\n'})
	col = 1 + len(before) - (bytes.LastIndexByte(before, '\n') + 1)
	return line, col
}

// tokenKind names the JSON type that starts with tok.
func tokenKind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "an array"
		}
		return "delimiter " + t.String()
	default:
		return describeValue(t)
	}
}

// FormatJSON renders c as canonical JSON: one object with the keys in
// dimension order, floats in shortest round-trip form (strconv 'g', -1),
// integers as integers, choices as strings and simplex values as objects
// {part: ratio} in Parts order. ParseJSON(FormatJSON(c)) gives back the
// canonical form of c exactly. c must be valid.
func (s *ConfigSpace) FormatJSON(c Config) ([]byte, error) {
	n, err := s.Normalize(c)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, 24*s.width+2)
	b = append(b, '{')
	for i, d := range s.dims {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, d.Name)
		b = append(b, ':')
		switch v := n[d.Name].(type) {
		case float64:
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		case int:
			b = strconv.AppendInt(b, int64(v), 10)
		case string:
			b = appendJSONString(b, v)
		case []float64:
			b = append(b, '{')
			for j, x := range v {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendJSONString(b, d.Parts[j])
				b = append(b, ':')
				b = strconv.AppendFloat(b, x, 'g', -1, 64)
			}
			b = append(b, '}')
		}
	}
	return append(b, '}'), nil
}

// appendJSONString appends s as a JSON string. s is valid UTF-8 (names,
// choices and parts are checked when the space is built).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// Format renders c on one line for logs and prompts, e.g.
//
//	lr=0.002 bs=256 opt=adam mix={web:0.7,code:0.3}
//
// with the dimensions in order and floats in shortest round-trip form.
// Strings that contain white space, '=', ',', ':', braces or quotes, or are
// empty, are quoted. An invalid c is rendered as well as it can be: the
// values present, as given, followed by unknown keys in sorted order.
func (s *ConfigSpace) Format(c Config) string {
	var b strings.Builder
	sep := func() {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
	}
	n, err := s.Normalize(c)
	if err != nil {
		for _, d := range s.dims {
			if v, ok := c[d.Name]; ok {
				sep()
				b.WriteString(formatWord(d.Name) + "=" + formatRaw(v))
			}
		}
		for _, k := range sortedUnknown(c, s.index) {
			sep()
			b.WriteString(formatWord(k) + "=" + formatRaw(c[k]))
		}
		return b.String()
	}
	var num []byte
	for _, d := range s.dims {
		sep()
		b.WriteString(formatWord(d.Name))
		b.WriteByte('=')
		switch v := n[d.Name].(type) {
		case float64:
			num = strconv.AppendFloat(num[:0], v, 'g', -1, 64)
			b.Write(num)
		case int:
			num = strconv.AppendInt(num[:0], int64(v), 10)
			b.Write(num)
		case string:
			b.WriteString(formatWord(v))
		case []float64:
			b.WriteByte('{')
			for j, x := range v {
				if j > 0 {
					b.WriteByte(',')
				}
				b.WriteString(formatWord(d.Parts[j]))
				b.WriteByte(':')
				num = strconv.AppendFloat(num[:0], x, 'g', -1, 64)
				b.Write(num)
			}
			b.WriteByte('}')
		}
	}
	return b.String()
}

// formatRaw renders a value that may not be canonical.
func formatRaw(v any) string {
	if str, ok := v.(string); ok {
		return formatWord(str)
	}
	return fmt.Sprint(v)
}

// formatWord quotes s for Format when it would not read as one word.
func formatWord(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\r\n=,:{}\"'") || !strconv.CanBackquote(s) {
		return strconv.Quote(s)
	}
	return s
}
