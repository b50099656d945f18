// Package demo loads demonstration data, so that `carefund serve --demo` shows
// a working platform on first start. Each later capability adds its part
// (requests, donations, payouts); loading twice changes nothing.
package demo

import (
	"context"
	"time"

	"github.com/carefund/carefund/internal/store"
)

// Load loads the demo data unless it was loaded before, and reports whether it
// did. The check and the load are one transaction, so two nodes starting
// together load it once.
func Load(ctx context.Context, db *store.DB) (loaded bool, err error) {
	err = db.Write(ctx, func(tx *store.Tx) error {
		loaded = false
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM meta WHERE key = 'demo_loaded_at'").Scan(&n); err != nil || n > 0 {
			return err
		}
		loaded = true
		return tx.SetMeta(ctx, "demo_loaded_at", tx.Now.Format(time.RFC3339))
	})
	return loaded && err == nil, err
}
