package disclosure

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

// ownAccounts selects the ids of request $1's own ledger accounts:
// request:R ($2), its recovery receivable ($3), and the payable accounts
// of its payouts and refund runs.
const ownAccounts = `SELECT id FROM ledger_accounts WHERE name IN ($2, $3)
	OR name IN (SELECT 'payable:payout:' || CAST(id AS TEXT) FROM payouts WHERE request_id = $1)
	OR name IN (SELECT 'payable:refund:' || CAST(id AS TEXT) FROM refund_runs WHERE request_id = $1)`

// readLines reads the public ledger of request id (R-RPT-1): a Line for
// each posting on one of its own accounts, oldest entry first. Without
// donations the donation entries are left out, as the page's timeline
// needs them not (a request may have tens of thousands).
func readLines(ctx context.Context, tx *store.Tx, id int64, donations bool) ([]Line, error) {
	filter := ""
	if !donations {
		filter = " AND e.kind <> 'donation'"
	}
	type posting struct {
		entry  int64
		kind   string
		at     int64
		name   string
		amount int64
		own    bool
	}
	var ps []posting
	err := store.Each(ctx, tx, func(rows *sql.Rows) error {
		var p posting
		if err := rows.Scan(&p.entry, &p.kind, &p.at, &p.name, &p.amount, &p.own); err != nil {
			return err
		}
		ps = append(ps, p)
		return nil
	}, `SELECT e.id, e.kind, e.created_at, a.name, p.amount,
			CASE WHEN p.account_id IN (`+ownAccounts+`) THEN TRUE ELSE FALSE END
		FROM ledger_entries e JOIN ledger_postings p ON p.entry_id = e.id JOIN ledger_accounts a ON a.id = p.account_id
		WHERE e.id IN (SELECT entry_id FROM ledger_postings WHERE account_id IN (`+ownAccounts+`))`+filter+`
		ORDER BY e.id, a.name`, id, requestAccount(id), "receivable:recovery:"+strconv.FormatInt(id, 10))
	if err != nil {
		return nil, err
	}
	var out []Line
	for i := 0; i < len(ps); {
		j := i
		for j < len(ps) && ps[j].entry == ps[i].entry {
			j++
		}
		entry := ps[i:j]
		for k, p := range entry {
			if !p.own {
				continue
			}
			l := Line{Entry: p.entry, At: time.UnixMicro(p.at).UTC(), Kind: p.kind, Account: AccountClass(p.name),
				Amount: money.Fen(p.amount), In: inflow(p.name, p.amount)}
			if l.Amount < 0 {
				l.Amount = -l.Amount
			}
			for m, q := range entry {
				if m != k && !slices.Contains(l.Counterparty, AccountClass(q.name)) {
					l.Counterparty = append(l.Counterparty, AccountClass(q.name))
				}
			}
			slices.Sort(l.Counterparty)
			out = append(out, l)
		}
		i = j
	}
	return out, nil
}
