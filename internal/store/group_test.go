package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// groupTable is what the group tests write: one row per write, and a
// counter every write adds one to, so a write whose effect landed twice
// shows.
func groupTable(t *testing.T, db *store.DB) {
	t.Helper()
	storetest.Exec(t, db,
		"CREATE TABLE group_rows (k TEXT PRIMARY KEY)",
		"CREATE TABLE group_counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)",
		"INSERT INTO group_counter (id, n) VALUES (1, 0)")
}

// insertRow is a write's effect: its row, and one more on the counter.
func insertRow(ctx context.Context, tx *store.Tx, k string) error {
	if _, err := tx.ExecContext(ctx, "INSERT INTO group_rows (k) VALUES ($1)", k); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, "UPDATE group_counter SET n = n + 1 WHERE id = 1")
	return err
}

// groupState returns the rows written and the counter.
func groupState(t *testing.T, db *store.DB) (map[string]bool, int) {
	t.Helper()
	ctx := context.Background()
	rows := map[string]bool{}
	var n int
	err := db.Read(ctx, func(tx *store.Tx) error {
		clear(rows)
		rs, err := tx.QueryContext(ctx, "SELECT k FROM group_rows")
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var k string
			if err := rs.Scan(&k); err != nil {
				return err
			}
			rows[k] = true
		}
		if err := rs.Err(); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT n FROM group_counter WHERE id = 1").Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows, n
}

// txLog records which transaction each run of each write's function was in.
type txLog struct {
	mu   sync.Mutex
	runs map[string][]*store.Tx // write → the transactions it ran in, in order
}

func (l *txLog) record(k string, tx *store.Tx) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.runs == nil {
		l.runs = map[string][]*store.Tx{}
	}
	l.runs[k] = append(l.runs[k], tx)
}

// batches returns how many writes each transaction ran.
func (l *txLog) batches() map[*store.Tx]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[*store.Tx]int{}
	for _, txs := range l.runs {
		for _, tx := range txs {
			out[tx]++
		}
	}
	return out
}

// blockGroup makes g busy with a write that waits for the returned release,
// so that the writes sent meanwhile queue up and are gathered into one
// batch. The blocking write's error is sent on done.
func blockGroup(t *testing.T, g *store.Group, k string) (release func(), done <-chan error) {
	t.Helper()
	started := make(chan struct{})
	hold := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		first := true
		errc <- g.Write(context.Background(), func(ctx context.Context, tx *store.Tx) error {
			if first {
				first = false
				close(started)
				<-hold
			}
			return insertRow(ctx, tx, k)
		})
	}()
	<-started
	var once sync.Once
	return func() { once.Do(func() { close(hold) }) }, errc
}

// queueWrites starts n writes behind a blocked group, waits until every
// goroutine is about to call Write and gives them wait to reach the queue,
// then lets the group go on. fn is each write's function; the writes'
// errors come back in order.
func queueWrites(t *testing.T, g *store.Group, round, n int, wait time.Duration,
	fn func(i int) func(context.Context, *store.Tx) error) []error {
	t.Helper()
	release, blocked := blockGroup(t, g, fmt.Sprintf("block-%d", round))
	errs := make([]error, n)
	var ready, wg sync.WaitGroup
	ready.Add(n)
	for i := range n {
		wg.Go(func() {
			ready.Done()
			errs[i] = g.Write(context.Background(), fn(i))
		})
	}
	ready.Wait()
	// Not an assertion about speed: a write that has not reached the queue
	// yet only makes a smaller batch, and the caller tries another round.
	time.Sleep(wait)
	release()
	wg.Wait()
	if err := <-blocked; err != nil {
		t.Fatalf("the blocking write: %v", err)
	}
	return errs
}

// Many concurrent writes all commit, in fewer transactions than writes: at
// least one transaction holds more than one write.
func TestGroupCommitsConcurrentWritesTogether(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		groupTable(t, db)
		g := store.NewGroup(db, 0)
		defer g.Close()
		const n = 40
		var log txLog
		total := 0
		shared := false
		for round := 0; round < 10 && !shared; round++ {
			errs := queueWrites(t, g, round, n, time.Duration(round+1)*time.Millisecond, func(i int) func(context.Context, *store.Tx) error {
				k := fmt.Sprintf("w-%d-%d", round, i)
				return func(ctx context.Context, tx *store.Tx) error {
					log.record(k, tx)
					return insertRow(ctx, tx, k)
				}
			})
			for i, err := range errs {
				if err != nil {
					t.Fatalf("write %d of round %d: %v", i, round, err)
				}
			}
			total += n
			for _, size := range log.batches() {
				if size > 1 {
					shared = true
				}
			}
		}
		if !shared {
			t.Fatal("every write had a transaction of its own: nothing was committed together")
		}
		batches := log.batches()
		if len(batches) >= total {
			t.Errorf("%d writes took %d transactions, want fewer", total, len(batches))
		}
		rows, counter := groupState(t, db)
		// Each round's blocking write adds a row of its own.
		if len(rows) < total || counter != len(rows) {
			t.Errorf("%d rows, counter %d; want %d writes' rows (plus the blockers') and the counter equal to the rows",
				len(rows), counter, total)
		}
		for k, txs := range log.runs {
			if !rows[k] {
				t.Errorf("write %s returned nil but its row is missing", k)
			}
			want := 1
			if store.RunsTwice() {
				want = 2 // the batch ran once more, rolled back (store.Write in tests)
			}
			if len(txs) != want {
				t.Errorf("write %s ran %d times with no failure in its batch, want %d", k, len(txs), want)
			}
		}
	})
}

// A failing write fails only itself: its neighbours in the batch commit,
// its own effects are rolled back, and a neighbour whose function ran twice
// (its batch failed, then it was tried alone) leaves its effect once.
func TestGroupFailingWriteFailsAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		groupTable(t, db)
		g := store.NewGroup(db, 0)
		defer g.Close()
		const n, bad = 8, 3
		errBad := errors.New("refused by the test")
		for round := 0; ; round++ {
			if round == 10 {
				t.Fatal("the failing write never shared a batch with its neighbours")
			}
			var log txLog
			key := func(i int) string { return fmt.Sprintf("f-%d-%d", round, i) }
			errs := queueWrites(t, g, round, n, time.Duration(round+1)*time.Millisecond, func(i int) func(context.Context, *store.Tx) error {
				k := key(i)
				return func(ctx context.Context, tx *store.Tx) error {
					log.record(k, tx)
					if err := insertRow(ctx, tx, k); err != nil {
						return err
					}
					if i == bad {
						// Its effect is written before it fails: the
						// rollback must take it away.
						return errBad
					}
					return nil
				}
			})
			rows, counter := groupState(t, db)
			for i, err := range errs {
				switch {
				case i == bad && !errors.Is(err, errBad):
					t.Errorf("the failing write returned %v, want its own error", err)
				case i != bad && err != nil:
					t.Errorf("neighbour %d failed with %v", i, err)
				case i == bad && rows[key(i)]:
					t.Error("the failing write's row was committed")
				case i != bad && !rows[key(i)]:
					t.Errorf("neighbour %d's row is missing", i)
				}
			}
			if counter != len(rows) {
				t.Errorf("counter %d, %d rows: an effect landed twice or a rolled-back one stayed", counter, len(rows))
			}
			// Did the failing write share its first transaction?
			first := log.runs[key(bad)][0]
			sharedWith := 0
			ranTwice := 0
			for i := range n {
				runs := log.runs[key(i)]
				if i != bad && runs[0] == first {
					sharedWith++
					if len(runs) < 2 {
						t.Errorf("neighbour %d shared the failed batch but ran %d time(s)", i, len(runs))
					}
				}
				if len(runs) >= 2 {
					ranTwice++
				}
			}
			if t.Failed() {
				return
			}
			if sharedWith > 0 {
				if ranTwice < 2 {
					t.Errorf("%d writes ran twice, want the failed batch's %d", ranTwice, sharedWith+1)
				}
				return
			}
		}
	})
}

// Close commits the writes already accepted before it returns; after it,
// Write returns ErrGroupClosed.
func TestGroupCloseDrains(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		groupTable(t, db)
		g := store.NewGroup(db, 0)
		release, blocked := blockGroup(t, g, "block")
		const n = 20
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				errs[i] = g.Write(context.Background(), func(ctx context.Context, tx *store.Tx) error {
					return insertRow(ctx, tx, fmt.Sprintf("c-%d", i))
				})
			})
		}
		time.Sleep(5 * time.Millisecond) // let some reach the queue; any outcome is checked below
		closed := make(chan struct{})
		go func() { g.Close(); close(closed) }()
		release()
		<-closed
		// Close has returned: whatever was accepted is committed now,
		// before the writers are even looked at.
		rows, counter := groupState(t, db)
		wg.Wait()
		if err := <-blocked; err != nil {
			t.Fatalf("the write in progress at Close: %v", err)
		}
		if !rows["block"] {
			t.Error("the write in progress at Close was not committed before Close returned")
		}
		for i, err := range errs {
			k := fmt.Sprintf("c-%d", i)
			switch {
			case err == nil && !rows[k]:
				t.Errorf("write %d returned nil but was not committed when Close returned", i)
			case errors.Is(err, store.ErrGroupClosed) && rows[k]:
				t.Errorf("write %d was refused but committed", i)
			case err != nil && !errors.Is(err, store.ErrGroupClosed):
				t.Errorf("write %d: %v", i, err)
			}
		}
		if counter != len(rows) {
			t.Errorf("counter %d, %d rows", counter, len(rows))
		}
		err := g.Write(context.Background(), func(ctx context.Context, tx *store.Tx) error {
			t.Error("a write after Close ran")
			return nil
		})
		if !errors.Is(err, store.ErrGroupClosed) {
			t.Errorf("Write after Close = %v, want ErrGroupClosed", err)
		}
		g.Close() // twice is harmless
	})
}

// A caller whose context ends while its write waits gets the context's
// error.
func TestGroupWriteCancelled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		groupTable(t, db)
		g := store.NewGroup(db, 0)
		defer g.Close()
		release, blocked := blockGroup(t, g, "block")
		defer release()

		// Cancelled before the call.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := g.Write(ctx, func(ctx context.Context, tx *store.Tx) error { return insertRow(ctx, tx, "early") })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Write with a cancelled context = %v, want context.Canceled", err)
		}

		// Cancelled while waiting for the busy group.
		ctx, cancel = context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			errc <- g.Write(ctx, func(ctx context.Context, tx *store.Tx) error { return insertRow(ctx, tx, "waiting") })
		}()
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Errorf("Write cancelled while waiting = %v, want context.Canceled", err)
		}

		// A deadline that passes while waiting.
		ctx, cancelT := context.WithTimeout(context.Background(), time.Millisecond)
		defer cancelT()
		err = g.Write(ctx, func(ctx context.Context, tx *store.Tx) error { return insertRow(ctx, tx, "late") })
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Write past its deadline = %v, want context.DeadlineExceeded", err)
		}
		release()
		if err := <-blocked; err != nil {
			t.Fatal(err)
		}
		// The group goes on working for others.
		if err := g.Write(context.Background(), func(ctx context.Context, tx *store.Tx) error {
			return insertRow(ctx, tx, "after")
		}); err != nil {
			t.Fatalf("a write after the cancelled ones: %v", err)
		}
		if rows, _ := groupState(t, db); !rows["after"] {
			t.Error("the write after the cancelled ones is missing")
		}
	})
}
