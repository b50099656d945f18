package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/carefund/carefund/internal/bench"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return badInput(errors.New("bench needs a workload: carefund bench ledger, donate, log, page, reconcile or refund; see 'carefund help bench'"))
	}
	switch args[0] {
	case "ledger":
		return benchLedger(ctx, args[1:], stdout, stderr)
	case "donate":
		return benchDonate(ctx, args[1:], stdout, stderr)
	case "log":
		return benchLog(ctx, args[1:], stdout, stderr)
	case "page":
		return benchPage(ctx, args[1:], stdout, stderr)
	case "reconcile":
		return benchReconcile(ctx, args[1:], stdout, stderr)
	case "refund":
		return benchRefund(ctx, args[1:], stdout, stderr)
	case "ledger-writer":
		return ledgerWriter(ctx, args[1:], os.Stdin, stdout)
	}
	return badInput(fmt.Errorf("unknown workload %q; see 'carefund help bench'", args[0]))
}

// benchFlags returns the flags of a workload ("bench ledger", "bench
// donate", "bench page"), or of them all for help ("bench").
func benchFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.String("database", "", "PostgreSQL `URL` to benchmark in a scratch schema; default: a scratch SQLite file")
	switch name {
	case "bench ledger":
		fs.Int("concurrency", 64, "concurrent writers")
		fs.Duration("duration", 10*time.Second, "how long each run lasts (each case runs twice: batched and not)")
	case "bench donate":
		fs.Int("concurrency", 256, "concurrent donors")
		fs.Duration("duration", 10*time.Second, "how long donors give")
	case "bench log":
		fs.Int("concurrency", 64, "concurrent donors while the log is measured")
		fs.Duration("duration", 10*time.Second, "how long each part lasts (donations log off, log on, then the log under load)")
		fs.Int("appenders", 4, "log: writers adding records to the log's outbox meanwhile")
		fs.Int("append-batch", 512, "log: records each appender adds a transaction")
		fs.Int("append-rate", 0, "log: records a second the appenders add in all, a sustained load (0: as fast as they can)")
		fs.Int64("audit-entries", 0, "log: fill the log to this many entries and time carefund log verify of all of it (0: no audit)")
	case "bench page":
		fs.Int("concurrency", 64, "concurrent readers")
		fs.Duration("duration", 10*time.Second, "how long each server is read")
	default:
		fs.Int("concurrency", 64, "concurrent writers (ledger), donors (donate: default 256) or readers (page)")
		fs.Duration("duration", 10*time.Second, "how long each run lasts (ledger: each case runs twice, batched and not; page: each server)")
	}
	if name == "bench reconcile" || name == "bench" {
		fs.Int("lines", 1_000_000, "reconcile: lines of the generated statement")
	}
	if name == "bench refund" || name == "bench" {
		fs.Int("donors", 30_000, "refund: donors of the request the run refunds")
		fs.Bool("send", false, "refund: then send every refund to the sandbox provider at --rate, with progress every second")
		fs.Float64("rate", 100, "refund: provider calls a second with --send (the refund service's rate limit)")
		fs.Int("workers", 0, "refund: refund entries posted at once (the refund service's Workers; 0: its default)")
		fs.String("keep", "", "refund: run on the SQLite `file` and keep it; run again with the same file to resume the sending where it stopped")
	}
	if name == "bench ledger" || name == "bench" {
		fs.String("cases", "hot,spread", "ledger: which cases to run: hot (one request account), spread (10,000)")
		fs.Duration("max-wait", bench.DefaultMaxWait, "ledger, donate: how long a batch waits for entries to join it (the ledger's MaxWait)")
	}
	if name == "bench donate" || name == "bench log" {
		fs.Duration("max-wait", bench.DefaultMaxWait, "how long a ledger batch waits for entries to join it (the server's LedgerMaxWait)")
	}
	if name == "bench donate" || name == "bench" {
		fs.String("log", "json", "donate: the server's request log: json (formatted as serve does at level info, then discarded) or off")
	}
	if name == "bench page" || name == "bench" {
		fs.Duration("page-cache", time.Second, "page: the server's --page-cache (0 renders every reading)")
		fs.String("nginx", "", "page: the nginx `binary` to compare with; default: nginx on PATH or /usr/sbin/nginx")
	}
	if name != "bench ledger" {
		fs.String("cpuprofile", "", "donate, page, reconcile, refund: write a CPU profile of the run to `file`")
	}
	return fs
}

// parseBench parses a workload's flags.
func parseBench(name string, args []string) (*flag.FlagSet, int, time.Duration, error) {
	fs := benchFlags(name)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, 0, 0, err
		}
		return nil, 0, 0, badInput(fmt.Errorf("%v; see 'carefund help bench'", err))
	}
	if fs.NArg() > 0 {
		return nil, 0, 0, badInput(fmt.Errorf("unexpected argument %q; see 'carefund help bench'", fs.Arg(0)))
	}
	n, _ := strconv.Atoi(fs.Lookup("concurrency").Value.String())
	d, _ := time.ParseDuration(fs.Lookup("duration").Value.String())
	if n < 1 || d <= 0 {
		return nil, 0, 0, badInput(errors.New("--concurrency and --duration must be positive"))
	}
	return fs, n, d, nil
}

// scratchDB opens and migrates a scratch database for a workload; close
// removes it.
func scratchDB(ctx context.Context, dsn string) (*store.DB, func(), error) {
	dsn, cleanup, err := bench.Scratch(ctx, dsn)
	if err != nil {
		return nil, nil, badInput(err)
	}
	db, err := openChecked(ctx, dsn)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		cleanup()
		return nil, nil, err
	}
	return db, func() { db.Close(); cleanup() }, nil
}

// profile starts a CPU profile into path, when set; stop ends it.
func profile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, badInput(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// benchDonate runs the whole donation path over HTTP and prints one JSON
// line.
func benchDonate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, n, d, err := parseBench("bench donate", args)
	if err != nil {
		return err
	}
	get := func(name string) string { return fs.Lookup(name).Value.String() }
	wait, _ := time.ParseDuration(get("max-wait"))
	opts := bench.DonateOptions{Concurrency: n, Duration: d, LedgerMaxWait: wait}
	switch get("log") {
	case "json":
	case "off":
		opts.Logger = slog.New(slog.DiscardHandler)
	default:
		return badInput(fmt.Errorf("--log %q: use json or off", get("log")))
	}
	db, closeDB, err := scratchDB(ctx, get("database"))
	if err != nil {
		return err
	}
	defer closeDB()
	stop, err := profile(get("cpuprofile"))
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "benchmarking donations over HTTP on %s: %d donors for %s\n", db, n, d)
	r, err := bench.Donate(ctx, db, opts)
	stop()
	if err != nil {
		return err
	}
	json.NewEncoder(stdout).Encode(r)
	if !r.Verify {
		return fmt.Errorf("verification failed: %s", r.VerifyError)
	}
	return nil
}

// benchLog measures the transparency log and prints one JSON line.
func benchLog(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, n, d, err := parseBench("bench log", args)
	if err != nil {
		return err
	}
	get := func(name string) string { return fs.Lookup(name).Value.String() }
	wait, _ := time.ParseDuration(get("max-wait"))
	appenders, _ := strconv.Atoi(get("appenders"))
	batch, _ := strconv.Atoi(get("append-batch"))
	auditEntries, _ := strconv.ParseInt(get("audit-entries"), 10, 64)
	rate, _ := strconv.Atoi(get("append-rate"))
	db, closeDB, err := scratchDB(ctx, get("database"))
	if err != nil {
		return err
	}
	defer closeDB()
	stop, err := profile(get("cpuprofile"))
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "benchmarking the transparency log on %s: %d donors, %d appenders of %d, %s each part\n", db, n, appenders, batch, d)
	r, err := bench.Log(ctx, db, bench.LogOptions{Concurrency: n, Duration: d, Appenders: appenders, AppendBatch: batch, AppendRate: rate,
		LedgerMaxWait: wait, Logger: slog.New(slog.DiscardHandler), AuditEntries: auditEntries})
	stop()
	if err != nil {
		return err
	}
	json.NewEncoder(stdout).Encode(r)
	if r.VerifyError != "" {
		return fmt.Errorf("verification failed: %s", r.VerifyError)
	}
	if r.AuditProblems > 0 {
		return fmt.Errorf("the audit of the log found %d problems", r.AuditProblems)
	}
	return nil
}

// benchPage serves the public page of a request from carefund and, saved
// as files, from nginx, reads both the same way and prints a JSON line per
// server and one comparing them.
func benchPage(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, n, d, err := parseBench("bench page", args)
	if err != nil {
		return err
	}
	get := func(name string) string { return fs.Lookup(name).Value.String() }
	nginx, err := bench.FindNginx(get("nginx"))
	if err != nil {
		return badInput(err)
	}
	pageCache, _ := time.ParseDuration(get("page-cache"))
	if pageCache < 0 {
		return badInput(errors.New("--page-cache cannot be negative"))
	}
	db, closeDB, err := scratchDB(ctx, get("database"))
	if err != nil {
		return err
	}
	defer closeDB()
	stop, err := profile(get("cpuprofile"))
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "benchmarking the request page on %s against %s: %d readers for %s each\n", db, nginx, n, d)
	rs, err := bench.Page(ctx, db, bench.PageOptions{Concurrency: n, Duration: d, Nginx: nginx, PageCache: pageCache})
	stop()
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	for _, r := range rs {
		enc.Encode(r)
	}
	return nil
}

// benchLedger measures the ledger's group commit against one sync per entry
// and prints one JSON line per case.
func benchLedger(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := benchFlags("bench ledger")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return badInput(fmt.Errorf("%v; see 'carefund help bench'", err))
	}
	get := func(name string) string { return fs.Lookup(name).Value.String() }
	n, _ := strconv.Atoi(get("concurrency"))
	d, _ := time.ParseDuration(get("duration"))
	wait, _ := time.ParseDuration(get("max-wait"))
	if n < 1 || d <= 0 {
		return badInput(errors.New("--concurrency and --duration must be positive"))
	}
	var cases []bench.LedgerCase
	for name := range strings.SplitSeq(get("cases"), ",") {
		i := -1
		for k, c := range bench.LedgerCases {
			if c.Name == name {
				i = k
			}
		}
		if i < 0 {
			return badInput(fmt.Errorf("unknown case %q; use hot, spread or both", name))
		}
		cases = append(cases, bench.LedgerCases[i])
	}
	dsn, cleanup, err := bench.Scratch(ctx, get("database"))
	if err != nil {
		return badInput(err)
	}
	defer cleanup()
	db, err := openChecked(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "benchmarking the ledger on %s: %d writers, %s per run, cases %s\n", db, n, d, get("cases"))
	enc := json.NewEncoder(stdout)
	for _, c := range cases {
		r, err := bench.Ledger(ctx, db, c, n, d, wait)
		if err != nil {
			return fmt.Errorf("case %s: %w", c.Name, err)
		}
		enc.Encode(r)
	}
	if s, err := ledger.Verify(ctx, db); err != nil {
		return err
	} else {
		fmt.Fprintf(stderr, "verified afterwards: %d entries in %d accounts\n", s.Entries, s.Accounts)
	}
	return nil
}

// CrashEntry is the entry the crash test posts for index i: four donations
// to one of fifty requests, then a payout from it, which is refused when the
// request does not hold enough at that moment. The same i always gives the same
// entry, so a retry after a crash is a true replay.
func CrashEntry(i int) ledger.Entry {
	key := fmt.Sprintf("crash-%d", i)
	request := fmt.Sprintf("request:crash-%d", (i/5)%50)
	if i%5 == 4 {
		return ledger.Transfer(key, "payout", request, "payable:payout:"+key, money.Fen(300+i%700))
	}
	return ledger.Transfer(key, "donation", "psp:crash", request, money.Fen(100+i%1000))
}

// ledgerWriter posts CrashEntry(i) for every index read from stdin, from
// --writers concurrent writers, and prints "ack i id" once entry i is durable
// ("refused i" when it was refused for want of funds). It is the process the
// crash test kills; it prints "ready <pid>" first.
func ledgerWriter(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench ledger-writer", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dsn := fs.String("database", "", "the database `URL` or SQLite location")
	writers := fs.Int("writers", 64, "concurrent writers")
	if err := fs.Parse(args); err != nil || *dsn == "" || *writers < 1 {
		return badInput(errors.New("usage: carefund bench ledger-writer --database URL [--writers 64] < indexes"))
	}
	db, err := openChecked(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	// With the transparency log on, as serve posts, so that the crash
	// test proves the outbox commits with its entries; the writer's
	// entries get no receipts, so a key of its own commits them.
	l := ledger.New(db, ledger.Options{CommitKey: []byte("carefund bench ledger-writer")})
	defer l.Close()

	var mu sync.Mutex
	out := bufio.NewWriter(stdout)
	say := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(out, format+"\n", args...)
		out.Flush()
	}
	say("ready %d", os.Getpid())
	work := make(chan int)
	var wg sync.WaitGroup
	var firstErr error
	var errOnce sync.Once
	for range *writers {
		wg.Go(func() {
			for i := range work {
				p, err := l.Post(ctx, CrashEntry(i))
				switch {
				case errors.Is(err, ledger.ErrInsufficientFunds):
					say("refused %d", i)
				case err != nil:
					errOnce.Do(func() { firstErr = err })
				default:
					say("ack %d %d", i, p.ID)
				}
			}
		})
	}
	sc := bufio.NewScanner(stdin)
	for sc.Scan() {
		i, err := strconv.Atoi(strings.TrimSpace(sc.Text()))
		if err != nil {
			continue
		}
		work <- i
	}
	close(work)
	wg.Wait()
	return firstErr
}

// benchReconcile seeds a ledger, reconciles a generated statement against
// it with differences of every kind injected, checks that exactly those
// were found, and prints one JSON line with the times.
func benchReconcile(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := benchFlags("bench reconcile")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return badInput(fmt.Errorf("%v; see 'carefund help bench'", err))
	}
	if fs.NArg() > 0 {
		return badInput(fmt.Errorf("unexpected argument %q; see 'carefund help bench'", fs.Arg(0)))
	}
	get := func(name string) string { return fs.Lookup(name).Value.String() }
	lines, _ := strconv.Atoi(get("lines"))
	if lines < 100 {
		return badInput(errors.New("--lines must be at least 100"))
	}
	db, closeDB, err := scratchDB(ctx, get("database"))
	if err != nil {
		return err
	}
	defer closeDB()
	stop, err := profile(get("cpuprofile"))
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "benchmarking reconciliation on %s: a statement of %d lines\n", db, lines)
	r, err := bench.Reconcile(ctx, db, lines)
	stop()
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(r)
}

// benchRefund seeds a request with --donors donations, times a refund run's
// plan and ledgering through the refund service, checks the sums, and
// prints one JSON line; with --send it then sends the refunds to the
// sandbox at --rate, printing the progress every second.
func benchRefund(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := benchFlags("bench refund")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return badInput(fmt.Errorf("%v; see 'carefund help bench'", err))
	}
	if fs.NArg() > 0 {
		return badInput(fmt.Errorf("unexpected argument %q; see 'carefund help bench'", fs.Arg(0)))
	}
	get := func(name string) string { return fs.Lookup(name).Value.String() }
	donors, _ := strconv.Atoi(get("donors"))
	workers, _ := strconv.Atoi(get("workers"))
	rate, _ := strconv.ParseFloat(get("rate"), 64)
	send := get("send") == "true"
	if donors < 1 || rate <= 0 || workers < 0 {
		return badInput(errors.New("--donors and --rate must be positive, --workers not negative"))
	}
	var db *store.DB
	var err error
	if keep := get("keep"); keep != "" {
		if get("database") != "" {
			return badInput(errors.New("--keep keeps a SQLite file; leave --database out"))
		}
		if db, err = openChecked(ctx, store.SQLiteLocation(keep)); err != nil {
			return err
		}
		defer db.Close()
		if _, err := db.Migrate(ctx); err != nil {
			return err
		}
	} else {
		var closeDB func()
		if db, closeDB, err = scratchDB(ctx, get("database")); err != nil {
			return err
		}
		defer closeDB()
	}
	stop, err := profile(get("cpuprofile"))
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "benchmarking a refund run on %s: %d donors\n", db, donors)
	r, err := bench.Refund(ctx, db, bench.RefundOptions{Donors: donors, Send: send, Rate: rate, Workers: workers, Progress: stderr})
	stop()
	json.NewEncoder(stdout).Encode(r)
	return err
}
