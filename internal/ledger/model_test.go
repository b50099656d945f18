package ledger

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"pgregory.net/rapid"

	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestLedgerMatchesModel runs random sequences of donations, payouts,
// replays, reused keys and concurrent bursts against the ledger
// and against a model in a map, and checks that they agree after every step,
// and that the invariants hold at the end.
func TestLedgerMatchesModel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := newLedger(t, db, Options{})
		ctx := context.Background()
		run := 0
		rapid.Check(t, func(rt *rapid.T) {
			run++
			m := &model{prefix: fmt.Sprintf("m%d-", run), balances: map[string]money.Fen{}, posted: map[string]Entry{}, ids: map[string]int64{}}
			for range rapid.IntRange(1, 25).Draw(rt, "steps") {
				switch rapid.IntRange(0, 5).Draw(rt, "op") {
				case 0, 1: // a donation
					m.post(rt, l, m.donation(rt))
				case 2: // a payout, which may overdraw
					m.post(rt, l, m.payout(rt))
				case 3: // a replay of something posted
					if key, ok := m.anyKey(rt); ok {
						p, err := l.Post(ctx, m.posted[key])
						if err != nil || !p.Replayed || p.ID != m.ids[key] {
							rt.Fatalf("replay of %s = %+v, %v; want entry %d", key, p, err, m.ids[key])
						}
					}
				case 4: // a posted key reused for something else
					if key, ok := m.anyKey(rt); ok {
						e := m.donation(rt)
						e.Key = key
						if _, err := l.Post(ctx, e); hash(e) != hash(m.posted[key]) && !errors.Is(err, ErrKeyReused) {
							rt.Fatalf("reused key %s: %v", key, err)
						}
					}
				case 5: // a burst of concurrent donations, which share batches
					var es []Entry
					for range rapid.IntRange(2, 20).Draw(rt, "burst") {
						es = append(es, m.donation(rt))
					}
					var wg sync.WaitGroup
					errs := make([]error, len(es))
					ps := make([]Posted, len(es))
					for i, e := range es {
						wg.Go(func() { ps[i], errs[i] = l.Post(ctx, e) })
					}
					wg.Wait()
					for i, e := range es {
						if errs[i] != nil {
							rt.Fatalf("burst post %s: %v", e.Key, errs[i])
						}
						m.apply(e, ps[i].ID)
					}
				}
				m.check(rt, l)
			}
		})
		verify(t, db)
	})
}

type model struct {
	prefix   string
	n        int
	balances map[string]money.Fen
	posted   map[string]Entry
	ids      map[string]int64
	keys     []string
}

func (m *model) key() string { m.n++; return fmt.Sprintf("%sk%d", m.prefix, m.n) }

func (m *model) request(rt *rapid.T) string {
	return fmt.Sprintf("request:%s%d", m.prefix, rapid.IntRange(0, 3).Draw(rt, "request"))
}

func (m *model) donation(rt *rapid.T) Entry {
	amount := money.Fen(rapid.Int64Range(1, 100000).Draw(rt, "amount"))
	return Entry{Key: m.key(), Kind: "donation", Postings: []Posting{{"psp:sandbox", amount}, {m.request(rt), -amount}}}
}

func (m *model) payout(rt *rapid.T) Entry {
	amount := money.Fen(rapid.Int64Range(1, 150000).Draw(rt, "amount"))
	key := m.key()
	return Entry{Key: key, Kind: "payout", Postings: []Posting{{m.request(rt), amount}, {"payable:payout:" + key, -amount}}}
}

// post posts e and checks the outcome the model predicts: refused exactly
// when a request would go below zero.
func (m *model) post(rt *rapid.T, l *Ledger, e Entry) {
	overdraws := false
	for _, p := range e.Postings {
		c, _ := Classify(p.Account)
		if c.NonNegative && m.balances[p.Account]+money.Fen(c.sign())*p.Amount < 0 {
			overdraws = true
		}
	}
	p, err := l.Post(context.Background(), e)
	switch {
	case overdraws && !errors.Is(err, ErrInsufficientFunds):
		rt.Fatalf("%s overdraws, but Post = %+v, %v", e.Key, p, err)
	case !overdraws && err != nil:
		rt.Fatalf("Post(%s): %v", e.Key, err)
	case !overdraws:
		m.apply(e, p.ID)
	}
}

func (m *model) apply(e Entry, id int64) {
	for _, p := range e.Postings {
		c, _ := Classify(p.Account)
		m.balances[p.Account] += money.Fen(c.sign()) * p.Amount
	}
	m.posted[e.Key], m.ids[e.Key] = e, id
	m.keys = append(m.keys, e.Key)
}

func (m *model) anyKey(rt *rapid.T) (string, bool) {
	if len(m.keys) == 0 {
		return "", false
	}
	return rapid.SampledFrom(m.keys).Draw(rt, "key"), true
}

func (m *model) check(rt *rapid.T, l *Ledger) {
	for name, want := range m.balances {
		if name == "psp:sandbox" {
			continue // shared by every run
		}
		got, err := l.Balance(context.Background(), name)
		if err != nil || got != want {
			rt.Fatalf("Balance(%s) = %s, %v; the model says %s", name, got, err, want)
		}
	}
}
