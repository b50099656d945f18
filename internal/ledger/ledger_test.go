package ledger

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/metrics"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

func newLedger(t *testing.T, db *store.DB, opts Options) *Ledger {
	t.Helper()
	l := New(db, opts)
	t.Cleanup(l.Close)
	return l
}

func donation(key, request string, amount money.Fen) Entry {
	return Transfer(key, "donation", "psp:sandbox", "request:"+request, amount)
}

func payout(key, request string, amount money.Fen) Entry {
	return Transfer(key, "payout", "request:"+request, "payable:payout:"+key, amount)
}

func mustPost(t *testing.T, l *Ledger, e Entry) Posted {
	t.Helper()
	p, err := l.Post(context.Background(), e)
	if err != nil {
		t.Fatalf("Post(%s): %v", e.Key, err)
	}
	return p
}

func balance(t *testing.T, l *Ledger, name string) money.Fen {
	t.Helper()
	b, err := l.Balance(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func verify(t *testing.T, db *store.DB) Summary {
	t.Helper()
	s, err := Verify(context.Background(), db)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return s
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		want Class
		ok   bool
	}{
		{"bank:custody", Class{Asset, false}, true},
		{"psp:wechatpay", Class{Asset, false}, true},
		{"request:42", Class{Liability, true}, true},
		{"request:01HZX-abc_9", Class{Liability, true}, true},
		{"payable:payout:7", Class{Liability, true}, true},
		{"payable:refund:7", Class{Liability, true}, true},
		{"receivable:recovery:7", Class{Asset, false}, true},
		{"charity:payable", Class{Liability, true}, true},
		{"income:fees", Class{Income, false}, true},
		{"request:", Class{}, false},
		{"request:a b", Class{}, false},
		{"request:" + strings.Repeat("9", 65), Class{}, false},
		{"psp:", Class{}, false},
		{"bank:custody:2", Class{}, false},
		{"payable:7", Class{}, false},
		{"cash", Class{}, false},
		{"", Class{}, false},
	}
	for _, tt := range tests {
		got, err := Classify(tt.name)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("Classify(%q) = %+v, %v; want %+v, ok=%v", tt.name, got, err, tt.want, tt.ok)
		}
	}
}

func TestValidate(t *testing.T) {
	good := donation("k1", "1", 100)
	tests := []struct {
		name   string
		change func(e *Entry)
	}{
		{"NoKey", func(e *Entry) { e.Key = "" }},
		{"ControlInKey", func(e *Entry) { e.Key = "a\nb" }},
		{"LongKey", func(e *Entry) { e.Key = strings.Repeat("k", 201) }},
		{"NoKind", func(e *Entry) { e.Kind = "" }},
		{"BadKind", func(e *Entry) { e.Kind = "Donation!" }},
		{"OnePosting", func(e *Entry) { e.Postings = e.Postings[:1] }},
		{"Unbalanced", func(e *Entry) { e.Postings[1].Amount = -99 }},
		{"ZeroAmount", func(e *Entry) { e.Postings = []Posting{{"psp:x", 0}, {"request:1", 0}} }},
		{"UnknownAccount", func(e *Entry) { e.Postings[0].Account = "cash" }},
		{"SameAccountTwice", func(e *Entry) { e.Postings = []Posting{{"request:1", 5}, {"request:1", -5}} }},
		{"Huge", func(e *Entry) { e.Postings = []Posting{{"psp:x", money.MaxFen + 1}, {"request:1", -money.MaxFen - 1}} }},
		{"LongMemo", func(e *Entry) { e.Memo = strings.Repeat("m", 501) }},
		{"NULInMemo", func(e *Entry) { e.Memo = "a\x00b" }},
	}
	if err := Validate(good); err != nil {
		t.Fatalf("Validate(good) = %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := good
			e.Postings = append([]Posting(nil), good.Postings...)
			tt.change(&e)
			err := Validate(e)
			if !errors.Is(err, ErrInvalid) || apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("Validate() = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestPost(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := newLedger(t, db, Options{})
		ctx := context.Background()
		p := mustPost(t, l, donation("wx:1", "7", 10000))
		if p.ID == 0 || p.Replayed || p.CreatedAt.IsZero() {
			t.Errorf("Posted = %+v", p)
		}
		mustPost(t, l, donation("wx:2", "7", 2550))
		mustPost(t, l, Transfer("settle:1", "settlement", "bank:custody", "psp:sandbox", 12550))
		for name, want := range map[string]money.Fen{
			"request:7": 12550, "psp:sandbox": 0, "bank:custody": 12550, "request:8": 0,
		} {
			if got := balance(t, l, name); got != want {
				t.Errorf("Balance(%s) = %s, want %s", name, got, want)
			}
		}
		e, err := l.EntryByKey(ctx, "wx:1")
		if err != nil {
			t.Fatal(err)
		}
		if e.ID != p.ID || e.Kind != "donation" || len(e.Postings) != 2 || e.Postings[1] != (Posting{"request:7", -10000}) {
			t.Errorf("EntryByKey = %+v", e)
		}
		if _, err := l.EntryByID(ctx, 999999); !errors.Is(err, ErrNoEntry) || apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("EntryByID(missing) = %v", err)
		}
		if s := verify(t, db); s.Entries != 3 || s.Custody != 12550 {
			t.Errorf("Verify = %+v", s)
		}
	})
}

// TestExactlyOnce: R-DON-1. A replayed key returns the first entry and writes
// nothing; the same key with different content is refused.
func TestExactlyOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := newLedger(t, db, Options{})
		ctx := context.Background()
		first := mustPost(t, l, donation("wx:tx-1", "1", 5000))
		again := mustPost(t, l, donation("wx:tx-1", "1", 5000))
		if again.ID != first.ID || !again.Replayed || !again.CreatedAt.Equal(first.CreatedAt) {
			t.Errorf("replay = %+v, first = %+v", again, first)
		}
		_, err := l.Post(ctx, donation("wx:tx-1", "1", 5001))
		if !errors.Is(err, ErrKeyReused) || apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("same key, other amount: %v", err)
		}
		if got := balance(t, l, "request:1"); got != 5000 {
			t.Errorf("balance %s after replays, want 50.00", got)
		}

		// Many concurrent posts of one key, as a provider's duplicate
		// notifications arrive: one entry, every caller told its ID.
		var wg sync.WaitGroup
		ids := make([]int64, 50)
		for i := range ids {
			wg.Go(func() {
				p, err := l.Post(ctx, donation("wx:tx-2", "1", 700))
				if err != nil {
					t.Error(err)
				}
				ids[i] = p.ID
			})
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] || id == 0 {
				t.Fatalf("concurrent duplicates got IDs %v", ids)
			}
		}
		if got := balance(t, l, "request:1"); got != 5700 {
			t.Errorf("balance %s after 50 duplicates of 7.00, want 57.00", got)
		}
		if s := verify(t, db); s.Entries != 2 {
			t.Errorf("%d entries, want 2", s.Entries)
		}
	})
}

// TestGroupCommit checks that concurrent posts share transactions, and that an
// overdraft in a batch refuses only itself.
func TestGroupCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		reg := metrics.NewRegistry()
		l := newLedger(t, db, Options{MaxWait: 20 * 1e6, Metrics: reg}) // 20 ms
		ctx := context.Background()
		mustPost(t, l, donation("seed", "1", 1000))
		var wg sync.WaitGroup
		var refused atomic.Int32
		for i := range 200 {
			wg.Go(func() {
				e := donation(fmt.Sprint("d", i), "2", 100)
				if i%10 == 0 {
					e = payout(fmt.Sprint("p", i), "1", 600) // 20 ask for 600 of 1000: one fits
				}
				_, err := l.Post(ctx, e)
				switch {
				case errors.Is(err, ErrInsufficientFunds):
					refused.Add(1)
				case err != nil:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if got := refused.Load(); got != 19 {
			t.Errorf("%d payouts refused, want 19", got)
		}
		if got := balance(t, l, "request:2"); got != 180*100 {
			t.Errorf("request:2 holds %s, want 180.00", got)
		}
		if got := balance(t, l, "request:1"); got != 400 {
			t.Errorf("request:1 holds %s, want 4.00", got)
		}
		var b strings.Builder
		reg.WriteTo(&b)
		var batches float64
		for line := range strings.Lines(b.String()) {
			fmt.Sscanf(line, "carefund_ledger_batches_total %g", &batches)
		}
		if batches < 1 || batches > 100 {
			t.Errorf("%g batches for 201 entries: they were not grouped", batches)
		}
		verify(t, db)
	})
}

// TestFailedBatch makes the database refuse a whole batch: nobody in it may be
// told it succeeded; each entry is retried alone and answered on its own.
func TestFailedBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		reg := metrics.NewRegistry()
		l := newLedger(t, db, Options{MaxWait: 20 * 1e6, Metrics: reg})
		l.testHookApply = func(batch []*call) error {
			for _, c := range batch {
				if c.e.Key == "poison" {
					return errors.New("the database refused the batch")
				}
			}
			return nil
		}
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make([]error, 30)
		for i := range errs {
			wg.Go(func() {
				key := fmt.Sprint("k", i)
				if i == 7 {
					key = "poison"
				}
				_, errs[i] = l.Post(ctx, donation(key, "1", 100))
			})
		}
		wg.Wait()
		for i, err := range errs {
			if i == 7 && (err == nil || apperr.CodeOf(err) != apperr.Internal) {
				t.Errorf("the poisoned entry: %v, want an internal error", err)
			}
			if i != 7 && err != nil {
				t.Errorf("entry %d: %v", i, err)
			}
		}
		if _, err := l.EntryByKey(ctx, "poison"); !errors.Is(err, ErrNoEntry) {
			t.Errorf("the refused entry was written: %v", err)
		}
		if got := balance(t, l, "request:1"); got != 29*100 {
			t.Errorf("request:1 holds %s, want 29.00", got)
		}
		var b strings.Builder
		reg.WriteTo(&b)
		if !strings.Contains(b.String(), "carefund_ledger_batch_retries_total ") || strings.Contains(b.String(), "carefund_ledger_batch_retries_total 0\n") {
			t.Errorf("no batch was retried entry by entry:\n%s", b.String())
		}
		verify(t, db)
	})
}

// run commits calls as one batch, as the writer does, and returns their outcomes.
func run(l *Ledger, es ...Entry) []result {
	batch := make([]*call, len(es))
	for i, e := range es {
		batch[i] = &call{e: e, hash: hash(e), done: make(chan struct{})}
	}
	l.commit(batch, false)
	out := make([]result, len(batch))
	for i, c := range batch {
		<-c.done
		out[i] = c.res
	}
	return out
}

// TestSameKeyTwiceInABatch: an entry is judged against what was actually
// posted under its key, not against another call in its batch (R-DON-1).
func TestSameKeyTwiceInABatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := newLedger(t, db, Options{})
		first := mustPost(t, l, donation("k", "1", 500))
		// A different entry under k, then the genuine replay of k.
		got := run(l, donation("k", "1", 999), donation("k", "1", 500))
		if !errors.Is(got[0].err, ErrKeyReused) {
			t.Errorf("other content under a posted key: %v", got[0].err)
		}
		if got[1].err != nil || got[1].posted.ID != first.ID || !got[1].posted.Replayed {
			t.Errorf("genuine replay after a reuse in the same batch: %+v", got[1])
		}
		// A payout refused for want of funds, then a donation, under one
		// new key: nothing was posted under it, so the donation goes in.
		got = run(l, payout("k2", "2", 100), donation("k2", "2", 300))
		if !errors.Is(got[0].err, ErrInsufficientFunds) || got[1].err != nil || got[1].posted.Replayed {
			t.Errorf("refused then other content under one key: %v, %+v", got[0].err, got[1])
		}
		if b := balance(t, l, "request:2"); b != 300 {
			t.Errorf("request:2 holds %s, want 3.00", b)
		}
		verify(t, db)
	})
}

// TestRefusedReversalDoesNotBlockTheNext: a reversal refused for want of
// funds does not count as one; a later reversal in the same batch may go in.
func TestRefusedReversalDoesNotBlockTheNext(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := newLedger(t, db, Options{})
		ctx := context.Background()
		mustPost(t, l, donation("d", "5", 1000))
		p := mustPost(t, l, payout("p", "5", 500))
		mustPost(t, l, Transfer("paid", "payout", "payable:payout:p", "bank:custody", 500))
		orig, err := l.EntryByID(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		undo := func(key string) Entry {
			e := Entry{Key: key, Kind: "reversal", Reverses: p.ID}
			for _, q := range orig.Postings {
				e.Postings = append(e.Postings, Posting{q.Account, -q.Amount})
			}
			return e
		}
		got := run(l, undo("r1"), Transfer("back", "payout_return", "bank:custody", "payable:payout:p", 500), undo("r2"))
		if !errors.Is(got[0].err, ErrInsufficientFunds) || got[1].err != nil || got[2].err != nil {
			t.Errorf("outcomes %v, %v, %v; want refused, posted, posted", got[0].err, got[1].err, got[2].err)
		}
		if b := balance(t, l, "request:5"); b != 1000 {
			t.Errorf("request:5 holds %s after the payout was reversed, want 10.00", b)
		}
		verify(t, db)
	})
}

// TestPostCopiesPostings: the caller may reuse its entry once Post returns,
// even when Post returned early because its context ended.
func TestPostCopiesPostings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := newLedger(t, db, Options{})
		release := make(chan struct{})
		l.testHookApply = func([]*call) error { <-release; return nil }
		e := donation("reused", "6", 500)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if _, err := l.Post(ctx, e); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Post = %v, want the deadline", err)
		}
		e.Postings[1].Amount = -50000 // the caller reuses its slice
		close(release)
		l.Close()
		l2 := newLedger(t, db, Options{})
		if b := balance(t, l2, "request:6"); b != 500 {
			t.Errorf("request:6 holds %s, want 5.00", b)
		}
		verify(t, db)
	})
}

// TestOverSpend: R-FUND-1. A thousand concurrent payouts against a request
// holding less than they ask for: it never goes negative, money is conserved,
// every refused payout fails with insufficient funds, and nothing else fails.
func TestOverSpend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := newLedger(t, db, Options{})
		ctx := context.Background()
		mustPost(t, l, donation("gift", "9", 50000)) // ¥500.00
		var wg sync.WaitGroup
		var ok, refused, other atomic.Int32
		for i := range 1000 {
			wg.Go(func() {
				_, err := l.Post(ctx, payout(fmt.Sprint("out", i), "9", 100)) // ¥1.00 each
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, ErrInsufficientFunds) && apperr.CodeOf(err) == apperr.Conflict:
					refused.Add(1)
				default:
					other.Add(1)
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 500 || refused.Load() != 500 || other.Load() != 0 {
			t.Errorf("%d paid, %d refused, %d other; want 500, 500, 0", ok.Load(), refused.Load(), other.Load())
		}
		if got := balance(t, l, "request:9"); got != 0 {
			t.Errorf("request:9 holds %s, want 0", got)
		}
		var paidOut money.Fen
		err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT coalesce(sum(balance), 0) FROM ledger_accounts WHERE name LIKE 'payable:payout:%'").Scan(&paidOut)
		})
		if err != nil || paidOut != 50000 {
			t.Errorf("payables hold %s (%v), want 500.00: money was not conserved", paidOut, err)
		}
		verify(t, db)
	})
}

func TestReverse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := newLedger(t, db, Options{})
		ctx := context.Background()
		d := mustPost(t, l, donation("d1", "3", 800))
		r, err := l.Reverse(ctx, d.ID, "undo-d1", "posted to the wrong request")
		if err != nil {
			t.Fatal(err)
		}
		if got := balance(t, l, "request:3"); got != 0 {
			t.Errorf("after reversal request:3 holds %s", got)
		}
		if _, err := l.Reverse(ctx, d.ID, "undo-d1-again", ""); !errors.Is(err, ErrAlreadyReversed) {
			t.Errorf("second reversal: %v", err)
		}
		if _, err := l.Reverse(ctx, r.ID, "undo-undo", ""); !errors.Is(err, ErrAlreadyReversed) {
			t.Errorf("reversing a reversal: %v", err)
		}
		// Replaying the reversal's own key is still exactly-once.
		if again, err := l.Reverse(ctx, d.ID, "undo-d1", "posted to the wrong request"); err != nil || again.ID != r.ID || !again.Replayed {
			t.Errorf("replayed reversal = %+v, %v", again, err)
		}
		// A reversal that does not undo its entry is refused, as is one of
		// an entry that does not exist.
		d3 := mustPost(t, l, donation("d3", "3", 800))
		fake := Entry{Key: "fake", Kind: "reversal", Reverses: d3.ID, Postings: []Posting{{"request:3", 1}, {"psp:sandbox", -1}}}
		if _, err := l.Post(ctx, fake); !errors.Is(err, ErrInvalid) {
			t.Errorf("bogus reversal: %v", err)
		}
		ghost := Entry{Key: "ghost", Kind: "reversal", Reverses: 987654, Postings: []Posting{{"request:3", 1}, {"psp:sandbox", -1}}}
		if _, err := l.Post(ctx, ghost); !errors.Is(err, ErrInvalid) {
			t.Errorf("reversal of a missing entry: %v", err)
		}
		// Reversing a payout is refused when the request no longer holds the
		// money: the funds check applies to reversals too.
		mustPost(t, l, donation("d2", "4", 500))
		p := mustPost(t, l, payout("p2", "4", 500))
		mustPost(t, l, Transfer("paid-p2", "payout", "payable:payout:p2", "bank:custody", 500))
		if _, err := l.Reverse(ctx, p.ID, "undo-p2", ""); !errors.Is(err, ErrInsufficientFunds) {
			t.Errorf("reversing a payout already paid: %v", err)
		}
		verify(t, db)
	})
}

// TestDatabaseGuards checks the database itself, not just this package,
// refuses to change posted entries or to overdraw a request account.
func TestDatabaseGuards(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := newLedger(t, db, Options{})
		ctx := context.Background()
		mustPost(t, l, donation("d1", "5", 300))
		for _, stmt := range []string{
			"UPDATE ledger_entries SET memo = 'edited'",
			"DELETE FROM ledger_entries",
			"UPDATE ledger_postings SET amount = amount * 2",
			"DELETE FROM ledger_postings",
			"DELETE FROM ledger_accounts WHERE name = 'request:5'",
			"UPDATE ledger_accounts SET name = 'request:6' WHERE name = 'request:5'",
			"UPDATE ledger_accounts SET non_negative = " + falseLiteral(db) + " WHERE name = 'request:5'",
			"UPDATE ledger_accounts SET balance = -1 WHERE name = 'request:5'", // R-FUND-1
		} {
			err := db.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, stmt)
				return err
			})
			if err == nil {
				t.Errorf("the database accepted: %s", stmt)
			}
		}
		if db.Dialect() == store.Postgres {
			err := db.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, "TRUNCATE ledger_postings, ledger_entries")
				return err
			})
			if err == nil {
				t.Error("the database accepted TRUNCATE")
			}
		}
		if got := balance(t, l, "request:5"); got != 300 {
			t.Errorf("request:5 holds %s after refused changes", got)
		}
		verify(t, db)
	})
}

func falseLiteral(db *store.DB) string {
	if db.Dialect() == store.Postgres {
		return "false"
	}
	return "0"
}

// TestVerifyFindsTampering breaks each invariant behind the database's back
// and checks Verify names it.
func TestVerifyFindsTampering(t *testing.T) {
	tamper := []struct {
		invariant string
		stmts     []string
	}{
		{"every balance equals the sum of its postings", []string{"UPDATE ledger_accounts SET balance = balance + 1 WHERE name = 'request:1'"}},
		{"every entry sums to zero", []string{"UPDATE ledger_postings SET amount = amount + 1 WHERE amount > 0"}},
		{"every entry matches its content hash", []string{"UPDATE ledger_entries SET memo = 'edited'"}},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Run("orphan_postings", func(t *testing.T) {
			// Balanced postings under an entry that does not exist, written
			// with foreign keys off, as a careless shell session could.
			ctx := context.Background()
			l := New(db, Options{})
			defer l.Close()
			if _, err := l.Post(ctx, donation("o1", "1", 100)); err != nil {
				t.Fatal(err)
			}
			err := db.Write(ctx, func(tx *store.Tx) error {
				off := "SET LOCAL session_replication_role = replica"
				if tx.Dialect == store.SQLite {
					off = "PRAGMA defer_foreign_keys = ON"
				}
				if _, err := tx.ExecContext(ctx, off); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, `INSERT INTO ledger_postings (entry_id, account_id, amount)
					SELECT 999999, id, CASE WHEN name = 'psp:sandbox' THEN 7 ELSE -7 END FROM ledger_accounts WHERE name IN ('psp:sandbox', 'request:1')`)
				return err // SQLite checks deferred keys at commit, and refuses
			})
			if tx := db.Dialect(); tx == store.SQLite {
				if err == nil {
					t.Fatal("SQLite accepted orphan postings with foreign keys on")
				}
				return // SQLite's foreign keys refuse orphan postings outright; Verify is checked on PostgreSQL
			}
			if err != nil {
				t.Fatal(err)
			}
			_, err = Verify(ctx, db)
			var v *Violation
			if !errors.As(err, &v) || v.Invariant != "every posting belongs to an entry and an account" {
				t.Errorf("Verify() = %v, want the orphan postings named", err)
			}
			db.Write(ctx, func(tx *store.Tx) error {
				disableGuards(ctx, tx)
				tx.ExecContext(ctx, "DELETE FROM ledger_postings WHERE entry_id = 999999")
				tx.ExecContext(ctx, "DELETE FROM ledger_postings")
				tx.ExecContext(ctx, "DELETE FROM ledger_entries")
				tx.ExecContext(ctx, "UPDATE ledger_accounts SET balance = 0")
				return enableGuards(ctx, tx)
			})
		})
		for _, tt := range tamper {
			t.Run(strings.ReplaceAll(tt.invariant, " ", "_"), func(t *testing.T) {
				dsnDB := db
				l := New(dsnDB, Options{})
				defer l.Close()
				ctx := context.Background()
				key := fmt.Sprint("t", len(tt.invariant))
				if _, err := l.Post(ctx, donation(key, "1", 100)); err != nil {
					t.Fatal(err)
				}
				verify(t, db)
				err := db.Write(ctx, func(tx *store.Tx) error {
					if err := disableGuards(ctx, tx); err != nil {
						return err
					}
					for _, s := range tt.stmts {
						if _, err := tx.ExecContext(ctx, s); err != nil {
							return err
						}
					}
					return enableGuards(ctx, tx)
				})
				if err != nil {
					t.Fatal(err)
				}
				_, err = Verify(ctx, db)
				var v *Violation
				if !errors.As(err, &v) || v.Invariant != tt.invariant {
					t.Errorf("Verify() = %v, want a violation of %q", err, tt.invariant)
				}
				// Put it back for the next case.
				err = db.Write(ctx, func(tx *store.Tx) error {
					if err := disableGuards(ctx, tx); err != nil {
						return err
					}
					for _, s := range []string{"DELETE FROM ledger_postings", "DELETE FROM ledger_entries", "UPDATE ledger_accounts SET balance = 0"} {
						if _, err := tx.ExecContext(ctx, s); err != nil {
							return err
						}
					}
					return enableGuards(ctx, tx)
				})
				if err != nil {
					t.Fatal(err)
				}
			})
		}
	})
}

// disableGuards lifts the immutability triggers, as only someone with direct
// database access could.
func disableGuards(ctx context.Context, tx *store.Tx) error {
	stmts := []string{
		"ALTER TABLE ledger_entries DISABLE TRIGGER USER",
		"ALTER TABLE ledger_postings DISABLE TRIGGER USER",
	}
	if tx.Dialect == store.SQLite {
		stmts = []string{
			"DROP TRIGGER ledger_entries_no_update", "DROP TRIGGER ledger_entries_no_delete",
			"DROP TRIGGER ledger_postings_no_update", "DROP TRIGGER ledger_postings_no_delete",
		}
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

func enableGuards(ctx context.Context, tx *store.Tx) error {
	if tx.Dialect == store.SQLite {
		for _, s := range []string{"ledger_entries_no_update BEFORE UPDATE ON ledger_entries", "ledger_entries_no_delete BEFORE DELETE ON ledger_entries",
			"ledger_postings_no_update BEFORE UPDATE ON ledger_postings", "ledger_postings_no_delete BEFORE DELETE ON ledger_postings"} {
			if _, err := tx.ExecContext(ctx, "CREATE TRIGGER "+s+" BEGIN SELECT RAISE(ABORT, 'immutable'); END"); err != nil {
				return err
			}
		}
		return nil
	}
	for _, s := range []string{"ALTER TABLE ledger_entries ENABLE TRIGGER USER", "ALTER TABLE ledger_postings ENABLE TRIGGER USER"} {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// TestCloseAnswersEveryCall closes the ledger while posts are under way:
// every Post returns, with its entry written or with ErrClosed.
func TestCloseAnswersEveryCall(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	l := New(db, Options{MaxBatch: 4})
	var wg sync.WaitGroup
	var posted, closed atomic.Int32
	for i := range 300 {
		wg.Go(func() {
			_, err := l.Post(context.Background(), donation(fmt.Sprint("c", i), "1", 100))
			switch {
			case err == nil:
				posted.Add(1)
			case errors.Is(err, ErrClosed):
				closed.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	l.Close()
	wg.Wait() // hangs if a call is left unanswered
	l2 := New(db, Options{})
	defer l2.Close()
	if got := balance(t, l2, "request:1"); got != money.Fen(posted.Load())*100 {
		t.Errorf("request:1 holds %s, but %d posts succeeded", got, posted.Load())
	}
	t.Logf("%d posted, %d refused as closed", posted.Load(), closed.Load())
}
