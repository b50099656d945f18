package refund

import (
	"context"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/store"
)

// phases times a run's plan and its ledgering apart (for the benchmark).
func phases(b testing.TB, f *fixture, in RunInput) (plan, post time.Duration) {
	ctx := context.Background()
	f.s.init()
	start := time.Now()
	var run Run
	if err := f.db.Write(ctx, func(tx *store.Tx) (err error) {
		run, _, err = f.s.plan(ctx, tx, in)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	plan = time.Since(start)
	start = time.Now()
	if err := f.s.ledgerRun(ctx, run.ID, run.RequestID); err != nil {
		b.Fatal(err)
	}
	return plan, time.Since(start)
}
