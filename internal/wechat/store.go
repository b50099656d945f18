package wechat

import (
	"context"
	"database/sql"
	"errors"

	"github.com/carefund/carefund/internal/store"
)

// cached is a row of wechat_tokens.
type cached struct {
	Value       string
	ExpiresAt   int64 // microseconds
	LeaseUntil  int64
	LeaseHolder string
}

// tokenRow reads the cached value name, creating its empty row first.
func tokenRow(ctx context.Context, tx *store.Tx, name string) (cached, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO wechat_tokens (name) VALUES ($1) ON CONFLICT DO NOTHING`, name); err != nil {
		return cached{}, err
	}
	var c cached
	err := tx.QueryRowContext(ctx, `SELECT value, expires_at, lease_until, lease_holder FROM wechat_tokens WHERE name = $1`, name).
		Scan(&c.Value, &c.ExpiresAt, &c.LeaseUntil, &c.LeaseHolder)
	return c, err
}

// takeLease gives the refresh of name to holder until leaseUntil if no
// one else holds it now: a compare-and-set, true when taken.
func takeLease(ctx context.Context, tx *store.Tx, name, holder string, leaseUntil int64) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE wechat_tokens SET lease_until = $1, lease_holder = $2
		WHERE name = $3 AND (lease_until <= $4 OR lease_holder = $2)`, leaseUntil, holder, name, tx.Now.UnixMicro())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// storeToken writes a fresh value of name if holder still holds its
// lease, and releases it.
func storeToken(ctx context.Context, tx *store.Tx, name, holder, value string, expiresAt int64) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE wechat_tokens SET value = $1, expires_at = $2, lease_until = 0, lease_holder = '',
		refreshed_at = $3 WHERE name = $4 AND lease_holder = $5`, value, expiresAt, tx.Now.UnixMicro(), name, holder)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// releaseLease gives up holder's lease on name without a new value.
func releaseLease(ctx context.Context, tx *store.Tx, name, holder string) error {
	_, err := tx.ExecContext(ctx, `UPDATE wechat_tokens SET lease_until = 0, lease_holder = '' WHERE name = $1 AND lease_holder = $2`, name, holder)
	return err
}

// expireToken marks value of name expired, if it is still the cached one:
// WeChat said it is no longer good, and only the first node to hear so
// throws it away.
func expireToken(ctx context.Context, tx *store.Tx, name, value string) error {
	_, err := tx.ExecContext(ctx, `UPDATE wechat_tokens SET expires_at = 0 WHERE name = $1 AND value = $2`, name, value)
	return err
}

// insertState records an OAuth state (its hash) bound to a browser.
func insertState(ctx context.Context, tx *store.Tx, stateHash, browserHash, next string, expiresAt int64) error {
	// Expired states are swept as new ones are made, a few at a time.
	if _, err := tx.ExecContext(ctx, `DELETE FROM wechat_oauth_states WHERE state_hash IN
		(SELECT state_hash FROM wechat_oauth_states WHERE expires_at < $1 LIMIT 20)`, tx.Now.UnixMicro()); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO wechat_oauth_states (state_hash, browser_hash, next, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, stateHash, browserHash, next, tx.Now.UnixMicro(), expiresAt)
	return err
}

// stateRow is a recorded OAuth state.
type stateRow struct {
	BrowserHash, Next string
	ExpiresAt         int64
	Used              bool
}

// lockState reads the state with hash stateHash for update; found false
// when there is none.
func lockState(ctx context.Context, tx *store.Tx, stateHash string) (stateRow, bool, error) {
	q := `SELECT browser_hash, next, expires_at, used_at IS NOT NULL FROM wechat_oauth_states WHERE state_hash = $1`
	if tx.Dialect == store.Postgres {
		q += ` FOR UPDATE`
	}
	var s stateRow
	err := tx.QueryRowContext(ctx, q, stateHash).Scan(&s.BrowserHash, &s.Next, &s.ExpiresAt, &s.Used)
	if errors.Is(err, sql.ErrNoRows) {
		return stateRow{}, false, nil
	}
	return s, err == nil, err
}

// useState marks a state used, if it was not: true when this call did.
func useState(ctx context.Context, tx *store.Tx, stateHash string) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE wechat_oauth_states SET used_at = $1 WHERE state_hash = $2 AND used_at IS NULL`,
		tx.Now.UnixMicro(), stateHash)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// insertPayer keeps a browser's openid by the hash of its cookie's token.
func insertPayer(ctx context.Context, tx *store.Tx, tokenHash, openid string, expiresAt int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM wechat_payers WHERE token_hash IN
		(SELECT token_hash FROM wechat_payers WHERE expires_at < $1 LIMIT 20)`, tx.Now.UnixMicro()); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO wechat_payers (token_hash, openid, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		tokenHash, openid, tx.Now.UnixMicro(), expiresAt)
	return err
}

// payerOpenID returns the openid kept for a token's hash, if not expired.
func payerOpenID(ctx context.Context, tx *store.Tx, tokenHash string) (string, bool, error) {
	var openid string
	err := tx.QueryRowContext(ctx, `SELECT openid FROM wechat_payers WHERE token_hash = $1 AND expires_at > $2`,
		tokenHash, tx.Now.UnixMicro()).Scan(&openid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return openid, err == nil, err
}
