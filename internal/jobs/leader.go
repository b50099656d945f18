package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// Leader elects the one node of an installation that runs its jobs.
type Leader interface {
	// Lead waits until this node leads, then returns a context that ends
	// when it stops leading (or when ctx ends), and a function that gives
	// the lead up; the caller calls it once the work begun under the lead
	// has returned. Lead returns an error only when ctx ends first.
	Lead(ctx context.Context) (context.Context, func(), error)
}

// Alone is the Leader of an installation of one process, such as one on
// SQLite, which one process serves: it always leads.
type Alone struct{}

// Lead leads at once, until ctx ends.
func (Alone) Lead(ctx context.Context) (context.Context, func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	lead, cancel := context.WithCancel(ctx)
	return lead, cancel, nil
}

// lockKey is the key of the PostgreSQL advisory lock whose holder leads,
// as SQL: a hash of the schema's name. Advisory locks belong to one
// database, and the schema narrows that to one installation, so
// installations in different databases or schemas of one PostgreSQL server
// never compete (nor do tests, each in a schema of its own).
const lockKey = "hashtextextended('carefund jobs ' || current_schema(), 0)"

// AdvisoryLock elects the leader among the nodes that share one PostgreSQL
// database: the node whose session holds the session-level advisory lock
// of the installation (pg_try_advisory_lock). Each node keeps a connection of its own
// for it, outside the pool that serves requests, so that a busy pool never
// delays the election and the lock lives exactly as long as that one
// session. When the leader dies, its session ends with its TCP connection
// and PostgreSQL releases the lock; a standing-by node gets it at its next
// try, within Retry.
type AdvisoryLock struct {
	// DSN is the postgres:// URL of the database.
	DSN string
	// Retry is how often a standing-by node tries to take the lock, and
	// Check how often the leader checks that its session is still alive.
	// Both are 2 seconds when zero.
	Retry, Check time.Duration
	// Timeout bounds each statement and each connection attempt, so that
	// a network that swallows packets is noticed; 10 seconds when zero.
	Timeout time.Duration
	// Logger receives the changes: standing by, connection trouble.
	Logger *slog.Logger
}

// Lead waits until this node holds the lock.
func (l *AdvisoryLock) Lead(ctx context.Context) (context.Context, func(), error) {
	retry, check, timeout := orDefault(l.Retry, 2*time.Second), orDefault(l.Check, 2*time.Second), orDefault(l.Timeout, 10*time.Second)
	log := l.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var conn *pgx.Conn
	standingBy, failing := false, false
	for {
		err := func() error {
			if conn == nil {
				cctx, cancel := context.WithTimeout(ctx, timeout)
				defer cancel()
				c, err := pgx.Connect(cctx, l.DSN)
				if err != nil {
					return err
				}
				// A session that falls silent (its node cut off from the
				// network, not dead) would keep the lock until TCP gives up,
				// hours later. PostgreSQL ends it, and so releases the lock,
				// once it has been idle for a few of the pings and tries
				// that a live node sends every check or retry.
				idle := 3*max(check, retry) + timeout
				if _, err := c.Exec(cctx, fmt.Sprintf("SET idle_session_timeout = %d", idle.Milliseconds())); err != nil {
					closeConn(c)
					return err
				}
				conn = c
			}
			qctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			var got bool
			if err := conn.QueryRow(qctx, "SELECT pg_try_advisory_lock("+lockKey+")").Scan(&got); err != nil {
				closeConn(conn)
				conn = nil
				return err
			}
			if !got {
				return errStandBy
			}
			return nil
		}()
		switch {
		case err == nil:
			return l.hold(ctx, conn, check, timeout)
		case ctx.Err() != nil:
			if conn != nil {
				closeConn(conn)
			}
			return nil, nil, ctx.Err()
		case errors.Is(err, errStandBy):
			if !standingBy {
				log.Info("another node runs the background jobs; this one stands by")
			}
			standingBy, failing = true, false
		default:
			if !failing {
				log.Warn("cannot reach PostgreSQL to take the lead of the background jobs; trying again", "err", err)
			}
			failing = true
		}
		select {
		case <-ctx.Done():
			if conn != nil {
				closeConn(conn)
			}
			return nil, nil, ctx.Err()
		case <-time.After(retry):
		}
	}
}

var errStandBy = errors.New("another node holds the lock")

// hold watches the session that holds the lock and ends the lead when the
// session fails: PostgreSQL has then released the lock, or will, and
// another node may already lead.
func (l *AdvisoryLock) hold(ctx context.Context, conn *pgx.Conn, check, timeout time.Duration) (context.Context, func(), error) {
	lead, cancel := context.WithCancelCause(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		tick := time.NewTicker(check)
		defer tick.Stop()
		for {
			select {
			case <-lead.Done():
				return
			case <-tick.C:
			}
			pctx, stop := context.WithTimeout(lead, timeout)
			err := conn.Ping(pctx)
			stop()
			if err != nil && lead.Err() == nil {
				cancel(fmt.Errorf("the session holding the lock failed: %w", err))
				return
			}
		}
	}()
	release := func() {
		cancel(context.Canceled)
		<-watched
		// Ending the session releases the lock.
		closeConn(conn)
	}
	return lead, release, nil
}

func closeConn(c *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.Close(ctx)
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
