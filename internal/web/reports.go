package web

import "html/template"

func init() {
	pageNames = append(pageNames, "reports", "report")
}

// Reports is the public list of the six-monthly reports (R-DISC-3): the
// past half-years, newest first, by name ("2026-h1").
type Reports struct {
	Halves []string
}

func (Reports) template() string { return "reports" }

// TitleKey names the page.
func (Reports) TitleKey() string { return "reports.title" }

// ReportFigure is one figure of a report, formatted: its name and value.
type ReportFigure struct {
	Key, Label, Value string
}

// ReportSection is a part of a report: its title and figures.
type ReportSection struct {
	Title   string
	Figures []ReportFigure
}

// Report is the public six-monthly report of one half-year (R-DISC-3):
// its figures by section, its charts (report.BarsSVG: server-rendered SVG
// with a title and a description), the money trail identity in words and
// whether it holds, and the CSV's address.
type Report struct {
	Name, From, To string
	Sections       []ReportSection
	Charts         []template.HTML
	Identity       string
	Balanced       bool
	CSV            string
}

func (Report) template() string { return "report" }

// TitleKey names the page.
func (Report) TitleKey() string { return "reports.report.title" }
