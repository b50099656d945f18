package staff

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/store"
)

// Recorder records the outcome of a sign-in inside the transaction that
// stores it, so the caller can append an audit record atomically. staffID is
// 0 when the username is unknown; result is "ok" or "denied"; reason says why
// a sign-in was denied ("unknown_user", "disabled", "locked", "password",
// "code", "replay") and is empty on success. It is for the audit log only:
// the person signing in is never told.
type Recorder func(ctx context.Context, tx *store.Tx, staffID int64, result string, reason string) error

// The reasons a sign-in is denied, as given to the Recorder.
const (
	reasonUnknown  = "unknown_user"
	reasonDisabled = "disabled"
	reasonLocked   = "locked"
	reasonPassword = "password"
	reasonCode     = "code"
	reasonReplay   = "replay"
)

// errSignin is the one error every failed sign-in returns.
func errSignin() error { return apperr.New(apperr.Unauthorized, "staff.signin_failed") }

// credentials is what signing in checks, read in a short transaction.
type credentials struct {
	Staff
	hash     string
	sealed   []byte
	lastStep int64
	failures int
}

func readCredentials(ctx context.Context, tx *store.Tx, username string) (credentials, bool, error) {
	var c credentials
	var role string
	var created int64
	err := tx.QueryRowContext(ctx, `SELECT id, username, role, disabled, locked_at IS NOT NULL, created_at,
			password_hash, totp_sealed, totp_last_step, failed_attempts
		FROM staff WHERE username = $1`, username).Scan(
		&c.ID, &c.Username, &role, &c.Disabled, &c.Locked, &created, &c.hash, &c.sealed, &c.lastStep, &c.failures)
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	}
	c.Role = Role(role)
	c.CreatedAt = time.UnixMicro(created).UTC()
	return c, err == nil, err
}

// Authenticate signs a staff member in with username, password and a TOTP
// code valid at now, and returns the account.
//
// Every failure returns the same error, apperr.Unauthorized
// "staff.signin_failed": an unknown username, a wrong password, a wrong or
// reused code, a locked or disabled account. An unknown username still costs
// one argon2id computation, against a dummy hash, so neither the message nor
// the time taken says which usernames exist. MaxFailures consecutive failed
// attempts lock the account, after which even correct credentials are
// refused until Unlock; a success resets the count. Each TOTP time step is
// accepted once per account.
//
// The password is checked outside any write transaction (argon2id is slow on
// purpose and would hold the writer); the outcome is then stored in a short
// write transaction that reads the account again, so concurrent attempts
// cannot both spend the same code or slip past a lock. rec is called in that
// transaction; an error from it, or from the database, is returned as is.
func Authenticate(ctx context.Context, db *store.DB, sealer Sealer, username, password, code string, now time.Time, rec Recorder) (Staff, error) {
	username = normalizeUsername(username)
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	var c credentials
	var found bool
	err := db.Read(ctx, func(tx *store.Tx) error {
		var err error
		c, found, err = readCredentials(ctx, tx, username)
		return err
	})
	if err != nil {
		return Staff{}, err
	}

	// Check everything before deciding, whatever the account's state: the
	// same work for every attempt.
	hash := c.hash
	if !found {
		hash = dummyHash()
	}
	passwordOK := checkPassword(hash, password) && found
	var secret []byte
	if found {
		if secret, err = sealer.Open(totpAAD(c.Username), c.sealed); err != nil {
			return Staff{}, fmt.Errorf("opening the TOTP secret of staff:%d: %w", c.ID, err)
		}
		defer clear(secret)
	}
	// Renew a hash made with weaker parameters, but only for a sign-in
	// that is going to succeed: the extra computation on a right password
	// alone would tell, by timing, that the password was right.
	var rehash string
	if _, codeOK := matchTOTP(secret, code, now, c.lastStep); passwordOK && codeOK && !c.Locked && !c.Disabled && needsRehash(c.hash) {
		rehash = hashPassword(password, hashParams)
	}

	var reason string
	err = db.Write(ctx, func(tx *store.Tx) error {
		reason = ""
		if !found {
			reason = reasonUnknown
			return rec(ctx, tx, 0, "denied", reason)
		}
		// Read again: another attempt may have locked the account, or spent
		// a code, since the first read.
		cur, ok, err := readCredentials(ctx, tx, username)
		if err != nil {
			return err
		}
		if !ok || cur.ID != c.ID {
			reason = reasonUnknown
			return rec(ctx, tx, 0, "denied", reason)
		}
		step, codeOK := matchTOTP(secret, code, now, cur.lastStep)
		switch {
		case cur.Disabled:
			reason = reasonDisabled
		case cur.Locked:
			reason = reasonLocked
		case !passwordOK || cur.hash != c.hash:
			// A password changed since the first read was not checked.
			reason = reasonPassword
		case !codeOK:
			reason = reasonCode
			if _, used := matchTOTP(secret, code, now, 0); used {
				reason = reasonReplay
			}
		}
		if reason != "" {
			if reason == reasonPassword || reason == reasonCode || reason == reasonReplay {
				if err := recordFailure(ctx, tx, cur); err != nil {
					return err
				}
			}
			return rec(ctx, tx, cur.ID, "denied", reason)
		}
		newHash := cur.hash
		if rehash != "" {
			newHash = rehash
		}
		if _, err := tx.ExecContext(ctx, `UPDATE staff SET failed_attempts = 0, totp_last_step = $2, password_hash = $3, updated_at = $4
			WHERE id = $1`, cur.ID, step, newHash, tx.Now.UnixMicro()); err != nil {
			return err
		}
		c.Staff = cur.Staff
		return rec(ctx, tx, cur.ID, "ok", "")
	})
	if err != nil {
		return Staff{}, err
	}
	if reason != "" {
		return Staff{}, errSignin()
	}
	return c.Staff, nil
}

// recordFailure counts a failed attempt and locks the account at
// MaxFailures.
func recordFailure(ctx context.Context, tx *store.Tx, c credentials) error {
	failures := c.failures + 1
	var lockedAt any
	if failures >= MaxFailures {
		lockedAt = tx.Now.UnixMicro()
	}
	_, err := tx.ExecContext(ctx, "UPDATE staff SET failed_attempts = $2, locked_at = $3, updated_at = $4 WHERE id = $1",
		c.ID, failures, lockedAt, tx.Now.UnixMicro())
	return err
}
