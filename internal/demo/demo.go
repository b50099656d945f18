// Package demo loads demonstration data, so that `carefund serve --demo` shows
// a working platform on first start: staff accounts, charities, and requests
// for help in every state of their life cycle, filed by made-up people and
// taken through review, publication and fundraising by the same functions
// the web pages call, and donations to the requests still fundraising, made
// through the donation service and the ledger as a donor's are. Each later
// capability adds its part (payouts; refunds, termination and charity,
// which LoadRefunds makes through the platform's services); loading twice
// changes nothing.
//
// Everything is marked as demonstration data: titles start with
// TitlePrefix, stories end with Notice, phone numbers are in the 170 0000
// range and ID numbers are idcard.Demo's (born 1 January 1900), so none can
// be a real person's.
//
// The demonstration staff accounts have a published password and TOTP
// secrets anyone can derive, so that a newcomer can open the staff console;
// configuration refuses --demo together with --production.
package demo

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/charity"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/hospital"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// StaffPassword is the password of every demonstration staff account.
const StaffPassword = "carefund-demo-password"

// Account is one demonstration staff account.
type Account struct {
	Username string
	Role     staff.Role
}

// The demonstration staff the demonstration requests are reviewed and
// settled by.
const (
	reviewerName       = "demo-reviewer"
	secondReviewerName = "demo-reviewer-2"
	financeName        = "demo-finance"
	secondFinanceName  = "demo-finance-2"
	adminName          = "demo-admin"
)

// StaffAccounts lists the demonstration staff accounts: one per role, a
// second reviewer, so that the approval of a request that needs two
// reviewers can be shown (R-REV-3), and a second finance officer, as every
// payout is approved by two (R-STAFF-1).
func StaffAccounts() []Account {
	var out []Account
	for _, r := range staff.Roles {
		out = append(out, Account{Username: "demo-" + strings.ReplaceAll(string(r), "_", "-"), Role: r})
		switch r {
		case staff.Reviewer:
			out = append(out, Account{Username: secondReviewerName, Role: r})
		case staff.Finance:
			out = append(out, Account{Username: secondFinanceName, Role: r})
		}
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

// The meta keys recording what was loaded, one per part: a database that
// had the demonstration staff from an earlier version gets the requests
// when it is next started with --demo, and nothing twice.
const (
	metaBase     = "demo_loaded_at"           // staff accounts and charities
	metaRequests = "demo_requests_loaded_at"  // requests for help in every state
	metaHospital = "demo_hospitals_loaded_at" // the hospital directory's entries
)

// Load loads the demo data unless it was loaded before, and reports whether it
// did. The check and the load of staff, charities, hospitals and requests are one
// transaction, so two nodes starting together load them once. sealer seals
// the staff accounts' TOTP secrets; v seals the personal data of the
// demonstration people and requests. The demonstration donations are then
// made through donations, the server's service, as a donor's are: each in
// transactions of its own, with fixed idempotency keys, so they too are
// made once (see loadDonations).
func Load(ctx context.Context, db *store.DB, sealer staff.Sealer, v *vault.Vault, donations *donation.Service) (loaded bool, err error) {
	if donations == nil {
		return false, errors.New("demo: Load needs the donation service")
	}
	err = db.Write(ctx, func(tx *store.Tx) error {
		loaded = false
		base, err := hasMeta(ctx, tx, metaBase)
		if err != nil {
			return err
		}
		requests, err := hasMeta(ctx, tx, metaRequests)
		if err != nil {
			return err
		}
		hospitals, err := hasMeta(ctx, tx, metaHospital)
		if err != nil || base && requests && hospitals {
			return err
		}
		byName, err := ensureStaff(ctx, tx, sealer)
		if err != nil {
			return err
		}
		if !base {
			// Organisations marked as demonstration entries, for the
			// referral list shown at submission (R-REQ-7).
			if _, err := charity.Seed(ctx, tx); err != nil {
				return err
			}
			if err := tx.SetMeta(ctx, metaBase, tx.Now.Format(time.RFC3339)); err != nil {
				return err
			}
		}
		if !hospitals {
			// Hospitals marked as demonstration entries, with made-up
			// credit codes and accounts, for payouts to a hospital.
			if _, err := hospital.Seed(ctx, tx, v); err != nil {
				return err
			}
			if err := tx.SetMeta(ctx, metaHospital, tx.Now.Format(time.RFC3339)); err != nil {
				return err
			}
		}
		if !requests {
			l, err := newLoader(ctx, tx, v, byName)
			if err != nil {
				return err
			}
			ids, err := l.loadRequests()
			if err != nil {
				return err
			}
			// The demonstration reviewers' decisions are not staff
			// actions: the log says where they came from.
			if _, err := audit.Append(ctx, tx, audit.Record{Actor: campaign.SystemActor, Action: "demo.load",
				Result: audit.ResultOK, Detail: fmt.Sprintf("demonstration data: %d requests for help", len(ids))}); err != nil {
				return err
			}
			if err := tx.SetMeta(ctx, metaRequests, tx.Now.Format(time.RFC3339)); err != nil {
				return err
			}
		}
		loaded = true
		return nil
	})
	if err != nil {
		return false, err
	}
	// The earlier history first, so that the ledger begins in 2025.
	told, err := loadHistory(ctx, db, sealer, v, donations)
	if err != nil {
		return false, fmt.Errorf("demo history: %w", err)
	}
	gave, err := loadDonations(ctx, db, v, donations)
	if err != nil {
		return false, fmt.Errorf("demo donations: %w", err)
	}
	paid, err := loadPayouts(ctx, db, sealer, v, donations)
	if err != nil {
		return false, fmt.Errorf("demo payouts: %w", err)
	}
	filed, err := loadComplaints(ctx, db, v)
	if err != nil {
		return false, fmt.Errorf("demo complaints: %w", err)
	}
	return loaded || told || gave || paid || filed, nil
}

func hasMeta(ctx context.Context, tx *store.Tx, key string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, "SELECT count(*) FROM meta WHERE key = $1", key).Scan(&n)
	return n > 0, err
}

// ensureStaff creates the demonstration staff accounts that do not exist
// yet and returns them all by username. An account of that name with
// another role is an error: it is not the demonstration's.
func ensureStaff(ctx context.Context, tx *store.Tx, sealer staff.Sealer) (map[string]staff.Staff, error) {
	all, err := staff.List(ctx, tx)
	if err != nil {
		return nil, err
	}
	byName := map[string]staff.Staff{}
	for _, s := range all {
		byName[s.Username] = s
	}
	for _, a := range StaffAccounts() {
		s, ok := byName[a.Username]
		if !ok {
			if s, _, err = staff.CreateWithSecret(ctx, tx, sealer, a.Username, a.Role, StaffPassword, Secret(a.Username)); err != nil {
				return nil, err
			}
			byName[a.Username] = s
		}
		if s.Role != a.Role {
			return nil, fmt.Errorf("demo: staff account %s exists with role %s", a.Username, s.Role)
		}
	}
	return byName, nil
}
