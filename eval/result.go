package eval

import (
	"cmp"
	"math"
	"slices"

	"github.com/autollmresearch/gym/env/research"
)

// EnvInfo describes an env of an evaluation.
type EnvInfo struct {
	// Name is the EnvSpec's name.
	Name string
	// Task is the task family of the env's table, e.g. "pretrain".
	Task string
	// Setting and Split are the env's decision process and split.
	Setting research.Setting
	Split   research.Split
	// K is the number of target-fidelity trials of an episode.
	K int
	// Targets are the target experiments episodes were run on.
	Targets []string
	// Episodes is the number of episodes per (policy, target).
	Episodes int
}

// Episode is the record of one evaluation episode.
type Episode struct {
	// Env and Policy name the env and the policy; Target is the target
	// experiment's id and Episode the episode number for that target.
	Env, Policy, Target string
	Episode             int
	// Seed is the seed the env was reset with and PolicySeed the seed of
	// the policy's random stream.
	Seed, PolicySeed uint64
	// Regret[k-1] is the best-so-far normalised regret at the target after
	// k target-fidelity trials, for k = 1 to K. When the episode made fewer
	// than k target trials (the policy stopped, the budget ran out, or the
	// policy failed), it is the episode's final regret.
	Regret []float64
	// GPUHours[k-1] is the GPU hours spent when the k-th target trial was
	// made (including any cheaper runs made before it), or the episode's
	// total when it made fewer than k target trials.
	GPUHours []float64
	// FinalRegret and TotalGPUHours are the regret and the GPU hours at the
	// end of the episode.
	FinalRegret, TotalGPUHours float64
	// Return is the sum of the episode's rewards.
	Return float64
	// Steps is the number of steps the env accepted, TargetTrials how many
	// of them ran at the target, and InvalidSteps the number of actions the
	// env rejected.
	Steps, TargetTrials, InvalidSteps int
	// Truncated says that the episode was cut off at Spec.MaxSteps.
	Truncated bool
	// Error is why the episode ended early: an error of the policy, a
	// panic, or too many invalid actions; "" when it ended normally.
	Error string
}

// regretAt is the best-so-far regret after k target trials (1-based).
func (e *Episode) regretAt(k int) float64 {
	if k >= 1 && k <= len(e.Regret) {
		return e.Regret[k-1]
	}
	return e.FinalRegret
}

// gpuHoursAt is the GPU hours spent by the k-th target trial (1-based).
func (e *Episode) gpuHoursAt(k int) float64 {
	if k >= 1 && k <= len(e.GPUHours) {
		return e.GPUHours[k-1]
	}
	return e.TotalGPUHours
}

// Result holds the episodes of an evaluation.
type Result struct {
	// Envs describes the evaluated envs, in the Spec's order.
	Envs []EnvInfo
	// Policies are the policies' names, in the Spec's order.
	Policies []string
	// Episodes are the completed episodes, ordered by env, policy, target
	// and episode number.
	Episodes []Episode
}

// Failures returns the episodes that ended with an error.
func (r *Result) Failures() []Episode {
	var out []Episode
	for _, e := range r.Episodes {
		if e.Error != "" {
			out = append(out, e)
		}
	}
	return out
}

// SummaryRow aggregates the episodes of one (env, policy) pair after K
// target-fidelity trials.
type SummaryRow struct {
	// Env and Policy name the pair.
	Env, Policy string
	// K is the number of target trials, from 1 to the env's K.
	K int
	// MeanRegret is the mean over episodes of the best-so-far normalised
	// regret after K target trials and SERegret its standard error, the
	// sample standard deviation over √N (NaN when N < 2).
	MeanRegret, SERegret float64
	// MeanGPUHours and SEGPUHours are the same for the GPU hours spent by
	// then.
	MeanGPUHours, SEGPUHours float64
	// N is the number of episodes.
	N int
	// Errors is the number of those episodes that ended with an error.
	// They are included in the means with the regret they had reached.
	Errors int
}

// group is the episodes of one (env, policy) pair.
type group struct {
	env, policy string
	envRank     int
	polRank     int
	eps         []*Episode
}

// groups collects the episodes by (env, policy), ordered as r.Envs and
// r.Policies list them, then by first appearance for names they do not
// list.
func (r *Result) groups() []*group {
	envRank := map[string]int{}
	for i, e := range r.Envs {
		envRank[e.Name] = i
	}
	polRank := map[string]int{}
	for i, p := range r.Policies {
		polRank[p] = i
	}
	rank := func(m map[string]int, name string) int {
		if i, ok := m[name]; ok {
			return i
		}
		m[name] = len(m)
		return m[name]
	}
	type key struct{ env, policy string }
	index := map[key]*group{}
	var out []*group
	for i := range r.Episodes {
		e := &r.Episodes[i]
		g := index[key{e.Env, e.Policy}]
		if g == nil {
			g = &group{env: e.Env, policy: e.Policy, envRank: rank(envRank, e.Env), polRank: rank(polRank, e.Policy)}
			index[key{e.Env, e.Policy}] = g
			out = append(out, g)
		}
		g.eps = append(g.eps, e)
	}
	slices.SortStableFunc(out, func(a, b *group) int {
		return cmp.Or(cmp.Compare(a.envRank, b.envRank), cmp.Compare(a.polRank, b.polRank))
	})
	return out
}

// envKs returns the number of target trials the rows of each env cover:
// the env's K when r describes the env, else its episodes' longest
// trajectory.
func (r *Result) envKs() map[string]int {
	ks := map[string]int{}
	for _, e := range r.Episodes {
		ks[e.Env] = max(ks[e.Env], len(e.Regret))
	}
	for _, e := range r.Envs {
		ks[e.Name] = e.K
	}
	return ks
}

// Summary aggregates the episodes into one row per env, policy and K = 1
// to the env's K, ordered by env, policy and K. Every completed episode
// counts, including those that failed (see SummaryRow.Errors).
func (r *Result) Summary() []SummaryRow {
	var rows []SummaryRow
	var regret, hours []float64
	ks := r.envKs()
	for _, g := range r.groups() {
		errs := 0
		for _, e := range g.eps {
			if e.Error != "" {
				errs++
			}
		}
		for k := 1; k <= ks[g.env]; k++ {
			regret, hours = regret[:0], hours[:0]
			for _, e := range g.eps {
				regret = append(regret, e.regretAt(k))
				hours = append(hours, e.gpuHoursAt(k))
			}
			mr, sr := meanSE(regret)
			mh, sh := meanSE(hours)
			rows = append(rows, SummaryRow{
				Env: g.env, Policy: g.policy, K: k,
				MeanRegret: mr, SERegret: sr,
				MeanGPUHours: mh, SEGPUHours: sh,
				N: len(g.eps), Errors: errs,
			})
		}
	}
	return rows
}

// meanSE returns the mean of x and its standard error, the sample standard
// deviation over √n; the standard error is NaN when len(x) < 2 and both
// are NaN for an empty x. Equal values have exactly their value as mean
// and a standard error of exactly 0.
func meanSE(x []float64) (mean, se float64) {
	n := float64(len(x))
	if len(x) == 0 {
		return math.NaN(), math.NaN()
	}
	if !slices.ContainsFunc(x, func(v float64) bool { return v != x[0] }) {
		if len(x) < 2 {
			return x[0], math.NaN()
		}
		return x[0], 0
	}
	// Two passes: the mean, then the squared deviations from it, which is
	// accurate for values of any offset.
	for _, v := range x {
		mean += v
	}
	mean /= n
	var ss float64
	for _, v := range x {
		d := v - mean
		ss += d * d
	}
	return mean, math.Sqrt(ss/(n-1)) / math.Sqrt(n)
}
