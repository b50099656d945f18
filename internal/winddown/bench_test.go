package winddown

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/refund"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// benchRequests and benchGifts size the wind-down the benchmark measures:
// requests raising money, each with gifts in the ledger.
const (
	benchRequests = 1000
	benchGifts    = 20
)

// BenchmarkWindDown measures, on SQLite, the approving transaction (close
// every channel, list every request with its holding) and a read of the
// progress with every row, on benchRequests fundraising requests holding
// benchRequests*benchGifts ledger entries. Run it with -benchtime 1x: it
// builds the platform once.
func BenchmarkWindDown(b *testing.B) {
	ctx := context.Background()
	db := storetest.Open(b, storetest.SQLiteDSN(b))
	f := newFixture(b, db)
	var ids []int64
	f.write(func(ctx context.Context, tx *store.Tx) error {
		ids = ids[:0]
		for range benchRequests {
			id, err := campaigntest.Fundraising(ctx, tx, f.cs, f.publisher, campaigntest.Filing(), 0)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	entries := make([]ledger.Entry, 0, benchRequests*benchGifts)
	for i, id := range ids {
		for g := range benchGifts {
			entries = append(entries, ledger.Transfer(fmt.Sprintf("bench:%d:%d", i, g), "donation", "psp:sandbox",
				refund.RequestAccount(id), money.Fen(100+g)))
		}
	}
	for _, e := range entries {
		if _, err := f.l.Post(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
	w, err := f.s.Propose(ctx, rec(f.adm1, "winddown.propose"), f.adm1, proposal())
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	if _, err := f.s.Decide(ctx, rec(f.adm2, "winddown.decide"), f.adm2, w.ID, true, ""); err != nil {
		b.Fatal(err)
	}
	approve := time.Since(start)
	start = time.Now()
	p, err := f.s.Progress(ctx, true)
	if err != nil {
		b.Fatal(err)
	}
	progress := time.Since(start)
	start = time.Now()
	if _, _, err := f.s.Banner(ctx); err != nil {
		b.Fatal(err)
	}
	banner := time.Since(start)
	b.StopTimer()
	if p.Requests != benchRequests || len(p.Rows) != benchRequests {
		b.Fatalf("%d requests, %d rows", p.Requests, len(p.Rows))
	}
	b.ReportMetric(float64(approve.Milliseconds()), "approve-ms")
	b.ReportMetric(float64(progress.Milliseconds()), "progress-ms")
	b.ReportMetric(float64(banner.Microseconds()), "banner-µs")
}
