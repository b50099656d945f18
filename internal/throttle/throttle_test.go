package throttle_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/throttle"
)

// clock is a settable time for the database's transactions.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type takeResult struct {
	ok   bool
	wait time.Duration
}

func take(t *testing.T, db *store.DB, key string, l throttle.Limit) takeResult {
	t.Helper()
	var r takeResult
	err := db.Write(context.Background(), func(tx *store.Tx) error {
		ok, wait, err := throttle.Take(tx, key, l)
		r = takeResult{ok, wait}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func count(t *testing.T, db *store.DB, key string, window time.Duration) int {
	t.Helper()
	var n int
	err := db.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		n, err = throttle.Count(tx, key, window)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTakeSlidingWindow proves the limit: N events per window, the next
// refused with the time until the oldest counted event leaves the window,
// keys counted apart.
func TestTakeSlidingWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, base *store.DB) {
		c := &clock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
		db := base.WithClock(c.now)
		l := throttle.Limit{N: 3, Window: time.Hour}
		for i := range 3 {
			if r := take(t, db, "k:a", l); !r.ok {
				t.Fatalf("event %d refused under the limit", i+1)
			}
			c.add(10 * time.Minute)
		}
		// 08:30: events at 08:00, 08:10, 08:20.
		r := take(t, db, "k:a", l)
		if r.ok || r.wait != 30*time.Minute {
			t.Fatalf("fourth event: ok=%v wait=%v, want refused, wait 30m", r.ok, r.wait)
		}
		if n := count(t, db, "k:a", time.Hour); n != 3 {
			t.Fatalf("a refused event was recorded: count %d, want 3", n)
		}
		if r := take(t, db, "k:b", l); !r.ok {
			t.Fatal("another key is limited by k:a's events")
		}
		c.add(30 * time.Minute) // 09:00: the 08:00 event has left the window
		if r := take(t, db, "k:a", l); !r.ok {
			t.Fatal("refused after the oldest event left the window")
		}
		r = take(t, db, "k:a", l)
		if r.ok || r.wait != 10*time.Minute {
			t.Fatalf("after refill: ok=%v wait=%v, want refused, wait 10m", r.ok, r.wait)
		}
		if n := count(t, db, "k:a", 15*time.Minute); n != 1 {
			t.Fatalf("count in 15 minutes: %d, want 1", n)
		}
	})
}

// TestTakeHoldsAcrossNodes proves the limit holds when many requests take
// at once, as several nodes sharing the database would.
func TestTakeHoldsAcrossNodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := throttle.Limit{N: 4, Window: time.Hour}
		const tries = 12
		var wg sync.WaitGroup
		for range tries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := db.Write(context.Background(), func(tx *store.Tx) error {
					_, _, err := throttle.Take(tx, "k:shared", l)
					return err
				})
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if n := count(t, db, "k:shared", time.Hour); n != l.N {
			t.Fatalf("%d events recorded by %d concurrent takes, want exactly %d", n, tries, l.N)
		}
	})
}

func TestPurgeAndBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, base *store.DB) {
		c := &clock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
		db := base.WithClock(c.now)
		l := throttle.Limit{N: 10, Window: 48 * time.Hour}
		take(t, db, "k:a", l)
		c.add(25 * time.Hour)
		take(t, db, "k:a", l)
		var purged int64
		err := db.Write(context.Background(), func(tx *store.Tx) error {
			var err error
			purged, err = throttle.Purge(tx, tx.Now.Add(-24*time.Hour))
			return err
		})
		if err != nil || purged != 1 {
			t.Fatalf("purge: %d, %v; want 1 row", purged, err)
		}
		if n := count(t, db, "k:a", 48*time.Hour); n != 1 {
			t.Fatalf("after purge: %d, want 1", n)
		}
		err = db.Write(context.Background(), func(tx *store.Tx) error {
			if _, _, err := throttle.Take(tx, "", l); err == nil {
				t.Error("empty key accepted")
			}
			if _, _, err := throttle.Take(tx, "k", throttle.Limit{N: 1}); err == nil {
				t.Error("zero window accepted")
			}
			if ok, _, err := throttle.Take(tx, "k", throttle.Limit{N: 0, Window: time.Hour}); ok || err != nil {
				t.Errorf("N=0: ok=%v err=%v, want refused", ok, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
