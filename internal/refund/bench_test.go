package refund

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// BenchmarkStartRun30k times a scandal-sized run: 30,000 donors planned
// and every refund entry ledgered (the target: ≤ 3 s).
func BenchmarkStartRun30k(b *testing.B) {
	for _, d := range storetest.Databases(b) {
		b.Run(d.Name, func(b *testing.B) {
			ctx := context.Background()
			db, err := store.Open(ctx, d.DSN)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			f := newFixture(b, db)
			f.s.Options = Options{}
			u := f.user("donor")
			n := benchN()
			var wg sync.WaitGroup
			ids := make([]int64, n)
			sem := make(chan struct{}, 256)
			for i := range n {
				wg.Add(1)
				sem <- struct{}{}
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					p, err := f.l.Post(ctx, ledger.Transfer(fmt.Sprintf("bench:%d", i), "donation", "psp:sandbox", RequestAccount(f.req), money.Fen(1000+i%977)))
					if err != nil {
						b.Error(err)
					}
					ids[i] = p.ID
				}()
			}
			wg.Wait()
			err = db.Write(ctx, func(tx *store.Tx) error {
				for i := range n {
					var oid int64
					if err := tx.QueryRowContext(ctx, `INSERT INTO donation_orders (order_no, request_id, amount_fen, donor_user_id,
						anonymous, message_flagged, provider, client_token, state, created_at, expires_at, paid_at)
						VALUES ($1, $2, $3, $4, 0, 0, 'sandbox', $1, 'paid', 0, 0, 0) RETURNING id`,
						fmt.Sprintf("bench%019d", i), f.req, 1000+int64(i%977), u).Scan(&oid); err != nil {
						return err
					}
					if _, err := tx.ExecContext(ctx, `INSERT INTO donations (order_id, request_id, amount_fen, entry_id, provider,
						transaction_id, donor_user_id, anonymous, message_flagged, after_close, paid_at, created_at)
						VALUES ($1, $2, $3, $4, 'sandbox', $5, $6, 0, 0, 0, 0, 0)`,
						oid, f.req, 1000+int64(i%977), ids[i], fmt.Sprintf("tx%d", i), u); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("setup done: %d donations", n)
			f.close(campaign.PurposeAchieved)
			b.ResetTimer()
			start := time.Now()
			in := RunInput{RequestID: f.req, Cause: CausePurposeEnded, Actor: "system", Key: "bench"}
			plan, post := phases(b, f, in)
			b.Logf("plan %s, ledger %s, ledger batches %d", plan, post, f.l.Batches())
			run, err := f.s.StartRun(ctx, in)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(time.Since(start).Seconds(), "s/run")
			if run.State != RunLedgered || run.Refunds != int64(n) {
				b.Fatalf("%+v", run)
			}
		})
	}
}

// benchN is the donors of the benchmark: CAREFUND_BENCH_DONORS, or 30,000.
func benchN() int {
	if v, err := strconv.Atoi(os.Getenv("CAREFUND_BENCH_DONORS")); err == nil && v > 0 {
		return v
	}
	return 30000
}
