package refund

import (
	"context"
	"sync"
	"time"
)

// bucket is a token bucket: up to rate calls a second, bursts of at most
// one second's worth.
type bucket struct {
	mu     sync.Mutex
	rate   float64
	tokens float64
	last   time.Time
}

func newBucket(rate float64) *bucket { return &bucket{rate: rate, tokens: 1} }

// wait takes one token, waiting for it if need be, or returns ctx's error.
func (b *bucket) wait(ctx context.Context) error {
	for {
		b.mu.Lock()
		now := time.Now()
		if !b.last.IsZero() {
			b.tokens += now.Sub(b.last).Seconds() * b.rate
		}
		b.last = now
		if b.tokens > b.rate {
			b.tokens = b.rate
		}
		if b.tokens < 1 && b.rate < 1 {
			b.tokens = min(b.tokens, 1)
		}
		if b.tokens >= 1 {
			b.tokens--
			b.mu.Unlock()
			return nil
		}
		need := time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
		b.mu.Unlock()
		t := time.NewTimer(need)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}
