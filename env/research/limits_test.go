package research

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
)

func TestOptionsAboveTheirMaximumAreRefused(t *testing.T) {
	tbl := fixtureTable(t)
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"trials", Options{Trials: 1e12}, "Options.Trials is 1000000000000, want at most MaxTrials = 10000"},
		{"context slots", Options{ContextSlots: 1e8}, "Options.ContextSlots is 100000000, want at most 1024"},
		{"history slots", Options{HistorySlots: 1e8}, "Options.HistorySlots is 100000000, want at most 10000"},
		{"context top", Options{ContextTop: MaxContextTop + 1}, "Options.ContextTop is 1025, want at most 1024"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tbl, tc.opts)
			require.ErrorIs(t, err, ErrOptionTooLarge)
			assert.ErrorContains(t, err, tc.want)
		})
	}
	// The maxima themselves are accepted.
	e, err := New(tbl, Options{Trials: MaxTrials, ContextSlots: MaxContextSlots, HistorySlots: MaxHistorySlots, ContextTop: MaxContextTop})
	require.NoError(t, err)
	require.NoError(t, e.Close())
}

func TestRegisteredViewsRefuseHugeOptions(t *testing.T) {
	require.NoError(t, RegisterBuiltins())
	require.NoError(t, RegisterViews())
	tests := []struct {
		id   string
		opts env.Options
	}{
		{PretrainID, env.Options{OptionTrials: 1e12}},
		{ArchID, env.Options{OptionTrials: float64(MaxTrials + 1)}},
		{"pretrain/steplaw-numeric-v0", env.Options{OptionHistorySlots: 1e8}},
		{"pretrain/steplaw-numeric-v0", env.Options{OptionContextSlots: 1e8}},
		{"pretrain/steplaw-discrete-v0", env.Options{OptionHistorySlots: 1e8}},
		{"pretrain/steplaw-text-v0", env.Options{OptionContextTop: 1e8}},
	}
	for _, tc := range tests {
		_, err := env.MakeJSON(tc.id, tc.opts)
		require.ErrorIs(t, err, ErrOptionTooLarge, "%s %v", tc.id, tc.opts)
	}
}

func TestJSONViewsSayClosedAfterClose(t *testing.T) {
	require.NoError(t, RegisterBuiltins())
	require.NoError(t, RegisterViews())
	for _, id := range []string{PretrainID, "pretrain/steplaw-numeric-v0", "pretrain/steplaw-discrete-v0", "pretrain/steplaw-text-v0"} {
		e, err := env.MakeJSON(id, nil)
		require.NoError(t, err)
		_, _, err = e.Reset(env.SeedOf(1), nil)
		require.NoError(t, err)
		require.NoError(t, e.Close())
		_, err = e.Step([]byte(`{"config": {}}`))
		assert.ErrorIs(t, err, env.ErrClosed, id)
	}
}
