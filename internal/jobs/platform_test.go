package jobs

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// clock is a platform's clock that the test moves on.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// newPlatform builds a platform on db with the test's clock.
func newPlatform(t *testing.T, db *store.DB, c *clock) *platform.Platform {
	t.Helper()
	p, err := platform.New(context.Background(), platform.Config{DB: db, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// fundraising opens a request with the default period and returns its id.
func fundraising(t testing.TB, p *platform.Platform, patientID string) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := p.DB.Write(ctx, func(tx *store.Tx) error {
		u, err := campaigntest.User(ctx, tx, p.Vault, "publisher-"+patientID)
		if err != nil {
			return err
		}
		f := campaigntest.Filing()
		f.PatientID = patientID
		id, err = campaigntest.Fundraising(ctx, tx, p.Campaigns, u, f, 0)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func stateOf(t *testing.T, p *platform.Platform, id int64) campaign.State {
	t.Helper()
	ctx := context.Background()
	var st campaign.State
	err := p.DB.Read(ctx, func(tx *store.Tx) error {
		r, err := p.Campaigns.Get(ctx, tx, id)
		st = r.State
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestCloseExpired (R-PUB-4): a channel whose period ended is closed by
// the job, once; one still open is left alone; a second run, as when two
// nodes both run the job for a moment, finds nothing.
func TestCloseExpired(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := &clock{}
		p := newPlatform(t, db, c)
		ctx := context.Background()
		id := fundraising(t, p, campaigntest.PatientID)
		if n, err := CloseExpired(ctx, p); err != nil || n != 0 {
			t.Fatalf("before the deadline: %d closed, %v", n, err)
		}
		c.advance(campaign.DefaultPeriod + time.Hour)
		if n, err := CloseExpired(ctx, p); err != nil || n != 1 {
			t.Fatalf("after the deadline: %d closed, %v; want 1", n, err)
		}
		if st := stateOf(t, p, id); st != campaign.Closed {
			t.Errorf("the request is %s, want closed", st)
		}
		if n, err := CloseExpired(ctx, p); err != nil || n != 0 {
			t.Errorf("again: %d closed, %v; want 0", n, err)
		}
	})
}

// TestPlatformJobs (R-PUB-4): the runner runs the platform's jobs as soon
// as it leads: an expired channel is closed and the server is told that
// the public pages changed; the runner returns when its context ends.
func TestPlatformJobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := &clock{}
		p := newPlatform(t, db, c)
		id := fundraising(t, p, campaigntest.PatientID)
		c.advance(campaign.DefaultPeriod + time.Hour)
		var changed atomic.Int64
		js := Platform(p, func() { changed.Add(1) })
		names := map[string]bool{}
		for _, j := range js {
			names[j.Name] = true
		}
		if !names[CloseExpiredJob] || !names[QueryUnpaidJob] {
			t.Fatalf("the platform's jobs are %v", names)
		}
		stop := start(t, New(js, Options{}))
		waitFor(t, "the expired request to close", func() bool { return stateOf(t, p, id) == campaign.Closed })
		waitFor(t, "the pages to be marked changed", func() bool { return changed.Load() >= 1 })
		stop()
	})
}

// TestPurgeThrottle: the purge job deletes rate-limit events older than any
// window and keeps the recent ones.
func TestPurgeThrottle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now().UnixMicro()
		storetest.Exec(t, db,
			fmt.Sprintf("INSERT INTO throttle_events (key, at) VALUES ('k:old', %d)", now-int64(ThrottleKeep/time.Microsecond)-1e6),
			fmt.Sprintf("INSERT INTO throttle_events (key, at) VALUES ('k:new', %d)", now))
		n, err := PurgeThrottle(ctx, db)
		if err != nil || n != 1 {
			t.Fatalf("purged %d, %v; want 1", n, err)
		}
		if !slices.ContainsFunc(Platform(newPlatform(t, db, &clock{}), nil), func(j Job) bool { return j.Name == PurgeThrottleJob }) {
			t.Error("the purge job is not among the platform's jobs")
		}
	})
}
