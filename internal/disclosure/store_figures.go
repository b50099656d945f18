package disclosure

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

// entryKind is the kind an entry counts as in the figures: a reversal as
// the kind of the entry it undoes, so that a reversed donation is no
// longer raised.
const entryKind = "COALESCE(o.kind, e.kind)"

// toFees is 1 for an entry that credits income:fees: what it takes from a
// request is a fee, whatever its kind.
const toFees = `CASE WHEN EXISTS (SELECT 1 FROM ledger_postings fp JOIN ledger_accounts fa ON fa.id = fp.account_id
	WHERE fp.entry_id = e.id AND fa.name = 'income:fees') THEN 1 ELSE 0 END`

// readFigures reads a request's public figures from the ledger: the
// postings on request:R by kind, and on the payable:refund:<run> accounts
// of its refund runs.
func readFigures(ctx context.Context, tx *store.Tx, id int64) (Figures, error) {
	var f Figures
	name := requestAccount(id)
	var held int64
	err := tx.QueryRowContext(ctx, "SELECT balance FROM ledger_accounts WHERE name = $1", name).Scan(&held)
	if errors.Is(err, sql.ErrNoRows) {
		return f, nil
	}
	if err != nil {
		return f, err
	}
	f.Held = money.Fen(held)
	return f, sumFigures(ctx, tx, &f, "a.name = $1", []any{name},
		"a.name IN (SELECT 'payable:refund:' || CAST(id AS TEXT) FROM refund_runs WHERE request_id = $1)", []any{id}, window{})
}

// window bounds the entries the figures count by when they were posted:
// from From (inclusive) to To (exclusive); a zero bound does not bound.
type window struct{ From, To time.Time }

// where returns the condition on e.created_at that w makes, numbering its
// placeholders after the n arguments already given, and its arguments.
func (w window) where(n int) (string, []any) {
	var cond string
	var args []any
	if !w.From.IsZero() {
		args = append(args, w.From.UnixMicro())
		cond += " AND e.created_at >= $" + strconv.Itoa(n+len(args))
	}
	if !w.To.IsZero() {
		args = append(args, w.To.UnixMicro())
		cond += " AND e.created_at < $" + strconv.Itoa(n+len(args))
	}
	return cond, args
}

// sumFigures adds to f what the public figures count (all but Held) of the
// request accounts reqWhere picks (a condition on a.name, with reqArgs) and
// of the refund runs' payable accounts payWhere picks: on request:R the
// postings by kind, and on the payable:refund:<run> accounts refund
// credits them, refund_paid and refund_to_charity debit them. One request's
// figures and the platform's totals are read by this one function, so that
// the totals are the sums of the requests'. Only entries posted within w
// count, so that a period's figures are read by the same rules as the
// totals.
func sumFigures(ctx context.Context, tx *store.Tx, f *Figures, reqWhere string, reqArgs []any, payWhere string, payArgs []any, w window) error {
	reqCond, reqW := w.where(len(reqArgs))
	payCond, payW := w.where(len(payArgs))
	// On request:R a credit (negative) adds, a debit takes away.
	err := store.Each(ctx, tx, func(rows *sql.Rows) error {
		var kind string
		var fee int
		var sum int64
		if err := rows.Scan(&kind, &fee, &sum); err != nil {
			return err
		}
		switch {
		case fee == 1:
			f.Fees += money.Fen(sum)
		case kind == "donation":
			f.Raised += money.Fen(-sum)
		case kind == "payout", kind == "payout_return":
			f.PaidOut += money.Fen(sum)
		case kind == "recovery_receivable":
			f.Recovered += money.Fen(-sum)
		}
		return nil
	}, `SELECT `+entryKind+`, `+toFees+`, SUM(p.amount) FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id
		LEFT JOIN ledger_entries o ON o.id = e.reverses
		JOIN ledger_accounts a ON a.id = p.account_id WHERE `+reqWhere+reqCond+` GROUP BY 1, 2`, append(reqArgs[:len(reqArgs):len(reqArgs)], reqW...)...)
	if err != nil {
		return err
	}
	return store.Each(ctx, tx, func(rows *sql.Rows) error {
		var kind string
		var sum int64
		if err := rows.Scan(&kind, &sum); err != nil {
			return err
		}
		switch kind {
		case "refund_paid":
			f.Refunded += money.Fen(sum)
		case "refund_to_charity":
			f.ToCharity += money.Fen(sum)
		}
		f.Refunding -= money.Fen(sum)
		return nil
	}, `SELECT `+entryKind+`, SUM(p.amount) FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id
		LEFT JOIN ledger_entries o ON o.id = e.reverses
		JOIN ledger_accounts a ON a.id = p.account_id
		WHERE `+payWhere+payCond+` GROUP BY 1`, append(payArgs[:len(payArgs):len(payArgs)], payW...)...)
}

// requestAccount is the ledger account of what request id holds.
func requestAccount(id int64) string { return "request:" + strconv.FormatInt(id, 10) }
