package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/audit"
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
