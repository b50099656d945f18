package ledger

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// meta reads a meta value, or "" when there is none.
func meta(t *testing.T, db *store.DB, key string) string {
	t.Helper()
	v, _, err := db.Meta(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// recordAfter is an After hook that records the entry's id under key, in
// the entry's transaction.
func recordAfter(key string) func(context.Context, *store.Tx, Posted) error {
	return func(ctx context.Context, tx *store.Tx, p Posted) error {
		return tx.SetMeta(ctx, "after:"+key, strconv.FormatInt(p.ID, 10))
	}
}

var errHook = errors.New("hook refused")

// TestAfterCommitsWithTheEntry: an entry's After hook runs in the entry's
// transaction, so what it writes commits with the entry (R-DON-1: the
// donation and its ledger entry are one); it does not run for a replay; and
// when it fails, neither the entry nor anything it wrote is kept.
func TestAfterCommitsWithTheEntry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := newLedger(t, db, Options{})
		e := donation("after-1", "7", 100)
		e.After = recordAfter("after-1")
		p := mustPost(t, l, e)
		if got := meta(t, db, "after:after-1"); got != strconv.FormatInt(p.ID, 10) {
			t.Fatalf("the hook wrote %q, want the entry's id %d", got, p.ID)
		}
		// A replay is answered with the first entry, and its hook does
		// not run: it would refuse.
		e.After = func(context.Context, *store.Tx, Posted) error { return errHook }
		if again := mustPost(t, l, e); !again.Replayed || again.ID != p.ID {
			t.Errorf("replay = %+v, want the first entry replayed", again)
		}
		// A refusing hook: the entry is not posted, and nothing it wrote is.
		bad := donation("after-2", "7", 100)
		bad.After = func(ctx context.Context, tx *store.Tx, p Posted) error {
			if err := recordAfter("after-2")(ctx, tx, p); err != nil {
				return err
			}
			return errHook
		}
		if _, err := l.Post(context.Background(), bad); !errors.Is(err, errHook) {
			t.Fatalf("Post with a refusing hook = %v, want the hook's error", err)
		}
		if got := meta(t, db, "after:after-2"); got != "" {
			t.Errorf("a refused hook's write was kept: %q", got)
		}
		if got := balance(t, l, "request:7"); got != 100 {
			t.Errorf("request:7 holds %d, want only the first donation", got)
		}
		// The key is still free: the entry can be posted once the hook
		// agrees.
		bad.After = recordAfter("after-2")
		mustPost(t, l, bad)
		verify(t, db)
	})
}

// TestAfterInABatch: many entries with hooks, posted at once, share batches;
// one refusing hook fails only its own entry, and every other entry commits
// with what its hook wrote.
func TestAfterInABatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := newLedger(t, db, Options{})
		const n = 64
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				key := fmt.Sprintf("batch-%d", i)
				e := donation(key, "9", 1)
				e.After = recordAfter(key)
				if i == 13 {
					e.After = func(context.Context, *store.Tx, Posted) error { return errHook }
				}
				_, errs[i] = l.Post(context.Background(), e)
			})
		}
		wg.Wait()
		for i, err := range errs {
			key := fmt.Sprintf("batch-%d", i)
			switch {
			case i == 13 && !errors.Is(err, errHook):
				t.Errorf("%s: %v, want the hook's refusal", key, err)
			case i != 13 && err != nil:
				t.Errorf("%s: %v", key, err)
			case i != 13 && meta(t, db, "after:"+key) == "":
				t.Errorf("%s committed without its hook's write", key)
			}
		}
		if got := balance(t, l, "request:9"); got != n-1 {
			t.Errorf("request:9 holds %d, want %d", got, n-1)
		}
		verify(t, db)
	})
}
