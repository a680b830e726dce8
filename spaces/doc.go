// Package spaces defines the sets that observations and actions live in:
// Discrete, MultiDiscrete, Box, Dict and Text, and the configuration space of
// an LLM experiment (named log, linear, integer, categorical and simplex
// dimensions) with its normalised encoding, nearest-candidate matching and
// JSON form.
//
// Every space implements [Space]: Sample, Contains, String and Describe.
// Sampling takes an explicit *rand.Rand (math/rand/v2), so the same seed
// always gives the same samples. Describe gives a JSON-ready [Description]
// that [ParseDescription] and [FromDescription] turn back into a space, so a
// remote client or a language model can be told what is allowed.
//
// Spaces whose members are vectors implement [Flattener] (see [Flatten] and
// [Unflatten]); spaces whose members share memory implement [Cloner]. [Erase]
// turns a Space[T] into a Space[any] for heterogeneous containers such as
// [Dict].
//
// A [ConfigSpace] checks configs with Normalize, which reports every
// problem as a [ConfigError] whose kinds (ErrUnknownDim, ErrMissingDim,
// ErrWrongType, ErrOutOfRange, ...) work with errors.Is; encodes them into
// [0,1]^d (log-scaled where the kind says so); parses and formats them as
// JSON; and, through [Candidates], finds the nearest config that was actually
// run, without allocating.
package spaces
