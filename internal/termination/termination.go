// Package termination suspends published requests under investigation and
// terminates them for fraud or misuse (R-REV-4, R-REF-2): the public
// notice, the four-eyes decision (staff.KindTermination), the recovery of
// money already paid out, the refund of donors, the police referral, and
// the blacklist proposal that follows (R-BL-1).
//
// A suspension pauses the request at once: campaign's life cycle moves it to
// suspended, the donation service refuses new orders (and a payment that
// still arrives is kept as an after-close payment, never lost), and the
// payout service approves and sends nothing for it. Resuming returns it to
// the state it was suspended from, with a public note.
//
// A termination is a proposal first: a reviewer or an admin proposes it with
// the reason (for staff), the reason in public words, the findings, and
// evidence; an admin who is not the proposer and is not related to the
// request approves it. Approving moves the request to terminated, fixes
// what it had paid out, and proposes the blacklist entries, all in the
// approving transaction. What touches the ledger and the refund service
// runs after the commit (FollowUp), and again from a job until done, each
// step idempotent by its key: the recovery receivable
// receivable:recovery:R → request:R (kind recovery_receivable, key
// termination:<id>:receivable) for what was paid out, and a refund run of
// everything refundable (key termination:<id>).
//
// Rule files here (this one, public.go) import no storage; SQL is in
// store.go, use cases in service*.go.
package termination

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/staff"
)

// Message keys of the errors this package returns (catalog_termination.go).
const (
	KeyInvalid       = "termination.invalid"         // Invalid, with field errors
	KeyText          = "termination.text"            // field: required, at most Args[0] characters
	KeyFinding       = "termination.finding"         // field "findings": none, or unknown
	KeyDate          = "termination.date"            // field "referred_on": not a date, or in the future
	KeyNotFound      = "termination.not_found"       // NotFound: no such termination, referral or document
	KeyRequest       = "termination.request"         // NotFound: no such request
	KeyNotSuspend    = "termination.not_suspendable" // Conflict: the request is not in a published state
	KeyNotSuspended  = "termination.not_suspended"   // Conflict: resume or terminate a request not suspended
	KeyPending       = "termination.pending"         // Conflict: a termination is already proposed or done
	KeyNotTerminated = "termination.not_terminated"  // Conflict: referral or evidence of a termination not approved
	KeyRole          = "termination.role"            // Forbidden: the staff member's role may not do this
	KeyRelated       = "termination.related"         // Forbidden: related to the request (R-REV-3, R-STAFF-1)
	KeyDecided       = "termination.decided"         // Conflict: evidence added to a rejected proposal
)

// Limits on the texts, in characters.
const (
	MaxNotice   = 500
	MaxReason   = 1000
	MaxStation  = 200
	MaxCase     = 100
	MaxOfficer  = 200
	MaxDocument = 20 // documents per termination
)

// SuspendRoles may suspend and resume a request: reviewers, who patrol
// published requests (R-REV-4), and admins.
var SuspendRoles = []staff.Role{staff.Reviewer, staff.Admin}

// ReferralRoles may record a police referral and add evidence.
var ReferralRoles = []staff.Role{staff.Reviewer, staff.Admin}

// Suspendable reports whether a request in state st may be suspended: it is
// published (campaign's life cycle allows Suspend from it).
func Suspendable(st campaign.State) bool {
	_, err := campaign.Transition(st, campaign.Suspend)
	return err == nil
}

// Finding is what the investigation established (R-REF-2).
type Finding string

// The findings.
const (
	Fabrication      Finding = "fabrication"      // the illness, costs or material were made up
	Concealment      Finding = "concealment"      // assets, insurance or other aid were hidden
	Misappropriation Finding = "misappropriation" // money raised was used for something else
	Duplicate        Finding = "duplicate"        // the same need raised twice, here or elsewhere
	Other            Finding = "other"
)

// Findings lists every finding, in the order forms offer them.
var Findings = []Finding{Fabrication, Concealment, Misappropriation, Duplicate, Other}

// NameKey is the i18n key of the finding's name.
func (f Finding) NameKey() string { return "termination.finding." + string(f) }

// Suspension is one suspension of a request.
type Suspension struct {
	ID          int64
	RequestID   int64
	Notice      string // public, shown on the request page while it lasts
	Reason      string // for staff
	SuspendedBy int64
	SuspendedAt time.Time
	ResumedBy   int64     // 0 while open
	ResumedAt   time.Time // zero while open
	ResumeNote  string    // public
}

// Open reports whether the suspension still holds.
func (s Suspension) Open() bool { return s.ResumedAt.IsZero() }

// SuspendInput is what staff give to suspend a request.
type SuspendInput struct {
	RequestID int64
	Notice    string // the public notice
	Reason    string // for staff: what was reported, what is checked
}

// Proposal is what staff give to propose a termination.
type Proposal struct {
	RequestID    int64
	Reason       string    // for staff
	PublicReason string    // in public words, shown on the request page
	Findings     []Finding // at least one
	// PatientInvolved says the findings are also the patient's: the
	// blacklist proposal then names the patient too.
	PatientInvolved bool
}

// Status is where a termination stands: its proposal's status.
type Status string

// The statuses.
const (
	Proposed   Status = "proposed"
	Rejected   Status = "rejected"
	Terminated Status = "terminated"
)

// Termination is one proposal to terminate a request and, once approved,
// the termination.
type Termination struct {
	ID              int64
	RequestID       int64
	ProposalID      int64
	Status          Status
	Reason          string
	PublicReason    string
	Findings        []Finding
	PatientInvolved bool
	ProposedBy      int64
	ProposedAt      time.Time
	ApprovedBy      int64
	TerminatedAt    time.Time
	// PaidOut is what the request had paid out when it was terminated:
	// the recovery receivable.
	PaidOut money.Fen
	// ReceivableEntry is the receivable's ledger entry, 0 until posted (or
	// when nothing was paid out); RefundRun is the refund run's reference,
	// "" until started.
	ReceivableEntry int64
	RefundRun       string
	FollowedUp      bool
}

// Recovery is how much of a termination's receivable came back.
type Recovery struct {
	Receivable  money.Fen // posted: what was paid out
	Outstanding money.Fen // the balance of receivable:recovery:R
	Recovered   money.Fen // Receivable - Outstanding
}

// RecoveryOf returns the recovery figures from the receivable posted and
// the receivable account's balance now.
func RecoveryOf(receivable, outstanding money.Fen) Recovery {
	return Recovery{Receivable: receivable, Outstanding: outstanding, Recovered: receivable - outstanding}
}

// Referral is one police referral (R-REF-2).
type Referral struct {
	ID            int64
	TerminationID int64
	Station       string
	ReferredOn    string // YYYY-MM-DD
	CaseNumber    string
	OfficerMasked string // officer's name and contact, masked
	AddedBy       int64
	AddedAt       time.Time
	Documents     []Document
}

// ReferralInput is what staff give to record a referral. Officer is the
// officer's name and contact: personal data, sealed.
type ReferralInput struct {
	TerminationID int64
	Station       string
	ReferredOn    string
	CaseNumber    string
	Officer       string
}

// Document is one evidence or referral document, without its content.
type Document struct {
	ID            int64
	TerminationID int64
	ReferralID    int64 // 0 for evidence
	ContentType   string
	Size          int
	AddedBy       int64
	AddedAt       time.Time
}

// ReceivableKey is the ledger key of termination id's recovery receivable.
func ReceivableKey(id int64) string {
	return "termination:" + strconv.FormatInt(id, 10) + ":receivable"
}

// RefundKey is the idempotency key of termination id's refund run.
func RefundKey(id int64) string { return "termination:" + strconv.FormatInt(id, 10) }

// ReceivableAccount is request id's recovery receivable account.
func ReceivableAccount(id int64) string { return "receivable:recovery:" + strconv.FormatInt(id, 10) }

// RequestAccount is request id's ledger account.
func RequestAccount(id int64) string { return "request:" + strconv.FormatInt(id, 10) }

// KindReceivable is the ledger kind of the recovery receivable entry.
const KindReceivable = "recovery_receivable"

// fields collects field errors.
type fields struct{ errs []apperr.FieldError }

func (f *fields) text(field, s string, limit int) string {
	s = strings.TrimSpace(s)
	if s == "" || utf8.RuneCountInString(s) > limit || !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		f.errs = append(f.errs, apperr.FieldError{Field: field, Key: KeyText, Args: []any{limit}})
	}
	return s
}

func (f *fields) err() error {
	if len(f.errs) == 0 {
		return nil
	}
	return &apperr.Error{Code: apperr.Invalid, Key: KeyInvalid, Fields: f.errs}
}

// CheckSuspend trims and checks a suspension: a notice and a reason, each
// within its limit. It returns apperr.Invalid with a field error on
// "notice" or "reason".
func CheckSuspend(in SuspendInput) (SuspendInput, error) {
	var f fields
	in.Notice = f.text("notice", in.Notice, MaxNotice)
	in.Reason = f.text("reason", in.Reason, MaxReason)
	return in, f.err()
}

// CheckNote trims and checks the public note that resumes a request: field
// "note".
func CheckNote(note string) (string, error) {
	var f fields
	note = f.text("note", note, MaxNotice)
	return note, f.err()
}

// CheckProposal trims and checks a termination proposal: a reason, a public
// reason, and at least one known finding, each once. It returns
// apperr.Invalid with field errors on "reason", "public_reason" and
// "findings".
func CheckProposal(p Proposal) (Proposal, error) {
	var f fields
	p.Reason = f.text("reason", p.Reason, MaxReason)
	p.PublicReason = f.text("public_reason", p.PublicReason, MaxNotice)
	var got []Finding
	bad := len(p.Findings) == 0
	for _, x := range p.Findings {
		if !slices.Contains(Findings, x) {
			bad = true
		} else if !slices.Contains(got, x) {
			got = append(got, x)
		}
	}
	if bad {
		f.errs = append(f.errs, apperr.FieldError{Field: "findings", Key: KeyFinding})
	}
	slices.SortFunc(got, func(a, b Finding) int { return slices.Index(Findings, a) - slices.Index(Findings, b) })
	p.Findings = got
	return p, f.err()
}

// CheckReferral trims and checks a referral: station, date (YYYY-MM-DD, not
// after today's date in today's zone), case number and officer. It returns apperr.Invalid
// with field errors named as the input's fields in snake case.
func CheckReferral(in ReferralInput, today time.Time) (ReferralInput, error) {
	var f fields
	in.Station = f.text("station", in.Station, MaxStation)
	in.CaseNumber = f.text("case_number", in.CaseNumber, MaxCase)
	in.Officer = f.text("officer", in.Officer, MaxOfficer)
	in.ReferredOn = strings.TrimSpace(in.ReferredOn)
	_, err := time.Parse(time.DateOnly, in.ReferredOn)
	if err != nil || in.ReferredOn > today.Format(time.DateOnly) {
		f.errs = append(f.errs, apperr.FieldError{Field: "referred_on", Key: KeyDate})
	}
	return in, f.err()
}

// MaskOfficer masks an officer's name and contact for lists: the first
// character and the last four, the rest as asterisks ("张***********5678").
func MaskOfficer(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= 5 {
		return strings.Repeat("*", max(len(r), 1))
	}
	return string(r[0]) + strings.Repeat("*", len(r)-5) + string(r[len(r)-4:])
}

// joinFindings and splitFindings store findings as a comma list.
func joinFindings(fs []Finding) string {
	ss := make([]string, len(fs))
	for i, f := range fs {
		ss[i] = string(f)
	}
	return strings.Join(ss, ",")
}

func splitFindings(s string) []Finding {
	var out []Finding
	for _, x := range strings.Split(s, ",") {
		if x != "" {
			out = append(out, Finding(x))
		}
	}
	return out
}

// campaignZone is China's time: a referral's date is a date there.
var campaignZone = time.FixedZone("CST", 8*3600)
