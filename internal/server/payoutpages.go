package server

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payout"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/upload"
	"github.com/carefund/carefund/internal/web"
)

// The publisher's payout pages (拨付): the application form, which shows
// first the mode that applies and why (R-DISB-3), what the request holds
// and what may be applied for, then the payee (R-DISB-2) and its documents;
// and the page of one application with the R-DISB-1 clocks, the finance
// officer's question or reason, the answer and the usage updates (R-DISB-4).
// The account is shown masked only. A refused form comes back with
// everything typed and each message next to its field; an upload on the
// same form keeps what was typed too. The rules are package payout's.

// payoutFields are the application form's fields, kept to show it again.
var payoutFields = []string{"key", "amount", "purpose", "payee", "hospital", "payee_name", "payee_relationship",
	"payee_designation", "bank_name", "account_number", "batch", "kind"}

// newFormKey returns the idempotency key of a new application form: the
// same form sent twice files one application.
func newFormKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// materialIDs reads the ticked documents; one that is not a number
// matches no document and is refused by the service.
func materialIDs(typed []string) []int64 {
	var ids []int64
	for _, t := range typed {
		id, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64)
		if err != nil {
			id = -1
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// documentRows are the request's documents, those in checked ticked.
func documentRows(docs []material.Material, checked []int64) []web.DocumentRow {
	var out []web.DocumentRow
	for _, m := range docs {
		out = append(out, web.DocumentRow{ID: m.ID, KindKey: m.Kind.NameKey(), Uploaded: minute(m.UploadedAt),
			Reviewed: !m.ReviewedAt.IsZero(), Published: !m.PublishedAt.IsZero(), Checked: slices.Contains(checked, m.ID)})
	}
	return out
}

func documentKinds() []web.Option {
	var out []web.Option
	for _, k := range payout.DocumentKinds {
		out = append(out, web.Option{Value: string(k), Key: k.NameKey()})
	}
	return out
}

// modeText is the mode's reason and the disclosure gaps that restrict it,
// in lang.
func modeText(lang i18n.Lang, d payout.ModeDecision) (string, []string) {
	var gaps []string
	for _, t := range d.Gaps.OpenTopics {
		gaps = append(gaps, i18n.T(lang, "payoutpages.gap.topic", i18n.T(lang, t.QuestionKey())))
	}
	for _, k := range d.Gaps.Materials {
		gaps = append(gaps, i18n.T(lang, "payoutpages.gap.material", i18n.T(lang, material.Kind(k).NameKey())))
	}
	return i18n.T(lang, d.Key, d.Args...), gaps
}

// refusalOf is a refusal in lang, "" for nil.
func refusalOf(lang i18n.Lang, err error) string {
	if e := apperr.As(err); e != nil {
		return i18n.T(lang, e.Key, e.Args...)
	}
	return ""
}

// payoutFormView is the application form of request id for user, with f
// and the documents in checked ticked.
func (s *Server) payoutFormView(r *http.Request, user, id int64, f web.Form, checked []int64) (web.PayoutForm, error) {
	ctx, lang := r.Context(), s.lang(r)
	o, err := s.payouts.Options(ctx, user, id)
	if err != nil {
		return web.PayoutForm{}, err
	}
	docs, err := s.payouts.Documents(ctx, user, id)
	if err != nil {
		return web.PayoutForm{}, err
	}
	p := web.PayoutForm{RequestID: id, ModeKey: o.Mode.Mode.NameKey(), Restricted: o.Mode.Mode == payout.HospitalOrBatches,
		Raised: o.Raised.Format(lang), Held: o.Held.Format(lang), InProgress: o.InProgress.Format(lang),
		Available: o.Available.Format(lang), Blocked: refusalOf(lang, o.Blocked), Documents: documentRows(docs, checked),
		DocumentKinds: documentKinds(), MaxUpload: upload.MaxSize >> 20, Form: f, Key: f.Value("key")}
	p.Reason, p.Gaps = modeText(lang, o.Mode)
	for _, k := range o.PayeeKinds {
		p.PayeeKinds = append(p.PayeeKinds, web.Option{Value: string(k), Key: k.NameKey()})
	}
	for _, rel := range campaign.Relationships {
		if payout.CloseRelative(rel) {
			p.Relationships = append(p.Relationships, web.Option{Value: string(rel), Key: rel.NameKey()})
		}
	}
	for _, d := range []payout.Designator{payout.ByRequester, payout.ByGuardian} {
		p.Designators = append(p.Designators, web.Option{Value: string(d), Key: "payoutpages.designator." + string(d)})
	}
	for _, h := range o.Hospitals {
		p.Hospitals = append(p.Hospitals, web.HospitalOption{ID: h.ID, Name: h.Name, BankName: h.BankName, AccountMasked: h.AccountMasked})
	}
	if p.Key == "" {
		p.Key = newFormKey()
	}
	return p, nil
}

// payoutForm shows the application form of the publisher's request.
func (s *Server) payoutForm(w http.ResponseWriter, r *http.Request) error {
	user, id, err := own(r)
	if err != nil {
		return err
	}
	p, err := s.payoutFormView(r, user, id, web.Form{Values: map[string]string{}}, nil)
	if err != nil {
		return err
	}
	return s.render(w, r, p)
}

// applicationOf reads the application form's values; an amount that does
// not parse is reported on its field.
func applicationOf(requestID int64, v map[string]string, materials []int64) (payout.Application, []apperr.FieldError) {
	a := payout.Application{RequestID: requestID, Key: v["key"], Purpose: v["purpose"], Payee: payout.PayeeKind(v["payee"]),
		PayeeName: v["payee_name"], Relationship: campaign.Relationship(v["payee_relationship"]),
		DesignatedBy: payout.Designator(v["payee_designation"]), BankName: v["bank_name"], AccountNumber: v["account_number"],
		Materials: materials, Batch: v["batch"] == "1"}
	var errs []apperr.FieldError
	fen, err := money.Parse(strings.TrimSpace(v["amount"]))
	if e := apperr.As(err); e != nil {
		errs = append(errs, apperr.FieldError{Field: "amount", Key: e.Key})
	} else if err != nil {
		errs = append(errs, apperr.FieldError{Field: "amount", Key: "money.syntax"})
	}
	a.Amount = fen
	if h := strings.TrimSpace(v["hospital"]); h != "" {
		a.HospitalID, _ = strconv.ParseInt(h, 10, 64)
	}
	return a, errs
}

// uploadDocument stores the form's file as a document of request id.
func (s *Server) uploadDocument(r *http.Request, user, id int64) (material.Material, error) {
	file, _, err := r.FormFile("file")
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) {
		return material.Material{}, &apperr.Error{Code: apperr.Invalid, Key: keyFileRequired, Fields: []apperr.FieldError{{Field: "file", Key: keyFileRequired}}}
	}
	if err != nil {
		return material.Material{}, badForm(err)
	}
	defer file.Close()
	return s.payouts.AddDocument(r.Context(), user, id, material.Kind(r.PostFormValue("kind")), file)
}

// postedValues reads fields of a parsed form, each within n characters.
func postedValues(r *http.Request, fields []string, n int) map[string]string {
	v := make(map[string]string, len(fields))
	for _, k := range fields {
		v[k] = limit(r.PostFormValue(k), n)
	}
	return v
}

// applyPayout files the application, or stores the document the form's
// upload button sent and shows the form again, all typed kept and the new
// document ticked.
func (s *Server) applyPayout(w http.ResponseWriter, r *http.Request) error {
	if err := parseAnyForm(r); err != nil {
		return err
	}
	user, id, err := own(r)
	if err != nil {
		return err
	}
	values := postedValues(r, payoutFields, 2000)
	checked := materialIDs(r.PostForm["material"])
	view := func(f web.Form) (web.PayoutForm, error) { return s.payoutFormView(r, user, id, f, checked) }
	if r.PostFormValue("upload") != "" {
		m, err := s.uploadDocument(r, user, id)
		if err != nil {
			return reshow(s, w, r, err, values, view)
		}
		checked = append(checked, m.ID)
		p, err := view(web.Form{Values: values})
		if err != nil {
			return err
		}
		p.Notice = i18n.T(s.lang(r), "payoutpages.done.uploaded")
		return s.render(w, r, p)
	}
	a, errs := applicationOf(id, values, checked)
	if len(errs) > 0 {
		return reshow(s, w, r, &apperr.Error{Code: apperr.Invalid, Key: payout.KeyInvalid, Fields: errs}, values, view)
	}
	p, err := s.payouts.Apply(r.Context(), user, a)
	if err != nil {
		return reshow(s, w, r, err, values, view)
	}
	http.Redirect(w, r, payoutPath(p.ID)+"?done=applied", http.StatusSeeOther)
	return nil
}

func payoutPath(id int64) string { return "/my/payouts/" + strconv.FormatInt(id, 10) }

// usageOverdue reports whether p's usage update is overdue at now: paid,
// due, and none posted (R-DISB-4).
func (s *Server) usageOverdue(p payout.Payout) bool {
	return p.State == payout.Paid && !p.UsageDue.IsZero() && !s.now().Before(p.UsageDue) && len(p.Usage) == 0
}

// payoutStatusView is application id as its publisher sees it.
func (s *Server) payoutStatusView(r *http.Request, user, id int64, f web.Form, checked []int64) (web.PayoutStatus, error) {
	ctx, lang := r.Context(), s.lang(r)
	p, err := s.payouts.Get(ctx, user, id)
	if err != nil {
		return web.PayoutStatus{}, err
	}
	v := web.PayoutStatus{ID: p.ID, RequestID: p.RequestID, StateKey: p.State.NameKey(), Amount: p.Amount.Format(lang),
		Purpose: p.Purpose, PayeeKey: p.Payee.NameKey(), Hospital: p.HospitalName, BankName: p.BankName,
		AccountMasked: p.AccountMasked, Batch: p.Batch, Submitted: minute(p.CreatedAt), Question: p.Question,
		Reason: p.Reason, CanAnswer: p.State == payout.NeedsInfo, CanPostUsage: p.State == payout.Paid,
		UsageOverdue: s.usageOverdue(p), MaxUpload: upload.MaxSize >> 20, DocumentKinds: documentKinds(), Form: f}
	if p.State != payout.NeedsInfo {
		v.Question = ""
	}
	if !p.ReviewDue.IsZero() {
		v.ReviewDue = minute(p.ReviewDue)
	}
	if !p.PaymentDue.IsZero() {
		v.PaymentDue = minute(p.PaymentDue)
	}
	if !p.PaidAt.IsZero() {
		v.Paid = minute(p.PaidAt)
	}
	if !p.UsageDue.IsZero() {
		v.UsageDue = day(p.UsageDue)
	}
	for _, u := range p.Usage {
		v.Usage = append(v.Usage, web.UsageRow{At: minute(u.At), Text: u.Text, Receipts: u.Receipts})
	}
	if v.CanAnswer || v.CanPostUsage {
		docs, err := s.payouts.Documents(ctx, user, p.RequestID)
		if err != nil {
			return web.PayoutStatus{}, err
		}
		v.Documents = documentRows(docs, checked)
	}
	return v, nil
}

// myPayout shows one of the publisher's applications.
func (s *Server) myPayout(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	p, err := s.payoutStatusView(r, callerOf(r).user.Subject, id, web.Form{}, nil)
	if err != nil {
		return err
	}
	if d := doneOf(r); d != "" && i18n.Has("payoutpages.done."+d) {
		p.Notice = i18n.T(s.lang(r), "payoutpages.done."+d)
	}
	return s.render(w, r, p)
}

// payoutStep runs the answer or the usage update of the application of
// the path: the upload button stores a document and shows the page again
// with the text kept and the document ticked; the other sends text and the
// ticked documents to fn.
func (s *Server) payoutStep(w http.ResponseWriter, r *http.Request, done string,
	fn func(user, id int64, text string, materials []int64) error) error {
	if err := parseAnyForm(r); err != nil {
		return err
	}
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	user := callerOf(r).user.Subject
	values := postedValues(r, []string{"text", "kind"}, payout.MaxText+100)
	checked := materialIDs(r.PostForm["material"])
	view := func(f web.Form) (web.PayoutStatus, error) { return s.payoutStatusView(r, user, id, f, checked) }
	if r.PostFormValue("upload") != "" {
		p, err := s.payouts.Get(r.Context(), user, id)
		if err != nil {
			return err
		}
		m, err := s.uploadDocument(r, user, p.RequestID)
		if err != nil {
			return reshow(s, w, r, err, values, view)
		}
		checked = append(checked, m.ID)
		pg, err := view(web.Form{Values: values})
		if err != nil {
			return err
		}
		pg.Notice = i18n.T(s.lang(r), "payoutpages.done.uploaded")
		return s.render(w, r, pg)
	}
	if err := fn(user, id, values["text"], checked); err != nil {
		return reshow(s, w, r, err, values, view)
	}
	http.Redirect(w, r, payoutPath(id)+"?done="+done, http.StatusSeeOther)
	return nil
}

// answerPayout answers the finance officer's question; the review clock
// runs again (R-DISB-1).
func (s *Server) answerPayout(w http.ResponseWriter, r *http.Request) error {
	return s.payoutStep(w, r, "answered", func(user, id int64, text string, materials []int64) error {
		return s.payouts.Answer(r.Context(), user, id, text, materials)
	})
}

// postPayoutUsage posts a usage update with its receipts; it is public
// (R-DISB-4).
func (s *Server) postPayoutUsage(w http.ResponseWriter, r *http.Request) error {
	return s.payoutStep(w, r, "usage", func(user, id int64, text string, materials []int64) error {
		return s.payouts.PostUsage(r.Context(), user, id, payout.Usage{Text: text, Receipts: materials})
	})
}

// withPayouts adds to a published request's page, as user sees it, its
// applications and, while it may still pay out, the way to apply.
func (s *Server) withPayouts(r *http.Request, p *web.RequestStatus, user int64) error {
	if s.payouts == nil || !p.Published {
		return nil
	}
	list, err := s.payouts.Mine(r.Context(), user, p.ID)
	if err != nil {
		return err
	}
	lang := s.lang(r)
	for _, x := range list {
		p.Payouts = append(p.Payouts, web.PayoutRow{ID: x.ID, At: minute(x.CreatedAt), Amount: x.Amount.Format(lang),
			StateKey: x.State.NameKey(), ToKey: payout.ToKey(x.Payee), Hospital: x.HospitalName})
	}
	p.CanPay = p.CanUpdate
	return nil
}

// publicPayoutList is the request's payouts as the public may see them:
// never an account number nor a name (R-DISB-2, R-PII-1).
func (s *Server) publicPayoutList(r *http.Request, id int64) ([]payout.PublicPayout, error) {
	if s.payouts == nil {
		return nil, nil
	}
	return s.payouts.Public(r.Context(), id)
}

// publicPayoutViews are the payouts as the request's public page shows
// them.
func publicPayoutViews(lang i18n.Lang, list []payout.PublicPayout) []web.PublicPayoutView {
	var out []web.PublicPayoutView
	for _, p := range list {
		v := web.PublicPayoutView{Date: day(p.Date), Amount: p.Amount.Format(lang), StateKey: p.State.NameKey(),
			ToKey: p.ToKey, Hospital: p.Hospital, ExpenseList: p.ExpenseList}
		for _, u := range p.Usage {
			v.Usage = append(v.Usage, web.UsageRow{At: day(u.At), Text: u.Text, Receipts: u.Receipts})
		}
		out = append(out, v)
	}
	return out
}
