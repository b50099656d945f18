package server

import (
	"context"
	_ "embed"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/web"
)

// render writes page p with status 200 in the reader's language.
func (s *Server) render(w http.ResponseWriter, r *http.Request, p web.Page) error {
	return s.site.Render(w, r, p)
}

// renderStatus writes page p with the status: a form sent back for fixing
// is 422, so that scripts and tests can tell it from a success.
func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int, p web.Page) error {
	return s.site.RenderStatus(w, r, status, p)
}

// writePage writes a rendered page with the headers every page has.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, status int, lang i18n.Lang, body []byte) error {
	return site.WritePage(w, r, status, lang, body)
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	cards, err := s.homeCards(r.Context(), s.lang(r))
	if err != nil {
		return err
	}
	return s.render(w, r, web.HomeRequests{Cards: cards})
}

// setLanguage remembers the reader's choice of language in a cookie and goes
// back to the page they were on.
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return badForm(err)
	}
	lang, ok := i18n.Parse(r.PostFormValue("lang"))
	if !ok {
		return apperr.New(apperr.Invalid, "")
	}
	http.SetCookie(w, &http.Cookie{
		Name: langCookie, Value: string(lang), Path: "/",
		MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r),
	})
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
	return nil
}

// localPath returns next if it is a path on this site, and "/" otherwise, so
// the language switch cannot be used to send people elsewhere. Browsers
// ignore tabs and newlines in URLs and read a backslash as a slash, so any of
// those refuses the path too.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return next
}

// badForm classifies a failure to read a form (site.BadForm).
func badForm(err error) error { return site.BadForm(err) }

// notFound answers what no route matches: 405 with an Allow header when
// the path exists for other methods, 404 otherwise.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) error {
	var allow []string
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); m != r.Method && pattern != "/" && pattern != "/api/v1/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		return apperr.New(apperr.Method, "error.method")
	}
	return apperr.New(apperr.NotFound, "")
}

// static serves the embedded stylesheet and icon; an unknown name gets the
// ordinary not-found page.
func (s *Server) static(w http.ResponseWriter, r *http.Request) error {
	if !s.pages.HasStatic(r.PathValue("file")) {
		return apperr.New(apperr.NotFound, "")
	}
	s.pages.Static().ServeHTTP(w, r)
	return nil
}

// healthz answers while the process is alive, whatever the database does.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, err := w.Write([]byte("ok\n"))
	return err
}

// readyz answers 200 only when the database is reachable and its schema is
// the one this program expects; a load balancer sends traffic accordingly.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.db.Ready(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, err := w.Write([]byte("not ready\n"))
		return err
	}
	_, err := w.Write([]byte("ready\n"))
	return err
}

//go:embed openapi.json
var openAPIDocument []byte

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(openAPIDocument)
	return err
}

// apiStatus tells API clients the version they talk to and whether it is ready.
func (s *Server) apiStatus(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	status := struct {
		Version string `json:"version"`
		Ready   bool   `json:"ready"`
	}{Version: s.version, Ready: s.db.Ready(ctx) == nil}
	return writeJSON(w, http.StatusOK, status)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}
