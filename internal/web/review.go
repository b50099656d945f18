package web

// The review console: the queue, one request under review with its forms,
// and the patrol of progress updates (R-REV-1 to R-REV-4, R-PUB-1, R-PUB-4,
// R-REQ-4).

func init() {
	pageNames = append(pageNames, "staff_review_queue", "staff_review", "staff_patrol")
}

// StaffReviewQueue is the reviewers' queue: requests waiting for a human,
// riskiest then oldest first, and the approved requests whose fundraising
// has not opened yet (waiting for the certificate of R-REQ-4), so that none
// is forgotten.
type StaffReviewQueue struct {
	Queue   []ReviewQueueRow
	Waiting []ReviewWaitingRow
}

// ReviewQueueRow is one request waiting for review.
type ReviewQueueRow struct {
	ID       int64
	Title    string
	LevelKey string // the screening level's catalog key
	Score    int
	Target   string // formatted in the reader's language
	Age      string // how long since it was submitted, in words
	// ClaimedBy is the username of the reviewer holding it, or "".
	ClaimedBy string
	Mine      bool
	// FirstApproval names who gave the first of the two approvals it
	// needs: it waits for a second reviewer (R-REV-3).
	FirstApproval []string
}

// ReviewWaitingRow is an approved request whose channel is not open.
type ReviewWaitingRow struct {
	ID      int64
	Title   string
	Target  string
	Since   string
	Missing string // what CanOpenFundraising still misses, in words; "" when it may open
}

// StaffReview is one request as a reviewer checks it: the whole filing
// unmasked (the view is in the audit log before it is shown, R-PII-1), the
// machine screening with the reasons only staff see (R-REV-1), the
// materials, the decisions and the life cycle so far, and the forms of the
// review (R-REV-2, R-REV-3) and of publication (R-PUB-1, R-REQ-4, R-PUB-4).
type StaffReview struct {
	ID          int64
	Title       string
	StateKey    string
	PublisherID int64
	// Publisher names the publisher masked: the verified name (张*明)
	// and the phone (138****8000), never a bare account number.
	Publisher   string
	SubmittedAt string

	RelationshipKey    string
	RelationshipDetail string
	RelationshipProof  bool
	PatientName        string
	PatientID          string
	Diagnosis          string
	HospitalName       string
	HospitalCity       string
	Story              string
	Target             string
	Use                []ReviewUseRow
	Disclosures        []ReviewDisclosureRow

	Screening *ReviewScreening // nil when never screened
	Materials []ReviewMaterialRow
	Decisions []ReviewDecisionRow
	Events    []ReviewEventRow
	Versions  []ReviewVersionRow
	Channel   *ReviewChannel // nil while fundraising never opened or closed
	// PatientChecks are the identity provider's answers about the patient.
	PatientChecks []ReviewPatientCheckRow

	// ClaimedBy is the username of the reviewer who holds the request, or "".
	ClaimedBy string
	Mine      bool
	CanClaim  bool // in review and nobody holds it
	CanDecide bool // in review and the viewer holds it
	CanOpen   bool // approved: the channel can be opened once the certificate is published
	CanClose  bool // approved or fundraising
	// TwoReviewers says the request needs the approval of two different
	// reviewers (R-REV-3); Approvals names those who approved so far.
	TwoReviewers bool
	Approvals    []string
	// FirstApprovalMine says the viewer gave the first approval: the
	// second must be someone else's.
	FirstApprovalMine bool
	// ApproveBlocked says, in words, why an approval would be refused
	// now (required material not yet marked reviewed, R-REV-2), or "".
	ApproveBlocked string
	// OpenBlocked says, in words, what is missing before the channel may
	// open (R-REQ-4), or "".
	OpenBlocked  string
	CloseReasons []string
	GoneCauses   []string

	Form   Form
	Notice string
}

// ReviewPatientCheckRow is one answer of the identity provider about the
// patient's name and ID number: when, which provider, the outcome and its
// reason code.
type ReviewPatientCheckRow struct {
	At, Provider, Reason string
	Verified             bool
}

// ReviewUseRow is one line of the use of the money.
type ReviewUseRow struct {
	Label, Amount, Note string
}

// ReviewDisclosureRow is the answer to one disclosure topic (R-REQ-2).
type ReviewDisclosureRow struct {
	QuestionKey string
	Answered    bool
	Yes         bool
	Detail      string
	Amount      string // "" when the topic takes none or none was given
}

// ReviewScreening is the stored machine pre-screen of a request.
type ReviewScreening struct {
	LevelKey string
	Score    int
	At, By   string
	Verdicts []ReviewVerdict
}

// ReviewVerdict is one screen's verdict.
type ReviewVerdict struct {
	NameKey, OutcomeKey string
	Score               int
	Reasons             []ReviewReason
}

// ReviewReason is one finding, already in the reader's language.
type ReviewReason struct {
	Text      string
	StaffOnly bool // never shown to the requester
}

// ReviewMaterialRow is one piece of supporting material.
type ReviewMaterialRow struct {
	ID                     int64
	KindKey                string
	ContentType            string
	Size                   string
	UploadedAt, UploadedBy string
	Reviewed               bool
	ReviewedBy, ReviewedAt string
	Published              bool
	PublishedAt            string
	// Publishable says the kind may be shown in public (a certificate or
	// an expense list).
	Publishable bool
}

// ReviewDecisionRow is one reviewer's decision.
type ReviewDecisionRow struct {
	At, By, DecisionKey, Text string
}

// ReviewEventRow is one recorded change of state.
type ReviewEventRow struct {
	At, Actor, FromKey, ToKey, Event, Reason string
}

// ReviewVersionRow is one published version (R-REQ-6).
type ReviewVersionRow struct {
	Number  int
	At, By  string
	Changes string
}

// ReviewChannel is the fundraising channel of a request (R-PUB-4).
type ReviewChannel struct {
	OpenedAt, Deadline string
	Extensions         int
	Closed             bool
	ClosedAt, ClosedBy string
	ClosingKey         string // the public notice of the closing
	Note               string
}

// StaffPatrol is the patrol queue of progress updates (R-REV-4): those the
// wording screen flagged first, each to be checked or taken down with a
// public reason.
type StaffPatrol struct {
	Items []PatrolRow
	// FormFor is the update the refused Form belongs to.
	FormFor int64
	Form    Form
	Notice  string
}

// PatrolRow is one update waiting for a look.
type PatrolRow struct {
	RequestID, ID      int64
	Title              string
	Body               string
	PostedAt, PostedBy string
	Flagged            bool
	Reasons            []string // the staff reasons, in the reader's language
}

func (StaffReviewQueue) template() string { return "staff_review_queue" }
func (StaffReview) template() string      { return "staff_review" }
func (StaffPatrol) template() string      { return "staff_patrol" }

func (StaffReviewQueue) TitleKey() string { return "reviewpages.queue.title" }
func (StaffReview) TitleKey() string      { return "reviewpages.review.title" }
func (StaffPatrol) TitleKey() string      { return "reviewpages.patrol.title" }
