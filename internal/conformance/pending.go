package conformance

// Pending lists the rules whose proof a later issue delivers, with that
// issue. A rule listed here shows as not yet proven; one that gains a test
// must leave the list (TestMatrixIsComplete fails until it does), so the
// list only shrinks.
var Pending = map[string]string{
	"R-RISK-2": "issue 21",
	"R-RISK-3": "issue 21",
	// Being proven in issue 18 by other work; emptied when it is merged.
	"R-COMP-1": "issue 18",
	"R-COMP-2": "issue 18",
	"R-CONT-1": "issue 18",
	"R-DISC-3": "issue 18",
	"R-DISC-4": "issue 18",
	"R-DISP-1": "issue 18",
	"R-PII-2":  "issue 18",
	"R-WIND-1": "issue 18",
}
