package server

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/charity"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/web"
)

// The charity referral list's console pages (R-REQ-7): reviewers see the
// list, admins keep it. Every change is in the audit log with the
// organisation it changed.

// charityFields are the fields of an organisation's form.
var charityFields = []string{"name", "summary", "categories", "regions", "url", "order"}

// charityNotices are the notices a redirect after a change may ask for.
var charityNotices = []string{"created", "updated", "activated", "deactivated"}

func (s *Server) charitiesPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.charitiesView(r, 0, web.Form{})
	if err != nil {
		return err
	}
	if n := r.URL.Query().Get("done"); slices.Contains(charityNotices, n) {
		p.Notice = i18n.T(s.lang(r), "charities.notice."+n)
	}
	return s.render(w, r, p)
}

// charitiesView builds the list; the form of organisation refused (0: the
// form to add one) shows f instead of what is stored.
func (s *Server) charitiesView(r *http.Request, refused int64, f web.Form) (web.StaffCharities, error) {
	p := web.StaffCharities{
		CanEdit: slices.Contains(permissions["POST /staff/charities"].roles, callerOf(r).staff.Role),
		New:     web.CharityForm{Action: "/staff/charities", Suffix: "-new", Form: web.Form{Values: map[string]string{"order": "0"}}},
	}
	if refused == 0 && f.Values != nil {
		p.New.Form = f
	}
	var orgs []charity.Org
	if err := s.db.Read(r.Context(), func(tx *store.Tx) (err error) {
		orgs, err = charity.List(r.Context(), tx)
		return err
	}); err != nil {
		return p, err
	}
	for _, o := range orgs {
		row := web.CharityRow{ID: o.ID, Name: o.Name, Summary: o.Summary, Categories: strings.Join(o.Categories, "、"),
			Regions: strings.Join(o.Regions, "、"), URL: o.URL, Order: o.Order, Active: o.Active, Updated: minute(o.UpdatedAt)}
		id := strconv.FormatInt(o.ID, 10)
		row.Edit = web.CharityForm{Action: "/staff/charities/" + id, Suffix: "-" + id, Form: web.Form{Values: map[string]string{
			"name": o.Name, "summary": o.Summary, "categories": strings.Join(o.Categories, ", "),
			"regions": strings.Join(o.Regions, ", "), "url": o.URL, "order": strconv.Itoa(o.Order)}}}
		if o.ID == refused {
			row.Edit.Form = f
		}
		p.Orgs = append(p.Orgs, row)
	}
	return p, nil
}

// charityInput reads an organisation's form: what was typed, to show again,
// and the input. An order that is not a number is passed on as -1, so that
// Validate names it with the other fields' messages.
func charityInput(r *http.Request) (map[string]string, charity.Input) {
	values := map[string]string{}
	for _, k := range charityFields {
		values[k] = r.PostFormValue(k)
	}
	in := charity.Input{Name: values["name"], Summary: values["summary"],
		Categories: charity.SplitKeywords(values["categories"]), Regions: charity.SplitKeywords(values["regions"]),
		URL: values["url"], Order: -1}
	if o := strings.TrimSpace(values["order"]); o == "" {
		in.Order = 0
	} else if n, err := strconv.Atoi(o); err == nil {
		in.Order = n
	}
	return values, in
}

// createCharity adds an organisation. Its audit record names the new
// organisation, whose id Create makes, so it is appended after Create in the
// same transaction rather than first by staffWrite; on PostgreSQL an append
// racing another then fails the transaction, and DB.Write runs it again.
func (s *Server) createCharity(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return err
	}
	values, in := charityInput(r)
	err := s.db.Write(r.Context(), func(tx *store.Tx) error {
		o, err := charity.Create(r.Context(), tx, in)
		if err != nil {
			return err
		}
		_, err = audit.Append(r.Context(), tx, s.record(r, permissions[r.Pattern].action,
			"charity:"+strconv.FormatInt(o.ID, 10), "create", nil))
		return err
	})
	if err != nil {
		s.auditRefusal(r, "charity", "create", err)
	}
	markAudited(r)
	if err != nil {
		return reshow(s, w, r, err, values, func(f web.Form) (web.StaffCharities, error) {
			return s.charitiesView(r, 0, f)
		})
	}
	http.Redirect(w, r, "/staff/charities?done=created", http.StatusSeeOther)
	return nil
}

func (s *Server) updateCharity(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := form(r); err != nil {
		return err
	}
	values, in := charityInput(r)
	err = s.staffWrite(r, "charity:"+strconv.FormatInt(id, 10), "update", func(tx *store.Tx) error {
		_, err := charity.Update(r.Context(), tx, id, in)
		return err
	})
	if err != nil {
		return reshow(s, w, r, err, values, func(f web.Form) (web.StaffCharities, error) {
			return s.charitiesView(r, id, f)
		})
	}
	http.Redirect(w, r, "/staff/charities?done=updated#org-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) setCharityActive(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := form(r); err != nil {
		return err
	}
	active, perr := strconv.ParseBool(r.PostFormValue("active"))
	detail := "active=" + strconv.FormatBool(active)
	if perr != nil {
		detail = "active=?"
	}
	err = s.staffWrite(r, "charity:"+strconv.FormatInt(id, 10), detail, func(tx *store.Tx) error {
		if perr != nil {
			return apperr.New(apperr.Invalid, "charities.active_invalid")
		}
		return charity.SetActive(r.Context(), tx, id, active)
	})
	if err != nil {
		return reshow(s, w, r, err, nil, func(f web.Form) (web.StaffCharities, error) {
			p, err := s.charitiesView(r, 0, web.Form{})
			p.Notice = f.Message
			return p, err
		})
	}
	done := "deactivated"
	if active {
		done = "activated"
	}
	http.Redirect(w, r, "/staff/charities?done="+done+"#org-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
