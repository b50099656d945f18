// Package session keeps sign-in sessions in the database, for public users
// and for staff alike, so that signing out ends a session on the server, on
// every node, and a stolen cookie stops working the moment it is revoked.
//
// The browser holds a random 256-bit token; the database holds only its
// SHA-256, so reading the sessions table does not let anyone sign in. Staff
// sessions end after 15 minutes without use; public sessions after 30 days
// without use, and at the latest 90 days after sign-in.
package session

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
)

// Kind says whose session it is.
type Kind string

// The kinds of session.
const (
	User  Kind = "user"  // a member of the public, signed in by phone
	Staff Kind = "staff" // a staff member, signed in with password and TOTP
)

// Limits of a kind of session.
type Limits struct {
	Idle     time.Duration // ends after this long without use
	Absolute time.Duration // ends this long after sign-in, used or not
}

// LimitsOf holds the limits of each kind. Staff sessions are short
// (R-ACC-2): a staff member who walks away from the desk is signed out
// within 15 minutes.
var LimitsOf = map[Kind]Limits{
	User:  {Idle: 30 * 24 * time.Hour, Absolute: 90 * 24 * time.Hour},
	Staff: {Idle: 15 * time.Minute, Absolute: 12 * time.Hour},
}

// touchEvery bounds how often a session's last use is written: a page view
// within this long of the last one does not write.
const touchEvery = 30 * time.Second

// Session is one signed-in session.
type Session struct {
	ID        int64 // a handle for listing and ending sessions; not the secret
	Kind      Kind
	Subject   int64 // the user's or staff member's ID
	CreatedAt time.Time
	LastSeen  time.Time
	Source    string // the address it was started from
}

// Actor names the session's subject as the audit log does: "user:5", "staff:3".
func (s Session) Actor() string { return string(s.Kind) + ":" + strconv.FormatInt(s.Subject, 10) }

// ErrNone is the error of Lookup for a token that names no live session: it
// never existed (forged), was ended, or expired. The reader is asked to sign in.
var ErrNone = apperr.New(apperr.Unauthorized, "session.none")

func hash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// wellFormed reports whether token could have been issued by Start: 43
// base64url characters. Anything else is refused before touching the database.
func wellFormed(token string) bool {
	if len(token) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(token)
	return err == nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
