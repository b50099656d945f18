package site

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/web"
)

// Cookie names. The staff cookie is SameSite=Strict: the console is never
// entered from a link on another site.
const (
	UserCookie  = "cf_user"
	StaffCookie = "cf_staff"
	LangCookie  = "lang"
)

// Pages renders pages and sets cookies the same way for every part of the
// site.
type Pages struct {
	Renderer *web.Renderer
	// HTTPS says the public reaches the platform over TLS (a proxy may
	// terminate it): cookies are then Secure.
	HTTPS bool
	// DevPages turns on development-only pages. Never in production.
	DevPages bool
	// Nav is the console's navigation bar for each role: the screens the
	// permission matrix lets that role open (package server builds it).
	Nav map[staff.Role][]web.NavLink
}

// Lang picks the reader's language: the cookie set by the language switch,
// then Accept-Language, then Chinese.
func Lang(r *http.Request) i18n.Lang {
	if c, err := r.Cookie(LangCookie); err == nil {
		if l, ok := i18n.Parse(c.Value); ok {
			return l
		}
	}
	return i18n.Match(r.Header.Get("Accept-Language"))
}

// Viewer tells the layout who is looking: for staff, with the console's
// navigation bar, the screen in use marked.
func (p *Pages) Viewer(r *http.Request) web.Viewer {
	c := CallerOf(r)
	v := web.Viewer{User: c.User != nil, DevPages: p.DevPages}
	if c.Staff != nil {
		v.Staff, v.Role = c.Staff.Username, string(c.Staff.Role)
		nav := p.Nav[c.Staff.Role]
		v.Nav = make([]web.NavLink, len(nav))
		for i, l := range nav {
			l.Current = r.URL.Path == l.URL || l.URL != "/staff" && strings.HasPrefix(r.URL.Path, l.URL+"/")
			v.Nav[i] = l
		}
	}
	return v
}

// Render writes page pg with status 200 in the reader's language.
func (p *Pages) Render(w http.ResponseWriter, r *http.Request, pg web.Page) error {
	return p.RenderStatus(w, r, http.StatusOK, pg)
}

// RenderStatus writes page pg with the status: a form sent back for fixing
// is 422, so that scripts and tests can tell it from a success.
func (p *Pages) RenderStatus(w http.ResponseWriter, r *http.Request, status int, pg web.Page) error {
	lang := Lang(r)
	var buf bytes.Buffer
	if err := p.Renderer.Render(&buf, lang, r.URL.RequestURI(), p.Viewer(r), pg); err != nil {
		return err
	}
	return WritePage(w, r, status, lang, buf.Bytes())
}

// WritePage writes a rendered page with the headers every page has.
func WritePage(w http.ResponseWriter, r *http.Request, status int, lang i18n.Lang, body []byte) error {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", string(lang))
	h.Add("Vary", "Accept-Language, Cookie")
	if c := CallerOf(r); c.User != nil || c.Staff != nil {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_, err := w.Write(body)
	return err
}

// Reshow answers a refused form: the page again, built by view, with each
// message next to its field and a 4xx status. A failure that is no refusal
// (a fault, or an object that does not exist) is returned as it is.
func Reshow[P web.Page](p *Pages, w http.ResponseWriter, r *http.Request, refusal error, values map[string]string, view func(web.Form) (P, error)) error {
	f, status, ok := FormOf(Lang(r), refusal, values)
	if !ok || apperr.CodeOf(refusal) == apperr.NotFound {
		return refusal
	}
	pg, err := view(f)
	if err != nil {
		return err
	}
	return p.RenderStatus(w, r, status, pg)
}

// Secure reports whether the reader's connection is HTTPS: directly, or
// through the TLS proxy in front.
func (p *Pages) Secure(r *http.Request) bool { return p.HTTPS || r.TLS != nil }

// SetSessionCookie hands the browser its session token.
func (p *Pages) SetSessionCookie(w http.ResponseWriter, r *http.Request, name, token string) {
	c := &http.Cookie{Name: name, Value: token, Path: "/", HttpOnly: true, Secure: p.Secure(r), SameSite: http.SameSiteLaxMode}
	if name == StaffCookie {
		c.SameSite = http.SameSiteStrictMode
	}
	http.SetCookie(w, c)
}

// ClearCookie tells the browser to forget the named cookie.
func (p *Pages) ClearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: p.Secure(r)})
}

// CookieValue returns the value of the named cookie, or "".
func CookieValue(r *http.Request, name string) string {
	if c, err := r.Cookie(name); err == nil {
		return c.Value
	}
	return ""
}
