package tasks

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one fault found while validating a table.
type Problem struct {
	// Column names the column at fault, or the metadata key (gym.*) for a
	// fault in the metadata; empty when the fault concerns no one column.
	Column string
	// Row is the 1-based data row (not counting headers or comment lines),
	// or 0 when the fault concerns no one row.
	Row int
	// Line is the 1-based line of a CSV file the row starts on, or 0 when
	// the table was not read from CSV.
	Line int
	// Msg says what is wrong and what was expected.
	Msg string
}

// String formats the problem as one line naming its row, line and column.
func (p Problem) String() string {
	var b strings.Builder
	if p.Row > 0 {
		fmt.Fprintf(&b, "data row %d", p.Row)
		if p.Line > 0 {
			fmt.Fprintf(&b, " (line %d)", p.Line)
		}
		b.WriteString(", ")
	} else if p.Line > 0 {
		fmt.Fprintf(&b, "line %d, ", p.Line)
	}
	if p.Column != "" {
		if strings.HasPrefix(p.Column, "gym.") {
			fmt.Fprintf(&b, "metadata %q: ", p.Column)
		} else {
			fmt.Fprintf(&b, "column %q: ", p.Column)
		}
	}
	b.WriteString(p.Msg)
	return b.String()
}

// maxProblemLines is how many problems ValidationError.Error lists before
// summarising the rest.
const maxProblemLines = 20

// ValidationError reports every problem found in a table or its metadata.
type ValidationError struct {
	// Source names where the table came from (a file path), if known.
	Source string
	// Problems lists the faults, ordered by row (faults of no one row
	// first) and, within a row, in the order they were found.
	Problems []Problem
	// Omitted counts further problems that were found but not kept: a
	// table keeps at most 1,000 so that a badly broken large file does not
	// exhaust memory.
	Omitted int
}

// Error lists the problems one per line, the first 20 in full and the
// number of the rest.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("tasks: invalid table")
	if e.Source != "" {
		fmt.Fprintf(&b, " %s", e.Source)
	}
	n := len(e.Problems) + e.Omitted
	if n == 1 {
		b.WriteString(": 1 problem:")
	} else {
		fmt.Fprintf(&b, ": %d problems:", n)
	}
	for i, p := range e.Problems {
		if i == maxProblemLines {
			fmt.Fprintf(&b, "\n\t... and %d more", n-maxProblemLines)
			break
		}
		b.WriteString("\n\t")
		b.WriteString(p.String())
	}
	return b.String()
}

// problems collects validation faults, dropping a second fault reported for
// the same (column, row) cell so that a cell is blamed once.
type problems struct {
	list    []Problem
	seen    map[cell]bool
	omitted int
}

// maxProblems is how many problems a ValidationError keeps.
const maxProblems = 1000

type cell struct {
	column string
	row    int
}

func (ps *problems) add(p Problem) {
	if len(ps.list) >= maxProblems {
		ps.omitted++
		return
	}
	if p.Row > 0 && p.Column != "" {
		k := cell{p.Column, p.Row}
		if ps.seen[k] {
			return
		}
		if ps.seen == nil {
			ps.seen = make(map[cell]bool)
		}
		ps.seen[k] = true
	}
	ps.list = append(ps.list, p)
}

func (ps *problems) addf(column string, row int, format string, a ...any) {
	ps.add(Problem{Column: column, Row: row, Msg: fmt.Sprintf(format, a...)})
}

func (ps *problems) len() int { return len(ps.list) + ps.omitted }

// err returns nil when there are no problems, or a *ValidationError listing
// them ordered by row.
func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	list := append([]Problem(nil), ps.list...)
	sort.SliceStable(list, func(i, j int) bool { return list[i].Row < list[j].Row })
	return &ValidationError{Problems: list, Omitted: ps.omitted}
}
