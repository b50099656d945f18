// Package charity keeps the referral list of public charitable
// organisations that the platform suggests to a requester at submission
// (R-REQ-7): personal help-seeking is not the only way to get help, and
// many foundations run aid programmes for one illness or one region.
//
// Staff maintain the list: each organisation has a name, a short summary,
// the illnesses or kinds of need it helps with (categories), the regions it
// serves, an https link where to apply, an order, and an active flag.
// Organisations are deactivated, never deleted. An empty category list
// means the organisation helps with any serious illness (a general one); an
// empty region list means it serves the whole country.
//
// Suggest ranks the active organisations for a diagnosis and a region by a
// plain keyword match over normalised text. The list is short (tens of
// organisations) and edited by hand, so the matching happens in Go over the
// whole list rather than in SQL. The diagnosis is personal data: it is only
// compared, never stored or logged here.
package charity

import (
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
)

// Org is a charitable organisation on the list.
type Org struct {
	ID         int64
	Name       string
	Summary    string   // what it does, in a sentence or two
	Categories []string // illnesses or needs it helps with; empty: any
	Regions    []string // where it helps; empty: nationwide
	URL        string   // https only
	Active     bool
	Order      int // lower first among equally good matches
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// General reports whether the organisation helps with any illness.
func (o Org) General() bool { return len(o.Categories) == 0 }

// Input is what staff enter for an organisation.
type Input struct {
	Name       string
	Summary    string
	Categories []string
	Regions    []string
	URL        string
	Order      int
}

// Limits on the fields, in characters.
const (
	MaxName     = 100
	MaxSummary  = 500
	MaxKeyword  = 30
	MaxKeywords = 30
	MaxURL      = 500
	MaxOrder    = 1_000_000
)

// SplitKeywords splits a keyword list as staff type it, on commas, the
// Chinese enumeration comma, semicolons and line breaks, trimming each and
// leaving out empty ones and repeats.
func SplitKeywords(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' || r == '\n' || r == '\r'
	})
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

func field(e *apperr.Error, name, key string, args ...any) {
	e.Fields = append(e.Fields, apperr.FieldError{Field: name, Key: key, Args: args})
}

// validText reports whether s is text a database stores the same on both
// dialects: valid UTF-8 without NUL or other control characters.
func validText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// normalizeInput trims the fields and cleans the keyword lists.
func normalizeInput(in Input) Input {
	in.Name = strings.TrimSpace(in.Name)
	in.Summary = strings.TrimSpace(in.Summary)
	in.URL = strings.TrimSpace(in.URL)
	in.Categories = SplitKeywords(strings.Join(in.Categories, "\n"))
	in.Regions = SplitKeywords(strings.Join(in.Regions, "\n"))
	return in
}

// checkURL reports whether s is an absolute https URL with a host and no
// user name or password: the link is shown to the public, so javascript:,
// data: and plain http: links are refused.
func checkURL(s string) bool {
	if s == "" || len(s) > MaxURL || !validText(s) || strings.ContainsAny(s, " \t") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.Hostname() != "" && u.User == nil && u.Opaque == ""
}

// Validate checks an organisation's fields and returns an *apperr.Error
// with code Invalid and a message per wrong field ("name", "summary",
// "categories", "regions", "url", "order"), or nil.
func Validate(in Input) error {
	in = normalizeInput(in)
	e := apperr.New(apperr.Invalid, "charity.invalid")
	switch {
	case in.Name == "":
		field(e, "name", "charity.name_required")
	case !validText(in.Name):
		field(e, "name", "charity.text_invalid")
	case utf8.RuneCountInString(in.Name) > MaxName:
		field(e, "name", "charity.text_long", MaxName)
	}
	switch {
	case !utf8.ValidString(in.Summary) || strings.ContainsRune(in.Summary, 0):
		field(e, "summary", "charity.text_invalid")
	case utf8.RuneCountInString(in.Summary) > MaxSummary:
		field(e, "summary", "charity.text_long", MaxSummary)
	}
	for _, f := range []struct {
		name string
		list []string
	}{{"categories", in.Categories}, {"regions", in.Regions}} {
		if len(f.list) > MaxKeywords {
			field(e, f.name, "charity.keywords_many", MaxKeywords)
			continue
		}
		for _, k := range f.list {
			if !validText(k) || utf8.RuneCountInString(k) > MaxKeyword {
				field(e, f.name, "charity.keyword_invalid", MaxKeyword)
				break
			}
		}
	}
	if !checkURL(in.URL) {
		field(e, "url", "charity.url_invalid")
	}
	if in.Order < 0 || in.Order > MaxOrder {
		field(e, "order", "charity.order_invalid", MaxOrder)
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

func scan(row interface{ Scan(...any) error }) (Org, error) {
	var o Org
	var cats, regions string
	var created, updated int64
	if err := row.Scan(&o.ID, &o.Name, &o.Summary, &cats, &regions, &o.URL, &o.Active, &o.Order, &created, &updated); err != nil {
		return Org{}, err
	}
	o.Categories, o.Regions = SplitKeywords(cats), SplitKeywords(regions)
	o.CreatedAt, o.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	return o, nil
}

// Normalize folds text for matching: full-width ASCII to half-width, lower
// case, and no white space or common punctuation, so that "急性 白血病",
// "急性白血病" and "ＡＬＬ" match "all" and "白血病".
func Normalize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '！' && r <= '～' {
			r -= 0xFEE0
		}
		if unicode.IsSpace(r) || unicode.IsPunct(r) || r == '\u3000' {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// matches reports whether any keyword occurs in the normalised text, or the
// text in a keyword (a region typed as "四川" against "四川省").
func matches(text string, keywords []string) bool {
	if text == "" {
		return false
	}
	for _, k := range keywords {
		if k = Normalize(k); k != "" && (strings.Contains(text, k) || strings.Contains(k, text)) {
			return true
		}
	}
	return false
}
