package jobs

import (
	"context"
	"fmt"
	"testing"

	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/translog"
)

// TestIntegrateLog: the job's first run signs a checkpoint over what the
// platform logged as it started (the rules' texts); later runs put every
// ledger entry in a checkpoint, batch after batch until the outbox is
// empty (R-DISC-1).
func TestIntegrateLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := newPlatform(t, db, &clock{})
		first, err := IntegrateLog(ctx, p.Translog)
		if err != nil {
			t.Fatalf("first run: %d, %v", first, err)
		}
		if s, err := p.Translog.Served(ctx); err != nil || s == "" {
			t.Fatalf("no checkpoint after the first run: %v", err)
		}
		for i := range 25 {
			if _, err := p.Ledger.Post(ctx, ledger.Transfer(fmt.Sprint("k", i), "donation", "psp:sandbox", "request:1", 100)); err != nil {
				t.Fatal(err)
			}
		}
		small := translog.New(db, p.Translog.Signer(), translog.Options{Batch: 10})
		if n, err := IntegrateLog(ctx, small); err != nil || n != 25 {
			t.Fatalf("IntegrateLog = %d, %v; want 25", n, err)
		}
		s, err := p.Translog.Served(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, size, _, err := translog.OpenCheckpoint([]byte(s), p.Translog.Signer().Verifier())
		if err != nil || size != int64(first)+25 {
			t.Fatalf("checkpoint of %d entries, want %d: %v", size, first+25, err)
		}
	})
}

// TestPlatformRunsTheLog: the integrator is one of the platform's jobs.
func TestPlatformRunsTheLog(t *testing.T) {
	p := newPlatform(t, storetest.Open(t, storetest.SQLiteDSN(t)), &clock{})
	for _, j := range Platform(p, nil) {
		if j.Name == TranslogJob && j.Every == TranslogEvery {
			return
		}
	}
	t.Errorf("no %s job", TranslogJob)
}
