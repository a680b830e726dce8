package env

// Unwrapper is implemented by wrappers: UnwrapEnv returns the env they wrap.
// Every wrapper in this package implements it.
type Unwrapper interface {
	UnwrapEnv() any
}

// Unwrap follows UnwrapEnv from e down to the innermost env and returns it.
// An e that is not a wrapper is returned as is.
func Unwrap(e any) any {
	for {
		u, ok := e.(Unwrapper)
		if !ok {
			return e
		}
		inner := u.UnwrapEnv()
		if inner == nil {
			return e
		}
		e = inner
	}
}

// As finds the first layer of e, starting with e itself and following
// UnwrapEnv inwards, whose dynamic type is T, in the manner of errors.As.
// T may also be an interface type, in which case the first layer that
// implements it is returned. For example
//
//	g, ok := env.As[*toy.GridSearch](wrapped)
//	limit, ok := env.As[*env.TimeLimit[[]float64, int]](wrapped)
func As[T any](e any) (T, bool) {
	for e != nil {
		if t, ok := e.(T); ok {
			return t, true
		}
		u, ok := e.(Unwrapper)
		if !ok {
			break
		}
		e = u.UnwrapEnv()
	}
	var zero T
	return zero, false
}
