// Package toy provides small, fast environments with known optima for
// testing agents, wrappers and training loops without any outcome tables.
//
// [GridSearch] is the toy version of the configuration problem the rest of
// the project poses: an agent probes the points of a grid, each probe
// returns a noisy objective value, and after a fixed budget of probes the
// agent is scored by the normalised regret of the best point it found.
//
//	g, err := toy.New(toy.DefaultConfig())
//	if err != nil { ... }
//	obs, info, err := g.Reset(env.SeedOf(1), nil)
//	res, err := g.Step(g.ActionSpace().Sample(rng))
package toy
