// Package parallel runs independent jobs on a bounded pool of goroutines,
// with results that do not depend on the pool's size: each job writes only
// its own slot of the caller's results.
package parallel

import (
	"context"
	"runtime"
	"sync"
)

// For calls fn(i) for every i in [0, n) on workers goroutines (0 means
// GOMAXPROCS) and waits for them. When ctx is cancelled it starts no new
// job, waits for those running and returns ctx's error.
func For(ctx context.Context, n, workers int, fn func(i int)) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for i := range jobs {
				fn(i)
			}
		})
	}
	var err error
feed:
	for i := range n {
		if ctx.Err() != nil { // select picks at random among ready cases
			err = ctx.Err()
			break
		}
		select {
		case jobs <- i:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	return err
}
