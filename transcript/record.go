package transcript

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/policy"
	"github.com/autollmresearch/gym/policy/llm"
	"github.com/autollmresearch/gym/spaces"
)

// ErrNoAnswers is matched (with errors.Is) by the error of FromEpisode,
// Record and RecordPolicy for an episode in which no reply gave a usable
// answer, so that it has no answer to imitate. The transcript they return
// with it is the failed episode, marked (Transcript.Failed) and kept whole,
// which is data too (what a model gets wrong, and why): keep it or drop it.
var ErrNoAnswers = errors.New("transcript: the episode has no usable answer")

// teacherStream is the second PCG word of a teacher policy's random
// stream; the first is the episode's seed.
const teacherStream = 0x7465616368657273

// FromEpisode builds the transcript of an episode an llm.Agent played.
// The messages are the system prompt, then, for each step whose reply
// gave a usable answer, the env's prompt (user) and the answer in
// canonical JSON (assistant, with the step's reward and the regret after
// it). Steps without a usable answer (invalid steps), with their prompts,
// and the Agent's correction exchanges are left out, so the transcript
// shows only answers worth imitating; "return" and "final_regret" are
// those of the whole episode. ID and Env are left for the caller to set;
// Seed is res.Seed.Value (0 for an unseeded episode).
//
// It fails when the episode's final regret is not a number in [0, 1].
// When no step had a usable answer it returns, with an error matching
// ErrNoAnswers, the failed transcript (see failedTranscript): valid, with
// Failed set to res.Failure(), as soon as ID and Env are set and the
// episode has at least one reply.
func FromEpisode(res llm.EpisodeResult) (Transcript, error) {
	t := Transcript{Target: res.Target, Seed: res.Seed.Value, FinalRegret: res.FinalRegret, Return: res.Return}
	if !(res.FinalRegret >= 0 && res.FinalRegret <= 1) {
		return t, fmt.Errorf("transcript: the episode's final regret is %g, want a number in [0, 1] (does the env report info \"regret\"?)", res.FinalRegret)
	}
	prompt := -1 // index into res.Turns of the prompt being answered
	for i, tu := range res.Turns {
		switch {
		case tu.Role == llm.RoleSystem && len(t.Messages) == 0:
			t.Messages = append(t.Messages, Message{Role: RoleSystem, Content: tu.Content})
		case tu.Role == llm.RoleUser && !tu.Correction:
			prompt = i
		case tu.Role == llm.RoleAssistant && tu.Scored && tu.Answer != "" && prompt >= 0:
			m := Message{Role: RoleAssistant, Content: tu.Answer, Reward: ptr(tu.Reward)}
			if !math.IsNaN(tu.Regret) {
				m.Regret = ptr(tu.Regret)
			}
			t.Messages = append(t.Messages, Message{Role: RoleUser, Content: res.Turns[prompt].Content}, m)
			prompt = -1
		}
	}
	if len(t.Messages) == 0 || t.Messages[0].Role != RoleSystem {
		return t, errors.New("transcript: the episode's turns do not start with a system message")
	}
	if len(t.Messages) == 1 {
		return failedTranscript(res, t), ErrNoAnswers
	}
	return t, nil
}

// failedTranscript is the transcript of an episode without a usable
// answer: t's fields, Failed set to res.Failure(), and every turn after
// the system prompt as a message: the env's prompts and the Agent's
// correction messages (user), and the replies as received (assistant; the
// scored ones with their reward, and regret when known).
func failedTranscript(res llm.EpisodeResult, t Transcript) Transcript {
	t.Failed = res.Failure()
	t.Messages = t.Messages[:1]
	for _, tu := range res.Turns[1:] {
		switch tu.Role {
		case llm.RoleUser:
			t.Messages = append(t.Messages, Message{Role: RoleUser, Content: tu.Content})
		case llm.RoleAssistant:
			m := Message{Role: RoleAssistant, Content: tu.Content}
			if tu.Scored {
				m.Reward = ptr(tu.Reward)
				if !math.IsNaN(tu.Regret) {
					m.Regret = ptr(tu.Regret)
				}
			}
			t.Messages = append(t.Messages, m)
		}
	}
	// The prompt after the last step was never answered.
	if n := len(t.Messages); n > 1 && t.Messages[n-1].Role == RoleUser {
		t.Messages = t.Messages[:n-1]
	}
	return t
}

func ptr(x float64) *float64 { return &x }

// AnswerFunc answers a prompt of a text view.
type AnswerFunc func(prompt string) (string, error)

// funcCompleter serves an AnswerFunc as an llm.Completer: it answers the
// chat's last user message.
type funcCompleter AnswerFunc

func (f funcCompleter) Complete(ctx context.Context, msgs []llm.Message) (llm.Completion, error) {
	if err := ctx.Err(); err != nil {
		return llm.Completion{}, err
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == llm.RoleUser {
			s, err := f(msgs[i].Content)
			return llm.Completion{Content: s}, err
		}
	}
	return llm.Completion{}, errors.New("transcript: the chat has no user message")
}

// Record plays one episode of the text view e with answer in place of a
// language model and returns its transcript. It runs an llm.Agent (with
// the default system prompt, which the transcript starts with) over
// answer, so the episode goes exactly as it would for a model that gave
// the same replies, and builds the transcript with FromEpisode. ID and
// Env are left for the caller to set.
func Record(ctx context.Context, e env.Env[string, string], answer AnswerFunc, seed env.Seed) (Transcript, error) {
	if answer == nil {
		return Transcript{}, errors.New("transcript: Record: the answer function is nil")
	}
	res, err := llm.NewAgent(funcCompleter(answer)).RunEpisode(ctx, e, seed)
	if err != nil {
		return Transcript{}, fmt.Errorf("transcript: Record: %w", err)
	}
	return FromEpisode(res) // with ErrNoAnswers, the failed transcript
}

// RecordPolicy records a programmatic policy (a baseline, a trained
// network) as a teacher, without any language model. It builds the text
// view of e with opts; each prompt is answered with p's action on the
// observation the prompt renders, in canonical JSON (see
// llm.FormatAnswer). p is reset at the episode's start with a random
// stream seeded by seed. The transcript pairs the text view's prompts
// with the teacher's answers, ready for supervised fine-tuning. ID and Env
// are left for the caller to set.
func RecordPolicy(ctx context.Context, e env.Env[*research.Observation, research.Action], p policy.Policy, opts research.TextOptions, seed env.Seed) (Transcript, error) {
	if e == nil || p == nil {
		return Transcript{}, errors.New("transcript: RecordPolicy: the env and the policy must not be nil")
	}
	tp := &tap{Env: e}
	text, err := research.NewText(tp, opts)
	if err != nil {
		return Transcript{}, fmt.Errorf("transcript: RecordPolicy: %w", err)
	}
	var space *spaces.ConfigSpace
	if core, ok := env.As[*research.Env](e); ok {
		space = core.Table().Meta().Space
	}
	answer := func(string) (string, error) {
		if tp.obs == nil {
			return "", errors.New("transcript: RecordPolicy: no observation to act on")
		}
		if tp.fresh {
			tp.fresh = false
			if err := p.Reset(tp.obs, rand.New(rand.NewPCG(seed.Value, teacherStream))); err != nil {
				return "", fmt.Errorf("policy %s: Reset: %w", p.Name(), err)
			}
		}
		a, err := p.Act(tp.obs)
		if err != nil {
			return "", fmt.Errorf("policy %s: Act: %w", p.Name(), err)
		}
		sp := space
		if sp == nil {
			sp = tp.obs.Space
		}
		return llm.FormatAnswer(sp, a)
	}
	return Record(ctx, text, answer, seed)
}

// tap passes an env through, keeping its latest observation.
type tap struct {
	env.Env[*research.Observation, research.Action]
	obs   *research.Observation
	fresh bool // reset since the policy last saw an observation
}

func (t *tap) UnwrapEnv() any { return t.Env }

func (t *tap) Reset(seed env.Seed, options env.Options) (*research.Observation, env.Info, error) {
	obs, info, err := t.Env.Reset(seed, options)
	t.obs, t.fresh = obs, err == nil
	if err != nil {
		t.obs = nil
	}
	return obs, info, err
}

func (t *tap) Step(a research.Action) (env.StepResult[*research.Observation], error) {
	res, err := t.Env.Step(a)
	if err == nil {
		t.obs = res.Obs
	}
	return res, err
}
