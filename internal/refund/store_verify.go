package refund

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

// verifyChecks are queries returning up to 5 cases that break an
// invariant of refunds against the ledger; each check is named.
var verifyChecks = []struct{ name, sqlite, postgres string }{
	{"a refund row has more than one refund entry, or an outcome entry without its refund entry",
		`SELECT r.id FROM refunds r WHERE r.state <> 'planned' AND NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.idem_key = 'refund:' || r.id)
		 OR EXISTS (SELECT 1 FROM ledger_entries e WHERE e.idem_key IN ('refund:' || r.id || ':paid', 'refund:' || r.id || ':charity'))
		  AND NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.idem_key = 'refund:' || r.id) LIMIT 5`,
		`SELECT r.id FROM refunds r WHERE r.state <> 'planned' AND NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.idem_key = 'refund:' || r.id::text)
		 OR EXISTS (SELECT 1 FROM ledger_entries e WHERE e.idem_key IN ('refund:' || r.id::text || ':paid', 'refund:' || r.id::text || ':charity'))
		  AND NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.idem_key = 'refund:' || r.id::text) LIMIT 5`},
	{"a refund has both outcome entries",
		`SELECT r.id FROM refunds r WHERE EXISTS (SELECT 1 FROM ledger_entries e WHERE e.idem_key = 'refund:' || r.id || ':paid')
		 AND EXISTS (SELECT 1 FROM ledger_entries e WHERE e.idem_key = 'refund:' || r.id || ':charity') LIMIT 5`,
		`SELECT r.id FROM refunds r WHERE EXISTS (SELECT 1 FROM ledger_entries e WHERE e.idem_key = 'refund:' || r.id::text || ':paid')
		 AND EXISTS (SELECT 1 FROM ledger_entries e WHERE e.idem_key = 'refund:' || r.id::text || ':charity') LIMIT 5`},
	{"succeeded does not match a refund_paid entry",
		`SELECT r.id FROM refunds r WHERE (r.state = 'succeeded') <> EXISTS (SELECT 1 FROM ledger_entries e WHERE e.idem_key = 'refund:' || r.id || ':paid') LIMIT 5`,
		`SELECT r.id FROM refunds r WHERE (r.state = 'succeeded') <> EXISTS (SELECT 1 FROM ledger_entries e WHERE e.idem_key = 'refund:' || r.id::text || ':paid') LIMIT 5`},
	{"to_charity does not match a refund_to_charity entry",
		`SELECT r.id FROM refunds r WHERE (r.state = 'to_charity') <> EXISTS (SELECT 1 FROM ledger_entries e WHERE e.idem_key = 'refund:' || r.id || ':charity') LIMIT 5`,
		`SELECT r.id FROM refunds r WHERE (r.state = 'to_charity') <> EXISTS (SELECT 1 FROM ledger_entries e WHERE e.idem_key = 'refund:' || r.id::text || ':charity') LIMIT 5`},
	{"a donation is refunded more than it gave",
		`SELECT d.id FROM donations d JOIN refunds r ON r.donation_id = d.id GROUP BY d.id, d.amount_fen HAVING SUM(r.amount_fen) > d.amount_fen LIMIT 5`,
		`SELECT d.id FROM donations d JOIN refunds r ON r.donation_id = d.id GROUP BY d.id, d.amount_fen HAVING SUM(r.amount_fen) > d.amount_fen LIMIT 5`},
	{"a refund went by another route than its donation's (R-DON-2)",
		`SELECT r.id FROM refunds r JOIN donations d ON d.id = r.donation_id JOIN donation_orders o ON o.id = d.order_id
		 WHERE r.provider <> d.provider OR r.transaction_id <> d.transaction_id OR r.order_no <> o.order_no LIMIT 5`,
		`SELECT r.id FROM refunds r JOIN donations d ON d.id = r.donation_id JOIN donation_orders o ON o.id = d.order_id
		 WHERE r.provider <> d.provider OR r.transaction_id <> d.transaction_id OR r.order_no <> o.order_no LIMIT 5`},
	{"payable:refund:<run> differs from decided − paid − to charity",
		`SELECT u.id FROM refund_runs u LEFT JOIN ledger_accounts a ON a.name = 'payable:refund:' || u.id
		 WHERE COALESCE(a.balance, 0) <> (SELECT COALESCE(SUM(CASE WHEN r.state NOT IN ('planned', 'succeeded', 'to_charity') THEN r.amount_fen ELSE 0 END), 0)
		  FROM refunds r WHERE r.run_id = u.id) AND u.state <> 'ledgering' LIMIT 5`,
		`SELECT u.id FROM refund_runs u LEFT JOIN ledger_accounts a ON a.name = 'payable:refund:' || u.id::text
		 WHERE COALESCE(a.balance, 0) <> (SELECT COALESCE(SUM(CASE WHEN r.state NOT IN ('planned', 'succeeded', 'to_charity') THEN r.amount_fen ELSE 0 END), 0)
		  FROM refunds r WHERE r.run_id = u.id) AND u.state <> 'ledgering' LIMIT 5`},
	{"a run's counters differ from its refunds",
		`SELECT u.id FROM refund_runs u WHERE u.succeeded_fen <> (SELECT COALESCE(SUM(amount_fen), 0) FROM refunds r WHERE r.run_id = u.id AND r.state = 'succeeded')
		 OR u.charity_fen <> (SELECT COALESCE(SUM(amount_fen), 0) FROM refunds r WHERE r.run_id = u.id AND r.state = 'to_charity')
		 OR u.refunds <> (SELECT COUNT(*) FROM refunds r WHERE r.run_id = u.id)
		 OR u.amount_fen <> (SELECT COALESCE(SUM(amount_fen), 0) FROM refunds r WHERE r.run_id = u.id) LIMIT 5`,
		`SELECT u.id FROM refund_runs u WHERE u.succeeded_fen <> (SELECT COALESCE(SUM(amount_fen), 0) FROM refunds r WHERE r.run_id = u.id AND r.state = 'succeeded')
		 OR u.charity_fen <> (SELECT COALESCE(SUM(amount_fen), 0) FROM refunds r WHERE r.run_id = u.id AND r.state = 'to_charity')
		 OR u.refunds <> (SELECT COUNT(*) FROM refunds r WHERE r.run_id = u.id)
		 OR u.amount_fen <> (SELECT COALESCE(SUM(amount_fen), 0) FROM refunds r WHERE r.run_id = u.id) LIMIT 5`},
}

func verifyAll(ctx context.Context, tx *store.Tx) (VerifySummary, []string, error) {
	var s VerifySummary
	var broken []string
	for _, c := range verifyChecks {
		q := c.sqlite
		if tx.Dialect == store.Postgres {
			q = c.postgres
		}
		ids, err := store.All(ctx, tx, func(rows *sql.Rows) (string, error) {
			var id int64
			err := rows.Scan(&id)
			return fmt.Sprint(id), err
		}, q)
		if err != nil {
			return s, nil, fmt.Errorf("refund verify %q: %w", c.name, err)
		}
		if len(ids) > 0 {
			broken = append(broken, c.name+" (e.g. "+strings.Join(ids, ", ")+")")
		}
	}
	var d, p, ch int64
	err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM refund_runs), COUNT(*),
		COALESCE(SUM(CASE WHEN state <> 'planned' THEN amount_fen ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN state = 'succeeded' THEN amount_fen ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN state = 'to_charity' THEN amount_fen ELSE 0 END), 0) FROM refunds`).
		Scan(&s.Runs, &s.Refunds, &d, &p, &ch)
	s.Decided, s.Paid, s.Charity = money.Fen(d), money.Fen(p), money.Fen(ch)
	return s, broken, err
}
