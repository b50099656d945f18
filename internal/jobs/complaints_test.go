package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/complaint"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestComplaintClocksJob (R-COMP-2): the platform's complaint-clocks job
// does nothing while the clocks run, escalates each clock once when it has
// run out, and nothing more when it runs again.
func TestComplaintClocksJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := &clock{}
		db.SetClock(c.now) // the complaint clocks run on the database's
		p := newPlatform(t, db, c)
		var job *Job
		for _, j := range Platform(p, nil) {
			if j.Name == ComplaintClocksJob {
				job = &j
			}
		}
		if job == nil || job.Every != time.Minute {
			t.Fatalf("no %s job every minute among the platform's jobs", ComplaintClocksJob)
		}
		r, err := p.Complaints.Submit(ctx, complaint.Input{Category: complaint.CategoryOther, Text: "无人处理", ContactPhone: "13812345678"},
			complaint.SubmitMeta{ClientKey: "k"})
		if err != nil {
			t.Fatal(err)
		}
		level := func() (n int, escalated bool) {
			t.Helper()
			var ack, handle *int64
			if err := db.Read(ctx, func(tx *store.Tx) error {
				return tx.QueryRowContext(ctx, "SELECT level, ack_escalated_at, handle_escalated_at FROM complaints WHERE number = $1", r.Number).Scan(&n, &ack, &handle)
			}); err != nil {
				t.Fatal(err)
			}
			return n, ack != nil && handle != nil
		}
		if err := job.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if n, _ := level(); n != 0 {
			t.Fatalf("level %d before any clock ran out", n)
		}
		c.advance(30 * 24 * time.Hour) // past both clocks, whatever the holidays
		for range 2 {
			if err := job.Run(ctx); err != nil {
				t.Fatal(err)
			}
			if n, both := level(); n != 2 || !both {
				t.Fatalf("level %d (both escalated %v), want 2: each clock once", n, both)
			}
		}
	})
}
