package llm

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/spaces"
)

// FormatAnswer renders an action as the JSON answer a text view reads
// (see research.ParseAnswer): {"stop": true} for a stop, else
// {"config": <config>} with "fidelity" added when the action names an
// experiment. The config is space.FormatJSON's canonical form, so
// ParseAnswer reads the same action back.
func FormatAnswer(space *spaces.ConfigSpace, a research.Action) (string, error) {
	if a.Stop {
		return `{"stop": true}`, nil
	}
	if space == nil {
		return "", errors.New("llm: FormatAnswer: nil configuration space")
	}
	cfg, err := space.FormatJSON(a.Config)
	if err != nil {
		return "", fmt.Errorf("llm: FormatAnswer: %w", err)
	}
	s := `{"config": ` + string(cfg)
	if a.Experiment != "" {
		s += `, "fidelity": ` + strconv.Quote(a.Experiment)
	}
	return s + "}", nil
}

// ReplyParser is implemented by a text env (or a layer of one) that can
// read the answer of a reply exactly as its next Step would, without
// taking the step. The Agent uses it, when present, to decide whether a
// reply needs a correction.
type ReplyParser interface {
	// ParseReply returns the action the reply's answer gives, or the
	// reason it gives none.
	ParseReply(reply string) (research.Action, error)
}

// replyChecker reads answers from replies for the current episode.
type replyChecker struct {
	space  *spaces.ConfigSpace
	parse  func(string) (research.Action, error)
	usable bool // false: nothing to check with; every reply goes to the env
}

// newReplyChecker builds the checker of e's episode that has just been
// reset with info. It uses e's ReplyParser when a layer has one; else the
// research env inside e, with its configuration space and, as the
// fidelities an answer may name, the target (Extrapolate) or every
// experiment of the table (MultiFidelity, a superset: the env still
// rejects experiments the episode cannot run).
func newReplyChecker(e any, info env.Info) replyChecker {
	var c replyChecker
	core, hasCore := env.As[*research.Env](e)
	if hasCore && core != nil {
		c.space = core.Table().Meta().Space
	}
	if p, ok := env.As[ReplyParser](e); ok && p != nil {
		c.parse, c.usable = p.ParseReply, true
		return c
	}
	if c.space == nil {
		return c
	}
	var fids []string
	if core.Options().Setting == research.MultiFidelity {
		for _, x := range core.Table().Experiments() {
			fids = append(fids, x.ID)
		}
	} else if v, ok := info.Get("target"); ok {
		if id, ok := v.(string); ok {
			fids = []string{id}
		}
	}
	space := c.space
	c.parse = func(reply string) (research.Action, error) { return research.ParseAnswer(space, fids, reply) }
	c.usable = true
	return c
}

// check reads the answer of reply and renders it canonically; answer is
// "" when it cannot be rendered.
func (c replyChecker) check(reply string) (answer string, err error) {
	if !c.usable {
		return "", nil
	}
	a, err := c.parse(reply)
	if err != nil {
		return "", err
	}
	if s, ferr := FormatAnswer(c.space, a); ferr == nil {
		answer = s
	}
	return answer, nil
}
