// Package prior generates configuration worlds: seeded draws of whole
// outcome tables from a distribution over each task's worlds, for agents
// that learn to extrapolate from many worlds rather than memorise one
// table, and a prior-predictive check that the real tables look like one
// more draw.
//
// # Priors
//
// A Prior draws an ordinary *tasks.Table in the canonical schema, with
// provenance synthetic and the world's parameters as JSON in
// tasks.Meta.Generator, so every env, baseline, evaluation and export works
// on it unchanged:
//
//	p, _ := prior.New("pretrain")
//	t, err := p.Draw(42) // world 42: the same table every time
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer t.Release()
//	e, err := research.New(t, research.Options{Split: research.Test})
//
// Pretrain draws pretrain.GenOptions: the optimum's path through (N, D) as
// power laws with random exponents and levels, bent in some worlds;
// lr–bs coupling; basins whose depth, asymmetry and power change with
// scale; run noise that grows away from the optimum; a divergence cliff
// that moves with N; random fidelity ladders with holes; random grid
// steps, sizes and offsets; and one world in four a mixture-of-experts
// model. Mixture draws mixture.World: 5 to 30 sources feeding 3 to 8
// skills, 4 to 20 benchmarks, interacting and star sources, skill weights
// and affinities that move with model size (cross-size rank correlations
// from about 0 to 0.95 in the central 95 % of draws), sparse and dense mixtures, 2 to 4 sizes with down
// to 20 runs at the largest, and objectives to maximise or minimise. Arch
// and GRPO draw the constants of their tasks' generators (arch.Law: the
// size law's exponent, shape penalties and perplexity ranges; grpo.Surface:
// where the basins sit, how wide they are, how compute turns into gain,
// where runs collapse) rather than fixing them.
//
// Each embedded default is a member of its prior: pretrain.Default is the
// Step Law–Chinchilla world with no bends, which the pretrain prior's
// ranges are centred on; mixture.Default is the mixture.World with ADMIRE's
// 19 sources and 17 benchmarks; arch.Default and grpo.Default are their
// generators with arch.DefaultLaw and grpo.DefaultSurface. Every constant
// of each lies in the range its prior draws it from
// (TestDefaultsAreInsideTheirPriors).
//
// A draw takes 4 to 6 ms on one core (BenchmarkDraw: a pretrain world of
// about 900 runs, a mixture world of about 400, arch about 1,000, grpo
// about 1,300): ten thousand or more tables a minute on one core. A table's
// Arrow record holds 74 to 124 kB; building it allocates 1.3 to 4 MB.
//
// # The prior-predictive check
//
// Statistics lists, per task, summaries computed the same way on any table
// (PretrainStatistics: drift of the optimal lr and bs per decade of N and
// of D, basin widths at 1 % excess loss, run noise, the fraction diverged,
// and how far one power law fitted to the smaller cells misses the largest
// cell's optimum; MixtureStatistics: cross-size Spearman correlations, the
// best-versus-median gap, the effective number of sources of the best
// mixture). SampleStatistics computes them on many draws and Sample.Check
// places a real table's values in that distribution:
//
//	go run ./cmd/prior check -steplaw ../shared/data/steplaw/dense_lr_bs_loss.csv \
//		-admire ../shared/data/admire/admire_ift_runs.csv
//
// The Step Law dense grids, the ADMIRE runs and the HW-GPT-Bench
// surrogates fall inside the central 95 % on every statistic defined for
// them (TestRealTablesLookLikeDraws); arch and grpo tables have the generic
// statistics (GenericStatistics), of which cross-fidelity correlation is
// undefined for HW-GPT, whose scales share no architecture.
package prior
