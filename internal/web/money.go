package web

func init() {
	pageNames = append(pageNames, "staff_bank", "staff_custody", "staff_reconcile")
}

// StaffBank is the console's view of the custody bank's outbox: every
// transfer with its payee masked (R-PII-1), the outcomes the bank reported
// for transfers the platform never sent (quarantined), and for finance the
// buttons that run the money jobs once; with the sandbox bank, the button
// that moves its clock on.
type StaffBank struct {
	Bank string // the bank's name: sandbox or files
	// Sandbox is set with the sandbox bank: its clock may be moved on.
	Sandbox    bool
	SandboxNow string
	// CanRun: the signed-in member may run the jobs (and move the
	// sandbox's clock).
	CanRun    bool
	Transfers []TransferRow
	// OlderTransfers counts the oldest transfers not listed.
	OlderTransfers int
	Quarantined    []OutcomeRow
	// Fundings are the newest top-ups of payment providers' balances
	// from custody to pay refunds (package refundfund).
	Fundings []FundingRow
	Notice   string
	Message  string
}

// FundingRow is one top-up of a provider's balance from custody: its bank
// transfer, the provider, the amount, the refunds due and the provider's
// balance when it was decided, where it stands and when.
type FundingRow struct {
	Transfer, Provider, Amount, Due, Balance, State, At string
}

// TransferRow is one transfer of the outbox.
type TransferRow struct {
	ID     string
	Payout string // the payout's number, from the transfer's id
	Amount string // in yuan
	Payee  string // the account, masked
	Sent   bool
	Status string
}

// OutcomeRow is an outcome the bank reported.
type OutcomeRow struct {
	Transfer, Status, Reason, At string
}

func (StaffBank) template() string { return "staff_bank" }

// TitleKey names the page.
func (StaffBank) TitleKey() string { return "staff.bank.title" }

// StaffCustody is the custody account record (R-FUND-3): the accounts,
// masked, and every change with where it stands; for finance the form to
// propose a change, and for finance and admins the forms that record the
// report to the ministry and put a change into effect.
type StaffCustody struct {
	Accounts []CustodyAccountRow
	Changes  []CustodyChangeRow
	// Actions are the changes a proposal may make, in the form's order.
	Actions    []string
	CanPropose bool
	CanRecord  bool
	Propose    Form
	Notice     string
	Message    string
}

// CustodyAccountRow is one custody account.
type CustodyAccountRow struct {
	ID                          int64
	Bank, Masked, Opened, State string
	Ended                       string
}

// CustodyChangeRow is one change of the custody account.
type CustodyChangeRow struct {
	ID                                 int64
	Action, Account, Bank, Masked      string
	EffectiveOn, Reason, State         string
	ProposedBy, ProposedAt, ApprovedBy string
	ReportedOn, ReportRef, ReportedBy  string
	EffectiveAt, EffectiveBy           string
	// CanReport and CanEffect offer the next step's form.
	CanReport, CanEffect bool
	Report               Form
	Effect               Form
}

func (StaffCustody) template() string { return "staff_custody" }

// TitleKey names the page.
func (StaffCustody) TitleKey() string { return "staff.custody.title" }

// StaffReconcile is the reconciliation of the custody account (R-FUND-4):
// the runs, the open differences first with the forms that resolve them,
// the resolved ones with who, when and why, and the statement upload.
type StaffReconcile struct {
	Runs     []RunRow
	Open     []DifferenceRow
	Resolved []DifferenceRow
	// OlderRuns and OlderResolved count what is not shown: the oldest
	// runs and resolutions.
	OlderRuns, OlderResolved int
	CanResolve               bool
	CanUpload                bool
	Upload                   Form
	// Result says what the upload did, or why it was refused, in words.
	Result  string
	Notice  string
	Message string
}

// RunRow is one statement reconciled.
type RunRow struct {
	ID                                          int64
	Statement, Account, Period                  string
	Opening, Closing, LedgerAtEnd, InTransit    string
	Lines, Matched, InTransitCount, Differences int
	Settlement, Actor, At                       string
}

// DifferenceRow is one difference, with its resolution when resolved.
type DifferenceRow struct {
	ID                             int64
	Run                            int64
	Kind, Source, Reference        string
	Ledger, Other, Detail, Found   string
	ResolvedBy, ResolvedAt, Reason string
	Correction                     int64
	Resolve                        Form
	Correct                        Form
}

func (StaffReconcile) template() string { return "staff_reconcile" }

// TitleKey names the page.
func (StaffReconcile) TitleKey() string { return "staff.reconcile.title" }
