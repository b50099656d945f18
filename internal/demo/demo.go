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
// did.
func Load(ctx context.Context, db *store.DB) (bool, error) {
	if _, ok, err := db.Meta(ctx, "demo_loaded_at"); err != nil || ok {
		return false, err
	}
	err := db.Write(ctx, func(tx *store.Tx) error {
		return tx.SetMeta(ctx, "demo_loaded_at", tx.Now.Format(time.RFC3339))
	})
	return err == nil, err
}
