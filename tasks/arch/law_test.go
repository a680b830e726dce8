package arch

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The default law under the names the tests of the model use.
var (
	defaultLaw     = DefaultLaw()
	publishedRange = defaultLaw.Range
	noBiasPenalty  = defaultLaw.NoBiasPenalty
)

func calibrate(s Scale) (sizeLaw, error) { return defaultLaw.calibrate(s) }
func sizeTerm(a Arch) float64            { return defaultLaw.sizeTerm(a) }
func shapeEffect(a Arch) float64         { return defaultLaw.shapeEffect(a) }

func TestLawValidate(t *testing.T) {
	require.NoError(t, DefaultLaw().Validate())
	l := DefaultLaw()
	l.SizeExponent = 0
	l.AttnCurvature = -1
	l.Range[Medium] = [2]float64{30, 20}
	err := l.Validate()
	require.Error(t, err)
	for _, field := range []string{"SizeExponent", "AttnCurvature", "Range[m]"} {
		assert.Contains(t, err.Error(), field)
	}
	_, err = Generate(GenOptions{Law: l})
	require.Error(t, err)
}

func TestLawChangesTheTable(t *testing.T) {
	l := DefaultLaw()
	l.Range[Large] = [2]float64{12, 20}
	tb, err := Generate(GenOptions{Law: l, Noise: -1, MixedPerScale: -1})
	require.NoError(t, err)
	defer tb.Release()
	e, ok := tb.Experiment(ExperimentID(Large))
	require.True(t, ok)
	s := tb.Stats(e.Index)
	assert.InDelta(t, 12, s.Best, 1e-9, "the uniform architectures span the law's range")
	assert.InDelta(t, 20, s.Worst, 1e-9)
}
