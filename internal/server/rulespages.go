package server

import (
	"net/http"
	"slices"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/rules"
	"github.com/carefund/carefund/internal/web"
)

// rulesPage lists the current rules documents, in a prominent place linked
// from every page (R-RULES-1).
func (s *Server) rulesPage(w http.ResponseWriter, r *http.Request) error {
	lang := s.lang(r)
	current, err := s.rules.Current(r.Context())
	if err != nil {
		return err
	}
	var p web.RulesIndex
	for _, v := range current {
		p.Docs = append(p.Docs, ruleLink(lang, v))
	}
	return s.render(w, r, p)
}

// ruleDoc shows the current version of a document, or an old one: every
// version stays readable.
func (s *Server) ruleDoc(w http.ResponseWriter, r *http.Request) error {
	kind := rules.Kind(r.PathValue("kind"))
	if !slices.Contains(rules.Kinds, kind) {
		return apperr.New(apperr.NotFound, "")
	}
	var id int64
	if r.PathValue("id") != "" {
		var err error
		if id, err = pathID(r); err != nil {
			return err
		}
	}
	lang := s.lang(r)
	d, err := s.rules.Show(r.Context(), kind, id)
	if err != nil {
		return err
	}
	v := d.Version
	p := web.RuleDoc{Kind: string(kind), Title: titleIn(lang, v.Title), Number: v.Number(), Since: day(v.EffectiveAt),
		Summary: titleIn(lang, v.Summary), Body: rules.HTML(titleIn(lang, v.Body)), Current: v.ID == d.CurrentID, Reported: day(v.ReportedAt)}
	for _, h := range d.History {
		p.History = append(p.History, ruleLink(lang, h))
	}
	return s.render(w, r, p)
}

// apiRule is a rules document version in the JSON API.
type apiRule struct {
	ID       int64  `json:"id"`
	Kind     string `json:"kind"`
	Version  string `json:"version"`
	Title    string `json:"title"`
	Since    string `json:"effective_since"`
	Markdown string `json:"markdown,omitempty"`
}

func (s *Server) apiRules(w http.ResponseWriter, r *http.Request) error {
	lang := s.lang(r)
	current, err := s.rules.Current(r.Context())
	if err != nil {
		return err
	}
	out := []apiRule{}
	for _, v := range current {
		out = append(out, toAPIRule(lang, v, false))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiRule(w http.ResponseWriter, r *http.Request) error {
	kind := rules.Kind(r.PathValue("kind"))
	if !slices.Contains(rules.Kinds, kind) {
		return apperr.New(apperr.NotFound, "")
	}
	current, err := s.rules.Current(r.Context(), kind)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toAPIRule(s.lang(r), current[0], true))
}

func toAPIRule(lang i18n.Lang, v rules.Version, body bool) apiRule {
	a := apiRule{ID: v.ID, Kind: string(v.Kind), Version: v.Number(), Title: titleIn(lang, v.Title), Since: day(v.EffectiveAt)}
	if body {
		a.Markdown = titleIn(lang, v.Body)
	}
	return a
}
