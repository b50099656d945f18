package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/carefund/carefund/internal/bench"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
)

func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return badInput(errors.New("bench needs a workload: carefund bench ledger; see 'carefund help bench'"))
	}
	switch args[0] {
	case "ledger":
		return benchLedger(ctx, args[1:], stdout, stderr)
	case "ledger-writer":
		return ledgerWriter(ctx, args[1:], os.Stdin, stdout)
	}
	return badInput(fmt.Errorf("unknown workload %q; see 'carefund help bench'", args[0]))
}

func benchFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.String("database", "", "PostgreSQL `URL` to benchmark in a scratch schema; default: a scratch SQLite file")
	fs.Int("concurrency", 64, "concurrent writers")
	fs.Duration("duration", 10*time.Second, "how long each run lasts (each case runs twice: batched and not)")
	fs.String("cases", "hot,spread", "which cases to run: hot (one request account), spread (10,000)")
	fs.Duration("max-wait", bench.DefaultMaxWait, "how long a batch waits for entries to join it (the ledger's MaxWait)")
	return fs
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
	l := ledger.New(db, ledger.Options{})
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
