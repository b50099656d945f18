package server

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/web"
)

// handlerFunc is a handler that returns its failure instead of writing it.
type handlerFunc = site.HandlerFunc

// statusOf maps every error code to its HTTP status (site.StatusOf).
var statusOf = site.StatusOf

// handle adapts a handlerFunc, recording its route for logs and metrics.
func (s *Server) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info := infoFrom(r.Context()); info != nil {
			info.Route = r.Pattern
		}
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		} else if changesPublicPage(r.Pattern) {
			// Whatever it changed, no kept page may hide it.
			s.pageCache.bump()
			if s.banner != nil {
				s.banner.invalidate() // the wind-down may have been approved
			}
		}
	})
}

// fail writes err as the response: problem details under /api/, an HTML page
// otherwise, both in the reader's language. Only server faults are logged
// with their cause; the reader never sees a cause.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		err = apperr.Wrap(err, apperr.TooLarge, "")
	}
	code := apperr.CodeOf(err)
	status := statusOf[code]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if status >= 500 {
		s.log.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("method", r.Method), slog.String("route", r.Pattern),
			slog.String("path", r.URL.Path), slog.Any("err", err))
	}
	lang := s.lang(r)
	e := apperr.As(err)
	key := "error." + string(code)
	var args []any
	if e != nil && e.Key != "" && status < 500 {
		key, args = e.Key, e.Args
	}
	msg := i18n.T(lang, key, args...)
	w.Header().Set("Content-Language", string(lang))
	w.Header().Set("Cache-Control", "no-store")
	if isAPI(r) {
		p := problem{
			Type: "about:blank", Title: http.StatusText(status), Status: status,
			Detail: msg, Instance: r.URL.Path, Code: code,
		}
		if e != nil {
			for _, f := range e.Fields {
				p.Errors = append(p.Errors, fieldProblem{Field: f.Field, Detail: i18n.T(lang, f.Key, f.Args...)})
			}
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(p)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := s.pages.Render(w, lang, r.URL.RequestURI(), s.viewer(r), web.Error{Status: status, Message: msg}); err != nil {
		s.log.Error("rendering the error page", "err", err)
	}
}

// problem is an RFC 9457 problem details object, with two extension members:
// code, the stable machine-readable error code, and errors, per-field messages.
type problem struct {
	Type     string         `json:"type"`
	Title    string         `json:"title"`
	Status   int            `json:"status"`
	Detail   string         `json:"detail"`
	Instance string         `json:"instance"`
	Code     apperr.Code    `json:"code"`
	Errors   []fieldProblem `json:"errors,omitempty"`
}

type fieldProblem struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }
