// Package demo loads demonstration data, so that `carefund serve --demo` shows
// a working platform on first start. Each later capability adds its part
// (requests, donations, payouts); loading twice changes nothing.
//
// The demonstration staff accounts have a published password and TOTP
// secrets anyone can derive, so that a newcomer can open the staff console;
// configuration refuses --demo together with --production.
package demo

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/charity"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
)

// StaffPassword is the password of every demonstration staff account.
const StaffPassword = "carefund-demo-password"

// Account is one demonstration staff account.
type Account struct {
	Username string
	Role     staff.Role
}

// StaffAccounts lists the demonstration staff accounts, one per role.
func StaffAccounts() []Account {
	var out []Account
	for _, r := range staff.Roles {
		out = append(out, Account{Username: "demo-" + strings.ReplaceAll(string(r), "_", "-"), Role: r})
	}
	return out
}

// Secret is the TOTP secret of a demonstration account: derived from its
// name, so the development page can show its current code.
func Secret(username string) []byte {
	m := hmac.New(sha256.New, []byte("carefund demo totp"))
	m.Write([]byte(username))
	return m.Sum(nil)[:20]
}

// Load loads the demo data unless it was loaded before, and reports whether it
// did. The check and the load are one transaction, so two nodes starting
// together load it once. sealer seals the staff accounts' TOTP secrets.
func Load(ctx context.Context, db *store.DB, sealer staff.Sealer) (loaded bool, err error) {
	err = db.Write(ctx, func(tx *store.Tx) error {
		loaded = false
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM meta WHERE key = 'demo_loaded_at'").Scan(&n); err != nil || n > 0 {
			return err
		}
		for _, a := range StaffAccounts() {
			if _, _, err := staff.CreateWithSecret(ctx, tx, sealer, a.Username, a.Role, StaffPassword, Secret(a.Username)); err != nil {
				return err
			}
		}
		// Organisations marked as demonstration entries, for the referral
		// list shown at submission (R-REQ-7).
		if _, err := charity.Seed(ctx, tx); err != nil {
			return err
		}
		loaded = true
		return tx.SetMeta(ctx, "demo_loaded_at", tx.Now.Format(time.RFC3339))
	})
	return loaded && err == nil, err
}
