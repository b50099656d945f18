package wechatpaytest

import (
	"container/heap"
	"context"
	"math"
	"sync"
	"time"
)

// Clock is the fake server's time: the wall clock, or a compressed clock on
// which the 24-hour notification schedule runs in milliseconds.
//
// A compressed clock stands still while the server is busy (answering a
// request, delivering a notification) and, once nothing is busy, jumps
// straight to the next moment a delivery is due. So a signature made at one
// instant is checked at the same instant, however slow the machine, and the
// offsets between deliveries are exact.
type Clock struct {
	real    bool
	speedup float64

	mu       sync.Mutex
	now      time.Time
	busy     int
	sleepers sleeperHeap
	kick     chan struct{}
	done     chan struct{}
	started  bool
}

// RealClock returns a clock that reads the wall clock and sleeps for real.
func RealClock() *Clock { return &Clock{real: true} }

// NewClock returns a compressed clock reading start, on which waits run
// speedup times faster than real time; math.Inf(1) (or any speedup of 0 or
// less) jumps to the next due delivery at once.
func NewClock(start time.Time, speedup float64) *Clock {
	if speedup <= 0 {
		speedup = math.Inf(1)
	}
	return &Clock{now: start, speedup: speedup, kick: make(chan struct{}, 1), done: make(chan struct{})}
}

// stop ends the goroutine that moves a compressed clock; sleepers still
// waiting are left to their contexts.
func (c *Clock) stop() {
	if c.done == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.done:
	default:
		close(c.done)
	}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	if c.real {
		return time.Now()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// hold marks the caller busy: a compressed clock does not move until the
// returned release is called. The release is idempotent.
func (c *Clock) hold() (release func()) {
	if c.real {
		return func() {}
	}
	c.mu.Lock()
	c.busy++
	c.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			c.busy--
			c.mu.Unlock()
			c.poke()
		})
	}
}

// sleepUntil waits until the clock reads t or later. The caller must be
// holding the clock (see hold): it is released while waiting and held again
// when the wait ends, before the clock can move on, so the caller acts at
// exactly t.
func (c *Clock) sleepUntil(ctx context.Context, t time.Time) error {
	if c.real {
		d := time.Until(t)
		if d <= 0 {
			return ctx.Err()
		}
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-timer.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	c.mu.Lock()
	if !t.After(c.now) {
		c.mu.Unlock()
		return nil
	}
	s := &sleeper{at: t, wake: make(chan struct{})}
	heap.Push(&c.sleepers, s)
	c.busy--
	if !c.started {
		c.started = true
		go c.run()
	}
	c.mu.Unlock()
	c.poke()
	select {
	case <-s.wake:
		// run has already counted this goroutine busy again.
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		if s.index >= 0 {
			heap.Remove(&c.sleepers, s.index)
			c.busy++ // the caller's release expects to undo a hold
			c.mu.Unlock()
			return ctx.Err()
		}
		c.mu.Unlock()
		return ctx.Err() // woken at the same time: already held again
	}
}

func (c *Clock) poke() {
	if c.kick == nil {
		return
	}
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// run moves the clock: whenever nothing is busy and someone sleeps, it
// waits the compressed time to the earliest wake-up, sets the clock to it,
// and wakes everyone due, counting them busy before anything else can move
// the clock. It ends when the clock is stopped.
func (c *Clock) run() {
	for {
		c.mu.Lock()
		if c.busy > 0 || len(c.sleepers) == 0 {
			c.mu.Unlock()
			select {
			case <-c.kick:
			case <-c.done:
				return
			}
			continue
		}
		next := c.sleepers[0].at
		wait := time.Duration(float64(next.Sub(c.now)) / c.speedup)
		c.mu.Unlock()
		if wait > 0 {
			timer := time.NewTimer(wait)
			select {
			case <-timer.C:
			case <-c.kick:
				timer.Stop()
				continue // something changed: look again
			case <-c.done:
				timer.Stop()
				return
			}
		}
		c.mu.Lock()
		if c.busy > 0 || len(c.sleepers) == 0 || c.sleepers[0].at != next {
			c.mu.Unlock()
			continue
		}
		c.now = next
		for len(c.sleepers) > 0 && !c.sleepers[0].at.After(c.now) {
			s := heap.Pop(&c.sleepers).(*sleeper)
			c.busy++
			close(s.wake)
		}
		c.mu.Unlock()
	}
}

type sleeper struct {
	at    time.Time
	wake  chan struct{}
	index int
}

type sleeperHeap []*sleeper

func (h sleeperHeap) Len() int           { return len(h) }
func (h sleeperHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h sleeperHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *sleeperHeap) Push(x any) {
	s := x.(*sleeper)
	s.index = len(*h)
	*h = append(*h, s)
}
func (h *sleeperHeap) Pop() any {
	old := *h
	s := old[len(old)-1]
	old[len(old)-1] = nil
	s.index = -1
	*h = old[:len(old)-1]
	return s
}
