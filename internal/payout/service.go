package payout

import (
	"context"
	"time"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// Service holds the use cases of payouts, one transaction each (the
// second approval and the bank's outcomes: one ledger entry each, whose
// After hook moves the payout in the entry's transaction).
//
// Publisher side: Options, Apply, Answer, Mine, Get, PostUsage. Staff side
// (finance officers, every action and every unmasked view audited): Queue,
// View, RevealAccount, Claim, AskMore, Reject, Approve. Bank side (the
// execution job): Ready, Sending, Settle. Public side: Public.
type Service struct {
	DB        *store.DB
	Ledger    *ledger.Ledger
	Vault     *vault.Vault
	Campaigns campaign.Store
	Materials material.Store
	// Hospitals is the verified hospital directory; nil means no hospital
	// can be paid (every hospital payee is refused as unlisted).
	Hospitals Hospitals
	// Calendar counts the working days of R-DISB-1.
	Calendar Calendar
	// Now is the clock of the rules that compare with the present (the
	// queue's clocks, overdue usage updates); time.Now when nil. Writes
	// stamp rows with the transaction's time.
	Now func() time.Time
}

// Hospitals is what payout needs of the hospital directory. Only verified
// (four-eyes approved, active) hospitals are returned; an unknown or
// inactive id is an apperr NotFound or Invalid.
type Hospitals interface {
	Hospital(ctx context.Context, tx *store.Tx, id int64) (Hospital, error)
	List(ctx context.Context, tx *store.Tx) ([]Hospital, error)
}

// Hospital is a verified directory entry. Account is the plain account
// number, used only for the bank's instruction; everything shown masks it.
type Hospital struct {
	ID                                  int64
	Name, CreditCode, BankName, Account string
	// Vouchers are the staff who proposed or approved the entry: they take
	// no step on a payout to it (R-REF-3, see Hands).
	Vouchers []int64
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// write runs fn in a transaction that first appends rec (as review does:
// the action and its record commit together).
func (s *Service) write(ctx context.Context, rec audit.Record, fn func(tx *store.Tx) error) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		if _, err := audit.Append(ctx, tx, rec); err != nil {
			return err
		}
		return fn(tx)
	})
}

// Application is what a publisher files to be paid.
type Application struct {
	RequestID int64
	// Key is the client's idempotency key: the same key with the same
	// content returns the first payout; with other content it is
	// apperr.Conflict KeyKeyReused.
	Key     string
	Amount  money.Fen
	Purpose string
	Payee   PayeeKind
	// PayeeName is the account holder's name for a guardian or relative;
	// the requester's own account is in the patient's name as filed, and a
	// hospital's in its directory name, whatever is sent here.
	PayeeName    string
	Relationship campaign.Relationship
	// DesignatedBy is who the applicant says designated the account. It
	// counts only when the signed-in applicant is that person: the
	// requester, or the guardian filing with the guardianship proof; the
	// publisher's word alone designates nothing (R-DISB-2).
	DesignatedBy  Designator
	BankName      string
	AccountNumber string
	HospitalID    int64
	// Materials are ids of the request's materials: relationship or
	// guardianship proof, the batch's medical plan / expense list.
	Materials []int64
	// Batch marks a payout to a person in HospitalOrBatches mode (R-DISB-3).
	Batch bool
}

// Limits of the texts, in characters.
const (
	MaxPurpose   = 500
	MaxBankName  = 100
	MaxPayeeName = 50
	MaxText      = 2000
	MaxKey       = 100
)

// Payout is an application as its publisher, and staff, see it. It never
// holds the account number, only its mask.
type Payout struct {
	ID, RequestID, ApplicantUserID int64
	State                          State
	Mode                           Mode
	Amount                         money.Fen
	Purpose                        string
	Payee                          PayeeKind
	Relationship                   campaign.Relationship
	DesignatedBy                   Designator
	HospitalID                     int64
	HospitalName                   string
	BankName                       string
	AccountMasked                  string
	Batch                          bool
	// Question is the officer's last request for more; Reason the reason
	// of a rejection or of the bank's refusal.
	Question, Reason string
	Materials        []int64
	TransferID       string
	// Clocks are the instants of R-DISB-1; ReviewDue and PaymentDue are
	// when the running clock ends (zero when none runs).
	Clocks                Clocks
	ReviewDue, PaymentDue time.Time
	CreatedAt             time.Time
	PaidAt                time.Time
	FailedAt, ReturnedAt  time.Time
	// UsageDue is when the usage update is due (R-DISB-4), zero unless paid.
	UsageDue time.Time
	Usage    []UsageUpdate
	// Claimant and FirstApprover are staff ids, 0 when none.
	Claimant, FirstApprover, SecondApprover int64
}

// Usage is a usage update the publisher posts after a payout (R-DISB-4).
type Usage struct {
	Text     string
	Receipts []int64 // material ids of the request: receipts, invoices
}

// UsageUpdate is a posted usage update; it is public.
type UsageUpdate struct {
	ID       int64
	Text     string
	Receipts int // how many receipts back it; the files stay private
	At       time.Time
}

// HospitalChoice is a directory hospital as the form offers it: no
// account number, only its mask.
type HospitalChoice struct {
	ID            int64
	Name          string
	BankName      string
	AccountMasked string
}

// Options is what the applicant sees before applying.
type Options struct {
	RequestID int64
	Raised    money.Fen // donations received, the figure of R-DISB-3
	// Held is the request's balance; InProgress the open applications not
	// yet approved; Available what may still be applied for.
	Held, InProgress, Available money.Fen
	Mode                        ModeDecision
	PayeeKinds                  []PayeeKind
	Hospitals                   []HospitalChoice
	// UsageOverdue lists the paid payouts whose usage update is overdue:
	// while any is, Apply is refused (R-DISB-4).
	UsageOverdue []int64
	// Blocked is why Apply would be refused whatever is filled in (an
	// overdue usage update, a request that cannot pay out), or nil.
	Blocked error
}

// Flag is a warning on an application for the finance officer.
type Flag struct {
	Kind string // FlagSharedAccount
	// Requests are the other requests concerned.
	Requests []int64
}

// FlagSharedAccount: the payee account was applied for by another,
// unrelated request (R-REF-3).
const FlagSharedAccount = "shared_account"

// QueueRow is one application in the finance queue.
type QueueRow struct {
	Payout
	// Clock is the R-DISB-1 clock running past its due time, or NoClock;
	// Due is when it was due.
	Clock Clock
	Due   time.Time
	Flags []Flag
}

// Queue is the finance officers' work: the open and approved applications,
// overdue ones first, and how many are in each state.
type Queue struct {
	Rows   []QueueRow
	Counts map[State]int
}

// EventRecord is one move of a payout.
type EventRecord struct {
	From, To State
	Event    Event
	Actor    string
	Text     string
	At       time.Time
}

// View is one application as a finance officer sees it: masked.
type View struct {
	Payout
	RequestTitle string
	Flags        []Flag
	Clock        Clock
	Due          time.Time
	Events       []EventRecord
	// ModeNow is the mode as it would be decided now.
	ModeNow ModeDecision
}

// Instruction is what the bank adapter needs to execute one payout.
type Instruction struct {
	PayoutID   int64
	TransferID string
	Amount     money.Fen
	PayeeName  string
	BankName   string
	Account    string // plain: only for the bank's instruction
}

// Outcome is what the custody bank reports of a transfer.
type Outcome struct {
	Status Status
	Reason string
	At     time.Time
}

// PublicPayout is a payout as the request's public page shows it: never
// an account number or a person's name (R-DISB-2, R-PII-1).
type PublicPayout struct {
	ID     int64
	Date   time.Time
	Amount money.Fen
	State  State
	// ToKey is the i18n key of who was paid ("to the patient's own
	// account"); Hospital the hospital's name for a hospital payee.
	ToKey    string
	Hospital string
	// Payee is the kind of payee, for the API.
	Payee PayeeKind
	// ExpenseList is the published summary of the batch's expense list or
	// medical plan.
	ExpenseList []string
	Usage       []UsageUpdate
}
