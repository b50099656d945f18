package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/incident"
	"github.com/carefund/carefund/internal/rules"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/web"
)

// auditPage lets the auditor browse and filter the audit log (R-STAFF-1).
func (c *Console) auditPage(w http.ResponseWriter, r *http.Request) error {
	q := site.Params(r)
	values := map[string]string{}
	for _, k := range []string{"actor", "action", "object", "result", "from", "to"} {
		values[k] = site.Limit(q.Get(k), 64)
	}
	f := audit.Filter{Actor: values["actor"], Action: values["action"], Object: values["object"], Result: values["result"], Limit: 100}
	form := web.Form{Values: values, Errors: map[string]string{}}
	l := lang(r)
	var err error
	if f.From, err = site.ParseDay(values["from"], false); err != nil {
		form.Errors["from"] = i18n.T(l, "form.date")
	}
	if f.To, err = site.ParseDay(values["to"], true); err != nil {
		form.Errors["to"] = i18n.T(l, "form.date")
	}
	if b := q.Get("before"); b != "" {
		if f.Before, err = strconv.ParseInt(b, 10, 64); err != nil || f.Before < 0 {
			return apperr.New(apperr.Invalid, "")
		}
	}
	p := web.StaffAudit{Form: form}
	if len(form.Errors) == 0 {
		entries, err := c.Log.Browse(r.Context(), f)
		if err != nil {
			return err
		}
		for _, e := range entries {
			p.Entries = append(p.Entries, web.AuditRow{Seq: e.Seq, At: e.At.In(site.ChinaTime).Format("2006-01-02 15:04:05"),
				Actor: e.Actor, Action: e.Action, Object: e.Object, Result: e.Result, Source: e.Source, Detail: e.Detail, Hash: e.Hash[:12]})
		}
		if len(entries) == f.Limit {
			older := url.Values{}
			for k, v := range values {
				if v != "" {
					older.Set(k, v)
				}
			}
			older.Set("before", strconv.FormatInt(entries[len(entries)-1].Seq, 10))
			p.Older = "/staff/audit?" + older.Encode()
		}
	}
	return c.render(w, r, p)
}

func (c *Console) rulesAdmin(w http.ResponseWriter, r *http.Request) error {
	p, err := c.rulesAdminView(r)
	if err != nil {
		return err
	}
	if site.Params(r).Get("done") != "" {
		p.Notice = i18n.T(lang(r), "staff.rules.saved")
	}
	return c.render(w, r, p)
}

func (c *Console) rulesAdminView(r *http.Request) (web.StaffRules, error) {
	l := lang(r)
	var p web.StaffRules
	for _, k := range rules.Kinds {
		p.Kinds = append(p.Kinds, string(k))
	}
	d, err := c.Rules.Desk(r.Context())
	if err != nil {
		return p, err
	}
	for _, v := range d.Current {
		p.Current = append(p.Current, site.RuleLink(l, v))
	}
	for _, v := range d.Pending {
		p.Drafts = append(p.Drafts, web.DraftRow{ID: v.ID, Kind: string(v.Kind), Title: site.TitleIn(l, v.Title), Number: v.Number(),
			State: string(v.State), Major: v.IsMajorChange(), Reported: site.Day(v.ReportedAt)})
	}
	return p, nil
}

func (c *Console) draftRule(w http.ResponseWriter, r *http.Request) error {
	values, err := site.Posted(r, "kind", "major", "title_zh", "title_en", "summary_zh", "summary_en", "body_zh", "body_en")
	if err != nil {
		return err
	}
	tr := func(prefix string) map[i18n.Lang]string {
		return map[i18n.Lang]string{i18n.ZH: values[prefix+"_zh"], i18n.EN: values[prefix+"_en"]}
	}
	err = c.Auditor.Act(r, "rules:"+site.AuditText(values["kind"], 32), "draft", func(rec audit.Record) error {
		return c.Rules.Draft(r.Context(), rec, rules.Kind(values["kind"]), values["major"] == "yes",
			tr("title"), tr("body"), tr("summary"), me(r).Actor())
	})
	if err != nil {
		return reshow(c, w, r, err, values, func(f web.Form) (web.StaffRules, error) {
			p, err := c.rulesAdminView(r)
			p.Form = f
			return p, err
		})
	}
	return site.Redirect(w, r, "/staff/rules?done=1")
}

// reportRule records that a major change was reported to the ministry
// (R-RULES-3).
func (c *Console) reportRule(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	if err := site.ReadForm(r); err != nil {
		return err
	}
	return c.ruleStep(w, r, id, func(rec audit.Record) error {
		on, err := site.ParseDay(r.PostFormValue("reported_on"), false)
		if err != nil || on.IsZero() {
			return &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: "reported_on", Key: "form.date"}}}
		}
		return c.Rules.RecordReport(r.Context(), rec, id, on, site.Limit(r.PostFormValue("ref"), 200), me(r).Actor())
	})
}

func (c *Console) effectiveRule(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	return c.ruleStep(w, r, id, func(rec audit.Record) error {
		return c.Rules.MakeEffective(r.Context(), rec, id, me(r).Actor())
	})
}

func (c *Console) ruleStep(w http.ResponseWriter, r *http.Request, id int64, do func(rec audit.Record) error) error {
	if err := c.Auditor.Act(r, "rules-version:"+strconv.FormatInt(id, 10), "", do); err != nil {
		return reshow(c, w, r, err, nil, func(f web.Form) (web.StaffRules, error) {
			p, err := c.rulesAdminView(r)
			p.Form = f
			return p, err
		})
	}
	return site.Redirect(w, r, "/staff/rules?done=1")
}

func (c *Console) incidentsPage(w http.ResponseWriter, r *http.Request) error {
	p, err := c.incidentsView(r)
	if err != nil {
		return err
	}
	return c.render(w, r, p)
}

func (c *Console) incidentsView(r *http.Request) (web.StaffIncidents, error) {
	var p web.StaffIncidents
	list, err := c.Incidents.List(r.Context())
	for _, in := range list {
		p.Incidents = append(p.Incidents, web.IncidentRow{ID: in.ID, Type: in.Type, Title: in.Title, Status: string(in.Status),
			OpenedAt: site.Minute(in.OpenedAt), Affected: len(in.Affected), Untold: len(incident.Untold(in.Affected, in.Notices))})
	}
	return p, err
}

// openIncident opens a personal-data incident (R-PII-3); the affected people
// come from the audit log. Its record names the incident, whose id the
// service makes, so refusals name "incident".
func (c *Console) openIncident(w http.ResponseWriter, r *http.Request) error {
	values, err := site.Posted(r, "type", "title", "description", "suspect_actor", "from", "to")
	if err != nil {
		return err
	}
	var opened incident.Incident
	err = c.Auditor.Act(r, "incident", "", func(rec audit.Record) error {
		in := incident.Input{Type: values["type"], Title: values["title"], Description: values["description"], SuspectActor: site.Limit(values["suspect_actor"], 64)}
		e := apperr.New(apperr.Invalid, "")
		var err error
		if in.From, err = site.ParseDay(values["from"], false); err != nil || in.From.IsZero() {
			e.Fields = append(e.Fields, apperr.FieldError{Field: "from", Key: "form.date"})
		}
		if in.To, err = site.ParseDay(values["to"], true); err != nil || in.To.IsZero() {
			e.Fields = append(e.Fields, apperr.FieldError{Field: "to", Key: "form.date"})
		}
		if len(e.Fields) > 0 {
			return e
		}
		opened, err = c.Incidents.Open(r.Context(), rec, in, me(r).Actor())
		return err
	})
	if err != nil {
		return reshow(c, w, r, err, values, func(f web.Form) (web.StaffIncidents, error) {
			p, err := c.incidentsView(r)
			p.Form = f
			return p, err
		})
	}
	return site.Redirect(w, r, "/staff/incidents/"+strconv.FormatInt(opened.ID, 10))
}

func (c *Console) incidentPage(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	p, err := c.incidentView(r, id)
	if err != nil {
		return err
	}
	return c.render(w, r, p)
}

func (c *Console) incidentView(r *http.Request, id int64) (web.StaffIncident, error) {
	in, err := c.Incidents.Get(r.Context(), id)
	if err != nil {
		return web.StaffIncident{}, err
	}
	scope := site.Day(in.From) + " – " + site.Day(in.To)
	if in.SuspectActor != "" {
		scope = in.SuspectActor + " · " + scope
	}
	p := web.StaffIncident{ID: in.ID, Type: in.Type, Title: in.Title, Description: in.Description, Status: string(in.Status),
		OpenedBy: in.OpenedBy, OpenedAt: site.Minute(in.OpenedAt), Scope: scope, Affected: in.Affected,
		AuthorityTold: incident.AuthorityTold(in.Notices), Closed: in.Status == incident.StatusClosed}
	// Whether and when each person affected was told (R-PII-3).
	for _, pn := range incident.People(in.Affected, in.Notices) {
		row := web.IncidentPerson{Object: pn.Object, Told: pn.Told, Notices: pn.Tries}
		if pn.Told {
			row.SentAt, row.Channel, row.SentBy, row.Outcome = site.Minute(pn.First.SentAt), pn.First.Channel, pn.First.SentBy, pn.First.Outcome
		} else {
			p.Untold++
		}
		p.People = append(p.People, row)
	}
	for _, n := range in.Notices {
		if n.Audience == incident.AudienceAuthority {
			p.Authority = append(p.Authority, web.NoticeRow{Recipient: n.Recipient, Reference: n.Reference, Channel: n.Channel,
				SentAt: site.Minute(n.SentAt), SentBy: n.SentBy, Outcome: n.Outcome, Note: n.Note})
		}
	}
	for _, st := range in.Steps {
		p.Steps = append(p.Steps, web.StepRow{At: site.Minute(st.At), By: st.By, Kind: st.Kind, Text: st.Text})
	}
	// The statuses after the current one; SetStatus decides which move is
	// allowed and says why not.
	if i := slices.Index(incident.Statuses, in.Status); i >= 0 {
		for _, st := range incident.Statuses[i+1:] {
			p.Next = append(p.Next, string(st))
		}
	}
	return p, nil
}

func (c *Console) incidentStep(w http.ResponseWriter, r *http.Request) error {
	return c.incidentChange(w, r, func(rec audit.Record, id int64) error {
		return c.Incidents.AddStep(r.Context(), rec, id, r.PostFormValue("kind"), r.PostFormValue("text"), me(r).Actor())
	})
}

// incidentNotice records a notice of an incident to the authority or to
// one person affected, sent by the staff member by SMS, e-mail, letter or
// in the app (R-PII-3).
func (c *Console) incidentNotice(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	values, err := site.Posted(r, "recipient", "authority", "reference", "channel", "sent_at", "outcome", "note")
	if err != nil {
		return err
	}
	err = c.Auditor.Act(r, "incident:"+strconv.FormatInt(id, 10), site.AuditText(values["recipient"], 64), func(rec audit.Record) error {
		in := incident.NoticeInput{Audience: incident.AudiencePerson, Recipient: values["recipient"], Reference: values["reference"],
			Channel: values["channel"], Outcome: values["outcome"], Note: values["note"]}
		if values["recipient"] == incident.AudienceAuthority {
			in.Audience, in.Recipient = incident.AudienceAuthority, values["authority"]
		}
		if in.SentAt, err = site.ParseMinute(values["sent_at"]); err != nil {
			return &apperr.Error{Code: apperr.Invalid, Key: "incident.invalid", Fields: []apperr.FieldError{{Field: "sent_at", Key: "form.date"}}}
		}
		err := c.Incidents.RecordNotice(r.Context(), rec, id, in, me(r).Actor())
		if e := apperr.As(err); e != nil && in.Audience == incident.AudienceAuthority {
			// The authority's name is typed in its own field.
			for i := range e.Fields {
				if e.Fields[i].Field == "recipient" {
					e.Fields[i].Field = "authority"
				}
			}
		}
		return err
	})
	if err != nil {
		return reshow(c, w, r, err, values, func(f web.Form) (web.StaffIncident, error) {
			p, err := c.incidentView(r, id)
			p.Form = f
			return p, err
		})
	}
	return site.Redirect(w, r, "/staff/incidents/"+strconv.FormatInt(id, 10))
}

func (c *Console) incidentStatus(w http.ResponseWriter, r *http.Request) error {
	return c.incidentChange(w, r, func(rec audit.Record, id int64) error {
		return c.Incidents.SetStatus(r.Context(), rec, id, incident.Status(r.PostFormValue("status")), me(r).Actor())
	})
}

func (c *Console) incidentChange(w http.ResponseWriter, r *http.Request, do func(rec audit.Record, id int64) error) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	if err := site.ReadForm(r); err != nil {
		return err
	}
	err = c.Auditor.Act(r, "incident:"+strconv.FormatInt(id, 10), site.AuditText(r.PostFormValue("kind")+r.PostFormValue("status"), 32),
		func(rec audit.Record) error { return do(rec, id) })
	if err != nil {
		return reshow(c, w, r, err, map[string]string{"text": r.PostFormValue("text")}, func(f web.Form) (web.StaffIncident, error) {
			p, err := c.incidentView(r, id)
			p.Form = f
			return p, err
		})
	}
	return site.Redirect(w, r, "/staff/incidents/"+strconv.FormatInt(id, 10))
}
