package llm

import (
	"context"
	"testing"

	"github.com/autollmresearch/gym/env"
)

// scripted is a Completer that answers without a network.
type scripted struct{}

func (scripted) Complete(_ context.Context, msgs []Message) (Completion, error) {
	return Completion{Content: "Here it is:\n" + goodConfig(lastUser(msgs)), Usage: Usage{10, 5, 15}}, nil
}

func BenchmarkClientComplete(b *testing.B) {
	f := newFakeServer(b, func(int, []Message) reply { return reply{content: `{"config": {"lr": 0.001, "bs": 256}}`} })
	c := f.client(b)
	msgs := []Message{{RoleSystem, DefaultSystemPrompt}, {RoleUser, "prompt"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Complete(context.Background(), msgs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRunEpisode measures the Agent's own work per episode (prompt
// handling, reply checking, the env) with a Completer that needs no
// network.
func BenchmarkRunEpisode(b *testing.B) {
	e := textEnv(b, nil)
	a := NewAgent(scripted{})
	b.ReportAllocs()
	for i := range uint64(b.N) {
		res, err := a.RunEpisode(context.Background(), e, env.SeedOf(i))
		if err != nil || res.Steps == 0 {
			b.Fatal(res.Steps, err)
		}
	}
}
