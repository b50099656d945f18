package bench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	donations "github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/refund"
	"github.com/carefund/carefund/internal/store"
)

// RefundOptions is what `carefund bench refund` runs.
type RefundOptions struct {
	// Donors is how many donations the request receives, one per donor.
	Donors int
	// Send, when set, sends every decided refund to the sandbox provider at
	// Rate calls a second, printing the progress to Progress every second.
	Send     bool
	Rate     float64
	Progress io.Writer
	// Workers and Chunk are the refund service's Options (0: its defaults).
	Workers, Chunk int
}

// RefundResult is what `carefund bench refund` measured. JSON field names
// are the ones docs/performance.md shows.
type RefundResult struct {
	Database string `json:"database"`
	Donors   int    `json:"donors"`
	// Raised is what the donors gave; PaidOut what left the request
	// before the run; Amount what the run gives back, pro rata.
	Raised  money.Fen `json:"raised_fen"`
	PaidOut money.Fen `json:"paid_out_fen"`
	Amount  money.Fen `json:"run_amount_fen"`
	Refunds int64     `json:"refunds"`
	// SeedSeconds is the time to write the orders, post the donations'
	// entries and write the donation rows (not part of the target).
	SeedSeconds float64 `json:"seed_s"`
	// SplitMillis is the pro-rata split alone (refund.Split over the
	// donations, in memory); PlanMillis the run's plan as StartRun writes
	// it: the donations read, split, and one refund row per donation
	// committed (measured up to the first refund entry's transaction).
	SplitMillis float64 `json:"split_ms"`
	PlanMillis  float64 `json:"plan_ms"`
	// LedgerSeconds is StartRun from call to return: the plan and every
	// refund's entry request:R → payable:refund:<run> posted, the run
	// marked ledgered.
	LedgerSeconds float64 `json:"ledger_s"`
	EntriesPerSec float64 `json:"entries_per_sec"`
	PeakHeapMB    float64 `json:"peak_heap_inuse_mb"`
	BaseHeapMB    float64 `json:"heap_inuse_before_mb"`
	SumsEqual     bool    `json:"sums_equal_ledger"`
	// LedgerVerified: the ledger's, the donations' and the refunds'
	// verifications (carefund verify) found nothing.
	LedgerVerified bool `json:"verified"`
	// The provider calls, with Send.
	SendSeconds float64 `json:"send_s,omitempty"`
	CallsPerSec float64 `json:"calls_per_sec,omitempty"`
	Succeeded   int64   `json:"succeeded,omitempty"`
	Retrying    int64   `json:"retrying,omitempty"`
	Processing  int64   `json:"processing,omitempty"`
}

// refundAmount is donor i's gift, in fen: from ¥0.01 to about ¥2,000,
// with many small and a few large gifts, and 1-fen gifts among them, so
// that the split has remainders to place.
func refundAmount(i int) money.Fen {
	switch {
	case i%97 == 0:
		return 1
	case i%10 == 0:
		return money.Fen(100_00 + (i*7919)%200_000)
	}
	return money.Fen(1_00 + (i*104729)%50_00)
}

// Refund seeds a fundraising request with opts.Donors donations (the
// orders, their ledger entries through the ledger's writer and the
// donation rows, in bulk), pays out part of it, then starts a
// purpose-ended run through the refund service's StartRun and times it:
// the plan (the pro-rata split over every donation and its rows) and
// every donor's refund entry. It checks that the refunds sum to the run,
// the ledger agrees, and the ledger verifies. With opts.Send it then sends
// every refund to the sandbox provider at opts.Rate calls a second through
// Dispatch and Poll, printing the progress every second. db must be a
// fresh scratch database, or one a run of Refund left (kept): then it
// only finishes that run's ledgering and, with opts.Send, its sending.
func Refund(ctx context.Context, db *store.DB, opts RefundOptions) (RefundResult, error) {
	if opts.Donors < 1 {
		return RefundResult{}, fmt.Errorf("a refund benchmark needs at least one donor, not %d", opts.Donors)
	}
	if opts.Rate <= 0 {
		opts.Rate = 100
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	// Fixed keys, so that a kept database opens again (--keep): nothing
	// in a benchmark's database is secret.
	keys := &keyring.Keys{}
	copy(keys.Master[:], "carefund bench refund master key")
	copy(keys.Index[:], "carefund bench refund index key.")
	copy(keys.Session[:], "carefund bench refund session ke")
	sandboxKey := []byte("carefund bench refund sandbox ke")
	book := refund.SandboxBook{DB: db}
	sb := payment.NewSandbox(payment.SandboxConfig{Key: sandboxKey, Merchant: "sandbox", ManualDelivery: true, RefundBook: book})
	defer sb.Close()
	p, err := platform.New(ctx, platform.Config{DB: db, Logger: slog.New(slog.DiscardHandler), Keys: keys,
		Payments: []payment.Provider{sb}, Merchants: map[string]string{"sandbox": "sandbox"}})
	if err != nil {
		return RefundResult{}, err
	}
	defer p.Close()
	res := RefundResult{Database: string(db.Dialect()), Donors: opts.Donors}
	svc := &refund.Service{DB: db, Ledger: p.Ledger, Providers: map[string]payment.Provider{"sandbox": sb},
		Options: refund.Options{RatePerSecond: opts.Rate, Workers: opts.Workers, Chunk: opts.Chunk, PollAfter: time.Second}}
	if run, ok, err := benchRun(ctx, db); err != nil || ok {
		if err != nil {
			return res, err
		}
		// A kept database: the run again by its key (StartRun finishes
		// its ledgering if that was interrupted), then the sending goes
		// on where it stopped.
		fmt.Fprintf(opts.Progress, "resuming run %d of request %d\n", run.ID, run.RequestID)
		if run, err = svc.StartRun(ctx, benchRunInput(run.RequestID)); err != nil {
			return res, err
		}
		res.Amount, res.Refunds, res.Donors = run.Amount, run.Refunds, 0
		if !opts.Send {
			return res, nil
		}
		if res, err = sendRefunds(ctx, sb, svc, run, opts, res); err != nil {
			return res, err
		}
		if _, err := ledger.Verify(ctx, db); err != nil {
			return res, err
		}
		_, err = refund.Verify(ctx, db)
		res.LedgerVerified = err == nil
		return res, err
	}
	request, _, err := openRequest(ctx, p)
	if err != nil {
		return res, err
	}

	seedStart := time.Now()
	if res.Raised, err = seedDonations(ctx, db, p.Ledger, request, opts.Donors); err != nil {
		return res, fmt.Errorf("seeding: %w", err)
	}
	// A payout approved before the run (30 %), so that the run gives back
	// less than was given and the split has remainders.
	res.PaidOut = res.Raised * 3 / 10
	if _, err := p.Ledger.Post(ctx, ledger.Transfer("bench:payout", "payout_approved", refund.RequestAccount(request),
		"payable:payout:bench", res.PaidOut)); err != nil {
		return res, err
	}
	res.SeedSeconds = round(time.Since(seedStart).Seconds())

	// The split alone, on the shares as the plan reads them.
	var shares []refund.Share
	if err := db.Read(ctx, func(tx *store.Tx) error {
		return store.Each(ctx, tx, func(rows *sql.Rows) error {
			var s refund.Share
			var gave int64
			if err := rows.Scan(&s.ID, &gave); err != nil {
				return err
			}
			s.Gave = money.Fen(gave)
			shares = append(shares, s)
			return nil
		}, "SELECT id, amount_fen FROM donations WHERE request_id = $1 ORDER BY id", request)
	}); err != nil {
		return res, err
	}
	splitStart := time.Now()
	if _, err := refund.Split(res.Raised-res.PaidOut, shares); err != nil {
		return res, err
	}
	res.SplitMillis = round(float64(time.Since(splitStart).Microseconds()) / 1000)
	shares = nil

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res.BaseHeapMB = mb(ms.HeapInuse)
	stopHeap, peak := sampleHeap()
	start := time.Now()
	run, err := svc.StartRun(ctx, benchRunInput(request))
	elapsed := time.Since(start)
	stopHeap()
	if err != nil {
		return res, err
	}
	res.PeakHeapMB = mb(peak())
	res.Amount, res.Refunds = run.Amount, run.Refunds
	res.LedgerSeconds = round(elapsed.Seconds())
	res.EntriesPerSec = round(float64(run.Refunds) / elapsed.Seconds())
	var firstEntry int64
	if err := db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT MIN(e.created_at) FROM ledger_entries e WHERE e.kind = 'refund'`).Scan(&firstEntry)
	}); err != nil {
		return res, err
	}
	res.PlanMillis = round(float64(time.UnixMicro(firstEntry).Sub(start).Microseconds()) / 1000)

	if err := checkRefundRun(ctx, db, p.Ledger, request, run, res.Raised-res.PaidOut); err != nil {
		return res, err
	}
	res.SumsEqual = true
	if _, err := ledger.Verify(ctx, db); err != nil {
		return res, err
	}
	if _, err := donations.Verify(ctx, db); err != nil {
		return res, err
	}
	if _, err := refund.Verify(ctx, db); err != nil {
		return res, err
	}
	res.LedgerVerified = true
	if !opts.Send {
		return res, nil
	}
	if res, err = sendRefunds(ctx, sb, svc, run, opts, res); err != nil {
		return res, err
	}
	if _, err := ledger.Verify(ctx, db); err != nil {
		return res, err
	}
	_, err = refund.Verify(ctx, db)
	return res, err
}

// benchRunKey is the key of the benchmark's run.
const benchRunKey = "bench:refund"

func benchRunInput(request int64) refund.RunInput {
	return refund.RunInput{RequestID: request, Cause: refund.CausePurposeEnded, Reason: "bench", Actor: "staff:bench",
		Key: benchRunKey}
}

// benchRun returns the benchmark's run if the database holds it (kept).
func benchRun(ctx context.Context, db *store.DB) (refund.Run, bool, error) {
	var id int64
	err := db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM refund_runs WHERE idem_key = $1", benchRunKey).Scan(&id)
	})
	if err != nil || id == 0 {
		return refund.Run{}, false, err
	}
	svc := &refund.Service{DB: db}
	r, err := svc.Run(ctx, id)
	return r, err == nil, err
}

// seedDonations writes n paid orders and their donations to request: the
// orders in multi-row statements, each donation's ledger entry (psp:sandbox
// → request:R, under the donation service's key) through the ledger's
// writer from many goroutines, then the donation rows and the request's
// totals in one statement each. It returns what was given.
func seedDonations(ctx context.Context, db *store.DB, l *ledger.Ledger, request int64, n int) (money.Fen, error) {
	const chunk = 5000
	var raised money.Fen
	entries := make([]ledger.Entry, 0, n)
	for from := 0; from < n; from += chunk {
		var b strings.Builder
		b.WriteString(`INSERT INTO donation_orders (order_no, request_id, amount_fen, anonymous, message_flagged, provider,
			client_token, state, created_at, expires_at, paid_at) VALUES `)
		now := time.Now().UnixMicro()
		for i := from; i < min(n, from+chunk); i++ {
			if i > from {
				b.WriteByte(',')
			}
			a := refundAmount(i)
			raised += a
			no := benchOrderNo(i)
			fmt.Fprintf(&b, "('%s', %d, %d, 1, 0, 'sandbox', '%s', 'paid', %d, %d, %d)", no, request, a, no, now, now, now)
			entries = append(entries, ledger.Transfer(donations.LedgerKey("sandbox", "T"+no), "donation", "psp:sandbox",
				refund.RequestAccount(request), a))
		}
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, b.String())
			return err
		}); err != nil {
			return 0, err
		}
	}
	if err := postAll(ctx, l, entries); err != nil {
		return 0, err
	}
	err := db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO donations (order_id, request_id, amount_fen, entry_id, provider,
			transaction_id, anonymous, message_flagged, after_close, paid_at, created_at)
			SELECT o.id, o.request_id, o.amount_fen, e.id, 'sandbox', 'T' || o.order_no, 1, 0, 0, o.paid_at, o.paid_at
			FROM donation_orders o JOIN ledger_entries e ON e.idem_key = 'donation:sandbox:T' || o.order_no
			WHERE o.request_id = $1 ORDER BY o.id`, request); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO request_totals (request_id, raised_fen, donations) VALUES ($1, $2, $3)
			ON CONFLICT (request_id) DO UPDATE SET raised_fen = request_totals.raised_fen + excluded.raised_fen,
			donations = request_totals.donations + excluded.donations`, request, int64(raised), n)
		return err
	})
	return raised, err
}

// benchOrderNo is donor i's order number: 24 characters.
func benchOrderNo(i int) string { return fmt.Sprintf("RB%022d", i) }

// checkRefundRun checks a ledgered run against the ledger: one refund row
// per donation, none above its donation, the rows summing to the run's
// amount, which is want; one refund entry per row with its amount; the
// run's payable holding the run; the request holding the rest.
func checkRefundRun(ctx context.Context, db *store.DB, l *ledger.Ledger, request int64, run refund.Run, want money.Fen) error {
	if run.State != refund.RunLedgered || run.Amount != want {
		return fmt.Errorf("run %d is %s with %s, want ledgered with %s", run.ID, run.State, run.Amount, want)
	}
	var rows, sum, entries, entrySum, over, donations int64
	err := db.Read(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(amount_fen), 0),
			COALESCE(SUM(CASE WHEN amount_fen > total_fen THEN 1 ELSE 0 END), 0) FROM refunds WHERE run_id = $1`, run.ID).
			Scan(&rows, &sum, &over); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM donations WHERE request_id = $1`, request).Scan(&donations); err != nil {
			return err
		}
		key := "'refund:' || r.id"
		if tx.Dialect == store.Postgres {
			key = "'refund:' || r.id::text"
		}
		return tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(p.amount), 0) FROM refunds r
			JOIN ledger_entries e ON e.idem_key = `+key+` AND e.kind = 'refund'
			JOIN ledger_postings p ON p.entry_id = e.id AND p.amount > 0
			WHERE r.run_id = $1`, run.ID).Scan(&entries, &entrySum)
	})
	if err != nil {
		return err
	}
	payable, err := l.Balance(ctx, refund.PayableAccount(run.ID))
	if err != nil {
		return err
	}
	switch {
	case rows != run.Refunds || rows > donations:
		return fmt.Errorf("run %d has %d refund rows for %d donations, says %d", run.ID, rows, donations, run.Refunds)
	case over != 0:
		return fmt.Errorf("run %d: %d refunds above their donation", run.ID, over)
	case money.Fen(sum) != want:
		return fmt.Errorf("run %d: refunds sum to %d fen, want %s", run.ID, sum, want)
	case entries != rows || money.Fen(entrySum) != want:
		return fmt.Errorf("run %d: %d refund entries summing to %d fen, for %d refunds of %s", run.ID, entries, entrySum, rows, want)
	case payable != want:
		return fmt.Errorf("run %d: %s holds %s, want %s", run.ID, refund.PayableAccount(run.ID), payable, want)
	}
	return nil
}

// sendRefunds sends a ledgered run's refunds to the sandbox at opts.Rate
// through Dispatch and Poll, as the refund jobs do, printing
// "sent done/total" every second, until nothing is due now (what the
// sandbox closed or could not pay waits for its next attempt, hours away).
func sendRefunds(ctx context.Context, sb *payment.Sandbox, svc *refund.Service, run refund.Run, opts RefundOptions, res RefundResult) (RefundResult, error) {
	start := time.Now()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				r, err := svc.Run(ctx, run.ID)
				if err == nil {
					fmt.Fprintf(opts.Progress, "sent %d/%d, paid back %d, processing %d, to retry %d (%.0f s)\n",
						r.Progress.Sent.N, r.Progress.Planned.N, r.Progress.Succeeded.N, r.Progress.Processing.N,
						r.Progress.Retrying.N, time.Since(start).Seconds())
				}
			}
		}
	})
	batch := max(1, int(opts.Rate)*5)
	var err error
	var calls atomic.Int64
	for round := 0; ctx.Err() == nil; round++ {
		// The provider pays refunds from its balance; in production the
		// fund-refunds job tops it up through the custody bank. The
		// benchmark funds the sandbox directly with what is due.
		if err = svc.FundSandbox(ctx, sb, fmt.Sprintf("CFRTB%dR%d", time.Now().UnixNano()%1_000_000_000, round)); err != nil {
			break
		}
		var d refund.DispatchResult
		if d, err = svc.Dispatch(ctx, batch); err != nil {
			break
		}
		var polled int
		if d.Sent == 0 {
			// Only the sandbox's …09 refunds are left processing; ask
			// once their poll time has come.
			if polled, err = svc.Poll(ctx, batch); err != nil {
				break
			}
		}
		calls.Add(int64(d.Sent + polled))
		if d.Sent == 0 && polled == 0 {
			r, rerr := svc.Run(ctx, run.ID)
			if rerr != nil {
				err = rerr
				break
			}
			if r.Progress.Processing.N == 0 {
				break
			}
			// Wait for the poll time of what is processing: bounded by
			// Options.PollAfter, one second.
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	close(done)
	wg.Wait()
	if err == nil {
		err = ctx.Err()
	}
	elapsed := time.Since(start)
	res.SendSeconds = round(elapsed.Seconds())
	res.CallsPerSec = round(float64(calls.Load()) / elapsed.Seconds())
	r, rerr := svc.Run(context.WithoutCancel(ctx), run.ID)
	if rerr != nil {
		return res, rerr
	}
	res.Succeeded, res.Retrying, res.Processing = r.Progress.Succeeded.N, r.Progress.Retrying.N, r.Progress.Processing.N
	fmt.Fprintf(opts.Progress, "sent %d/%d, paid back %d, processing %d, to retry %d (%.0f s)\n", r.Progress.Sent.N,
		r.Progress.Planned.N, r.Progress.Succeeded.N, r.Progress.Processing.N, r.Progress.Retrying.N, elapsed.Seconds())
	return res, err
}

// sampleHeap samples the heap in use every 5 ms until stop; peak returns
// the highest.
func sampleHeap() (stop func(), peak func() uint64) {
	var top atomic.Uint64
	quit := make(chan struct{})
	var wg sync.WaitGroup
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if ms.HeapInuse > top.Load() {
			top.Store(ms.HeapInuse)
		}
	}
	wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				sample()
			}
		}
	})
	return func() { close(quit); wg.Wait(); sample() }, top.Load
}

func mb(b uint64) float64 { return round(float64(b) / (1 << 20)) }
