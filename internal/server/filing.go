package server

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/filing"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/upload"
	"github.com/carefund/carefund/internal/web"
)

// The publisher's own requests for help: the filing form, saved as it is
// typed (R-REQ-1, R-REQ-2), its supporting materials (R-REQ-3), submission
// with the machine screen (R-REV-1) and the charity referral (R-REQ-7), and,
// once published, closing (R-PUB-4), one extension and progress updates.
//
// Every button of the filing form saves what was typed first, so nothing
// typed is lost to a refused upload or a failed submission: those handlers
// call two use cases of package filing, the save and then the action, each
// in its own transaction. The use cases and their rules are package
// filing's; the handlers here read the form and show the pages.

// uploadBodyLimit bounds the body of the routes that take a file: the file,
// the rest of the filing form and the multipart framing.
const uploadBodyLimit = upload.MaxSize + 1<<20

// takesUpload reports whether a request may carry a file, and so a body
// over the usual limit: the filing form's POSTs, whose every button sends
// the whole multipart form.
func takesUpload(r *http.Request) bool {
	p := r.URL.Path
	return r.Method == http.MethodPost &&
		(strings.HasPrefix(p, "/my/requests/") || strings.HasPrefix(p, "/api/v1/my/requests/") || strings.HasPrefix(p, "/my/payouts/") ||
			strings.HasPrefix(p, "/staff/requests/") || strings.HasPrefix(p, "/staff/terminations/"))
}

// keyFileRequired is the message of an upload without a file.
const keyFileRequired = "filing.file_required"

// useRowsShown is how many empty lines of use the form offers after the
// filled ones.
const useRowsShown = 2

// deviceCookie holds a random identifier of the browser, so that requests
// filed by different people from one browser are linked in the machine
// screen's relationship network (R-RISK-1). Only its blind index is stored.
const deviceCookie = "cf_device"

// ensureDevice gives the browser a device identifier if it has none.
func (s *Server) ensureDevice(w http.ResponseWriter, r *http.Request) {
	if len(cookieValue(r, deviceCookie)) == 22 {
		return
	}
	b := make([]byte, 16)
	rand.Read(b)
	http.SetCookie(w, &http.Cookie{Name: deviceCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/",
		MaxAge: 2 * 365 * 24 * 3600, HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
}

// deviceIndex returns the blind index of the browser's device identifier,
// or "" when it has none.
func (s *Server) deviceIndex(r *http.Request) string {
	v := cookieValue(r, deviceCookie)
	if len(v) != 22 {
		return ""
	}
	return s.vault.BlindIndex(campaign.DeviceIndexDomain, v)
}

// parseAnyForm parses a urlencoded or a multipart body.
func parseAnyForm(r *http.Request) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		if err := r.ParseMultipartForm(upload.MaxSize + 1<<20); err != nil {
			return badForm(err)
		}
		return nil
	}
	return form(r)
}

// own returns the signed-in publisher's user id and the request id of the
// path; a malformed id is NotFound.
func own(r *http.Request) (user, id int64, err error) {
	id, err = site.PathNumber(r, "id")
	return callerOf(r).user.Subject, id, err
}

// filingFromForm reads the filing form. Lines of use left wholly empty are
// dropped. An amount that does not parse is left out (zero) and reported
// on its field, with what was typed kept in values to show again; so is an
// answer the form does not offer. filing.KeepUnread keeps what was saved
// of either.
func filingFromForm(r *http.Request) (campaign.Filing, map[string]string, []apperr.FieldError) {
	v := func(name string, n int) string { return limit(r.PostFormValue(name), n) }
	f := campaign.Filing{
		Title:              v("title", 200),
		Relationship:       campaign.Relationship(v("relationship", 40)),
		RelationshipDetail: v("relationship_detail", 200),
		PatientName:        v("patient_name", 100),
		PatientID:          v("patient_id", 40),
		Diagnosis:          v("diagnosis", 800),
		HospitalName:       v("hospital_name", 400),
		HospitalCity:       v("hospital_city", 200),
		Story:              v("story", 20000),
		Truthful:           v("truthful", 10),
		Consent:            v("consent", 10),
		Disclosures:        map[campaign.Topic]campaign.Disclosure{},
	}
	values := map[string]string{}
	var errs []apperr.FieldError
	amount := func(field, typed string) money.Fen {
		typed = strings.TrimSpace(typed)
		if typed == "" {
			return 0
		}
		fen, err := money.Parse(typed)
		if err != nil {
			key := "money.syntax"
			if e := apperr.As(err); e != nil {
				key = e.Key
			}
			errs = append(errs, apperr.FieldError{Field: field, Key: key})
			return 0
		}
		return fen
	}
	f.Target = amount("target", v("target", 40))
	f.EstimatedCosts = amount("estimated_costs", v("estimated_costs", 40))
	for i := range campaign.MaxUseItems + useRowsShown {
		p := "use." + strconv.Itoa(i) + "."
		label, typed, note := v(p+"label", 200), v(p+"amount", 40), v(p+"note", 800)
		if strings.TrimSpace(label+typed+note) == "" {
			continue
		}
		n := "use." + strconv.Itoa(len(f.Use)) + "."
		f.Use = append(f.Use, campaign.UseItem{Label: label, Amount: amount(n+"amount", typed), Note: note})
		values[n+"amount"] = typed
	}
	for _, t := range campaign.Topics {
		p := "disclosure." + string(t)
		d := campaign.Disclosure{Detail: v(p+".detail", 2000)}
		switch r.PostFormValue(p) {
		case "yes":
			d.Answered, d.Yes = true, true
		case "no":
			d.Answered = true
		case "":
		default:
			// Not an answer the form offers: reported on its field, and
			// the draft keeps the answer saved before.
			errs = append(errs, apperr.FieldError{Field: p, Key: campaign.KeyAnswerInvalid})
		}
		if t.TakesAmount() {
			typed := v(p+".amount", 40)
			d.Amount = amount(p+".amount", typed)
			values[p+".amount"] = typed
		}
		f.Disclosures[t] = d
	}
	values["target"] = v("target", 40)
	values["estimated_costs"] = v("estimated_costs", 40)
	for k, val := range filingValues(f) {
		if _, typed := values[k]; !typed {
			values[k] = val
		}
	}
	return f, values, errs
}

// filingValues is a stored filing as the form shows it. The two checkboxes
// are never filled in: each submission ticks them anew (R-RULES-2).
func filingValues(f campaign.Filing) map[string]string {
	yuan := func(fen money.Fen) string {
		if fen == 0 {
			return ""
		}
		return fen.String()
	}
	values := map[string]string{
		"title": f.Title, "relationship": string(f.Relationship), "relationship_detail": f.RelationshipDetail,
		"patient_name": f.PatientName, "patient_id": f.PatientID, "diagnosis": f.Diagnosis,
		"hospital_name": f.HospitalName, "hospital_city": f.HospitalCity, "story": f.Story, "target": yuan(f.Target),
		"estimated_costs": yuan(f.EstimatedCosts),
	}
	for i, it := range f.Use {
		p := "use." + strconv.Itoa(i) + "."
		values[p+"label"], values[p+"amount"], values[p+"note"] = it.Label, yuan(it.Amount), it.Note
	}
	for t, d := range f.Disclosures {
		p := "disclosure." + string(t)
		switch {
		case d.Answered && d.Yes:
			values[p] = "yes"
		case d.Answered:
			values[p] = "no"
		}
		values[p+".detail"], values[p+".amount"] = d.Detail, yuan(d.Amount)
	}
	return values
}

// myRequests lists the publisher's requests.
func (s *Server) myRequests(w http.ResponseWriter, r *http.Request) error {
	s.ensureDevice(w, r)
	p, err := s.myRequestsView(r, web.Form{})
	if err != nil {
		return err
	}
	return s.render(w, r, p)
}

func (s *Server) myRequestsView(r *http.Request, f web.Form) (web.MyRequests, error) {
	mine, err := s.filing.Mine(r.Context(), callerOf(r).user.Subject)
	if err != nil {
		return web.MyRequests{}, err
	}
	p := web.MyRequests{Form: f, Verified: mine.Verified}
	for _, q := range mine.Requests {
		p.Requests = append(p.Requests, web.MyRequestRow{ID: q.ID, Title: q.Filing.Title, StateKey: q.State.NameKey(),
			Updated: q.UpdatedAt.In(chinaTime).Format("2006-01-02 15:04")})
	}
	return p, nil
}

// newRequest starts a draft.
func (s *Server) newRequest(w http.ResponseWriter, r *http.Request) error {
	req, err := s.filing.CreateDraft(r.Context(), callerOf(r).user.Subject, s.deviceIndex(r))
	if err != nil {
		return reshow(s, w, r, err, nil, func(f web.Form) (web.MyRequests, error) { return s.myRequestsView(r, f) })
	}
	http.Redirect(w, r, "/my/requests/"+strconv.FormatInt(req.ID, 10), http.StatusSeeOther)
	return nil
}

// myRequest shows a draft's form, or where a filed request is.
func (s *Server) myRequest(w http.ResponseWriter, r *http.Request) error {
	user, id, err := own(r)
	if err != nil {
		return err
	}
	pg, err := s.filing.Page(r.Context(), user, id)
	if err != nil {
		return err
	}
	lang := s.lang(r)
	if pg.Form != nil {
		s.ensureDevice(w, r)
		p := s.formView(r, *pg.Form, web.Form{Values: filingValues(pg.Form.Request.Filing)})
		switch doneOf(r) {
		case "saved":
			p.Saved = i18n.T(lang, "filing.saved")
		case "uploaded":
			p.Saved = i18n.T(lang, "filing.uploaded")
		case "withdrawn":
			p.Saved = i18n.T(lang, "filing.withdrawn")
		}
		return s.render(w, r, p)
	}
	p := s.statusView(r, *pg.Status, web.Form{})
	if err := s.withPayouts(r, &p, user); err != nil {
		return err
	}
	if err := s.withRefunds(r, &p, user); err != nil {
		return err
	}
	switch d := doneOf(r); d {
	case "refunding":
		p.Notice = i18n.T(lang, "refundui.done.rest")
	case "closed", "extended", "posted", "amended":
		p.Notice = i18n.T(lang, "filing.done."+d)
	case "unchanged":
		p.Notice = i18n.T(lang, "filing.amend.nothing")
	}
	return s.render(w, r, p)
}

// doneOf is the query's "done": the action the page follows, whose notice
// it shows.
func doneOf(r *http.Request) string {
	return site.Params(r).Get("done")
}

// formView is the filing form of v with f.
func (s *Server) formView(r *http.Request, v filing.Form, f web.Form) web.RequestForm {
	lang := s.lang(r)
	req := v.Request
	p := web.RequestForm{ID: req.ID, Revision: req.Revision, NeedsInfo: req.State == campaign.NeedsInfo,
		MaxUpload: upload.MaxSize >> 20, Form: f, Questions: v.Questions}
	for _, rel := range campaign.Relationships {
		p.Relationships = append(p.Relationships, web.Option{Value: string(rel), Key: rel.NameKey()})
	}
	for _, t := range campaign.Topics {
		row := web.TopicRow{Topic: string(t), QuestionKey: t.QuestionKey(), NeedsAmount: t.NeedsAmount()}
		if t.TakesAmount() {
			row.AmountKey = t.AmountKey()
		}
		p.Topics = append(p.Topics, row)
	}
	rows := min(max(len(req.Filing.Use), countUseValues(f.Values))+useRowsShown, campaign.MaxUseItems)
	for i := range max(rows, 3) {
		p.UseRows = append(p.UseRows, i)
	}
	for _, m := range v.Materials {
		p.Materials = append(p.Materials, web.MaterialRow{ID: m.ID, KindKey: m.Kind.NameKey(), Type: m.ContentType,
			Size: sizeText(m.Size), Uploaded: m.UploadedAt.In(chinaTime).Format("2006-01-02 15:04"), Reviewed: !m.ReviewedAt.IsZero()})
	}
	for _, k := range v.Kinds {
		p.Kinds = append(p.Kinds, web.KindRow{Kind: string(k.Kind), NameKey: k.Kind.NameKey(), HintKey: k.Kind.HintKey(),
			Required: k.Required, Have: k.Have})
	}
	for _, rv := range v.Rules {
		p.Rules = append(p.Rules, ruleLink(lang, rv))
	}
	return p
}

// countUseValues returns one past the highest line of use with a value.
func countUseValues(values map[string]string) int {
	n := 0
	for k, v := range values {
		if !strings.HasPrefix(k, "use.") || v == "" {
			continue
		}
		rest := strings.TrimPrefix(k, "use.")
		if i, err := strconv.Atoi(rest[:max(strings.IndexByte(rest, '.'), 0)]); err == nil {
			n = max(n, i+1)
		}
	}
	return n
}

// sizeText says how big a file is, in KB or MB.
func sizeText(n int) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d KB", max(1, (n+512)>>10))
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

// saved is the outcome of saving the filing form.
type saved struct {
	req    campaign.Request
	values map[string]string
	errs   []apperr.FieldError // what could not be read; the rest is saved
}

// refusal returns what could not be read as one Invalid error, or nil.
func (sv saved) refusal() error {
	if len(sv.errs) == 0 {
		return nil
	}
	return &apperr.Error{Code: apperr.Invalid, Key: campaign.KeyInvalid, Fields: sv.errs}
}

// saveForm saves what the filing form sent as the draft, from the revision
// the form showed.
func (s *Server) saveForm(r *http.Request) (saved, error) {
	if err := parseAnyForm(r); err != nil {
		return saved{}, err
	}
	revision, err := strconv.Atoi(r.PostFormValue("revision"))
	if err != nil {
		return saved{}, apperr.New(apperr.Invalid, "")
	}
	user, id, err := own(r)
	if err != nil {
		return saved{}, err
	}
	f, values, errs := filingFromForm(r)
	sv := saved{values: values, errs: errs}
	sv.req, err = s.filing.SaveDraft(r.Context(), user, id, filing.Draft{Revision: revision, Filing: f, Unread: errs, Device: s.deviceIndex(r)})
	return sv, err
}

// refuseForm shows the filing form again with what was typed and the
// messages; a request no longer editable shows where it is instead.
func (s *Server) refuseForm(w http.ResponseWriter, r *http.Request, refusal error, values map[string]string) error {
	user, id, err := own(r)
	if err != nil {
		return err
	}
	pg, err := s.filing.Page(r.Context(), user, id)
	if err != nil {
		return err
	}
	if pg.Status != nil {
		return reshow(s, w, r, refusal, nil, func(f web.Form) (web.RequestStatus, error) { return s.statusView(r, *pg.Status, f), nil })
	}
	if values == nil {
		values = filingValues(pg.Form.Request.Filing)
	}
	return reshow(s, w, r, refusal, values, func(f web.Form) (web.RequestForm, error) { return s.formView(r, *pg.Form, f), nil })
}

// wantsJSON reports whether the page's script asked: it saves as the
// publisher types and wants the new revision, not a page.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// saveRequest saves the draft: the form's "save" button, and the page's
// script as the publisher types.
func (s *Server) saveRequest(w http.ResponseWriter, r *http.Request) error {
	sv, err := s.saveForm(r)
	if wantsJSON(r) {
		if err != nil {
			return err
		}
		out := map[string]any{"revision": sv.req.Revision, "saved": s.now().In(chinaTime).Format("15:04:05")}
		if len(sv.errs) > 0 {
			out["errors"] = fieldMessages(s.lang(r), sv.errs)
		}
		return writeJSON(w, http.StatusOK, out)
	}
	if err == nil {
		err = sv.refusal()
	}
	if err != nil {
		return s.refuseForm(w, r, err, sv.values)
	}
	http.Redirect(w, r, "/my/requests/"+strconv.FormatInt(sv.req.ID, 10)+"?done=saved", http.StatusSeeOther)
	return nil
}

// fieldMessages maps fields to their messages in lang.
func fieldMessages(lang i18n.Lang, errs []apperr.FieldError) map[string]string {
	out := map[string]string{}
	for _, e := range errs {
		out[e.Field] = i18n.T(lang, e.Key, e.Args...)
	}
	return out
}

// submitRequest saves the form and submits it: every missing field and
// document is reported at once (R-REQ-1, R-REQ-2, R-REQ-3), the consents
// and the truthfulness declaration are recorded (R-RULES-2, R-RULES-4), and
// the machine screen runs (R-REV-1). A second press finds the request
// already submitted and says so. What was typed is saved first, so that a
// refused submission loses none of it.
func (s *Server) submitRequest(w http.ResponseWriter, r *http.Request) error {
	sv, err := s.saveForm(r)
	if err == nil {
		_, err = s.filing.Submit(r.Context(), sv.req.PublisherUserID, sv.req.ID, filing.Submission{
			Revision: sv.req.Revision, Rules: ruleIDs(r.PostForm["rule"]), Unread: sv.errs, Source: remoteIP(r)})
	}
	if err != nil {
		return s.refuseForm(w, r, err, sv.values)
	}
	http.Redirect(w, r, "/my/requests/"+strconv.FormatInt(sv.req.ID, 10)+"/submitted", http.StatusSeeOther)
	return nil
}

// ruleIDs reads the ids of the rules versions a form showed; one that is
// not a number matches no version.
func ruleIDs(typed []string) []int64 {
	var ids []int64
	for _, t := range typed {
		if id, err := strconv.ParseInt(t, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// requestSubmitted says what happens next and suggests charitable
// organisations that could help too (R-REQ-7).
func (s *Server) requestSubmitted(w http.ResponseWriter, r *http.Request) error {
	user, id, err := own(r)
	if err != nil {
		return err
	}
	req, orgs, err := s.filing.Submitted(r.Context(), user, id)
	if err != nil {
		return err
	}
	p := web.RequestSubmitted{ID: req.ID, StateKey: req.State.NameKey()}
	for _, o := range orgs {
		p.Charities = append(p.Charities, web.ReferralRow{Name: o.Name, Summary: o.Summary, URL: o.URL, Demo: o.IsDemo()})
	}
	return s.render(w, r, p)
}

// uploadMaterial saves the form, then stores the chosen file: checked by
// its content, stripped of metadata and sealed (R-REQ-3, R-PII-1).
func (s *Server) uploadMaterial(w http.ResponseWriter, r *http.Request) error {
	sv, err := s.saveForm(r)
	if err == nil {
		_, err = s.addMaterial(r)
	}
	if err == nil {
		err = sv.refusal()
	}
	if err != nil {
		return s.refuseForm(w, r, err, sv.values)
	}
	http.Redirect(w, r, "/my/requests/"+strconv.FormatInt(sv.req.ID, 10)+"?done=uploaded#materials", http.StatusSeeOther)
	return nil
}

// addMaterial stores the multipart form's file as material of the
// publisher's request named by the path.
func (s *Server) addMaterial(r *http.Request) (material.Material, error) {
	user, id, err := own(r)
	if err != nil {
		return material.Material{}, err
	}
	kind := material.Kind(r.PostFormValue("kind"))
	file, _, err := r.FormFile("file")
	if errors.Is(err, http.ErrMissingFile) {
		return material.Material{}, &apperr.Error{Code: apperr.Invalid, Key: keyFileRequired, Fields: []apperr.FieldError{{Field: "file", Key: keyFileRequired}}}
	}
	if err != nil {
		return material.Material{}, badForm(err)
	}
	defer file.Close()
	return s.filing.AddMaterial(r.Context(), user, id, kind, file, callerOf(r).user.Actor())
}

// ownMaterial sends the publisher one of their own documents; the view is
// in the audit log (R-PII-1).
func (s *Server) ownMaterial(w http.ResponseWriter, r *http.Request) error {
	user, id, err := own(r)
	if err != nil {
		return err
	}
	mid, err := site.PathNumber(r, "mid")
	if err != nil {
		return err
	}
	rec := s.record(r, "pii.view.own_material", "material:"+strconv.FormatInt(mid, 10), "request:"+strconv.FormatInt(id, 10), nil)
	m, content, err := s.filing.OwnMaterial(r.Context(), user, id, mid, rec)
	if err != nil {
		return err
	}
	return site.SendMaterial(w, m, content)
}

// withdrawMaterial saves the form and withdraws a document uploaded by
// mistake; it is kept, but no longer counts or shows.
func (s *Server) withdrawMaterial(w http.ResponseWriter, r *http.Request) error {
	sv, err := s.saveForm(r)
	if err == nil {
		var mid int64
		if mid, err = site.PathNumber(r, "mid"); err == nil {
			err = s.filing.WithdrawMaterial(r.Context(), sv.req.PublisherUserID, sv.req.ID, mid, callerOf(r).user.Actor())
		}
	}
	if err == nil {
		err = sv.refusal()
	}
	if err != nil {
		return s.refuseForm(w, r, err, sv.values)
	}
	http.Redirect(w, r, "/my/requests/"+strconv.FormatInt(sv.req.ID, 10)+"?done=withdrawn#materials", http.StatusSeeOther)
	return nil
}

// statusView is the page of a filed request.
func (s *Server) statusView(r *http.Request, v filing.Status, f web.Form) web.RequestStatus {
	lang := s.lang(r)
	req := v.Request
	p := web.RequestStatus{ID: req.ID, Title: req.Filing.Title, StateKey: req.State.NameKey(), Form: f}
	switch req.State {
	case campaign.Rejected:
		if v.Rejection != nil {
			p.Reason = i18n.T(lang, "filing.status.rejected", v.Rejection.Text)
		} else {
			p.Reason = i18n.T(lang, "filing.status.screened_out")
		}
	case campaign.Approved, campaign.Fundraising, campaign.Closed, campaign.Settling, campaign.Completed:
		p.Published = true
		p.CanUpdate = req.State != campaign.Completed
		p.CanClose = campaign.Amendable(req.State)
		p.CanAmend = campaign.Amendable(req.State)
		if ch := v.Channel; ch != nil {
			// What it raised and where that came from.
			p.Support = supportView(lang, req, v.Support)
			if ch.Closed {
				p.Reason = i18n.T(lang, ch.Closing.PublicKey())
			} else {
				p.Deadline = ch.Deadline.In(chinaTime).Format("2006-01-02 15:04")
				p.CanExtend = campaign.CanExtend(ch.Extensions) && req.State == campaign.Fundraising
			}
		}
		for _, u := range v.Updates {
			p.Updates = append(p.Updates, web.UpdateRow{At: u.PostedAt.In(chinaTime).Format("2006-01-02 15:04"),
				Body: u.Body, TakenDown: u.TakenDown, Reason: u.TakedownReason})
		}
	}
	for _, c := range campaign.PublisherCloseReasons {
		p.Closings = append(p.Closings, web.Option{Value: string(c), Key: "filing.close." + string(c)})
	}
	for _, c := range campaign.GoneCauses {
		p.Causes = append(p.Causes, web.Option{Value: string(c), Key: "filing.cause." + string(c)})
	}
	return p
}

// supportView is what the publisher's request raised and where it came
// from: each share link (theirs is "your share", another signed-in
// sharer's masked phone number), and the donations by no link. It is nil
// before the channel opened.
func supportView(lang i18n.Lang, req campaign.Request, sup *filing.Support) *web.SupportView {
	if sup == nil {
		return nil
	}
	src := sup.Sources
	v := &web.SupportView{Raised: sup.Raised.Format(lang), Target: req.Filing.Target.Format(lang), Donors: sup.Donors, More: src.More,
		Direct: web.SourceRow{Sharer: i18n.T(lang, "support.direct"), Donations: src.Direct.Donations,
			Raised: src.Direct.Raised.Format(lang)}}
	for _, sh := range src.Shares {
		row := web.SourceRow{Visits: sh.Visits, Donations: sh.Donations, Raised: sh.Raised.Format(lang)}
		switch sh.SharerUserID {
		case 0:
			row.Sharer = i18n.T(lang, "support.guest")
		case req.PublisherUserID:
			row.Sharer = i18n.T(lang, "support.you")
		default:
			row.Sharer = i18n.T(lang, "support.sharer", sup.Sharers[sh.SharerUserID])
		}
		v.Sources = append(v.Sources, row)
	}
	return v
}

// published runs one action on the publisher's published request and goes
// back to its page, or shows the page again with the refusal.
func (s *Server) published(w http.ResponseWriter, r *http.Request, done string, values map[string]string,
	action func(user, id int64) error) error {
	user, id, err := own(r)
	if err != nil {
		return err
	}
	if err := action(user, id); err != nil {
		st, rerr := s.filing.Status(r.Context(), user, id)
		if rerr != nil {
			return rerr
		}
		return reshow(s, w, r, err, values, func(f web.Form) (web.RequestStatus, error) {
			p := s.statusView(r, st, f)
			return p, s.withPayouts(r, &p, user)
		})
	}
	http.Redirect(w, r, "/my/requests/"+strconv.FormatInt(id, 10)+"?done="+done, http.StatusSeeOther)
	return nil
}

// closeOwnRequest closes the publisher's channel: the purpose is achieved
// or gone, or they no longer want it (R-PUB-4). The reason is public.
func (s *Server) closeOwnRequest(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return err
	}
	c := campaign.Closing{Reason: campaign.CloseReason(r.PostFormValue("reason")), Cause: campaign.GoneCause(r.PostFormValue("cause"))}
	if c.Reason != campaign.PurposeGone {
		c.Cause = "" // the cause is asked only when the purpose is gone
	}
	note := limit(r.PostFormValue("note"), 800)
	values := map[string]string{"reason": string(c.Reason), "cause": string(c.Cause), "note": note}
	return s.published(w, r, "closed", values, func(user, id int64) error {
		return s.filing.Close(r.Context(), user, id, c, note, callerOf(r).user.Actor())
	})
}

// extendOwnRequest extends the fundraising period once (R-PUB-4).
func (s *Server) extendOwnRequest(w http.ResponseWriter, r *http.Request) error {
	return s.published(w, r, "extended", nil, func(user, id int64) error {
		return s.filing.Extend(r.Context(), user, id, callerOf(r).user.Actor())
	})
}

// postUpdate posts a progress update; the wording screen runs on it and
// the patrol sees it (R-REV-4, R-DISC-2).
func (s *Server) postUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return err
	}
	body := limit(r.PostFormValue("body"), 8000)
	return s.published(w, r, "posted", map[string]string{"body": body}, func(user, id int64) error {
		return s.filing.PostUpdate(r.Context(), user, id, body)
	})
}

// editPublished shows the form that changes a published request.
func (s *Server) editPublished(w http.ResponseWriter, r *http.Request) error {
	user, id, err := own(r)
	if err != nil {
		return err
	}
	v, err := s.filing.AmendForm(r.Context(), user, id)
	if err != nil {
		return err
	}
	p := s.formView(r, v, web.Form{Values: filingValues(v.Request.Filing)})
	p.Amend = true
	return s.render(w, r, p)
}

// amendRequest changes a published request: the new text must pass
// Validate like a filing, the patient, the documents and the consents stay,
// and the change is published at once as a new version whose page says what
// changed; the old versions stay readable (R-REQ-6).
func (s *Server) amendRequest(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return err
	}
	revision, err := strconv.Atoi(r.PostFormValue("revision"))
	if err != nil {
		return apperr.New(apperr.Invalid, "")
	}
	user, id, err := own(r)
	if err != nil {
		return err
	}
	f, values, typed := filingFromForm(r)
	lang := s.lang(r)
	changed, err := s.filing.Amend(r.Context(), user, id, filing.Amendment{Revision: revision, Filing: f, Unread: typed,
		Actor: callerOf(r).user.Actor(), Note: func(version int, changes []string) string {
			return i18n.T(lang, "filing.amend.note", version, strings.Join(changeNames(lang, changes), i18n.T(lang, "public.list_sep")))
		}})
	if err != nil {
		v, rerr := s.filing.AmendForm(r.Context(), user, id)
		if rerr != nil {
			// Not the publisher's, or no longer amendable: the refusal
			// says so, not the form.
			return err
		}
		for k, val := range filingValues(v.Request.Filing) {
			if _, ok := values[k]; !ok || k == "patient_name" || k == "patient_id" || k == "relationship" {
				values[k] = val
			}
		}
		return reshow(s, w, r, err, values, func(fm web.Form) (web.RequestForm, error) {
			p := s.formView(r, v, fm)
			p.Amend = true
			return p, nil
		})
	}
	done := "amended"
	if !changed {
		done = "unchanged"
	}
	http.Redirect(w, r, "/my/requests/"+strconv.FormatInt(id, 10)+"?done="+done, http.StatusSeeOther)
	return nil
}
