package main

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestLogVerifyServe audits a running platform from outside, as a donor or
// a journalist would (issue 17; R-DISC-1, R-FUND-1, R-STAFF-1): after the
// demo, whose requests hold donations, payouts paid, refunds paid back and
// given to charity and a terminated request's recovery, carefund log verify
// checks the signed checkpoint, re-hashes every entry and re-derives every
// request's public figures from the log's ledger entries against its page;
// a donor's receipt proof checks offline; and once an entry is rewritten
// in the database, the next audit names it.
func TestLogVerifyServe(t *testing.T) {
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) {
			dir := t.TempDir()
			dataDir := filepath.Join(dir, "data")
			args := []string{"--addr", "127.0.0.1:0", "--data-dir", dataDir, "--demo"}
			dsn := store.SQLiteLocation(filepath.Join(dataDir, "carefund.db"))
			if d.Name != "sqlite" {
				args = append(args, "--database", d.DSN)
				dsn = d.DSN
			}
			s := startServe(t, args...)
			stopped := false
			defer func() {
				if !stopped {
					s.stop()
				}
			}()
			db := storetest.Open(t, dsn)
			waitLogged(t, db)

			base := strings.TrimSuffix(s.appURL, "/")
			state := filepath.Join(dir, "auditor.json")
			code, stdout, stderr := runCmd(t, env(), "log", "verify", base, "--state", state)
			if code != 0 || !strings.Contains(stdout, "verified") {
				t.Fatalf("log verify after the demo: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
			}
			t.Logf("%s", stdout)

			// A donor's receipt: the proof downloads from the receipt and
			// checks offline against the log's published key.
			vkey := strings.TrimSpace(get(t, base+"/log/key"))
			var orderNo string
			err := db.Read(context.Background(), func(tx *store.Tx) error {
				return tx.QueryRowContext(context.Background(), `SELECT o.order_no FROM donation_orders o
					JOIN donations d ON d.order_id = o.id ORDER BY d.id LIMIT 1`).Scan(&orderNo)
			})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.Get(base + "/donations/" + orderNo + "/proof")
			if err != nil {
				t.Fatal(err)
			}
			bundle, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("the receipt's proof: %d %s", resp.StatusCode, bundle)
			}
			file := filepath.Join(dir, orderNo+".tlog-proof")
			if err := os.WriteFile(file, bundle, 0o600); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr = runCmd(t, env(), "log", "check-receipt", file, "--key", vkey)
			if code != 0 || !strings.Contains(stdout, "receipt verified") {
				t.Fatalf("check-receipt of a real receipt: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
			}
			edited := []byte(strings.Replace(string(bundle), "index ", "index 1", 1))
			os.WriteFile(file, edited, 0o600)
			if code, _, _ = runCmd(t, env(), "log", "check-receipt", file, "--key", vkey); code != 1 {
				t.Errorf("an edited receipt: exit %d, want 1", code)
			}

			// An insider rewrites a logged donation's amount, in the entry
			// and (to keep the tree whole) nowhere else: the audit re-hashes
			// the entry and names it.
			if err := s.stop(); err != nil {
				t.Fatal(err)
			}
			stopped = true
			var idx int64
			var data []byte
			err = db.Read(context.Background(), func(tx *store.Tx) error {
				rows, err := tx.QueryContext(context.Background(), "SELECT idx, data FROM translog_entries ORDER BY idx")
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() && data == nil {
					var b []byte
					if err := rows.Scan(&idx, &b); err != nil {
						return err
					}
					if strings.Contains(string(b), `"kind":"donation"`) {
						data = b
					}
				}
				return rows.Err()
			})
			if err != nil || data == nil {
				t.Fatalf("a logged donation: %v", err)
			}
			forged := []byte(strings.Replace(string(data), `"amount":`, `"amount":1`, 1))
			if err := db.Write(context.Background(), func(tx *store.Tx) error {
				_, err := tx.ExecContext(context.Background(), "UPDATE translog_entries SET data = $1 WHERE idx = $2", forged, idx)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			s = startServe(t, args...)
			stopped = false
			base = strings.TrimSuffix(s.appURL, "/")
			code, _, stderr = runCmd(t, env(), "log", "verify", base, "--key", vkey, "--state", filepath.Join(dir, "fresh.json"))
			if code != 1 || !strings.Contains(stderr, strconv.FormatInt(idx, 10)) {
				t.Errorf("a rewritten entry %d: exit %d, stderr %s", idx, code, stderr)
			}
		})
	}
}

// waitLogged waits, by count and progress, until the platform's jobs have
// put every event in the log and signed a checkpoint over all of it.
func waitLogged(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	last, still := int64(-1), 0
	for round := 0; ; round++ {
		var pending, entries, size int64
		err := db.Read(ctx, func(tx *store.Tx) error {
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM translog_pending").Scan(&pending); err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM translog_entries").Scan(&entries); err != nil {
				return err
			}
			err := tx.QueryRowContext(ctx, "SELECT size FROM translog_checkpoints ORDER BY size DESC LIMIT 1").Scan(&size)
			if err == sql.ErrNoRows {
				size, err = -1, nil
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if pending == 0 && size == entries && entries > 0 {
			return
		}
		// Bounded by progress: the log must grow or the checkpoint catch
		// up within a few hundred polls of one another.
		if size == last {
			still++
		} else {
			last, still = size, 0
		}
		if still > 600 {
			t.Fatalf("the log stopped at %d entries with %d pending and %d integrated", size, pending, entries)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// auditLog audits the running platform at url from outside, as anyone can
// (carefund log verify), once every event so far is in a checkpoint. The
// platform's jobs may move money between the checkpoint and the public
// pages the audit compares it with (a refund paid back a moment later), so
// an audit that fails is tried again on the next checkpoint, a few times:
// a real disagreement stays.
func auditLog(t *testing.T, db *store.DB, url string) {
	t.Helper()
	state := filepath.Join(t.TempDir(), "auditor.json")
	var stdout, stderr string
	for range 5 {
		waitLogged(t, db)
		var code int
		code, stdout, stderr = runCmd(t, env(), "log", "verify", strings.TrimSuffix(url, "/"), "--state", state)
		if code == 0 {
			t.Logf("%s", stdout)
			return
		}
	}
	t.Errorf("log verify fails:\nstdout %s\nstderr %s", stdout, stderr)
}
