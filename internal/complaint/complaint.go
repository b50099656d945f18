// Package complaint receives, tracks and handles complaints and reports
// (R-COMP-1, R-COMP-2, R-PUB-3): the public form and the other published
// channels, a tracking number and status page for the complainant, the
// handlers' queue with its clocks (acknowledged within 1 working day,
// handled within 7), escalation when a clock runs out, and an outcome with a
// response that is published on the request page when the complaint is about
// one (R-DISC-2), next to how a dispute can be taken further (R-DISP-1).
//
// Rule files here (this one) import no storage; SQL is in store.go, use
// cases in service*.go.
package complaint

// Category is what a complaint is about.
type Category string

// The categories the form offers.
const (
	CategoryFalseInfo Category = "false_info" // the request's information is false
	CategoryMisuse    Category = "misuse"     // money is misused
	CategoryPrivacy   Category = "privacy"    // personal information is exposed or misused
	CategoryPayout    Category = "payout"     // a payout is late, wrong or refused
	CategoryStaff     Category = "staff"      // a staff member's conduct
	CategoryOther     Category = "other"
)

// Categories lists every category in the order the form shows them.
var Categories = []Category{CategoryFalseInfo, CategoryMisuse, CategoryPrivacy, CategoryPayout, CategoryStaff, CategoryOther}

// Status is where a complaint stands: received → triaged → investigating →
// resolved | dismissed.
type Status string

// The statuses.
const (
	StatusReceived      Status = "received"
	StatusTriaged       Status = "triaged" // acknowledged and assigned
	StatusInvestigating Status = "investigating"
	StatusResolved      Status = "resolved"  // an outcome with a response
	StatusDismissed     Status = "dismissed" // closed without action, with a response saying why
)

// Statuses lists every status in order.
var Statuses = []Status{StatusReceived, StatusTriaged, StatusInvestigating, StatusResolved, StatusDismissed}

// Outcome is what handling a complaint found and did.
type Outcome string

// The outcomes.
const (
	OutcomeUpheld    Outcome = "upheld"     // the complaint was right; action taken
	OutcomePartly    Outcome = "partly"     // partly right; some action taken
	OutcomeNotUpheld Outcome = "not_upheld" // investigated; nothing wrong found
	OutcomeDismissed Outcome = "dismissed"  // not investigated (duplicate, out of scope, no basis)
)

// Outcomes lists every outcome.
var Outcomes = []Outcome{OutcomeUpheld, OutcomePartly, OutcomeNotUpheld, OutcomeDismissed}

// Stats counts the complaints received in a period, for the public and
// annual reports and the exports (R-DISC-3, R-RPT-1).
type Stats struct {
	Received      int              // complaints received in the period
	ByCategory    map[Category]int // of those received, by category
	ByOutcome     map[Outcome]int  // of those received, the closed ones by outcome
	Open          int              // of those received, not closed by the end of the period
	AckedInTime   int              // acknowledged within 1 working day
	HandledInTime int              // closed within 7 working days
	Escalated     int              // a clock ran out at least once
	// MedianHandleHours is the median time from receipt to closing of
	// those closed, in whole hours; 0 when none is closed.
	MedianHandleHours int
}
