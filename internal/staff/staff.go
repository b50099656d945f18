// Package staff keeps the platform's staff accounts and the four-eyes rule
// for their sensitive actions (R-ACC-2, R-STAFF-1).
//
// Staff accounts are separate from public users: each has one role, signs in
// with a password and a TOTP code from an authenticator app, and is locked
// after MaxFailures consecutive failed sign-ins until another staff member
// unlocks it. Passwords are kept as argon2id hashes in PHC form; TOTP secrets
// are kept sealed by a Sealer the caller provides, so this package never
// holds a key.
//
// Sensitive actions (a payout, publishing a high-risk request, a blacklist
// change, a role change) are proposals: they take effect only when a second,
// different staff member with an approving role decides them (see
// Approvals).
package staff

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/store"
)

// Role is what a staff member may do. Every account has exactly one.
type Role string

// The roles.
const (
	Reviewer      Role = "reviewer"       // reviews and publishes requests for help
	Finance       Role = "finance"        // proposes and approves payouts
	Complaints    Role = "complaints"     // handles complaints and reports
	Admin         Role = "admin"          // manages staff and platform settings
	Auditor       Role = "auditor"        // reads the audit log; changes nothing
	SecurityAdmin Role = "security_admin" // handles incidents and staff access
)

// Roles lists every role.
var Roles = []Role{Reviewer, Finance, Complaints, Admin, Auditor, SecurityAdmin}

// ParseRole returns the role named s. An unknown name is apperr.Invalid with
// the field "role".
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", invalid("role", "staff.role_unknown")
}

// Staff is a staff account as others see it: never its password hash or
// TOTP secret.
type Staff struct {
	ID        int64
	Username  string
	Role      Role
	Disabled  bool
	Locked    bool
	CreatedAt time.Time
}

// Actor names the staff member as the audit log does.
func (s Staff) Actor() string { return fmt.Sprintf("staff:%d", s.ID) }

// Sealer encrypts and decrypts small secrets, binding each to aad (additional
// authenticated data) so a sealed value copied to another row does not open.
type Sealer interface {
	Seal(aad string, plaintext []byte) ([]byte, error)
	Open(aad string, sealed []byte) ([]byte, error)
}

// totpAAD binds a sealed TOTP secret to its account. The username never
// changes (the schema refuses it), so it can serve before the ID exists.
func totpAAD(username string) string { return "carefund staff totp v1:" + username }

// Password and username limits.
const (
	MinPassword = 12  // characters
	MaxPassword = 128 // characters
)

// MaxFailures is how many consecutive failed sign-ins lock an account.
const MaxFailures = 5

// IdleTimeout is how long a staff session lives without use.
const IdleTimeout = 15 * time.Minute

func invalid(field, key string) *apperr.Error {
	return &apperr.Error{Code: apperr.Invalid, Key: "staff.invalid", Fields: []apperr.FieldError{{Field: field, Key: key}}}
}

// normalizeUsername lower-cases and trims a username.
func normalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// validUsername reports whether u (normalized) is 3 to 32 of [a-z0-9._-].
func validUsername(u string) bool {
	if len(u) < 3 || len(u) > 32 {
		return false
	}
	for _, c := range []byte(u) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// checkNewPassword applies the password rules: long enough to resist
// guessing even without other complexity rules (NIST SP 800-63B), bounded so
// hashing stays cheap, and not the username.
func checkNewPassword(username, password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPassword:
		return invalid("password", "staff.password_short")
	case n > MaxPassword:
		return invalid("password", "staff.password_long")
	case strings.EqualFold(strings.TrimSpace(password), username):
		return invalid("password", "staff.password_is_username")
	}
	return nil
}

// Create makes a staff account and returns it with the otpauth:// URI that
// enrols its TOTP secret in an authenticator app; the URI is shown once and
// never stored in the clear. The username is lower-cased. It returns
// apperr.Invalid for a bad username (field "username"), role ("role") or
// password ("password"), and apperr.Conflict "staff.username_taken".
//
// Create hashes the password inside tx, which holds the writer for the time
// of one argon2id computation: acceptable for an administrative action that
// is rare, unlike signing in.
func Create(ctx context.Context, tx *store.Tx, sealer Sealer, username string, role Role, password string) (Staff, string, error) {
	secret := make([]byte, secretLen)
	rand.Read(secret)
	return CreateWithSecret(ctx, tx, sealer, username, role, password, secret)
}

// CreateWithSecret is Create with a TOTP secret the caller chose: for the
// demonstration accounts, whose codes the development page shows. Real
// accounts get a random secret from Create.
func CreateWithSecret(ctx context.Context, tx *store.Tx, sealer Sealer, username string, role Role, password string, secret []byte) (Staff, string, error) {
	username = normalizeUsername(username)
	if !validUsername(username) {
		return Staff{}, "", invalid("username", "staff.username_format")
	}
	if _, err := ParseRole(string(role)); err != nil {
		return Staff{}, "", err
	}
	if err := checkNewPassword(username, password); err != nil {
		return Staff{}, "", err
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM staff WHERE username = $1", username).Scan(&n); err != nil {
		return Staff{}, "", err
	}
	if n > 0 {
		return Staff{}, "", apperr.New(apperr.Conflict, "staff.username_taken")
	}
	sealed, err := sealer.Seal(totpAAD(username), secret)
	if err != nil {
		return Staff{}, "", fmt.Errorf("sealing the TOTP secret: %w", err)
	}
	s := Staff{Username: username, Role: role, CreatedAt: tx.Now}
	err = tx.QueryRowContext(ctx, `INSERT INTO staff (username, role, password_hash, totp_sealed, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
		username, string(role), hashPassword(password, hashParams), sealed, tx.Now.UnixMicro()).Scan(&s.ID)
	if err != nil {
		return Staff{}, "", err
	}
	return s, enrolmentURI(username, secret), nil
}

const staffColumns = "id, username, role, disabled, locked_at IS NOT NULL, created_at"

func scanStaff(row interface{ Scan(...any) error }) (Staff, error) {
	var s Staff
	var role string
	var created int64
	if err := row.Scan(&s.ID, &s.Username, &role, &s.Disabled, &s.Locked, &created); err != nil {
		return Staff{}, err
	}
	s.Role = Role(role)
	s.CreatedAt = time.UnixMicro(created).UTC()
	return s, nil
}

// Get returns the staff account with the ID, or apperr.NotFound.
func Get(ctx context.Context, tx *store.Tx, id int64) (Staff, error) {
	s, err := scanStaff(tx.QueryRowContext(ctx, "SELECT "+staffColumns+" FROM staff WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Staff{}, apperr.New(apperr.NotFound, "staff.not_found")
	}
	return s, err
}

// List returns every staff account, in the order they were created.
func List(ctx context.Context, tx *store.Tx) ([]Staff, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Staff, error) { return scanStaff(rows) },
		"SELECT "+staffColumns+" FROM staff ORDER BY id")
}

// Unlock lifts a lockout and clears the failure count. It returns
// apperr.NotFound for an unknown ID.
func Unlock(ctx context.Context, tx *store.Tx, id int64) error {
	return update(ctx, tx, "UPDATE staff SET locked_at = NULL, failed_attempts = 0, updated_at = $2 WHERE id = $1", id, tx.Now.UnixMicro())
}

// SetDisabled disables an account, which then cannot sign in, or enables it
// again. It returns apperr.NotFound for an unknown ID.
func SetDisabled(ctx context.Context, tx *store.Tx, id int64, disabled bool) error {
	return update(ctx, tx, "UPDATE staff SET disabled = $2, updated_at = $3 WHERE id = $1", id, disabled, tx.Now.UnixMicro())
}

func update(ctx context.Context, tx *store.Tx, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return apperr.New(apperr.NotFound, "staff.not_found")
	}
	return nil
}
