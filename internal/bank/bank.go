// Package bank speaks to the custody bank (R-FUND-1): it hands it payout
// transfers, reads back what became of them, and fetches the custody
// account's statements. Bank is the interface, as payment.Provider is for
// payment providers; Sandbox (the default) simulates a bank with a real
// bank's habits, and Files connects to a real one the way banks are
// connected, through ISO 20022 files in shared folders.
//
// Service is the platform's side: an outbox of transfers (bank_transfers)
// that makes sending exactly-once however often the server is killed, the
// cursor and the outcomes read from the bank, and the record of the custody
// account itself with its changes reported to the ministry (R-FUND-3).
//
// The sandbox's habits are fixed by the last two digits of a transfer's
// amount in fen, so a tester chooses the outcome by the amount (see
// Behaviour and docs/decisions/0017-custody-bank.md):
//
//	…01  rejected: account closed (AC04)
//	…02  rejected: name does not match the account (BE01)
//	…03  paid, then returned by the payee's bank three working days later (退票)
//	…04  held past the cut-off: paid on the next working day
//	else paid the same working day if sent before the 16:00 cut-off, the next otherwise
package bank

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/bank/iso20022"
	"github.com/carefund/carefund/internal/money"
)

// Transfer is one payment from the custody account.
type Transfer struct {
	// ID is the end-to-end id, e.g. "CFPO12A1": the bank refuses a second
	// transfer with an ID it has seen (it answers with the first's
	// status), which is what makes resending safe.
	ID     string
	Amount money.Fen
	// Payee is the account paid: its holder's name, account and bank.
	// Personal data: sealed at rest, masked everywhere (R-PII-1).
	Payee iso20022.Party
	// Remittance is what the payee sees on their statement.
	Remittance string
}

// Status is what became of a transfer at the bank.
type Status string

// The statuses a bank reports. Paid and Rejected end a transfer unless it
// is later Returned: the payee's bank sent the money back (退票).
const (
	Pending  Status = "pending"
	Paid     Status = "paid"
	Rejected Status = "rejected"
	Returned Status = "returned"
)

// Valid reports whether s is one of the four statuses.
func (s Status) Valid() bool {
	return s == Pending || s == Paid || s == Rejected || s == Returned
}

// Outcome is a change of a transfer's status at the bank.
type Outcome struct {
	TransferID string
	Status     Status
	// Reason is the bank's reason code for a rejection or a return (ISO's
	// AC04 "account closed", BE01 "name mismatch", …).
	Reason string
	At     time.Time
	// Seq orders the outcomes of one bank.
	Seq int64
}

// Credit is money arriving in the custody account from outside: a payment
// provider's settlement, interest.
type Credit struct {
	// Reference is the booking's end-to-end id, e.g. the settlement
	// reference "CFST-sandbox-20261207"; one reference books once.
	Reference string
	Amount    money.Fen
	// From names the payer, as the statement shows it.
	From       string
	Remittance string
}

// Bank is a custody bank.
type Bank interface {
	// Name names the bank in the outbox and the logs: "sandbox", "files".
	Name() string
	// Send hands transfers to the bank; re-sending an ID already received
	// changes nothing. A nil error means the bank has them durably.
	Send(ctx context.Context, ts []Transfer) error
	// Outcomes returns status changes after cursor ("" for the first
	// call), in order, and the new cursor. Passing the new cursor back
	// acknowledges everything before it.
	Outcomes(ctx context.Context, after string) ([]Outcome, string, error)
	// Statement returns the custody account's statement of one day (the
	// calendar date of day in China Standard Time); apperr.NotFound when
	// the bank has none for that day yet.
	Statement(ctx context.Context, day time.Time) (iso20022.Statement, error)
	// Credit books money arriving in custody, so that the statements
	// show it. Only a simulated bank can: a real one returns
	// ErrUnsupported.
	Credit(ctx context.Context, c Credit) error
}

// The errors of this package, checked with errors.Is.
var (
	// ErrUnsupported: the bank cannot do this (Credit on a real bank).
	ErrUnsupported = apperr.New(apperr.Invalid, "bank.unsupported")
	// ErrInvalid: a transfer that no bank would take (see CheckTransfer).
	ErrInvalid = apperr.New(apperr.Invalid, "bank.transfer_invalid")
	// ErrConflict: a transfer ID already recorded with other content; the
	// second copy is refused and logged, never sent.
	ErrConflict = apperr.New(apperr.Conflict, "bank.transfer_conflict")
	// ErrUnknownTransfer: an outcome for a transfer the platform never
	// submitted; it is stored quarantined and never applied.
	ErrUnknownTransfer = apperr.New(apperr.Conflict, "bank.transfer_unknown")
)

// Zone is China Standard Time, the bank's clock: cut-offs, working days
// and statement dates are in it.
var Zone = time.FixedZone("CST", 8*3600)

// Day returns the calendar date of t in the bank's zone, at midnight UTC,
// as the statement parsers read dates.
func Day(t time.Time) time.Time {
	y, m, d := t.In(Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// CheckTransfer reports what is wrong with a transfer, or nil: the checks
// WritePain001 applies, so that a transfer accepted into the outbox can
// always be written as a pain.001.
func CheckTransfer(t Transfer) error {
	b := iso20022.Batch{
		MessageID: "CHECK", Created: time.Unix(0, 0), ExecutionDate: time.Unix(0, 0),
		Debtor:    iso20022.Party{Name: "check", Account: iso20022.Account{ID: "1"}, Bank: iso20022.Agent{Name: "check"}},
		Transfers: []iso20022.Transfer{toISO(t)},
	}
	if err := iso20022.WritePain001(discard{}, b); err != nil {
		return fmt.Errorf("bank: transfer %.40q: %v: %w", t.ID, err, ErrInvalid)
	}
	return nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func toISO(t Transfer) iso20022.Transfer {
	return iso20022.Transfer{ID: t.ID, Amount: t.Amount, Creditor: t.Payee, Remittance: t.Remittance}
}

// Hash digests what a transfer says, so that a second copy under the same
// ID is recognised as the same transfer or as a conflicting one.
func Hash(t Transfer) string {
	h := sha256.New()
	for _, s := range []string{t.ID, strconv.FormatInt(int64(t.Amount), 10), t.Payee.Name,
		t.Payee.Account.IBAN, t.Payee.Account.ID, t.Payee.Bank.BIC, t.Payee.Bank.CNAPS, t.Payee.Bank.Name, t.Remittance} {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{0})
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))
}
