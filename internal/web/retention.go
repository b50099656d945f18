package web

// The console's retention page (R-PII-2): what was anonymized, and what is
// due next. It shows request ids, dates and the names of what was cleared:
// nothing personal.

func init() {
	pageNames = append(pageNames, "staff_retention")
}

// StaffRetention lists the latest anonymizations and the completed
// requests next due, for admins and auditors; it changes nothing.
type StaffRetention struct {
	Years int
	Done  []RetentionRow
	Next  []RetentionRow
}

// RetentionRow is one request: when it completed, when its personal data
// is (or was) due, when it was anonymized ("" when not yet), and what was
// cleared.
type RetentionRow struct {
	RequestID                           int64
	Completed, Due, Anonymized, Cleared string
}

func (StaffRetention) template() string { return "staff_retention" }
func (StaffRetention) TitleKey() string { return "staff.retention.title" }
