package web

import "html/template"

func init() {
	pageNames = append(pageNames, "reports", "report", "staff_reports")
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

// StaffReports is the console's reports screen (R-DISC-3, R-DISC-4,
// R-RPT-1): the half-years' reports and the annual reports to download,
// each annual report's due date (30 June), late in red after it until it
// is marked submitted, and who generated and submitted it when.
type StaffReports struct {
	Halves  []string
	Years   []AnnualReportRow
	CanMark bool
	Notice  string
}

// AnnualReportRow is one year's annual report on the console.
type AnnualReportRow struct {
	Year, Due              string
	Generated, GeneratedBy string
	Submitted, SubmittedBy string
	Late, CanMark          bool
}

func (StaffReports) template() string { return "staff_reports" }

// TitleKey names the page.
func (StaffReports) TitleKey() string { return "staff.reports.title" }
