package console

// The finance console of money to charity (R-CHAR-1): recipients and
// transfers proposed here are decided on the approvals page by a second
// person (R-STAFF-1); unknown credits on the custody statement are matched
// here to a terminated request's recovery (R-REF-2).

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/charitypay"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/reconcile"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/web"
)

var charityPayNotices = map[string]string{"recipient": "charitypay.notice.recipient", "transfer": "charitypay.notice.transfer",
	"matched": "charitypay.notice.matched"}

var recipientFields = []string{"name", "credit_code", "certificate", "bank_name", "account", "reason"}

func (c *Console) charityPayPage(w http.ResponseWriter, r *http.Request) error {
	p, err := c.charityPayView(r)
	if err != nil {
		return err
	}
	if key, ok := charityPayNotices[site.Params(r).Get("done")]; ok {
		p.Notice = i18n.T(lang(r), key)
	}
	return c.render(w, r, p)
}

func sourceLabel(l i18n.Lang, key string) (label, field, requestField string) {
	kind, period, _ := strings.Cut(key, "/")
	if kind == charitypay.SourceRefund {
		return i18n.T(l, "charity.source.refund_left", period), "amount:" + key, "request:" + period
	}
	return i18n.T(l, "charity.source.interest_left", period), "amount:" + key, ""
}

func (c *Console) charityPayView(r *http.Request) (web.StaffCharityPay, error) {
	l := lang(r)
	p := web.StaffCharityPay{CanPropose: c.may(r, "POST /staff/charity-pay/transfers"),
		CanMatch: c.may(r, "POST /staff/charity-pay/credits/{id}/recover")}
	b, err := c.CharityPay.Board(r.Context())
	if err != nil {
		return p, err
	}
	p.Payable, p.InFlight, p.Free = b.Available.Payable.Format(l), b.Available.InFlight.Format(l), b.Available.Free().Format(l)
	keys := make([]string, 0, len(b.Available.BySource))
	for k, v := range b.Available.BySource {
		if v > 0 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		label, field, reqField := sourceLabel(l, k)
		p.Sources = append(p.Sources, web.CharitySourceRow{Label: label, Left: b.Available.BySource[k].Format(l), Field: field, RequestField: reqField})
	}
	for _, rc := range b.Recipients {
		p.Recipients = append(p.Recipients, web.CharityRecipientRow{ID: rc.ID, Name: rc.Name, CreditCode: rc.CreditCode,
			Certificate: rc.CertificateRef, BankName: rc.BankName, Masked: rc.Masked, Since: site.Day(rc.CreatedAt), Active: rc.Active})
	}
	for i := len(b.Transfers) - 1; i >= 0; i-- {
		t := b.Transfers[i]
		row := web.CharityStaffTransferRow{ID: t.ID, Recipient: t.RecipientName, Amount: t.Amount.Format(l), State: string(t.State),
			BankID: t.TransferID, Note: t.Note, Created: site.Minute(t.CreatedAt), Reason: t.Reason}
		for _, s := range t.Sources {
			if s.Kind == charitypay.SourceRefund {
				row.Sources = append(row.Sources, i18n.T(l, "charity.source.refund", s.RequestID, s.Period, s.Amount.Format(l)))
			} else {
				row.Sources = append(row.Sources, i18n.T(l, "charity.source.interest", s.Period, s.Amount.Format(l)))
			}
		}
		p.Transfers = append(p.Transfers, row)
	}
	if c.Reconcile != nil {
		ds, err := c.Reconcile.Differences(r.Context(), true)
		if err != nil {
			return p, err
		}
		for _, d := range ds {
			if d.Kind != reconcile.Extra || d.Source != reconcile.FromStatement || d.LineKey == "" || d.Other == nil || *d.Other <= 0 {
				continue
			}
			p.Credits = append(p.Credits, web.UnmatchedCreditRow{ID: d.ID, LineKey: d.LineKey, Amount: d.Other.Format(l),
				Reference: d.Reference, Detail: d.Detail, Created: site.Minute(d.CreatedAt)})
		}
	}
	return p, nil
}

// proposeRecipient proposes a charitable organisation.
func (c *Console) proposeRecipient(w http.ResponseWriter, r *http.Request) error {
	values, err := site.Posted(r, recipientFields...)
	if err != nil {
		return err
	}
	d := charitypay.Draft{Name: values["name"], CreditCode: values["credit_code"], CertificateRef: values["certificate"],
		BankName: values["bank_name"], Account: values["account"], Reason: values["reason"]}
	err = c.Auditor.Act(r, "charity_recipient:new", "", func(rec audit.Record) error {
		_, err := c.CharityPay.ProposeRecipient(r.Context(), rec, *me(r), d)
		return err
	})
	if err != nil {
		delete(values, "account")
		return reshow(c, w, r, err, values, func(f web.Form) (web.StaffCharityPay, error) {
			p, err := c.charityPayView(r)
			p.NewRecipient = f
			return p, err
		})
	}
	return site.Redirect(w, r, "/staff/charity-pay?done=recipient")
}

// proposeCharityTransfer proposes a transfer from the amounts typed per
// source.
func (c *Console) proposeCharityTransfer(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return apperr.New(apperr.Invalid, "error.form")
	}
	values := map[string]string{}
	var p charitypay.Proposal
	bad := false
	for k, vs := range r.PostForm {
		if len(vs) != 1 || len(k) > 80 {
			continue
		}
		v := strings.TrimSpace(vs[0])
		values[k] = v
		key, ok := strings.CutPrefix(k, "amount:")
		if !ok || v == "" {
			continue
		}
		amount, err := money.Parse(v)
		kind, period, _ := strings.Cut(key, "/")
		if err != nil {
			bad = true
			continue
		}
		src := charitypay.Source{Kind: kind, Period: period, Amount: amount}
		if kind == charitypay.SourceRefund {
			src.RequestID, _ = strconv.ParseInt(strings.TrimSpace(r.PostForm.Get("request:"+period)), 10, 64)
		}
		p.Sources = append(p.Sources, src)
		p.Amount += amount
	}
	sort.Slice(p.Sources, func(i, j int) bool {
		return p.Sources[i].Kind+p.Sources[i].Period < p.Sources[j].Kind+p.Sources[j].Period
	})
	p.RecipientID, _ = strconv.ParseInt(values["recipient"], 10, 64)
	p.Note = values["note"]
	var err error
	if bad {
		err = &apperr.Error{Code: apperr.Invalid, Key: "charitypay.invalid", Fields: []apperr.FieldError{{Field: "sources", Key: "charitypay.sources_invalid"}}}
	} else {
		err = c.Auditor.Act(r, "charity_transfer:new", "", func(rec audit.Record) error {
			_, err := c.CharityPay.Propose(r.Context(), rec, *me(r), p)
			return err
		})
	}
	if err != nil {
		return reshow(c, w, r, err, values, func(f web.Form) (web.StaffCharityPay, error) {
			v, err := c.charityPayView(r)
			v.NewTransfer = f
			return v, err
		})
	}
	return site.Redirect(w, r, "/staff/charity-pay?done=transfer")
}

// matchRecovery matches unknown credit {id} to the request typed.
func (c *Console) matchRecovery(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	values, err := site.Posted(r, "request", "reason")
	if err != nil {
		return err
	}
	requestID, perr := strconv.ParseInt(values["request"], 10, 64)
	if perr != nil || requestID <= 0 {
		err = &apperr.Error{Code: apperr.Invalid, Key: "charitypay.invalid", Fields: []apperr.FieldError{{Field: "request", Key: "reconcile.recovery_nothing_outstanding"}}}
	} else {
		err = c.Auditor.Act(r, "reconcile_difference:"+strconv.FormatInt(id, 10), "", func(rec audit.Record) error {
			_, err := c.Reconcile.MatchRecovery(r.Context(), rec, id, *me(r), requestID, values["reason"])
			return err
		})
	}
	if err != nil {
		return reshow(c, w, r, err, values, func(f web.Form) (web.StaffCharityPay, error) {
			v, err := c.charityPayView(r)
			v.MatchFailed, v.MatchForm = id, f
			return v, err
		})
	}
	return site.Redirect(w, r, "/staff/charity-pay?done=matched")
}

// charityPaySummary says in words what a charity proposal would do, from
// its payload (which holds the masked number only).
func charityPaySummary(l i18n.Lang, p staff.Proposal) (string, bool) {
	switch p.Kind {
	case staff.KindCharityRecipient:
		var ch charitypay.RecipientChange
		if json.Unmarshal(p.Payload, &ch) != nil {
			return "", false
		}
		if ch.Action == charitypay.ActionDeactivate {
			return i18n.T(l, "charitypay.summary.deactivate", ch.Name, ch.CreditCode), true
		}
		return i18n.T(l, "charitypay.summary.recipient", ch.Name, ch.CreditCode, ch.Masked), true
	case staff.KindCharityTransfer:
		var t struct {
			Recipient  string    `json:"recipient"`
			CreditCode string    `json:"credit_code"`
			Amount     money.Fen `json:"amount"`
		}
		if json.Unmarshal(p.Payload, &t) != nil {
			return "", false
		}
		return i18n.T(l, "charitypay.summary.transfer", t.Recipient, t.CreditCode, t.Amount.Format(l)), true
	}
	return "", false
}
