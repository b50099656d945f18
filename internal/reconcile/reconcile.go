// Package reconcile holds the custody ledger to the outside world's account
// of the same money (R-FUND-1, R-FUND-4): it posts the payment providers'
// settlements into custody, and reconciles three ways, the ledger's
// bank:custody entries against the custody bank's statement, and the
// provider's settlement file against both.
//
// # References
//
// Every ledger entry that touches bank:custody has the key
// custody:<reference>, where reference is what the statement line carries
// as end-to-end id: a payout's transfer id (custody:<transfer>, custody
// credited), its return by the payee's bank (custody:<transfer>:return,
// custody debited, a reversal credit line on the statement), a provider's
// settlement (custody:<settlement ref>, custody debited). That convention
// is the whole join: a statement line finds its entry by key.
//
// # Differences
//
// Nothing is absorbed. Every difference is stored and stays open until a
// finance officer resolves it with a reason; where money has to move, the
// resolution posts a correcting ledger entry, never an edit. The kinds:
//
//   - missing: in the ledger, not on the statement, posted in the period
//     and before its cut-off;
//   - in_transit_overdue: in the ledger, not on the statement, posted after
//     the previous period's cut-off (in transit then) and still not booked;
//   - extra: on the statement (or in the settlement file), not in the
//     ledger;
//   - duplicate: two statement lines for one reference, or a second,
//     different settlement file for one reference;
//   - amount_mismatch: both sides know the reference, with other amounts.
//
// An entry posted within the cut-off before the period's end is in
// transit: counted, not a difference, and expected on the next statement.
package reconcile

import (
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
)

// Kind is the kind of a difference.
type Kind string

// The kinds of difference (see the package documentation).
const (
	Missing          Kind = "missing"
	Extra            Kind = "extra"
	Duplicate        Kind = "duplicate"
	AmountMismatch   Kind = "amount_mismatch"
	InTransitOverdue Kind = "in_transit_overdue"
)

// Kinds lists every kind, in the order reports show them.
var Kinds = []Kind{Missing, Extra, Duplicate, AmountMismatch, InTransitOverdue}

// Source says which outside account of the money disagrees with the
// ledger: the bank's statement or the provider's settlement file.
type Source string

// The sources of a difference.
const (
	FromStatement  Source = "statement"
	FromSettlement Source = "settlement"
)

// SettlementFile is a provider's settlement of one day, as read from its
// file: the sandbox's (payment.ParseSandboxSettlement) or WeChat Pay's
// bills (wechatpay.Settlement).
type SettlementFile = payment.Settlement

// Difference is one disagreement between the ledger and an outside
// account of the money.
type Difference struct {
	ID int64
	// RunID is the run that found it; 0 for a settlement file set aside
	// by Settle.
	RunID  int64
	Kind   Kind
	Source Source
	// Reference is the line's or entry's reference: the end-to-end id, the
	// settlement reference, or the provider's transaction id.
	Reference string
	// Ledger is the ledger's amount (signed, as it moved bank:custody, or
	// the donation's amount), Other the statement's or settlement's; each
	// nil when that side has nothing.
	Ledger, Other *money.Fen
	Detail        string
	// LineKey is the statement line's key (LineKey) when the difference
	// is about one line of a statement; a credit nobody expected can be
	// matched to a recovery under it (MatchRecovery).
	LineKey   string
	CreatedAt time.Time
	// Resolved is set once a finance officer has resolved it.
	Resolved *Resolution
}

// Open reports whether the difference is still to be resolved.
func (d Difference) Open() bool { return d.Resolved == nil }

// Resolution is how a difference was closed.
type Resolution struct {
	By     int64 // the finance officer's staff id
	At     time.Time
	Reason string
	// Correction is the correcting ledger entry posted with it, or 0.
	Correction int64
}

// Run is one statement reconciled.
type Run struct {
	ID          int64
	StatementID string
	FileHash    string
	// Account is the statement's account, masked.
	Account string
	// From and To are the dates the run covers, bank dates at midnight
	// UTC.
	From, To time.Time
	// Opening and Closing are the statement's balances; nil for a CSV
	// statement, which has none.
	Opening, Closing *money.Fen
	// LedgerAtEnd is bank:custody in the ledger at the end of the period,
	// InTransit the sum of the entries in transit then: with no open
	// difference, Closing = LedgerAtEnd − InTransit.
	LedgerAtEnd    money.Fen
	InTransit      money.Fen
	Lines          int
	Matched        int
	InTransitCount int
	Differences    int
	SettlementRef  string
	Actor          string
	CreatedAt      time.Time
	// Replayed is true when Import found the statement already imported:
	// nothing new was done, and this is the first import's run.
	Replayed bool
}

// The errors of this package, checked with errors.Is.
var (
	// ErrWrongAccount: the statement is of another account than custody;
	// the whole statement is refused.
	ErrWrongAccount = apperr.New(apperr.Invalid, "reconcile.wrong_account")
	// ErrStatementConflict: a statement with this id was imported from
	// another file; refused and recorded.
	ErrStatementConflict = apperr.New(apperr.Conflict, "reconcile.statement_conflict")
	// ErrNoFileHash: the caller must identify the file it read.
	ErrNoFileHash = apperr.New(apperr.Invalid, "reconcile.file_hash_required")
	// ErrNotFinance: only a finance officer resolves a difference.
	ErrNotFinance = apperr.New(apperr.Forbidden, "reconcile.not_finance")
	// ErrReasonRequired: a resolution needs a reason, 1 to MaxReason
	// characters.
	ErrReasonRequired = apperr.New(apperr.Invalid, "reconcile.reason_required")
	// ErrNotFound: no such difference.
	ErrNotFound = apperr.New(apperr.NotFound, "reconcile.difference_not_found")
	// ErrNotOpen: no such difference, or it is resolved already.
	ErrNotOpen = apperr.New(apperr.Conflict, "reconcile.difference_not_open")
	// ErrSettlementQuarantined: a settlement file with a reference already
	// posted and other content; it is stored, never posted, and opens a
	// difference.
	ErrSettlementQuarantined = apperr.New(apperr.Conflict, "reconcile.settlement_quarantined")
)

// MaxReason bounds a resolution's reason, in bytes.
const MaxReason = 1000

// DefaultCutOff is how long before a period's end an entry may be posted
// and still be in transit rather than missing: the custody bank's
// same-day cut-off, 16:00 in China, eight hours before midnight.
const DefaultCutOff = 8 * time.Hour

// Lookback is how far before a period's start the ledger is searched for
// a statement line's entry: a line booked late still finds its entry.
const Lookback = 40 * 24 * time.Hour
