package simulate

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/nn"
	"github.com/autollmresearch/gym/policy"
	"github.com/autollmresearch/gym/rl"
)

// dagger distils the oracle into a fresh network over two DAgger rounds
// and returns the network, the trajectories and the rounds reported.
func dagger(t *testing.T) (*nn.MLP, *Trajectories, []int) {
	t.Helper()
	traj := simulateOracle(t, 6, 1)
	start := len(traj.Steps)
	actor, err := nn.NewMLP(nn.MLPConfig{Sizes: []int{traj.ObsDim, 16, traj.ActDim}}, rand.New(rand.NewPCG(1, 2)))
	require.NoError(t, err)
	bc := rl.DefaultBCConfig()
	bc.Epochs = 2
	var rounds []int
	_, err = DAgger(context.Background(), actor, traj, DAggerOptions{
		Env: pretrainEnv(nil), Teacher: policy.NewOracle, Rounds: 2, Episodes: 4, Seed: 3, Workers: 2,
		Kind: rl.BoxActions, BC: bc,
		Fitted: func(round, steps int, fit rl.BCStats) {
			rounds = append(rounds, round)
			assert.Equal(t, len(traj.Steps), steps, "round %d fits every step so far", round)
			assert.NotEmpty(t, fit.TrainLoss)
		},
	})
	require.NoError(t, err)
	assert.Greater(t, len(traj.Steps), start, "the rounds add the learner's labelled steps")
	return actor, traj, rounds
}

func TestDAgger(t *testing.T) {
	actor, traj, rounds := dagger(t)
	assert.Equal(t, []int{0, 1, 2}, rounds)
	assert.Equal(t, 6+2*4, traj.Episodes(), "the teacher's episodes, then each round's")

	again, _, _ := dagger(t)
	assert.Equal(t, actor.Params(), again.Params(), "the same seeds give the same network")

	_, err := DAgger(context.Background(), nil, traj, DAggerOptions{})
	assert.ErrorContains(t, err, "must not be nil")
	_, err = DAgger(context.Background(), actor, traj, DAggerOptions{Rounds: -1})
	assert.ErrorContains(t, err, "DAggerOptions.Rounds is -1")
}
