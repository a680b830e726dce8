package research_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/spaces"
)

// A neural agent sees a fixed-size vector and answers with a point of the
// unit cube, which runs the nearest config of the target.
func ExampleNumeric() {
	core, err := research.NewFromOptions("pretrain", nil)
	if err != nil {
		log.Fatal(err)
	}
	n, err := research.NewNumeric(core)
	if err != nil {
		log.Fatal(err)
	}
	defer n.Close()

	obs, _, err := n.Reset(env.SeedOf(1), nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("observation:", len(obs), "slots; action space:", n.ActionSpace())
	for _, s := range n.Layout()[:7] {
		fmt.Printf("  %-20s at %2d, %d slot(s)\n", s.Name, s.Offset, s.Len)
	}

	// The middle of the encoding: lr and bs halfway along their log scales.
	res, err := n.Step([]float64{0.5, 0.5})
	if err != nil {
		log.Fatal(err)
	}
	left, _ := res.Info.Num("trials_left")
	fmt.Println("trials left:", left)
	// Output:
	// observation: 88 slots; action space: Box(0, 1, (2,))
	//   target_fidelity      at  0, 3 slot(s)
	//   trials_left          at  3, 1 slot(s)
	//   budget_left          at  4, 1 slot(s)
	//   best_target_outcome  at  5, 1 slot(s)
	//   has_target_trial     at  6, 1 slot(s)
	//   context[0].present   at  7, 1 slot(s)
	//   context[0].fidelity  at  8, 3 slot(s)
	// trials left: 4
}

// A language model reads a prompt and replies in prose around a JSON
// answer; an unusable reply is an invalid step, not an error.
func ExampleText() {
	core, err := research.NewFromOptions("pretrain", nil)
	if err != nil {
		log.Fatal(err)
	}
	t, err := research.NewText(core, research.TextOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer t.Close()

	prompt, _, err := t.Reset(env.SeedOf(1), nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.SplitN(prompt, "\n", 2)[0])

	res, err := t.Step("I would try a small batch.\n```json\n{\"config\": {\"lr\": 0.002, \"bs\": 64}}\n```")
	if err != nil {
		log.Fatal(err)
	}
	invalid, _ := res.Info.Num("invalid")
	fmt.Println("invalid:", invalid)

	res, err = t.Step(`{"config": {"lr": 0.002, "batch": 64}}`)
	if err != nil {
		log.Fatal(err)
	}
	invalid, _ = res.Info.Num("invalid")
	msg, _ := res.Info.Get("error")
	fmt.Println("invalid:", invalid)
	fmt.Println(msg)
	// Output:
	// # Configuration research: pretrain
	// invalid: 0
	// invalid: 1
	// invalid config: "bs": missing (want a number in [1, 65536] (log scale)); "batch": unknown dimension (allowed: lr, bs)
}

// ParseAnswer reads the last JSON object of a reply, in the envelope form
// or as a bare config.
func ExampleParseAnswer() {
	space := spaces.MustConfigSpace(spaces.LogDim("lr", 1e-5, 1e-1), spaces.IntDim("bs", 8, 4096))
	fidelities := []string{"small", "target"}

	a, err := research.ParseAnswer(space, fidelities,
		"Small runs first.\n```json\n{\"config\": {\"lr\": 0.003, \"bs\": 128}, \"fidelity\": \"small\"}\n```")
	fmt.Println(space.Format(a.Config), a.Experiment, err)

	a, err = research.ParseAnswer(space, fidelities, `Final answer: {"lr": 0.001, "bs": 256}`)
	fmt.Printf("%s %q %v\n", space.Format(a.Config), a.Experiment, err)

	_, err = research.ParseAnswer(space, fidelities, `{"lr": 0.001, "bs": 10000}`)
	fmt.Println(err)
	// Output:
	// lr=0.003 bs=128 small <nil>
	// lr=0.001 bs=256 "" <nil>
	// research: invalid config: "bs": 10000 is out of range [8, 4096]
}

// The discrete view numbers the target's configs; its mask tells which are
// left to try.
func ExampleDiscrete() {
	core, err := research.NewFromOptions("arch", nil)
	if err != nil {
		log.Fatal(err)
	}
	d, err := research.NewDiscrete(core)
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()

	if _, _, err := d.Reset(env.SeedOf(1), nil); err != nil {
		log.Fatal(err)
	}
	if _, err := d.Step(10); err != nil {
		log.Fatal(err)
	}
	mask := d.ActionMask()
	fmt.Println(d.ActionSpace(), "config 10 left to try:", mask[10], "config 11:", mask[11])
	// Output:
	// Discrete(462) config 10 left to try: false config 11: true
}
