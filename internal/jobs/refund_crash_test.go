package jobs

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/refund"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// The refund crash test runs the refund jobs in a child process of the
// test binary, chosen by these variables.
const (
	envRefundCrashDSN = "CAREFUND_REFUND_CRASH_DSN"
	// envRefundCrashAt is the clock of the child (the database's and the
	// refund service's), in Unix microseconds: the parent moves it on
	// between runs, so that resends, polls and the retry schedule come due.
	envRefundCrashAt = "CAREFUND_REFUND_CRASH_AT"
	// envRefundCrashDie makes the child kill itself right after the
	// sandbox answered its Nth refund call, before the refund service
	// recorded the answer: the moment a refund is sent again.
	envRefundCrashDie = "CAREFUND_REFUND_CRASH_DIE"
)

// setupChild, as envRefundCrashDie, makes the child set the test up.
const setupChild = -1

// refundCrashDonors is the size of the scandal the crash test refunds.
const refundCrashDonors = 30_000

// refundCrashKey is the key of the run the child starts (once: StartRun
// with the same key returns the first run).
const refundCrashKey = "crash:purpose-ended"

// refundCrashGift is donor i's gift, in fen: ¥1 to ¥51 mostly, every tenth
// up to ¥2,100, and a 1-fen gift every 97th (its share rounds to nothing
// or one fen), so that the pro-rata shares end in every pair of digits and
// the sandbox's habits (…07 abnormal, …08 closed once, …09 processing) all
// occur.
func refundCrashGift(i int) money.Fen {
	switch {
	case i%97 == 0:
		return 1
	case i%10 == 0:
		return money.Fen(100_00 + (i*7919)%200_000)
	}
	return money.Fen(1_00 + (i*104729)%50_00)
}

// refundCrashSandboxKey signs the sandbox's messages in the test and its
// children alike.
var refundCrashSandboxKey = []byte("refund crash sandbox key, 32 byt")

// refundCrashChild runs the refund jobs as the server does (refund-ledger,
// refund-dispatch, refund-poll, through RefundJobs on the platform's
// refund service), after starting the run if it is not started yet,
// printing a line after each step and after each answer of the sandbox,
// until nothing is due at the child's clock. It is killed at random
// moments and run again.
func refundCrashChild(dsn string, at time.Time, die int64) error {
	ctx := context.Background()
	if store.IsPostgres(dsn) {
		// The test kills this process, never the database server: a
		// transaction PostgreSQL committed survives the kill whether or not
		// its WAL reached the disk before the answer, so the child need not
		// wait for the sync (the sandbox's book commits once per refund).
		u, err := url.Parse(dsn)
		if err != nil {
			return err
		}
		q := u.Query()
		q.Set("synchronous_commit", "off")
		u.RawQuery = q.Encode()
		dsn = u.String()
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if die == setupChild {
		request, raised, paidOut, err := refundCrashSetup(ctx, db)
		if err != nil {
			return err
		}
		fmt.Printf("set up %d %d %d\n", request, raised, paidOut)
		return nil
	}
	clock := func() time.Time { return at }
	db.SetClock(clock)
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	step := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(out, format+"\n", args...)
		out.Flush()
	}
	sb := payment.NewSandbox(payment.SandboxConfig{Key: refundCrashSandboxKey, Merchant: "sandbox", ManualDelivery: true,
		RefundBook: refund.SandboxBook{DB: db}, Now: clock})
	defer sb.Close()
	lp := &loudProvider{Provider: sb, step: step, die: die}
	p, err := platform.New(ctx, platform.Config{DB: db, Keys: crashKeys(), Now: clock, Logger: slog.New(slog.DiscardHandler),
		Payments: []payment.Provider{lp}, Merchants: map[string]string{"sandbox": "sandbox"}})
	if err != nil {
		return err
	}
	defer p.Close()
	if !p.Ready || p.Refunds == nil {
		return errors.New("the platform has no refund service")
	}
	// The sandbox has no rate limit of its own; the service's token bucket
	// is tested elsewhere, and at 100 calls a second 30,000 refunds would
	// take five minutes a database; 64 senders let the ledger batch their
	// outcomes.
	p.Refunds.Options.RatePerSecond = 1e6
	p.Refunds.Options.Senders = 64
	jobs := map[string]Job{}
	for _, j := range RefundJobs(p.Refunds, p.Log, func() {}) {
		jobs[j.Name] = j
	}
	var request int64
	var started int
	if err := db.Read(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT MIN(id) FROM requests").Scan(&request); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM refund_runs WHERE idem_key = $1", refundCrashKey).Scan(&started)
	}); err != nil {
		return err
	}
	if started == 0 {
		// Started by staff recording that the purpose is achieved: what
		// request:R holds goes back pro rata (R-REF-1). A kill while its
		// entries are posted leaves the rest to the refund-ledger job.
		step("starting")
		run, err := p.Refunds.StartRun(ctx, refund.RunInput{RequestID: request, Cause: refund.CausePurposeEnded,
			Reason: "crash test", Actor: "staff:1", Key: refundCrashKey})
		if err != nil {
			return err
		}
		step("started run %d: %d refunds", run.ID, run.Refunds)
	}
	// Bounded: each round ledgers, sends or settles something, or ends.
	for round := range 10_000 {
		// The provider pays refunds from its balance; the fund-refunds job
		// tops it up through the custody bank (TestRefundFundedFromCustody).
		// Here the sandbox is funded directly with what is due, under a
		// reference of this process and round: a kill after it leaves the
		// sandbox a little richer, never the ledger different.
		if err := p.Refunds.FundSandbox(ctx, sb, fmt.Sprintf("CFRTC%dR%d", os.Getpid(), round)); err != nil {
			return err
		}
		for _, name := range []string{RefundLedgerJob, RefundDispatchJob, RefundPollJob} {
			if err := jobs[name].Run(ctx); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			step("ran %s", name)
		}
		var due int
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM refund_runs WHERE state = 'ledgering')
				+ (SELECT count(*) FROM refunds WHERE state = 'planned'
					OR state IN ('decided', 'sending', 'processing', 'retrying', 'abnormal') AND next_at <= $1)`,
				at.UnixMicro()).Scan(&due)
		}); err != nil {
			return err
		}
		if due == 0 {
			step("done")
			return nil
		}
	}
	return errors.New("no end after 10,000 rounds")
}

// loudProvider is the sandbox as the refund service sees it, printing a
// line when it answered a refund call: the sandbox has booked it, the
// service has not recorded the answer.
type loudProvider struct {
	payment.Provider
	step  func(string, ...any)
	calls atomic.Int64
	die   int64
}

func (p *loudProvider) Refund(ctx context.Context, r payment.Refund) (payment.RefundResult, error) {
	res, err := p.Provider.Refund(ctx, r)
	if err != nil {
		return res, err
	}
	p.step("refund %s %s", r.RefundID, res.State)
	if p.calls.Add(1) == p.die {
		self, _ := os.FindProcess(os.Getpid())
		_ = self.Kill()
		select {} // the kill is on its way
	}
	return res, nil
}

// refundCrashSetup files a fundraising request with the real services and
// gives it refundCrashDonors donations in bulk, as the donation service
// books them (the paid order, its entry psp:sandbox → request:R under the
// donation service's key, the donation row, the running totals), then
// approves a payout of 30 % so that the run gives back part of each gift.
// It returns the request, what was given and what was paid out. The child
// runs it (see refundCrashChild), so that it goes at full speed when the
// test has the race detector.
func refundCrashSetup(ctx context.Context, db *store.DB) (request int64, raised, paidOut money.Fen, err error) {
	p, err := platform.New(ctx, platform.Config{DB: db, Keys: crashKeys(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return 0, 0, 0, err
	}
	defer p.Close()
	err = db.Write(ctx, func(tx *store.Tx) error {
		u, err := campaigntest.User(ctx, tx, p.Vault, "publisher")
		if err != nil {
			return err
		}
		request, err = campaigntest.Fundraising(ctx, tx, p.Campaigns, u, campaigntest.Filing(), 0)
		return err
	})
	if err != nil {
		return 0, 0, 0, err
	}
	exec := func(q string, args ...any) error {
		return db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, q, args...)
			return err
		})
	}
	const chunk = 5000
	entries := make([]ledger.Entry, 0, refundCrashDonors)
	for from := 0; from < refundCrashDonors; from += chunk {
		var b strings.Builder
		b.WriteString(`INSERT INTO donation_orders (order_no, request_id, amount_fen, anonymous, message_flagged, provider,
			client_token, state, created_at, expires_at, paid_at) VALUES `)
		now := time.Now().UnixMicro()
		var part money.Fen
		for i := from; i < min(refundCrashDonors, from+chunk); i++ {
			if i > from {
				b.WriteByte(',')
			}
			a := refundCrashGift(i)
			part += a
			no := fmt.Sprintf("RC%022d", i)
			fmt.Fprintf(&b, "('%s', %d, %d, 1, 0, 'sandbox', '%s', 'paid', %d, %d, %d)", no, request, a, no, now, now, now)
			entries = append(entries, ledger.Transfer(donation.LedgerKey("sandbox", "T"+no), "donation", "psp:sandbox",
				refund.RequestAccount(request), a))
		}
		if err := exec(b.String()); err != nil {
			return 0, 0, 0, err
		}
		raised += part
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	for range 512 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(entries) {
					return
				}
				if _, err := p.Ledger.Post(ctx, entries[i]); err != nil {
					select {
					case errs <- err:
					default:
					}
					return
				}
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errs:
		return 0, 0, 0, err
	default:
	}
	if err := exec(`INSERT INTO donations (order_id, request_id, amount_fen, entry_id, provider,
		transaction_id, anonymous, message_flagged, after_close, paid_at, created_at)
		SELECT o.id, o.request_id, o.amount_fen, e.id, 'sandbox', 'T' || o.order_no, 1, 0, 0, o.paid_at, o.paid_at
		FROM donation_orders o JOIN ledger_entries e ON e.idem_key = 'donation:sandbox:T' || o.order_no
		WHERE o.request_id = $1 ORDER BY o.id`, request); err != nil {
		return 0, 0, 0, err
	}
	if err := exec(`INSERT INTO request_totals (request_id, raised_fen, donations) VALUES ($1, $2, $3)
		ON CONFLICT (request_id) DO UPDATE SET raised_fen = request_totals.raised_fen + excluded.raised_fen,
		donations = request_totals.donations + excluded.donations`, request, int64(raised), refundCrashDonors); err != nil {
		return 0, 0, 0, err
	}
	paidOut = raised * 3 / 10
	if _, err := p.Ledger.Post(ctx, ledger.Transfer("test:payout", "payout_approved", refund.RequestAccount(request),
		"payable:payout:crash", paidOut)); err != nil {
		return 0, 0, 0, err
	}
	return request, raised, paidOut, nil
}

// TestCrashRefundRun kills the server's refund jobs (refund-ledger,
// refund-dispatch, refund-poll, with the refund service and the sandbox
// provider keeping its refund book in the database) at random moments, at
// least twenty times, while a purpose-ended run refunds 30,000 donors pro
// rata, and then checks both sets of books.
//
// R-REF-1: the run gives back what the request held, each donor exactly
// the share refund.Split computes (in proportion to the gift, exact to the
// fen), the shares summing to the run. R-DON-1 (exactly once, as for
// donations): at the sandbox every refund was paid back at most once, and
// each donor's order was refunded exactly its share, once; in the ledger
// every refund has exactly one refund entry and exactly one outcome, a
// refund_paid for what the sandbox paid, a refund_to_charity for what it
// could never pay (R-CHAR-1), none twice; the run's payable is empty, the
// request holds what was given less what was paid out and given back; the
// ledger, donation and refund verifications are clean. R-DON-2: each
// refund went back through the provider, order and transaction of its
// donation.
func TestCrashRefundRun(t *testing.T) {
	const kills = 20
	// maxRuns bounds the runs by count: the kills, the runs the retry
	// schedule needs (four attempts over four days), and a margin.
	const maxRuns = 4 * kills
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) {
			db := storetest.Open(t, d.DSN)
			began := time.Now()
			request, raised, paidOut := setUpRefundCrash(t, d.DSN)
			t.Logf("set up %d donations in %s", refundCrashDonors, time.Since(began).Round(time.Millisecond))
			began = time.Now()
			at := time.Now().Truncate(time.Second)

			// A new seed each run, so CI covers new kill points over time;
			// the log names it, to replay a failure.
			seed := uint64(time.Now().UnixNano())
			t.Logf("seed %d", seed)
			rng := rand.New(rand.NewPCG(seed, 15))
			killed, runs := 0, 0
			byMode := map[string]int{}
			for ; runs < maxRuns && (killed < kills || !refundRunFinished(t, db)); runs++ {
				// The runs take turns: killed by the test after a random
				// number of lines, killing itself right after a random
				// answer of the sandbox, and killed by the test a random
				// short delay after its first line. Lines come one per
				// refund sent, so a run gets a few hundred refunds on.
				mode := []crashMode{killedAfterLine, dieAtLine, killedAfterDelay}[runs%3]
				if killed >= kills {
					mode = notKilled
				}
				limit := 1 + rng.IntN(3000)
				delay := time.Duration(rng.IntN(1_500_000)) * time.Microsecond
				if runRefundChild(t, d.DSN, at, mode, limit, delay) {
					killed++
					byMode[mode.String()]++
				}
				if killed < kills {
					// Past the resend of what was being sent, and the poll
					// of what is processing, within a few runs.
					at = at.Add(3 * time.Minute)
				} else {
					// Only the retries are still to come: a day at a time.
					at = at.Add(24 * time.Hour)
				}
			}
			t.Logf("%d runs, %d killed %v, in %s", runs, killed, byMode, time.Since(began).Round(time.Millisecond))
			if killed < kills || !refundRunFinished(t, db) {
				t.Fatalf("the run is not finished after %d runs (%d killed)", runs, killed)
			}
			// A last run, not killed, finds nothing to do.
			runRefundChild(t, d.DSN, at, notKilled, 0, 0)
			checkRefundBooks(t, db, request, raised, paidOut)
		})
	}
}

// setUpRefundCrash has a child set the test up (refundCrashSetup) and
// returns what it made.
func setUpRefundCrash(t *testing.T, dsn string) (request int64, raised, paidOut money.Fen) {
	t.Helper()
	cmd := exec.Command(refundChildBinary(t), "-test.run=^$")
	cmd.Env = append(os.Environ(), envRefundCrashDSN+"="+dsn, envRefundCrashDie+"="+strconv.Itoa(setupChild))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("setting up: %v", err)
	}
	if _, err := fmt.Sscanf(string(out), "set up %d %d %d", &request, &raised, &paidOut); err != nil {
		t.Fatalf("setting up: %q: %v", out, err)
	}
	return request, raised, paidOut
}

var (
	childOnce sync.Once
	childBin  string
	childErr  error
)

// refundChildBinary is the program the refund crash test runs as its
// child: this test binary, or, when it has the race detector, the same
// tests built without it. The race detector makes the pure-Go SQLite
// about ten times slower, and 30,000 refunds would not end in CI's time;
// the code the child runs (Dispatch, the ledger's writer) is raced by the
// refund and ledger packages' own tests.
func refundChildBinary(t *testing.T) string {
	t.Helper()
	if !raceEnabled {
		return os.Args[0]
	}
	childOnce.Do(func() {
		dir, err := os.MkdirTemp("", "carefund-refund-crash-")
		if err != nil {
			childErr = err
			return
		}
		childBin = filepath.Join(dir, "jobs.test")
		out, err := exec.Command("go", "test", "-c", "-o", childBin, "github.com/carefund/carefund/internal/jobs").CombinedOutput()
		if err != nil {
			childErr = fmt.Errorf("go test -c: %v\n%s", err, out)
		}
	})
	if childErr != nil {
		t.Fatal(childErr)
	}
	return childBin
}

// runRefundChild runs the child once with its clock at at, killed as mode
// says (after limit lines, at the sandbox's limit-th answer, or delay after
// the first line), and reports whether it was killed. A run that fails
// otherwise, or ends without being done, fails the test.
func runRefundChild(t *testing.T, dsn string, at time.Time, mode crashMode, limit int, delay time.Duration) bool {
	t.Helper()
	cmd := exec.Command(refundChildBinary(t), "-test.run=^$")
	cmd.Env = append(os.Environ(), envRefundCrashDSN+"="+dsn, envRefundCrashAt+"="+strconv.FormatInt(at.UnixMicro(), 10))
	if mode == dieAtLine {
		cmd.Env = append(cmd.Env, envRefundCrashDie+"="+strconv.Itoa(limit))
	}
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	lines, done := 0, false
	var timer *time.Timer
	for sc.Scan() {
		lines++
		done = done || sc.Text() == "done"
		if done {
			continue
		}
		if mode == killedAfterLine && lines >= limit {
			_ = cmd.Process.Kill()
			break
		}
		if mode == killedAfterDelay && timer == nil {
			timer = time.AfterFunc(delay, func() { _ = cmd.Process.Kill() })
		}
	}
	for sc.Scan() {
		done = done || sc.Text() == "done"
	}
	err = cmd.Wait()
	if timer != nil {
		timer.Stop()
	}
	var ee *exec.ExitError
	switch {
	case err == nil && done:
		return false
	case err == nil:
		t.Fatalf("the child ended without being done (%s)", mode)
	case errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signaled() && mode != notKilled:
		return true
	}
	t.Fatalf("the child failed (%s): %v", mode, err)
	return false
}

// refundRunFinished reports whether the crash test's run exists and is
// finished: every refund paid back or given to charity.
func refundRunFinished(t *testing.T, db *store.DB) bool {
	t.Helper()
	var n int
	queryRow(t, db, "SELECT count(*) FROM refund_runs WHERE idem_key = $1 AND state = 'finished'", []any{refundCrashKey}, &n)
	return n == 1
}

// checkRefundBooks checks the sandbox's books and the platform's after the
// killed runs: see TestCrashRefundRun.
func checkRefundBooks(t *testing.T, db *store.DB, request int64, raised, paidOut money.Fen) {
	t.Helper()
	ctx := context.Background()
	l := ledger.New(db, ledger.Options{})
	defer l.Close()
	bal := func(name string) money.Fen {
		t.Helper()
		b, err := l.Balance(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var run refund.Run
	queryRow(t, db, "SELECT id, amount_fen, refunds FROM refund_runs WHERE idem_key = $1", []any{refundCrashKey},
		&run.ID, &run.Amount, &run.Refunds)
	want := raised - paidOut
	if run.Amount != want {
		t.Errorf("the run gives back %s, want everything request:R held, %s", run.Amount, want)
	}

	// R-REF-1: each donation's share as the split computes it.
	type gift struct {
		id                 int64
		amount             money.Fen
		order, transaction string
		provider           string
	}
	var gifts []gift
	var shares []refund.Share
	if err := db.Read(ctx, func(tx *store.Tx) error {
		return store.Each(ctx, tx, func(rows *sql.Rows) error {
			var g gift
			if err := rows.Scan(&g.id, &g.amount, &g.order, &g.transaction, &g.provider); err != nil {
				return err
			}
			gifts = append(gifts, g)
			shares = append(shares, refund.Share{ID: g.id, Gave: g.amount})
			return nil
		}, `SELECT d.id, d.amount_fen, o.order_no, d.transaction_id, d.provider FROM donations d
			JOIN donation_orders o ON o.id = d.order_id WHERE d.request_id = $1 ORDER BY d.id`, request)
	}); err != nil {
		t.Fatal(err)
	}
	if len(gifts) != refundCrashDonors {
		t.Fatalf("%d donations, want %d", len(gifts), refundCrashDonors)
	}
	parts, err := refund.Split(want, shares)
	if err != nil {
		t.Fatal(err)
	}

	// The refunds, their entries, and the sandbox's book.
	type row struct {
		id, donation                     int64
		amount                           money.Fen
		state                            refund.State
		attempt                          int
		no, order, transaction, provider string
	}
	rows := map[int64]row{} // by donation
	if err := db.Read(ctx, func(tx *store.Tx) error {
		return store.Each(ctx, tx, func(rs *sql.Rows) error {
			var r row
			if err := rs.Scan(&r.id, &r.donation, &r.amount, &r.state, &r.attempt, &r.no, &r.order, &r.transaction, &r.provider); err != nil {
				return err
			}
			if _, dup := rows[r.donation]; dup {
				t.Errorf("donation %d has two refunds in the run", r.donation)
			}
			rows[r.donation] = r
			return nil
		}, `SELECT id, donation_id, amount_fen, state, attempt, out_refund_no, order_no, transaction_id, provider
			FROM refunds WHERE run_id = $1`, run.ID)
	}); err != nil {
		t.Fatal(err)
	}
	type entry struct {
		kind   string
		amount money.Fen
	}
	entries := map[string]entry{}
	if err := db.Read(ctx, func(tx *store.Tx) error {
		return store.Each(ctx, tx, func(rs *sql.Rows) error {
			var key string
			var e entry
			if err := rs.Scan(&key, &e.kind, &e.amount); err != nil {
				return err
			}
			entries[key] = e
			return nil
		}, `SELECT e.idem_key, e.kind, p.amount FROM ledger_entries e JOIN ledger_postings p ON p.entry_id = e.id AND p.amount > 0
			WHERE e.kind IN ('refund', 'refund_paid', 'refund_to_charity')`)
	}); err != nil {
		t.Fatal(err)
	}
	type booked struct {
		order, transaction, outcome string
		amount                      money.Fen
	}
	book := map[string]booked{}
	successes := map[string]int{} // by order
	if err := db.Read(ctx, func(tx *store.Tx) error {
		return store.Each(ctx, tx, func(rs *sql.Rows) error {
			var no string
			var b booked
			if err := rs.Scan(&no, &b.order, &b.transaction, &b.amount, &b.outcome); err != nil {
				return err
			}
			book[no] = b
			if b.outcome == payment.RefundSuccess {
				successes[b.order]++
			}
			return nil
		}, `SELECT refund_no, order_no, transaction_id, amount_fen, outcome FROM sandbox_psp_refunds`)
	}); err != nil {
		t.Fatal(err)
	}
	paidBack, err := refund.SandboxBook{DB: db}.Paid(ctx)
	if err != nil {
		t.Fatal(err)
	}

	var sum, toCharity money.Fen
	var refunded, charities, closedFirst, errs int
	fail := func(format string, args ...any) {
		t.Helper()
		if errs++; errs <= 20 {
			t.Errorf(format, args...)
		}
	}
	for i, g := range gifts {
		share := parts[i]
		r, ok := rows[g.id]
		if share == 0 {
			if ok {
				fail("donation %d (%s given) has a refund of %s, want none (its share is 0)", g.id, g.amount, r.amount)
			}
			continue
		}
		if !ok {
			fail("donation %d has no refund; its share is %s", g.id, share)
			continue
		}
		sum += r.amount
		if r.amount != share || r.amount > g.amount {
			fail("donation %d (%s given): refund of %s, want its share %s", g.id, g.amount, r.amount, share)
		}
		// R-DON-2: back by the donation's own provider, order and transaction.
		if r.provider != g.provider || r.order != g.order || r.transaction != g.transaction {
			fail("refund %d went by %s %s %s, its donation came by %s %s %s", r.id, r.provider, r.order, r.transaction,
				g.provider, g.order, g.transaction)
		}
		key := "refund:" + strconv.FormatInt(r.id, 10)
		if e, ok := entries[key]; !ok || e.kind != "refund" || e.amount != share {
			fail("refund %d: entry %s is %+v, want a refund entry of %s", r.id, key, e, share)
		}
		paid, charity := entries[key+":paid"], entries[key+":charity"]
		switch r.state {
		case refund.Succeeded:
			refunded++
			// Exactly once at the sandbox: its order was paid back once,
			// by this refund's number, its share.
			b := book[r.no]
			if successes[g.order] != 1 || paidBack[g.order] != share || b.outcome != payment.RefundSuccess ||
				b.amount != share || b.order != g.order || b.transaction != g.transaction {
				fail("refund %d (%s): the sandbox paid order %s back %d times, %s in all, by %s %+v; want once, %s",
					r.id, r.no, g.order, successes[g.order], paidBack[g.order], r.no, b, share)
			}
			if paid.kind != "refund_paid" || paid.amount != share || charity.kind != "" {
				fail("refund %d succeeded: refund_paid %+v, refund_to_charity %+v; want one refund_paid of %s and no charity",
					r.id, paid, charity, share)
			}
			if share%100 == payment.SandboxRefundClosed {
				closedFirst++
				if r.attempt != 2 {
					fail("refund %d of %s: paid at attempt %d, want 2 (the sandbox closes the first)", r.id, share, r.attempt)
				}
			}
		case refund.ToCharity:
			charities++
			toCharity += share
			if share%100 != payment.SandboxRefundAbnormal {
				fail("refund %d of %s went to charity; the sandbox pays such a refund", r.id, share)
			}
			if successes[g.order] != 0 || paidBack[g.order] != 0 {
				fail("refund %d went to charity but the sandbox paid order %s back %s", r.id, g.order, paidBack[g.order])
			}
			if charity.kind != "refund_to_charity" || charity.amount != share || paid.kind != "" {
				fail("refund %d to charity: refund_paid %+v, refund_to_charity %+v; want one refund_to_charity of %s",
					r.id, paid, charity, share)
			}
		default:
			fail("refund %d is %s, want succeeded or to_charity", r.id, r.state)
		}
	}
	if len(rows) != int(run.Refunds) {
		t.Errorf("the run has %d refunds, says %d", len(rows), run.Refunds)
	}
	if sum != run.Amount {
		t.Errorf("the refunds sum to %s, the run is %s", sum, run.Amount)
	}
	var refundEntries int
	for _, e := range entries {
		if e.kind == "refund" {
			refundEntries++
		}
	}
	if refundEntries != len(rows) {
		t.Errorf("%d refund entries for %d refunds", refundEntries, len(rows))
	}
	if len(successes) != refunded {
		t.Errorf("the sandbox paid back %d orders, %d refunds succeeded", len(successes), refunded)
	}
	if charities == 0 || closedFirst == 0 {
		t.Errorf("%d refunds went to charity and %d were closed first: the habits were not exercised", charities, closedFirst)
	}
	t.Logf("%d refunds: %d paid back (%d after a closed first attempt), %d to charity (%s)", len(rows), refunded,
		closedFirst, charities, toCharity)

	// The balances.
	if b := bal(refund.RequestAccount(request)); b != raised-paidOut-run.Amount {
		t.Errorf("request:%d holds %s, want %s given less %s paid out less %s given back", request, b, raised, paidOut, run.Amount)
	}
	if b := bal(refund.PayableAccount(run.ID)); b != 0 {
		t.Errorf("%s holds %s, want 0", refund.PayableAccount(run.ID), b)
	}
	if b := bal("charity:payable"); b != toCharity {
		t.Errorf("charity:payable holds %s, want %s", b, toCharity)
	}
	var quarantined int
	queryRow(t, db, "SELECT count(*) FROM refund_quarantine", nil, &quarantined)
	if quarantined != 0 {
		t.Errorf("%d answers were quarantined", quarantined)
	}
	// carefund verify: the ledger, the donations and the refunds.
	if _, err := ledger.Verify(ctx, db); err != nil {
		t.Errorf("ledger.Verify: %v", err)
	}
	if _, err := donation.Verify(ctx, db); err != nil {
		t.Errorf("donation.Verify: %v", err)
	}
	if _, err := refund.Verify(ctx, db); err != nil {
		t.Errorf("refund.Verify: %v", err)
	}
}

// queryRow scans one row of query into dest.
func queryRow(t *testing.T, db *store.DB, query string, args []any, dest ...any) {
	t.Helper()
	ctx := context.Background()
	if err := db.Read(ctx, func(tx *store.Tx) error { return tx.QueryRowContext(ctx, query, args...).Scan(dest...) }); err != nil {
		t.Fatal(err)
	}
}
