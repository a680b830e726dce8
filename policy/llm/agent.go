package llm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/autollmresearch/gym/env"
)

// DefaultSystemPrompt is the system message of an Agent whose System is
// empty.
const DefaultSystemPrompt = `You are an experienced machine-learning research engineer. You are choosing the configuration of an expensive large-language-model experiment at a large scale (the target fidelity), using the recorded results of cheaper, smaller-scale experiments and the runs you make yourself.

Each user message holds the whole state of the episode: the task and its objective, the knobs you may set and their ranges, the target fidelity, the budget left, free results of lower-fidelity experiments, your runs so far with their outcomes, and the exact answer format. Earlier messages are not needed: the latest user message is complete.

Think about how the best configuration moves with scale, then answer. Your reply must contain exactly one JSON object in the format the user message gives, for example {"config": {...}}; if you explain your reasoning, put the JSON object last. Give a value for every knob, within its range.`

// DefaultMaxSteps is the default Agent.MaxSteps.
const DefaultMaxSteps = 200

// Agent is a policy that asks a language model, through a [Completer], to
// answer the prompts of a text view (env.Env[string, string], such as the
// research envs' "-text-v0" views).
//
// Each request holds the system prompt, the KeepTurns most recent
// exchanges (prompt and reply) and the current prompt. The default,
// KeepTurns 0, sends only the current prompt: the research text view's
// prompt already lists the episode's runs, the budget and the last
// reply's error, so earlier prompts would only repeat it, and the request
// stays the same size however long the episode runs.
//
// A reply from which no usable answer can be read (see [ReplyParser]; by
// default research.ParseAnswer with the episode's configuration space) is
// answered with one correction message naming the problem, and the model
// is asked again, once. Whatever the second reply is, it goes to the env,
// which counts a bad one as an invalid step. A reply outside the env's
// action space (not valid UTF-8, too long) is replaced by its canonical
// answer when it has one, else by "" (an invalid step).
//
// An Agent holds no per-episode state; RunEpisode may be called from
// several goroutines at once (with different envs) when the Completer is
// safe for concurrent use, as *Client is.
type Agent struct {
	// Client answers the chats. Required.
	Client Completer
	// System is the system prompt; "" means DefaultSystemPrompt.
	System string
	// KeepTurns is the number of earlier exchanges sent with each request;
	// 0 sends only the current prompt (see above).
	KeepTurns int
	// MaxSteps bounds the steps of an episode; an episode cut off there is
	// reported as Truncated. 0 means DefaultMaxSteps.
	MaxSteps int
}

// NewAgent returns an Agent over c with the default settings.
func NewAgent(c Completer) *Agent { return &Agent{Client: c} }

// Turn is one message of an episode's transcript.
type Turn struct {
	// Role is RoleSystem, RoleUser or RoleAssistant.
	Role string
	// Content is the message as sent or received.
	Content string
	// Correction marks the user messages the Agent wrote to ask again after
	// a reply with no usable answer (not prompts of the env).
	Correction bool
	// Answer is, for an assistant turn, the answer read from the reply in
	// canonical JSON (see FormatAnswer); "" when none could be read.
	Answer string
	// Problem is, for an assistant turn without a usable answer, why: what
	// the reply parser found wrong with it, or the env's reason (info
	// "error") for a step it counted invalid; "" otherwise.
	Problem string
	// Scored says the reply was passed to the env's Step; Step, Reward,
	// Regret and Invalid are set only then.
	Scored bool
	// Step is the 1-based step the reply was taken as.
	Step int
	// Reward is the step's reward and Regret the info number "regret"
	// after the step (NaN when the env reports none).
	Reward, Regret float64
	// Invalid says the env counted the step invalid (info "invalid" 1).
	Invalid bool
}

// EpisodeResult records one episode played by an Agent.
type EpisodeResult struct {
	// Seed is the seed the episode was reset with.
	Seed env.Seed
	// Target is the info value "target" after Reset ("" when absent).
	Target string
	// Steps counts the env steps, InvalidSteps those the env counted
	// invalid (info "invalid" 1).
	Steps, InvalidSteps int
	// Corrections counts the replies that were answered with a correction
	// message.
	Corrections int
	// Requests counts the chat requests that succeeded and Retries the
	// retried attempts of all requests (including a failed last one).
	Requests, Retries int
	// FinalRegret is the info number "regret" after the last step (after
	// Reset when there was none; NaN when the env reports none).
	FinalRegret float64
	// Return is the sum of the rewards.
	Return float64
	// Terminated and Truncated are those of the last step; Truncated is
	// also set when MaxSteps cut the episode off.
	Terminated, Truncated bool
	// Usage sums the token usage of all requests.
	Usage Usage
	// Wall is the episode's wall-clock time, model calls included.
	Wall time.Duration
	// Turns is the transcript: the system prompt, then every prompt,
	// reply and correction in order. The prompt that follows the last step
	// is not included.
	Turns []Turn
}

// RunEpisode resets e with seed and plays one episode. It returns an
// error when the Client fails (after its retries), the context is
// cancelled, or the env returns an error; the result then holds the
// episode up to the failure.
func (a *Agent) RunEpisode(ctx context.Context, e env.Env[string, string], seed env.Seed) (EpisodeResult, error) {
	start := time.Now()
	res := EpisodeResult{Seed: seed, FinalRegret: math.NaN()}
	fail := func(err error) (EpisodeResult, error) {
		res.Wall = time.Since(start)
		return res, err
	}
	if a.Client == nil {
		return fail(errors.New("llm: Agent.Client is nil"))
	}
	if e == nil {
		return fail(errors.New("llm: RunEpisode: the env is nil"))
	}
	if a.KeepTurns < 0 || a.MaxSteps < 0 {
		return fail(fmt.Errorf("llm: Agent.KeepTurns %d and MaxSteps %d must not be negative", a.KeepTurns, a.MaxSteps))
	}
	if err := ctx.Err(); err != nil {
		return fail(fmt.Errorf("llm: RunEpisode: %w", err))
	}
	system := a.System
	if system == "" {
		system = DefaultSystemPrompt
	}
	maxSteps := a.MaxSteps
	if maxSteps == 0 {
		maxSteps = DefaultMaxSteps
	}

	prompt, info, err := e.Reset(seed, nil)
	if err != nil {
		return fail(fmt.Errorf("llm: RunEpisode: Reset: %w", err))
	}
	if v, ok := info.Get("target"); ok {
		res.Target, _ = v.(string)
	}
	if r, ok := info.Num("regret"); ok {
		res.FinalRegret = r
	}
	checker := newReplyChecker(e, info)
	res.Turns = append(res.Turns, Turn{Role: RoleSystem, Content: system}, Turn{Role: RoleUser, Content: prompt})
	var kept []Message // earlier exchanges, oldest first

	ask := func(msgs []Message) (string, error) {
		c, err := a.Client.Complete(ctx, msgs)
		res.Retries += c.Retries
		res.Usage.Add(c.Usage)
		if err != nil {
			return "", fmt.Errorf("llm: step %d: %w", res.Steps+1, err)
		}
		res.Requests++
		return c.Content, nil
	}

	for {
		if err := ctx.Err(); err != nil {
			return fail(fmt.Errorf("llm: RunEpisode: %w", err))
		}
		if res.Steps >= maxSteps {
			res.Truncated = true
			break
		}
		msgs := make([]Message, 0, 2+len(kept)+3)
		msgs = append(msgs, Message{RoleSystem, system})
		msgs = append(msgs, kept...)
		msgs = append(msgs, Message{RoleUser, prompt})
		reply, err := ask(msgs)
		if err != nil {
			return fail(err)
		}
		answer, perr := checker.check(reply)
		if perr != nil {
			res.Turns = append(res.Turns, Turn{Role: RoleAssistant, Content: reply, Problem: problem(perr)})
			res.Corrections++
			fix := correction(perr)
			res.Turns = append(res.Turns, Turn{Role: RoleUser, Content: fix, Correction: true})
			msgs = append(msgs, Message{RoleAssistant, reply}, Message{RoleUser, fix})
			if reply, err = ask(msgs); err != nil {
				return fail(err)
			}
			answer, perr = checker.check(reply)
		}
		action := reply
		if !e.ActionSpace().Contains(action) {
			action = strings.ToValidUTF8(action, "\uFFFD")
			if !e.ActionSpace().Contains(action) {
				action = answer // "" when there is none: an invalid step
			}
		}
		sr, err := e.Step(action)
		if err != nil {
			return fail(fmt.Errorf("llm: step %d: %w", res.Steps+1, err))
		}
		res.Steps++
		res.Return += sr.Reward
		res.Terminated, res.Truncated = sr.Terminated, sr.Truncated
		t := Turn{Role: RoleAssistant, Content: reply, Answer: answer, Scored: true, Step: res.Steps, Reward: sr.Reward, Regret: math.NaN()}
		if r, ok := sr.Info.Num("regret"); ok {
			t.Regret = r
			res.FinalRegret = r
		}
		if perr != nil {
			t.Problem = problem(perr)
		}
		if v, ok := sr.Info.Num("invalid"); ok && v == 1 {
			t.Invalid = true
			t.Answer = ""
			res.InvalidSteps++
			if msg, ok := sr.Info.Get("error"); ok && fmt.Sprint(msg) != "" {
				t.Problem = fmt.Sprint(msg)
			}
			if t.Problem == "" {
				t.Problem = "the env counted the step invalid"
			}
		}
		res.Turns = append(res.Turns, t)
		if sr.Done() {
			break
		}
		if a.KeepTurns > 0 {
			kept = append(kept, Message{RoleUser, prompt}, Message{RoleAssistant, reply})
			if n := 2 * a.KeepTurns; len(kept) > n {
				kept = kept[len(kept)-n:]
			}
		}
		prompt = sr.Obs
		res.Turns = append(res.Turns, Turn{Role: RoleUser, Content: prompt})
	}
	res.Wall = time.Since(start)
	return res, nil
}

// Failure says why the episode gave nothing to learn from: "" when a step
// took a usable answer (a scored assistant turn with an Answer), else the
// number of steps and corrections and the last reply's problem, such as
// "no usable answer in 5 steps (5 invalid, 5 corrected); last reply: no
// JSON object in the reply". An episode cut short by an error has only the
// turns before it.
func (r EpisodeResult) Failure() string {
	last := ""
	for _, t := range r.Turns {
		if t.Role != RoleAssistant {
			continue
		}
		if t.Scored && t.Answer != "" {
			return ""
		}
		if t.Problem != "" {
			last = t.Problem
		}
	}
	msg := fmt.Sprintf("no usable answer in %d steps (%d invalid, %d corrected)", r.Steps, r.InvalidSteps, r.Corrections)
	if last != "" {
		msg += "; last reply: " + last
	}
	return msg
}

// problem renders a reply parser's error for Turn.Problem.
func problem(err error) string {
	return truncate(strings.NewReplacer("research: ", "", "spaces: ", "").Replace(err.Error()), 600)
}

// correction is the message that asks the model again after a reply with
// no usable answer.
func correction(err error) string {
	msg := strings.NewReplacer("research: ", "", "spaces: ", "").Replace(err.Error())
	return "Your reply had no usable config: " + truncate(msg, 600) +
		"\n\nAnswer again with exactly one JSON object in the format given above, for example {\"config\": {...}}, with a value for every knob within its range."
}
