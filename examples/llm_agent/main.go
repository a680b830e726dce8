// Command llm_agent plays a research env's text view with a language model
// behind an OpenAI-compatible chat-completions endpoint, prints each
// episode's regret, steps and token usage, and can write the episodes as
// chat transcripts for fine-tuning.
//
// The endpoint comes from the environment (GYM_LLM_BASE_URL,
// GYM_LLM_MODEL, GYM_LLM_API_KEY, else OPENAI_BASE_URL, OPENAI_MODEL,
// OPENAI_API_KEY) or from the flags -base-url and -model:
//
//	OPENAI_BASE_URL=https://api.openai.com/v1 OPENAI_MODEL=gpt-4o-mini OPENAI_API_KEY=... \
//		go run ./examples/llm_agent -episodes 3 -out llm.jsonl
//
// Without a language model, -record-teacher records a baseline policy's
// answers to the same prompts as teacher transcripts:
//
//	go run ./examples/llm_agent -record-teacher scaling-law -episodes 20 -out teacher.jsonl
//
// An -out path ending in .parquet is written as Parquet (one row per
// message), anything else as JSONL (one episode per line). An episode in
// which no reply gave a usable answer is written too, marked failed with
// the reason ("failed" in JSONL and Parquet) and with the model's replies
// as received: data on what the model gets wrong. Run with -h for every
// flag.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	gym "github.com/autollmresearch/gym"
	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/internal/atomicfile"
	"github.com/autollmresearch/gym/policy"
	"github.com/autollmresearch/gym/policy/llm"
	_ "github.com/autollmresearch/gym/tasks/tablefile" // reads and writes .arrow, .arrows and .parquet tables
	"github.com/autollmresearch/gym/transcript"
)

// errUsage marks a command-line or configuration error; the message says
// what to fix.
var errUsage = errors.New("usage")

// teacher is a policy -record-teacher can choose.
type teacher struct {
	name string
	new  policy.Factory
}

// teachers are the policies -record-teacher chooses from.
var teachers = []teacher{
	{"transfer", func() policy.Policy { return policy.NewTransfer() }},
	{"scaling-law", func() policy.Policy { return policy.NewScalingLaw(policy.ScalingLawOptions{}) }},
	{"successive-halving", func() policy.Policy { return policy.NewSuccessiveHalving(policy.SuccessiveHalvingOptions{}) }},
	{"hyperband", func() policy.Policy { return policy.NewHyperband(policy.HyperbandOptions{}) }},
	{"gp-ei", func() policy.Policy { return policy.NewGP(policy.GPOptions{}) }},
	{"random", func() policy.Policy { return policy.NewRandom() }},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "llm_agent:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// config is the parsed command line.
type config struct {
	envID, split, setting, out, teacher string
	episodes, trials                    int
	seed                                uint64
	client                              llm.Config
	keepTurns                           int
}

// parseFlags reads the command line; errors wrap errUsage.
func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("llm_agent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var names []string
	for _, t := range teachers {
		names = append(names, t.name)
	}
	var c config
	fs.StringVar(&c.envID, "env", "pretrain/steplaw-text-v0", "text env id (one of "+strings.Join(textIDs(), ", ")+")")
	fs.IntVar(&c.episodes, "episodes", 3, "number of episodes; episode i is reset with seed -seed + i")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the first episode")
	fs.StringVar(&c.split, "split", "test", "split the targets come from: train or test")
	fs.StringVar(&c.setting, "setting", "extrapolate", "decision process: extrapolate or multi-fidelity")
	fs.IntVar(&c.trials, "trials", 0, "target-fidelity trials per episode (0: the env's default)")
	fs.StringVar(&c.out, "out", "", "write the transcripts here (.jsonl, or .parquet); empty: do not write")
	fs.StringVar(&c.teacher, "record-teacher", "", "record this baseline policy as a teacher instead of calling a model (one of "+strings.Join(names, ", ")+")")
	fs.StringVar(&c.client.BaseURL, "base-url", "", "chat-completions base URL, e.g. https://api.openai.com/v1 (default from "+llm.EnvBaseURL+" or "+llm.EnvOpenAIURL+")")
	fs.StringVar(&c.client.Model, "model", "", "model name (default from "+llm.EnvModel+" or "+llm.EnvOpenAIModel+")")
	fs.Float64Var(&c.client.Temperature, "temperature", 0, "sampling temperature")
	fs.IntVar(&c.client.MaxTokens, "max-tokens", 0, "reply length bound in tokens (0: the server's default)")
	fs.DurationVar(&c.client.Timeout, "timeout", llm.DefaultTimeout, "timeout of each HTTP attempt")
	fs.IntVar(&c.client.MaxRetries, "retries", llm.DefaultMaxRetries, "retries of a failed request (429, 5xx, transport errors, timeouts)")
	fs.IntVar(&c.keepTurns, "keep-turns", 0, "earlier exchanges sent with each request (0: only the latest prompt, which holds the history)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%w: unexpected argument %q (every option is a flag; see -h)", errUsage, fs.Arg(0))
	}

	var errs []error
	if !slices.Contains(textIDs(), c.envID) {
		errs = append(errs, fmt.Errorf("-env %q is not a text env (want one of %s)", c.envID, strings.Join(textIDs(), ", ")))
	}
	if c.episodes < 1 {
		errs = append(errs, fmt.Errorf("-episodes is %d, want at least 1", c.episodes))
	}
	if _, err := research.ParseSplit(c.split); err != nil {
		errs = append(errs, fmt.Errorf("-split is %q, want train or test", c.split))
	}
	if _, err := research.ParseSetting(c.setting); err != nil {
		errs = append(errs, fmt.Errorf("-setting is %q, want extrapolate or multi-fidelity", c.setting))
	}
	if c.trials < 0 {
		errs = append(errs, fmt.Errorf("-trials is %d, want 0 (default) or more", c.trials))
	}
	if c.keepTurns < 0 {
		errs = append(errs, fmt.Errorf("-keep-turns is %d, want 0 or more", c.keepTurns))
	}
	if c.teacher != "" {
		if !slices.Contains(names, c.teacher) {
			errs = append(errs, fmt.Errorf("-record-teacher %q is not a policy (want one of %s)", c.teacher, strings.Join(names, ", ")))
		}
		if c.out == "" {
			errs = append(errs, errors.New("-record-teacher needs -out, the file to write the transcripts to"))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", errUsage, errors.Join(errs...))
	}
	return &c, nil
}

// textIDs lists the ids of the research envs' text views.
func textIDs() []string {
	var out []string
	for _, id := range research.BuiltinIDs() {
		if v, err := research.ViewID(id, "text"); err == nil {
			out = append(out, v)
		}
	}
	return out
}

// baseID returns the programmatic env id of a text view id.
func baseID(textID string) (string, bool) {
	for _, id := range research.BuiltinIDs() {
		if v, err := research.ViewID(id, "text"); err == nil && v == textID {
			return id, true
		}
	}
	return "", false
}

// run is the program; getenv reads the environment.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	opts := env.Options{research.OptionSplit: c.split, research.OptionSetting: c.setting}
	if c.trials > 0 {
		opts[research.OptionTrials] = c.trials
	}
	var (
		ts      []transcript.Transcript
		results []float64
	)
	if c.teacher != "" {
		ts, results, err = recordTeacher(ctx, c, opts, stdout)
	} else {
		ts, results, err = runModel(ctx, c, opts, getenv, stdout, stderr)
	}
	if len(results) > 0 {
		fmt.Fprintf(stdout, "mean final regret over %d episodes: %.4f\n", len(results), mean(results))
	}
	if c.out != "" && len(ts) > 0 {
		if werr := write(c.out, ts); werr != nil {
			return errors.Join(err, werr)
		}
		failed := 0
		for _, tr := range ts {
			if tr.Failed != "" {
				failed++
			}
		}
		fmt.Fprintf(stdout, "wrote %d transcripts (%d failed) to %s\n", len(ts), failed, c.out)
	}
	return err
}

// runModel plays the episodes with the language model.
func runModel(ctx context.Context, c *config, opts env.Options, getenv func(string) string, stdout, stderr io.Writer) ([]transcript.Transcript, []float64, error) {
	fromEnv, _ := llm.ConfigFromLookup(getenv) // partial on error; the flags may complete it
	cfg := c.client
	if cfg.BaseURL == "" {
		cfg.BaseURL = fromEnv.BaseURL
	}
	if cfg.Model == "" {
		cfg.Model = fromEnv.Model
	}
	cfg.APIKey = fromEnv.APIKey
	if cfg.BaseURL == "" || cfg.Model == "" {
		var missing []string
		if cfg.BaseURL == "" {
			missing = append(missing, fmt.Sprintf("the endpoint: set %s (or %s), or pass -base-url, e.g. https://api.openai.com/v1", llm.EnvBaseURL, llm.EnvOpenAIURL))
		}
		if cfg.Model == "" {
			missing = append(missing, fmt.Sprintf("the model: set %s (or %s), or pass -model", llm.EnvModel, llm.EnvOpenAIModel))
		}
		return nil, nil, fmt.Errorf("%w: no LLM endpoint configured; missing %s; set %s (or %s) too if the endpoint needs an API key; or run without a model: -record-teacher scaling-law -out teacher.jsonl",
			errUsage, strings.Join(missing, "; missing "), llm.EnvAPIKey, llm.EnvOpenAIKey)
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = -1 // -retries 0: none (0 in a Config means the default)
	}
	cfg.JitterSeed = c.seed
	client, err := llm.NewClient(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errUsage, err)
	}
	e, err := gym.Make[string, string](c.envID, opts)
	if err != nil {
		return nil, nil, err
	}
	defer e.Close()
	agent := &llm.Agent{Client: client, KeepTurns: c.keepTurns}
	fmt.Fprintf(stdout, "%s on %s (%s split, %s), %d episodes\n", cfg.Model, c.envID, c.split, c.setting, c.episodes)
	var ts []transcript.Transcript
	var regrets []float64
	var total llm.Usage
	for i := range c.episodes {
		seed := c.seed + uint64(i)
		res, err := agent.RunEpisode(ctx, e, env.SeedOf(seed))
		total.Add(res.Usage)
		if err != nil {
			return ts, regrets, fmt.Errorf("episode %d (seed %d): %w", i+1, seed, err)
		}
		regrets = append(regrets, res.FinalRegret)
		fmt.Fprintf(stdout, "episode %d seed %d target %s: final regret %.4f, return %.4f, %d steps (%d invalid, %d corrected), %d retries, %d tokens (%d prompt, %d completion), %v\n",
			i+1, seed, res.Target, res.FinalRegret, res.Return, res.Steps, res.InvalidSteps, res.Corrections, res.Retries,
			res.Usage.TotalTokens, res.Usage.PromptTokens, res.Usage.CompletionTokens, res.Wall.Round(time.Millisecond))
		tr, err := transcript.FromEpisode(res)
		tr.ID = fmt.Sprintf("%s/%s/seed-%d", cfg.Model, c.envID, seed)
		tr.Env = c.envID
		if errors.Is(err, transcript.ErrNoAnswers) {
			if verr := tr.Validate(); verr != nil {
				err = errors.Join(err, verr)
			} else {
				fmt.Fprintf(stderr, "episode %d failed: %s; its transcript is kept, marked failed\n", i+1, tr.Failed)
				err = nil
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "episode %d: no transcript: %v\n", i+1, err)
			continue
		}
		ts = append(ts, tr)
	}
	fmt.Fprintf(stdout, "tokens used: %d (%d prompt, %d completion)\n", total.TotalTokens, total.PromptTokens, total.CompletionTokens)
	return ts, regrets, nil
}

// recordTeacher records a baseline policy's answers.
func recordTeacher(ctx context.Context, c *config, opts env.Options, stdout io.Writer) ([]transcript.Transcript, []float64, error) {
	base, _ := baseID(c.envID)
	e, err := gym.Make[*research.Observation, research.Action](base, opts)
	if err != nil {
		return nil, nil, err
	}
	defer e.Close()
	i := slices.IndexFunc(teachers, func(t teacher) bool { return t.name == c.teacher })
	fmt.Fprintf(stdout, "teacher %s on %s (%s split, %s), %d episodes\n", c.teacher, c.envID, c.split, c.setting, c.episodes)
	var ts []transcript.Transcript
	var regrets []float64
	for k := range c.episodes {
		seed := c.seed + uint64(k)
		tr, err := transcript.RecordPolicy(ctx, e, teachers[i].new(), research.TextOptions{}, env.SeedOf(seed))
		if err != nil {
			return ts, regrets, fmt.Errorf("episode %d (seed %d): %w", k+1, seed, err)
		}
		tr.ID = fmt.Sprintf("teacher-%s/%s/seed-%d", c.teacher, c.envID, seed)
		tr.Env = c.envID
		ts = append(ts, tr)
		regrets = append(regrets, tr.FinalRegret)
		fmt.Fprintf(stdout, "episode %d seed %d target %s: final regret %.4f, %d answers\n", k+1, seed, tr.Target, tr.FinalRegret, (len(tr.Messages)-1)/2)
	}
	return ts, regrets, nil
}

// write writes the transcripts as Parquet or JSONL, by the path's
// extension, atomically: a failed write leaves the previous file as it was.
func write(path string, ts []transcript.Transcript) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		if strings.HasSuffix(strings.ToLower(path), ".parquet") {
			return transcript.WriteParquet(w, ts)
		}
		return transcript.WriteJSONL(w, ts)
	})
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
