package web

// The payout pages (拨付): the publisher's application form and the page of
// one application, and the finance console's queue and application view.
// Account numbers reach these pages masked only; the one unmasked number is
// the finance page's Revealed, shown after an audited request (R-PII-1).

func init() {
	pageNames = append(pageNames, "payout_form", "payout_status", "staff_payouts", "staff_payout")
}

// PayoutRow is one payout in the publisher's list on the request's page.
type PayoutRow struct {
	ID       int64
	At       string
	Amount   string
	StateKey string
	ToKey    string // how the payee is named: "the patient's own account"
	Hospital string
}

// HospitalOption is a directory hospital the form offers; its account masked.
type HospitalOption struct {
	ID            int64
	Name          string
	BankName      string
	AccountMasked string
}

// DocumentRow is one of the request's documents a form can attach.
type DocumentRow struct {
	ID        int64
	KindKey   string
	Uploaded  string
	Reviewed  bool
	Published bool
	Checked   bool
}

// PayoutForm is the application to be paid (R-DISB-2, R-DISB-3): before the
// form, the mode that applies and why, what the request holds and what may
// be applied for; then the form, which keeps everything typed when refused.
type PayoutForm struct {
	RequestID int64
	// ModeKey names the mode; Reason says why, in the reader's language;
	// Gaps are the disclosure items that restrict it, to complete.
	ModeKey    string
	Restricted bool // hospital-only or batches
	Reason     string
	Gaps       []string
	Raised     string
	Held       string
	InProgress string
	Available  string
	// Blocked says why no application can be made now (an overdue usage
	// update, R-DISB-4), or "".
	Blocked       string
	PayeeKinds    []Option
	Relationships []Option
	Designators   []Option
	Hospitals     []HospitalOption
	Documents     []DocumentRow
	DocumentKinds []Option
	MaxUpload     int // in MiB
	Key           string
	Notice        string
	Form          Form
}

// UsageRow is one usage update of a payout; it is public.
type UsageRow struct {
	At       string
	Text     string
	Receipts int
}

// PayoutStatus is one application as its publisher sees it: where it is,
// the clocks of R-DISB-1, the officer's question or reason, and the forms
// of what they can still do: answer a question, post a usage update
// (R-DISB-4). The account is masked.
type PayoutStatus struct {
	ID            int64
	RequestID     int64
	StateKey      string
	Amount        string
	Purpose       string
	PayeeKey      string
	Hospital      string
	BankName      string
	AccountMasked string
	Batch         bool
	Submitted     string
	ReviewDue     string
	PaymentDue    string
	Paid          string
	UsageDue      string
	UsageOverdue  bool
	Question      string
	Reason        string
	CanAnswer     bool
	CanPostUsage  bool
	Usage         []UsageRow
	Documents     []DocumentRow
	DocumentKinds []Option
	MaxUpload     int
	Notice        string
	Form          Form
}

// StaffPayoutRow is one application in the finance queue.
type StaffPayoutRow struct {
	ID            int64
	RequestID     int64
	Amount        string
	StateKey      string
	PayeeKey      string
	Hospital      string
	AccountMasked string
	Submitted     string
	// Due is when the running clock ends; Overdue says it has passed,
	// ClockKey names the clock (review or payment, R-DISB-1).
	Due      string
	Overdue  bool
	ClockKey string
	Paused   bool // the applicant owes an answer: the review clock stopped
	// Shared lists the other, unrelated requests paid to the same account
	// (R-REF-3), already as text.
	Shared    string
	Claimant  string
	Mine      bool
	FirstDone bool
}

// CountRow is how many applications are in one state.
type CountRow struct {
	StateKey string
	N        int
}

// StaffPayouts is the finance queue: overdue first, dense, one line each.
type StaffPayouts struct {
	Rows   []StaffPayoutRow
	Counts []CountRow
	// CanOpen says the reader may open an application (a finance
	// officer); others read the queue only.
	CanOpen bool
}

// PayoutEventRow is one move of an application.
type PayoutEventRow struct {
	At, Actor, FromKey, ToKey, Event, Text string
}

// StaffPayout is one application as a finance officer sees it, the account
// masked unless Revealed (after an audited request).
type StaffPayout struct {
	ID              int64
	RequestID       int64
	RequestTitle    string
	StateKey        string
	Amount          string
	Purpose         string
	PayeeKey        string
	RelationshipKey string
	DesignatedKey   string
	Hospital        string
	BankName        string
	AccountMasked   string
	Revealed        string
	Batch           bool
	ModeKey         string
	ModeNowKey      string
	ModeNowReason   string
	Question        string
	Reason          string
	Flags           []string
	Submitted       string
	Due             string
	Overdue         bool
	ClockKey        string
	Documents       []int64
	Claimant        string
	FirstApprover   string
	SecondApprover  string
	Mine            bool
	CanClaim        bool
	CanDecide       bool // the claimant, in review, before the first approval
	CanReject       bool // the claimant, in review or waiting for an answer
	CanSecond       bool // a first approval by someone else waits for this officer
	FirstMine       bool
	Events          []PayoutEventRow
	Notice          string
	Form            Form
}

// PublicPayoutView is one payout on the request's public page: never an
// account number, never a person's name (R-DISB-2, R-PII-1).
type PublicPayoutView struct {
	Date        string
	Amount      string
	StateKey    string
	ToKey       string
	Hospital    string
	ExpenseList []string
	Usage       []UsageRow
}

func (PayoutForm) template() string   { return "payout_form" }
func (PayoutStatus) template() string { return "payout_status" }
func (StaffPayouts) template() string { return "staff_payouts" }
func (StaffPayout) template() string  { return "staff_payout" }

func (PayoutForm) TitleKey() string   { return "payoutpages.form.title" }
func (PayoutStatus) TitleKey() string { return "payoutpages.status.title" }
func (StaffPayouts) TitleKey() string { return "staff.payouts.title" }
func (StaffPayout) TitleKey() string  { return "payoutpages.staff.title" }
