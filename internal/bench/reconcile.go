package bench

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/bank/iso20022"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/reconcile"
	"github.com/carefund/carefund/internal/store"
)

// ReconcileResult is what `carefund bench reconcile` measured. JSON field
// names are the ones docs/performance.md shows.
type ReconcileResult struct {
	Database string `json:"database"`
	Lines    int    `json:"lines"`
	Entries  int    `json:"ledger_entries"`
	// Injected counts the differences put in, by kind; InTransit the
	// entries left in transit (not differences).
	Injected  map[reconcile.Kind]int `json:"injected"`
	InTransit int                    `json:"in_transit"`
	// SeedSeconds is the time to post the ledger's entries (not part of
	// the target); ReconcileSeconds the import of the statement: reading
	// the ledger, matching, storing the run and its differences.
	SeedSeconds      float64 `json:"seed_s"`
	ReconcileSeconds float64 `json:"reconcile_s"`
	LinesPerSec      float64 `json:"lines_per_sec"`
}

// benchDay is the statement's day. The database's clock is set to it
// while seeding, so that entries fall in the statement's period whatever
// the time of the run.
var benchDay = time.Date(2026, 1, 6, 0, 0, 0, 0, time.UTC)

var cst = time.FixedZone("CST", 8*3600)

// Reconcile seeds a ledger with one custody entry per statement line
// (settlements in, payouts out), reconciles a statement of lines lines
// against it with differences of every kind injected (missing, extra,
// duplicate, amount mismatch, and in transit past its cut-off, after a
// first small statement that leaves entries in transit), checks that
// exactly the injected differences were found, and reports the times.
// db must be a fresh scratch database: the clock is moved.
func Reconcile(ctx context.Context, db *store.DB, lines int) (ReconcileResult, error) {
	if lines < 100 {
		return ReconcileResult{}, fmt.Errorf("a reconciliation benchmark needs at least 100 lines, not %d", lines)
	}
	k := max(1, lines/100_000) * 5 // differences of each kind
	var now atomic.Pointer[time.Time]
	set := func(t time.Time) { now.Store(&t) }
	set(time.Date(2026, 1, 5, 9, 0, 0, 0, cst))
	db.SetClock(func() time.Time { return *now.Load() })
	defer db.SetClock(time.Now)

	l := ledger.New(db, ledger.Options{MaxBatch: 4096})
	defer l.Close()
	res := ReconcileResult{Database: string(db.Dialect()), Lines: lines, Injected: map[reconcile.Kind]int{}}
	day := func(d, h int) time.Time { return time.Date(2026, 1, 5+d, h, 0, 0, 0, cst) }

	// Opening: money to pay out from, and the day before's statement,
	// which leaves k entries in transit that never arrive.
	const float = 1_000_000_000_00
	seedStart := time.Now()
	for _, e := range []ledger.Entry{
		ledger.Transfer("bench:donation", "donation", "psp:bench", "request:bench", float),
		ledger.Transfer("bench:approve", "payout_approved", "request:bench", "payable:payout:bench", float),
	} {
		if _, err := l.Post(ctx, e); err != nil {
			return res, err
		}
	}
	var overdue []ledger.Entry
	for i := range k {
		overdue = append(overdue, payout(fmt.Sprintf("CFPOOVD%d", i), 100+money.Fen(i)))
	}
	set(day(0, 17))
	if err := postAll(ctx, l, overdue); err != nil {
		return res, err
	}
	svc := &reconcile.Service{DB: db, Ledger: l}
	rec := audit.Record{Actor: "system", Action: "bench.reconcile", Result: audit.ResultOK}
	set(day(1, 6))
	prev := iso20022.Statement{ID: "BENCH-0", Account: iso20022.Account{ID: "BENCHCUSTODY"},
		Opening: &iso20022.Balance{Date: benchDay.AddDate(0, 0, -1)}, Closing: &iso20022.Balance{Date: benchDay.AddDate(0, 0, -1)}}
	if r, err := svc.Import(ctx, rec, prev, "bench-0", nil); err != nil {
		return res, err
	} else if r.InTransitCount != k || r.Differences != 0 {
		return res, fmt.Errorf("the first statement left %d in transit and %d differences, want %d and 0", r.InTransitCount, r.Differences, k)
	}
	res.Injected[reconcile.InTransitOverdue] = k

	// The day's entries: one per line but the extra and duplicate ones,
	// plus the missing and those in transit.
	matched := lines - 2*k
	entries := make([]ledger.Entry, 0, matched+k)
	st := iso20022.Statement{ID: "BENCH-1", Account: iso20022.Account{ID: "BENCHCUSTODY"}}
	st.Entries = make([]iso20022.Entry, 0, lines)
	var closing money.Fen
	want := map[string]reconcile.Kind{}
	addLine := func(ref, lineRef string, amount money.Fen) {
		e := iso20022.Entry{Reference: lineRef, EndToEndID: ref, Amount: amount, Direction: iso20022.Credit,
			BookingDate: benchDay, ValueDate: benchDay}
		if amount < 0 {
			e.Amount, e.Direction = -amount, iso20022.Debit
		}
		closing += amount
		st.Entries = append(st.Entries, e)
	}
	for i := range matched {
		var e ledger.Entry
		var ref string
		amount := money.Fen(1000 + i%50_000)
		if i%10 < 7 {
			ref = fmt.Sprintf("CFST%08d", i)
			e = ledger.Transfer("custody:"+ref, "settlement", "bank:custody", "psp:bench", amount)
		} else {
			ref = fmt.Sprintf("CFPO%08d", i)
			e = payout(ref, amount)
			amount = -amount
		}
		entries = append(entries, e)
		lineAmount := amount
		if i%(matched/k) == 1 && res.Injected[reconcile.AmountMismatch] < k {
			lineAmount++
			res.Injected[reconcile.AmountMismatch]++
			want[ref] = reconcile.AmountMismatch
		}
		addLine(ref, "L"+ref, lineAmount)
		if i%(matched/k) == 2 && res.Injected[reconcile.Duplicate] < k {
			addLine(ref, "L"+ref+"-2", amount)
			res.Injected[reconcile.Duplicate]++
			want[ref] = reconcile.Duplicate
		}
	}
	for i := range k {
		ref := fmt.Sprintf("CFXT%08d", i)
		addLine(ref, "L"+ref, money.Fen(500+i))
		want[ref] = reconcile.Extra
		res.Injected[reconcile.Extra]++
		ref = fmt.Sprintf("CFMS%08d", i)
		entries = append(entries, payout(ref, money.Fen(700+i)))
		want[ref] = reconcile.Missing
		res.Injected[reconcile.Missing]++
	}
	for i := range overdue {
		want[strings.TrimPrefix(overdue[i].Key, "custody:")] = reconcile.InTransitOverdue
	}
	st.Opening = &iso20022.Balance{Date: benchDay}
	st.Closing = &iso20022.Balance{Amount: closing, Date: benchDay}
	set(day(1, 10))
	if err := postAll(ctx, l, entries); err != nil {
		return res, err
	}
	var transit []ledger.Entry
	for i := range k {
		transit = append(transit, payout(fmt.Sprintf("CFTR%08d", i), money.Fen(900+i)))
	}
	set(day(1, 18))
	if err := postAll(ctx, l, transit); err != nil {
		return res, err
	}
	res.InTransit = k
	res.Entries = len(entries) + len(transit) + len(overdue)
	res.SeedSeconds = round(time.Since(seedStart).Seconds())

	set(day(2, 6))
	start := time.Now()
	run, err := svc.Import(ctx, rec, st, "bench-1", nil)
	if err != nil {
		return res, err
	}
	elapsed := time.Since(start)
	res.ReconcileSeconds = round(elapsed.Seconds())
	res.LinesPerSec = round(float64(lines) / elapsed.Seconds())

	// Every injected difference found, and nothing else.
	ds, err := svc.Differences(ctx, true)
	if err != nil {
		return res, err
	}
	var wrong []string
	found := map[string]bool{}
	for _, d := range ds {
		if want[d.Reference] != d.Kind || found[d.Reference] {
			wrong = append(wrong, fmt.Sprintf("%s %s", d.Kind, d.Reference))
		}
		found[d.Reference] = true
	}
	for ref, kind := range want {
		if !found[ref] {
			wrong = append(wrong, fmt.Sprintf("not found: %s %s", kind, ref))
		}
	}
	if len(wrong) > 0 {
		slices.Sort(wrong)
		return res, fmt.Errorf("reconciliation found %d differences, %d injected; wrong: %s", len(ds), len(want), strings.Join(wrong[:min(len(wrong), 10)], "; "))
	}
	if run.InTransitCount != k || run.Lines != lines {
		return res, fmt.Errorf("run: %d lines, %d in transit; want %d and %d", run.Lines, run.InTransitCount, lines, k)
	}
	return res, nil
}

// payout is a payout paid by the bank: payable → custody.
func payout(ref string, amount money.Fen) ledger.Entry {
	return ledger.Transfer("custody:"+ref, "payout", "payable:payout:bench", "bank:custody", amount)
}

// postAll posts entries through the ledger's writer from enough
// goroutines to fill its batches.
func postAll(ctx context.Context, l *ledger.Ledger, entries []ledger.Entry) error {
	const workers = 4096
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for range min(workers, len(entries)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(entries) || ctx.Err() != nil {
					return
				}
				if _, err := l.Post(ctx, entries[i]); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		})
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}
