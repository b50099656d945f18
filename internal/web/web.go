// Package web renders carefund's server-side HTML pages: one embedded layout,
// one template per page, one small stylesheet, no JavaScript framework.
//
// Every page has a Go type; Render picks the template from the type, so a page
// cannot be rendered with the wrong data. Templates are parsed once per
// language at start, with the "t" function bound to that language, so a
// template writes {{t "home.title"}} and gets the reader's language.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"

	"github.com/carefund/carefund/internal/i18n"
)

//go:embed templates static
var files embed.FS

// Page is the data of one page. Only this package's page types implement it.
type Page interface {
	template() string
	// TitleKey is the catalog key of the page's title.
	TitleKey() string
}

// Home is the home page.
type Home struct {
	Requests []RequestCard // requests raising money now; empty until requests land
}

// RequestCard is one request in a list.
type RequestCard struct {
	URL, Title string
}

// Info is a page of explanatory text: title and body are catalog keys.
type Info struct {
	Title, Body string
}

// Error is the page shown when a request fails.
type Error struct {
	Status  int
	Message string // already in the reader's language
}

func (Home) template() string  { return "home" }
func (Info) template() string  { return "info" }
func (Error) template() string { return "error" }

func (Home) TitleKey() string   { return "site.name" }
func (p Info) TitleKey() string { return p.Title }
func (Error) TitleKey() string  { return "error.title" }

// pageNames lists every page template; New parses each and a test renders each.
var pageNames = []string{"home", "info", "error",
	"signin", "account", "verify", "rules", "ruledoc", "devsms",
	"staff_signin", "staff_home", "staff_audit", "staff_members", "staff_approvals",
	"staff_rules", "staff_incidents", "staff_incident", "staff_user", "staff_password"}

// View is what a template receives: the page and what the layout needs.
type View struct {
	Lang  i18n.Lang
	Other i18n.Lang // the language the switch offers
	Path  string    // the current path, to come back to after switching language
	CSS   string    // the stylesheet's URL, with its content hash
	Icon  string    // the icon's URL, with its content hash
	Who   Viewer
	Page  Page
	// Script is the URL of the page's script, or "": a page works without
	// it, and a script only adds to it (saving a draft as it is typed).
	Script string
	// Banner is the wind-down's notice, nil when the platform is not
	// winding down (SetBanner).
	Banner *Banner
}

// scripted is a page that adds a static script.
type scripted interface{ script() string }

// Renderer renders pages. It is safe for concurrent use.
type Renderer struct {
	pages  map[i18n.Lang]map[string]*template.Template
	assets map[string]string // static file name → URL with its content hash
	banner bannerHolder      // the wind-down's banner (SetBanner)
}

// New parses every template in every language.
func New() (*Renderer, error) {
	r := &Renderer{pages: map[i18n.Lang]map[string]*template.Template{}, assets: map[string]string{}}
	entries, err := fs.ReadDir(files, "static")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		b, err := files.ReadFile("static/" + e.Name())
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		r.assets[e.Name()] = "/static/" + e.Name() + "?v=" + hex.EncodeToString(sum[:6])
	}
	for _, lang := range i18n.Langs {
		r.pages[lang] = map[string]*template.Template{}
		funcs := template.FuncMap{
			"t":    func(key string, args ...any) string { return i18n.T(lang, key, args...) },
			"list": func(s ...string) []string { return s },
			"inc":  func(i int) int { return i + 1 },
		}
		for _, name := range pageNames {
			t, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/partials.html", "templates/"+name+".html")
			if err != nil {
				return nil, fmt.Errorf("template %s: %w", name, err)
			}
			r.pages[lang][name] = t
		}
	}
	return r, nil
}

// Render writes page p in lang. It renders into a buffer first, so a template
// error produces an error, never half a page.
func (r *Renderer) Render(w io.Writer, lang i18n.Lang, path string, who Viewer, p Page) error {
	t, ok := r.pages[lang][p.template()]
	if !ok {
		return fmt.Errorf("no template %q for %s", p.template(), lang)
	}
	other := i18n.EN
	if lang == i18n.EN {
		other = i18n.ZH
	}
	var buf bytes.Buffer
	v := View{Lang: lang, Other: other, Path: path, CSS: r.assets["carefund.css"], Icon: r.assets["icon.svg"], Who: who, Page: p, Banner: r.currentBanner()}
	if sp, ok := p.(scripted); ok {
		v.Script = r.assets[sp.script()]
	}
	if err := t.Execute(&buf, v); err != nil {
		return fmt.Errorf("rendering %s: %w", p.template(), err)
	}
	_, err := buf.WriteTo(w)
	return err
}

// HasStatic reports whether name is a static file.
func (r *Renderer) HasStatic(name string) bool {
	_, ok := r.assets[name]
	return ok
}

// Static serves the embedded static files under /static/. Their URLs carry a
// content hash, so they can be cached for a year.
func (r *Renderer) Static() http.Handler {
	sub, _ := fs.Sub(files, "static")
	fileServer := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		fileServer.ServeHTTP(w, req)
	})
}
