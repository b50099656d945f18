package web

func init() {
	pageNames = append(pageNames, "staff_conformance")
}

// StaffConformance is the conformance matrix in the auditor console
// (decision 0035): every rule, its source, what carefund does, and the
// tests that prove it, or the issue that will.
type StaffConformance struct {
	Rules, Proven, Pending int
	Entries                []ConformanceRow
}

// ConformanceRow is one rule of the matrix.
type ConformanceRow struct {
	ID, Source, Section, Text, Does string
	Pending                         string // the issue that delivers its proof, when no test names it
	Tests                           []string
}

func (StaffConformance) template() string { return "staff_conformance" }
func (StaffConformance) TitleKey() string { return "staff.conformance.title" }
