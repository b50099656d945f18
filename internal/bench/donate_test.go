package bench

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestDonateWorkload (R-DON-1) runs the donation workload briefly on each
// database, to keep the benchmark working and honest: it must count
// donations, and what it counted must be exactly what the request's totals,
// the ledger and donation.Verify say. The figures come from
// `carefund bench donate`; nothing here asserts a speed.
func TestDonateWorkload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r, err := Donate(context.Background(), db, DonateOptions{Concurrency: 16, Duration: time.Second,
			Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		if r.Donations == 0 || r.DonationsPerSec <= 0 || r.P99ms < r.P50ms || r.MeanBatch <= 0 {
			t.Errorf("%+v", r)
		}
		if !r.Verify {
			t.Errorf("verify failed: %s", r.VerifyError)
		}
	})
}

// TestDonateVerifyCatchesAMissingDonation checks that verify can fail: a
// donation the donors were told about but the request does not have.
func TestDonateVerifyCatchesAMissingDonation(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	ctx := context.Background()
	rg, err := newRig(ctx, db, 4, 0, slog.New(slog.DiscardHandler), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rg.close()
	got, err := rg.drive(ctx, 4, 0, "t")
	if err != nil {
		t.Fatal(err)
	}
	if err := rg.verify(ctx, got.count, got.raised); err != nil {
		t.Fatalf("verify of what was given: %v", err)
	}
	if err := rg.verify(ctx, got.count+1, got.raised+100); err == nil {
		t.Error("verify passed with a donation more than the request has")
	}
	if err := rg.verify(ctx, got.count, got.raised-1); err == nil {
		t.Error("verify passed with a fen less than the request has")
	}
}
