// Package mixture is the data-mixture task: choosing how much of each of 19
// Tulu-3 instruction-tuning sources to put into a supervised fine-tuning
// run, measured on Qwen2.5 models of three sizes.
//
// # Knob
//
// The configuration space ([Space]) has one simplex dimension, "ratio",
// whose parts are the source names of the ADMIRE IFT runs ([Sources]): a
// mixture is 19 non-negative shares summing to 1. In a table each share is
// the float64 column "cfg_ratio.<source>".
//
// # Fidelity
//
// The fidelity is the model that is fine-tuned: the level coordinate
// "model" (Qwen2.5-0.5B, Qwen2.5-3B, Qwen2.5-7B in the default, cheap to
// expensive) with its nominal parameter count "params" read from the name
// ([ModelParams]). Each model size is one experiment, "mixture/<model>".
// As in ADMIRE, mixtures are nested: every mixture run on a larger model
// was also run on each smaller one, so an agent can compare rankings across
// sizes.
//
// # Objective and metrics
//
// Scores are fractions in [0, 1], higher is better. The metrics are the 17
// benchmarks of the ADMIRE IFT runs, named by the part of their column
// before the first ':' (metric_gsm8k::tulu is "gsm8k"; see [Benchmarks]),
// then three averages: "avg_id", the mean of the ten in-distribution
// benchmarks (minerva_math to truthfulqa), "avg_ood", the mean of the seven
// out-of-distribution ones (arc_challenge to triviaqa), and the objective
// "avg_id+ood", the mean of all 17 (ADMIRE's metric_avg_id+ood).
//
// # Default table
//
// [Default] is synthetic ([tasks.Synthetic]), generated at first use by
// [Generate] with [DefaultGenOptions]; no row of the real runs goes into it.
// The model links sources to benchmarks through six skills (math, code,
// instruction following, knowledge, reasoning, safety):
//
//   - A source s feeds skill k with affinity A_sk: a hand-set primary
//     affinity read off the source's name and content (numinamath is math,
//     evol_codealpaca is code, wildguardmix is safety, flan is knowledge and
//     reasoning, ...) plus a uniform random U(0, 0.1) on every skill.
//   - A benchmark b draws on skill k with weight w_bk: a hand-set primary
//     weight (gsm8k on math, ifeval on instruction following, ...) plus
//     U(0, 0.15), normalised to sum to 1.
//   - The utility of mixture r for benchmark b at model size m is
//     u_mb(r) = Σ_k w_bk·log(0.02 + Σ_s A^m_sk·r_s), concave in r, so
//     balanced mixtures beat one-source ones and each skill saturates.
//   - Size-specific affinities A^m_sk = A_sk·exp(σ_m·ξ) with ξ standard
//     normal and σ_m = Shift·(N_m/1e9)^-0.25 make the best mixture change
//     with size, smaller models more idiosyncratically.
//   - The score is c_b + (1 − c_b)·sigmoid(z) with
//     z = a_b + s_b·ln(N/1e9) + g_b·(u_mb(r) − u_mb(uniform)) + Noise·ξ,
//     where c_b is the chance level of multiple-choice benchmarks (0.25
//     for mmlu, arc_challenge and gpqa, 0.5 for piqa, 1/3 for socialiqa,
//     otherwise 0), the level a_b ~ U(−1.5, 0.5), the size slope
//     s_b ~ U(0.3, 0.8) > 0 (bigger models score higher) and the mixture
//     sensitivity g_b ~ U(0.1, 0.4).
//   - Mixtures are symmetric Dirichlet draws cycling through the
//     concentrations 0.5 (sparse), 2 and 8 (dense): 240 at 0.5B, the first
//     120 of them at 3B and the first 60 at 7B, close to ADMIRE's
//     256/128/76.
//   - Cost is estimated as 6·N·D FLOPs for D = 5e8 fine-tuning tokens on
//     the fidelity package's default accelerator (H100, 40% utilisation).
//
// All random constants come from one seed. With the defaults the Spearman
// rank correlation of the objective over shared mixtures is 0.51 (0.5B vs
// 3B), 0.57 (0.5B vs 7B) and 0.66 (3B vs 7B), against 0.56, 0.55 and 0.65
// in the real runs; the spread of the objective within a size (0.025 to
// 0.045 from best to worst mixture) is of the same order as the real runs'
// (0.014 to 0.032).
//
// # Real data
//
// [Import] and [ImportFile] read the ADMIRE IFT runs CSV as published
// (github.com/xo28/ADMIRE-BayesOpt, admire_ift_runs/admire_ift_runs.csv;
// Chen, Ouyang et al., arXiv:2508.11551): 460 fine-tuning runs of the
// three Qwen2.5 sizes. The rows are [tasks.Measured]. The file's
// train_time is the wall-clock training time in minutes; cost_gpu_hours is
// train_time/60 times [GPUsPerRun] (8, inferred from the paper's "over
// 13,000 GPU hours" for the 460 runs). The data are licensed CC BY-NC-SA
// 4.0: this module does not ship them, and tables made from them carry that
// licence in their metadata.
//
//	t, err := mixture.ImportFile("admire_ift_runs.csv")
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer t.Release()
package mixture
