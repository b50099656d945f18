// Package throttle counts events by key in the database, so that a rate
// limit holds across every node of the platform and across restarts: sign-in
// codes per phone and per client address, real-name checks per account,
// staff sign-in attempts.
//
// Keys are opaque strings chosen by callers, prefixed by what they count
// ("sms-phone:", "sms-addr:"…). A key never holds a raw phone or ID number:
// use a blind index or a hash.
//
// On PostgreSQL the store's write transactions are serializable, so two
// nodes taking the last slot at once cannot both succeed: one is retried and
// then sees the other's event.
package throttle

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/carefund/carefund/internal/store"
)

// Limit allows N events per sliding Window.
type Limit struct {
	N      int
	Window time.Duration
}

// MaxKey is the longest key the table accepts.
const MaxKey = 200

// Take records one event for key at tx.Now if fewer than l.N were recorded
// within l.Window before it; otherwise it records nothing, reports ok=false,
// and retryAfter says how long until the next is allowed.
//
// The event is recorded in tx: a caller that refuses the request for another
// reason after a successful Take must still commit the transaction (return
// nil from it and refuse afterwards), or the event is lost and the limit
// does not hold.
func Take(tx *store.Tx, key string, l Limit) (ok bool, retryAfter time.Duration, err error) {
	if err := check(key, l.Window); err != nil {
		return false, 0, err
	}
	if l.N <= 0 {
		return false, l.Window, nil
	}
	ctx := context.Background()
	since := tx.Now.Add(-l.Window).UnixMicro()
	// The N-th most recent event in the window: while there is one, the
	// limit is reached, until it leaves the window.
	var nth int64
	err = tx.QueryRowContext(ctx, `SELECT at FROM throttle_events WHERE key = $1 AND at > $2
		ORDER BY at DESC LIMIT 1 OFFSET $3`, key, since, l.N-1).Scan(&nth)
	switch {
	case err == nil:
		wait := time.UnixMicro(nth).Add(l.Window).Sub(tx.Now)
		return false, max(wait, time.Microsecond), nil
	case !errors.Is(err, sql.ErrNoRows):
		return false, 0, fmt.Errorf("throttle: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO throttle_events (key, at) VALUES ($1, $2)`, key, tx.Now.UnixMicro()); err != nil {
		return false, 0, fmt.Errorf("throttle: %w", err)
	}
	return true, 0, nil
}

// Count returns the events recorded for key within the window ending at
// tx.Now.
func Count(tx *store.Tx, key string, window time.Duration) (int, error) {
	if err := check(key, window); err != nil {
		return 0, err
	}
	var n int
	err := tx.QueryRowContext(context.Background(), `SELECT count(*) FROM throttle_events WHERE key = $1 AND at > $2`,
		key, tx.Now.Add(-window).UnixMicro()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("throttle: %w", err)
	}
	return n, nil
}

// Purge deletes the events older than before; a job calls it with tx.Now
// less the longest window in use.
func Purge(tx *store.Tx, before time.Time) (int64, error) {
	res, err := tx.ExecContext(context.Background(), `DELETE FROM throttle_events WHERE at < $1`, before.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("throttle: %w", err)
	}
	return res.RowsAffected()
}

func check(key string, window time.Duration) error {
	if key == "" || len(key) > MaxKey {
		return fmt.Errorf("throttle: a key must have 1 to %d bytes", MaxKey)
	}
	if window <= 0 {
		return errors.New("throttle: the window must be positive")
	}
	return nil
}
