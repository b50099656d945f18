package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/jobs"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// R-STAFF-1: `carefund verify` passes a sound audit chain, printing its
// head, and exits 1 naming the first broken entry when the log was changed
// behind the application's back.
func TestVerifyCommandAuditChain(t *testing.T) {
	tests := []struct {
		name   string
		tamper []string
		want   string
	}{
		{"an entry changed", []string{"DROP TRIGGER audit_log_no_update", "UPDATE audit_log SET object = 'user:99' WHERE seq = 4"},
			"audit log broken at entry 4: " + audit.ReasonHash},
		{"an entry deleted", []string{"DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log WHERE seq = 7"},
			"audit log broken at entry 7: " + audit.ReasonGap},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.SQLiteDSN(t)
			db := storetest.Open(t, dsn)
			var last audit.Entry
			err := db.Write(ctx, func(tx *store.Tx) error {
				for i := range 10 {
					var err error
					last, err = audit.Append(ctx, tx, audit.Record{Actor: "staff:1", Action: "pii.view",
						Object: fmt.Sprintf("user:%d", i), Result: audit.ResultOK, Source: "192.0.2.1"})
					if err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			code, out, stderr := runCmd(t, env(), "verify", "--database", dsn)
			if want := "audit log verified: 10 entries, head " + last.Hash[:16]; code != 0 || !strings.Contains(out, want) {
				t.Fatalf("sound chain: exit %d, %q %q; want %q", code, out, stderr, want)
			}
			storetest.Exec(t, db, tt.tamper...)
			code, out, stderr = runCmd(t, env(), "verify", "--database", dsn)
			if code != 1 || !strings.Contains(stderr, tt.want) {
				t.Errorf("broken chain: exit %d, stderr %q; want 1 and %q", code, stderr, tt.want)
			}
			// The ledger is still checked, and still passes.
			if !strings.Contains(out, "ledger verified") || strings.Contains(out, "audit log verified") {
				t.Errorf("broken chain: stdout %q", out)
			}
		})
	}
}

// R-STAFF-1 (issue 17, item 4): an insider who can write the database
// rewrites an audit entry and recomputes every later hash and the head. The
// chain alone still passes; the heads logged in the transparency log, and a
// head noted elsewhere (--audit-head), catch it, each named.
func TestVerifyDetectsRewrittenAuditChain(t *testing.T) {
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, d.DSN)
			appendN := func(n int) audit.Entry {
				var last audit.Entry
				err := db.Write(ctx, func(tx *store.Tx) error {
					for i := range n {
						var err error
						last, err = audit.Append(ctx, tx, audit.Record{Actor: "staff:1", Action: "pii.view",
							Object: fmt.Sprintf("user:%d", i), Result: audit.ResultOK, Source: "192.0.2.1"})
						if err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				return last
			}
			anchor := func(want int64) {
				head, logged, err := jobs.AnchorAudit(ctx, db)
				if err != nil || !logged || head.Seq != want {
					t.Fatalf("anchoring: head %+v logged %v, %v; want entry %d logged", head, logged, err, want)
				}
			}
			appendN(5)
			anchor(5)
			appendN(5)
			anchor(10)
			last := appendN(2) // entries 11 and 12 are not logged yet
			noted := fmt.Sprintf("12:%s", last.Hash[:16])

			code, out, stderr := runCmd(t, env(), "verify", "--database", d.DSN, "--audit-head", noted)
			if want := "audit log verified: 12 entries, head " + last.Hash[:16] + "; it passes through 3 recorded heads (1 given"; code != 0 || !strings.Contains(out, want) {
				t.Fatalf("sound chain: exit %d, %q %q; want %q", code, out, stderr, want)
			}

			tamper := []string{"DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_head_forward"}
			if d.Name == "postgres" {
				tamper = []string{"DROP TRIGGER audit_log_immutable ON audit_log", "DROP TRIGGER audit_head_forward ON audit_head"}
			}
			storetest.Exec(t, db, tamper...)

			// Entry 11 rewritten after the last logged head: the log
			// cannot tell, the head noted elsewhere can.
			rewriteAudit(t, db, 11)
			code, out, stderr = runCmd(t, env(), "verify", "--database", d.DSN)
			if code != 0 || !strings.Contains(out, "audit log verified: 12 entries") {
				t.Fatalf("rewrite past the logged heads, nothing noted: exit %d, %q %q", code, out, stderr)
			}
			code, _, stderr = runCmd(t, env(), "verify", "--database", d.DSN, "--audit-head", noted)
			if want := "audit log rewritten at or before entry 12: " + audit.ReasonAnchor + " --audit-head " + noted; code != 1 || !strings.Contains(stderr, want) {
				t.Errorf("rewrite past the logged heads, head noted: exit %d, stderr %q; want 1 and %q", code, stderr, want)
			}

			// Entry 4 rewritten: the head logged at entry 5 no longer
			// matches, and verify names it.
			rewriteAudit(t, db, 4)
			code, out, stderr = runCmd(t, env(), "verify", "--database", d.DSN)
			if want := "audit log rewritten at or before entry 5: " + audit.ReasonAnchor + " the transparency log (audit:5)"; code != 1 || !strings.Contains(stderr, want) {
				t.Errorf("rewrite before a logged head: exit %d, stderr %q; want 1 and %q", code, stderr, want)
			}
			if strings.Contains(out, "audit log verified") || !strings.Contains(out, "ledger verified") {
				t.Errorf("rewrite before a logged head: stdout %q", out)
			}

			if code, _, stderr = runCmd(t, env(), "verify", "--database", d.DSN, "--audit-head", "12:abc"); code != 2 || !strings.Contains(stderr, "SEQ:HASH") {
				t.Errorf("a malformed --audit-head: exit %d, %q", code, stderr)
			}
		})
	}
}

// rewriteAudit changes entry seq's object as an insider would, recomputing
// its hash, every later entry's links and hashes, and the head, so that
// the chain is sound in itself. The triggers guarding the log must be gone.
func rewriteAudit(t *testing.T, db *store.DB, seq int64) {
	t.Helper()
	ctx := context.Background()
	err := db.Write(ctx, func(tx *store.Tx) error {
		var es []audit.Entry
		err := store.Each(ctx, tx, func(rows *sql.Rows) error {
			var e audit.Entry
			var at int64
			if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Object, &e.Result, &e.Source, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
				return err
			}
			e.At = time.UnixMicro(at).UTC()
			es = append(es, e)
			return nil
		}, `SELECT seq, at, actor, action, object, result, source, detail, prev_hash, hash
			FROM audit_log WHERE seq >= $1 ORDER BY seq`, seq)
		if err != nil {
			return err
		}
		prev := es[0].PrevHash
		for i, e := range es {
			if i == 0 {
				e.Object = "user:999"
			}
			e.PrevHash = prev
			e.Hash = audit.HashEntry(e)
			prev = e.Hash
			if _, err := tx.ExecContext(ctx, "UPDATE audit_log SET object = $1, prev_hash = $2, hash = $3 WHERE seq = $4",
				e.Object, e.PrevHash, e.Hash, e.Seq); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, "UPDATE audit_head SET hash = $1 WHERE id = 1", prev)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
