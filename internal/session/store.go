package session

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/store"
)

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
