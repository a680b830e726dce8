package spaces

import "fmt"

// FlatDim returns the length of s's flat form. It returns an error if s does
// not implement [Flattener][T], or implements it without having a flat form
// (an erased [Text], a [Dict] with such a sub-space).
func FlatDim[T any](s Space[T]) (int, error) {
	f, ok := s.(Flattener[T])
	if !ok {
		return 0, fmt.Errorf("spaces: %v has no flat form (it does not implement Flattener[%s])", s, typeName[T]())
	}
	if c, ok := s.(interface{ flatErr() error }); ok {
		if err := c.flatErr(); err != nil {
			return 0, err
		}
	}
	return f.FlatDim(), nil
}

// Flatten returns the flat form of x, a member of s, in a new slice. It
// returns an error if s has no flat form (see [FlatDim]) or x cannot be
// flattened.
func Flatten[T any](s Space[T], x T) ([]float64, error) {
	n, err := FlatDim(s)
	if err != nil {
		return nil, err
	}
	dst := make([]float64, n)
	if err := s.(Flattener[T]).Flatten(x, dst); err != nil {
		return nil, err
	}
	return dst, nil
}

// Unflatten reads a member of s back from its flat form v. It returns an
// error if s has no flat form (see [FlatDim]) or v is not a valid flat form.
func Unflatten[T any](s Space[T], v []float64) (T, error) {
	if _, err := FlatDim(s); err != nil {
		var zero T
		return zero, err
	}
	return s.(Flattener[T]).Unflatten(v)
}
