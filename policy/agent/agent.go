package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"

	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/nn"
	"github.com/autollmresearch/gym/policy"
)

// Agent is a trained research agent for one task: a network that predicts,
// from a candidate's features, how far the candidate is from the best
// config at the target (the square root of its normalised regret). Its
// policy runs, at every step, the untried target config with the lowest
// prediction. An Agent is read-only once trained and may be shared by many
// policies.
type Agent struct {
	task      string
	net       *nn.MLP
	mean, std []float64
	info      json.RawMessage
}

// Task is the task family the agent was trained on.
func (a *Agent) Task() string { return a.task }

// Info is the training record stored with the agent (JSON): the training
// configuration and what it saw.
func (a *Agent) Info() json.RawMessage { return slices.Clone(a.info) }

// NewPolicy returns a policy that plays the agent. Each policy keeps its own
// episode state; build one per goroutine.
func (a *Agent) NewPolicy() policy.Policy { return &player{a: a} }

// Factory returns a policy.Factory of the agent's policies.
func (a *Agent) Factory() policy.Factory { return a.NewPolicy }

// predict writes into out the prediction for each of the rows of feat
// (rows × NumFeatures), standardising them in place.
func (a *Agent) predict(ws *nn.Workspace, feat []float64, out []float64) error {
	rows := len(feat) / NumFeatures
	for i := range rows {
		row := feat[i*NumFeatures : (i+1)*NumFeatures]
		for k := range row {
			row[k] = (row[k] - a.mean[k]) / a.std[k]
		}
	}
	chunk := ws.MaxRows()
	for lo := 0; lo < rows; lo += chunk {
		hi := min(rows, lo+chunk)
		y, err := a.net.ForwardBatch(ws, feat[lo*NumFeatures:hi*NumFeatures])
		if err != nil {
			return err
		}
		copy(out[lo:hi], y)
	}
	return nil
}

// player is the agent's policy for one episode at a time.
type player struct {
	a     *Agent
	ep    *episode
	ws    *nn.Workspace
	pred  []float64
	tried []bool
}

func (p *player) Name() string { return "agent" }

func (p *player) Reset(obs *research.Observation, _ *rand.Rand) error {
	if obs.Task != p.a.task {
		return fmt.Errorf("agent: trained on task %q, asked to play %q", p.a.task, obs.Task)
	}
	ep, err := newEpisode(obs)
	if err != nil {
		return err
	}
	p.start(ep)
	return nil
}

// start begins an episode whose feature state is ep.
func (p *player) start(ep *episode) {
	p.ep = ep
	n := len(ep.x)
	if p.ws == nil || p.ws.MaxRows() < min(n, 512) {
		p.ws = p.a.net.NewWorkspace(min(n, 512))
	}
	p.pred = make([]float64, n)
	p.tried = make([]bool, n)
}

func (p *player) Act(obs *research.Observation) (research.Action, error) {
	if p.ep == nil {
		return research.Action{}, errors.New("agent: Act before Reset")
	}
	j, err := p.choose(obs)
	if err != nil {
		return research.Action{}, err
	}
	return research.Action{Config: obs.TargetConfigs[j]}, nil
}

// choose returns the untried candidate with the lowest prediction.
func (p *player) choose(obs *research.Observation) (int, error) {
	for _, t := range obs.History {
		if t.Target && t.Candidate >= 0 && t.Candidate < len(p.tried) {
			p.tried[t.Candidate] = true
		}
	}
	if err := p.a.predict(p.ws, p.ep.features(obs), p.pred); err != nil {
		return 0, err
	}
	best, bv := -1, math.Inf(1)
	for j, v := range p.pred {
		if !p.tried[j] && v < bv {
			best, bv = j, v
		}
	}
	if best < 0 { // every config was tried: repeat the first
		best = 0
	}
	return best, nil
}

// Agent files: an nn.Checkpoint holding the network ("net") and the
// feature standardisation ("feature_mean", "feature_std"), with this
// metadata.
const (
	fileFormat  = "github.com/autollmresearch/gym/policy/agent"
	FileVersion = 1
)

type fileMeta struct {
	Format   string          `json:"format"`
	Version  int             `json:"version"`
	Task     string          `json:"task"`
	Features []string        `json:"features"`
	Info     json.RawMessage `json:"info,omitempty"`
}

// checkpoint returns the agent as an nn.Checkpoint.
func (a *Agent) checkpoint() (*nn.Checkpoint, error) {
	meta, err := json.Marshal(fileMeta{Format: fileFormat, Version: FileVersion, Task: a.task, Features: featureNames, Info: a.info})
	if err != nil {
		return nil, fmt.Errorf("agent: encoding the metadata: %w", err)
	}
	c := &nn.Checkpoint{Meta: meta}
	c.PutMLP("net", a.net)
	c.PutVector("feature_mean", a.mean)
	c.PutVector("feature_std", a.std)
	return c, nil
}

// WriteTo writes the agent as one versioned, checksummed file (see
// nn.Checkpoint).
func (a *Agent) WriteTo(w io.Writer) (int64, error) {
	c, err := a.checkpoint()
	if err != nil {
		return 0, err
	}
	return c.WriteTo(w)
}

// WriteFile writes the agent to path through nn.WriteFile.
func (a *Agent) WriteFile(path string) error {
	c, err := a.checkpoint()
	if err != nil {
		return err
	}
	return nn.WriteFile(path, c)
}

// Read reads an agent written by WriteTo. It checks the file's checksum
// (through nn.ReadCheckpoint), its format and version, and that it was
// trained on the features this version computes.
func Read(r io.Reader) (*Agent, error) {
	c, err := nn.ReadCheckpoint(r)
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	var m fileMeta
	if err := json.Unmarshal(c.Meta, &m); err != nil {
		return nil, fmt.Errorf("agent: metadata is not an agent's: %w", err)
	}
	switch {
	case m.Format != fileFormat:
		return nil, fmt.Errorf("agent: the file is a %q checkpoint, not an agent", m.Format)
	case m.Version != FileVersion:
		return nil, fmt.Errorf("agent: file version %d, this library reads version %d", m.Version, FileVersion)
	case !slices.Equal(m.Features, featureNames):
		return nil, fmt.Errorf("agent: the file's agent uses the features %v, this version computes %v", m.Features, featureNames)
	case m.Task == "":
		return nil, errors.New("agent: the file names no task")
	}
	net, err := c.NewMLPFrom("net")
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	if net.In() != NumFeatures || net.Out() != 1 {
		return nil, fmt.Errorf("agent: network has %d inputs and %d outputs, want %d and 1", net.In(), net.Out(), NumFeatures)
	}
	a := &Agent{task: m.Task, net: net, info: m.Info, mean: make([]float64, NumFeatures), std: make([]float64, NumFeatures)}
	if err := c.LoadVector("feature_mean", a.mean); err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	if err := c.LoadVector("feature_std", a.std); err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	for k := range NumFeatures {
		if math.IsNaN(a.mean[k]) || math.IsInf(a.mean[k], 0) || !(a.std[k] > 0) || math.IsInf(a.std[k], 0) {
			return nil, fmt.Errorf("agent: feature %s has standardisation mean %g, sd %g; want finite with sd > 0", featureNames[k], a.mean[k], a.std[k])
		}
	}
	for _, v := range net.Params() {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, errors.New("agent: the network holds a non-finite weight")
		}
	}
	return a, nil
}

// ReadFile reads the agent at path.
func ReadFile(path string) (*Agent, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	defer f.Close()
	a, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}
