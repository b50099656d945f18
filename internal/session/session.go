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
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/store"
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

// Start creates a session for subject and returns the token for the cookie.
func Start(ctx context.Context, tx *store.Tx, kind Kind, subject int64, source string) (token string, s Session, err error) {
	if _, ok := LimitsOf[kind]; !ok {
		return "", s, errors.New("session: unknown kind " + string(kind))
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	token = base64.RawURLEncoding.EncodeToString(raw)
	s = Session{Kind: kind, Subject: subject, CreatedAt: tx.Now, LastSeen: tx.Now, Source: source}
	err = tx.QueryRowContext(ctx, `INSERT INTO sessions (token_hash, kind, subject_id, created_at, last_seen_at, source)
		VALUES ($1, $2, $3, $4, $4, $5) RETURNING id`,
		hash(token), string(kind), subject, tx.Now.UnixMicro(), truncate(source, 64)).Scan(&s.ID)
	return token, s, err
}

// ErrNone is the error of Lookup for a token that names no live session: it
// never existed (forged), was ended, or expired. The reader is asked to sign in.
var ErrNone = apperr.New(apperr.Unauthorized, "session.none")

// Lookup finds the live session of kind for token and records its use. A
// token of the wrong kind, an ended or expired session, or a token that was
// never issued all return ErrNone.
func Lookup(ctx context.Context, db *store.DB, kind Kind, token string, now time.Time) (Session, error) {
	var s Session
	if !wellFormed(token) {
		return s, ErrNone
	}
	lim := LimitsOf[kind]
	var created, last int64
	var ended sql.NullInt64
	err := db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT id, subject_id, created_at, last_seen_at, ended_at, source
			FROM sessions WHERE token_hash = $1 AND kind = $2`, hash(token), string(kind)).
			Scan(&s.ID, &s.Subject, &created, &last, &ended, &s.Source)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return s, ErrNone
	}
	if err != nil {
		return s, err
	}
	s.Kind, s.CreatedAt, s.LastSeen = kind, time.UnixMicro(created).UTC(), time.UnixMicro(last).UTC()
	if ended.Valid || now.Sub(s.LastSeen) > lim.Idle || now.Sub(s.CreatedAt) > lim.Absolute {
		return s, ErrNone
	}
	if now.Sub(s.LastSeen) >= touchEvery {
		err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE id = $2 AND ended_at IS NULL`,
				now.UnixMicro(), s.ID)
			return err
		})
		if err != nil {
			return s, err
		}
		s.LastSeen = now
	}
	return s, nil
}

// End ends the session of token, if there is one. Ending an ended session
// does nothing.
func End(ctx context.Context, tx *store.Tx, token string) error {
	if !wellFormed(token) {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE sessions SET ended_at = $1 WHERE token_hash = $2 AND ended_at IS NULL`,
		tx.Now.UnixMicro(), hash(token))
	return err
}

// EndByID ends session id if it belongs to kind and subject, and reports
// apperr.NotFound otherwise: nobody can end, or learn of, another person's
// session.
func EndByID(ctx context.Context, tx *store.Tx, kind Kind, subject, id int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE sessions SET ended_at = $1
		WHERE id = $2 AND kind = $3 AND subject_id = $4 AND ended_at IS NULL`,
		tx.Now.UnixMicro(), id, string(kind), subject)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return apperr.Wrap(err, apperr.NotFound, "")
	}
	return nil
}

// EndAll ends every live session of a subject: after a role change, a lock
// or a password reset.
func EndAll(ctx context.Context, tx *store.Tx, kind Kind, subject int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE sessions SET ended_at = $1 WHERE kind = $2 AND subject_id = $3 AND ended_at IS NULL`,
		tx.Now.UnixMicro(), string(kind), subject)
	return err
}

// List returns the live sessions of a subject, newest first.
func List(ctx context.Context, tx *store.Tx, kind Kind, subject int64) ([]Session, error) {
	lim := LimitsOf[kind]
	return store.All(ctx, tx, func(rows *sql.Rows) (Session, error) {
		s := Session{Kind: kind, Subject: subject}
		var created, last int64
		if err := rows.Scan(&s.ID, &created, &last, &s.Source); err != nil {
			return s, err
		}
		s.CreatedAt, s.LastSeen = time.UnixMicro(created).UTC(), time.UnixMicro(last).UTC()
		return s, nil
	}, `SELECT id, created_at, last_seen_at, source FROM sessions
		WHERE kind = $1 AND subject_id = $2 AND ended_at IS NULL AND last_seen_at > $3 AND created_at > $4
		ORDER BY id DESC LIMIT 100`,
		string(kind), subject, tx.Now.Add(-lim.Idle).UnixMicro(), tx.Now.Add(-lim.Absolute).UnixMicro())
}

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
