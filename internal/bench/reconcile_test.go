package bench

import (
	"context"
	"testing"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestReconcile runs the reconciliation benchmark small: every injected
// difference (missing, extra, duplicate, amount mismatch, in transit past
// its cut-off) is found and nothing else, on both databases. R-FUND-4.
func TestReconcile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r, err := Reconcile(context.Background(), db, 10_000)
		if err != nil {
			t.Fatal(err)
		}
		for kind, n := range r.Injected {
			if n == 0 {
				t.Errorf("no %s injected", kind)
			}
		}
		if len(r.Injected) != 5 {
			t.Errorf("injected %v, want five kinds", r.Injected)
		}
		t.Logf("%+v", r)
	})
}
