package bank

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/vault"
)

// The crash test runs the dispatcher in a child process of the test
// binary, chosen by these variables.
const (
	envCrashDSN = "CAREFUND_BANK_CRASH_DSN"
	envCrashN   = "CAREFUND_BANK_CRASH_N"
	// envCrashDie makes the child kill itself right after the bank took
	// a batch, before the outbox marks it sent: the one moment a resend
	// happens.
	envCrashDie = "CAREFUND_BANK_CRASH_DIE"
)

func TestMain(m *testing.M) {
	if dsn := os.Getenv(envCrashDSN); dsn != "" {
		n, _ := strconv.Atoi(os.Getenv(envCrashN))
		if err := crashChild(dsn, n); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashVault is the same in the test and in its children, so that a child
// opens what an earlier one sealed.
func crashVault() *vault.Vault {
	keys := &keyring.Keys{}
	copy(keys.Master[:], "crash test master key, 32 bytes!")
	copy(keys.Index[:], "crash test index key, 32 bytes!!")
	return vault.New(keys)
}

func crashTransfer(i int) Transfer {
	// Amounts ending in 00 are paid at once by the sandbox.
	return transfer(fmt.Sprintf("CFPO%dA1", i), money.Fen(100_00+i*100))
}

// crashChild submits n transfers one by one and dispatches them as it
// goes, printing a line after each durable step, until all are sent. It is
// killed at random lines and run again; what it finds done it skips.
func crashChild(dsn string, n int) error {
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var b Bank = NewSandbox(db, NewClock(monday))
	if os.Getenv(envCrashDie) != "" {
		b = dyingBank{b}
	}
	s := &Service{DB: db, Bank: b, Vault: crashVault(), Batch: 3}
	out := bufio.NewWriter(os.Stdout)
	step := func(format string, args ...any) {
		fmt.Fprintf(out, format+"\n", args...)
		out.Flush()
	}
	for i := range n {
		if err := s.Submit(ctx, []Transfer{crashTransfer(i)}); err != nil {
			return err
		}
		step("submitted %d", i)
		if i%4 == 3 {
			sent, err := s.Dispatch(ctx)
			if err != nil {
				return err
			}
			step("dispatched %d", sent)
		}
	}
	for {
		sent, err := s.Dispatch(ctx)
		if err != nil {
			return err
		}
		step("dispatched %d", sent)
		if sent == 0 {
			step("done")
			return nil
		}
	}
}

// dyingBank is a bank whose caller dies as soon as the bank has a batch.
type dyingBank struct{ Bank }

func (b dyingBank) Send(ctx context.Context, ts []Transfer) error {
	if err := b.Bank.Send(ctx, ts); err != nil {
		return err
	}
	p, _ := os.FindProcess(os.Getpid())
	_ = p.Kill()
	select {} // the kill is on its way
}

// TestCrashDispatch kills the dispatcher at random moments, again and
// again, and then checks the sandbox bank's books: every transfer was
// received and paid exactly once, none twice, none lost (R-FUND-2: money
// leaves custody only as the payouts the platform decided, and only once).
func TestCrashDispatch(t *testing.T) {
	const n, kills = 40, 20
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, d.DSN)
			sb := NewSandbox(db, NewClock(monday))
			if err := sb.Credit(ctx, Credit{Reference: "CFST-crash", Amount: money.MaxFen / 2}); err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			done := false
			killed, gaps := 0, 0
			for run := 0; !done && run <= kills; run++ {
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), envCrashDSN+"="+d.DSN, envCrashN+"="+strconv.Itoa(n))
				// Every third run dies between the bank's receipt and the
				// outbox's record of it; the others are killed at a random line.
				dies := run%3 == 2 && run < kills
				if dies {
					cmd.Env = append(cmd.Env, envCrashDie+"=1")
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
				// The last runs go to the end: progress, not time, ends the test.
				limit := 1 + rng.IntN(6)
				lines := 0
				for sc.Scan() {
					lines++
					if sc.Text() == "done" {
						done = true
					}
					if run < kills && !dies && lines >= limit {
						_ = cmd.Process.Kill()
						killed++
						break
					}
				}
				for sc.Scan() {
				}
				err = cmd.Wait()
				if dies {
					killed++
					gaps += unsentAtBank(t, db)
				}
				if run == kills && err != nil {
					t.Fatalf("the last run failed: %v", err)
				}
				if lines == 0 && !done {
					t.Fatalf("run %d made no progress", run)
				}
			}
			if !done {
				t.Fatalf("not done after %d killed runs", killed)
			}
			t.Logf("killed the dispatcher %d times; %d transfers were at the bank but not marked sent", killed, gaps)
			if gaps == 0 {
				t.Error("no run died between the bank's receipt and the outbox's record: the resend was not exercised")
			}

			// Every transfer is at the bank once, and marked sent.
			sb.Advance(24 * time.Hour)
			outs, _, err := sb.Outcomes(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			paid := map[string]int{}
			for _, o := range outs {
				if o.Status == Paid {
					paid[o.TransferID]++
				}
			}
			var received, booked int
			err = db.Read(ctx, func(tx *store.Tx) error {
				if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sandbox_bank_transfers").Scan(&received); err != nil {
					return err
				}
				return tx.QueryRowContext(ctx, "SELECT count(*) FROM sandbox_bank_bookings WHERE kind = 'payout'").Scan(&booked)
			})
			if err != nil {
				t.Fatal(err)
			}
			if received != n || booked != n {
				t.Errorf("the bank received %d transfers and booked %d payments, want %d of each", received, booked, n)
			}
			st, err := sb.Statement(ctx, monday)
			if err != nil {
				t.Fatal(err)
			}
			lines := map[string]int{}
			var total money.Fen
			for _, e := range st.Entries {
				if e.Direction == "DBIT" {
					lines[e.EndToEndID]++
					total += e.Amount
				}
			}
			var want money.Fen
			for i := range n {
				tr := crashTransfer(i)
				want += tr.Amount
				if paid[tr.ID] != 1 || lines[tr.ID] != 1 {
					t.Errorf("transfer %s: paid %d times, %d statement lines; want exactly one", tr.ID, paid[tr.ID], lines[tr.ID])
				}
			}
			if total != want {
				t.Errorf("the statement's debits total %s, want %s", total, want)
			}
			s := &Service{DB: db, Bank: sb, Vault: crashVault()}
			states, err := s.Transfers(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range states {
				if !x.Sent {
					t.Errorf("transfer %s is not marked sent", x.ID)
				}
			}
			if len(states) != n {
				t.Errorf("the outbox holds %d transfers, want %d", len(states), n)
			}
		})
	}
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
