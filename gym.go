package gym

import (
	"github.com/autollmresearch/gym/env"
)

// Make builds the environment registered under id (namespace/name-vN),
// with opts merged over the spec's default options. The env comes wrapped in
// order enforcement and, where the spec sets a maximum episode length, a
// time limit. O and A must be the types the id was registered with.
func Make[O, A any](id string, opts env.Options) (env.Env[O, A], error) {
	return env.Make[O, A](id, opts)
}

// MakeVec builds n copies of the environment registered under id, stepped
// together as one vector env.
func MakeVec[O, A any](id string, n int, opts env.Options, vopts env.VectorOptions) (*env.Vector[O, A], error) {
	return env.MakeVec[O, A](id, n, opts, vopts)
}

// Register adds an environment spec to the registry shared by Make and
// MakeVec.
func Register[O, A any](spec env.Spec[O, A]) error {
	return env.Register(spec)
}

// List describes every registered environment, sorted by id.
func List() []env.SpecInfo {
	return env.List()
}
