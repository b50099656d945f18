// Package server is carefund's HTTP layer: the URL surface (routes.go), the
// middleware every request passes through, and the mapping of errors to
// responses: an HTML page in the reader's language for people, RFC 9457
// problem details for /api/v1 clients.
//
// Handlers only translate between HTTP and the domain packages. They return an
// error instead of writing failures themselves, so there is one place that
// decides status codes (errors.go) and one that logs server faults.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/carefund/carefund/internal/wechat"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/complaint"
	"github.com/carefund/carefund/internal/disclosure"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/filing"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/metrics"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/payout"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/refund"
	"github.com/carefund/carefund/internal/rules"
	"github.com/carefund/carefund/internal/server/console"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/termination"
	"github.com/carefund/carefund/internal/vault"
	"github.com/carefund/carefund/internal/web"
)

// Options configures a Server.
type Options struct {
	// Platform is what the server serves: the database and the services
	// built on it (platform.New). The server builds none of them itself.
	Platform *platform.Platform
	// Logger receives the server's log; nil means the platform's.
	Logger  *slog.Logger
	Version string
	// HTTPS says the public reaches the platform over TLS (a proxy may
	// terminate it): responses then carry HSTS and cookies are Secure.
	HTTPS bool
	// MaxBodyBytes limits request bodies; 1 MiB when zero.
	MaxBodyBytes int64
	// DevPages turns on development-only pages (the codes the log SMS
	// sender "sent"). Never in production.
	DevPages bool
	// TrustedProxies are the proxies whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// Demo, when set, is shown on the development page: the demonstration
	// staff accounts, their password and their current codes. carefund
	// serve --demo sets it from the demo data it loads.
	Demo *Demo
	// PageCacheTTL is how long the public page of a request, as anyone
	// without a session or share link sees it, may be served again without
	// being rendered anew (pagecache.go); 0 turns the cache off.
	PageCacheTTL time.Duration
}

// Demo is what the development page shows of the demonstration staff.
type Demo struct {
	Password string
	Staff    []DemoStaff
}

// DemoStaff is one demonstration staff account: the page shows its current
// sign-in code, made from Secret.
type DemoStaff struct {
	Username, Role string
	Secret         []byte
}

// Server serves the platform.
type Server struct {
	db      *store.DB
	log     *slog.Logger
	pages   *web.Renderer
	version string
	https   bool
	maxBody int64

	metrics  *metrics.Registry
	requests *metrics.CounterVec
	latency  *metrics.HistogramVec

	mux     *http.ServeMux
	handler http.Handler

	now      func() time.Time
	proxies  []netip.Prefix
	devPages bool
	demo     *Demo
	vault    *vault.Vault
	accounts *account.Service
	sms      account.Sender

	// The staff console and what it shares with the rest (accounts.go).
	site         *site.Pages
	auditor      *site.Auditor
	rules        *rules.Service
	staffService *staff.Service
	console      *console.Console

	campaigns campaign.Store
	materials material.Store

	filing *filing.Service // the publisher's requests (filing.go, api_requests.go)

	// Donations (donations.go); nil when the database was not ready.
	publicURL string
	ledger    *ledger.Ledger
	donations *donation.Service
	wechat    *wechat.Service // the official account: OAuth and the JS-SDK (wechatpages.go); nil without one
	providers map[string]payment.Provider
	provider  payment.Provider // what new orders are placed with
	sandbox   *payment.Sandbox // when configured: its checkout is served here
	// Refunds (refunds.go; what donors and publishers see of them:
	// refundpages.go, api_refunds.go); nil when the database was not ready.
	refunds *refund.Service

	platform *platform.Platform // what the fields above come from

	// What the public may see of a request (publicpages.go).
	disclosure *disclosure.Service

	payouts *payout.Service // payout applications (payoutpages.go, api_payouts.go)

	terminations *termination.Service // suspension and termination notices (publicpages.go)

	// Complaints and reports, their channels (complaintpages.go); the
	// service is nil when the database was not ready.
	complaints *complaint.Service
	channels   complaint.Channels // the phone and e-mail besides the form

	pageCache pageCache    // public request pages (pagecache.go)
	banner    *bannerCache // the wind-down's banner on every page (winddown.go)
	figures   figuresCache // the platform's figures (figurespages.go)
	csp       string       // the Content-Security-Policy of every response
}

// New returns a server for the options.
func New(opts Options) (*Server, error) {
	p := opts.Platform
	if p == nil {
		return nil, errors.New("server: no platform")
	}
	pages, err := web.New()
	if err != nil {
		return nil, err
	}
	s := &Server{
		db:       p.DB,
		log:      opts.Logger,
		pages:    pages,
		version:  opts.Version,
		https:    opts.HTTPS,
		maxBody:  opts.MaxBodyBytes,
		metrics:  p.Metrics,
		now:      p.Now,
		platform: p,
	}
	if s.maxBody == 0 {
		s.maxBody = 1 << 20
	}
	if s.log == nil {
		s.log = p.Log
	}
	s.devPages = opts.DevPages
	s.demo = opts.Demo
	s.proxies = opts.TrustedProxies
	s.pageCache.ttl = opts.PageCacheTTL
	s.setUpAccounts(p)
	s.setUpConsole(p)
	s.disclosure = p.Disclosure
	s.payouts = p.Payouts
	s.terminations = p.Terminations
	s.setUpBanner()
	s.complaints = p.Complaints
	s.channels = p.ComplaintChannels
	var origins []string
	for _, p := range s.providers {
		if c, ok := p.(interface{ CheckoutOrigins() []string }); ok {
			origins = append(origins, c.CheckoutOrigins()...)
		}
	}
	s.csp = cspFor(origins)
	s.registerMetrics()
	s.mux = http.NewServeMux()
	for _, rt := range s.routes() {
		if _, ok := permissions[rt.pattern]; !ok {
			return nil, fmt.Errorf("route %q is not in the permission matrix", rt.pattern)
		}
		s.mux.Handle(rt.pattern, s.handle(s.guard(rt.pattern, rt.handler)))
	}
	s.handler = s.observe(s.recoverPanics(s.secureHeaders(s.crossOriginProtection(s.limitBody(s.mux)))))
	return s, nil
}

// Handler returns the public handler.
func (s *Server) Handler() http.Handler { return s.handler }

// MetricsHandler returns the handler for /metrics, which is served on its own
// listener, never the public one.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.Handler())
	return mux
}

// Metrics returns the registry, so other parts (ledger, jobs) can add figures.
func (s *Server) Metrics() *metrics.Registry { return s.metrics }

// PublicChanged empties the cache of public pages (pagecache.go): the
// background jobs call it after they change what the public sees, such as
// closing a channel whose period ended, so that it shows at once.
func (s *Server) PublicChanged() {
	s.pageCache.bump()
	if s.banner != nil {
		s.banner.invalidate()
	}
}

func (s *Server) registerMetrics() {
	s.requests = s.metrics.Counter("carefund_http_requests_total",
		"HTTP requests answered, by route pattern, method and status code.", "route", "method", "code")
	s.latency = s.metrics.Histogram("carefund_http_request_duration_seconds",
		"Time to answer HTTP requests, by route pattern.", metrics.DefaultLatencyBuckets, "route")
	if s.db == nil {
		return
	}
	pool := func(f func(st poolStats) float64) func() float64 {
		return func() float64 { return f(poolStats(s.db.Stats())) }
	}
	s.metrics.GaugeFunc("carefund_db_open_connections", "Open connections in the database write pool.",
		pool(func(st poolStats) float64 { return float64(st.OpenConnections) }))
	s.metrics.GaugeFunc("carefund_db_in_use_connections", "Connections of the write pool in use.",
		pool(func(st poolStats) float64 { return float64(st.InUse) }))
	s.metrics.GaugeFunc("carefund_db_idle_connections", "Idle connections of the write pool.",
		pool(func(st poolStats) float64 { return float64(st.Idle) }))
	s.metrics.CounterFunc("carefund_db_wait_count_total", "Times a caller waited for a write-pool connection.",
		pool(func(st poolStats) float64 { return float64(st.WaitCount) }))
	s.metrics.CounterFunc("carefund_db_wait_seconds_total", "Total time callers waited for a write-pool connection.",
		pool(func(st poolStats) float64 { return st.WaitDuration.Seconds() }))
	if s.db.Dialect() == store.SQLite {
		// SQLite reads have a pool of their own.
		s.metrics.GaugeFunc("carefund_db_read_open_connections", "Open connections in the SQLite read pool.",
			func() float64 { return float64(s.db.ReadStats().OpenConnections) })
		s.metrics.GaugeFunc("carefund_db_read_in_use_connections", "Connections of the SQLite read pool in use.",
			func() float64 { return float64(s.db.ReadStats().InUse) })
	}
}

// Serve answers requests on ln until ctx is done, then stops accepting new
// ones and gives those in flight up to grace to finish.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, grace time.Duration, log *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		// The grace period is over: cut what is still running, so that
		// nothing touches the database after the caller closes it.
		log.Warn("requests still running after the shutdown grace period were cut", "grace", grace.String())
		err = srv.Close()
	}
	if serveErr := <-errc; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	return err
}
