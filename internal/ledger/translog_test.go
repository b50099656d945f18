package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/translog"
)

// TestEveryEntryIsLogged: with the log on, every entry written, and only
// those, has one record in the log's outbox, written in the entry's own
// transaction, with its postings and a commitment to its key; replays,
// refusals and a batch that failed and was retried add nothing (R-DISC-1).
func TestEveryEntryIsLogged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		commitKey := []byte("commit key")
		l := newLedger(t, db, Options{MaxWait: 20 * 1e6, CommitKey: commitKey})
		l.testHookApply = func(batch []*call) error {
			for _, c := range batch {
				if c.e.Key == "poison" {
					return errors.New("the database refused the batch")
				}
			}
			return nil
		}
		ctx := context.Background()
		var wg sync.WaitGroup
		for i := range 60 {
			wg.Go(func() {
				key := fmt.Sprint("k", i%40) // 20 replays
				if i == 7 {
					key = "poison"
				}
				l.Post(ctx, donation(key, "1", 100))
			})
		}
		wg.Wait()
		p := mustPost(t, l, payout("p1", "1", 1000))
		mustPost(t, l, Entry{Key: "undo", Kind: "payout_return", Reverses: p.ID,
			Postings: []Posting{{"request:1", -1000}, {"payable:payout:p1", 1000}}})
		if _, err := l.Post(ctx, payout("too_much", "1", 1_000_000)); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("overspend: %v", err)
		}

		type entry struct {
			key, kind string
			reverses  int64
		}
		entries := map[int64]entry{}
		err := db.Read(ctx, func(tx *store.Tx) error {
			return store.Each(ctx, tx, func(rows *sql.Rows) error {
				var id, rev int64
				var e entry
				if err := rows.Scan(&id, &e.key, &e.kind, &rev); err != nil {
					return err
				}
				e.reverses = rev
				entries[id] = e
				return nil
			}, "SELECT id, idem_key, kind, coalesce(reverses, 0) FROM ledger_entries")
		})
		if err != nil {
			t.Fatal(err)
		}
		logged := map[string][]byte{}
		err = db.Read(ctx, func(tx *store.Tx) error {
			return store.Each(ctx, tx, func(rows *sql.Rows) error {
				var src string
				var data []byte
				if err := rows.Scan(&src, &data); err != nil {
					return err
				}
				if _, dup := logged[src]; dup {
					return fmt.Errorf("%s twice", src)
				}
				logged[src] = data
				return nil
			}, "SELECT source, data FROM translog_pending")
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 40+2 || len(logged) != len(entries) {
			t.Fatalf("%d entries, %d logged", len(entries), len(logged))
		}
		for id, e := range entries {
			data, ok := logged[translog.LedgerSource(id)]
			if !ok {
				t.Errorf("entry %d is not logged", id)
				continue
			}
			r, err := translog.Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			lr := r.Ledger
			if r.Type != translog.TypeLedger || lr == nil || lr.Entry != id || lr.Kind != e.kind || lr.Reverses != e.reverses {
				t.Errorf("entry %d logged as %s", id, data)
				continue
			}
			if lr.Commitment != translog.Commit(translog.Salt(commitKey, e.key), e.key) {
				t.Errorf("entry %d: the commitment does not open with its key", id)
			}
			pe, err := l.EntryByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]int64{}
			for _, p := range pe.Postings {
				want[p.Account] += int64(p.Amount)
			}
			for _, p := range lr.Postings {
				want[p.Account] -= p.Amount
			}
			for a, d := range want {
				if d != 0 || len(lr.Postings) != len(pe.Postings) {
					t.Errorf("entry %d: %s differs by %d between the log and the ledger", id, a, d)
				}
			}
		}
	})
}

// TestLogOff: without a commit key nothing goes to the log.
func TestLogOff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := newLedger(t, db, Options{})
		mustPost(t, l, donation("k", "1", 100))
		var n int
		err := db.Read(context.Background(), func(tx *store.Tx) error {
			return tx.QueryRowContext(context.Background(), "SELECT count(*) FROM translog_pending").Scan(&n)
		})
		if err != nil || n != 0 {
			t.Errorf("%d pending, %v", n, err)
		}
	})
}

// TestLogEarlier: entries posted before the transparency log existed (an
// installation upgraded to it) are logged once, when a ledger with the log
// on first starts, with their postings and commitments, so that the log
// holds every entry (R-DISC-1); it never runs again, and Unlogged names an
// entry a path posted with the log off afterwards instead of hiding it.
func TestLogEarlier(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		before := newLedger(t, db, Options{})
		mustPost(t, before, donation("d1", "1", 500))
		p := mustPost(t, before, payout("p1", "1", 200))
		mustPost(t, before, Entry{Key: "undo", Kind: "payout_return", Reverses: p.ID,
			Postings: []Posting{{"request:1", -200}, {"payable:payout:p1", 200}}})
		if _, n, err := Unlogged(ctx, db); err != nil || n != 3 {
			t.Fatalf("before the log: %d unlogged, %v; want 3", n, err)
		}

		commitKey := []byte("commit key")
		l := newLedger(t, db, Options{CommitKey: commitKey})
		if n, err := l.LogEarlier(ctx); err != nil || n != 3 {
			t.Fatalf("LogEarlier: %d, %v; want 3", n, err)
		}
		if n, err := l.LogEarlier(ctx); err != nil || n != 0 {
			t.Fatalf("LogEarlier again: %d, %v; want 0", n, err)
		}
		if ids, n, err := Unlogged(ctx, db); err != nil || n != 0 {
			t.Fatalf("after LogEarlier: %v unlogged, %v", ids, err)
		}
		// Each record is the entry as the live path writes it.
		var recs [][]byte
		err := db.Read(ctx, func(tx *store.Tx) error {
			return store.Each(ctx, tx, func(rows *sql.Rows) error {
				var b []byte
				if err := rows.Scan(&b); err != nil {
					return err
				}
				recs = append(recs, b)
				return nil
			}, "SELECT data FROM translog_pending ORDER BY id")
		})
		if err != nil || len(recs) != 3 {
			t.Fatalf("%d records pending, %v", len(recs), err)
		}
		r, err := translog.Parse(recs[2])
		if err != nil || r.Ledger.Kind != "payout_return" || r.Ledger.Reverses != p.ID ||
			r.Ledger.Commitment != translog.Commit(translog.Salt(commitKey, "undo"), "undo") {
			t.Errorf("the reversal's record: %+v, %v", r.Ledger, err)
		}

		// A path that posts with the log off is named, not logged later.
		mustPost(t, before, donation("d2", "1", 100))
		if _, err := l.LogEarlier(ctx); err != nil {
			t.Fatal(err)
		}
		if ids, n, err := Unlogged(ctx, db); err != nil || n != 1 || len(ids) != 1 {
			t.Errorf("an entry posted with the log off: %v (%d), %v", ids, n, err)
		}
	})
}
