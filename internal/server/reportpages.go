package server

import (
	"net/http"
	"strings"

	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/report"
	"github.com/carefund/carefund/internal/web"
)

// reportsPage lists the six-monthly public reports (R-DISC-3).
func (s *Server) reportsPage(w http.ResponseWriter, r *http.Request) error {
	hs, err := s.platform.Reports.Index(r.Context())
	if err != nil {
		return err
	}
	p := web.Reports{}
	for _, h := range hs {
		p.Halves = append(p.Halves, h.String())
	}
	return s.render(w, r, p)
}

// reportPage is one half-year's public report, /reports/2026-h1, or its
// CSV, /reports/2026-h1.csv (R-DISC-3, R-RPT-1): a half-year not ended is
// refused with a message saying so.
func (s *Server) reportPage(w http.ResponseWriter, r *http.Request) error {
	name, csv := strings.CutSuffix(r.PathValue("name"), ".csv")
	h, err := report.ParseHalfYear(name)
	if err != nil {
		return err
	}
	rep, err := s.platform.Reports.HalfYear(r.Context(), h, report.By{})
	if err != nil {
		return err
	}
	if csv {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="carefund-report-`+rep.Name+`.csv"`)
		w.Header().Set("Cache-Control", "no-cache")
		_, err = w.Write(rep.CSV(s.lang(r)))
		return err
	}
	return s.render(w, r, ReportView(s.lang(r), rep))
}

// ReportView formats a report for its public page in lang.
func ReportView(l i18n.Lang, rep report.Report) web.Report {
	p := web.Report{Name: rep.Name, From: rep.From.In(report.Shanghai).Format("2006-01-02"),
		To: rep.To.AddDate(0, 0, -1).In(report.Shanghai).Format("2006-01-02"), Charts: rep.Charts(l),
		Identity: rep.IdentityText(l), Balanced: rep.Balanced(), CSV: "/reports/" + rep.Name + ".csv"}
	for _, line := range rep.Lines() {
		title := i18n.T(l, "report.section."+line.Section)
		if len(p.Sections) == 0 || p.Sections[len(p.Sections)-1].Title != title {
			p.Sections = append(p.Sections, web.ReportSection{Title: title})
		}
		v := line.Value()
		if line.IsMoney {
			v = line.Fen.Format(l)
		}
		sec := &p.Sections[len(p.Sections)-1]
		sec.Figures = append(sec.Figures, web.ReportFigure{Key: line.Section + "." + line.Key, Label: line.Label(l), Value: v})
	}
	return p
}
