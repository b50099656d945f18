package wechatpaytest

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"
)

// A compressed clock wakes concurrent sleepers in order, each at exactly
// its time, and stands still while anyone holds it.
func TestCompressedClock(t *testing.T) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	c := NewClock(start, math.Inf(1))
	defer c.stop()
	var mu sync.Mutex
	var woke []time.Duration
	var wg sync.WaitGroup
	// Every sleeper holds the clock before any of them sleeps: otherwise
	// the first could let the clock run to its time before the others
	// have even asked.
	durations := []time.Duration{6 * time.Hour, 15 * time.Second, 3 * time.Hour}
	releases := make([]func(), len(durations))
	for i := range durations {
		releases[i] = c.hold()
	}
	for i, d := range durations {
		release := releases[i]
		wg.Go(func() {
			defer release()
			if err := c.sleepUntil(context.Background(), start.Add(d)); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			woke = append(woke, c.Now().Sub(start))
			mu.Unlock()
		})
	}
	wg.Wait()
	want := []time.Duration{15 * time.Second, 3 * time.Hour, 6 * time.Hour}
	if len(woke) != len(want) {
		t.Fatalf("woke %v, want %v", woke, want)
	}
	for i := range want {
		if woke[i] != want[i] {
			t.Fatalf("woke %v, want %v", woke, want)
		}
	}

	// Held by someone else, the clock does not move for a sleeper.
	other := c.hold()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	release := c.hold()
	before := c.Now()
	if err := c.sleepUntil(ctx, before.Add(time.Minute)); err == nil {
		t.Fatal("the clock moved while held")
	}
	if !c.Now().Equal(before) {
		t.Fatalf("clock moved from %v to %v", before, c.Now())
	}
	release()
	other()
}
