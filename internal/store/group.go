package store

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Group commits small, independent writes together: the writes waiting when
// one transaction commits share the next, so many writers pay for one disk
// sync instead of one each (group commit, as the ledger does for its
// entries). Each Write returns only after its transaction committed.
//
// A write's function may run more than once: with its batch, and again
// alone if the batch failed — even when the batch's commit failed in a way
// that leaves unknown whether it took (a connection lost at COMMIT), so a
// write must be idempotent in the database too (an order carries its
// client's one-time token for this). It must start afresh each time and
// have no effect outside the transaction; a business refusal it wants to report
// without failing its neighbours is best kept in the caller's own variable,
// with fn returning nil. An error from fn fails the batch, after which each
// write is tried alone, so that one bad write costs its neighbours a retry,
// never their data.
type Group struct {
	db       *DB
	maxBatch int
	in       chan *groupCall

	mu      sync.RWMutex // held for reading while sending; Close takes it to stop senders
	closed  bool
	closing chan struct{}
	done    chan struct{}
	once    sync.Once
}

type groupCall struct {
	fn   func(context.Context, *Tx) error
	err  error
	done chan struct{}
}

// ErrGroupClosed is returned by Group.Write after Close.
var ErrGroupClosed = errors.New("store: write group closed")

// NewGroup starts a group writing to db with at most maxBatch writes per
// transaction (256 when zero or less). Close stops it.
func NewGroup(db *DB, maxBatch int) *Group {
	if maxBatch <= 0 {
		maxBatch = 256
	}
	g := &Group{db: db, maxBatch: maxBatch, in: make(chan *groupCall, 4*maxBatch),
		closing: make(chan struct{}), done: make(chan struct{})}
	go g.loop()
	return g
}

// Write runs fn in a transaction shared with other writes and returns when
// that transaction has committed, or fn's error when fn failed alone. If
// ctx ends first Write returns ctx's error, and fn may still commit.
func (g *Group) Write(ctx context.Context, fn func(context.Context, *Tx) error) error {
	c := &groupCall{fn: fn, done: make(chan struct{})}
	g.mu.RLock()
	if g.closed {
		g.mu.RUnlock()
		return ErrGroupClosed
	}
	select {
	case g.in <- c:
		g.mu.RUnlock()
	case <-ctx.Done():
		g.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops accepting writes, commits those already accepted and returns
// when the writer has stopped.
func (g *Group) Close() {
	g.once.Do(func() {
		g.mu.Lock()
		g.closed = true
		g.mu.Unlock()
		close(g.closing)
	})
	<-g.done
}

func (g *Group) loop() {
	defer close(g.done)
	batch := make([]*groupCall, 0, g.maxBatch)
	for {
		select {
		case c := <-g.in:
			g.commit(g.gather(append(batch[:0], c)))
		case <-g.closing:
			for {
				select {
				case c := <-g.in:
					g.commit(g.gather(append(batch[:0], c)))
				default:
					return
				}
			}
		}
	}
}

// gather adds what is queued to the batch, up to maxBatch, without waiting:
// under load the queue fills while the previous batch commits.
func (g *Group) gather(batch []*groupCall) []*groupCall {
	for len(batch) < g.maxBatch {
		select {
		case c := <-g.in:
			batch = append(batch, c)
		default:
			return batch
		}
	}
	return batch
}

// groupTimeout bounds one batch's transaction.
const groupTimeout = 30 * time.Second

func (g *Group) commit(batch []*groupCall) {
	// Writes whose caller gave up before their turn are still written: the
	// caller was told they might be.
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	err := g.db.Write(ctx, func(tx *Tx) error {
		for _, c := range batch {
			if err := c.fn(ctx, tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && len(batch) > 1 {
		for _, c := range batch {
			g.commit([]*groupCall{c})
		}
		return
	}
	for _, c := range batch {
		c.err = err
		close(c.done)
	}
}
