// Package arch is the architecture task: choosing a GPT-2 style network
// (embedding dimension, depth, attention heads and MLP width per layer,
// biases) to minimise language-modelling perplexity, over the three search
// spaces of HW-GPT-Bench (Sukthanker et al., arXiv:2405.10299).
//
// # Fidelity ladder
//
// The fidelity is the search space's scale, column fid_scale with levels
// "s", "m" and "l" (cheap to expensive), plus fid_max_params, the
// parameter count of the scale's largest architecture (about 124M, 354M
// and 773M). Each scale allows its own sizes, all in ascending order:
//
//	scale  embed_dim        layers       heads per layer  MLP ratio per layer
//	s      192, 384, 768    10, 11, 12   4, 8, 12         2, 3, 4
//	m      256, 512, 1024   22, 23, 24   8, 12, 16        2, 3, 4
//	l      320, 640, 1280   34, 35, 36   8, 16, 20        2, 3, 4
//
// and biases on or off everywhere. There is one experiment per scale, with
// id "arch/s", "arch/m" or "arch/l"; the configurations that exist at a
// scale are its experiment's rows, so the candidate set shifts with the
// fidelity.
//
// # Configurations
//
// An architecture ([Arch]) has a head count and an MLP ratio per layer.
// The configuration space ([Space]) holds its key:
//
//	embed_dim  log [192, 1280]     embedding dimension
//	n_layers   int [10, 36]        number of blocks
//	heads      linear [4, 20]      mean attention heads per block
//	mlp_ratio  linear [2, 4]       mean MLP width / embed_dim per block
//	bias       categorical         "true" or "false"
//
// A uniform architecture (all blocks alike) is recovered exactly from its
// key. A mixed one is represented by its per-layer means; when two sampled
// mixed architectures have the same key, or a mixed one has the key of a
// uniform one, only the first is kept ([Candidates]). Each experiment
// holds the 3·3·3·3·2 = 162 uniform architectures of its scale and, by
// default, 300 distinct mixed ones drawn as HW-GPT-Bench samples (embedding,
// depth and bias uniform, then each layer's heads and MLP ratio
// independently uniform), from a seeded generator.
//
// # Objective and metrics
//
// The objective is metric_perplexity (minimise). Further metrics are
// metric_params ([Params]) and metric_flops_per_token ([FLOPsPerToken]).
//
// Parameters follow the networks HW-GPT-Bench trains: a token embedding of
// [VocabSize] = 50,254 rows tied to the output head (no output bias),
// rotary positions (no position embedding), pre-norm LayerNorms with weight
// and bias, and heads of fixed width [HeadSize] = 64, so the attention
// width of a block with h heads is w = 64·h whatever the embedding
// dimension E. With MLP ratio r and b = 1 when biases are on:
//
//	Params = V·E + 2E + Σ_blocks [ 4E + 4·w·E + 2·r·E² + b·(3w + 2E + r·E) ]
//
// (embedding; final norm; per block two norms, qkv and output projections,
// MLP up and down projections, and their biases). The largest S network
// has 123.7M parameters, GPT-2 small's size. Forward FLOPs per token at
// context T = [ContextLength] = 1,024 count two per multiply-add of every
// matrix product and the attention over the full context:
//
//	FLOPsPerToken = 2·V·E + Σ_blocks [ 2·(4·w·E + 2·r·E²) + 4·T·w ]
//
// Embedding look-ups, norms, biases, activations and softmax are left out.
//
// Cost (cost_gpu_hours) is estimated, not measured: training on
// 20 tokens per parameter (Hoffmann et al. 2022) at 3 × FLOPsPerToken per
// token (forward and backward), converted to hours by
// fidelity.DefaultAccelerator (H100 SXM, 989 TFLOP/s bf16 peak, 40%
// utilisation); [CostModel] changes both. The estimates run from about
// 0.02 to 1.5 GPU hours at scale s, 0.14 to 12 at m and 0.4 to 56 at l.
//
// # Importing the real data
//
// HW-GPT-Bench publishes one perplexity surrogate per scale,
// perplexity_{s,m,l}.pt under data_collection/gpt_datasets/predictor_ckpts/
// metric/ (Apache-2.0). Each is a PyTorch zip checkpoint holding the state
// dict of an MLP: fc1 (128 × F), fc2, fc3, fc4 (128 × 128) with ReLU, and
// fc5 (1 × 128), all float32, with F = 6 + 6·Lmax + 2 (Lmax = 12, 24, 36).
// Its input is the one-hot encoding, in this order, of the embedding
// choice (3), the depth choice (3), each block slot's MLP ratio choice
// (3 per slot, Lmax slots), each slot's head choice (likewise) and the bias
// (true, false); slots past the architecture's depth are all zero. Its
// output is the perplexity itself (the normalisation statistics shipped
// beside the checkpoints are not needed).
//
// [LoadSurrogateFile] reads a checkpoint with archive/zip and a small
// reader of the state dict's pickle, checking every tensor's shape, type
// and values; [Surrogate.Perplexity] evaluates it without Python.
// [ImportDir] loads the files of a folder and [Import] materialises every
// uniform and the seeded mixed architectures of each scale as a table of
// provenance surrogate:
//
//	t, err := arch.ImportDir("path/to/predictor_ckpts/metric", arch.ImportOptions{})
//
// # The default
//
// [Default] is generated by this package; it uses no upstream rows. Each
// architecture's log perplexity follows a size law in the exact parameter
// count P with mild shape effects, per scale s:
//
//	ln ppl = E_s + A_s·P^(-0.34) + 0.015·ln²((E/L)/64) + 0.02·ln²(64·h̄/E) + 0.004·[no bias] + ε
//
// The exponent 0.34 is Hoffmann et al.'s (2022) parameter exponent; the
// depth/width term (optimum E/L = 64, GPT-2's 768/12) and the attention
// width term (optimum: attention as wide as the embedding) are small, as
// Kaplan et al. (2020) found shape to matter little at fixed size; the
// bias term is a small assumption of this package. E_s and A_s are
// calibrated so that the noise-free values over the scale's uniform
// architectures span exactly the published perplexity ranges of
// HW-GPT-Bench (S 21-43, M 21-36, L 18-30). ε is Gaussian noise of
// standard deviation 0.01 (about 1% in perplexity), seeded. The same seed
// gives the same candidates as [Import], so the default and the imported
// table can be compared architecture by architecture. [Generate] exposes
// the seed, noise, number of mixed architectures and cost model.
package arch
