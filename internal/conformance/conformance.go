// Package conformance builds the conformance matrix (decision 0035): for
// every rule of the requirements, its ID, its legal source, what carefund
// does about it, and the tests that prove it, by name.
//
// The requirements are kept in the repository (requirements.md, embedded);
// the tests are found by scanning every _test.go file for rule IDs in the
// comments of a Test, Fuzz or Benchmark function, or directly above it.
// What carefund does is a hand-written line per rule (does.go), and the
// rules that a later issue delivers are listed as pending (pending.go).
// `carefund conformance` writes docs/conformance.md and the matrix the
// auditor console shows (matrix.json, embedded); a test fails when either
// is stale, when a rule has no test and is not pending, or when a pending
// rule has a test.
package conformance

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Requirements is the text of the requirements, a copy of the project's
// REQUIREMENTS.md kept in the repository.
//
//go:embed requirements.md
var Requirements string

//go:embed matrix.json
var matrixJSON []byte

// A Rule is one rule of the requirements.
type Rule struct {
	ID      string // "R-PII-3"
	Source  string // "M9", "C", "M11, C"…; the section's when the rule names none
	Section string // the heading it is under
	Text    string // the rule, on one line
}

// A Test is a test function that names a rule.
type Test struct {
	Package string // its directory from the module's root, "internal/incident"
	Name    string // "TestStepsAndStatus"
}

// String is the test as the matrix shows it: "internal/incident.TestX".
func (t Test) String() string { return t.Package + "." + t.Name }

// An Entry is one row of the matrix.
type Entry struct {
	Rule
	Does    string // what carefund does
	Tests   []Test // the tests that name the rule, sorted
	Pending string // the issue that delivers the rule's proof, when it has none yet
}

// Proven reports whether tests prove the rule.
func (e Entry) Proven() bool { return len(e.Tests) > 0 }

// A Matrix is every rule, in the order of the requirements.
type Matrix struct {
	Entries []Entry
	// Unknown lists the tests that name a rule the requirements do not
	// have, "R-XXX-9 internal/x.TestY".
	Unknown []string `json:",omitempty"`
}

// Build makes the matrix of rules from the tests found (by rule ID), the
// lines of what carefund does and the pending list.
func Build(rules []Rule, tests map[string][]Test, does, pending map[string]string) Matrix {
	var m Matrix
	known := map[string]bool{}
	for _, r := range rules {
		known[r.ID] = true
		ts := slices.Clone(tests[r.ID])
		sortTests(ts)
		m.Entries = append(m.Entries, Entry{Rule: r, Does: does[r.ID], Tests: ts, Pending: pending[r.ID]})
	}
	for id, ts := range tests {
		if !known[id] {
			for _, t := range ts {
				m.Unknown = append(m.Unknown, id+" "+t.String())
			}
		}
	}
	slices.Sort(m.Unknown)
	return m
}

func sortTests(ts []Test) {
	slices.SortFunc(ts, func(a, b Test) int { return strings.Compare(a.String(), b.String()) })
}

// Problems returns what makes the matrix fail, one line each: a rule with
// no line of what carefund does; a rule with no test that is not pending;
// a pending rule that has a test (the list only shrinks); a line or a
// pending entry for a rule the requirements do not have; a test naming an
// unknown rule. It returns nil when the matrix is complete.
func Problems(m Matrix, does, pending map[string]string) []string {
	var out []string
	known := map[string]bool{}
	for _, e := range m.Entries {
		known[e.ID] = true
		if strings.TrimSpace(e.Does) == "" {
			out = append(out, e.ID+": no line of what carefund does")
		}
		switch {
		case !e.Proven() && e.Pending == "":
			out = append(out, e.ID+": no test names it, and it is not pending")
		case e.Proven() && e.Pending != "":
			out = append(out, fmt.Sprintf("%s: pending (%s) but proven by %s; take it off the pending list", e.ID, e.Pending, e.Tests[0]))
		}
	}
	for _, list := range []struct {
		name string
		ids  map[string]string
	}{{"does", does}, {"pending", pending}} {
		for id := range list.ids {
			if !known[id] {
				out = append(out, id+": in the "+list.name+" list, not in the requirements")
			}
		}
	}
	for _, u := range m.Unknown {
		out = append(out, "a test names a rule the requirements do not have: "+u)
	}
	slices.Sort(out)
	return out
}

// Embedded returns the matrix `carefund conformance` last generated, as
// the auditor console shows it.
func Embedded() (Matrix, error) {
	var m Matrix
	if err := json.Unmarshal(matrixJSON, &m); err != nil {
		return Matrix{}, fmt.Errorf("conformance: the embedded matrix: %w", err)
	}
	return m, nil
}

// JSON returns the matrix as Embedded reads it.
func JSON(m Matrix) []byte {
	b, err := json.MarshalIndent(m, "", "\t")
	if err != nil {
		panic(err) // the matrix is plain strings
	}
	return append(b, '\n')
}
