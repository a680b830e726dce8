// Package fidelity describes the scale at which an experiment is run and what
// running it costs: cost models in GPU hours, the train/test curation that
// separates the cheap experiments an agent may learn from and the expensive
// ones it is tested on, and fits of how an optimum moves with scale.
//
// # Cost
//
// An [Accelerator] turns floating-point operations into GPU hours at a given
// peak throughput and utilisation. Dense transformer training costs about
// 6·N·D FLOPs for N parameters and D tokens ([TrainingFLOPs]), a forward pass
// about 2·N·D ([InferenceFLOPs]). [DefaultAccelerator] is an H100 SXM at
// 989 TFLOP/s dense bf16 peak and 40% model FLOPs utilisation; both figures
// are fields and may be overridden.
//
// # Curation
//
// [Curate] splits experiments into a training set of low and medium
// fidelities and a test set of held-out high fidelities. Experiments carry a
// Group (the instance: experiments in one group differ only in fidelity) and
// a Rank (their position on the group's fidelity ladder). Within every group
// the top ranks go to the test set and everything strictly cheaper to the
// training set, so no training experiment is as expensive as a test one.
//
// # Cross-fidelity fits
//
// [FitPowerLaw] fits y = c·Π x_j^e_j by least squares in log space, the
// form of the published scaling laws for optimal hyperparameters (for
// example the Step Law lr* = 1.79·N^-0.713·D^0.307). [Spearman] measures how
// well a ranking of configurations carries over between fidelities.
package fidelity
