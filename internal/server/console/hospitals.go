package console

// The hospital directory's console page (issue 14): finance proposes
// additions, changes and deactivations, which a second finance officer or
// an admin decides on the approvals page (R-STAFF-1); finance and admins
// may see one account number in full, which is recorded (R-PII-1);
// auditors read the directory masked.

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/hospital"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/web"
)

// hospitalFields are the fields of an entry's form.
var hospitalFields = []string{"name", "credit_code", "bank_name", "city", "account", "reason"}

// hospitalNotices are the notices a redirect after a proposal may ask for.
var hospitalNotices = map[string]string{"proposed": "hospitals.notice.proposed", "deactivation": "hospitals.notice.deactivation"}

func (c *Console) hospitalsPage(w http.ResponseWriter, r *http.Request) error {
	p, err := c.hospitalsView(r, 0, "", web.Form{})
	if err != nil {
		return err
	}
	if key, ok := hospitalNotices[site.Params(r).Get("done")]; ok {
		p.Notice = i18n.T(lang(r), key)
	}
	return c.render(w, r, p)
}

// hospitalsView builds the directory page; the form named by which ("edit"
// or "deactivate") of entry refused, or the form to add one when refused is
// 0 and which is "add", shows f instead of what is stored. The account
// number is never put back in a form: the change form starts empty there.
func (c *Console) hospitalsView(r *http.Request, refused int64, which string, f web.Form) (web.StaffHospitals, error) {
	p := web.StaffHospitals{
		CanPropose: c.may(r, "POST /staff/hospitals"),
		CanReveal:  c.may(r, "POST /staff/hospitals/{id}/reveal"),
		New:        web.HospitalForm{Action: "/staff/hospitals", Suffix: "-new"},
	}
	if which == "add" {
		p.New.Form = f
	}
	all, err := c.Hospitals.List(r.Context(), false)
	if err != nil {
		return p, err
	}
	for _, h := range all {
		id := strconv.FormatInt(h.ID, 10)
		row := web.HospitalRow{ID: h.ID, Name: h.Name, CreditCode: h.CreditCode, BankName: h.BankName, City: h.City,
			Masked: h.Masked, Active: h.Active, Updated: site.Minute(h.UpdatedAt),
			Edit: web.HospitalForm{Action: "/staff/hospitals/" + id, Suffix: "-" + id, Form: web.Form{Values: map[string]string{
				"name": h.Name, "credit_code": h.CreditCode, "bank_name": h.BankName, "city": h.City}}},
			Deactivate: web.HospitalForm{Action: "/staff/hospitals/" + id + "/deactivate", Suffix: "-d" + id}}
		if h.ID == refused && which == "edit" {
			row.Edit.Form = f
		}
		if h.ID == refused && which == "deactivate" {
			row.Deactivate.Form = f
		}
		p.Rows = append(p.Rows, row)
	}
	return p, nil
}

// hospitalDraft reads an entry's form: what was typed, to show again, and
// the draft.
func hospitalDraft(r *http.Request, id int64) (map[string]string, hospital.Draft, error) {
	values, err := site.Posted(r, hospitalFields...)
	if err != nil {
		return nil, hospital.Draft{}, err
	}
	return values, hospital.Draft{ID: id, Name: values["name"], CreditCode: values["credit_code"], BankName: values["bank_name"],
		City: values["city"], Account: values["account"], Reason: values["reason"]}, nil
}

// proposeHospital proposes adding an entry; the record names the proposal
// in its detail.
func (c *Console) proposeHospital(w http.ResponseWriter, r *http.Request) error {
	return c.proposeHospitalDraft(w, r, 0)
}

// proposeHospitalChange proposes a change of entry {id}.
func (c *Console) proposeHospitalChange(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	return c.proposeHospitalDraft(w, r, id)
}

func (c *Console) proposeHospitalDraft(w http.ResponseWriter, r *http.Request, id int64) error {
	values, d, err := hospitalDraft(r, id)
	if err != nil {
		return err
	}
	object, which := "hospital", "add"
	if id != 0 {
		object, which = "hospital:"+strconv.FormatInt(id, 10), "edit"
	}
	err = c.Auditor.Act(r, object, "", func(rec audit.Record) error {
		_, err := c.Hospitals.Propose(r.Context(), rec, *me(r), d)
		return err
	})
	if err != nil {
		return reshow(c, w, r, err, values, func(f web.Form) (web.StaffHospitals, error) {
			return c.hospitalsView(r, id, which, f)
		})
	}
	return site.Redirect(w, r, "/staff/hospitals?done=proposed")
}

// proposeHospitalDeactivation proposes taking entry {id} out of the
// directory.
func (c *Console) proposeHospitalDeactivation(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	values, err := site.Posted(r, "reason")
	if err != nil {
		return err
	}
	err = c.Auditor.Act(r, "hospital:"+strconv.FormatInt(id, 10), "", func(rec audit.Record) error {
		_, err := c.Hospitals.ProposeDeactivation(r.Context(), rec, *me(r), id, values["reason"])
		return err
	})
	if err != nil {
		return reshow(c, w, r, err, values, func(f web.Form) (web.StaffHospitals, error) {
			return c.hospitalsView(r, id, "deactivate", f)
		})
	}
	return site.Redirect(w, r, "/staff/hospitals?done=deactivation#hospital-"+strconv.FormatInt(id, 10))
}

// revealHospital shows entry {id}'s full number on the page that answers
// the POST, never in a URL, and not to be stored by the browser; the view
// is in the audit log with the entry (R-PII-1).
func (c *Console) revealHospital(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	var number string
	err = c.Auditor.Act(r, "hospital:"+strconv.FormatInt(id, 10), "", func(rec audit.Record) (err error) {
		number, err = c.Hospitals.Reveal(r.Context(), rec, id, *me(r))
		return err
	})
	if err != nil {
		return reshow(c, w, r, err, nil, func(f web.Form) (web.StaffHospitals, error) {
			p, err := c.hospitalsView(r, 0, "", web.Form{})
			p.Message = f.Message
			return p, err
		})
	}
	h, err := c.Hospitals.Get(r.Context(), id)
	if err != nil {
		return err
	}
	p, err := c.hospitalsView(r, 0, "", web.Form{})
	if err != nil {
		return err
	}
	p.Revealed = i18n.T(lang(r), "hospitals.revealed", h.Name, number)
	w.Header().Set("Cache-Control", "no-store")
	return c.render(w, r, p)
}

// hospitalSummary says in words what a hospital directory proposal would
// do, from its payload, which holds the masked number only.
func hospitalSummary(l i18n.Lang, p staff.Proposal) (string, bool) {
	var ch hospital.Change
	if json.Unmarshal(p.Payload, &ch) != nil || !slices.Contains([]string{hospital.ActionAdd, hospital.ActionChange, hospital.ActionDeactivate}, ch.Action) {
		return "", false
	}
	if ch.Action == hospital.ActionDeactivate {
		return i18n.T(l, "hospitals.summary.deactivate", ch.Name, ch.CreditCode), true
	}
	return i18n.T(l, "hospitals.summary."+ch.Action, ch.Name, ch.CreditCode, ch.BankName, ch.Masked), true
}
