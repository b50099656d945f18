package jobs

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// R-STAFF-1 (issue 17): the platform runs the audit-anchor job within the
// minute, and a run logs the head only when it moved.
func TestAuditAnchorJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		i := slices.IndexFunc(Platform(newPlatform(t, db, &clock{}), nil), func(j Job) bool { return j.Name == AuditAnchorJob })
		if i < 0 || AuditAnchorEvery > time.Minute {
			t.Fatalf("the audit-anchor job is not among the platform's jobs, every minute or sooner (index %d, every %s)", i, AuditAnchorEvery)
		}
		var seq int64
		err := db.Write(ctx, func(tx *store.Tx) error {
			e, err := audit.Append(ctx, tx, audit.Record{Actor: "staff:1", Action: "pii.view", Object: "user:1", Result: audit.ResultOK})
			seq = e.Seq
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if head, logged, err := AnchorAudit(ctx, db); err != nil || !logged || head.Seq != seq {
			t.Fatalf("first run: %+v %v %v", head, logged, err)
		}
		if _, logged, err := AnchorAudit(ctx, db); err != nil || logged {
			t.Fatalf("second run, head unmoved: logged %v, %v", logged, err)
		}
		if s, err := audit.Verify(ctx, db); err != nil || s.Anchors != 1 {
			t.Errorf("Verify = %+v, %v", s, err)
		}
	})
}
