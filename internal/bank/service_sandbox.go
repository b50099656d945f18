package bank

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/bank/iso20022"
	"github.com/carefund/carefund/internal/payeeid"
	"github.com/carefund/carefund/internal/store"
)

// Sandbox is a simulated custody bank, the default: it executes transfers
// asynchronously with a real bank's habits (see HabitOf and Schedule) as
// its Clock passes, and keeps its own books in its own tables
// (sandbox_bank_*), so that a server killed at any moment never makes it
// pay a transfer twice, and its statements are the same whoever asks.
type Sandbox struct {
	DB    *store.DB
	Clock *Clock
	// Account is the custody account's number at the sandbox, as its
	// statements name it.
	Account iso20022.Account
}

// SandboxAccount is the custody account number the sandbox uses when none
// is set.
const SandboxAccount = "6216610000000000001"

// NewSandbox returns a sandbox bank on db with clock (the real time when
// nil).
func NewSandbox(db *store.DB, clock *Clock) *Sandbox {
	if clock == nil {
		clock = NewClock(time.Time{})
	}
	return &Sandbox{DB: db, Clock: clock, Account: iso20022.Account{ID: SandboxAccount}}
}

// Name returns "sandbox".
func (s *Sandbox) Name() string { return "sandbox" }

// Now returns the sandbox's time.
func (s *Sandbox) Now() time.Time { return s.Clock.Now() }

// Advance moves the sandbox's clock d ahead: transfers due in the meantime
// are executed when outcomes or statements are next asked for.
func (s *Sandbox) Advance(d time.Duration) { s.Clock.Advance(d) }

// Send records the transfers and schedules their outcomes; it pays
// nothing yet. A transfer whose ID the sandbox has seen is ignored, as a
// bank ignores a duplicate instruction: its first copy's outcomes stand.
// A transfer no bank would take is ErrInvalid, and nothing is recorded.
func (s *Sandbox) Send(ctx context.Context, ts []Transfer) error {
	for _, t := range ts {
		if err := CheckTransfer(t); err != nil {
			return err
		}
	}
	now := s.Now()
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		for _, t := range ts {
			if err := sandboxReceive(ctx, tx, t, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// book executes what has come due by the sandbox's clock.
func (s *Sandbox) book(ctx context.Context) error {
	now := s.Now()
	return s.DB.Write(ctx, func(tx *store.Tx) error { return sandboxBook(ctx, tx, now) })
}

// maxOutcomes bounds one answer of Outcomes; the caller asks again from
// the new cursor.
const maxOutcomes = 1000

// Outcomes returns the status changes numbered after the cursor, which is
// the decimal number of the last one read ("" or "0" for none).
func (s *Sandbox) Outcomes(ctx context.Context, after string) ([]Outcome, string, error) {
	seq, err := parseCursor(after)
	if err != nil {
		return nil, after, err
	}
	if err := s.book(ctx); err != nil {
		return nil, after, err
	}
	var out []Outcome
	err = s.DB.Read(ctx, func(tx *store.Tx) error {
		out, err = sandboxOutcomes(ctx, tx, seq, maxOutcomes)
		return err
	})
	if err != nil || len(out) == 0 {
		return nil, after, err
	}
	return out, strconv.FormatInt(out[len(out)-1].Seq, 10), nil
}

func parseCursor(after string) (int64, error) {
	if after == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(after, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bank: cursor %.40q is not a sequence number: %w", after, ErrInvalid)
	}
	return n, nil
}

// Statement returns the custody account's statement of day: the opening
// balance, one line per booking of that day (a payout paid as a debit
// carrying its transfer ID as end-to-end id, a return as a reversal
// credit, a Credit as a credit), and the closing balance. A day not yet
// over by the sandbox's clock has no statement yet (apperr.NotFound).
func (s *Sandbox) Statement(ctx context.Context, day time.Time) (iso20022.Statement, error) {
	d := Day(day)
	if !d.Before(Day(s.Now())) {
		return iso20022.Statement{}, apperr.New(apperr.NotFound, "bank.statement_not_ready")
	}
	if err := s.book(ctx); err != nil {
		return iso20022.Statement{}, err
	}
	var st iso20022.Statement
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		st, err = sandboxStatement(ctx, tx, s.Account, d)
		return err
	})
	return st, err
}

// Credit books money arriving in custody on the sandbox's today, once per
// reference: the same credit again changes nothing, another amount under
// the same reference is ErrConflict.
func (s *Sandbox) Credit(ctx context.Context, c Credit) error {
	if c.Amount <= 0 || len(c.Reference) == 0 || len(c.Reference) > 35 || strings.HasPrefix(c.Reference, InterestPrefix) {
		return fmt.Errorf("bank: a credit needs a positive amount and a reference of 1 to 35 characters: %w", ErrInvalid)
	}
	now := s.Now()
	return s.DB.Write(ctx, func(tx *store.Tx) error { return sandboxCredit(ctx, tx, c, now) })
}

// WriteStatement writes the statement of day as a camt.053 file, as the
// bank would deliver it.
func (s *Sandbox) WriteStatement(ctx context.Context, w io.Writer, day time.Time) error {
	st, err := s.Statement(ctx, day)
	if err != nil {
		return err
	}
	return iso20022.WriteCamt053(w, st, s.Now())
}

// WriteStatusReport writes the status changes after the cursor as a
// pain.002 file answering the pain.001 originalMessageID, and returns the
// new cursor; with nothing new it writes nothing and returns the cursor
// unchanged. Each transfer is reported with its latest status in the
// range: pending (PDNG), paid (ACSC) or rejected (RJCT with its reason). A
// return is not a payment status: it reaches the platform as a reversal
// line of the statement, so it is left out.
func (s *Sandbox) WriteStatusReport(ctx context.Context, w io.Writer, after, originalMessageID string) (string, error) {
	outs, next, err := s.Outcomes(ctx, after)
	if err != nil || len(outs) == 0 {
		return after, err
	}
	r := iso20022.StatusReport{MessageID: "SBXSTS" + next, OriginalMessageID: originalMessageID,
		Transactions: map[string]iso20022.TransactionStatus{}}
	for _, o := range outs {
		var st iso20022.Status
		switch o.Status {
		case Pending:
			st = iso20022.Pending
		case Paid:
			st = iso20022.AcceptedSettled
		case Rejected:
			st = iso20022.Rejected
		default:
			continue
		}
		r.Transactions[o.TransferID] = iso20022.TransactionStatus{EndToEndID: o.TransferID, Status: st, Reason: o.Reason}
	}
	if len(r.Transactions) == 0 {
		return next, nil
	}
	return next, iso20022.WritePain002(w, r, s.Now())
}

// maskAccount masks a payee's account for the sandbox's books.
func maskAccount(a iso20022.Account) string { return payeeid.MaskAccount(a.String()) }
