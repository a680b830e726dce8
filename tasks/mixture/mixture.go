package mixture

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
)

// Task is the task family name stored in the table metadata.
const Task = "mixture"

// Ratio is the name of the configuration space's only dimension: the simplex
// of mixture ratios, one part per source.
const Ratio = "ratio"

// sources are the 19 Tulu-3 instruction-tuning sources, in file order.
var sources = []string{
	"coconot_converted",
	"evol_codealpaca_heval_decontaminated",
	"flan_v2_converted",
	"no_robots_converted",
	"numinamath_tir_math_decontaminated",
	"oasst1_converted",
	"personahub_code_v2_34999",
	"personahub_ifdata_manual_seed_v3_29980",
	"personahub_math_v5_regen_149960",
	"tulu_hard_coded_repeated_10",
	"tulu_v3.9_aya_100k",
	"tulu_v3.9_open_math_2_gsm8k_50k",
	"tulu_v3.9_personahub_math_interm_algebra_20k",
	"tulu_v3.9_sciriff_10k",
	"tulu_v3.9_synthetic_finalresp_wildguardmixtrain_decontaminated_50k",
	"tulu_v3.9_table_gpt_5k",
	"tulu_v3.9_wildchat_100k",
	"tulu_v3.9_wildjailbreak_decontaminated_50k",
	"tulu-3-sft-personas-math-grade",
}

// Benchmark is one evaluation benchmark of the task.
type Benchmark struct {
	// Name is the metric name in the table: the benchmark's name before the
	// first ':' of its ADMIRE column (metric_<Name> in the table).
	Name string
	// Column is the benchmark's column in the ADMIRE IFT runs file.
	Column string
	// OOD says the benchmark is out of distribution: ADMIRE averages the
	// in-distribution benchmarks into metric_avg_id and the others into
	// metric_avg_ood.
	OOD bool
}

// benchmarks are the 17 benchmarks in file order.
var benchmarks = []Benchmark{
	{Name: "minerva_math", Column: "metric_minerva_math::tulu"},
	{Name: "gsm8k", Column: "metric_gsm8k::tulu"},
	{Name: "bbh", Column: "metric_bbh:cot-v1::tulu"},
	{Name: "mmlu", Column: "metric_mmlu:cot::summarize"},
	{Name: "codex_humaneval", Column: "metric_codex_humaneval::tulu"},
	{Name: "codex_humanevalplus", Column: "metric_codex_humanevalplus::tulu"},
	{Name: "drop", Column: "metric_drop::llama3"},
	{Name: "ifeval", Column: "metric_ifeval::tulu"},
	{Name: "popqa", Column: "metric_popqa::tulu"},
	{Name: "truthfulqa", Column: "metric_truthfulqa::tulu"},
	{Name: "arc_challenge", Column: "metric_arc_challenge:rc::tulu", OOD: true},
	{Name: "bigcodebench_hard", Column: "metric_bigcodebench_hard::tulu", OOD: true},
	{Name: "gpqa", Column: "metric_gpqa:0shot_cot::tulu3", OOD: true},
	{Name: "naturalqs", Column: "metric_naturalqs::tulu", OOD: true},
	{Name: "piqa", Column: "metric_piqa:mc::tulu", OOD: true},
	{Name: "socialiqa", Column: "metric_socialiqa:mc::tulu", OOD: true},
	{Name: "triviaqa", Column: "metric_triviaqa::tulu", OOD: true},
}

// The averaged metrics. Objective is the task's objective: the mean of all
// 17 benchmark scores (ADMIRE's metric_avg_id+ood), higher is better.
const (
	// AvgID is the mean of the ten in-distribution benchmarks.
	AvgID = "avg_id"
	// AvgOOD is the mean of the seven out-of-distribution benchmarks.
	AvgOOD = "avg_ood"
	// Objective is the mean of all 17 benchmarks.
	Objective = "avg_id+ood"
)

// models are the model sizes of the default table, cheap to expensive.
var models = []string{"Qwen2.5-0.5B", "Qwen2.5-3B", "Qwen2.5-7B"}

// Sources returns the 19 Tulu-3 instruction-tuning sources whose ratios make
// up a mixture, in the order of the ADMIRE IFT runs file (whose columns are
// "ratio_<source>"). They are the parts of the "ratio" dimension.
func Sources() []string { return append([]string(nil), sources...) }

// Benchmarks returns the 17 benchmarks of the ADMIRE IFT runs in file order:
// ten in-distribution benchmarks, then seven out of distribution.
func Benchmarks() []Benchmark { return append([]Benchmark(nil), benchmarks...) }

// Models returns the model sizes of the default table, cheap to expensive:
// the levels of its "model" fidelity coordinate.
func Models() []string { return append([]string(nil), models...) }

// Fidelity coordinate names: "model" is a level (the model name, ordered by
// size) and "params" its nominal parameter count read from the name.
const (
	FidModel  = "model"
	FidParams = "params"
)

// Published facts about the ADMIRE IFT runs.
const (
	// Source names the upstream data.
	Source = "ADMIRE IFT Runs (github.com/xo28/ADMIRE-BayesOpt, admire_ift_runs/admire_ift_runs.csv)"
	// Citation is the paper that published the runs.
	Citation = "S. Chen, X. Ouyang, M. A. L. Pearce, T. Hartvigsen, J. R. Schwarz. " +
		"ADMIRE-BayesOpt: Accelerated Data MIxture RE-weighting for Language Models with Bayesian Optimization. " +
		"arXiv:2508.11551, 2025."
	// Licence is the licence of the ADMIRE IFT runs.
	Licence = "CC BY-NC-SA 4.0"
)

var space = sync.OnceValue(func() *spaces.ConfigSpace {
	return spaces.MustConfigSpace(spaces.SimplexDim(Ratio, sources...))
})

// Space returns the task's configuration space: one simplex dimension
// "ratio" whose parts are [Sources]. The space is shared and immutable.
func Space() *spaces.ConfigSpace { return space() }

// Metrics returns the table's metric names: the 17 benchmarks in
// [Benchmarks] order, then AvgID, AvgOOD and Objective.
func Metrics() []string {
	out := make([]string, 0, len(benchmarks)+3)
	for _, b := range benchmarks {
		out = append(out, b.Name)
	}
	return append(out, AvgID, AvgOOD, Objective)
}

// meta returns the metadata shared by the default and imported tables.
func meta(levels []string) tasks.Meta {
	return tasks.Meta{
		Task:  Task,
		Space: Space(),
		Fidelity: []tasks.FidelityColumn{
			{Name: FidModel, Levels: append([]string(nil), levels...)},
			{Name: FidParams},
		},
		Metrics:   Metrics(),
		Objective: Objective,
		Direction: tasks.Maximize,
		Source:    Source,
		Citation:  Citation,
		Licence:   Licence,
	}
}

// ExperimentID returns the id of the experiment of one model size,
// "mixture/<model>".
func ExperimentID(model string) string { return Task + "/" + model }

// ModelParams reads the nominal parameter count from a model name ending in a
// size such as "-0.5B", "-7B" or "-350M" (case-insensitive), e.g.
// ModelParams("Qwen2.5-3B") = 3e9.
func ModelParams(model string) (float64, error) {
	i := strings.LastIndexAny(model, "-_ /")
	tail := model[i+1:]
	if len(tail) < 2 {
		return 0, fmt.Errorf("cannot read a model size from %q: want a name ending in a size like -0.5B or -350M", model)
	}
	var scale float64
	switch tail[len(tail)-1] {
	case 'B', 'b':
		scale = 1e9
	case 'M', 'm':
		scale = 1e6
	case 'K', 'k':
		scale = 1e3
	default:
		return 0, fmt.Errorf("cannot read a model size from %q: want a name ending in a size like -0.5B or -350M", model)
	}
	v, err := strconv.ParseFloat(tail[:len(tail)-1], 64)
	if err != nil || !(v > 0) || v > 1e6 {
		return 0, fmt.Errorf("cannot read a model size from %q: want a name ending in a size like -0.5B or -350M", model)
	}
	return v * scale, nil
}
