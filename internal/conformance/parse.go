package conformance

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	// ruleLine is the start of a rule: "- R-PII-3 (M9) A leak…" or, with
	// no source of its own, "- R-STAFF-1 Staff cannot…".
	ruleLine = regexp.MustCompile(`^- (R-[A-Z]+-[0-9]+)(?: \(([^)]*)\))? (.*)$`)
	// headingSource is a section's source: "## Staff conduct and audit (M20)".
	headingSource = regexp.MustCompile(`\(([^)]*)\)\s*$`)
	// RuleID is what a rule ID looks like, in the requirements and in tests.
	RuleID = regexp.MustCompile(`\bR-[A-Z]+-[0-9]+\b`)
)

// ParseRules reads the rules of the requirements, in order: a rule starts
// with "- R-XXX-N", may give its source in parentheses, and goes on over
// the indented lines after it. A rule with no source of its own takes its
// section's ("## Personal information (M9, PIPL)"). An ID given twice is an
// error.
func ParseRules(text string) ([]Rule, error) {
	var rules []Rule
	seen := map[string]bool{}
	section, sectionSource := "", ""
	var cur *Rule
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			cur = nil
			section = strings.TrimSpace(h)
			sectionSource = ""
			if m := headingSource.FindStringSubmatch(section); m != nil {
				sectionSource = m[1]
			}
			continue
		}
		if m := ruleLine.FindStringSubmatch(line); m != nil {
			if seen[m[1]] {
				return nil, fmt.Errorf("conformance: rule %s is given twice", m[1])
			}
			seen[m[1]] = true
			src := m[2]
			if src == "" {
				src = sectionSource
			}
			rules = append(rules, Rule{ID: m[1], Source: src, Section: section, Text: strings.TrimSpace(m[3])})
			cur = &rules[len(rules)-1]
			continue
		}
		if cur != nil && strings.HasPrefix(line, "  ") && strings.TrimSpace(line) != "" {
			cur.Text += " " + strings.TrimSpace(line)
			continue
		}
		cur = nil
	}
	if len(rules) == 0 {
		return nil, fmt.Errorf("conformance: no rules found")
	}
	return rules, nil
}
