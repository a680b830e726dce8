package llm

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Defaults of the Config fields.
const (
	// DefaultTimeout is the default Config.Timeout.
	DefaultTimeout = 60 * time.Second
	// DefaultMaxRetries is the default Config.MaxRetries.
	DefaultMaxRetries = 4
	// DefaultBaseBackoff is the default Config.BaseBackoff.
	DefaultBaseBackoff = 500 * time.Millisecond
	// DefaultMaxBackoff is the default Config.MaxBackoff.
	DefaultMaxBackoff = 30 * time.Second
)

// Environment variables read by ConfigFromEnv. The GYM_LLM_ ones take
// precedence over the OPENAI_ ones, so that the gym can be pointed at an
// endpoint other than the one the rest of the machine uses.
const (
	// EnvBaseURL holds the endpoint's base URL.
	EnvBaseURL = "GYM_LLM_BASE_URL"
	// EnvModel holds the model name.
	EnvModel = "GYM_LLM_MODEL"
	// EnvAPIKey holds the API key.
	EnvAPIKey = "GYM_LLM_API_KEY"
	// EnvOpenAIURL is read when EnvBaseURL is unset.
	EnvOpenAIURL = "OPENAI_BASE_URL"
	// EnvOpenAIModel is read when EnvModel is unset.
	EnvOpenAIModel = "OPENAI_MODEL"
	// EnvOpenAIKey is read when EnvAPIKey is unset.
	EnvOpenAIKey = "OPENAI_API_KEY"
)

// Config configures a [Client]. The zero value of every optional field
// means its documented default.
type Config struct {
	// BaseURL is the endpoint's base, e.g. "https://api.openai.com/v1" or
	// "http://localhost:8000/v1"; requests go to BaseURL + "/chat/completions".
	// Required.
	BaseURL string
	// Model is the model name sent with every request. Required.
	Model string
	// APIKey is sent as "Authorization: Bearer <APIKey>" when not empty
	// (local servers often need none).
	APIKey string
	// Timeout bounds each HTTP attempt, from sending the request to reading
	// the whole reply; default DefaultTimeout. A negative value is an error.
	Timeout time.Duration
	// MaxRetries is the number of retries after the first attempt of a
	// request; default DefaultMaxRetries. A negative value means none.
	MaxRetries int
	// BaseBackoff is the wait before the first retry, doubled before each
	// further one up to MaxBackoff; defaults DefaultBaseBackoff and
	// DefaultMaxBackoff. Each wait is scaled by a random factor in
	// [0.5, 1) drawn from a stream seeded with JitterSeed, unless the
	// server's Retry-After header says how long to wait.
	BaseBackoff, MaxBackoff time.Duration
	// JitterSeed seeds the backoff jitter, so that the same seed gives the
	// same waits.
	JitterSeed uint64
	// Temperature is the sampling temperature sent with every request.
	Temperature float64
	// MaxTokens bounds the reply's length in tokens; 0 leaves it to the
	// server (the field is then not sent).
	MaxTokens int
	// HTTPClient sends the requests; nil means a client of its own with no
	// overall timeout (Timeout bounds each attempt).
	HTTPClient *http.Client
}

// ConfigFromEnv reads the endpoint from the process environment; see
// [ConfigFromLookup].
func ConfigFromEnv() (Config, error) {
	return ConfigFromLookup(os.Getenv)
}

// ConfigFromLookup reads the endpoint from environment variables through
// getenv (os.Getenv, or a map's lookup in tests):
//
//   - the base URL from GYM_LLM_BASE_URL, else OPENAI_BASE_URL;
//   - the model from GYM_LLM_MODEL, else OPENAI_MODEL;
//   - the API key from GYM_LLM_API_KEY, else OPENAI_API_KEY (optional).
//
// A variable set to the empty string counts as unset. A missing base URL
// or model is an error (matching ErrNotConfigured) naming the variables to
// set; the Config returned with it holds what was found, for the caller
// to complete from elsewhere (flags). The other Config fields are left at
// their defaults.
func ConfigFromLookup(getenv func(string) string) (Config, error) {
	pick := func(primary, fallback string) string {
		if v := strings.TrimSpace(getenv(primary)); v != "" {
			return v
		}
		return strings.TrimSpace(getenv(fallback))
	}
	c := Config{
		BaseURL: pick(EnvBaseURL, EnvOpenAIURL),
		Model:   pick(EnvModel, EnvOpenAIModel),
		APIKey:  pick(EnvAPIKey, EnvOpenAIKey),
	}
	var missing []string
	if c.BaseURL == "" {
		missing = append(missing, fmt.Sprintf("the endpoint: set %s (or %s), e.g. https://api.openai.com/v1", EnvBaseURL, EnvOpenAIURL))
	}
	if c.Model == "" {
		missing = append(missing, fmt.Sprintf("the model: set %s (or %s), e.g. gpt-4o-mini", EnvModel, EnvOpenAIModel))
	}
	if len(missing) > 0 {
		return c, fmt.Errorf("%w: missing %s; the API key is read from %s (or %s) when the endpoint needs one",
			ErrNotConfigured, strings.Join(missing, "; missing "), EnvAPIKey, EnvOpenAIKey)
	}
	return c, nil
}

// ErrNotConfigured is matched (with errors.Is) by the error of a Config
// without a base URL or model.
var ErrNotConfigured = errors.New("llm: no LLM endpoint configured")

// withDefaults validates c and fills in its defaults.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	if c.BaseURL == "" {
		errs = append(errs, fmt.Errorf("%w: Config.BaseURL is empty (set %s or %s)", ErrNotConfigured, EnvBaseURL, EnvOpenAIURL))
	} else if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("Config.BaseURL %q is not an http or https URL with a host", redactURL(c.BaseURL)))
	}
	if c.Model == "" {
		errs = append(errs, fmt.Errorf("%w: Config.Model is empty (set %s or %s)", ErrNotConfigured, EnvModel, EnvOpenAIModel))
	}
	switch {
	case c.Timeout == 0:
		c.Timeout = DefaultTimeout
	case c.Timeout < 0:
		errs = append(errs, fmt.Errorf("Config.Timeout is %v, want a positive duration (or 0 for %v)", c.Timeout, DefaultTimeout))
	}
	switch {
	case c.MaxRetries == 0:
		c.MaxRetries = DefaultMaxRetries
	case c.MaxRetries < 0:
		c.MaxRetries = 0
	}
	if c.BaseBackoff < 0 || c.MaxBackoff < 0 {
		errs = append(errs, fmt.Errorf("Config.BaseBackoff %v and MaxBackoff %v must not be negative", c.BaseBackoff, c.MaxBackoff))
	}
	if c.BaseBackoff == 0 {
		c.BaseBackoff = DefaultBaseBackoff
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	c.MaxBackoff = max(c.MaxBackoff, c.BaseBackoff)
	if c.Temperature < 0 || c.Temperature > 2 || c.Temperature != c.Temperature {
		errs = append(errs, fmt.Errorf("Config.Temperature is %v, want a number in [0, 2]", c.Temperature))
	}
	if c.MaxTokens < 0 {
		errs = append(errs, fmt.Errorf("Config.MaxTokens is %d, want 0 (server default) or more", c.MaxTokens))
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("llm: invalid config: %w", errors.Join(errs...))
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	return c, nil
}
