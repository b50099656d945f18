package jobs

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/refund"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// countSender counts what it sends.
type countSender struct {
	mu sync.Mutex
	n  int
}

func (c *countSender) Send(context.Context, string, string) error {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return nil
}

var _ account.Sender = (*countSender)(nil)

// BenchmarkRefundNotices30k times telling a scandal's donors: a run of
// 30,000 refunds (CAREFUND_BENCH_DONORS), all paid back, and the
// refund-notices job run until every donor was told once: the first run's
// search for refunds not yet told, and the runs that claim, unseal and
// send.
func BenchmarkRefundNotices30k(b *testing.B) {
	n := 30000
	if v, err := strconv.Atoi(os.Getenv("CAREFUND_BENCH_DONORS")); err == nil && v > 0 {
		n = v
	}
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
			box := &countSender{}
			p, err := platform.New(ctx, platform.Config{DB: db, Keys: crashKeys(), SMS: box})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			donor := userWithPhone(b, p, "13900139300")
			req := fundraising(b, p, campaigntest.PatientID)
			ids := make([]int64, n)
			var wg sync.WaitGroup
			sem := make(chan struct{}, 256)
			for i := range n {
				wg.Add(1)
				sem <- struct{}{}
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					e, err := p.Ledger.Post(ctx, ledger.Transfer(fmt.Sprintf("bench:%d", i), "donation", "psp:sandbox",
						refund.RequestAccount(req), money.Fen(1000+i%977)))
					if err != nil {
						b.Error(err)
					}
					ids[i] = e.ID
				}()
			}
			wg.Wait()
			if err := db.Write(ctx, func(tx *store.Tx) error {
				for i := range n {
					var oid int64
					if err := tx.QueryRowContext(ctx, `INSERT INTO donation_orders (order_no, request_id, amount_fen, donor_user_id,
						anonymous, message_flagged, provider, client_token, state, created_at, expires_at, paid_at)
						VALUES ($1, $2, $3, $4, 0, 0, 'sandbox', $1, 'paid', 0, 0, 0) RETURNING id`,
						fmt.Sprintf("bench%019d", i), req, 1000+int64(i%977), donor).Scan(&oid); err != nil {
						return err
					}
					if _, err := tx.ExecContext(ctx, `INSERT INTO donations (order_id, request_id, amount_fen, entry_id, provider,
						transaction_id, donor_user_id, anonymous, message_flagged, after_close, paid_at, created_at)
						VALUES ($1, $2, $3, $4, 'sandbox', $5, $6, 0, 0, 0, 0, 0)`,
						oid, req, 1000+int64(i%977), ids[i], fmt.Sprintf("tx%d", i), donor); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			if _, err := p.Refunds.StartRun(ctx, refund.RunInput{RequestID: req, Cause: refund.CauseTerminated,
				Actor: "system", Key: "bench"}); err != nil {
				b.Fatal(err)
			}
			// Paid back, as the provider's answers would record it.
			if err := db.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, `UPDATE refunds SET state = 'succeeded', settled_at = $1`, tx.Now.UnixMicro())
				return err
			}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			runs := 0
			var first time.Duration
			for box.n < n && runs < n/noticesSent+5 {
				t := time.Now()
				if _, err := RefundNotices(ctx, p); err != nil {
					b.Fatal(err)
				}
				if runs == 0 {
					first = time.Since(t)
				}
				runs++
			}
			if box.n != n {
				b.Fatalf("told %d of %d donors in %d runs", box.n, n, runs)
			}
			b.ReportMetric(time.Since(start).Seconds(), "s/all")
			b.ReportMetric(first.Seconds(), "s/first-run")
			b.ReportMetric(float64(runs), "runs")
		})
	}
}
