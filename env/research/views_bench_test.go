package research

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/spaces"
)

// viewCore returns the env of a task default with the given env options.
func viewCore(tb testing.TB, task string, opts env.Options) *Env {
	tb.Helper()
	e, err := NewFromOptions(task, opts)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = e.Close() })
	return e
}

// warmUp resets e once at every target of core, so that the table's lazily
// built candidate sets exist, and then starts an episode.
func warmUp[O, A any](tb testing.TB, e env.Env[O, A], core *Env) {
	tb.Helper()
	for _, id := range core.Targets() {
		_, _, err := e.Reset(env.NoSeed, env.Options{ResetOptionTarget: id})
		require.NoError(tb, err)
	}
	_, _, err := e.Reset(env.SeedOf(1), nil)
	require.NoError(tb, err)
}

// numericStepper returns a function making one numeric step, cycling
// through a few action points and resetting when an episode ends, after
// a warm-up.
func numericStepper(tb testing.TB, n *Numeric) func() {
	tb.Helper()
	warmUp(tb, n, n.core)
	k := n.ActionSpace().(*spaces.Box).Dim()
	points := make([][]float64, 5)
	for i := range points {
		points[i] = make([]float64, k)
		for j := range points[i] {
			points[i][j] = float64((i*7+j*3)%10) / 10
		}
		if n.enc.setting == MultiFidelity {
			points[i][k-1] = 0 // never stop
		}
	}
	i := 0
	step := func() {
		r, err := n.Step(points[i%len(points)])
		if err != nil {
			panic(err)
		}
		i++
		if r.Done() {
			if _, _, err := n.Reset(env.NoSeed, nil); err != nil {
				panic(err)
			}
		}
	}
	for range 40 {
		step()
	}
	return step
}

func TestNumericStepDoesNotAllocate(t *testing.T) {
	for _, setting := range []string{"extrapolate", "multi-fidelity"} {
		for _, task := range viewTasks() {
			n, err := NewNumeric(viewCore(t, task, env.Options{OptionSetting: setting}))
			require.NoError(t, err)
			step := numericStepper(t, n)
			assert.Zero(t, testing.AllocsPerRun(200, step), "%s/%s", task, setting)
		}
	}
}

// BenchmarkNumericStep is one numeric step on the pretrain default
// (decode by nearest candidate, core step, encode), with a Reset whenever
// an episode ends, amortised over its K = 5 steps.
func BenchmarkNumericStep(b *testing.B) {
	for _, task := range []string{"pretrain", "mixture"} {
		b.Run(task, func(b *testing.B) {
			n, err := NewNumeric(viewCore(b, task, nil))
			require.NoError(b, err)
			step := numericStepper(b, n)
			b.ReportAllocs()
			for b.Loop() {
				step()
			}
		})
	}
}

// BenchmarkNumericStepMultiFidelity is BenchmarkNumericStep in the
// MultiFidelity setting, whose episodes mix fidelities.
func BenchmarkNumericStepMultiFidelity(b *testing.B) {
	n, err := NewNumeric(viewCore(b, "pretrain", env.Options{OptionSetting: "multi-fidelity"}))
	require.NoError(b, err)
	step := numericStepper(b, n)
	b.ReportAllocs()
	for b.Loop() {
		step()
	}
}

// BenchmarkDiscreteStep is one discrete step on the pretrain default.
func BenchmarkDiscreteStep(b *testing.B) {
	d, err := NewDiscrete(viewCore(b, "pretrain", nil))
	require.NoError(b, err)
	warmUp(b, d, d.core)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r, err := d.Step(i % 120)
		if err != nil {
			b.Fatal(err)
		}
		i += 7
		if r.Done() {
			if _, _, err := d.Reset(env.NoSeed, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkTextStep is one text step on the pretrain default: read the
// JSON answer from a reply, run it and render the next prompt, with a
// Reset whenever an episode ends.
func BenchmarkTextStep(b *testing.B) {
	tx, err := NewText(viewCore(b, "pretrain", nil), TextOptions{})
	require.NoError(b, err)
	warmUp(b, tx, tx.core)
	replies := []string{
		"I will try a moderate rate.\n```json\n{\"config\": {\"lr\": 0.002, \"bs\": 128}}\n```",
		`{"config": {"lr": 0.0005, "bs": 512}, "stop": false}`,
		`Final: {"lr": 0.008, "bs": 64}`,
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r, err := tx.Step(replies[i%len(replies)])
		if err != nil {
			b.Fatal(err)
		}
		i++
		if r.Done() {
			if _, _, err := tx.Reset(env.NoSeed, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkTextPrompt renders the prompt of a pretrain episode with four
// runs in its history.
func BenchmarkTextPrompt(b *testing.B) {
	for _, task := range []string{"pretrain", "mixture"} {
		b.Run(task, func(b *testing.B) {
			core := viewCore(b, task, env.Options{OptionSetting: "multi-fidelity", OptionTrials: 10})
			tx, err := NewText(core, TextOptions{})
			require.NoError(b, err)
			_, _, err = tx.Reset(env.SeedOf(1), nil)
			require.NoError(b, err)
			for range 4 {
				_, err := tx.Step(`{"config": ` + compactJSON(core.Table().Meta().Space, core.Table().Config(0, 0)) + `}`)
				require.NoError(b, err)
			}
			b.ReportAllocs()
			for b.Loop() {
				tx.render()
			}
			b.ReportMetric(float64(len(tx.prompt)), "bytes")
		})
	}
}

// BenchmarkParseAnswer reads an answer wrapped in prose and a code fence.
func BenchmarkParseAnswer(b *testing.B) {
	space := viewToySpace()
	fids := []string{"toy/p6", "toy/p9"}
	reply := "Lower fidelities favour a rate near 3e-3.\n```json\n{\"config\": {\"lr\": 0.003, \"opt\": \"adam\"}, \"fidelity\": \"toy/p6\", \"stop\": false}\n```\nGood luck."
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseAnswer(space, fids, reply); err != nil {
			b.Fatal(err)
		}
	}
}
