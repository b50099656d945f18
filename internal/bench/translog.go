package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/logcheck"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/translog"
)

// LogOptions configures the transparency log's workload.
type LogOptions struct {
	// Concurrency is how many donors give over HTTP meanwhile.
	Concurrency int
	// Duration is how long each part runs.
	Duration time.Duration
	// Appenders is how many writers add records to the outbox as fast as
	// they can, AppendBatch records a transaction, as the ledger's group
	// commit does.
	Appenders, AppendBatch int
	// AppendRate, when positive, paces the appenders to that many records
	// a second in all: a sustained load, under which the time to a
	// checkpoint is measured; 0 lets them add as fast as they can.
	AppendRate int
	// LedgerMaxWait is the server's LedgerMaxWait.
	LedgerMaxWait time.Duration
	Logger        *slog.Logger
	// AuditEntries, when more than the log holds after the run, fills the
	// log with ledger records up to that many entries and times `carefund
	// log verify` of all of it against the server; 0 skips the audit.
	AuditEntries int64
}

// LogResult is what the log's workload measured.
type LogResult struct {
	Database string `json:"database"`
	// Appended is the records added to the outbox (the appenders' and the
	// donations' ledger entries) during the run, Integrated those the
	// integrator put in the tree; Backlog is what was left pending at the
	// end: a sustained rate leaves none growing.
	Appended            int64   `json:"appended"`
	Integrated          int64   `json:"integrated"`
	IntegratedPerSec    float64 `json:"integrated_per_sec"`
	Backlog             int64   `json:"backlog"`
	DonationsDuringLog  int64   `json:"donations_during"`
	CheckpointP50ms     float64 `json:"to_checkpoint_p50_ms"`
	CheckpointP99ms     float64 `json:"to_checkpoint_p99_ms"`
	CheckpointMaxms     float64 `json:"to_checkpoint_max_ms"`
	Probes              int     `json:"probes"`
	InclusionCheckUs    float64 `json:"inclusion_check_us"`
	ProofVerifyUs       float64 `json:"proof_verify_us"`
	DonateOffPerSec     float64 `json:"donate_log_off_per_sec"`
	DonateOnPerSec      float64 `json:"donate_log_on_per_sec"`
	DonateOnOffRatio    float64 `json:"donate_on_off_ratio"`
	DonateOffP99ms      float64 `json:"donate_log_off_p99_ms"`
	DonateOnP99ms       float64 `json:"donate_log_on_p99_ms"`
	VerifyError         string  `json:"verify_error,omitempty"`
	IntegrateBatchLimit int     `json:"integrate_batch"`
	// AuditEntries is the size of the log the audit verified, in
	// AuditSeconds (logcheck.Verify over HTTP: every tile fetched, every
	// entry re-hashed and parsed, every request's figures against its
	// page), with AuditProblems found (none, for a sound log).
	AuditEntries  int64   `json:"audit_entries,omitempty"`
	AuditSeconds  float64 `json:"audit_seconds,omitempty"`
	AuditProblems int     `json:"audit_problems,omitempty"`
	AuditProblem  string  `json:"audit_problem,omitempty"` // the first
}

// integrating runs the log's integrator as the translog-integrate job
// does (every 200 ms, batch after batch while they come full) until the
// returned function is called; each run's count goes to added.
func integrating(ctx context.Context, l *translog.Log, added *atomic.Int64) func() {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			for {
				n, err := l.Integrate(ctx)
				if added != nil {
					added.Add(int64(n))
				}
				if err != nil || n < l.Batch() {
					break
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return func() { cancel(); <-done }
}

// Log measures the transparency log on db: records appended and
// integrated per second while donations run over HTTP, the time from an
// entry's commit to a checkpoint covering it, the time to check a proof,
// and the donation path with the log on and off.
func Log(ctx context.Context, db *store.DB, opts LogOptions) (LogResult, error) {
	if opts.Concurrency < 1 || opts.Duration <= 0 {
		return LogResult{}, errors.New("bench: concurrency and duration must be positive")
	}
	if opts.Appenders <= 0 {
		opts.Appenders = 4
	}
	if opts.AppendBatch <= 0 {
		opts.AppendBatch = 512
	}
	r := LogResult{Database: string(db.Dialect())}

	// The donation path, log off then on.
	off, err := Donate(ctx, db, DonateOptions{Concurrency: opts.Concurrency, Duration: opts.Duration, LedgerMaxWait: opts.LedgerMaxWait, Logger: opts.Logger, LogOff: true})
	if err != nil {
		return r, err
	}
	on, err := Donate(ctx, db, DonateOptions{Concurrency: opts.Concurrency, Duration: opts.Duration, LedgerMaxWait: opts.LedgerMaxWait, Logger: opts.Logger})
	if err != nil {
		return r, err
	}
	r.DonateOffPerSec, r.DonateOnPerSec = off.DonationsPerSec, on.DonationsPerSec
	r.DonateOffP99ms, r.DonateOnP99ms = off.P99ms, on.P99ms
	if off.DonationsPerSec > 0 {
		r.DonateOnOffRatio = round(on.DonationsPerSec / off.DonationsPerSec)
	}
	if !off.Verify || !on.Verify {
		r.VerifyError = off.VerifyError + on.VerifyError
	}

	// Appenders, donors, probes and the integrator at once.
	rg, err := newRigLog(ctx, db, opts.Concurrency, opts.LedgerMaxWait, opts.Logger, 0, false)
	if err != nil {
		return r, err
	}
	defer rg.close()
	l := rg.platform.Translog
	r.IntegrateBatchLimit = l.Batch()
	var integrated atomic.Int64
	stop := integrating(ctx, l, &integrated)
	defer stop()
	if _, err := rg.drive(ctx, opts.Concurrency, 0, "logwarm"); err != nil {
		return r, err
	}
	before, err := backlog(ctx, db)
	if err != nil {
		return r, err
	}
	integrated.Store(0)
	var appended atomic.Int64
	runCtx, cancel := context.WithTimeout(ctx, opts.Duration)
	defer cancel()
	var wg sync.WaitGroup
	var appendErr error
	var appendOnce sync.Once
	for w := range opts.Appenders {
		wg.Go(func() {
			// Each appender's share of the rate: a batch every period.
			var period time.Duration
			if opts.AppendRate > 0 {
				period = time.Duration(float64(time.Second) * float64(opts.AppendBatch*opts.Appenders) / float64(opts.AppendRate))
			}
			next := time.Now()
			for seq := 0; runCtx.Err() == nil; seq++ {
				if period > 0 {
					next = next.Add(period)
					select {
					case <-time.After(time.Until(next)):
					case <-runCtx.Done():
						return
					}
				}
				n, err := appendBatch(ctx, db, fmt.Sprintf("bench:%d:%d:", w, seq), opts.AppendBatch)
				if err != nil {
					appendOnce.Do(func() { appendErr = err })
					return
				}
				appended.Add(int64(n))
			}
		})
	}
	var latencies []time.Duration
	wg.Go(func() {
		for i := 0; runCtx.Err() == nil; i++ {
			d, err := probe(runCtx, rg, l, i)
			if err != nil {
				return
			}
			latencies = append(latencies, d)
		}
	})
	start := time.Now()
	donated, err := rg.drive(ctx, opts.Concurrency, opts.Duration, "logrun")
	if err != nil {
		return r, err
	}
	wg.Wait()
	elapsed := time.Since(start)
	if appendErr != nil {
		return r, appendErr
	}
	after, err := backlog(ctx, db)
	if err != nil {
		return r, err
	}
	r.DonationsDuringLog = donated.count
	r.Integrated = integrated.Load()
	r.Appended = r.Integrated + after - before
	r.Backlog = after
	r.IntegratedPerSec = round(float64(r.Integrated) / elapsed.Seconds())
	r.Probes = len(latencies)
	r.CheckpointP50ms = percentile(latencies, 0.50)
	r.CheckpointP99ms = percentile(latencies, 0.99)
	r.CheckpointMaxms = percentile(latencies, 1)
	stop()

	// Proof checks, on an entry of the tree built, once all is in it.
	for {
		n, err := l.Integrate(ctx)
		if err != nil {
			return r, err
		}
		if n < l.Batch() {
			break
		}
	}
	r.InclusionCheckUs, r.ProofVerifyUs, err = proofTimes(ctx, rg, l)
	if err != nil || opts.AuditEntries <= 0 {
		return r, err
	}
	return r, auditLog(ctx, rg, l, opts.AuditEntries, &r)
}

// auditLog fills the log up to n entries with settlement records (money from
// the provider into custody: no request's figures move) and times an
// audit of the whole log from outside, as `carefund log verify` runs it.
func auditLog(ctx context.Context, rg *rig, l *translog.Log, n int64, r *LogResult) error {
	size, err := logSize(ctx, rg.db)
	if err != nil {
		return err
	}
	for seq := 0; size < n; seq++ {
		k := int(min(4096, n-size))
		if _, err := appendRecords(ctx, rg.db, fmt.Sprintf("bench:audit:%d:", seq), k, settlementPostings); err != nil {
			return err
		}
		got, err := l.Integrate(ctx)
		if err != nil {
			return err
		}
		size += int64(got)
	}
	start := time.Now()
	res, err := logcheck.Verify(ctx, logcheck.Options{URL: rg.base, Key: l.Signer().VerifierKey()})
	r.AuditSeconds = round(time.Since(start).Seconds())
	r.AuditEntries, r.AuditProblems = res.Size, len(res.Problems)
	if len(res.Problems) > 0 {
		r.AuditProblem = res.Problems[0]
	}
	if err != nil && !errors.Is(err, logcheck.ErrAudit) {
		return err
	}
	return nil
}

// logSize is the size of the newest checkpoint.
func logSize(ctx context.Context, db *store.DB) (int64, error) {
	var size int64
	err := db.Read(ctx, func(tx *store.Tx) error {
		cp, err := translog.LatestCheckpoint(ctx, tx)
		size = cp.Size
		return err
	})
	return size, err
}

// backlog counts the pending records.
func backlog(ctx context.Context, db *store.DB) (int64, error) {
	var n int64
	err := db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM translog_pending").Scan(&n)
	})
	return n, err
}

// appendBatch adds n ledger-like records to the outbox in one transaction.
func appendBatch(ctx context.Context, db *store.DB, prefix string, n int) (int, error) {
	return appendRecords(ctx, db, prefix, n, settlementPostings)
}

// settlementPostings are the ledger records the workload appends: a
// provider's settlement into custody, which moves no request's figures, so
// that the log still audits.
var settlementPostings = []translog.Posting{{Account: "bank:custody", Amount: 1000}, {Account: "psp:sandbox", Amount: -1000}}

// appendRecords adds n ledger records moving money as postings do, in one
// transaction.
func appendRecords(ctx context.Context, db *store.DB, prefix string, n int, postings []translog.Posting) (int, error) {
	const kind = "settlement"
	items := make([]translog.Pending, n)
	for i := range items {
		src := prefix + strconv.Itoa(i)
		rec := translog.Record{Type: translog.TypeLedger, Source: src, At: time.Now().Unix(), Ledger: &translog.Ledger{
			Entry: int64(i + 1), Kind: kind, Postings: postings,
			Commitment: translog.Commit(translog.Salt([]byte("bench"), src), src)}}
		data, err := rec.Data()
		if err != nil {
			return 0, err
		}
		items[i] = translog.Pending{Source: src, Data: data}
	}
	err := db.Write(ctx, func(tx *store.Tx) error { return translog.Enqueue(ctx, tx, items...) })
	return n, err
}

// probe posts one ledger entry and returns how long after its commit a
// checkpoint covered it.
func probe(ctx context.Context, rg *rig, l *translog.Log, i int) (time.Duration, error) {
	p, err := rg.platform.Ledger.Post(ctx, ledger.Transfer("bench-probe-"+strconv.Itoa(i)+"-"+strconv.FormatInt(time.Now().UnixNano(), 36),
		"donation", "psp:sandbox", "request:"+strconv.FormatInt(rg.request, 10), 1))
	if err != nil {
		return 0, err
	}
	committed := time.Now()
	src := translog.LedgerSource(p.ID)
	for {
		st, err := l.Status(ctx, src)
		if err != nil {
			return 0, err
		}
		if st == translog.Logged {
			return time.Since(committed), nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// proofTimes returns the mean time to check an inclusion proof against a
// root (hashes only) and to verify a whole proof bundle (its checkpoint's
// signature, the inclusion, the commitment's opening), in microseconds.
func proofTimes(ctx context.Context, rg *rig, l *translog.Log) (float64, float64, error) {
	var id int64
	err := rg.db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT max(id) FROM ledger_entries").Scan(&id)
	})
	if err != nil {
		return 0, 0, err
	}
	e, err := rg.platform.Ledger.EntryByID(ctx, id)
	if err != nil {
		return 0, 0, err
	}
	bundle, entry, err := l.Prove(ctx, translog.LedgerSource(id), translog.LedgerOpening(rg.platform.CommitKey, e.Key))
	if err != nil {
		return 0, 0, err
	}
	p, err := translog.ParseProof(bundle)
	if err != nil {
		return 0, 0, err
	}
	v, err := translog.VerifyProof(p, entry, l.Signer().Verifier())
	if err != nil {
		return 0, 0, err
	}
	const n = 2000
	leaf := tlog.RecordHash(entry)
	t0 := time.Now()
	for range n {
		if err := tlog.CheckRecord(p.Hashes, v.Size, v.Root, p.Index, leaf); err != nil {
			return 0, 0, err
		}
	}
	inclusion := time.Since(t0)
	t0 = time.Now()
	for range n {
		p, err := translog.ParseProof(bundle)
		if err != nil {
			return 0, 0, err
		}
		if _, err := translog.VerifyProof(p, entry, l.Signer().Verifier()); err != nil {
			return 0, 0, err
		}
	}
	whole := time.Since(t0)
	us := func(d time.Duration) float64 { return round(float64(d.Microseconds()) / n) }
	return us(inclusion), us(whole), nil
}
