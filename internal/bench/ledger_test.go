package bench

import (
	"context"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/store/storetest"
)

// TestLedgerWorkload runs both cases briefly on each database, to keep the
// benchmark itself working; the figures come from `carefund bench ledger`.
func TestLedgerWorkload(t *testing.T) {
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) {
			db := storetest.Open(t, d.DSN)
			for _, c := range []LedgerCase{{"hot", 1}, {"spread", 300}} {
				r, err := Ledger(context.Background(), db, c, 8, 200*time.Millisecond, 0)
				if err != nil {
					t.Fatal(err)
				}
				if r.Entries == 0 || r.EntriesPerSec <= 0 || r.OneSyncPerSec <= 0 || r.P99ms < r.P50ms {
					t.Errorf("%s: %+v", c.Name, r)
				}
			}
		})
	}
}

func BenchmarkLedgerHot(b *testing.B) {
	db := storetest.Open(b, storetest.SQLiteDSN(b))
	for b.Loop() {
		if _, err := Ledger(context.Background(), db, LedgerCase{"hot", 1}, 64, 3*time.Second, 0); err != nil {
			b.Fatal(err)
		}
	}
}
