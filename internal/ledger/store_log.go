package ledger

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/translog"
)

// metaLogEarlier records that the entries posted before the transparency
// log existed have been logged.
const metaLogEarlier = "translog_ledger_earlier"

// unloggedWhere holds an entry the transparency log holds in neither its
// tree nor its outbox.
const unloggedWhere = `NOT EXISTS (SELECT 1 FROM translog_entries t WHERE t.source = 'ledger:' || CAST(e.id AS TEXT))
	AND NOT EXISTS (SELECT 1 FROM translog_pending t WHERE t.source = 'ledger:' || CAST(e.id AS TEXT))`

// LogEarlier logs, once per installation, the entries posted before the
// transparency log existed (an installation upgraded to it), in the order
// they were posted, so that the log holds every entry and the public
// figures re-derived from it agree with the pages. Every entry posted since
// is logged in its own transaction (enqueueLog); this never runs again, so
// a path that forgot would be caught by Unlogged, not hidden. It returns
// how many entries it logged; with the log off it does nothing.
func (l *Ledger) LogEarlier(ctx context.Context) (int, error) {
	if len(l.opts.CommitKey) == 0 {
		return 0, nil
	}
	n := 0
	err := l.db.Write(ctx, func(tx *store.Tx) error {
		n = 0
		var done string
		err := tx.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = $1", metaLogEarlier).Scan(&done)
		if err == nil {
			return nil
		}
		if err != sql.ErrNoRows {
			return err
		}
		type earlier struct {
			id, reverses int64
			key, kind    string
			at           int64
		}
		entries, err := store.All(ctx, tx, func(rows *sql.Rows) (earlier, error) {
			var e earlier
			var rev sql.NullInt64
			err := rows.Scan(&e.id, &e.key, &e.kind, &rev, &e.at)
			e.reverses = rev.Int64
			return e, err
		}, "SELECT e.id, e.idem_key, e.kind, e.reverses, e.created_at FROM ledger_entries e WHERE "+unloggedWhere+" ORDER BY e.id")
		if err != nil {
			return err
		}
		postings := map[int64][]translog.Posting{}
		err = store.Each(ctx, tx, func(rows *sql.Rows) error {
			var id int64
			var p translog.Posting
			if err := rows.Scan(&id, &p.Account, &p.Amount); err != nil {
				return err
			}
			postings[id] = append(postings[id], p)
			return nil
		}, `SELECT p.entry_id, a.name, p.amount FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
			JOIN ledger_entries e ON e.id = p.entry_id WHERE `+unloggedWhere+` ORDER BY p.entry_id, a.name`)
		if err != nil {
			return err
		}
		items := make([]translog.Pending, 0, len(entries))
		for _, e := range entries {
			r := translog.Record{Type: translog.TypeLedger, Source: translog.LedgerSource(e.id), At: e.at / 1_000_000,
				Ledger: &translog.Ledger{Entry: e.id, Kind: e.kind, Reverses: e.reverses, Postings: postings[e.id],
					Commitment: translog.Commit(translog.Salt(l.opts.CommitKey, e.key), e.key)}}
			data, err := r.Data()
			if err != nil {
				return fmt.Errorf("ledger: entry %d for the log: %w", e.id, err)
			}
			items = append(items, translog.Pending{Source: r.Source, Data: data})
		}
		if err := translog.Enqueue(ctx, tx, items...); err != nil {
			return err
		}
		n = len(items)
		return tx.SetMeta(ctx, metaLogEarlier, tx.Now.UTC().Format("2006-01-02T15:04:05Z"))
	})
	return n, err
}

// Unlogged returns up to 10 entries the transparency log does not hold,
// and how many there are: none, once LogEarlier has run, unless a path
// posted with the log off.
func Unlogged(ctx context.Context, db *store.DB) (ids []int64, n int, err error) {
	err = db.Read(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM ledger_entries e WHERE "+unloggedWhere).Scan(&n); err != nil {
			return err
		}
		ids, err = store.All(ctx, tx, func(rows *sql.Rows) (int64, error) {
			var id int64
			return id, rows.Scan(&id)
		}, "SELECT e.id FROM ledger_entries e WHERE "+unloggedWhere+" ORDER BY e.id LIMIT 10")
		return err
	})
	return ids, n, err
}
