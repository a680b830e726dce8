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
	p := &episode{agent: a, ctx: ctx, env: e, res: EpisodeResult{Seed: seed, FinalRegret: math.NaN()}}
	err := p.play(seed)
	p.res.Wall = time.Since(start)
	return p.res, err
}

// episode is the state of one episode played by an Agent.
type episode struct {
	agent   *Agent
	ctx     context.Context
	env     env.Env[string, string]
	system  string        // the system prompt
	checker replyChecker  // reads answers from the replies
	kept    []Message     // earlier exchanges, oldest first
	prompt  string        // the env's current prompt
	res     EpisodeResult // the episode so far
}

// play checks the settings, resets the env with seed and plays steps until
// the episode ends, MaxSteps cuts it off or something fails.
func (p *episode) play(seed env.Seed) error {
	maxSteps, err := p.settings()
	if err != nil {
		return err
	}
	if err := p.reset(seed); err != nil {
		return err
	}
	for {
		if err := p.ctx.Err(); err != nil {
			return fmt.Errorf("llm: RunEpisode: %w", err)
		}
		if p.res.Steps >= maxSteps {
			p.res.Truncated = true
			return nil
		}
		if done, err := p.step(); err != nil || done {
			return err
		}
	}
}

// settings checks the Agent, the env and the context, sets the system
// prompt and returns the step limit.
func (p *episode) settings() (maxSteps int, err error) {
	a := p.agent
	if a.Client == nil {
		return 0, errors.New("llm: Agent.Client is nil")
	}
	if p.env == nil {
		return 0, errors.New("llm: RunEpisode: the env is nil")
	}
	if a.KeepTurns < 0 || a.MaxSteps < 0 {
		return 0, fmt.Errorf("llm: Agent.KeepTurns %d and MaxSteps %d must not be negative", a.KeepTurns, a.MaxSteps)
	}
	if err := p.ctx.Err(); err != nil {
		return 0, fmt.Errorf("llm: RunEpisode: %w", err)
	}
	p.system = a.System
	if p.system == "" {
		p.system = DefaultSystemPrompt
	}
	maxSteps = a.MaxSteps
	if maxSteps == 0 {
		maxSteps = DefaultMaxSteps
	}
	return maxSteps, nil
}

// reset resets the env with seed, records the target and the regret it
// reports, builds the episode's reply checker and starts the transcript
// with the system prompt and the first prompt.
func (p *episode) reset(seed env.Seed) error {
	prompt, info, err := p.env.Reset(seed, nil)
	if err != nil {
		return fmt.Errorf("llm: RunEpisode: Reset: %w", err)
	}
	if v, ok := info.Get("target"); ok {
		p.res.Target, _ = v.(string)
	}
	if r, ok := info.Num("regret"); ok {
		p.res.FinalRegret = r
	}
	p.checker = newReplyChecker(p.env, info)
	p.prompt = prompt
	p.res.Turns = append(p.res.Turns, Turn{Role: RoleSystem, Content: p.system}, Turn{Role: RoleUser, Content: prompt})
	return nil
}

// step gets the model's reply to the current prompt, passes it to the env
// and records the step; on an episode that goes on, it keeps the exchange
// and moves to the env's next prompt. It reports whether the episode
// ended.
func (p *episode) step() (done bool, err error) {
	reply, answer, perr, err := p.reply()
	if err != nil {
		return false, err
	}
	sr, err := p.env.Step(p.action(reply, answer))
	if err != nil {
		return false, fmt.Errorf("llm: step %d: %w", p.res.Steps+1, err)
	}
	p.record(sr, reply, answer, perr)
	if sr.Done() {
		return true, nil
	}
	p.keep(reply)
	p.prompt = sr.Obs
	p.res.Turns = append(p.res.Turns, Turn{Role: RoleUser, Content: p.prompt})
	return false, nil
}

// reply asks the model to answer the current prompt and reads the answer
// from its reply. A reply without a usable answer is recorded, answered
// with a correction message, and the model is asked again, once. It
// returns the last reply, its answer ("" when none) and, when the answer
// is not usable, why (perr).
func (p *episode) reply() (reply, answer string, perr, err error) {
	msgs := make([]Message, 0, 2+len(p.kept)+3)
	msgs = append(msgs, Message{RoleSystem, p.system})
	msgs = append(msgs, p.kept...)
	msgs = append(msgs, Message{RoleUser, p.prompt})
	if reply, err = p.ask(msgs); err != nil {
		return "", "", nil, err
	}
	answer, perr = p.checker.check(reply)
	if perr == nil {
		return reply, answer, nil, nil
	}
	p.res.Turns = append(p.res.Turns, Turn{Role: RoleAssistant, Content: reply, Problem: problem(perr)})
	p.res.Corrections++
	fix := correction(perr)
	p.res.Turns = append(p.res.Turns, Turn{Role: RoleUser, Content: fix, Correction: true})
	msgs = append(msgs, Message{RoleAssistant, reply}, Message{RoleUser, fix})
	if reply, err = p.ask(msgs); err != nil {
		return "", "", nil, err
	}
	answer, perr = p.checker.check(reply)
	return reply, answer, perr, nil
}

// ask sends one chat request, counting its retries, usage and success.
func (p *episode) ask(msgs []Message) (string, error) {
	c, err := p.agent.Client.Complete(p.ctx, msgs)
	p.res.Retries += c.Retries
	p.res.Usage.Add(c.Usage)
	if err != nil {
		return "", fmt.Errorf("llm: step %d: %w", p.res.Steps+1, err)
	}
	p.res.Requests++
	return c.Content, nil
}

// action returns what is passed to the env for reply: the reply itself
// when it is in the env's action space, else the reply with invalid UTF-8
// replaced, else its answer ("" when there is none: an invalid step).
func (p *episode) action(reply, answer string) string {
	action := reply
	if !p.env.ActionSpace().Contains(action) {
		action = strings.ToValidUTF8(action, "\uFFFD")
		if !p.env.ActionSpace().Contains(action) {
			action = answer
		}
	}
	return action
}

// record counts the step sr of reply and adds the reply's scored turn,
// with its answer, its problem perr or, for a step the env counted
// invalid, the env's reason.
func (p *episode) record(sr env.StepResult[string], reply, answer string, perr error) {
	p.res.Steps++
	p.res.Return += sr.Reward
	p.res.Terminated, p.res.Truncated = sr.Terminated, sr.Truncated
	t := Turn{Role: RoleAssistant, Content: reply, Answer: answer, Scored: true, Step: p.res.Steps, Reward: sr.Reward, Regret: math.NaN()}
	if r, ok := sr.Info.Num("regret"); ok {
		t.Regret = r
		p.res.FinalRegret = r
	}
	if perr != nil {
		t.Problem = problem(perr)
	}
	if v, ok := sr.Info.Num("invalid"); ok && v == 1 {
		t.Invalid = true
		t.Answer = ""
		p.res.InvalidSteps++
		if msg, ok := sr.Info.Get("error"); ok && fmt.Sprint(msg) != "" {
			t.Problem = fmt.Sprint(msg)
		}
		if t.Problem == "" {
			t.Problem = "the env counted the step invalid"
		}
	}
	p.res.Turns = append(p.res.Turns, t)
}

// keep adds the exchange of the current prompt and reply to the ones sent
// with later requests, keeping the KeepTurns most recent.
func (p *episode) keep(reply string) {
	if p.agent.KeepTurns > 0 {
		p.kept = append(p.kept, Message{RoleUser, p.prompt}, Message{RoleAssistant, reply})
		if n := 2 * p.agent.KeepTurns; len(p.kept) > n {
			p.kept = p.kept[len(p.kept)-n:]
		}
	}
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
