package site

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/rules"
	"github.com/carefund/carefund/internal/web"
)

// StatusOf maps every error code to its HTTP status; a test checks that no
// code is missing.
var StatusOf = map[apperr.Code]int{
	apperr.Invalid:      http.StatusUnprocessableEntity,
	apperr.NotFound:     http.StatusNotFound,
	apperr.Unauthorized: http.StatusUnauthorized,
	apperr.Forbidden:    http.StatusForbidden,
	apperr.Conflict:     http.StatusConflict,
	apperr.Method:       http.StatusMethodNotAllowed,
	apperr.TooLarge:     http.StatusRequestEntityTooLarge,
	apperr.RateLimited:  http.StatusTooManyRequests,
	apperr.Unavailable:  http.StatusServiceUnavailable,
	apperr.Internal:     http.StatusInternalServerError,
}

// ReadForm reads the posted form, refusing a body over the limit.
func ReadForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return BadForm(err)
	}
	return nil
}

// BadForm classifies a failure to read a form: over the size limit, or
// malformed.
func BadForm(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return apperr.Wrap(err, apperr.TooLarge, "")
	}
	return apperr.Wrap(err, apperr.Invalid, "")
}

// FormOf turns a refusal into a form to show again: what was typed, and each
// message next to its field. A server fault is not a refusal: ok is false.
func FormOf(lang i18n.Lang, err error, values map[string]string) (f web.Form, status int, ok bool) {
	e := apperr.As(err)
	if e == nil || StatusOf[e.Code] >= 500 {
		return f, 0, false
	}
	f.Values = values
	f.Errors = map[string]string{}
	for _, fe := range e.Fields {
		if _, seen := f.Errors[fe.Field]; !seen {
			f.Errors[fe.Field] = i18n.T(lang, fe.Key, fe.Args...)
		}
	}
	if e.Key != "" || len(e.Fields) == 0 {
		key := e.Key
		if key == "" {
			key = "error." + string(e.Code)
		}
		f.Message = i18n.T(lang, key, e.Args...)
	} else {
		f.Message = i18n.T(lang, "form.fix")
	}
	return f, StatusOf[e.Code], true
}

// Posted reads the posted form and returns the named fields, kept to show
// the form again.
func Posted(r *http.Request, fields ...string) (map[string]string, error) {
	if err := ReadForm(r); err != nil {
		return nil, err
	}
	values := make(map[string]string, len(fields))
	for _, k := range fields {
		values[k] = r.PostFormValue(k)
	}
	return values, nil
}

// PathNumber reads a numeric path value; anything else is as good as an
// unknown object.
func PathNumber(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "")
	}
	return id, nil
}

// PathID is PathNumber of "id".
func PathID(r *http.Request) (int64, error) { return PathNumber(r, "id") }

// Limit trims a field; one longer than n bytes is kept as it is, for
// validation to refuse as too long or malformed: nothing is silently cut.
func Limit(s string, n int) string {
	if len(s) > n {
		return s
	}
	return strings.TrimSpace(s)
}

// AuditText makes what a form sent fit an audit record's detail: valid
// UTF-8, no control characters, at most n runes.
func AuditText(v string, n int) string {
	v = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(v, ""))
	if r := []rune(v); len(r) > n {
		v = string(r[:n])
	}
	return v
}

// Redirect sends the browser on to url after a form (303 See Other).
func Redirect(w http.ResponseWriter, r *http.Request, url string) error {
	http.Redirect(w, r, url, http.StatusSeeOther)
	return nil
}

// ChinaTime is the time zone the platform shows times in.
var ChinaTime = time.FixedZone("CST", 8*3600)

// Day shows t as a date in China time; the zero time is "".
func Day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(ChinaTime).Format("2006-01-02")
}

// Minute shows t to the minute in China time.
func Minute(t time.Time) string { return t.In(ChinaTime).Format("2006-01-02 15:04") }

// ParseDay reads a yyyy-mm-dd date in China time; end makes it the end of
// that day. Empty is the zero time.
func ParseDay(v string, end bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02", v, ChinaTime)
	if err != nil {
		return t, err
	}
	if end {
		t = t.Add(24*time.Hour - time.Microsecond)
	}
	return t.UTC(), nil
}

// ParseMinute reads a time to the minute in China time as a browser's
// datetime-local field sends it ("2006-01-02T15:04", seconds allowed).
// Empty is the zero time.
func ParseMinute(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	layout := "2006-01-02T15:04"
	if len(v) > len(layout) {
		layout = "2006-01-02T15:04:05"
	}
	t, err := time.ParseInLocation(layout, v, ChinaTime)
	if err != nil {
		return time.Time{}, err
	}
	if t.Format(layout) != v {
		// time accepts "8:30" for "08:30"; a browser never sends it.
		return time.Time{}, fmt.Errorf("site: %q is not a datetime-local value", v)
	}
	return t.UTC(), nil
}

// TitleIn picks the text in lang, or in Chinese when there is none.
func TitleIn(lang i18n.Lang, m map[i18n.Lang]string) string {
	if t := m[lang]; t != "" {
		return t
	}
	return m[i18n.ZH]
}

// RuleLink is the link to a rules document version.
func RuleLink(lang i18n.Lang, v rules.Version) web.RuleLink {
	return web.RuleLink{ID: v.ID, Kind: string(v.Kind), Title: TitleIn(lang, v.Title), Number: v.Number(), Since: Day(v.EffectiveAt)}
}

// Params returns the values of the request's query string, as
// r.URL.Query does (a malformed pair is skipped).
func Params(r *http.Request) url.Values {
	v, _ := url.ParseQuery(r.URL.RawQuery)
	return v
}
