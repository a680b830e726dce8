package research

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/spaces"
)

func TestParseAnswer(t *testing.T) {
	space := spaces.MustConfigSpace(
		spaces.LogDim("lr", 1e-5, 1e-1),
		spaces.IntDim("bs", 8, 4096),
		spaces.CategoricalDim("opt", "adam", "sgd"),
	)
	fids := []string{"toy/small", "toy/a}b", "toy/target"}
	want := spaces.Config{"lr": 0.001, "bs": 256, "opt": "adam"}
	const cfg = `{"lr": 0.001, "bs": 256, "opt": "adam"}`
	cases := []struct {
		name  string
		reply string
		exp   string // the Action.Experiment wanted
		stop  bool
		err   error  // errors.Is target; nil for success
		msg   string // part of the error message
	}{
		{name: "bare config", reply: cfg},
		{name: "envelope", reply: `{"config": ` + cfg + `, "fidelity": "toy/small", "stop": false}`, exp: "toy/small"},
		{name: "envelope without extras", reply: `{"config": ` + cfg + `}`},
		{name: "null fidelity is the target", reply: `{"config": ` + cfg + `, "fidelity": null}`},
		{name: "empty fidelity is the target", reply: `{"config": ` + cfg + `, "fidelity": ""}`},
		{name: "bare config with fidelity", reply: `{"lr": 0.001, "bs": 256, "opt": "adam", "fidelity": "toy/small"}`, exp: "toy/small"},
		{name: "code fence", reply: "Here is my choice:\n```json\n{\"config\": " + cfg + "}\n```\n", exp: ""},
		{name: "prose around", reply: "I think a moderate rate is best. " + cfg + " That should work."},
		{name: "trailing text with braces", reply: cfg + "\nNote: {this} is prose."},
		{name: "last valid object wins", reply: `Format: {"config": {"lr": 0.1, "bs": 8, "opt": "sgd"}}. My answer: ` + cfg},
		{name: "brace inside a string", reply: `{"config": ` + cfg + `, "fidelity": "toy/a}b"}`, exp: "toy/a}b"},
		{name: "integer as float", reply: `{"lr": 1e-3, "bs": 256.0, "opt": "adam"}`},
		{name: "stop", reply: `{"stop": true}`, stop: true},
		{name: "stop wins over a bad config", reply: `{"config": {"nope": 1}, "stop": true}`, stop: true},
		{name: "stop false needs a config", reply: `{"stop": false}`, err: ErrMalformedAnswer, msg: `the answer has no "config"`},

		{name: "no JSON", reply: "I would pick a learning rate of 0.001.", err: ErrNoAnswer, msg: "no JSON object found in the reply"},
		{name: "empty", reply: "", err: ErrNoAnswer},
		{name: "unclosed", reply: `Answer: {"config": {"lr": 0.001`, err: ErrNoAnswer, msg: "the object opened at byte 8 is never closed"},
		{name: "bad JSON", reply: `{lr: 0.001, bs: 256}`, err: ErrMalformedAnswer, msg: "is not valid JSON: invalid character 'l' looking for beginning of object key string"},
		{name: "trailing comma", reply: `{"lr": 0.001, "bs": 256, "opt": "adam",}`, err: ErrMalformedAnswer, msg: "is not valid JSON"},
		{name: "unknown knob", reply: `{"lr": 0.001, "bs": 256, "opt": "adam", "momentum": 0.9}`, err: spaces.ErrUnknownDim,
			msg: `"momentum": unknown dimension (allowed: lr, bs, opt)`},
		{name: "missing knob", reply: `{"config": {"lr": 0.001, "bs": 256}}`, err: spaces.ErrMissingDim, msg: `"opt": missing`},
		{name: "out of range", reply: `{"lr": 0.5, "bs": 256, "opt": "adam"}`, err: spaces.ErrOutOfRange, msg: `"lr": 0.5 is out of range`},
		{name: "not an integer", reply: `{"lr": 0.001, "bs": 25.5, "opt": "adam"}`, err: spaces.ErrNotInteger, msg: `"bs"`},
		{name: "wrong type", reply: `{"lr": "fast", "bs": 256, "opt": "adam"}`, err: spaces.ErrWrongType, msg: `"lr": got string "fast"`},
		{name: "unknown choice", reply: `{"lr": 0.001, "bs": 256, "opt": "lion"}`, err: spaces.ErrUnknownChoice, msg: `"opt"`},
		{name: "duplicate knob", reply: `{"config": {"lr": 0.001, "lr": 0.002, "bs": 256, "opt": "adam"}}`, err: spaces.ErrDuplicateDim},
		{name: "config not an object", reply: `{"config": [0.001, 256]}`, err: ErrMalformedAnswer, msg: `"config" is [0.001, 256], want an object`},
		{name: "unknown key beside config", reply: `{"config": ` + cfg + `, "reason": "low loss"}`, err: ErrMalformedAnswer,
			msg: `unknown key "reason" beside "config"`},
		{name: "stop not a bool", reply: `{"config": ` + cfg + `, "stop": "yes"}`, err: ErrMalformedAnswer, msg: `"stop" is "yes", want true or false`},
		{name: "fidelity not a string", reply: `{"config": ` + cfg + `, "fidelity": 3}`, err: ErrMalformedAnswer, msg: `"fidelity" is 3, want a string`},
		{name: "unknown fidelity", reply: `{"config": ` + cfg + `, "fidelity": "toy/huge"}`, err: ErrUnknownFidelity,
			msg: `unknown fidelity "toy/huge": want one of toy/small, toy/a}b, toy/target`},
		{name: "empty object", reply: `{}`, err: ErrMalformedAnswer, msg: `the answer has no "config"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := ParseAnswer(space, fids, c.reply)
			if c.err != nil {
				require.Error(t, err)
				assert.ErrorIs(t, err, c.err)
				assert.Contains(t, err.Error(), c.msg)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.stop, a.Stop)
			if c.stop {
				return
			}
			assert.Equal(t, c.exp, a.Experiment)
			assert.True(t, space.Equal(want, a.Config), "got %v", a.Config)
		})
	}

	t.Run("no fidelities", func(t *testing.T) {
		_, err := ParseAnswer(space, nil, `{"config": `+cfg+`, "fidelity": "toy/small"}`)
		assert.ErrorIs(t, err, ErrUnknownFidelity)
		assert.ErrorContains(t, err, `this setting runs only the target; leave "fidelity" out`)
		_, err = ParseAnswer(nil, nil, cfg)
		assert.ErrorContains(t, err, "nil configuration space")
	})
}

func TestParseAnswerMixture(t *testing.T) {
	space := spaces.MustConfigSpace(spaces.SimplexDim("mix", "web", "code", "math"))
	cases := []struct {
		name  string
		reply string
		want  []float64
		msg   string
	}{
		{"exact list", `{"mix": [0.5, 0.25, 0.25]}`, []float64{0.5, 0.25, 0.25}, ""},
		{"object with a part left out", `{"config": {"mix": {"web": 0.5, "math": 0.5}}}`, []float64{0.5, 0, 0.5}, ""},
		{"rounded shares are rescaled", `{"mix": [0.333, 0.333, 0.333]}`, []float64{1.0 / 3, 1.0 / 3, 1.0 / 3}, ""},
		{"rounded object is rescaled", `{"mix": {"web": 0.2, "code": 0.3, "math": 0.501}}`, []float64{0.2 / 1.001, 0.3 / 1.001, 0.501 / 1.001}, ""},
		{"far from 1", `{"mix": [0.5, 0.6, 0]}`, nil, `"mix": parts sum to 1.1, want 1`},
		{"negative", `{"mix": [1.2, -0.2, 0]}`, nil, `part "code" is negative`},
		{"unknown part", `{"mix": {"web": 0.5, "books": 0.5}}`, nil, `unknown part "books"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := ParseAnswer(space, nil, c.reply)
			if c.msg != "" {
				assert.ErrorIs(t, err, spaces.ErrSimplex)
				assert.ErrorContains(t, err, c.msg)
				return
			}
			require.NoError(t, err)
			assert.InDeltaSlice(t, c.want, a.Config["mix"], 1e-12)
		})
	}
}

func TestObjectSpans(t *testing.T) {
	cases := []struct {
		in       string
		want     []string
		unclosed int
	}{
		{"none", nil, -1},
		{"a {b} c {d {e}} f", []string{"{b}", "{d {e}}"}, -1},
		{`{"k": "}{"} x`, []string{`{"k": "}{"}`}, -1},
		{`{"k": "\"}"}`, []string{`{"k": "\"}"}`}, -1},
		{"{ open {x}", []string{"{x}"}, 0},
		{"} stray {y}", []string{"{y}"}, -1},
		{strings.Repeat("{", 1000), nil, 0},
	}
	for _, c := range cases {
		spans, unclosed := objectSpans(c.in)
		var got []string
		for _, s := range spans {
			got = append(got, c.in[s[0]:s[1]])
		}
		assert.Equal(t, c.want, got, c.in)
		assert.Equal(t, c.unclosed, unclosed, c.in)
	}
}

// textEnv builds a text view over a core env over tbl.
func textEnv(t testing.TB, core *Env, opts TextOptions) *Text {
	t.Helper()
	tx, err := NewText(core, opts)
	require.NoError(t, err)
	return tx
}

// answer renders cfg as a reply in the envelope format.
func answer(t testing.TB, s *spaces.ConfigSpace, cfg spaces.Config, fidelity string) string {
	t.Helper()
	b, err := s.FormatJSON(cfg)
	require.NoError(t, err)
	reply := `{"config": ` + string(b)
	if fidelity != "" {
		reply += `, "fidelity": "` + fidelity + `"`
	}
	return "Let me think about it.\n```json\n" + reply + "}\n```\nDone."
}

func TestTextRoundTrip(t *testing.T) {
	for _, task := range viewTasks() {
		for _, setting := range []Setting{Extrapolate, MultiFidelity} {
			t.Run(task+"/"+setting.String(), func(t *testing.T) {
				core, err := NewFromOptions(task, env.Options{OptionSetting: setting.String(), OptionTrials: 3})
				require.NoError(t, err)
				defer core.Close()
				rec := NewRecorder(core)
				tx, err := NewText(rec, TextOptions{})
				require.NoError(t, err)
				prompt, _, err := tx.Reset(env.SeedOf(5), nil)
				require.NoError(t, err)
				assert.Equal(t, prompt, tx.Prompt())
				obs := rec.Last()
				space := obs.Space
				assert.Contains(t, prompt, obs.Target.Experiment)
				for _, name := range space.Names() {
					assert.Contains(t, prompt, "`"+name+"`")
				}
				rng := rand.New(rand.NewPCG(1, 1))
				fid := ""
				if setting == MultiFidelity {
					fid = obs.Fidelities[0].Experiment
				}
				for range 2 {
					j := rng.IntN(len(obs.TargetConfigs))
					exp, cfgs := obs.Target.Experiment, obs.TargetConfigs
					if fid != "" {
						exp = fid
						cfgs = core.Table().Configs(mustIndex(t, core.Table(), fid))
						j = rng.IntN(len(cfgs))
					}
					res, err := tx.Step(answer(t, space, cfgs[j], fid))
					require.NoError(t, err)
					inv, _ := res.Info.Num("invalid")
					require.Zero(t, inv, "error: %v", res.Info)
					ran, _ := res.Info.Get("run")
					assert.True(t, space.Equal(cfgs[j], ran.(spaces.Config)), "ran %v, want %v", ran, cfgs[j])
					d, _ := res.Info.Num("distance")
					assert.Zero(t, d)
					got, _ := res.Info.Get("experiment")
					assert.Equal(t, exp, got)
					assert.Contains(t, res.Obs, "1. [", "the next prompt lists the runs")
					if res.Done() {
						break
					}
				}
			})
		}
	}
}

func TestTextInvalidRepliesExtrapolate(t *testing.T) {
	tbl := viewToyTable(t, false)
	core := viewEnv(t, tbl, Options{Split: Test, Trials: 5})
	tx := textEnv(t, core, TextOptions{MaxInvalid: 3})
	_, err := tx.Step("{}")
	assert.ErrorIs(t, err, env.ErrResetNeeded)
	_, _, err = tx.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	space := tbl.Meta().Space
	good := answer(t, space, spaces.Config{"lr": 1e-2, "opt": "adam"}, "")

	type step struct {
		reply      string
		invalid    bool
		msg        string
		trialsLeft float64
		done       bool
	}
	steps := []step{
		{reply: "no idea", invalid: true, msg: "no JSON object found in the reply", trialsLeft: 4},
		{reply: `{"lr": 0.01, "opt": "adam", "wd": 1}`, invalid: true, msg: `"wd": unknown dimension (allowed: lr, opt)`, trialsLeft: 3},
		{reply: good, trialsLeft: 2},
		{reply: `{"lr": 0.01, "opt": "rmsprop"}`, invalid: true, msg: `"opt"`, trialsLeft: 1},
		{reply: good, trialsLeft: 0, done: true},
	}
	var ret float64
	for i, s := range steps {
		res, err := tx.Step(s.reply)
		require.NoError(t, err, "step %d", i)
		ret += res.Reward
		inv, _ := res.Info.Num("invalid")
		left, _ := res.Info.Num("trials_left")
		assert.Equal(t, s.trialsLeft, left, "step %d", i)
		assert.Equal(t, s.done, res.Terminated, "step %d", i)
		if s.invalid {
			assert.Equal(t, 1.0, inv, "step %d", i)
			assert.Zero(t, res.Reward)
			msg, _ := res.Info.Get("error")
			assert.Contains(t, msg, s.msg, "step %d", i)
			assert.Contains(t, res.Obs, "Your last reply was invalid: "+msg.(string), "the prompt repeats the error")
			assert.NotContains(t, msg, "research: ", "no package prefix for the model")
		} else {
			assert.Zero(t, inv, "step %d", i)
			assert.NotContains(t, res.Obs, "Your last reply was invalid")
		}
		assert.Contains(t, res.Obs, "Trials left at the target: "+strconv.Itoa(int(left))+" of 5.")
	}
	n, _ := tx.info.Num("invalid_replies")
	assert.Equal(t, 3.0, n)
	regret, _ := tx.info.Num("regret")
	assert.InDelta(t, 1-regret, ret, 1e-12, "rewards sum to 1 - final regret")
	_, err = tx.Step(good)
	assert.ErrorIs(t, err, env.ErrEpisodeEnded)

	// MaxInvalid invalid replies in a row end the episode.
	_, _, err = tx.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	for i := range 3 {
		res, err := tx.Step("???")
		require.NoError(t, err)
		assert.Equal(t, i == 2, res.Terminated, "step %d", i)
	}
	assert.Contains(t, tx.Prompt(), "The episode has ended.")

	// A reply outside the action space is an error, not an invalid step.
	_, _, err = tx.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	_, err = tx.Step(strings.Repeat("x", DefaultMaxReplyLength+1))
	assert.ErrorContains(t, err, "is outside the action space")
	_, err = tx.Step("\xff")
	assert.ErrorContains(t, err, "is outside the action space")
}

func TestTextInvalidRepliesMultiFidelity(t *testing.T) {
	tbl := viewToyTable(t, false)
	core := viewEnv(t, tbl, Options{Setting: MultiFidelity, Split: Test, BudgetGPUHours: 50})
	tx := textEnv(t, core, TextOptions{MaxInvalid: 2})
	prompt, _, err := tx.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	assert.Contains(t, prompt, "`toy/p6` (params=1e+06): 1\n")
	assert.Contains(t, prompt, "GPU hours left: 50 of 50 (spent 0).")
	space := tbl.Meta().Space
	cfg := spaces.Config{"lr": 1e-2, "opt": "adam"}

	res, err := tx.Step(answer(t, space, cfg, "toy/p7"))
	require.NoError(t, err)
	spent, _ := res.Info.Num("spent")
	assert.Equal(t, 10.0, spent)

	// The target costs 1000: refused, as an invalid step spending nothing.
	res, err = tx.Step(answer(t, space, cfg, "toy/p9"))
	require.NoError(t, err)
	inv, _ := res.Info.Num("invalid")
	assert.Equal(t, 1.0, inv)
	msg, _ := res.Info.Get("error")
	assert.Contains(t, msg, `costs 1000 GPU hours but only 40 are left`)
	spent, _ = res.Info.Num("spent")
	assert.Equal(t, 10.0, spent)
	left, _ := res.Info.Num("trials_left")
	assert.Equal(t, 5.0, left, "an invalid step uses no target trial here")
	assert.False(t, res.Terminated)

	res, err = tx.Step(answer(t, space, cfg, "toy/p5"))
	require.NoError(t, err)
	msg, _ = res.Info.Get("error")
	assert.Contains(t, msg, `unknown fidelity "toy/p5": want one of toy/p6, toy/p7, toy/p8, toy/p9`)
	assert.True(t, res.Terminated, "two invalid replies in a row")
	assert.Contains(t, res.Obs, "1. [toy/p7] {\"lr\": 0.01, \"opt\": \"adam\"} -> loss ")

	// A stop ends the episode.
	_, _, err = tx.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	res, err = tx.Step(`{"stop": true}`)
	require.NoError(t, err)
	assert.True(t, res.Terminated)
}

func TestTextPromptDoesNotLeakTargetOutcomes(t *testing.T) {
	prompts := func(flip bool) []string {
		core := viewEnv(t, viewToyTable(t, flip), Options{Split: Test})
		tx := textEnv(t, core, TextOptions{})
		p, _, err := tx.Reset(env.SeedOf(1), nil)
		require.NoError(t, err)
		res, err := tx.Step(`{"lr": 0.01, "opt": "sgd"}`)
		require.NoError(t, err)
		return []string{p, res.Obs}
	}
	plain, flipped := prompts(false), prompts(true)
	assert.Equal(t, plain[0], flipped[0])
	assert.NotEqual(t, plain[1], flipped[1], "the agent's own run shows")
}

func TestTextPromptIsBounded(t *testing.T) {
	// maxDefault is the most runes a prompt of a task default may take with
	// the default options.
	const maxDefault = 12000
	for _, task := range viewTasks() {
		for _, setting := range []string{"extrapolate", "multi-fidelity"} {
			for _, split := range []string{"train", "test"} {
				t.Run(task+"/"+setting+"/"+split, func(t *testing.T) {
					core, err := NewFromOptions(task, env.Options{OptionSetting: setting, OptionSplit: split, OptionTrials: 40})
					require.NoError(t, err)
					defer core.Close()
					rec := NewRecorder(core)
					tx, err := NewText(rec, TextOptions{})
					require.NoError(t, err)
					rng := rand.New(rand.NewPCG(3, 3))
					longest := 0
					for ep := range 3 {
						prompt, _, err := tx.Reset(env.SeedOf(uint64(ep)), nil)
						require.NoError(t, err)
						longest = max(longest, utf8.RuneCountInString(prompt))
						for range 60 {
							a := core.ActionSpace().Sample(rng)
							reply := `{"stop": true}`
							if !a.Stop {
								reply = answer(t, rec.Last().Space, a.Config, a.Experiment)
							}
							res, err := tx.Step(reply)
							require.NoError(t, err)
							require.True(t, tx.ObservationSpace().Contains(res.Obs))
							longest = max(longest, utf8.RuneCountInString(res.Obs))
							if res.Done() {
								break
							}
						}
					}
					assert.LessOrEqual(t, longest, maxDefault)
					t.Logf("longest prompt: %d runes", longest)
				})
			}
		}
	}
}

func TestTextPromptShrinksToFit(t *testing.T) {
	core, err := NewFromOptions("pretrain", env.Options{OptionTrials: 30})
	require.NoError(t, err)
	defer core.Close()
	tx := textEnv(t, core, TextOptions{MaxPromptLength: 1500})
	prompt, _, err := tx.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	assert.LessOrEqual(t, utf8.RuneCountInString(prompt), 1500)
	assert.Contains(t, prompt, "lower-fidelity results cut to fit the prompt")
	assert.Contains(t, prompt, "## Your answer", "the answer format is kept")
	for range 20 {
		res, err := tx.Step(`{"lr": 0.001, "bs": 256}`)
		require.NoError(t, err)
		assert.True(t, tx.ObservationSpace().Contains(res.Obs))
		assert.Contains(t, res.Obs, "## Your runs so far")
	}
}

func TestTextOptionsErrors(t *testing.T) {
	core := viewEnv(t, viewToyTable(t, false), Options{Split: Test})
	cases := []struct {
		opts TextOptions
		msg  string
	}{
		{TextOptions{MaxInvalid: -1}, "MaxInvalid is -1, want at least 1"},
		{TextOptions{MaxPromptLength: 100}, "MaxPromptLength is 100, want at least 1024"},
		{TextOptions{MaxReplyLength: spaces.MaxTextLength + 1}, "MaxReplyLength is 16777217, want at most"},
		{TextOptions{HistoryLines: -2, ContextFidelities: -3}, "ContextFidelities is -3"},
	}
	for _, c := range cases {
		_, err := NewText(core, c.opts)
		assert.ErrorContains(t, err, c.msg)
	}
	tx := textEnv(t, core, TextOptions{})
	assert.Equal(t, TextOptions{
		MaxInvalid: DefaultMaxInvalid, MaxPromptLength: DefaultMaxPromptLength, MaxReplyLength: DefaultMaxReplyLength,
		HistoryLines: DefaultHistoryLines, ContextFidelities: DefaultContextFidelities,
	}, tx.Options())
	assert.Equal(t, "Text(0, 24000)", tx.ObservationSpace().String())
	assert.Equal(t, "Text(0, 32768)", tx.ActionSpace().String())
	assert.NoError(t, tx.Close())
}
