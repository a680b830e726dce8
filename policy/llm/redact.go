package llm

import (
	"errors"
	"net/url"
	"strings"
)

// redacted replaces a secret in messages.
const redacted = "REDACTED"

// redactURL returns raw with its user information (user:key@) and query
// (?key=...) replaced by REDACTED, so that a URL carrying a credential can
// be shown in an error. It works on strings url.Parse refuses too.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		if u.User != nil {
			u.User = url.User(redacted)
		}
		if u.RawQuery != "" {
			u.RawQuery = redacted
		}
		return u.String()
	}
	out := raw
	if i := strings.Index(out, "://"); i >= 0 {
		rest := out[i+3:]
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
			out = out[:i+3] + redacted + rest[at:]
		}
	}
	if q := strings.IndexByte(out, '?'); q >= 0 {
		out = out[:q+1] + redacted
	}
	return out
}

// secrets lists the credentials of cfg: the API key and the user
// information of the base URL.
func secrets(cfg Config) []string {
	var out []string
	add := func(s string) {
		if len(s) >= 4 { // shorter strings would redact ordinary words
			out = append(out, s)
		}
	}
	add(cfg.APIKey)
	if u, err := url.Parse(cfg.BaseURL); err == nil && u.User != nil {
		add(u.User.Username())
		if p, ok := u.User.Password(); ok {
			add(p)
		}
		add(u.User.String())
	}
	return out
}

// redact replaces every secret of c in s.
func (c *Client) redact(s string) string {
	for _, k := range c.secrets {
		s = strings.ReplaceAll(s, k, redacted)
	}
	return s
}

// redactErr redacts the URL of a transport error (net/http strips only
// the password from it) and returns err.
func redactErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = redactURL(ue.URL)
	}
	return err
}
