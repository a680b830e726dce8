package spaces

import (
	"fmt"
	"math/rand/v2"
)

// Erase adapts a Space[T] to a Space[any], so spaces of different value
// types can sit side by side in a [Dict]. The erased space samples T values
// as any; Contains reports false for a value whose dynamic type is not T.
//
// The erased space always implements [Cloner][any] and [Flattener][any]. It
// forwards to s where s implements Cloner[T] and Flattener[T]; otherwise
// Clone returns its argument unchanged, FlatDim is 0 and Flatten and
// Unflatten return an error saying that s has no flat form. [FlatDim]
// reports whether an erased space really flattens.
//
// A space that already is a Space[any] is returned unchanged, and Erase(nil)
// is nil. [Unerase] recovers s.
func Erase[T any](s Space[T]) Space[any] {
	if s == nil {
		return nil
	}
	if a, ok := any(s).(Space[any]); ok {
		return a
	}
	e := &erased[T]{inner: s}
	e.cloner, _ = s.(Cloner[T])
	e.flattener, _ = s.(Flattener[T])
	if e.flattener != nil {
		if c, ok := s.(interface{ flatErr() error }); ok && c.flatErr() != nil {
			e.flattener = nil // e.g. a Dict with a key that does not flatten
		}
	}
	return e
}

// Unerase returns the Space[T] that [Erase] wrapped into s, and reports
// whether s is such a wrapper. From there a type assertion reaches the
// concrete space:
//
//	sub, _ := dict.Space("arm")
//	if typed, ok := spaces.Unerase[int](sub); ok {
//		n := typed.(*spaces.Discrete).N()
//	}
func Unerase[T any](s Space[any]) (Space[T], bool) {
	e, ok := s.(*erased[T])
	if !ok {
		return nil, false
	}
	return e.inner, true
}

// erased is the Space[any] that Erase returns for a Space[T].
type erased[T any] struct {
	inner     Space[T]
	cloner    Cloner[T]    // nil if inner does not implement it
	flattener Flattener[T] // nil if inner has no flat form
}

func (e *erased[T]) Sample(r *rand.Rand) any { return e.inner.Sample(r) }

func (e *erased[T]) Contains(x any) bool {
	v, ok := x.(T)
	return ok && e.inner.Contains(v)
}

func (e *erased[T]) String() string { return e.inner.String() }

func (e *erased[T]) Describe() Description { return e.inner.Describe() }

// Clone deep-copies x through the inner space's Cloner; a value of the wrong
// type, or any value when the inner space has no Cloner, is returned as is.
func (e *erased[T]) Clone(x any) any {
	v, ok := x.(T)
	if !ok || e.cloner == nil {
		return x
	}
	return e.cloner.Clone(v)
}

func (e *erased[T]) FlatDim() int {
	if e.flattener == nil {
		return 0
	}
	return e.flattener.FlatDim()
}

func (e *erased[T]) Flatten(x any, dst []float64) error {
	if e.flattener == nil {
		return e.noFlatForm()
	}
	v, ok := x.(T)
	if !ok {
		return fmt.Errorf("spaces: %v.Flatten: value has type %T, want %s", e.inner, x, typeName[T]())
	}
	return e.flattener.Flatten(v, dst)
}

func (e *erased[T]) Unflatten(src []float64) (any, error) {
	if e.flattener == nil {
		return nil, e.noFlatForm()
	}
	v, err := e.flattener.Unflatten(src)
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (e *erased[T]) flatErr() error {
	if e.flattener == nil {
		return e.noFlatForm()
	}
	return nil
}

func (e *erased[T]) noFlatForm() error {
	if c, ok := e.inner.(interface{ flatErr() error }); ok {
		if err := c.flatErr(); err != nil {
			return err
		}
	}
	return fmt.Errorf("spaces: %v has no flat form", e.inner)
}

// typeName names the type T, also when T is an interface type.
func typeName[T any]() string {
	return fmt.Sprintf("%T", (*T)(nil))[1:]
}
