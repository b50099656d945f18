package server

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/server/console"
	"github.com/carefund/carefund/internal/web"
	"github.com/carefund/carefund/internal/winddown"
)

// windDownPage is the public progress page of the wind-down (R-WIND-1):
// the notice, the schedule and the ledger's figures; before any
// wind-down, a line saying the platform operates normally.
func (s *Server) windDownPage(w http.ResponseWriter, r *http.Request) error {
	if s.platform.WindDown == nil {
		return s.render(w, r, web.WindDownPublic{})
	}
	p, err := s.platform.WindDown.Progress(r.Context(), false)
	if apperr.CodeOf(err) == apperr.NotFound {
		return s.render(w, r, web.WindDownPublic{})
	}
	if err != nil {
		return err
	}
	return s.render(w, r, console.WindDownProgress(s.lang(r), p))
}

// bannerTTL bounds how long a node shows the banner it read: another
// node's approval shows here within it, this node's at once.
const bannerTTL = 30 * time.Second

// bannerCache keeps the wind-down's banner in memory, so that every page
// shows it at no cost (R-WIND-1): one read per bannerTTL per node, and
// again at once after a staff action or a job changed what the public
// sees (stale). A read that fails keeps what was shown.
type bannerCache struct {
	load  func(ctx context.Context) (winddown.Banner, bool, error)
	now   func() time.Time
	moved func() // the banner changed: the kept pages are stale

	cur   atomic.Pointer[web.Banner]
	at    atomic.Int64 // when cur was read, unix nanoseconds; 0: never
	stale atomic.Bool
	mu    sync.Mutex // one reader at a time; the others show cur
}

// get returns the banner to show, nil for none.
func (b *bannerCache) get() *web.Banner {
	if b.load == nil {
		return nil
	}
	now := b.now()
	if at := b.at.Load(); at != 0 && !b.stale.Load() && now.Sub(time.Unix(0, at)) < bannerTTL {
		return b.cur.Load()
	}
	if !b.mu.TryLock() {
		return b.cur.Load()
	}
	defer b.mu.Unlock()
	b.stale.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	wd, ok, err := b.load(ctx)
	if err != nil {
		return b.cur.Load() // read again on the next page
	}
	var next *web.Banner
	if ok {
		next = &web.Banner{Notice: wd.Notice, Deadline: winddown.Schedule{Deadline: wd.Deadline}.LastDay(), Completed: wd.Completed}
	}
	b.at.Store(now.UnixNano())
	if prev := b.cur.Swap(next); (prev == nil) != (next == nil) || prev != nil && *prev != *next {
		b.moved()
	}
	return next
}

// invalidate makes the next page read the banner again.
func (b *bannerCache) invalidate() { b.stale.Store(true) }

// setUpBanner installs the wind-down's banner on every page.
func (s *Server) setUpBanner() {
	if s.platform.WindDown == nil {
		return
	}
	s.banner = &bannerCache{load: s.platform.WindDown.Banner, now: time.Now, moved: s.pageCache.bump}
	s.pages.SetBanner(s.banner.get)
}

// myWindDown is the requester's page during the wind-down: their requests
// in it and the button to have one refunded now (R-WIND-1).
func (s *Server) myWindDown(w http.ResponseWriter, r *http.Request) error {
	return s.renderMyWindDown(w, r, http.StatusOK, "", "")
}

func (s *Server) renderMyWindDown(w http.ResponseWriter, r *http.Request, status int, notice, message string) error {
	p := web.MyWindDown{Notice: notice, Message: message}
	if s.platform.WindDown == nil {
		return s.renderStatus(w, r, status, p)
	}
	lines, sched, err := s.platform.WindDown.Mine(r.Context(), callerOf(r).user.Subject)
	if apperr.CodeOf(err) == apperr.NotFound {
		return s.renderStatus(w, r, status, p)
	}
	if err != nil {
		return err
	}
	p.Active, p.RefundFrom, p.Deadline = true, sched.RefundFrom.In(winddown.Zone).Format(time.DateOnly), sched.LastDay()
	for _, l := range lines {
		p.Rows = append(p.Rows, web.MyWindDownRow{RequestID: l.RequestID, Held: l.Held().Format(s.lang(r)), StepKey: l.Step.NameKey(),
			Late: l.Late, CanAsk: l.Step == winddown.StepApply})
	}
	return s.renderStatus(w, r, status, p)
}

// askWindDownRefund is the requester asking that request {id} be refunded
// now rather than at day 30.
func (s *Server) askWindDownRefund(w http.ResponseWriter, r *http.Request) error {
	if s.platform.WindDown == nil {
		return apperr.New(apperr.NotFound, "")
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := form(r); err != nil {
		return err
	}
	err = s.platform.WindDown.AskRefund(r.Context(), callerOf(r).user.Subject, id)
	if e := apperr.As(err); e != nil && e.Code == apperr.Conflict {
		return s.renderMyWindDown(w, r, http.StatusConflict, "", i18n.T(s.lang(r), e.Key))
	}
	if err != nil {
		return err
	}
	return s.renderMyWindDown(w, r, http.StatusOK, i18n.T(s.lang(r), "winddown.my.asked"), "")
}
