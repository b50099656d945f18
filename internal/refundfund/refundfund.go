// Package refundfund funds refunds from custody (R-FUND-2, R-DON-2, see
// docs/decisions/0020-refund-funding.md). A payment provider pays refunds
// out of its balance for us, which is what its payments brought in and it
// has not yet settled into custody. A refund run long after the money was
// settled (a scandal's, a termination's) finds that balance short, and
// the provider refuses the refund (WeChat Pay's NOT_ENOUGH): the refund
// waits. Like a merchant topping up its WeChat Pay balance from its bank
// account (充值), the platform then pays the shortfall from the custody
// account to the provider's settlement account, through the custody
// bank's outbox (transfer CFRT<id>); when the bank reports it paid, the
// ledger posts psp:<provider> ← bank:custody, kind refund, key
// custody:CFRT<id>, and the refunds go out. What the top-up leaves unused
// comes back into custody with the provider's settlement of the day (its
// Funding), so psp:<provider> is square again after the day's settlement.
//
// Four eyes are not required: a top-up only moves money the refund runs
// already decided to give back (each run was decided and ledgered on its
// own terms, to payable:refund:<run>) to where the refunds are paid from,
// never more than the refunds due, in whole yuan; it is audited and shown
// on the console's bank page.
package refundfund

import (
	"strconv"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
)

// TransferPrefix begins the custody bank transfer id of every top-up:
// CFRT<id>.
const TransferPrefix = "CFRT"

// BankTransferID is the custody bank transfer id of top-up id.
func BankTransferID(id int64) string { return TransferPrefix + strconv.FormatInt(id, 10) }

// ParseBankTransferID returns the top-up a transfer id names.
func ParseBankTransferID(s string) (int64, bool) {
	rest, ok := strings.CutPrefix(s, TransferPrefix)
	if !ok || rest == "" || rest[0] == '0' {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil && id > 0 && strconv.FormatInt(id, 10) == rest
}

// State is where a top-up stands.
type State string

// The states of a top-up.
const (
	Planned  State = "planned"  // decided; not yet in the bank's outbox
	Sending  State = "sending"  // in the outbox; the bank's outcome follows
	Paid     State = "paid"     // paid by the bank, posted to the ledger
	Rejected State = "rejected" // refused by the bank; nothing moved
)

// Funding is one top-up of a provider's balance from custody.
type Funding struct {
	ID       int64
	Provider string
	Amount   money.Fen
	// Due and Balance are what the refunds due through the provider added
	// up to, and what it held for us, when the top-up was decided.
	Due, Balance money.Fen
	State        State
	TransferID   string
	EntryID      int64
	Reason       string
	CreatedAt    time.Time
	SentAt       time.Time
	EndedAt      time.Time
	// CreditedAt is when the provider was told of the money (zero until
	// then).
	CreditedAt time.Time
}

// Shortfall is the top-up refunds due need: what they add up to less what
// the provider holds for us and the top-ups already on their way, rounded
// up to the whole yuan (what a merchant tops up; the rest comes back in
// the day's settlement); zero when nothing is short.
func Shortfall(due, balance, inFlight money.Fen) money.Fen {
	short := due - balance - inFlight
	if short <= 0 {
		return 0
	}
	return (short + 99) / 100 * 100
}

// Step is what a bank outcome does to a top-up.
type Step int

// The steps.
const (
	StepNone   Step = iota // nothing new
	StepPay                // post the top-up; paid
	StepReject             // rejected; nothing moved
	StepRefuse             // contradicts the record: never applied
)

// Decide returns what bank outcome status does to a top-up in state s. A
// top-up still planned may have reached the outbox before a crash kept it
// from being marked sending: its outcome applies as a sending one's. A
// return of a paid top-up is refused (kept for finance, never applied): a
// provider's settlement account does not send money back by the bank's
// return route.
func Decide(s State, status string) Step {
	switch {
	case status == "paid" && (s == Sending || s == Planned):
		return StepPay
	case status == "paid" && s == Paid:
		return StepNone
	case status == "rejected" && (s == Sending || s == Planned):
		return StepReject
	case status == "rejected" && s == Rejected:
		return StepNone
	case status == "pending":
		return StepNone
	}
	return StepRefuse
}

// The errors of this package.
var (
	// ErrUnknownTransfer: no top-up was sent under the transfer id.
	ErrUnknownTransfer = apperr.New(apperr.NotFound, "refundfund.unknown_transfer")
	// ErrState: the outcome contradicts what was recorded.
	ErrState = apperr.New(apperr.Conflict, "refundfund.state")
)
