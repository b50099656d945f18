package ledger

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/metrics"
	"github.com/carefund/carefund/internal/store"
)

// Options tunes group commit.
type Options struct {
	// MaxBatch bounds the entries of one transaction; 1 turns batching off.
	// Default 512.
	MaxBatch int
	// MaxWait bounds how long the first entry of a batch waits for others
	// to join it. Default 0: a batch takes whatever is queued when the
	// previous one commits, which under load is plenty.
	MaxWait time.Duration
	// Metrics receives the ledger's figures; nil keeps them private.
	Metrics *metrics.Registry
	// CommitKey, when set, turns the transparency log on: every entry
	// written is added to the log's outbox in its own transaction, with
	// its idempotency key committed under this key (translog.Salt). Empty
	// leaves the log off (tests, bench donate's comparison).
	CommitKey []byte
}

// Ledger posts entries and answers questions about balances.
type Ledger struct {
	db   *store.DB
	opts Options
	in   chan *call

	mu       sync.RWMutex
	accounts map[string]account // committed accounts, by name; never deleted, so never stale

	sendMu    sync.RWMutex // see Post and Close
	closed    bool
	closeOnce sync.Once
	closing   chan struct{}
	done      chan struct{}

	m       ledgerMetrics
	batches atomic.Int64

	// testHookApply, when set, runs at the end of each batch's transaction;
	// an error from it rolls the transaction back.
	testHookApply func(batch []*call) error
}

type account struct {
	id    int64
	class Class
}

type call struct {
	e    Entry
	hash string
	res  result
	done chan struct{}
}

type result struct {
	posted Posted
	err    error
}

// New starts a ledger on db. Close it to stop its writer.
func New(db *store.DB, opts Options) *Ledger {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 512
	}
	l := &Ledger{
		db:       db,
		opts:     opts,
		in:       make(chan *call, 4*opts.MaxBatch),
		accounts: map[string]account{},
		closing:  make(chan struct{}),
		done:     make(chan struct{}),
		m:        newLedgerMetrics(opts.Metrics),
	}
	go l.loop()
	return l
}

// On starts a ledger like l, logging its entries under the same key,
// that writes through db: a view of l's database with another clock, as
// the demo's past is written. Its figures stay private. Close it too.
func (l *Ledger) On(db *store.DB) *Ledger {
	opts := l.opts
	opts.Metrics = nil
	return New(db, opts)
}

// ErrClosed is returned by Post after Close.
var ErrClosed = &apperr.Error{Code: apperr.Unavailable, Key: "error.unavailable", Err: errors.New("ledger closed")}

// Close stops accepting entries, finishes the ones already accepted, and
// returns when the writer has stopped.
func (l *Ledger) Close() {
	l.closeOnce.Do(func() {
		l.sendMu.Lock()
		l.closed = true
		l.sendMu.Unlock()
		close(l.closing)
	})
	<-l.done
}

// Post writes e exactly once and returns when it is durable. A second Post
// with the same key and the same content returns the first entry with
// Replayed set; with different content it fails with ErrKeyReused. It fails
// with ErrInsufficientFunds when a non-negative account would go below zero,
// and with ErrInvalid for a malformed entry; see Validate.
//
// If ctx ends first, Post returns ctx's error, but the entry may still be
// written: post it again with the same key to learn its fate.
func (l *Ledger) Post(ctx context.Context, e Entry) (Posted, error) {
	// The entry is written later, perhaps after Post has returned (ctx):
	// it must not share memory the caller may reuse.
	e.Postings = slices.Clone(e.Postings)
	if err := Validate(e); err != nil {
		l.m.refused.With("invalid").Inc()
		return Posted{}, err
	}
	c := &call{e: e, hash: hash(e), done: make(chan struct{})}
	// The read lock is held while sending, so that Close, which takes the
	// write lock, knows every call sent is in the queue before the writer
	// drains it for the last time: none is left unanswered.
	l.sendMu.RLock()
	if l.closed {
		l.sendMu.RUnlock()
		return Posted{}, ErrClosed
	}
	select {
	case l.in <- c:
		l.sendMu.RUnlock()
	case <-ctx.Done():
		l.sendMu.RUnlock()
		return Posted{}, ctx.Err()
	}
	select {
	case <-c.done:
		return c.res.posted, c.res.err
	case <-ctx.Done():
		return Posted{}, ctx.Err()
	}
}

// loop is the single writer: it gathers calls into batches and commits them
// one after another, so batches of one process never contend with each other.
func (l *Ledger) loop() {
	defer close(l.done)
	batch := make([]*call, 0, l.opts.MaxBatch)
	for {
		var first *call
		select {
		case first = <-l.in:
		case <-l.closing:
			// Answer whatever was queued before Close, in batches.
			for {
				select {
				case c := <-l.in:
					l.commit(l.gather(append(batch[:0], c)), false)
				default:
					return
				}
			}
		}
		batch = append(batch[:0], first)
		batch = l.gather(batch)
		l.commit(batch, false)
	}
}

// gather adds queued calls to the batch until it is full, the queue is empty
// and MaxWait has passed since the batch began.
func (l *Ledger) gather(batch []*call) []*call {
	var deadline <-chan time.Time
	if l.opts.MaxWait > 0 {
		t := time.NewTimer(l.opts.MaxWait)
		defer t.Stop()
		deadline = t.C
	}
	for len(batch) < l.opts.MaxBatch {
		select {
		case c := <-l.in:
			batch = append(batch, c)
			continue
		default:
		}
		if deadline == nil {
			return batch
		}
		select {
		case c := <-l.in:
			batch = append(batch, c)
		case <-deadline:
			return batch
		}
	}
	return batch
}

// commit writes a batch and answers its callers. Answers are given only after
// the transaction commits; if it fails, each entry is tried alone. With
// lookKeys false it assumes no key was posted before and lets the insert
// tell (errKeyRace), which SQLite does cheaply; on PostgreSQL the lookup
// costs less than the failed statement a replay would cause.
func (l *Ledger) commit(batch []*call, lookKeys bool) {
	start := time.Now()
	var results []result
	var created map[string]account
	// A database that stops answering must not hang the writer, nor Close.
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	err := l.db.WriteLocking(ctx, func(tx *store.Tx) error {
		var err error
		results, created, err = l.apply(ctx, tx, batch, lookKeys)
		return err
	})
	if err != nil && !lookKeys {
		// Some key was posted before (a replay), or by another process a
		// moment ago (errKeyRace, or on PostgreSQL the failed statement it
		// causes): this time, look first.
		err = l.db.WriteLocking(ctx, func(tx *store.Tx) error {
			var err error
			results, created, err = l.apply(ctx, tx, batch, true)
			return err
		})
	}
	if err != nil {
		if len(batch) > 1 {
			l.m.batchRetries.With().Inc()
			for _, c := range batch {
				l.commit([]*call{c}, true)
			}
			return
		}
		results = []result{{err: apperr.Wrap(err, apperr.Internal, "")}}
	}
	if err == nil {
		l.remember(created)
		l.m.batches.With().Inc()
		l.batches.Add(1)
		l.m.batchSize.With().Observe(float64(len(batch)))
		l.m.commitSeconds.With().Observe(time.Since(start).Seconds())
	}
	var later []*call
	for i, c := range batch {
		if results[i].err == errPostponed {
			later = append(later, c)
			continue
		}
		c.res = results[i]
		l.m.count(c.res)
		close(c.done)
	}
	if len(later) > 0 {
		l.commit(later, true)
	}
}

// commitTimeout bounds one batch's transaction.
const commitTimeout = 30 * time.Second

// Batches returns how many transactions have committed entries.
func (l *Ledger) Batches() int64 { return l.batches.Load() }

func (l *Ledger) remember(created map[string]account) {
	if len(created) == 0 {
		return
	}
	l.mu.Lock()
	for name, a := range created {
		l.accounts[name] = a
	}
	l.mu.Unlock()
}
