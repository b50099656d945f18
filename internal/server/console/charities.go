package console

// The charity referral list's console pages (R-REQ-7): reviewers see the
// list, admins keep it. Every change is in the audit log with the
// organisation it changed.

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/charity"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/web"
)

// charityFields are the fields of an organisation's form.
var charityFields = []string{"name", "summary", "categories", "regions", "url", "order"}

// charityNotices are the notices a redirect after a change may ask for.
var charityNotices = []string{"created", "updated", "activated", "deactivated"}

func (c *Console) charitiesPage(w http.ResponseWriter, r *http.Request) error {
	p, err := c.charitiesView(r, 0, web.Form{})
	if err != nil {
		return err
	}
	if n := site.Params(r).Get("done"); slices.Contains(charityNotices, n) {
		p.Notice = i18n.T(lang(r), "charities.notice."+n)
	}
	return c.render(w, r, p)
}

// charitiesView builds the list; the form of organisation refused (0: the
// form to add one) shows f instead of what is stored.
func (c *Console) charitiesView(r *http.Request, refused int64, f web.Form) (web.StaffCharities, error) {
	p := web.StaffCharities{
		CanEdit: c.may(r, "POST /staff/charities"),
		New:     web.CharityForm{Action: "/staff/charities", Suffix: "-new", Form: web.Form{Values: map[string]string{"order": "0"}}},
	}
	if refused == 0 && f.Values != nil {
		p.New.Form = f
	}
	orgs, err := c.Charities.List(r.Context())
	if err != nil {
		return p, err
	}
	for _, o := range orgs {
		row := web.CharityRow{ID: o.ID, Name: o.Name, Summary: o.Summary, Categories: strings.Join(o.Categories, "、"),
			Regions: strings.Join(o.Regions, "、"), URL: o.URL, Order: o.Order, Active: o.Active, Updated: site.Minute(o.UpdatedAt)}
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

// createCharity adds an organisation. Its record names the new
// organisation, whose id the service makes; a refusal names "charity".
func (c *Console) createCharity(w http.ResponseWriter, r *http.Request) error {
	if err := site.ReadForm(r); err != nil {
		return err
	}
	values, in := charityInput(r)
	err := c.Auditor.Act(r, "charity", "create", func(rec audit.Record) error {
		_, err := c.Charities.Create(r.Context(), rec, in)
		return err
	})
	if err != nil {
		return reshow(c, w, r, err, values, func(f web.Form) (web.StaffCharities, error) {
			return c.charitiesView(r, 0, f)
		})
	}
	return site.Redirect(w, r, "/staff/charities?done=created")
}

func (c *Console) updateCharity(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	if err := site.ReadForm(r); err != nil {
		return err
	}
	values, in := charityInput(r)
	err = c.Auditor.Act(r, "charity:"+strconv.FormatInt(id, 10), "update", func(rec audit.Record) error {
		return c.Charities.Update(r.Context(), rec, id, in)
	})
	if err != nil {
		return reshow(c, w, r, err, values, func(f web.Form) (web.StaffCharities, error) {
			return c.charitiesView(r, id, f)
		})
	}
	return site.Redirect(w, r, "/staff/charities?done=updated#org-"+strconv.FormatInt(id, 10))
}

func (c *Console) setCharityActive(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	if err := site.ReadForm(r); err != nil {
		return err
	}
	active, perr := strconv.ParseBool(r.PostFormValue("active"))
	detail := "active=" + strconv.FormatBool(active)
	if perr != nil {
		detail = "active=?"
	}
	err = c.Auditor.Act(r, "charity:"+strconv.FormatInt(id, 10), detail, func(rec audit.Record) error {
		if perr != nil {
			return apperr.New(apperr.Invalid, "charities.active_invalid")
		}
		return c.Charities.SetActive(r.Context(), rec, id, active)
	})
	if err != nil {
		return reshow(c, w, r, err, nil, func(f web.Form) (web.StaffCharities, error) {
			p, err := c.charitiesView(r, 0, web.Form{})
			p.Notice = f.Message
			return p, err
		})
	}
	done := "deactivated"
	if active {
		done = "activated"
	}
	return site.Redirect(w, r, "/staff/charities?done="+done+"#org-"+strconv.FormatInt(id, 10))
}
