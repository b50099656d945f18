package logcheck_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/carefund/carefund/internal/logcheck"
	"github.com/carefund/carefund/internal/logcheck/logchecktest"
	"github.com/carefund/carefund/internal/translog"
)

// BenchmarkVerify audits logs of donations to a thousand requests, the
// issue's target being a 1,000,000-entry log in 30 s on two cores:
// go test -run XXX -bench Verify/1000000 -benchtime 1x -cpu 2 ./internal/logcheck/
func BenchmarkVerify(b *testing.B) {
	for _, size := range []int64{10_000, 1_000_000} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			l := logchecktest.New()
			defer l.Close()
			tally := logcheck.NewTally()
			batch := make([][]byte, 0, 4096)
			for i := int64(1); i <= size; i++ {
				req := fmt.Sprintf("request:%d", 1+i%1000)
				led := &translog.Ledger{Entry: i, Kind: "donation", Postings: move("psp:wechat", req, 100+i%5000),
					Commitment: translog.Commit([]byte("salt"), fmt.Sprint(i))}
				tally.Add(led)
				batch = append(batch, record(b, translog.Record{Type: translog.TypeLedger, Source: translog.LedgerSource(i), Ledger: led}))
				if len(batch) == cap(batch) || i == size {
					l.Append(batch...)
					batch = batch[:0]
				}
			}
			figures, _ := tally.Figures()
			for id, m := range figures {
				l.SetPage(id, m)
			}
			b.ResetTimer()
			for b.Loop() {
				res, err := logcheck.Verify(context.Background(), logcheck.Options{URL: l.URL(), Key: l.VKey, HTTP: l.Client()})
				if err != nil || res.Size != size || res.Requests != 1000 {
					b.Fatalf("Verify: %v, %+v", err, res.Problems)
				}
			}
		})
	}
}
