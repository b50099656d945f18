package donation

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

// check finds the places an invariant is broken, each described by the
// first column of query, a text; query selects at most verifyCases+1 rows.
type verifyCheck struct {
	invariant string
	query     string
}

func (c verifyCheck) find(ctx context.Context, tx *store.Tx) (cases []string, more bool, err error) {
	// The query's LIMIT is verifyLimit, one row more than verifyCases: that
	// row only says there are more.
	err = store.Each(ctx, tx, func(rows *sql.Rows) error {
		var what string
		if err := rows.Scan(&what); err != nil {
			return err
		}
		if len(cases) == verifyCases {
			more = true
			return nil
		}
		cases = append(cases, what)
		return nil
	}, c.query)
	if err != nil {
		return nil, false, err
	}
	return cases, more, nil
}

// verifyLimit is the LIMIT of every check's query: one more than it names, to
// know whether there are more.
var verifyLimit = fmt.Sprintf(" LIMIT %d", verifyCases+1)

// The verifyChecks are plain SQL, portable to SQLite and PostgreSQL, each
// describing what it found in its first column. Concatenating text with
// || and CAST(… AS TEXT) works in both.
var verifyChecks = []verifyCheck{
	{InvDonationEntry, `SELECT 'donation ' || CAST(id AS TEXT) || ' (entry ' || CAST(entry_id AS TEXT) || '): ' || problem FROM (
		SELECT d.id, d.entry_id, CASE
			WHEN e.id IS NULL THEN 'the entry does not exist'
			WHEN e.idem_key <> 'donation:' || d.provider || ':' || d.transaction_id
				THEN 'the entry is keyed ' || e.idem_key || ', not donation:' || d.provider || ':' || d.transaction_id
			WHEN e.kind <> 'donation' THEN 'the entry is of kind ' || e.kind
			WHEN (SELECT count(*) FROM ledger_postings p WHERE p.entry_id = e.id) <> 2
				THEN 'the entry has ' || CAST((SELECT count(*) FROM ledger_postings p WHERE p.entry_id = e.id) AS TEXT) || ' postings, not 2'
			WHEN NOT EXISTS (SELECT 1 FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
				WHERE p.entry_id = e.id AND a.name = 'psp:' || d.provider AND p.amount = d.amount_fen)
				THEN 'the entry does not debit psp:' || d.provider || ' by the donation''s ' || CAST(d.amount_fen AS TEXT) || ' fen'
			WHEN NOT EXISTS (SELECT 1 FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
				WHERE p.entry_id = e.id AND a.name = 'request:' || CAST(d.request_id AS TEXT) AND p.amount = -d.amount_fen)
				THEN 'the entry does not credit request:' || CAST(d.request_id AS TEXT) || ' by the donation''s ' || CAST(d.amount_fen AS TEXT) || ' fen'
			END AS problem
		FROM donations d LEFT JOIN ledger_entries e ON e.id = d.entry_id) v
		WHERE problem IS NOT NULL ORDER BY id` + verifyLimit},
	{InvEntryDonation, `SELECT 'entry ' || CAST(e.id AS TEXT) || ' (' || e.idem_key || ', kind ' || e.kind || '): ' ||
			CASE WHEN d.id IS NULL THEN 'no donation row' ELSE 'not of kind donation' END
		FROM ledger_entries e LEFT JOIN donations d ON d.entry_id = e.id
		WHERE substr(e.idem_key, 1, 9) = 'donation:' AND (d.id IS NULL OR e.kind <> 'donation')
		ORDER BY e.id` + verifyLimit},
	{InvOrderPaid, `SELECT 'order ' || CAST(o.id AS TEXT) || ' (' || o.order_no || ') is paid but has no donation'
		FROM donation_orders o WHERE o.state = 'paid' AND NOT EXISTS (SELECT 1 FROM donations d WHERE d.order_id = o.id)
		ORDER BY o.id` + verifyLimit},
	{InvDonationOrder, `SELECT 'donation ' || CAST(d.id AS TEXT) || ': ' || CASE
			WHEN o.id IS NULL THEN 'its order ' || CAST(d.order_id AS TEXT) || ' does not exist'
			WHEN o.state <> 'paid' THEN 'its order ' || CAST(o.id AS TEXT) || ' is ' || o.state
			WHEN o.request_id <> d.request_id THEN 'its order ' || CAST(o.id AS TEXT) || ' is for request ' || CAST(o.request_id AS TEXT)
			WHEN o.amount_fen <> d.amount_fen THEN 'its order ' || CAST(o.id AS TEXT) || ' is for ' || CAST(o.amount_fen AS TEXT) || ' fen'
			WHEN o.provider <> d.provider THEN 'its order ' || CAST(o.id AS TEXT) || ' is with ' || o.provider
			WHEN coalesce(o.share_id, 0) <> coalesce(d.share_id, 0) THEN 'its order ' || CAST(o.id AS TEXT) || ' came by another share link'
			ELSE 'its order ' || CAST(o.id AS TEXT) || ' was paid at another time' END
		FROM donations d LEFT JOIN donation_orders o ON o.id = d.order_id
		WHERE o.id IS NULL OR o.state <> 'paid' OR o.request_id <> d.request_id OR o.amount_fen <> d.amount_fen
			OR o.provider <> d.provider OR coalesce(o.share_id, 0) <> coalesce(d.share_id, 0) OR o.paid_at <> d.paid_at
		ORDER BY d.id` + verifyLimit},
	{InvUnique, `SELECT what FROM (
		SELECT 'order ' || CAST(order_id AS TEXT) || ' has ' || CAST(count(*) AS TEXT) || ' donations' AS what, 1 AS k, order_id AS id
			FROM donations GROUP BY order_id HAVING count(*) > 1
		UNION ALL
		SELECT 'payment ' || provider || ':' || transaction_id || ' is ' || CAST(count(*) AS TEXT) || ' donations', 2, min(id)
			FROM donations GROUP BY provider, transaction_id HAVING count(*) > 1
		UNION ALL
		SELECT 'entry ' || CAST(entry_id AS TEXT) || ' is ' || CAST(count(*) AS TEXT) || ' donations', 3, entry_id
			FROM donations GROUP BY entry_id HAVING count(*) > 1) v
		ORDER BY k, id` + verifyLimit},
	// A copy that reuses a donation's transaction id with another order,
	// amount or merchant is rightly quarantined beside it (copies.go).
	{InvQuarantine, `SELECT 'payment ' || d.provider || ':' || d.transaction_id || ' is donation ' || CAST(d.id AS TEXT) ||
			' and quarantined as ' || CAST(q.id AS TEXT)
		FROM donations d JOIN donation_orders o ON o.id = d.order_id
		JOIN donation_quarantine q ON q.provider = d.provider AND q.transaction_id = d.transaction_id
		WHERE q.order_no = o.order_no AND q.amount_fen = d.amount_fen AND q.reason <> 'merchant_mismatch'
		ORDER BY d.id` + verifyLimit},
	{InvTotals, `SELECT 'request ' || CAST(r.id AS TEXT) || ': totals say ' || CAST(coalesce(t.raised_fen, 0) AS TEXT) || ' fen from ' ||
			CAST(coalesce(t.donations, 0) AS TEXT) || ' donations; the donations add up to ' ||
			CAST(coalesce(s.raised, 0) AS TEXT) || ' fen from ' || CAST(coalesce(s.n, 0) AS TEXT)
		FROM (SELECT request_id AS id FROM request_totals UNION SELECT request_id FROM donations WHERE after_close = 0) r
		LEFT JOIN request_totals t ON t.request_id = r.id
		LEFT JOIN (SELECT request_id, sum(amount_fen) AS raised, count(*) AS n FROM donations WHERE after_close = 0
			GROUP BY request_id) s ON s.request_id = r.id
		WHERE coalesce(t.raised_fen, 0) <> coalesce(s.raised, 0) OR coalesce(t.donations, 0) <> coalesce(s.n, 0)
		ORDER BY r.id` + verifyLimit},
	{InvShareRequest, `SELECT 'donation ' || CAST(d.id AS TEXT) || ' is for request ' || CAST(d.request_id AS TEXT) ||
			' by share ' || CAST(sh.id AS TEXT) || ' of request ' || CAST(sh.request_id AS TEXT)
		FROM donations d JOIN shares sh ON sh.id = d.share_id WHERE sh.request_id <> d.request_id
		ORDER BY d.id` + verifyLimit},
	// A share without a counts row counts as zero: it brought nothing.
	{InvShareCounts, `SELECT 'share ' || CAST(sh.id AS TEXT) || ': counts say ' || CAST(coalesce(c.donations, 0) AS TEXT) ||
			' donations, ' || CAST(coalesce(c.raised_fen, 0) AS TEXT) || ' fen; the donations through it are ' ||
			CAST(coalesce(s.n, 0) AS TEXT) || ', ' || CAST(coalesce(s.raised, 0) AS TEXT) || ' fen'
		FROM shares sh LEFT JOIN share_counts c ON c.share_id = sh.id
		LEFT JOIN (SELECT share_id, sum(amount_fen) AS raised, count(*) AS n FROM donations
			WHERE after_close = 0 AND share_id IS NOT NULL GROUP BY share_id) s ON s.share_id = sh.id
		WHERE coalesce(c.donations, 0) <> coalesce(s.n, 0) OR coalesce(c.raised_fen, 0) <> coalesce(s.raised, 0)
		ORDER BY sh.id` + verifyLimit},
}

// verifySummarize counts what Verify checked.
func verifySummarize(ctx context.Context, tx *store.Tx, s *Summary) error {
	var raised int64
	if err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(after_close), 0),
		CAST(coalesce(sum(CASE WHEN after_close = 0 THEN amount_fen ELSE 0 END), 0) AS BIGINT) FROM donations`).
		Scan(&s.Donations, &s.AfterClose, &raised); err != nil {
		return err
	}
	s.Raised = money.Fen(raised)
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM donation_orders WHERE state = 'paid'").Scan(&s.PaidOrders); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM request_totals").Scan(&s.Requests); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM shares").Scan(&s.Shares); err != nil {
		return err
	}
	return tx.QueryRowContext(ctx, `SELECT count(*) FROM ledger_entries
		WHERE kind = 'donation' AND substr(idem_key, 1, 9) <> 'donation:'`).Scan(&s.Unkeyed)
}
