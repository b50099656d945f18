package reconcile

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

// custodyItems returns the ledger's entries on bank:custody posted since
// since, in one scan of the postings-by-account index.
func custodyItems(ctx context.Context, tx *store.Tx, since time.Time) ([]Item, error) {
	var items []Item
	err := store.Each(ctx, tx, func(rows *sql.Rows) error {
		var it Item
		var at int64
		if err := rows.Scan(&it.Key, &it.Amount, &at); err != nil {
			return err
		}
		it.PostedAt = time.UnixMicro(at).UTC()
		items = append(items, it)
		return nil
	}, `SELECT e.idem_key, p.amount, e.created_at
		FROM ledger_accounts a
		JOIN ledger_postings p ON p.account_id = a.id
		JOIN ledger_entries e ON e.id = p.entry_id
		WHERE a.name = 'bank:custody' AND e.created_at >= $1`, since.UnixMicro())
	return items, err
}

// custodyBalance returns bank:custody's balance now, as the ledger keeps
// it with every entry.
func custodyBalance(ctx context.Context, tx *store.Tx) (money.Fen, error) {
	var b money.Fen
	err := tx.QueryRowContext(ctx, "SELECT balance FROM ledger_accounts WHERE name = 'bank:custody'").Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return b, err
}

// custodyBefore returns bank:custody in the ledger at end: its postings
// of entries posted before end.
func custodyBefore(ctx context.Context, tx *store.Tx, end time.Time) (money.Fen, error) {
	var sum sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT SUM(p.amount)
		FROM ledger_accounts a
		JOIN ledger_postings p ON p.account_id = a.id
		JOIN ledger_entries e ON e.id = p.entry_id
		WHERE a.name = 'bank:custody' AND e.created_at < $1`, end.UnixMicro()).Scan(&sum)
	return money.Fen(sum.Int64), err
}

// donationAmounts returns, for the donation keys given, what each entry
// put into its psp account.
func donationAmounts(ctx context.Context, tx *store.Tx, provider string, keys []string) (map[string]money.Fen, error) {
	out := make(map[string]money.Fen, len(keys))
	const chunk = 500
	for len(keys) > 0 {
		n := min(chunk, len(keys))
		args := []any{"psp:" + provider}
		var in strings.Builder
		for i, k := range keys[:n] {
			if i > 0 {
				in.WriteByte(',')
			}
			args = append(args, k)
			in.WriteString("$")
			in.WriteString(itoa(len(args)))
		}
		keys = keys[n:]
		err := store.Each(ctx, tx, func(rows *sql.Rows) error {
			var k string
			var a money.Fen
			if err := rows.Scan(&k, &a); err != nil {
				return err
			}
			out[k] = a
			return nil
		}, `SELECT e.idem_key, p.amount
			FROM ledger_entries e
			JOIN ledger_postings p ON p.entry_id = e.id
			JOIN ledger_accounts a ON a.id = p.account_id AND a.name = $1
			WHERE e.idem_key IN (`+in.String()+`)`, args...)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

const runColumns = `id, statement_id, file_hash, account_masked, period_from, period_to, opening, closing,
	ledger_at_end, in_transit_sum, lines, matched, in_transit, differences, settlement_ref, actor, created_at`

func scanRun(rows interface{ Scan(...any) error }) (Run, error) {
	var r Run
	var from, to string
	var opening, closing sql.NullInt64
	var at int64
	err := rows.Scan(&r.ID, &r.StatementID, &r.FileHash, &r.Account, &from, &to, &opening, &closing,
		&r.LedgerAtEnd, &r.InTransit, &r.Lines, &r.Matched, &r.InTransitCount, &r.Differences, &r.SettlementRef, &r.Actor, &at)
	if err != nil {
		return r, err
	}
	r.From, _ = time.Parse(time.DateOnly, from)
	r.To, _ = time.Parse(time.DateOnly, to)
	if opening.Valid {
		r.Opening = fen(money.Fen(opening.Int64))
	}
	if closing.Valid {
		r.Closing = fen(money.Fen(closing.Int64))
	}
	r.CreatedAt = time.UnixMicro(at).UTC()
	return r, nil
}

// runWhere returns the one run matching where, or ok false.
func runWhere(ctx context.Context, tx *store.Tx, where string, args ...any) (Run, bool, error) {
	r, err := scanRun(tx.QueryRowContext(ctx, "SELECT "+runColumns+" FROM reconcile_runs WHERE "+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, false, nil
	}
	return r, err == nil, err
}

func lastRun(ctx context.Context, tx *store.Tx) (Run, bool, error) {
	return runWhere(ctx, tx, "id = (SELECT MAX(id) FROM reconcile_runs)")
}

func listRuns(ctx context.Context, tx *store.Tx) ([]Run, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Run, error) { return scanRun(rows) },
		"SELECT "+runColumns+" FROM reconcile_runs ORDER BY id DESC")
}

func inTransitOf(ctx context.Context, tx *store.Tx, runID int64) (map[string]bool, error) {
	out := map[string]bool{}
	err := store.Each(ctx, tx, func(rows *sql.Rows) error {
		var k string
		if err := rows.Scan(&k); err != nil {
			return err
		}
		out[k] = true
		return nil
	}, "SELECT key FROM reconcile_in_transit WHERE run_id = $1", runID)
	return out, err
}

func nullFen(f *money.Fen) any {
	if f == nil {
		return nil
	}
	return int64(*f)
}

func insertRun(ctx context.Context, tx *store.Tx, r Run) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO reconcile_runs (statement_id, file_hash, account_masked, period_from,
		period_to, opening, closing, ledger_at_end, in_transit_sum, lines, matched, in_transit, differences,
		settlement_ref, actor, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
		r.StatementID, r.FileHash, r.Account, r.From.Format(time.DateOnly), r.To.Format(time.DateOnly),
		nullFen(r.Opening), nullFen(r.Closing), int64(r.LedgerAtEnd), int64(r.InTransit), r.Lines, r.Matched,
		r.InTransitCount, r.Differences, r.SettlementRef, r.Actor, tx.Now.UnixMicro()).Scan(&id)
	return id, err
}

func insertInTransit(ctx context.Context, tx *store.Tx, runID int64, keys []string) error {
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, "INSERT INTO reconcile_in_transit (run_id, key) VALUES ($1, $2)", runID, k); err != nil {
			return err
		}
	}
	return nil
}

func insertDifference(ctx context.Context, tx *store.Tx, runID, settlementID int64, f Found) (int64, error) {
	var id int64
	var run, settlement any
	if runID != 0 {
		run = runID
	}
	if settlementID != 0 {
		settlement = settlementID
	}
	detail := f.Detail
	if len(detail) > 1000 {
		detail = detail[:1000]
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO reconcile_differences (run_id, settlement_id, kind, source, reference,
		ledger_amount, other_amount, detail, created_at, line_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		run, settlement, string(f.Kind), string(f.Source), f.Reference, nullFen(f.Ledger), nullFen(f.Other), detail,
		tx.Now.UnixMicro(), f.LineKey).Scan(&id)
	return id, err
}

func insertRefusal(ctx context.Context, tx *store.Tx, statementID, fileHash, reason, actor string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO reconcile_refusals (statement_id, file_hash, reason, actor, created_at)
		VALUES ($1, $2, $3, $4, $5)`, statementID, fileHash, reason, actor, tx.Now.UnixMicro())
	return err
}

func listDifferences(ctx context.Context, tx *store.Tx, open bool, id int64) ([]Difference, error) {
	where := "TRUE"
	var args []any
	switch {
	case id != 0:
		where, args = "id = $1", []any{id}
	case open:
		where = "resolved_at IS NULL"
	}
	return store.All(ctx, tx, func(rows *sql.Rows) (Difference, error) {
		var d Difference
		var run, by, at, correction, ledgerAmt, other sql.NullInt64
		var reason sql.NullString
		var kind, source string
		var created int64
		err := rows.Scan(&d.ID, &run, &kind, &source, &d.Reference, &ledgerAmt, &other, &d.Detail, &created,
			&by, &at, &reason, &correction, &d.LineKey)
		d.RunID, d.Kind, d.Source, d.CreatedAt = run.Int64, Kind(kind), Source(source), time.UnixMicro(created).UTC()
		if ledgerAmt.Valid {
			d.Ledger = fen(money.Fen(ledgerAmt.Int64))
		}
		if other.Valid {
			d.Other = fen(money.Fen(other.Int64))
		}
		if at.Valid {
			d.Resolved = &Resolution{By: by.Int64, At: time.UnixMicro(at.Int64).UTC(), Reason: reason.String, Correction: correction.Int64}
		}
		return d, err
	}, `SELECT id, run_id, kind, source, reference, ledger_amount, other_amount, detail, created_at,
		resolved_by, resolved_at, reason, correction_entry, line_key FROM reconcile_differences WHERE `+where+` ORDER BY id`, args...)
}

func resolve(ctx context.Context, tx *store.Tx, id, by int64, reason string, correction int64) (bool, error) {
	var c any
	if correction != 0 {
		c = correction
	}
	res, err := tx.ExecContext(ctx, `UPDATE reconcile_differences SET resolved_by = $1, resolved_at = $2, reason = $3,
		correction_entry = $4 WHERE id = $5 AND resolved_at IS NULL`, by, tx.Now.UnixMicro(), reason, c, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// settlementRow is a settlement file as recorded.
type settlementRow struct {
	id, entryID int64
	hash        string
	net         money.Fen
	status      string
}

func insertSettlement(ctx context.Context, tx *store.Tx, s SettlementFile, hash, status string, entryID int64) (int64, bool, error) {
	var entry any
	if entryID != 0 {
		entry = entryID
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO reconcile_settlements (ref, provider, settle_date, gross, fees, net,
		tx_count, content_hash, status, entry_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (ref, content_hash) DO NOTHING RETURNING id`,
		s.Ref, s.Provider, s.Date.Format(time.DateOnly), int64(s.Gross), int64(s.Fees), int64(s.Net), len(s.Lines),
		hash, status, entry, tx.Now.UnixMicro()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, err
}

func postedSettlement(ctx context.Context, tx *store.Tx, ref string) (settlementRow, bool, error) {
	var r settlementRow
	err := tx.QueryRowContext(ctx, `SELECT id, entry_id, content_hash, net, status FROM reconcile_settlements
		WHERE ref = $1 AND status = 'posted'`, ref).Scan(&r.id, &r.entryID, &r.hash, &r.net, &r.status)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	return r, err == nil, err
}
