package reconcile

import (
	"strconv"
	"strings"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/bank/iso20022"
	"github.com/carefund/carefund/internal/money"
)

// Lines the platform did not send. Besides the settlements and the
// platform's own transfers (custody:<reference>), a custody statement
// brings money nobody at the platform instructed: the bank's interest,
// and money clawed back after fraud. Each such line is posted under its
// own key, statement:<line key>, exactly once however often the statement
// is imported:
//
//   - interest (a credit with ISO's interest code, iso20022.Entry.Interest):
//     bank:custody → charity:payable, kind interest, at import (R-CHAR-1:
//     the custody account's interest is not the platform's, R-FIN-1);
//   - a recovery (R-REF-2): bank:custody → receivable:recovery:R, kind
//     recovery, never more than is outstanding; at import when the line's
//     remittance carries the request's recovery reference (CFRC<R>),
//     otherwise when a finance officer matches the line's difference to
//     the request (MatchRecovery). The money recovered is then handed to
//     the refund service (Refunder) to go back to the request's donors.

// StatementKeyPrefix begins the ledger key of a statement line posted
// under its own key.
const StatementKeyPrefix = "statement:"

// LineKey identifies a statement line across statements: the bank's own
// reference of the booking (AcctSvcrRef), unique at the bank, or, when the
// bank gives none, the booking date and the line's reference within its
// statement.
func LineKey(e iso20022.Entry) string {
	if e.BankReference != "" {
		return e.BankReference
	}
	return e.BookingDate.Format("20060102") + "/" + e.Reference
}

// StatementKey is the ledger key of a line posted under its own key.
func StatementKey(e iso20022.Entry) string { return StatementKeyPrefix + LineKey(e) }

// RecoveryPrefix begins the reference a payer of a recovery is asked to
// write in the remittance information: CFRC<request id>.
const RecoveryPrefix = "CFRC"

// RecoveryReference is the reference for recoveries of request id.
func RecoveryReference(requestID int64) string {
	return RecoveryPrefix + strconv.FormatInt(requestID, 10)
}

// ParseRecovery finds a recovery reference in a line's remittance
// information and returns its request, or ok false. The reference must
// stand alone: CFRC12 in "退款 CFRC12" names request 12; CFRC12X or
// XCFRC12 name nothing; two different references name nothing.
func ParseRecovery(remittance string) (int64, bool) {
	var found int64
	for _, w := range strings.FieldsFunc(remittance, func(r rune) bool {
		return r == ' ' || r == '/' || r == ',' || r == ';' || r == ':' || r == '，' || r == '　' || r == '\t'
	}) {
		digits, ok := strings.CutPrefix(strings.ToUpper(w), RecoveryPrefix)
		if !ok || digits == "" || len(digits) > 18 || digits[0] == '0' {
			continue
		}
		id, err := strconv.ParseInt(digits, 10, 64)
		if err != nil || id <= 0 {
			continue
		}
		if found != 0 && found != id {
			return 0, false
		}
		found = id
	}
	return found, found != 0
}

// Recoverable reports whether a line may be a recovery: a credit that is
// not a reversal, nor interest.
func Recoverable(e iso20022.Entry) bool {
	return e.Direction == iso20022.Credit && !e.Reversal && !e.Interest()
}

// CheckRecovery returns why amount cannot be recovered against
// outstanding, the receivable's balance, or nil.
func CheckRecovery(amount, outstanding money.Fen) error {
	switch {
	case outstanding <= 0:
		return ErrNothingOutstanding
	case amount <= 0:
		return ErrNotACredit
	case amount > outstanding:
		return ErrOverRecovery
	}
	return nil
}

// The errors of recoveries.
var (
	// ErrNothingOutstanding: the request has no recovery receivable
	// outstanding.
	ErrNothingOutstanding = apperr.New(apperr.Conflict, "reconcile.recovery_nothing_outstanding")
	// ErrOverRecovery: the line is more than the request's outstanding
	// receivable; it is not matched, and stays a difference to resolve.
	ErrOverRecovery = apperr.New(apperr.Conflict, "reconcile.recovery_exceeds")
	// ErrNotACredit: the difference is not an unknown credit line of a
	// statement.
	ErrNotACredit = apperr.New(apperr.Conflict, "reconcile.recovery_not_credit")
)

// RefundRun is what the refund service is asked to do with money
// recovered: refund it to the request's donors (refund.CauseRecovery).
type RefundRun struct {
	RequestID int64
	Amount    money.Fen
	// Key is the run's idempotency key, recovery:<entry id>: asking
	// again returns the first run.
	Key   string
	Actor string
}

// RecoveryKey is the refund run's key of the recovery entry entryID.
func RecoveryKey(entryID int64) string { return "recovery:" + strconv.FormatInt(entryID, 10) }
