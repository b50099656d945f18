package web

import (
	"bytes"
	"html"
	"html/template"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/i18n"
)

const sampleChart = template.HTML(`<svg class="chart" role="img" aria-labelledby="c-title c-desc" viewBox="0 0 360 80"><title id="c-title">t</title><desc id="c-desc">d</desc></svg>`)

var sampleReport = Report{Name: "2026-h1", From: "2026-01-01", To: "2026-06-30",
	Sections: []ReportSection{{Title: "Money", Figures: []ReportFigure{{Key: "money.raised", Label: "Raised", Value: "¥499.00"}}}},
	Charts:   []template.HTML{sampleChart}, Identity: "raised = held", Balanced: true, CSV: "/reports/2026-h1.csv"}

func init() {
	samples = append(samples, Reports{Halves: []string{"2026-h1", "2025-h2"}}, Reports{}, sampleReport)
}

// R-DISC-3: the reports page lists each past half-year with its page and
// CSV, or says there is none; a report's page shows its figures, its
// charts unescaped, the identity and the CSV link.
func TestReportPages(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	render := func(lang i18n.Lang, p Page) string {
		t.Helper()
		var buf bytes.Buffer
		if err := r.Render(&buf, lang, "/reports", Viewer{}, p); err != nil {
			t.Fatal(err)
		}
		return html.UnescapeString(buf.String())
	}
	for _, lang := range i18n.Langs {
		body := render(lang, Reports{Halves: []string{"2026-h1", "2025-h2"}})
		for _, want := range []string{`href="/reports/2026-h1"`, `href="/reports/2025-h2.csv"`, i18n.T(lang, "reports.half", "2026-h1")} {
			if !strings.Contains(body, want) {
				t.Errorf("%s reports page lacks %s", lang, want)
			}
		}
		if body := render(lang, Reports{}); !strings.Contains(body, "reports-empty") {
			t.Errorf("%s: no reports, and the page does not say so", lang)
		}
		body = render(lang, sampleReport)
		for _, want := range []string{`id="rf-money.raised">¥499.00`, string(sampleChart), `href="/reports/2026-h1.csv"`,
			"raised = held", `data-balanced="true"`, i18n.T(lang, "reports.report.heading", "2026-h1")} {
			if !strings.Contains(body, want) {
				t.Errorf("%s report page lacks %s", lang, want)
			}
		}
	}
}

var sampleStaffReports = StaffReports{Halves: []string{"2026-h1"}, CanMark: true, Years: []AnnualReportRow{
	{Year: "2025", Due: "2026-06-30", Late: true, Generated: "2026-07-02 10:00", GeneratedBy: "fin", CanMark: true},
	{Year: "2024", Due: "2025-06-30", Generated: "2025-03-01 10:00", GeneratedBy: "fin", Submitted: "2025-03-02 10:00", SubmittedBy: "adm"}}}

func init() { samples = append(samples, sampleStaffReports, StaffReports{}) }

// R-DISC-4: the console's reports screen shows a late annual report's due
// date in red (field-error's colour) with the form to mark it submitted, a submitted one with who
// recorded it, and the downloads.
func TestStaffReportsPage(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range i18n.Langs {
		var buf bytes.Buffer
		if err := r.Render(&buf, lang, "/staff/reports", Viewer{}, sampleStaffReports); err != nil {
			t.Fatal(err)
		}
		body := html.UnescapeString(buf.String())
		for _, want := range []string{`class="field-error late" id="annual-2025-due">` + i18n.T(lang, "staff.reports.late", "2026-06-30"),
			`action="/staff/reports/2025/submitted"`, `href="/staff/reports/2025.pdf"`, `href="/staff/reports/2026-h1.csv"`,
			`class="muted" id="annual-2024-due">` + i18n.T(lang, "staff.reports.due", "2025-06-30"),
			i18n.T(lang, "staff.reports.submitted", "2025-03-02 10:00", "adm")} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the reports screen lacks %s", lang, want)
			}
		}
		if strings.Contains(body, `action="/staff/reports/2024/submitted"`) {
			t.Errorf("%s: a submitted year offers to mark it again", lang)
		}
	}
}
