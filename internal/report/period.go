// Package report builds the platform's reports from the ledger, the
// requests' histories and the complaint statistics: the six-monthly public
// report (R-DISC-3), the annual work and financial report for the ministry
// (R-DISC-4), and the exports for the ministry and auditors (R-RPT-1).
//
// Rule files here import no storage; SQL is in store.go, use cases in
// service*.go.
package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
)

// Shanghai is the zone the periods are counted in: a half-year begins at
// midnight Beijing time.
var Shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		// China has kept UTC+8 without daylight saving since 1991.
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// HalfYear is one half of a calendar year: H1 is January to June, H2 July
// to December, in Asia/Shanghai.
type HalfYear struct {
	Year int
	Half int // 1 or 2
}

// The years a report may be asked for: the platform did not exist before
// 2000, and a year past 9999 would not print as four digits.
const (
	minYear = 2000
	maxYear = 9999
)

// ParseHalfYear parses a half-year as the reports' addresses name it,
// "2026-h1" or "2026-h2" (the letter in either case): apperr.Invalid for
// anything else.
func ParseHalfYear(s string) (HalfYear, error) {
	bad := apperr.New(apperr.Invalid, "report.bad_half")
	if len(s) != 7 || s[4] != '-' || (s[5] != 'h' && s[5] != 'H') || (s[6] != '1' && s[6] != '2') {
		return HalfYear{}, bad
	}
	y, err := parseYear(s[:4])
	if err != nil {
		return HalfYear{}, bad
	}
	return HalfYear{Year: y, Half: int(s[6] - '0')}, nil
}

// ParseYear parses a year of an annual report, four digits.
func ParseYear(s string) (int, error) {
	y, err := parseYear(s)
	if err != nil {
		return 0, apperr.New(apperr.Invalid, "report.bad_year")
	}
	return y, nil
}

func parseYear(s string) (int, error) {
	if len(s) != 4 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("not four digits")
	}
	y, err := strconv.Atoi(s)
	if err != nil || y < minYear || y > maxYear {
		return 0, fmt.Errorf("year out of range")
	}
	return y, nil
}

// String names h as its address does: "2026-h1".
func (h HalfYear) String() string { return fmt.Sprintf("%04d-h%d", h.Year, h.Half) }

// Start is the first instant of h, Beijing time.
func (h HalfYear) Start() time.Time {
	return time.Date(h.Year, time.Month(1+6*(h.Half-1)), 1, 0, 0, 0, 0, Shanghai)
}

// End is the first instant after h.
func (h HalfYear) End() time.Time { return h.Start().AddDate(0, 6, 0) }

// Ended reports whether h was over at now: a report is only for a past
// half-year (R-DISC-3).
func (h HalfYear) Ended(now time.Time) bool { return !now.Before(h.End()) }

// Prev is the half-year before h.
func (h HalfYear) Prev() HalfYear {
	if h.Half == 2 {
		return HalfYear{h.Year, 1}
	}
	return HalfYear{h.Year - 1, 2}
}

// HalfOf is the half-year t falls in, Beijing time.
func HalfOf(t time.Time) HalfYear {
	t = t.In(Shanghai)
	if t.Month() <= time.June {
		return HalfYear{t.Year(), 1}
	}
	return HalfYear{t.Year(), 2}
}

// Past lists the half-years that ended by now and began after since (the
// platform's first entry), newest first; at most max of them.
func Past(since, now time.Time, max int) []HalfYear {
	var hs []HalfYear
	first := HalfOf(since)
	for h := HalfOf(now).Prev(); len(hs) < max && h.Year >= minYear && !h.End().Before(first.End()); h = h.Prev() {
		hs = append(hs, h)
	}
	return hs
}

// NotEnded is the error for a report of a period not over yet: a clear
// answer, never an empty report.
func NotEnded() error { return apperr.New(apperr.NotFound, "report.not_ended") }

// YearStart is the first instant of year y, Beijing time; YearEnd the
// first instant after it.
func YearStart(y int) time.Time { return time.Date(y, time.January, 1, 0, 0, 0, 0, Shanghai) }

// YearEnd is the first instant of the year after y, Beijing time.
func YearEnd(y int) time.Time { return YearStart(y + 1) }

// AnnualDue is when the annual reports of year y are due at the ministry:
// by the end of 30 June of the next year, Beijing time (R-DISC-4).
func AnnualDue(y int) time.Time { return time.Date(y+1, time.July, 1, 0, 0, 0, 0, Shanghai) }

// Late reports whether the annual reports of year y are past due at now
// without having been submitted.
func Late(y int, now time.Time, submitted bool) bool { return !submitted && !now.Before(AnnualDue(y)) }

// File is a report file the auditors' console offers for download:
// "2026-h1.csv" (a half-year's report), "2025.csv" and "2025.pdf" (a
// year's annual report) and "total.csv" (the platform's totals).
type File struct {
	Kind   string // "half-year", "annual" or "total"
	Half   HalfYear
	Year   int
	Format string // "csv" or "pdf"
}

// ParseFile parses a report file's name: apperr.NotFound for any other
// name, as for a file that is not there.
func ParseFile(name string) (File, error) {
	none := apperr.New(apperr.NotFound, "")
	base, format, ok := strings.Cut(name, ".")
	if !ok || (format != "csv" && format != "pdf") {
		return File{}, none
	}
	if base == "total" && format == "csv" {
		return File{Kind: "total", Format: format}, nil
	}
	if h, err := ParseHalfYear(base); err == nil && format == "csv" && base == h.String() {
		return File{Kind: "half-year", Half: h, Format: format}, nil
	}
	if y, err := parseYear(base); err == nil {
		return File{Kind: "annual", Year: y, Format: format}, nil
	}
	return File{}, none
}

// Name is f's file name, as ParseFile reads it.
func (f File) Name() string {
	switch f.Kind {
	case "half-year":
		return f.Half.String() + "." + f.Format
	case "annual":
		return strconv.Itoa(f.Year) + "." + f.Format
	}
	return "total." + f.Format
}
