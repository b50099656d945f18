package server

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carefund/carefund/internal/i18n"
)

// pageCache keeps the public page of a request, as rendered for a reader
// with no session and no share link, for a short while (a micro-cache, as a
// proxy in front would keep it): a request shared in WeChat is read
// thousands of times a second, and each reading would otherwise cost a
// transaction of eight statements, unsealing and a template run.
//
// What it may serve is bounded twice: an entry is never older than ttl,
// and none outlives a change made through this process to what the page
// says of the request (a successful publisher's or staff member's action,
// see changesPublicPage, and the background jobs bump the generation). The
// running totals, and changes made on another node, show within ttl.
type pageCache struct {
	ttl time.Duration // 0: off
	gen atomic.Uint64

	mu    sync.Mutex
	pages map[pageKey]cachedPage
}

type pageKey struct {
	id   int64
	lang i18n.Lang
}

type cachedPage struct {
	body []byte
	at   time.Time
	gen  uint64
}

// changesPublicPage reports whether a route, when it succeeds, may change
// what a request's public page says beyond its running totals: the
// publisher's and the staff's actions. They are all behind a session, so
// nobody else can empty the cache by sending requests; donations and shares
// do not empty it either, or a surge of them would empty it as fast as it
// fills, when readers are most numerous. What they change shows within ttl.
func changesPublicPage(pattern string) bool {
	method, path, _ := strings.Cut(pattern, " ")
	if method == http.MethodGet || method == http.MethodHead {
		return false
	}
	return strings.HasPrefix(path, "/staff/") || strings.HasPrefix(path, "/my/requests") ||
		strings.HasPrefix(path, "/api/v1/my/requests") ||
		// A payout's usage update is public (R-DISB-4).
		strings.HasPrefix(path, "/my/payouts/") || strings.HasPrefix(path, "/api/v1/my/payouts/") ||
		// A donor's refund changes the request's public figures.
		strings.HasPrefix(path, "/my/donations/") || strings.HasPrefix(path, "/api/v1/my/donations/") ||
		// A requester's early refund in the wind-down (R-WIND-1).
		strings.HasPrefix(path, "/my/wind-down/")
}

// maxCachedPages bounds the cache; past it, it starts again empty.
const maxCachedPages = 4096

// get returns the page for key if it is fresh at now.
func (c *pageCache) get(key pageKey, now time.Time) ([]byte, bool) {
	if c.ttl <= 0 {
		return nil, false
	}
	c.mu.Lock()
	p, ok := c.pages[key]
	c.mu.Unlock()
	if !ok || p.gen != c.gen.Load() || now.Sub(p.at) >= c.ttl || now.Before(p.at) {
		return nil, false
	}
	return p.body, true
}

// put keeps body for key, as rendered at now from data read under
// generation gen (read before the data, so a change during the render
// leaves the entry stale, never wrong for long).
func (c *pageCache) put(key pageKey, body []byte, now time.Time, gen uint64) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pages == nil || len(c.pages) >= maxCachedPages {
		c.pages = make(map[pageKey]cachedPage)
	}
	c.pages[key] = cachedPage{body: body, at: now, gen: gen}
}

// bump makes every kept page stale.
func (c *pageCache) bump() { c.gen.Add(1) }
