package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// A handle made by WithClock stamps its transactions with its own clock and
// sees what the original wrote, which keeps the real time.
func TestWithClock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		past := time.Date(2026, 10, 26, 2, 0, 0, 0, time.UTC)
		view := db.WithClock(func() time.Time { return past })
		var at time.Time
		if err := view.Write(ctx, func(tx *store.Tx) error {
			at = tx.Now
			return tx.SetMeta(ctx, "clock_view_test", "written through the view")
		}); err != nil {
			t.Fatal(err)
		}
		if !at.Equal(past) {
			t.Errorf("the view's transaction ran at %s, want %s", at, past)
		}
		var n int
		if err := db.Read(ctx, func(tx *store.Tx) error {
			at = tx.Now
			return tx.QueryRowContext(ctx, "SELECT count(*) FROM meta WHERE key = 'clock_view_test'").Scan(&n)
		}); err != nil {
			t.Fatal(err)
		}
		if n != 1 || at.Before(time.Now().Add(-time.Hour)) {
			t.Errorf("the original sees %d rows at %s; want the view's row, at the real time", n, at)
		}
	})
}
