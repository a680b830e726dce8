package parallel

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestForRunsEveryJobOnce(t *testing.T) {
	for _, workers := range []int{0, 1, 3, 100} {
		out := make([]int, 50)
		require.NoError(t, For(context.Background(), len(out), workers, func(i int) { out[i] += i * i }))
		for i, v := range out {
			assert.Equal(t, i*i, v, "workers %d, job %d", workers, i)
		}
	}
	require.NoError(t, For(context.Background(), 0, 2, func(int) { t.Fatal("no job to run") }))
}

func TestForStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var ran atomic.Int64
	err := For(ctx, 1000, 2, func(i int) {
		if ran.Add(1) == 5 {
			cancel()
		}
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, ran.Load(), int64(1000))
}
