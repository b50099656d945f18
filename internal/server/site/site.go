// Package site holds what the public pages, the JSON API and the staff
// console share of serving a request, so that each can live in a package of
// its own over one mux: the caller the permission check found, what the
// request tells the logging layer, the route type, reading forms and path
// numbers, rendering a page in the reader's language, answering a refused
// form, and recording staff actions in the audit log.
//
// It decides nothing about who may do what: the permission matrix and the
// check that enforces it stay in package server, which answers questions
// about the matrix through Access.
package site

import (
	"context"
	"net"
	"net/http"

	"github.com/carefund/carefund/internal/session"
	"github.com/carefund/carefund/internal/staff"
)

// HandlerFunc is a handler that returns its failure instead of writing it;
// package server writes it (an HTML page or problem details).
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Route is one entry of the URL surface: a ServeMux pattern, method first,
// and its handler. Who may use it is in the permission matrix.
type Route struct {
	Pattern string
	Handler HandlerFunc
}

// Access answers questions about the permission matrix.
type Access interface {
	// Allows reports whether a staff member in role may use the route.
	Allows(pattern string, role staff.Role) bool
	// Action names a staff route's action in the audit log.
	Action(pattern string) string
}

// Caller is who sent a request, as far as the route needed to know: the
// permission check puts it in the request's context.
type Caller struct {
	User    *session.Session // a signed-in member of the public
	Staff   *staff.Staff     // a signed-in staff member
	Session *session.Session // the staff member's session
	Token   string           // the session cookie's value
}

type callerKey struct{}

// WithCaller returns r carrying c.
func WithCaller(r *http.Request, c *Caller) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), callerKey{}, c))
}

// CallerOf returns the caller of r; nobody when the permission check did
// not run.
func CallerOf(r *http.Request) *Caller {
	c, _ := r.Context().Value(callerKey{}).(*Caller)
	if c == nil {
		return &Caller{}
	}
	return c
}

// Info carries what inner layers learn about a request out to the logging
// and metrics layer, which runs first.
type Info struct {
	Route   string // the route pattern
	Audited bool   // the handler wrote its own audit record
	Client  string // the client's address, through trusted proxies
}

type infoKey struct{}

// WithInfo returns ctx carrying info.
func WithInfo(ctx context.Context, info *Info) context.Context {
	return context.WithValue(ctx, infoKey{}, info)
}

// InfoOf returns the request information in ctx, or nil.
func InfoOf(ctx context.Context) *Info {
	info, _ := ctx.Value(infoKey{}).(*Info)
	return info
}

// RemoteIP is the client's address: for rate limits, the audit log and the
// list of signed-in devices.
func RemoteIP(r *http.Request) string {
	if info := InfoOf(r.Context()); info != nil && info.Client != "" {
		return info.Client
	}
	return PeerIP(r)
}

// PeerIP is the address the connection came from.
func PeerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// MarkAudited says the handler recorded its action itself, in the
// transaction that did it, so the permission check records nothing more.
func MarkAudited(r *http.Request) {
	if info := InfoOf(r.Context()); info != nil {
		info.Audited = true
	}
}

// Audited reports whether the handler recorded its action itself.
func Audited(r *http.Request) bool {
	info := InfoOf(r.Context())
	return info != nil && info.Audited
}
