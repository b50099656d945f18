package web

func init() {
	pageNames = append(pageNames, "staff_refunds", "staff_refund_run")
}

// StaffRefunds is the console's list of refund runs (issue 15): each run
// with its cause, request, amount and progress, newest first; for finance
// the form that records a request's purpose as achieved or gone and
// refunds its unspent balance pro rata (R-REF-1); and the providers'
// answers about refunds that were set aside, never believed.
type StaffRefunds struct {
	Runs []StaffRunRow
	// CanStart: the member may record a purpose's end (finance).
	CanStart bool
	// Start is the form that records it, with its one-time Key.
	Start       Form
	Key         string
	Quarantined []RefundQuarantineRow
	Notice      string
}

// StaffRunRow is one run in the list.
type StaffRunRow struct {
	ID, Request int64
	Cause       string // a refund.Cause
	State       string // a refund.RunState
	Amount      string // in yuan
	Refunds     int64
	// Done and Total measure its progress: refunds settled (paid back or
	// given to charity) of all.
	Done, Total int64
	Percent     int
	Failing     int64 // waiting for another attempt
	Actor, At   string
}

// RefundQuarantineRow is one answer set aside.
type RefundQuarantineRow struct {
	Provider, RefundNo, Reason, State, Amount, Order, At string
}

func (StaffRefunds) template() string { return "staff_refunds" }

// TitleKey names the page.
func (StaffRefunds) TitleKey() string { return "staff.refunds.title" }

// StaffRefundRun is one refund run: its decision, its progress at every
// step (planned, ledgered, sent, paid back, waiting for another attempt,
// given to charity — count and amount), and the refunds that need a look,
// each with its last error and, for finance, the form that gives it to
// charity now (R-CHAR-1). The page reloads itself while the run is going.
type StaffRefundRun struct {
	Run      StaffRunRow
	Reason   string
	Ledgered string // when every refund was decided, or ""
	Finished string // when every refund was settled, or ""
	Steps    []RefundStep
	// Live: the run is not finished, and the page reloads.
	Live      bool
	Attention []RefundAttentionRow
	CanGive   bool
	Notice    string
}

// RefundStep is one line of a run's progress.
type RefundStep struct {
	Key     string // the catalog key of the step's name
	N       int64
	Amount  string
	Percent int // of the run's refunds
}

// RefundAttentionRow is a refund that needs a look.
type RefundAttentionRow struct {
	ID, Donation int64
	Provider     string
	Amount       string
	State        string // a refund.State
	Attempt      int
	RefundNo     string
	LastError    string
	NextAt       string
	// Give is the form that gives it to charity, refused or empty.
	Give Form
	// CanGive: abnormal or retrying, so it may be given to charity.
	CanGive bool
}

func (StaffRefundRun) template() string { return "staff_refund_run" }

// TitleKey names the page.
func (StaffRefundRun) TitleKey() string { return "staff.refund_run.title" }
