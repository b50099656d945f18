package main

import (
	"context"
	"database/sql"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/testprog"
	"github.com/carefund/carefund/internal/translog"
)

// TestLogCrash (R-DISC-1) is the crash test of the transparency log:
// donations run against `carefund serve`, whose integrator runs every
// 200 ms, while the server is killed with SIGKILL again and again (the
// donation crash test's machinery). Once it is stopped, the outbox is
// integrated to the end; then every ledger entry has exactly one log
// entry, under source ledger:<id>, whose postings are the entry's, every
// log entry is a ledger entry's, and the tree hash computed afresh from
// every entry equals the newest checkpoint's root, signed by the key in
// the keys folder.
func TestLogCrash(t *testing.T) {
	bin := testprog.Binary(t)
	minDonations, minKills := 3_000, 10
	if testing.Short() {
		minDonations, minKills = 800, 4
	}
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) {
			db, keysDir, base := donationCrash(t, bin, d.DSN, minDonations, minKills)
			if t.Failed() {
				return
			}
			checkLog(t, db, keysDir, base)
		})
	}
}

func checkLog(t *testing.T, db *store.DB, keysDir, base string) {
	t.Helper()
	ctx := context.Background()
	keys, err := keyring.Load(keysDir, false)
	if err != nil {
		t.Fatal(err)
	}
	origin, err := translog.Origin(base)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := translog.NewSigner(origin, keys.Log[:])
	if err != nil {
		t.Fatal(err)
	}
	l := translog.New(db, signer, translog.Options{})
	for rounds := 0; ; rounds++ {
		n, err := l.Integrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if rounds > 1000 {
			t.Fatal("the outbox does not empty")
		}
	}

	entries := map[int64]map[string]int64{} // ledger entry → postings
	var logged [][]byte
	var pending int
	err = db.Read(ctx, func(tx *store.Tx) error {
		err := store.Each(ctx, tx, func(rows *sql.Rows) error {
			var id, amount int64
			var account string
			if err := rows.Scan(&id, &account, &amount); err != nil {
				return err
			}
			if entries[id] == nil {
				entries[id] = map[string]int64{}
			}
			entries[id][account] += amount
			return nil
		}, `SELECT p.entry_id, a.name, p.amount FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id`)
		if err != nil {
			return err
		}
		logged, err = store.All(ctx, tx, func(rows *sql.Rows) ([]byte, error) {
			var b []byte
			err := rows.Scan(&b)
			return b, err
		}, "SELECT data FROM translog_entries ORDER BY idx")
		if err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM translog_pending").Scan(&pending)
	})
	if err != nil {
		t.Fatal(err)
	}
	if pending != 0 {
		t.Errorf("%d entries left in the outbox", pending)
	}

	seen := map[int64]bool{}
	hashes := memHashes{}
	for i, data := range logged {
		r, err := translog.Parse(data)
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		if r.Type != translog.TypeLedger {
			continue
		}
		id := r.Ledger.Entry
		if r.Source != translog.LedgerSource(id) || seen[id] {
			t.Errorf("entry %d: %s for ledger entry %d, seen before: %v", i, r.Source, id, seen[id])
		}
		seen[id] = true
		want, ok := entries[id]
		if !ok {
			t.Errorf("entry %d logs ledger entry %d, which does not exist", i, id)
			continue
		}
		got := map[string]int64{}
		for _, p := range r.Ledger.Postings {
			got[p.Account] += p.Amount
		}
		if len(got) != len(want) {
			t.Errorf("ledger entry %d: logged %v, written %v", id, got, want)
		}
		for a, v := range want {
			if got[a] != v {
				t.Errorf("ledger entry %d: logged %v, written %v", id, got, want)
				break
			}
		}
	}
	for id := range entries {
		if !seen[id] {
			t.Errorf("ledger entry %d is not in the log", id)
		}
	}
	for n, data := range logged {
		hs, err := tlog.StoredHashes(int64(n), data, hashes)
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, hs...)
	}
	root, err := tlog.TreeHash(int64(len(logged)), hashes)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := l.Served(ctx)
	if err != nil {
		t.Fatal(err)
	}
	o, size, croot, err := translog.OpenCheckpoint([]byte(signed), signer.Verifier())
	if err != nil || o != origin || size != int64(len(logged)) || croot != root {
		t.Fatalf("checkpoint %s %d %x (%v); the entries make %d %x", o, size, croot, err, len(logged), root)
	}
	t.Logf("%d ledger entries, %d log entries, tree hash %x", len(entries), len(logged), root)
	if len(entries) == 0 {
		t.Error("no ledger entries")
	}
}

// memHashes is a tree's stored hashes in memory.
type memHashes []tlog.Hash

func (m memHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		out[i] = m[x]
	}
	return out, nil
}
