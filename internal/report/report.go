package report

import (
	"bytes"
	"encoding/csv"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/complaint"
	"github.com/carefund/carefund/internal/disclosure"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/money"
)

// Requests counts the requests for help that reached a stage in a period:
// each request counts once for each stage, in the period it first reached
// it.
type Requests struct {
	Received   int // first submitted
	Published  int // first approved (published, R-REQ-4)
	Rejected   int
	Terminated int // for fraud or misuse (R-REF-2)
}

// Report is the platform's report of a period, the six-monthly public one
// (R-DISC-3) or a year's for the ministry (R-DISC-4): what happened to the
// requests, where the money went, and how complaints were handled.
type Report struct {
	// Name is the period's name: "2026-h1" or "2025".
	Name     string
	From, To time.Time // the period, To exclusive
	Requests Requests
	// Money is what the ledger recorded in the period: Held and Refunding
	// are how much they grew in it, so the identity holds.
	Money disclosure.Platform
	// Total is the platform's money from its first entry to the period's
	// end, for the annual financial report; zero in a half-year's.
	Total      disclosure.Platform
	Complaints complaint.Stats
	// At is when the report was made.
	At time.Time
}

// Balanced reports whether the money of the period, and the totals at its
// end, add up to the money trail identity: raised + recovered = fees +
// paid out + refunded + being refunded + to charity + held.
func (r Report) Balanced() bool { return r.Money.Balanced() && r.Total.Balanced() }

// Line is one figure of a report: a message key under "report.row." and
// its value, money or a count.
type Line struct {
	Section string // "requests", "money", "total", "complaints"
	Key     string
	Fen     money.Fen
	Count   int
	IsMoney bool
}

// Value is the line's value as a machine reads it: yuan with two decimals,
// or a whole count.
func (l Line) Value() string {
	if l.IsMoney {
		return l.Fen.String()
	}
	return strconv.Itoa(l.Count)
}

// Label is the line's name in lang.
func (l Line) Label(lang i18n.Lang) string {
	if c, ok := strings.CutPrefix(l.Key, "category."); ok {
		return i18n.T(lang, "report.row.category", i18n.T(lang, "report.category."+c))
	}
	if o, ok := strings.CutPrefix(l.Key, "outcome."); ok {
		return i18n.T(lang, "report.row.outcome", i18n.T(lang, "report.outcome."+o))
	}
	if l.Section == "total" && (l.Key == "held" || l.Key == "refunding") {
		// The totals' are balances, not a period's change.
		return i18n.T(lang, "report.row."+l.Key+".total")
	}
	return i18n.T(lang, "report.row."+l.Key)
}

func moneyLines(section string, p disclosure.Platform) []Line {
	m := func(k string, f money.Fen) Line { return Line{Section: section, Key: k, Fen: f, IsMoney: true} }
	return []Line{
		m("raised", p.Raised), m("recovered", p.Recovered), m("fees", p.Fees), m("paid_out", p.PaidOut),
		m("refunded", p.Refunded), m("refunding", p.Refunding), m("to_charity", p.ToCharity), m("held", p.Held),
		m("interest", p.Interest), m("charity_paid", p.CharityPaid),
		{Section: section, Key: "donations", Count: p.Donors},
	}
}

// Lines lists every figure of r, in the order the page, the CSV and the
// PDF show them.
func (r Report) Lines() []Line {
	c := func(sec, k string, n int) Line { return Line{Section: sec, Key: k, Count: n} }
	ls := []Line{
		c("requests", "received", r.Requests.Received), c("requests", "published", r.Requests.Published),
		c("requests", "rejected", r.Requests.Rejected), c("requests", "terminated", r.Requests.Terminated),
	}
	ls = append(ls, moneyLines("money", r.Money)...)
	if r.Total != (disclosure.Platform{}) {
		ls = append(ls, moneyLines("total", r.Total)...)
	}
	s := r.Complaints
	ls = append(ls, c("complaints", "complaints", s.Received))
	for _, k := range complaint.Categories {
		ls = append(ls, c("complaints", "category."+string(k), s.ByCategory[k]))
	}
	for _, o := range complaint.Outcomes {
		ls = append(ls, c("complaints", "outcome."+string(o), s.ByOutcome[o]))
	}
	ls = append(ls, c("complaints", "open", s.Open), c("complaints", "acked_in_time", s.AckedInTime),
		c("complaints", "handled_in_time", s.HandledInTime), c("complaints", "escalated", s.Escalated),
		c("complaints", "median_hours", s.MedianHandleHours))
	return ls
}

// CSV writes r as a spreadsheet opens it (R-RPT-1): a UTF-8 byte order
// mark so that Excel reads the Chinese, headers in lang, then one row per
// figure: the section, the figure's name, its value (yuan with two
// decimals, or a count) and its key, which does not change with the
// language, for a machine reading it back.
func (r Report) CSV(lang i18n.Lang) []byte {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	w.Write([]string{i18n.T(lang, "report.csv.period"), i18n.T(lang, "report.csv.section"), i18n.T(lang, "report.csv.figure"),
		i18n.T(lang, "report.csv.value"), i18n.T(lang, "report.csv.key")})
	for _, l := range r.Lines() {
		w.Write([]string{r.Name, i18n.T(lang, "report.section."+l.Section), l.Label(lang), l.Value(), l.Section + "." + l.Key})
	}
	w.Flush()
	return b.Bytes()
}

// Bar is one bar of a chart: its label and value, and the value as shown.
type Bar struct {
	Label string
	Value int64
	Shown string
}

// The charts' geometry, in viewBox units: 360 wide, the width of a small
// phone, scaling with the page; a label above each bar.
const (
	chartWidth = 360
	chartBarH  = 14
	chartRow   = 36 // one bar with its label above it
	chartTop   = 4
)

// BarsSVG draws bars as a horizontal bar chart with no script, titled
// title, with a description that says every bar in words for screen
// readers (R-DISC-3); each bar's length is in proportion to the largest.
// Every text in it is escaped. id tells the charts of one page apart.
func BarsSVG(id, title string, bars []Bar) template.HTML {
	esc := template.HTMLEscapeString
	itoa := strconv.Itoa
	var most int64
	var words []string
	for _, b := range bars {
		most = max(most, b.Value)
		words = append(words, b.Label+" "+b.Shown)
	}
	h := chartTop*2 + chartRow*len(bars)
	var b strings.Builder
	b.WriteString(`<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 ` + itoa(chartWidth) + " " + itoa(h) +
		`" role="img" aria-labelledby="` + id + `-title ` + id + `-desc" font-size="11">`)
	b.WriteString(`<title id="` + id + `-title">` + esc(title) + `</title>`)
	b.WriteString(`<desc id="` + id + `-desc">` + esc(strings.Join(words, "; ")) + `</desc>`)
	for i, bar := range bars {
		y := chartTop + i*chartRow
		w := 0
		if most > 0 && bar.Value > 0 {
			w = max(1, int(int64(chartWidth-4)*bar.Value/most))
		}
		b.WriteString(`<text x="2" y="` + itoa(y+12) + `" fill="#1a202c">` + esc(bar.Label) +
			` <tspan font-weight="bold">` + esc(bar.Shown) + `</tspan></text>`)
		b.WriteString(`<rect x="2" y="` + itoa(y+16) + `" width="` + itoa(w) + `" height="` + itoa(chartBarH) + `" fill="#2b6cb0"/>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// Charts draws r's charts in lang: the requests, the money of the period
// and the complaints by category.
func (r Report) Charts(lang i18n.Lang) []template.HTML {
	var reqs, cash, comp []Bar
	for _, l := range r.Lines() {
		bar := Bar{Label: l.Label(lang), Value: int64(l.Count), Shown: strconv.Itoa(l.Count)}
		if l.IsMoney {
			bar = Bar{Label: l.Label(lang), Value: int64(l.Fen), Shown: l.Fen.Format(lang)}
		}
		switch {
		case l.Section == "requests":
			reqs = append(reqs, bar)
		case l.Section == "money" && (l.Key == "raised" || l.Key == "paid_out" || l.Key == "refunded" || l.Key == "to_charity"):
			cash = append(cash, bar)
		case l.Section == "complaints" && strings.HasPrefix(l.Key, "category."):
			comp = append(comp, bar)
		}
	}
	return []template.HTML{
		BarsSVG("chart-requests", i18n.T(lang, "report.chart.requests"), reqs),
		BarsSVG("chart-money", i18n.T(lang, "report.chart.money"), cash),
		BarsSVG("chart-complaints", i18n.T(lang, "report.chart.complaints"), comp),
	}
}

// identityText says the money trail identity of p in lang, with whether it
// holds.
func identityText(lang i18n.Lang, p disclosure.Platform) string {
	key := "report.identity"
	if !p.Balanced() {
		key = "report.identity.broken"
	}
	return i18n.T(lang, key, p.Raised.Format(lang), p.Recovered.Format(lang), p.Fees.Format(lang), p.PaidOut.Format(lang),
		p.Refunded.Format(lang), p.Refunding.Format(lang), p.ToCharity.Format(lang), p.Held.Format(lang))
}

// IdentityText says the money trail identity of r's period in lang.
func (r Report) IdentityText(lang i18n.Lang) string { return identityText(lang, r.Money) }
