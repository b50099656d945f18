// Package bench holds the workloads behind `carefund bench`: they drive the
// real code against a real database and report what they measured.
package bench

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

// LedgerCase is one ledger workload.
type LedgerCase struct {
	Name     string
	Requests int // donations go to this many request accounts, round robin
}

// LedgerCases are the two shapes a donation rush takes: everybody giving to
// one viral request, and everybody giving to their own.
var LedgerCases = []LedgerCase{{"hot", 1}, {"spread", 10000}}

// DefaultMaxWait is the ledger's default MaxWait.
var DefaultMaxWait = ledger.Options{}.MaxWait

// LedgerResult is what one case measured. JSON field names are the ones the
// benchmark report documents.
type LedgerResult struct {
	Case            string  `json:"case"`
	Database        string  `json:"database"`
	Concurrency     int     `json:"concurrency"`
	DurationSeconds float64 `json:"duration_s"`
	Entries         int64   `json:"entries"`
	EntriesPerSec   float64 `json:"entries_per_sec"`
	P50ms           float64 `json:"p50_ms"`
	P99ms           float64 `json:"p99_ms"`
	// OneSyncPerSec is the same workload with batching off: one transaction,
	// one sync, per entry.
	OneSyncPerSec float64 `json:"one_sync_per_entry_per_sec"`
	OneSyncP99ms  float64 `json:"one_sync_p99_ms"`
	Speedup       float64 `json:"speedup"`
	MeanBatch     float64 `json:"mean_batch"`
}

// run is one timed run of a case.
type run struct {
	entries   int64
	elapsed   time.Duration
	latencies []time.Duration
}

// Ledger runs a case twice, group commit on and off, each for d with n
// concurrent writers posting donation-shaped entries, and reports both.
func Ledger(ctx context.Context, db *store.DB, c LedgerCase, n int, d, maxWait time.Duration) (LedgerResult, error) {
	if err := warm(ctx, db, c); err != nil {
		return LedgerResult{}, err
	}
	batched, batches, err := timed(ctx, db, c, n, d, ledger.Options{MaxWait: maxWait})
	if err != nil {
		return LedgerResult{}, err
	}
	single, _, err := timed(ctx, db, c, n, d, ledger.Options{MaxBatch: 1})
	if err != nil {
		return LedgerResult{}, err
	}
	r := LedgerResult{
		Case: c.Name, Database: string(db.Dialect()), Concurrency: n, DurationSeconds: d.Seconds(),
		Entries:       batched.entries,
		EntriesPerSec: rate(batched),
		P50ms:         percentile(batched.latencies, 0.50),
		P99ms:         percentile(batched.latencies, 0.99),
		OneSyncPerSec: rate(single),
		OneSyncP99ms:  percentile(single.latencies, 0.99),
	}
	if r.OneSyncPerSec > 0 {
		r.Speedup = round(r.EntriesPerSec / r.OneSyncPerSec)
	}
	if batches > 0 {
		r.MeanBatch = round(float64(batched.entries) / float64(batches))
	}
	return r, nil
}

// warm opens the case's accounts before timing, so that the figures are of
// posting, not of opening 10,000 accounts.
func warm(ctx context.Context, db *store.DB, c LedgerCase) error {
	l := ledger.New(db, ledger.Options{})
	defer l.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	sem := make(chan struct{}, 64)
	for i := range c.Requests {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			e := donation(fmt.Sprintf("warm-%s-%d", c.Name, i), c, i)
			if _, err := l.Post(ctx, e); err != nil {
				select {
				case errs <- err:
				default:
				}
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

var runs atomic.Int64

func donation(key string, c LedgerCase, i int) ledger.Entry {
	return ledger.Transfer(key, "donation", "psp:bench", fmt.Sprintf("request:bench-%s-%d", c.Name, i%c.Requests), money.Fen(100+i%5000))
}

func timed(ctx context.Context, db *store.DB, c LedgerCase, n int, d time.Duration, opts ledger.Options) (run, int64, error) {
	l := ledger.New(db, opts)
	defer l.Close()
	id := runs.Add(1)
	deadline := time.Now().Add(d)
	var seq atomic.Int64
	lat := make([][]time.Duration, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range n {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				i := int(seq.Add(1))
				e := donation(fmt.Sprintf("bench-%d-%d", id, i), c, i)
				t0 := time.Now()
				if _, err := l.Post(ctx, e); err != nil {
					errs[w] = err
					return
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		})
	}
	wg.Wait()
	r := run{elapsed: time.Since(start)}
	for w := range n {
		if errs[w] != nil {
			return r, 0, errs[w]
		}
		r.latencies = append(r.latencies, lat[w]...)
		r.entries += int64(len(lat[w]))
	}
	return r, l.Batches(), ctx.Err()
}

func rate(r run) float64 { return round(float64(r.entries) / r.elapsed.Seconds()) }

func percentile(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return round(float64(ds[int(p*float64(len(ds)-1))].Microseconds()) / 1000)
}

func round(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }
