package llm

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	gym "github.com/autollmresearch/gym"
	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
)

const textID = "pretrain/steplaw-text-v0"

func textEnv(t testing.TB, opts env.Options) env.Env[string, string] {
	t.Helper()
	if opts == nil {
		opts = env.Options{"split": "test"}
	}
	e, err := gym.Make[string, string](textID, opts)
	require.NoError(t, err)
	t.Cleanup(func() { e.Close() })
	return e
}

// isCorrection reports whether the chat's last user message is the
// agent's correction.
func isCorrection(msgs []Message) bool {
	return strings.HasPrefix(lastUser(msgs), "Your reply had no usable config")
}

func TestAgentEpisodes(t *testing.T) {
	good := func(_ int, msgs []Message) reply { return reply{content: goodConfig(lastUser(msgs))} }
	cases := []struct {
		name        string
		script      func(n int, msgs []Message) reply
		steps       int
		invalid     int
		corrections int
		requests    int
		retries     int
		errIs       error
		errHas      string
		failure     string // what EpisodeResult.Failure says; "" for an episode with an answer
	}{
		{name: "good replies", script: good, steps: 5, requests: 5},
		{
			name: "prose-wrapped and code-fenced JSON",
			script: func(n int, msgs []Message) reply {
				cfg := goodConfig(lastUser(msgs))
				if n%2 == 0 {
					return reply{content: "Looking at the nearest fidelity, the optimum moves little.\n\n```json\n" + cfg + "\n```\n"}
				}
				return reply{content: "I will try " + cfg + " next, since {braces in prose} do not count."}
			},
			steps: 5, requests: 5,
		},
		{
			name:   "garbage is corrected once, then counted invalid",
			script: func(int, []Message) reply { return reply{content: "I would rather not say."} },
			// Three invalid replies in a row end the episode.
			steps: 3, invalid: 3, corrections: 3, requests: 6,
			failure: "no usable answer in 3 steps (3 invalid, 3 corrected); last reply: ",
		},
		{
			name: "garbage then a corrected answer",
			script: func(_ int, msgs []Message) reply {
				if isCorrection(msgs) {
					return reply{content: goodConfig(msgs[1].Content)}
				}
				return reply{content: `{"config": {"lr": "fast", "bs": 256}}`}
			},
			steps: 5, corrections: 5, requests: 10,
		},
		{
			name: "429 then success",
			script: func(n int, msgs []Message) reply {
				if n == 0 {
					return reply{status: 429, header: map[string]string{"Retry-After": "0"}, body: `{"error": {"message": "slow down"}}`}
				}
				return good(n, msgs)
			},
			steps: 5, requests: 5, retries: 1,
		},
		{
			name:    "500s until the retries run out",
			script:  func(int, []Message) reply { return reply{status: 502, body: "bad gateway"} },
			retries: 3,
			errIs:   ErrRetriesExhausted,
			errHas:  "llm: step 1:",
		},
		{
			name: "401 after two steps",
			script: func(n int, msgs []Message) reply {
				if n == 2 {
					return reply{status: 401, body: `{"error": {"message": "key revoked"}}`}
				}
				return good(n, msgs)
			},
			steps: 2, requests: 2,
			errHas: "llm: step 3: llm: HTTP 401 Unauthorized: key revoked",
		},
		{
			name:    "malformed body, retried until the retries run out",
			script:  func(int, []Message) reply { return reply{body: "<html>oops</html>"} },
			retries: 3,
			errIs:   ErrMalformedReply,
			errHas:  "not valid JSON",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeServer(t, c.script)
			e := textEnv(t, nil)
			res, err := NewAgent(f.client(t)).RunEpisode(context.Background(), e, env.SeedOf(3))
			assert.Equal(t, c.steps, res.Steps)
			assert.Equal(t, c.invalid, res.InvalidSteps)
			assert.Equal(t, c.corrections, res.Corrections)
			assert.Equal(t, c.requests, res.Requests)
			assert.Equal(t, c.retries, res.Retries)
			assert.Equal(t, c.requests*fakePromptTokens, res.Usage.PromptTokens)
			assert.Equal(t, c.requests*(fakePromptTokens+fakeCompletionTokens), res.Usage.TotalTokens)
			assert.NotEmpty(t, res.Target)
			assert.Equal(t, RoleSystem, res.Turns[0].Role)
			if c.errIs != nil || c.errHas != "" {
				require.Error(t, err)
				if c.errIs != nil {
					assert.ErrorIs(t, err, c.errIs)
				}
				assert.Contains(t, err.Error(), c.errHas)
				return
			}
			require.NoError(t, err)
			if c.failure == "" {
				assert.Empty(t, res.Failure())
			} else {
				assert.True(t, strings.HasPrefix(res.Failure(), c.failure), "failure %q", res.Failure())
				assert.Greater(t, len(res.Failure()), len(c.failure), "it gives the last reply's problem")
			}
			assert.True(t, res.Terminated)
			assert.Positive(t, res.Wall)
			assert.InDelta(t, 1-res.FinalRegret, res.Return, 1e-12, "the return is 1 - final regret")
			assert.GreaterOrEqual(t, res.FinalRegret, 0.0)
			assert.LessOrEqual(t, res.FinalRegret, 1.0)
			checkTurns(t, res)
			for i, req := range f.calls() {
				if isCorrection(req.Messages) {
					require.Len(t, req.Messages, 4, "request %d", i)
					assert.Equal(t, RoleAssistant, req.Messages[2].Role)
				} else {
					require.Len(t, req.Messages, 2, "request %d: system and the latest prompt only", i)
				}
				assert.Equal(t, DefaultSystemPrompt, req.Messages[0].Content)
			}
		})
	}
}

// checkTurns checks the transcript against the counters.
func checkTurns(t *testing.T, res EpisodeResult) {
	t.Helper()
	var scored, invalid, corrections int
	regret := 1.0
	for i, tu := range res.Turns {
		if tu.Role == RoleAssistant {
			usable := tu.Scored && tu.Answer != ""
			assert.Equal(t, usable, tu.Problem == "", "turn %d: a problem exactly when there is no usable answer (problem %q)", i, tu.Problem)
		} else {
			assert.Empty(t, tu.Problem, "turn %d", i)
		}
		switch {
		case tu.Correction:
			corrections++
			assert.Equal(t, RoleUser, tu.Role)
			assert.Contains(t, tu.Content, "Your reply had no usable config: ")
			assert.Equal(t, RoleAssistant, res.Turns[i-1].Role)
			assert.False(t, res.Turns[i-1].Scored)
		case tu.Scored:
			scored++
			assert.Equal(t, scored, tu.Step)
			assert.False(t, math.IsNaN(tu.Regret))
			assert.LessOrEqual(t, tu.Regret, regret, "regret is best so far")
			regret = tu.Regret
			if tu.Invalid {
				invalid++
				assert.Empty(t, tu.Answer)
				assert.Zero(t, tu.Reward)
			} else {
				var v map[string]any
				require.NoError(t, json.Unmarshal([]byte(tu.Answer), &v), "answer %q", tu.Answer)
				assert.Contains(t, v, "config")
			}
		}
	}
	assert.Equal(t, res.Steps, scored)
	assert.Equal(t, res.InvalidSteps, invalid)
	assert.Equal(t, res.Corrections, corrections)
	assert.Equal(t, res.FinalRegret, regret)
}

func TestAgentDeterministic(t *testing.T) {
	run := func() EpisodeResult {
		f := newFakeServer(t, func(_ int, msgs []Message) reply { return reply{content: goodConfig(lastUser(msgs))} })
		res, err := NewAgent(f.client(t)).RunEpisode(context.Background(), textEnv(t, nil), env.SeedOf(11))
		require.NoError(t, err)
		return res
	}
	a, b := run(), run()
	a.Wall, b.Wall = 0, 0
	assert.Equal(t, a, b)
}

func TestAgentKeepTurnsAndMaxSteps(t *testing.T) {
	f := newFakeServer(t, func(_ int, msgs []Message) reply { return reply{content: goodConfig(lastUser(msgs))} })
	ag := &Agent{Client: f.client(t), System: "custom system", KeepTurns: 1, MaxSteps: 3}
	res, err := ag.RunEpisode(context.Background(), textEnv(t, nil), env.SeedOf(2))
	require.NoError(t, err)
	assert.Equal(t, 3, res.Steps)
	assert.True(t, res.Truncated)
	assert.False(t, res.Terminated)
	calls := f.calls()
	require.Len(t, calls, 3)
	assert.Len(t, calls[0].Messages, 2)
	assert.Len(t, calls[1].Messages, 4, "system, one kept exchange, prompt")
	assert.Len(t, calls[2].Messages, 4, "still one kept exchange")
	assert.Equal(t, "custom system", calls[2].Messages[0].Content)
	assert.Equal(t, calls[1].Messages[3].Content, calls[2].Messages[1].Content)
}

// fidelityField matches the "fidelity" of an answer.
var fidelityField = regexp.MustCompile(`, "fidelity": "[^"]*"`)

func TestAgentMultiFidelity(t *testing.T) {
	// Answers name a fidelity: first a cheap one, then the target (by
	// leaving it out), then stop.
	f := newFakeServer(t, func(n int, msgs []Message) reply {
		p := lastUser(msgs)
		switch n {
		case 0:
			i := strings.Index(p, "## Fidelities you may run\n")
			j := strings.Index(p[i:], "- `")
			id := p[i+j+3:]
			id = id[:strings.IndexByte(id, '`')]
			cfg := fidelityField.ReplaceAllString(goodConfig(p), "")
			return reply{content: cfg[:len(cfg)-1] + `, "fidelity": "` + id + `"}`}
		case 1:
			return reply{content: fidelityField.ReplaceAllString(goodConfig(p), "")}
		}
		return reply{content: `{"stop": true}`}
	})
	e := textEnv(t, env.Options{"split": "test", "setting": "multi-fidelity"})
	res, err := NewAgent(f.client(t)).RunEpisode(context.Background(), e, env.SeedOf(5))
	require.NoError(t, err)
	assert.Equal(t, 3, res.Steps)
	assert.Zero(t, res.InvalidSteps)
	assert.Zero(t, res.Corrections)
	assert.True(t, res.Terminated)
	var answers []string
	for _, tu := range res.Turns {
		if tu.Scored {
			answers = append(answers, tu.Answer)
		}
	}
	require.Len(t, answers, 3)
	assert.Contains(t, answers[0], `"fidelity": "`)
	assert.NotContains(t, answers[1], "fidelity")
	assert.Equal(t, `{"stop": true}`, answers[2])
}

// strictParser rejects every reply, as a text env layer could.
type strictParser struct{ env.Env[string, string] }

func (s strictParser) UnwrapEnv() any { return s.Env }
func (s strictParser) ParseReply(string) (research.Action, error) {
	return research.Action{}, research.ErrNoAnswer
}

func TestAgentUsesReplyParser(t *testing.T) {
	f := newFakeServer(t, func(_ int, msgs []Message) reply { return reply{content: goodConfig(msgs[1].Content)} })
	res, err := NewAgent(f.client(t)).RunEpisode(context.Background(), strictParser{textEnv(t, nil)}, env.SeedOf(1))
	require.NoError(t, err)
	assert.Equal(t, 5, res.Corrections, "every reply was asked again")
	assert.Zero(t, res.InvalidSteps, "the env itself took the replies")
}

func TestAgentErrors(t *testing.T) {
	f := newFakeServer(t, func(_ int, msgs []Message) reply { return reply{content: goodConfig(lastUser(msgs))} })
	cl := f.client(t)
	e := textEnv(t, nil)
	_, err := (&Agent{}).RunEpisode(context.Background(), e, env.NoSeed)
	assert.ErrorContains(t, err, "Agent.Client is nil")
	_, err = NewAgent(cl).RunEpisode(context.Background(), nil, env.NoSeed)
	assert.ErrorContains(t, err, "the env is nil")
	_, err = (&Agent{Client: cl, KeepTurns: -1}).RunEpisode(context.Background(), e, env.NoSeed)
	assert.ErrorContains(t, err, "must not be negative")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = NewAgent(cl).RunEpisode(ctx, e, env.NoSeed)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, f.calls())
}

func TestAgentTooLongReply(t *testing.T) {
	f := newFakeServer(t, func(_ int, msgs []Message) reply {
		return reply{content: strings.Repeat("thinking. ", 400) + goodConfig(lastUser(msgs))}
	})
	e := textEnv(t, env.Options{"split": "test", research.OptionMaxReplyLength: 200})
	res, err := NewAgent(f.client(t)).RunEpisode(context.Background(), e, env.SeedOf(1))
	require.NoError(t, err)
	assert.Equal(t, 5, res.Steps)
	assert.Zero(t, res.InvalidSteps, "the canonical answer was sent instead")
}

func TestFormatAnswerRoundTrip(t *testing.T) {
	e := textEnv(t, nil)
	core, ok := env.As[*research.Env](e)
	require.True(t, ok)
	space := core.Table().Meta().Space
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []research.Action{
		{Stop: true},
		{Config: space.Sample(rng)},
		{Config: space.Sample(rng), Experiment: "pretrain/N=1.28e9,D=3.84e11"},
	}
	for _, a := range cases {
		s, err := FormatAnswer(space, a)
		require.NoError(t, err)
		got, err := research.ParseAnswer(space, []string{"pretrain/N=1.28e9,D=3.84e11"}, s)
		require.NoError(t, err, "answer %s", s)
		assert.Equal(t, a, got, "answer %s", s)
	}
	_, err := FormatAnswer(space, research.Action{Config: map[string]any{"lr": "fast"}})
	assert.ErrorContains(t, err, "lr")
	_, err = FormatAnswer(nil, research.Action{})
	assert.ErrorContains(t, err, "nil configuration space")
}
