package server

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/server/site"
)

type poolStats sql.DBStats

// requestInfo carries what inner layers learn about a request out to the
// logging and metrics layer (site.Info).
type requestInfo = site.Info

func infoFrom(ctx context.Context) *requestInfo { return site.InfoOf(ctx) }

// recorder remembers the status and size of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe logs every request and counts it in the metrics, by route pattern
// rather than path so that the number of series stays bounded. The query
// string is never logged: it may hold personal data.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{Client: s.clientIP(r)}
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(site.WithInfo(r.Context(), info)))
		elapsed := time.Since(start)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		route := info.Route
		if route == "" {
			route = "(none)" // refused before routing, e.g. by cross-origin protection
		}
		s.requests.With(route, methodLabel(r.Method), strconv.Itoa(rec.status)).Inc()
		s.latency.With(route).Observe(elapsed.Seconds())
		level := slog.LevelInfo
		if route == "GET /healthz" || route == "GET /readyz" || route == "GET /static/{file}" {
			level = slog.LevelDebug
		}
		path := r.URL.Path
		if secretPaths[route] {
			// The path holds an order number, which opens its receipt:
			// it must not sit in the log beside the reader's address.
			path = route
		}
		s.log.LogAttrs(r.Context(), level, "request",
			slog.String("method", r.Method), slog.String("route", route), slog.String("path", path),
			slog.Int("status", rec.status), slog.Int64("bytes", rec.bytes),
			slog.Float64("ms", float64(elapsed.Microseconds())/1000), slog.String("remote", remoteIP(r)))
	})
}

// secretPaths are the routes whose path is a capability (an order number):
// the log names the route instead.
var secretPaths = map[string]bool{
	"GET /donations/{no}":         true,
	"GET /api/v1/donations/{no}":  true,
	"GET /sandbox/checkout/{id}":  true,
	"POST /sandbox/checkout/{id}": true,
}

// methodLabel bounds the methods the metrics name: anyone can send any
// method, and each new label value would be a series kept forever.
func methodLabel(m string) string {
	switch m {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
		return m
	}
	return "OTHER"
}

// remoteIP is the client's address: for rate limits, the audit log and the
// list of signed-in devices.
func remoteIP(r *http.Request) string { return site.RemoteIP(r) }

func peerIP(r *http.Request) string { return site.PeerIP(r) }

// clientIP finds the client's address. Behind a proxy the connection comes
// from the proxy; when it is one of the trusted proxies, the address is the
// rightmost one in X-Forwarded-For that is not itself a trusted proxy (the
// left part of the header is whatever the client sent, and cannot be
// believed).
func (s *Server) clientIP(r *http.Request) string {
	peer := peerIP(r)
	if !s.trusted(peer) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		addr, err := netip.ParseAddr(hop)
		if err != nil {
			break
		}
		if !s.trusted(addr.String()) {
			return addr.String()
		}
	}
	return peer
}

func (s *Server) trusted(ip string) bool {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	for _, p := range s.proxies {
		if p.Contains(addr.Unmap()) {
			return true
		}
	}
	return false
}

// recoverPanics turns a panicking handler into a logged 500, so one bug does
// not take the connection (or, under http.Server, the stack trace) to the
// reader.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "route", r.Pattern, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				s.fail(w, r, apperr.Wrap(fmt.Errorf("panic: %v", v), apperr.Internal, ""))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy allows only the platform's own stylesheet, images and
// scripts: no inline code, no third party, no framing.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// cspFor is the content security policy when donors are sent on to
// checkout pages of other origins: form-action must allow them, because
// browsers apply it to the redirect that answers the donation form.
func cspFor(checkoutOrigins []string) string {
	if len(checkoutOrigins) == 0 {
		return contentSecurityPolicy
	}
	return strings.Replace(contentSecurityPolicy, "form-action 'self'",
		"form-action 'self' "+strings.Join(checkoutOrigins, " "), 1)
}

// secureHeaders sets the headers every response carries.
func (s *Server) secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", s.csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if s.secure(r) {
			h.Set("Strict-Transport-Security", "max-age=63072000")
		}
		next.ServeHTTP(w, r)
	})
}

// crossOriginProtection refuses state-changing requests (anything but GET,
// HEAD and OPTIONS) that a browser says came from another site, using
// Sec-Fetch-Site and Origin (Go's http.CrossOriginProtection).
func (s *Server) crossOriginProtection(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, apperr.New(apperr.Forbidden, "error.cross_origin"))
	}))
	return cop.Handler(next)
}

// limitBody refuses bodies over the limit: at once when the length is
// declared, and as soon as the limit is crossed when it is not.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := s.maxBody
		if takesUpload(r) {
			limit = max(limit, uploadBodyLimit)
		}
		// The complaint form reads its body as a stream and stops at the
		// evidence over its limit, to answer next to the file field with
		// what was typed kept (complaintform.go).
		streamed := isComplaintForm(r)
		if streamed {
			limit = max(limit, complaintBodyLimit)
		}
		if r.ContentLength > limit && !streamed {
			s.fail(w, r, apperr.New(apperr.TooLarge, ""))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// secure reports whether the reader's connection is HTTPS: directly, or
// through the TLS proxy that --public-url says is in front.
func (s *Server) secure(r *http.Request) bool { return s.https || r.TLS != nil }

// lang picks the reader's language (site.Lang).
func (s *Server) lang(r *http.Request) i18n.Lang { return site.Lang(r) }

const langCookie = site.LangCookie
