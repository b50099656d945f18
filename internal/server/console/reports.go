package console

// The reports screen of the console (R-DISC-3, R-DISC-4, R-RPT-1): the
// six-monthly reports and the annual reports for the ministry, for
// download, each download audited; the annual reports' due date of 30
// June, shown late after it until finance or an admin marks them
// submitted.

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/report"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/web"
)

// by is the signed-in member as the report service audits them.
func by(r *http.Request) report.By {
	return report.By{Actor: me(r).Actor(), Source: site.RemoteIP(r)}
}

func (c *Console) reportsPage(w http.ResponseWriter, r *http.Request) error {
	if c.Reports == nil {
		return apperr.New(apperr.NotFound, "")
	}
	o, err := c.Reports.Overview(r.Context(), by(r))
	site.MarkAudited(r)
	if err != nil {
		return err
	}
	p := web.StaffReports{CanMark: c.may(r, "POST /staff/reports/{year}/submitted")}
	if site.Params(r).Get("done") == "submitted" {
		p.Notice = i18n.T(lang(r), "staff.reports.notice.submitted")
	}
	for _, h := range o.Halves {
		p.Halves = append(p.Halves, h.String())
	}
	names, err := c.staffNames(r.Context())
	if err != nil {
		return err
	}
	who := func(actor string) string {
		if n, ok := names[staffID(actor)]; ok {
			return n
		}
		return actor
	}
	for _, y := range o.Years {
		row := web.AnnualReportRow{Year: strconv.Itoa(y.Year), Due: site.Day(y.Due.AddDate(0, 0, -1)), Late: y.Late,
			Generated: minute(y.Generated), Submitted: minute(y.Submitted)}
		if !y.Generated.IsZero() {
			row.GeneratedBy = who(y.GeneratedBy)
		}
		if !y.Submitted.IsZero() {
			row.SubmittedBy = who(y.SubmittedBy)
		}
		row.CanMark = p.CanMark && !y.Generated.IsZero() && y.Submitted.IsZero()
		p.Years = append(p.Years, row)
	}
	return c.render(w, r, p)
}

// reportFile downloads one report file, audited in the transaction that
// reads it.
func (c *Console) reportFile(w http.ResponseWriter, r *http.Request) error {
	if c.Reports == nil {
		return apperr.New(apperr.NotFound, "")
	}
	f, err := report.ParseFile(r.PathValue("file"))
	if err != nil {
		return err
	}
	b, ctype, err := c.Reports.Download(r.Context(), f, lang(r), by(r))
	if err != nil {
		return err
	}
	site.MarkAudited(r)
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="carefund-report-`+f.Name()+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(b)
	return err
}

// markSubmitted records that a year's annual reports went to the ministry.
func (c *Console) markSubmitted(w http.ResponseWriter, r *http.Request) error {
	if c.Reports == nil {
		return apperr.New(apperr.NotFound, "")
	}
	y, err := report.ParseYear(r.PathValue("year"))
	if err != nil {
		return err
	}
	if err := c.Reports.MarkSubmitted(r.Context(), y, by(r)); err != nil {
		return err
	}
	site.MarkAudited(r)
	http.Redirect(w, r, "/staff/reports?done=submitted", http.StatusSeeOther)
	return nil
}

// minute shows t to the minute in China time; the zero time is "".
func minute(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return site.Minute(t)
}

// staffID is the member id of an audit actor "staff:12", 0 for another.
func staffID(actor string) int64 {
	n, ok := strings.CutPrefix(actor, "staff:")
	if !ok {
		return 0
	}
	id, _ := strconv.ParseInt(n, 10, 64)
	return id
}
