// Package staff keeps the platform's staff accounts and the four-eyes rule
// for their sensitive actions (R-ACC-2, R-STAFF-1).
//
// Staff accounts are separate from public users: each has one role, signs in
// with a password and a TOTP code from an authenticator app, and is locked
// after MaxFailures consecutive failed sign-ins for a while that doubles
// with each lockout in a row (LockBase to LockMax), or until another staff
// member unlocks it. Passwords are kept as argon2id hashes in PHC form; TOTP secrets
// are kept sealed by a Sealer the caller provides, so this package never
// holds a key.
//
// Sensitive actions (a payout, publishing a high-risk request, a blacklist
// change, a role change) are proposals: they take effect only when a second,
// different staff member with an approving role decides them (see
// Approvals).
package staff

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
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

// Privileged reports whether role r holds power over money or over staff
// access: admin (staff and settings, approves role changes and
// terminations), security_admin (staff access, unlocks) and finance
// (proposes and approves payouts). Such an account created from the
// command line on an installation that has a security admin waits for a
// second person's approval (KindAccountCreate).
func Privileged(r Role) bool { return r == Admin || r == SecurityAdmin || r == Finance }

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
	ID       int64
	Username string
	Role     Role
	Disabled bool
	Locked   bool
	// LockedUntil is when the lock ends, while Locked; zero otherwise. It
	// is for staff who may unlock the account, never for the person
	// signing in.
	LockedUntil time.Time
	CreatedAt   time.Time
}

// setLock sets Locked and LockedUntil from the stored end of the lock
// (unix microseconds, 0 for none) as of now.
func (s *Staff) setLock(until int64, now time.Time) {
	s.Locked = until > now.UnixMicro()
	s.LockedUntil = time.Time{}
	if s.Locked && until < time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro() {
		s.LockedUntil = time.UnixMicro(until).UTC()
	}
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

func scanStaff(row interface{ Scan(...any) error }, now time.Time) (Staff, error) {
	var s Staff
	var role string
	var created, until int64
	if err := row.Scan(&s.ID, &s.Username, &role, &s.Disabled, &until, &created); err != nil {
		return Staff{}, err
	}
	s.setLock(until, now)
	s.Role = Role(role)
	s.CreatedAt = time.UnixMicro(created).UTC()
	return s, nil
}

// The lockout's delays (decision 0025): MaxFailures failures in a row lock
// an account for LockBase; each further lockout in a row, after the last
// ended, lasts twice as long as the one before, up to LockMax. A success or
// an Unlock starts again from LockBase.
const (
	LockBase = time.Minute
	LockMax  = time.Hour
)

// lockDuration is how long the nth lockout in a row (n ≥ 1) lasts.
func lockDuration(n int) time.Duration {
	d := LockBase
	for i := 1; i < n && d < LockMax; i++ {
		d *= 2
	}
	return min(d, LockMax)
}
