package web

// The pages of suspension and termination for fraud (R-REV-4, R-REF-2,
// R-DISC-2): the public notice of a suspended or terminated request, the
// console's board and a termination's page.

func init() {
	pageNames = append(pageNames, "request_notice", "staff_terminations", "staff_termination")
}

// RequestNotice is the public page of a request suspended or terminated:
// the public pages show no donation form then, only what happened and what
// donors get back. Amounts are formatted; nothing here is personal data.
type RequestNotice struct {
	ID    int64
	Title string
	// Suspended: Notice is staff's public notice, Since its date.
	Suspended bool
	Notice    string
	Since     string
	// Terminated: Reason in public words, on On, the findings' name keys,
	// the police referrals made, and the money.
	Terminated  bool
	Reason      string
	On          string
	FindingKeys []string
	Referrals   []PublicReferralView
	PaidOut     string
	Outstanding string
	Recovered   string
	// Refundable is what donors may still get back, "" when unknown.
	Refundable string
	Complaint  string
}

// PublicReferralView is a police referral as the public sees it.
type PublicReferralView struct{ Station, On string }

// StaffTerminations is the console's board: open suspensions (each with
// the forms to resume or to propose termination), proposals waiting for a
// second person, terminations with their recovery, and the suspension form
// for the request number typed in Find.
type StaffTerminations struct {
	Suspended  []SuspendedRow
	Proposed   []TerminationRow
	Terminated []TerminationRow
	// Findings are the findings' values, in the form's order.
	Findings []string
	// Find is the request number the suspension form is for (0: none);
	// Suspend its form.
	Find    int64
	Suspend Form
	// CanSuspend, CanPropose and CanDecide offer the forms.
	CanSuspend, CanPropose, CanDecide bool
	Notice, Message                   string
}

// SuspendedRow is one open suspension.
type SuspendedRow struct {
	RequestID int64
	Notice    string
	Reason    string
	By, Since string
	Resume    Form
	Propose   Form
}

// TerminationRow is one termination on the board.
type TerminationRow struct {
	ID, RequestID int64
	Status        string
	PublicReason  string
	ProposedBy    string
	ProposedAt    string
	ApprovedBy    string
	TerminatedAt  string
	PaidOut       string
	Outstanding   string
	Recovered     string
	RefundRun     string
	Decide        Form
}

// StaffTermination is one termination's page: what was found, the
// evidence (each opening recorded), the recovery, the police referrals
// with the officer masked (unmasking recorded), and the forms to add
// evidence and referrals.
type StaffTermination struct {
	Row         TerminationRow
	Title       string
	Reason      string
	FindingKeys []string
	Patient     bool
	Evidence    []EvidenceRow
	Referrals   []PoliceReferralRow
	// Revealed is an officer unmasked at the viewer's request.
	Revealed string
	CanAdd   bool
	CanOpen  bool
	Referral Form
	Upload   Form
	Notice   string
	Message  string
}

// EvidenceRow is one document, without its content.
type EvidenceRow struct {
	ID               int64
	Type, Size       string
	AddedBy, AddedAt string
}

// PoliceReferralRow is one police referral.
type PoliceReferralRow struct {
	ID                        int64
	Station, On, CaseNumber   string
	Officer, AddedBy, AddedAt string
	Documents                 []EvidenceRow
}

func (RequestNotice) template() string     { return "request_notice" }
func (StaffTerminations) template() string { return "staff_terminations" }
func (StaffTermination) template() string  { return "staff_termination" }

func (RequestNotice) TitleKey() string     { return "public.request.title" }
func (StaffTerminations) TitleKey() string { return "staff.terminations.title" }
func (StaffTermination) TitleKey() string  { return "staff.termination.title" }
