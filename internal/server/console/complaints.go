package console

// The complaint handlers' console (R-COMP-1, R-COMP-2): the queue with its
// clocks, a complaint with its history, evidence and contact (masked; a
// reveal is recorded), the handlers' actions, and the working calendar.
// Complaints handlers and admins act; auditors read. A complaint about a
// staff member is not theirs to see: the service hides it.

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/complaint"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/web"
)

// complaintNotices are the notices a redirect after an action may ask for.
var complaintNotices = map[string]string{"acknowledged": "complaintconsole.notice.acknowledged", "assigned": "complaintconsole.notice.assigned",
	"note": "complaintconsole.notice.note", "linked": "complaintconsole.notice.linked", "closed": "complaintconsole.notice.closed"}

func complaintObject(id int64) string { return "complaint:" + strconv.FormatInt(id, 10) }

func (c *Console) complaintsOn() error {
	if c.Complaints == nil {
		return apperr.New(apperr.NotFound, "")
	}
	return nil
}

func (c *Console) complaintQueue(w http.ResponseWriter, r *http.Request) error {
	if err := c.complaintsOn(); err != nil {
		return err
	}
	q := site.Params(r)
	p := web.StaffComplaints{Status: q.Get("status"), Category: q.Get("category"), Overdue: q.Get("overdue") == "1",
		Mine: q.Get("mine") == "1", CanCalendar: c.may(r, "GET /staff/complaint-calendar")}
	for _, s := range complaint.Statuses {
		p.Statuses = append(p.Statuses, web.Option{Value: string(s), Key: s.Key()})
	}
	for _, cat := range complaint.Categories {
		p.Categories = append(p.Categories, web.Option{Value: string(cat), Key: cat.Key()})
	}
	f := complaint.Filter{Overdue: p.Overdue}
	if st := complaint.Status(p.Status); st != "" {
		if !slicesContains(complaint.Statuses, st) {
			p.Status, st = "", ""
		}
		f.Status = st
	}
	if cat := complaint.Category(p.Category); cat != "" {
		if !cat.Valid() {
			p.Category, cat = "", ""
		}
		f.Category = cat
	}
	if p.Mine {
		f.AssignedTo = me(r).ID
	}
	list, err := c.Complaints.Queue(r.Context(), f, *me(r))
	if err != nil {
		return err
	}
	now := c.now()
	for _, x := range list {
		ackLate, handleLate := x.Overdue(now)
		row := web.ComplaintRow{ID: x.ID, Number: x.Number, CategoryKey: x.Category.Key(), StatusKey: x.Status.Key(),
			Received: site.Minute(x.ReceivedAt), AckDue: site.Minute(x.AckDue), HandleDue: site.Minute(x.HandleDue),
			AckLate: ackLate, HandleLate: handleLate, Level: x.Level, Assigned: staffName(x.AssignedTo)}
		p.Rows = append(p.Rows, row)
	}
	return c.render(w, r, p)
}

func slicesContains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func staffName(id int64) string {
	if id == 0 {
		return ""
	}
	return "staff:" + strconv.FormatInt(id, 10)
}

// complaintView builds complaint id's page, recording the view with rec.
func (c *Console) complaintView(r *http.Request, rec audit.Record, id int64) (web.StaffComplaint, error) {
	d, err := c.Complaints.Get(r.Context(), rec, id, *me(r))
	if err != nil {
		return web.StaffComplaint{}, err
	}
	ackLate, handleLate := d.Overdue(c.now())
	p := web.StaffComplaint{ID: d.ID, Number: d.Number, CategoryKey: d.Category.Key(), StatusKey: d.Status.Key(),
		Closed: d.Status.Closed(), Text: d.Text, StaffRef: d.StaffRef, Subject: staffName(d.SubjectStaffID), RequestID: d.RequestID,
		Received: site.Minute(d.ReceivedAt), AckDue: site.Minute(d.AckDue), HandleDue: site.Minute(d.HandleDue),
		AckLate: ackLate, HandleLate: handleLate, Level: d.Level, Assigned: staffName(d.AssignedTo), ContactMasked: d.ContactMasked,
		Response: d.Response, Published: d.Published,
		CanHandle: c.may(r, "POST /staff/complaints/{id}/resolve"), CanReveal: c.may(r, "POST /staff/complaints/{id}/reveal")}
	if !d.AckedAt.IsZero() {
		p.Acked = site.Minute(d.AckedAt)
	}
	if !d.ClosedAt.IsZero() {
		p.ClosedAt, p.OutcomeKey = site.Minute(d.ClosedAt), d.Outcome.Key()
	}
	for _, e := range d.Evidence {
		p.Evidence = append(p.Evidence, web.ComplaintFile{ID: e.ID, Name: e.Name, Kind: e.Kind, Size: strconv.FormatInt((e.Size+1023)/1024, 10) + " KB"})
	}
	for _, e := range d.Events {
		p.Events = append(p.Events, web.ComplaintEventRow{At: site.Minute(e.At), Actor: e.Actor, KindKey: e.Kind.Key(), Detail: e.Detail})
	}
	for _, o := range complaint.Outcomes {
		if o != complaint.OutcomeDismissed {
			p.Outcomes = append(p.Outcomes, web.Option{Value: string(o), Key: o.Key()})
		}
	}
	if p.CanHandle && !p.Closed {
		hs, err := c.Complaints.Handlers(r.Context(), id, *me(r))
		if err != nil {
			return p, err
		}
		for _, h := range hs {
			p.Handlers = append(p.Handlers, web.Option{Value: strconv.FormatInt(h.ID, 10), Key: h.Username + " (" + string(h.Role) + ")"})
		}
	}
	return p, nil
}

func (c *Console) complaintPage(w http.ResponseWriter, r *http.Request) error {
	if err := c.complaintsOn(); err != nil {
		return err
	}
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	var p web.StaffComplaint
	if err := c.Auditor.Act(r, complaintObject(id), "", func(rec audit.Record) (err error) {
		p, err = c.complaintView(r, rec, id)
		return err
	}); err != nil {
		return err
	}
	if key, ok := complaintNotices[site.Params(r).Get("done")]; ok {
		p.Notice = i18n.T(lang(r), key)
	}
	w.Header().Set("Cache-Control", "no-store")
	return c.render(w, r, p)
}

// revealComplaintContact shows the complainant's contact details; the
// reveal is recorded (R-PII-1).
func (c *Console) revealComplaintContact(w http.ResponseWriter, r *http.Request) error {
	if err := c.complaintsOn(); err != nil {
		return err
	}
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	var contact complaint.Contact
	if err := c.Auditor.Act(r, complaintObject(id), "", func(rec audit.Record) (err error) {
		contact, err = c.Complaints.Contact(r.Context(), rec, id, *me(r))
		return err
	}); err != nil {
		return err
	}
	// The page around it is a view of its own, recorded as one.
	rec := c.Auditor.Record(r, "complaint.view", complaintObject(id), "", nil)
	p, err := c.complaintView(r, rec, id)
	if err != nil {
		return err
	}
	p.Revealed = &web.ComplaintContact{Name: contact.Name, Phone: contact.Phone, Email: contact.Email}
	w.Header().Set("Cache-Control", "no-store")
	return c.render(w, r, p)
}

func (c *Console) complaintEvidence(w http.ResponseWriter, r *http.Request) error {
	if err := c.complaintsOn(); err != nil {
		return err
	}
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	eid, err := site.PathNumber(r, "eid")
	if err != nil {
		return err
	}
	var info complaint.EvidenceInfo
	var data []byte
	if err := c.Auditor.Act(r, complaintObject(id), "evidence "+strconv.FormatInt(eid, 10), func(rec audit.Record) (err error) {
		info, data, err = c.Complaints.EvidenceFile(r.Context(), rec, id, eid, *me(r))
		return err
	}); err != nil {
		return err
	}
	return site.SendMaterial(w, material.Material{ID: info.ID, ContentType: info.Kind, Size: int(info.Size)}, data)
}

// complaintAction runs a handler's action on complaint id and shows the
// page again with the refusal, or redirects with a notice.
func (c *Console) complaintAction(w http.ResponseWriter, r *http.Request, notice string, fields []string,
	do func(rec audit.Record, id int64, v map[string]string) error) error {
	if err := c.complaintsOn(); err != nil {
		return err
	}
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	v, err := site.Posted(r, fields...)
	if err != nil {
		return err
	}
	err = c.Auditor.Act(r, complaintObject(id), site.AuditText(v["outcome"], 32), func(rec audit.Record) error { return do(rec, id, v) })
	if err != nil {
		return reshow(c, w, r, err, v, func(f web.Form) (web.StaffComplaint, error) {
			rec := c.Auditor.Record(r, "complaint.view", complaintObject(id), "", nil)
			p, err := c.complaintView(r, rec, id)
			p.Form = f
			return p, err
		})
	}
	return site.Redirect(w, r, "/staff/complaints/"+strconv.FormatInt(id, 10)+"?done="+notice)
}

func (c *Console) acknowledgeComplaint(w http.ResponseWriter, r *http.Request) error {
	return c.complaintAction(w, r, "acknowledged", nil, func(rec audit.Record, id int64, _ map[string]string) error {
		return c.Complaints.Acknowledge(r.Context(), rec, id, *me(r))
	})
}

func (c *Console) assignComplaint(w http.ResponseWriter, r *http.Request) error {
	return c.complaintAction(w, r, "assigned", []string{"assignee"}, func(rec audit.Record, id int64, v map[string]string) error {
		to, err := strconv.ParseInt(strings.TrimSpace(v["assignee"]), 10, 64)
		if err != nil || to <= 0 {
			return &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: complaint.FieldAssignee, Key: complaint.KeyAssignee}}}
		}
		return c.Complaints.Assign(r.Context(), rec, id, to, *me(r))
	})
}

func (c *Console) noteComplaint(w http.ResponseWriter, r *http.Request) error {
	return c.complaintAction(w, r, "note", []string{"note"}, func(rec audit.Record, id int64, v map[string]string) error {
		return c.Complaints.Note(r.Context(), rec, id, v["note"], *me(r))
	})
}

// linkComplaint links the request and/or the staff member a complaint is
// about, whichever the form names.
func (c *Console) linkComplaint(w http.ResponseWriter, r *http.Request) error {
	return c.complaintAction(w, r, "linked", []string{"request", "staff"}, func(rec audit.Record, id int64, v map[string]string) error {
		req, staffRef := strings.TrimPrefix(strings.TrimSpace(v["request"]), "#"), strings.TrimSpace(v["staff"])
		if req == "" && staffRef == "" {
			return &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: complaint.FieldRequest, Key: complaint.KeyNoRequest}}}
		}
		if req != "" {
			n, err := strconv.ParseInt(req, 10, 64)
			if err != nil || n <= 0 {
				return &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: complaint.FieldRequest, Key: complaint.KeyNoRequest}}}
			}
			return c.Complaints.LinkRequest(r.Context(), rec, id, n, *me(r))
		}
		n, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimPrefix(staffRef, "staff:"), "#"), 10, 64)
		if err != nil || n <= 0 {
			return &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: complaint.FieldStaffRef, Key: complaint.KeyAssignee}}}
		}
		return c.Complaints.SetSubject(r.Context(), rec, id, n, *me(r))
	})
}

func (c *Console) resolveComplaint(w http.ResponseWriter, r *http.Request) error {
	return c.complaintAction(w, r, "closed", []string{"outcome", "response", "publish"}, func(rec audit.Record, id int64, v map[string]string) error {
		return c.Complaints.Resolve(r.Context(), rec, id, complaint.Outcome(v["outcome"]), v["response"], v["publish"] == "1", *me(r))
	})
}

func (c *Console) dismissComplaint(w http.ResponseWriter, r *http.Request) error {
	return c.complaintAction(w, r, "closed", []string{"response"}, func(rec audit.Record, id int64, v map[string]string) error {
		return c.Complaints.Dismiss(r.Context(), rec, id, v["response"], *me(r))
	})
}

// calendarYear is the year the calendar page shows: ?year=, or this year
// in Shanghai.
func (c *Console) calendarYear(r *http.Request) int {
	y := c.now().In(complaint.Shanghai).Year()
	if v, err := strconv.Atoi(site.Params(r).Get("year")); err == nil && v >= 2000 && v <= 2100 {
		y = v
	}
	return y
}

func (c *Console) calendarView(r *http.Request, year int) (web.StaffComplaintCalendar, error) {
	p := web.StaffComplaintCalendar{Year: year, Prev: year - 1, Next: year + 1, CanEdit: c.may(r, "POST /staff/complaint-calendar")}
	days, err := c.Complaints.Calendar(r.Context(), year)
	for _, d := range days {
		p.Days = append(p.Days, web.CalendarDay{Day: d.Day, Name: d.Name, UpdatedBy: d.UpdatedBy, Working: d.Working})
	}
	return p, err
}

func (c *Console) complaintCalendar(w http.ResponseWriter, r *http.Request) error {
	if err := c.complaintsOn(); err != nil {
		return err
	}
	p, err := c.calendarView(r, c.calendarYear(r))
	if err != nil {
		return err
	}
	return c.render(w, r, p)
}

// calendarChange runs an admin's change of the calendar and shows the
// year of the day changed.
func (c *Console) calendarChange(w http.ResponseWriter, r *http.Request, do func(rec audit.Record, v map[string]string) error) error {
	if err := c.complaintsOn(); err != nil {
		return err
	}
	v, err := site.Posted(r, "day", "working", "name")
	if err != nil {
		return err
	}
	year := c.calendarYear(r)
	if t, ok := complaint.ParseDay(strings.TrimSpace(v["day"])); ok {
		year = t.Year()
	}
	err = c.Auditor.Act(r, "calendar:"+site.AuditText(v["day"], 10), site.AuditText(v["working"]+" "+v["name"], 60),
		func(rec audit.Record) error { return do(rec, v) })
	if err != nil {
		return reshow(c, w, r, err, v, func(f web.Form) (web.StaffComplaintCalendar, error) {
			p, err := c.calendarView(r, year)
			p.Form = f
			return p, err
		})
	}
	return site.Redirect(w, r, "/staff/complaint-calendar?year="+strconv.Itoa(year))
}

func (c *Console) setCalendarDay(w http.ResponseWriter, r *http.Request) error {
	return c.calendarChange(w, r, func(rec audit.Record, v map[string]string) error {
		return c.Complaints.SetDay(r.Context(), rec, complaint.Day{Day: v["day"], Working: v["working"] == "1", Name: v["name"]}, *me(r))
	})
}

func (c *Console) removeCalendarDay(w http.ResponseWriter, r *http.Request) error {
	return c.calendarChange(w, r, func(rec audit.Record, v map[string]string) error {
		return c.Complaints.RemoveDay(r.Context(), rec, strings.TrimSpace(v["day"]), *me(r))
	})
}
