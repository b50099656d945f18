package staff

import (
	"context"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/store"
)

// ChangePassword replaces a staff member's password. It asks for what a
// sign-in asks (the current password and a fresh TOTP code, checked by
// Authenticate with the same lockout and replay rules, and recorded through
// rec), so a session left open on someone's desk cannot be used to take the
// account over. The new password follows the rules of Create (field
// "new_password"). On success every session of the member ends; the caller
// starts a new one for the browser in use.
func ChangePassword(ctx context.Context, db *store.DB, sealer Sealer, id int64, current, next, code string, now time.Time, rec Recorder) (Staff, error) {
	var member Staff
	if err := db.Read(ctx, func(tx *store.Tx) (err error) {
		member, err = Get(ctx, tx, id)
		return err
	}); err != nil {
		return Staff{}, err
	}
	if err := checkNewPassword(member.Username, next); err != nil {
		e := apperr.As(err)
		return Staff{}, &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: "new_password", Key: e.Fields[0].Key}}}
	}
	if next == current {
		return Staff{}, invalid("new_password", "staff.password_same")
	}
	// Hashed outside any write transaction, as sign-in does.
	hash := hashPassword(next, hashParams)
	return Authenticate(ctx, db, sealer, member.Username, current, code, now, func(ctx context.Context, tx *store.Tx, staffID int64, result, reason string) error {
		if result == "ok" {
			if _, err := tx.ExecContext(ctx, `UPDATE staff SET password_hash = $2, updated_at = $3 WHERE id = $1`,
				staffID, hash, tx.Now.UnixMicro()); err != nil {
				return err
			}
		}
		return rec(ctx, tx, staffID, result, reason)
	})
}
