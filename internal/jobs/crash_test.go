package jobs

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/bank"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payout"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// The payout crash test runs the bank jobs in a child process of the test
// binary, chosen by these variables.
const (
	envPayoutCrashDSN = "CAREFUND_PAYOUT_CRASH_DSN"
	// envPayoutCrashAt is the sandbox bank's time in the child, in Unix
	// microseconds: the parent moves it on between runs, so that what the
	// bank executes and returns comes due while the jobs are being killed.
	envPayoutCrashAt = "CAREFUND_PAYOUT_CRASH_AT"
	// envPayoutCrashDie makes the child kill itself right after printing
	// its line number N, or, when it is "bank", right after the bank took
	// a batch, before the outbox marks it sent: the one moment a transfer
	// is sent again. Killed by itself, the child dies exactly between two
	// steps; killed by the parent, a little after a line or at a random
	// moment.
	envPayoutCrashDie = "CAREFUND_PAYOUT_CRASH_DIE"
)

func TestMain(m *testing.M) {
	if dsn := os.Getenv(envPayoutCrashDSN); dsn != "" {
		at, _ := strconv.ParseInt(os.Getenv(envPayoutCrashAt), 10, 64)
		if err := payoutCrashChild(dsn, time.UnixMicro(at), os.Getenv(envPayoutCrashDie)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	if dsn := os.Getenv(envRefundCrashDSN); dsn != "" {
		at, _ := strconv.ParseInt(os.Getenv(envRefundCrashAt), 10, 64)
		die, _ := strconv.ParseInt(os.Getenv(envRefundCrashDie), 10, 64)
		if err := refundCrashChild(dsn, time.UnixMicro(at), die); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	code := m.Run()
	if childBin != "" {
		os.RemoveAll(filepath.Dir(childBin))
	}
	os.Exit(code)
}

// crashKeys are the same in the test and in its children, so that a child
// opens the payee accounts the test sealed.
func crashKeys() *keyring.Keys {
	keys := &keyring.Keys{}
	copy(keys.Master[:], "payout crash master key 32 bytes")
	copy(keys.Index[:], "payout crash index key, 32 bytes")
	copy(keys.Session[:], "payout crash session key 32 byte")
	return keys
}

// crashMonday is a working-day morning in the bank's zone, before the
// cut-off: a transfer received then is executed ten minutes later.
var crashMonday = time.Date(2026, 12, 7, 10, 0, 0, 0, bank.Zone)

// crashRound bounds the payouts one dispatch takes in the child, small so
// that a run has many steps to be killed between.
const crashRound = 2

// payoutCrashChild runs the bank jobs as the server does, with the real
// payout service behind the real adapter, printing a line after each step
// (inside the jobs too, through the wrappers below), until a round finds
// nothing to send, nothing to apply and no payout waiting to be sent. It
// is killed at random moments and run again.
func payoutCrashChild(dsn string, at time.Time, die string) error {
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	dieAt, _ := strconv.Atoi(die)
	out := bufio.NewWriter(os.Stdout)
	lines := 0
	step := func(format string, args ...any) {
		fmt.Fprintf(out, format+"\n", args...)
		out.Flush()
		lines++
		if lines == dieAt || die == "bank" && strings.HasPrefix(format, "bank took") {
			p, _ := os.FindProcess(os.Getpid())
			_ = p.Kill()
			select {} // the kill is on its way
		}
	}
	b := loudBank{bank.NewSandbox(db, bank.NewClock(at)), step}
	p, err := platform.New(ctx, platform.Config{DB: db, Keys: crashKeys(), Bank: b})
	if err != nil {
		return err
	}
	defer p.Close()
	if !p.Ready {
		return errors.New("the database is not ready")
	}
	ex := loudExecutor{payoutExecutor{s: p.Payouts, changed: func() {}}, step}
	// Bounded: each round sends or settles something, or ends the run.
	for range 1000 {
		sent, err := DispatchPayouts(ctx, ex, p.Bank, crashRound)
		if err != nil {
			return err
		}
		step("dispatched %d", sent)
		applied, err := PollPayouts(ctx, ex, p.Bank)
		if err != nil {
			return err
		}
		step("polled %d", applied)
		var waiting int
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT count(*) FROM payouts WHERE state = 'approved'").Scan(&waiting)
		}); err != nil {
			return err
		}
		if sent == 0 && applied == 0 && waiting == 0 {
			step("done")
			return nil
		}
	}
	return errors.New("no end after 1000 rounds")
}

// loudBank is the bank, printing a line when it took a batch: the outbox
// has not marked it sent yet.
type loudBank struct {
	bank.Bank
	step func(string, ...any)
}

func (b loudBank) Send(ctx context.Context, ts []bank.Transfer) error {
	if err := b.Bank.Send(ctx, ts); err != nil {
		return err
	}
	b.step("bank took %d", len(ts))
	return nil
}

// loudExecutor is the payout side as the jobs see it, printing a line at
// each moment between the jobs' durable steps.
type loudExecutor struct {
	PayoutExecutor
	step func(string, ...any)
}

func (e loudExecutor) Sending(ctx context.Context, payoutID int64, transferID string) error {
	// The outbox has the transfer; the payout is still approved.
	e.step("submitted %s", transferID)
	if err := e.PayoutExecutor.Sending(ctx, payoutID, transferID); err != nil {
		return err
	}
	e.step("paying %s", transferID)
	return nil
}

func (e loudExecutor) Settle(ctx context.Context, transferID string, o bank.Outcome) error {
	// The outbox recorded the outcome; the payout has not taken it.
	e.step("outcome %s %s", transferID, o.Status)
	if err := e.PayoutExecutor.Settle(ctx, transferID, o); err != nil {
		return err
	}
	// The payout took it; the outbox has not marked it applied.
	e.step("settled %s %s", transferID, o.Status)
	return nil
}

// crashPayout is one payout of the test and what the bank will do with it.
type crashPayout struct {
	id, request int64
	amount      money.Fen
	habit       bank.Habit
}

// crashAmount is payout i's amount: most end in 00 and are paid; every
// tenth from the fourth ends in 03 (paid, then returned), every tenth from
// the eighth in 01 (rejected, the account closed).
func crashAmount(i int) money.Fen {
	a := money.Fen(100_00 + i*100)
	switch i % 10 {
	case 3:
		a += 3
	case 7:
		a++
	}
	return a
}

// crashSetup makes n payouts over four funded, fundraising requests, each
// applied for by the publisher and approved by two finance officers, with
// the real services; the custody ledger and the sandbox bank both hold the
// donations. It returns the payouts and what each request was given.
func crashSetup(t *testing.T, db *store.DB, sb *bank.Sandbox, n int) ([]crashPayout, map[int64]money.Fen) {
	t.Helper()
	ctx := context.Background()
	p, err := platform.New(ctx, platform.Config{DB: db, Keys: crashKeys(), Bank: sb})
	if err != nil {
		t.Fatal(err)
	}
	// Closed before any child runs: the children have ledgers of their own.
	defer p.Close()
	var f1, f2 staff.Staff
	err = db.Write(ctx, func(tx *store.Tx) (err error) {
		if f1, _, err = staff.Create(ctx, tx, p.Sealer, "fin1", staff.Finance, "correct horse battery"); err != nil {
			return err
		}
		f2, _, err = staff.Create(ctx, tx, p.Sealer, "fin2", staff.Finance, "correct horse battery")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	const requests = 4
	const donated = 40_000_00 // below ¥50,000: the requester's own account may be paid (R-DISB-3)
	given := map[int64]money.Fen{}
	var reqs, publishers []int64
	for r := range requests {
		var id, u int64
		err := db.Write(ctx, func(tx *store.Tx) (err error) {
			if u, err = campaigntest.User(ctx, tx, p.Vault, fmt.Sprintf("publisher-%d", r)); err != nil {
				return err
			}
			f := campaigntest.Filing()
			first17 := fmt.Sprintf("11010520100101%03d", r+1)
			c, err := idcard.CheckChar(first17)
			if err != nil {
				return err
			}
			f.PatientID = first17 + string(c)
			id, err = campaigntest.Fundraising(ctx, tx, p.Campaigns, u, f, 0)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// The donations as the donation service books them: the entry and
		// the running total.
		if _, err := p.Ledger.Post(ctx, ledger.Transfer(fmt.Sprintf("test:donation:%d", id), "donation", "psp:sandbox",
			"request:"+strconv.FormatInt(id, 10), donated)); err != nil {
			t.Fatal(err)
		}
		storetest.Exec(t, db, fmt.Sprintf(`INSERT INTO request_totals (request_id, raised_fen, donations) VALUES (%d, %d, 1)`, id, donated))
		given[id] = donated
		reqs, publishers = append(reqs, id), append(publishers, u)
	}
	// The provider settled the donations into custody, at the bank too.
	if _, err := p.Ledger.Post(ctx, ledger.Transfer("test:settle", "settlement", "bank:custody", "psp:sandbox",
		requests*donated)); err != nil {
		t.Fatal(err)
	}
	if err := sb.Credit(ctx, bank.Credit{Reference: "CFST-crash", Amount: requests * donated}); err != nil {
		t.Fatal(err)
	}
	rec := func(s staff.Staff, action string) audit.Record {
		return audit.Record{Actor: s.Actor(), Action: action, Object: "payout", Result: audit.ResultOK, Source: "192.0.2.1"}
	}
	var ps []crashPayout
	for i := range n {
		r := i % requests
		a := payout.Application{RequestID: reqs[r], Key: fmt.Sprintf("form-%d", i), Amount: crashAmount(i), Purpose: "化疗费用",
			Payee: payout.ToRequester, BankName: "建设银行", AccountNumber: "6222021234567890128"}
		x, err := p.Payouts.Apply(ctx, publishers[r], a)
		if err != nil {
			t.Fatalf("Apply %d: %v", i, err)
		}
		if err := p.Payouts.Claim(ctx, rec(f1, "payout.claim"), x.ID, f1); err != nil {
			t.Fatalf("Claim %d: %v", i, err)
		}
		if _, err := p.Payouts.Approve(ctx, rec(f1, "payout.approve"), x.ID, f1, ""); err != nil {
			t.Fatalf("first Approve %d: %v", i, err)
		}
		if x, err = p.Payouts.Approve(ctx, rec(f2, "payout.approve"), x.ID, f2, ""); err != nil || x.State != payout.Approved {
			t.Fatalf("second Approve %d: %+v, %v", i, x, err)
		}
		ps = append(ps, crashPayout{id: x.ID, request: reqs[r], amount: a.Amount,
			habit: bank.HabitOf(bank.Transfer{Amount: a.Amount})})
	}
	return ps, given
}

// TestCrashPayoutExecution kills the server's bank jobs (DispatchPayouts
// and PollPayouts, with the payout service behind them) at random moments,
// again and again, while payouts approved by two finance officers are sent,
// paid, rejected and returned, and then checks both sets of books. At the
// sandbox bank every transfer was received once and paid at most once, as
// its habit says: none twice, none lost (R-FUND-2: money leaves custody
// only as the payouts the platform decided, and only once), and only for
// a payout approved by two finance officers (R-DISB-1: reviewed before it
// is paid). On the platform every payout reached its final state with
// exactly one ledger entry per outcome, the exactly-once R-DON-1 asks of
// donations: the payment under custody:<transfer>, a return under its
// :return key, a rejection as one reversal of the approval; no money is
// left payable; the ledger verifies; and each request holds its donations
// less what was paid out and kept.
func TestCrashPayoutExecution(t *testing.T) {
	const n, kills = 40, 20
	// maxRuns bounds the runs by count: the kills, the runs the bank's
	// clock needs to bring the returns (a week at most), and a margin.
	const maxRuns = 5 * kills
	// step is how far the bank's clock moves between runs: the returns come
	// three working days after payment, within the killed runs.
	const step = 6 * time.Hour
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) {
			db := storetest.Open(t, d.DSN)
			at := crashMonday
			sb := bank.NewSandbox(db, bank.NewClock(at))
			ps, given := crashSetup(t, db, sb, n)

			// A new seed each run, so CI covers new kill points over time;
			// the log names it, to replay a failure.
			seed := uint64(time.Now().UnixNano())
			t.Logf("seed %d", seed)
			rng := rand.New(rand.NewPCG(seed, 2))
			killed, gaps, runs := 0, 0, 0
			byMode := map[string]int{}
			// Every run is killed at some moment, until there were enough
			// kills and every payout reached the state its habit leads to;
			// the bank's clock moves on between runs.
			for ; runs < maxRuns && (killed < kills || !settledAsHabits(t, db, ps)); runs++ {
				// The runs take turns: killed by the test after a random
				// number of lines, killing itself right after a random
				// line, killed by the test a random short delay after its
				// first line, and killing itself as soon as the bank took a
				// batch (when there is one to send).
				mode := crashMode(runs % 4)
				limit := 1 + rng.IntN(8)
				delay := time.Duration(rng.IntN(20_000)) * time.Microsecond
				if runPayoutChild(t, d.DSN, at, mode, limit, delay) {
					killed++
					byMode[mode.String()]++
					if mode == dieAtBank {
						gaps += unsentAtBank(t, db)
					}
				}
				if killed < kills {
					at = at.Add(step)
				} else {
					// Only the returns are still to come: a day at a time.
					at = at.Add(24 * time.Hour)
				}
			}
			t.Logf("%d runs, %d killed %v; %d transfers were at the bank but not marked sent", runs, killed, byMode, gaps)
			if killed < kills || !settledAsHabits(t, db, ps) {
				t.Fatalf("not settled after %d runs (%d killed): %s", runs, killed, unsettled(t, db, ps))
			}
			if gaps == 0 {
				t.Error("no run died between the bank's receipt and the outbox's record: the resend was not exercised")
			}
			// A last run, not killed, finds nothing to do.
			runPayoutChild(t, d.DSN, at, notKilled, 0, 0)
			checkCrashBooks(t, db, at, ps, given)
		})
	}
}

// crashMode is how a run of the child is killed.
type crashMode int

const (
	killedAfterLine crashMode = iota
	dieAtLine
	killedAfterDelay
	dieAtBank
	notKilled
)

func (m crashMode) String() string {
	return []string{"killed after a line", "died at a line", "killed after a delay", "died at the bank", "not killed"}[m]
}

// runPayoutChild runs the child once with the bank's clock at at, killed as
// mode says (at line limit, or delay after the first line), and reports
// whether it was killed. A run that fails otherwise, or ends without being
// done, fails the test.
func runPayoutChild(t *testing.T, dsn string, at time.Time, mode crashMode, limit int, delay time.Duration) bool {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envPayoutCrashDSN+"="+dsn, envPayoutCrashAt+"="+strconv.FormatInt(at.UnixMicro(), 10))
	switch mode {
	case dieAtLine:
		cmd.Env = append(cmd.Env, envPayoutCrashDie+"="+strconv.Itoa(limit))
	case dieAtBank:
		cmd.Env = append(cmd.Env, envPayoutCrashDie+"=bank")
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

// settledAsHabits reports whether every payout is in the state its habit
// at the bank leads to: paid, failed (rejected) or returned.
func settledAsHabits(t *testing.T, db *store.DB, ps []crashPayout) bool {
	t.Helper()
	return unsettled(t, db, ps) == ""
}

// unsettled describes the first payout not in the state its habit leads
// to, or is empty.
func unsettled(t *testing.T, db *store.DB, ps []crashPayout) string {
	t.Helper()
	for _, x := range ps {
		var st payout.State
		err := db.Read(context.Background(), func(tx *store.Tx) error {
			return tx.QueryRowContext(context.Background(), "SELECT state FROM payouts WHERE id = $1", x.id).Scan(&st)
		})
		if err != nil {
			t.Fatal(err)
		}
		if st != finalState(x.habit) {
			return fmt.Sprintf("payout %d (%s) is %s, want %s", x.id, x.habit, st, finalState(x.habit))
		}
	}
	return ""
}

// finalState is the state a payout ends in when the bank treats its
// transfer with habit h.
func finalState(h bank.Habit) payout.State {
	switch h {
	case bank.HabitReturn:
		return payout.Returned
	case bank.HabitClosed, bank.HabitNameMismatch:
		return payout.Failed
	}
	return payout.Paid
}

// unsentAtBank counts the transfers the bank has that the outbox has not
// marked sent: those a resend will carry again.
func unsentAtBank(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	err := db.Read(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRowContext(context.Background(), `SELECT count(*) FROM sandbox_bank_transfers s
			JOIN bank_transfers b ON b.id = s.id WHERE b.sent_at IS NULL`).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// checkCrashBooks checks the bank's books and the platform's after the
// killed runs: see TestCrashPayoutExecution.
func checkCrashBooks(t *testing.T, db *store.DB, at time.Time, ps []crashPayout, given map[int64]money.Fen) {
	t.Helper()
	ctx := context.Background()
	p, err := platform.New(ctx, platform.Config{DB: db, Keys: crashKeys(), Bank: bank.NewSandbox(db, bank.NewClock(at))})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	count := func(query string, args ...any) int {
		t.Helper()
		var c int
		if err := db.Read(ctx, func(tx *store.Tx) error { return tx.QueryRowContext(ctx, query, args...).Scan(&c) }); err != nil {
			t.Fatal(err)
		}
		return c
	}
	var custody money.Fen
	for _, g := range given {
		custody += g
	}
	kept := map[int64]money.Fen{}
	for _, x := range ps {
		tid := payout.TransferID(x.id, 1)
		var state payout.State
		var transfer sql.NullString
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT state, transfer_id FROM payouts WHERE id = $1", x.id).Scan(&state, &transfer)
		}); err != nil {
			t.Fatal(err)
		}
		// R-DISB-1: what the bank was sent was approved by two officers.
		if c := count(`SELECT count(*) FROM payouts WHERE id = $1 AND first_approver IS NOT NULL
			AND second_approver IS NOT NULL AND first_approver <> second_approver`, x.id); c != 1 {
			t.Errorf("payout %d was not approved by two finance officers", x.id)
		}
		// The bank's books: received once, and each status once.
		received := count("SELECT count(*) FROM sandbox_bank_transfers WHERE id = $1", tid)
		others := count("SELECT count(*) FROM sandbox_bank_transfers WHERE id LIKE $1 AND id <> $2",
			"CFPO"+strconv.FormatInt(x.id, 10)+"A%", tid)
		paidAtBank := count("SELECT count(*) FROM sandbox_bank_bookings WHERE kind = 'payout' AND end_to_end_id = $1", tid)
		returnedAtBank := count("SELECT count(*) FROM sandbox_bank_bookings WHERE kind = 'return' AND end_to_end_id = $1", tid)
		// The platform's books.
		paidEntry := count("SELECT count(*) FROM ledger_entries WHERE idem_key = $1 AND kind = 'payout'", payout.CustodyKey(tid))
		returnEntry := count("SELECT count(*) FROM ledger_entries WHERE idem_key = $1 AND kind = 'payout_return'", payout.ReturnKey(tid))
		reversals := count(`SELECT count(*) FROM ledger_entries WHERE kind = 'reversal' AND reverses =
			(SELECT id FROM ledger_entries WHERE idem_key = $1)`, payout.ApproveKey(x.id))
		want := struct {
			state                       payout.State
			paid, returned, rejected    int
			bankPaid, bankReturned, net int
		}{}
		switch x.habit {
		case bank.HabitPay:
			want.state, want.paid, want.bankPaid, want.net = payout.Paid, 1, 1, 1
		case bank.HabitReturn:
			want.state, want.paid, want.returned, want.bankPaid, want.bankReturned = payout.Returned, 1, 1, 1, 1
		case bank.HabitClosed:
			want.state, want.rejected = payout.Failed, 1
		default:
			t.Fatalf("payout %d has habit %s", x.id, x.habit)
		}
		if state != want.state || transfer.String != tid {
			t.Errorf("payout %d (%s): %s by transfer %q, want %s by %s", x.id, x.habit, state, transfer.String, want.state, tid)
		}
		if received != 1 || others != 0 || paidAtBank != want.bankPaid || returnedAtBank != want.bankReturned {
			t.Errorf("payout %d (%s) at the bank: received %d (and %d other attempts), paid %d, returned %d; want 1, 0, %d, %d",
				x.id, x.habit, received, others, paidAtBank, returnedAtBank, want.bankPaid, want.bankReturned)
		}
		if paidEntry != want.paid || returnEntry != want.returned || reversals != want.rejected {
			t.Errorf("payout %d (%s) in the ledger: %d payment, %d return, %d reversal entries; want %d, %d, %d",
				x.id, x.habit, paidEntry, returnEntry, reversals, want.paid, want.returned, want.rejected)
		}
		if b, err := p.Ledger.Balance(ctx, "payable:payout:"+strconv.FormatInt(x.id, 10)); err != nil || b != 0 {
			t.Errorf("payout %d (%s): payable holds %s, %v", x.id, x.habit, b, err)
		}
		if want.net == 1 {
			kept[x.request] += x.amount
			custody -= x.amount
		}
	}
	if c := count("SELECT count(*) FROM sandbox_bank_transfers"); c != len(ps) {
		t.Errorf("the bank received %d transfers, want %d", c, len(ps))
	}
	states, err := p.Bank.Transfers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range states {
		if !x.Sent {
			t.Errorf("transfer %s is not marked sent", x.ID)
		}
	}
	if len(states) != len(ps) {
		t.Errorf("the outbox holds %d transfers, want %d", len(states), len(ps))
	}
	if c := count("SELECT count(*) FROM payout_outcome_copies"); c != 0 {
		t.Errorf("%d outcomes were quarantined", c)
	}
	for id, g := range given {
		if b, err := p.Ledger.Balance(ctx, "request:"+strconv.FormatInt(id, 10)); err != nil || b != g-kept[id] {
			t.Errorf("request %d holds %s (%v), want %s donated less %s paid out", id, b, err, g, kept[id])
		}
	}
	if b, err := p.Ledger.Balance(ctx, "bank:custody"); err != nil || b != custody {
		t.Errorf("custody holds %s (%v), want %s", b, err, custody)
	}
	if _, err := ledger.Verify(ctx, db); err != nil {
		t.Errorf("ledger.Verify: %v", err)
	}
}
