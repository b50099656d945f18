package console

// The custody account's console page (R-FUND-3): the accounts and every
// change with where it stands. Finance proposes a change (open, change,
// close, revoke), an admin approves it on the approvals page (four eyes,
// R-STAFF-1), finance or an admin records its report to the Ministry of
// Civil Affairs, and someone other than its proposer puts it into effect.
// Account numbers are shown masked only (R-PII-1).

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/bank"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/web"
)

// custodyFields are the fields of the proposal form.
var custodyFields = []string{"action", "account", "bank_name", "number", "effective_on", "reason"}

// custodyNotices are the notices a redirect after an action may ask for.
var custodyNotices = map[string]string{"proposed": "money.custody.notice.proposed", "reported": "money.custody.notice.reported",
	"effective": "money.custody.notice.effective"}

func (c *Console) custodyPage(w http.ResponseWriter, r *http.Request) error {
	p, err := c.custodyView(r, 0, "", web.Form{})
	if err != nil {
		return err
	}
	if key, ok := custodyNotices[site.Params(r).Get("done")]; ok {
		p.Notice = i18n.T(lang(r), key)
	}
	return c.render(w, r, p)
}

// custodyView builds the page; the form named by which ("propose",
// "report" or "effect") of change refused shows f. The account number is
// never put back in a form but the one that was refused.
func (c *Console) custodyView(r *http.Request, refused int64, which string, f web.Form) (web.StaffCustody, error) {
	if c.Bank == nil {
		return web.StaffCustody{}, apperr.New(apperr.NotFound, "")
	}
	p := web.StaffCustody{CanPropose: c.may(r, "POST /staff/custody"), CanRecord: c.may(r, "POST /staff/custody/{id}/report")}
	for _, a := range bank.Actions {
		p.Actions = append(p.Actions, string(a))
	}
	if which == "propose" {
		p.Propose = f
	}
	accounts, err := c.Bank.CustodyAccounts(r.Context())
	if err != nil {
		return p, err
	}
	for _, a := range accounts {
		p.Accounts = append(p.Accounts, web.CustodyAccountRow{ID: a.ID, Bank: a.BankName, Masked: a.AccountMasked,
			Opened: site.Day(a.OpenedOn), State: a.State, Ended: site.Day(a.EndedOn)})
	}
	changes, err := c.Bank.CustodyChanges(r.Context())
	if err != nil {
		return p, err
	}
	names, err := c.staffNames(r.Context())
	if err != nil {
		return p, err
	}
	for _, ch := range changes {
		row := web.CustodyChangeRow{ID: ch.ID, Action: string(ch.Action), Bank: ch.BankName, Masked: ch.AccountMasked,
			EffectiveOn: site.Day(ch.EffectiveOn), Reason: ch.Reason, State: string(ch.State),
			ProposedBy: names[ch.ProposedBy], ProposedAt: site.Minute(ch.ProposedAt), ApprovedBy: names[ch.ApprovedBy],
			ReportedOn: site.Day(ch.ReportedOn), ReportRef: ch.ReportRef, ReportedBy: names[ch.ReportedBy],
			EffectiveBy: names[ch.EffectiveBy],
			CanReport:   ch.State == bank.ChangeApproved, CanEffect: ch.State == bank.ChangeReported}
		if ch.AccountID != 0 {
			row.Account = "#" + strconv.FormatInt(ch.AccountID, 10)
		}
		if !ch.EffectiveAt.IsZero() {
			row.EffectiveAt = site.Minute(ch.EffectiveAt)
		}
		switch {
		case ch.ID != refused:
		case which == "report" && row.CanReport:
			row.Report = f
		case which == "effect" && row.CanEffect:
			row.Effect = f
		default:
			// The step is not offered for this change (not yet, or no
			// longer): say why at the top, where nothing hides it.
			p.Message = f.Message
		}
		p.Changes = append(p.Changes, row)
	}
	return p, nil
}

// proposeCustody proposes a change of the custody account; an admin
// approves it on the approvals page.
func (c *Console) proposeCustody(w http.ResponseWriter, r *http.Request) error {
	if c.Bank == nil {
		return apperr.New(apperr.NotFound, "")
	}
	values, err := site.Posted(r, custodyFields...)
	if err != nil {
		return err
	}
	req := bank.ChangeRequest{Action: bank.Action(values["action"]), BankName: values["bank_name"], Number: values["number"],
		Reason: values["reason"]}
	var fields []apperr.FieldError
	if v := values["account"]; v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			fields = append(fields, apperr.FieldError{Field: "account", Key: "bank.custody.account_required"})
		}
		req.AccountID = id
	}
	if v := values["effective_on"]; v != "" {
		d, err := site.ParseDay(v, false)
		if err != nil {
			fields = append(fields, apperr.FieldError{Field: "effective_on", Key: "bank.custody.date_required"})
		}
		req.EffectiveOn = d
	}
	err = c.Auditor.Act(r, "custody", string(req.Action), func(rec audit.Record) error {
		if fields != nil {
			return &apperr.Error{Code: apperr.Invalid, Fields: fields}
		}
		_, err := c.Bank.ProposeChange(r.Context(), rec, *me(r), req)
		return err
	})
	if err != nil {
		return reshow(c, w, r, err, values, func(f web.Form) (web.StaffCustody, error) {
			return c.custodyView(r, 0, "propose", f)
		})
	}
	return site.Redirect(w, r, "/staff/custody?done=proposed")
}

// reportCustody records that change {id} was reported to the ministry.
func (c *Console) reportCustody(w http.ResponseWriter, r *http.Request) error {
	if c.Bank == nil {
		return apperr.New(apperr.NotFound, "")
	}
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	values, err := site.Posted(r, "reported_on", "report_ref")
	if err != nil {
		return err
	}
	day, derr := site.ParseDay(values["reported_on"], false)
	err = c.Auditor.Act(r, "custody_change:"+strconv.FormatInt(id, 10), "", func(rec audit.Record) error {
		if derr != nil {
			return &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: "reported_on", Key: "bank.custody.date_required"}}}
		}
		return c.Bank.ReportToMinistry(r.Context(), rec, id, day, values["report_ref"], *me(r))
	})
	if err != nil {
		return reshow(c, w, r, err, values, func(f web.Form) (web.StaffCustody, error) {
			return c.custodyView(r, id, "report", f)
		})
	}
	return site.Redirect(w, r, "/staff/custody?done=reported#change-"+strconv.FormatInt(id, 10))
}

// effectCustody puts change {id} into effect.
func (c *Console) effectCustody(w http.ResponseWriter, r *http.Request) error {
	if c.Bank == nil {
		return apperr.New(apperr.NotFound, "")
	}
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	if err := site.ReadForm(r); err != nil {
		return err
	}
	err = c.Auditor.Act(r, "custody_change:"+strconv.FormatInt(id, 10), "", func(rec audit.Record) error {
		return c.Bank.MakeEffective(r.Context(), rec, id, *me(r))
	})
	if err != nil {
		return reshow(c, w, r, err, nil, func(f web.Form) (web.StaffCustody, error) {
			return c.custodyView(r, id, "effect", f)
		})
	}
	return site.Redirect(w, r, "/staff/custody?done=effective#change-"+strconv.FormatInt(id, 10))
}

// custodySummary says in words what a custody change proposal would do,
// for the approvals page: the change it carries, with the number masked.
func (c *Console) custodySummary(r *http.Request, l i18n.Lang, p staff.Proposal) (string, bool) {
	var action string
	if c.Bank == nil || json.Unmarshal(p.Payload, &action) != nil {
		return "", false
	}
	changes, err := c.Bank.CustodyChanges(r.Context())
	if err != nil {
		return "", false
	}
	for _, ch := range changes {
		if ch.ProposalID == p.ID {
			return i18n.T(l, "money.custody.summary", i18n.T(l, "money.custody.do."+string(ch.Action)), ch.BankName,
				ch.AccountMasked, site.Day(ch.EffectiveOn)), true
		}
	}
	return "", false
}
