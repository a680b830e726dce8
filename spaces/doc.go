// Package spaces defines the sets that observations and actions live in:
// Discrete, MultiDiscrete, Box, Dict and Text, and the configuration space of
// an LLM experiment (named log, linear, integer, categorical and simplex
// dimensions) with its normalised encoding, nearest-candidate matching and
// JSON form.
//
// Every space implements [Space]: Sample, Contains, String and Describe.
// Sampling takes an explicit *rand.Rand (math/rand/v2), so the same seed
// always gives the same samples.
package spaces
