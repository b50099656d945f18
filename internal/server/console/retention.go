package console

import (
	"net/http"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/web"
)

// retentionShown is how many anonymizations, and how many requests due
// next, the retention page lists.
const retentionShown = 100

// retentionPage lists what the retention job anonymized and what is due
// next (R-PII-2). It shows ids, dates and the names of what was cleared,
// no personal data, so a view writes no audit record.
func (c *Console) retentionPage(w http.ResponseWriter, r *http.Request) error {
	if c.Retention == nil {
		return apperr.New(apperr.NotFound, "")
	}
	o, err := c.Retention.Overview(r.Context(), retentionShown)
	if err != nil {
		return err
	}
	day := func(t time.Time) string { return t.In(site.ChinaTime).Format(time.DateOnly) }
	p := web.StaffRetention{Years: o.Years}
	for _, d := range o.Done {
		p.Done = append(p.Done, web.RetentionRow{RequestID: d.RequestID, Completed: day(d.CompletedAt), Due: day(d.DueAt),
			Anonymized: site.Minute(d.AnonymizedAt), Cleared: strings.Join(d.Cleared, " ")})
	}
	for _, n := range o.Next {
		p.Next = append(p.Next, web.RetentionRow{RequestID: n.ID, Completed: day(n.CompletedAt), Due: day(n.DueAt)})
	}
	return c.render(w, r, p)
}
