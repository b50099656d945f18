package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/blacklist"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/charity"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/review"
	"github.com/carefund/carefund/internal/rules"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/upload"
	"github.com/carefund/carefund/internal/web"
)

// The publisher's own requests for help: the filing form, saved as it is
// typed (R-REQ-1, R-REQ-2), its supporting materials (R-REQ-3), submission
// with the machine screen (R-REV-1) and the charity referral (R-REQ-7), and,
// once published, closing (R-PUB-4), one extension and progress updates.
//
// Every button of the filing form saves what was typed first, so nothing
// typed is lost to a refused upload or a failed submission.

// uploadBodyLimit bounds the body of the routes that take a file: the file,
// the rest of the filing form and the multipart framing.
const uploadBodyLimit = upload.MaxSize + 1<<20

// takesUpload reports whether a request may carry a file, and so a body
// over the usual limit: the filing form's POSTs, whose every button sends
// the whole multipart form.
func takesUpload(r *http.Request) bool {
	p := r.URL.Path
	return r.Method == http.MethodPost &&
		(strings.HasPrefix(p, "/my/requests/") || strings.HasPrefix(p, "/api/v1/my/requests/"))
}

// Message keys of the filing pages.
const (
	keyVerifyFirst  = "filing.verify_first"
	keyRulesChanged = "filing.rules_changed"
	keyFileRequired = "filing.file_required"
	keyWrongState   = "filing.wrong_state"
	keyCloseReason  = "filing.close_reason"
)

// publisherCloseReasons are the reasons a publisher may give for closing
// their own channel (R-PUB-4); the others are the platform's.
var publisherCloseReasons = []campaign.CloseReason{campaign.PurposeAchieved, campaign.PurposeGone, campaign.ClosedByRequester}

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

// ownRequest loads request id of the signed-in publisher; another's is
// NotFound, so ids cannot be probed.
func (s *Server) ownRequest(ctx context.Context, tx *store.Tx, r *http.Request) (campaign.Request, error) {
	id, err := pathNumber(r, "id")
	if err != nil {
		return campaign.Request{}, err
	}
	req, err := s.campaigns.Get(ctx, tx, id)
	if err != nil {
		return campaign.Request{}, err
	}
	if req.PublisherUserID != callerOf(r).user.Subject {
		return campaign.Request{}, apperr.New(apperr.NotFound, "")
	}
	return req, nil
}

// readOwn reads the signed-in publisher's request named by the path, as
// ownRequest does, in a transaction of its own.
func (s *Server) readOwn(r *http.Request) (campaign.Request, error) {
	var req campaign.Request
	err := s.db.Read(r.Context(), func(tx *store.Tx) (err error) {
		req, err = s.ownRequest(r.Context(), tx, r)
		return err
	})
	return req, err
}

// editable reports whether the publisher may change the filing: a draft,
// or a request the reviewer asked more of.
func editable(st campaign.State) bool { return st == campaign.Draft || st == campaign.NeedsInfo }

// filingFromForm reads the filing form. Lines of use left wholly empty are
// dropped. An amount that does not parse is left out (zero) and reported
// on its field, with what was typed kept in values to show again.
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

// keepUnread puts back the stored amounts of the fields whose typed amount
// could not be read, so that a typo never wipes a figure saved before: the
// form shows what was typed with its message, and the draft keeps the last
// good figure.
func keepUnread(f *campaign.Filing, stored campaign.Filing, unread []apperr.FieldError) {
	for _, e := range unread {
		parts := strings.Split(e.Field, ".")
		switch {
		case e.Field == "target":
			f.Target = stored.Target
		case e.Field == "estimated_costs":
			f.EstimatedCosts = stored.EstimatedCosts
		case len(parts) == 3 && parts[0] == "use" && parts[2] == "amount":
			if i, err := strconv.Atoi(parts[1]); err == nil && i < len(f.Use) && i < len(stored.Use) {
				f.Use[i].Amount = stored.Use[i].Amount
			}
		case len(parts) == 3 && parts[0] == "disclosure" && parts[2] == "amount":
			t := campaign.Topic(parts[1])
			d := f.Disclosures[t]
			d.Amount = stored.Disclosures[t].Amount
			f.Disclosures[t] = d
		}
	}
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
	p := web.MyRequests{Form: f}
	user := callerOf(r).user.Subject
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		if _, err := s.accounts.VerifiedIdentity(r.Context(), tx, user); err == nil {
			p.Verified = true
		} else if apperr.CodeOf(err) != apperr.NotFound {
			return err
		}
		reqs, err := s.campaigns.ListByPublisher(r.Context(), tx, user)
		if err != nil {
			return err
		}
		for _, q := range reqs {
			p.Requests = append(p.Requests, web.MyRequestRow{ID: q.ID, Title: q.Filing.Title, StateKey: q.State.NameKey(),
				Updated: q.UpdatedAt.In(chinaTime).Format("2006-01-02 15:04")})
		}
		return nil
	})
	return p, err
}

// canPublish refuses a publisher without a verified real name (R-ACC-1) or
// on the blacklist (R-BL-1).
func (s *Server) canPublish(ctx context.Context, tx *store.Tx, user int64) error {
	id, err := s.accounts.VerifiedIdentity(ctx, tx, user)
	if apperr.CodeOf(err) == apperr.NotFound {
		return apperr.New(apperr.Forbidden, keyVerifyFirst)
	}
	if err != nil {
		return err
	}
	return blacklist.Check(ctx, tx, s.accounts.IDIndex(id.Number))
}

// newRequest starts a draft.
func (s *Server) newRequest(w http.ResponseWriter, r *http.Request) error {
	req, err := s.createDraft(r)
	if err != nil {
		return reshow(s, w, r, err, nil, func(f web.Form) (web.MyRequests, error) { return s.myRequestsView(r, f) })
	}
	http.Redirect(w, r, "/my/requests/"+strconv.FormatInt(req.ID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) createDraft(r *http.Request) (campaign.Request, error) {
	user := callerOf(r).user.Subject
	var req campaign.Request
	err := s.db.Write(r.Context(), func(tx *store.Tx) error {
		if err := s.canPublish(r.Context(), tx, user); err != nil {
			return err
		}
		var err error
		if req, err = s.campaigns.CreateDraft(r.Context(), tx, user, campaign.Filing{}); err != nil {
			return err
		}
		return s.campaigns.RecordDevice(r.Context(), tx, req.ID, s.deviceIndex(r))
	})
	return req, err
}

// myRequest shows a draft's form, or where a filed request is.
func (s *Server) myRequest(w http.ResponseWriter, r *http.Request) error {
	req, err := s.readOwn(r)
	if err != nil {
		return err
	}
	lang := s.lang(r)
	if editable(req.State) {
		s.ensureDevice(w, r)
		var saved string
		switch r.URL.Query().Get("done") {
		case "saved":
			saved = i18n.T(lang, "filing.saved")
		case "uploaded":
			saved = i18n.T(lang, "filing.uploaded")
		case "withdrawn":
			saved = i18n.T(lang, "filing.withdrawn")
		}
		p, err := s.formView(r, req, web.Form{Values: filingValues(req.Filing)})
		if err != nil {
			return err
		}
		p.Saved = saved
		return s.render(w, r, p)
	}
	var notice string
	switch d := r.URL.Query().Get("done"); d {
	case "closed", "extended", "posted", "amended":
		notice = i18n.T(lang, "filing.done."+d)
	case "unchanged":
		notice = i18n.T(lang, "filing.amend.nothing")
	}
	p, err := s.statusView(r, req, web.Form{})
	if err != nil {
		return err
	}
	p.Notice = notice
	return s.render(w, r, p)
}

// formView builds the filing form of req with f.
func (s *Server) formView(r *http.Request, req campaign.Request, f web.Form) (web.RequestForm, error) {
	lang := s.lang(r)
	p := web.RequestForm{ID: req.ID, Revision: req.Revision, NeedsInfo: req.State == campaign.NeedsInfo,
		MaxUpload: upload.MaxSize >> 20, Form: f}
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
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		ms, err := s.materials.List(r.Context(), tx, req.ID)
		if err != nil {
			return err
		}
		for _, m := range ms {
			p.Materials = append(p.Materials, web.MaterialRow{ID: m.ID, KindKey: m.Kind.NameKey(), Type: m.ContentType,
				Size: sizeText(m.Size), Uploaded: m.UploadedAt.In(chinaTime).Format("2006-01-02 15:04"), Reviewed: !m.ReviewedAt.IsZero()})
		}
		earlier, err := s.campaigns.PublishedBefore(r.Context(), tx, req.PatientIndex, req.ID)
		if err != nil {
			return err
		}
		required := material.Required(req.Filing.Relationship, req.Filing.Target, earlier)
		for _, k := range material.Kinds {
			have := 0
			for _, m := range ms {
				if m.Kind == k {
					have++
				}
			}
			p.Kinds = append(p.Kinds, web.KindRow{Kind: string(k), NameKey: k.NameKey(), HintKey: k.HintKey(),
				Required: slices.Contains(required, k), Have: have})
		}
		if req.State == campaign.NeedsInfo {
			ds, err := review.Decisions(r.Context(), tx, req.ID)
			if err != nil {
				return err
			}
			for _, d := range slices.Backward(ds) {
				if d.Decision == review.NeedsInfo {
					p.Questions = d.Text
					break
				}
			}
		}
		for _, k := range account.ConsentKinds {
			v, err := rules.Current(r.Context(), tx, k)
			if err != nil {
				return err
			}
			p.Rules = append(p.Rules, ruleLink(lang, v))
		}
		return nil
	})
	return p, err
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
	errs   []apperr.FieldError // amounts that did not parse; the rest is saved
}

// refusal returns the parse errors as one Invalid error, or nil.
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
	f, values, errs := filingFromForm(r)
	sv := saved{values: values, errs: errs}
	err = s.db.Write(r.Context(), func(tx *store.Tx) error {
		req, err := s.ownRequest(r.Context(), tx, r)
		if err != nil {
			return err
		}
		if !editable(req.State) {
			return apperr.New(apperr.Conflict, campaign.KeyAlreadySubmitted)
		}
		f.RelationshipProof = req.Filing.RelationshipProof
		keepUnread(&f, req.Filing, errs)
		if err := s.campaigns.RecordDevice(r.Context(), tx, req.ID, s.deviceIndex(r)); err != nil {
			return err
		}
		sv.req, err = s.campaigns.SaveDraft(r.Context(), tx, req.ID, req.PublisherUserID, revision, f)
		return err
	})
	return sv, err
}

// refuseForm shows the filing form again with what was typed and the
// messages; a request no longer editable shows where it is instead.
func (s *Server) refuseForm(w http.ResponseWriter, r *http.Request, refusal error, values map[string]string) error {
	req, err := s.readOwn(r)
	if err != nil {
		return err
	}
	if !editable(req.State) {
		return reshow(s, w, r, refusal, nil, func(f web.Form) (web.RequestStatus, error) { return s.statusView(r, req, f) })
	}
	if values == nil {
		values = filingValues(req.Filing)
	}
	return reshow(s, w, r, refusal, values, func(f web.Form) (web.RequestForm, error) { return s.formView(r, req, f) })
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
// already submitted and says so.
func (s *Server) submitRequest(w http.ResponseWriter, r *http.Request) error {
	sv, err := s.saveForm(r)
	if err == nil {
		err = s.submit(r, sv.req, r.PostForm["rule"], sv.errs, nil)
	}
	if err != nil {
		return s.refuseForm(w, r, err, sv.values)
	}
	http.Redirect(w, r, "/my/requests/"+strconv.FormatInt(sv.req.ID, 10)+"/submitted", http.StatusSeeOther)
	return nil
}

// submit submits req, saved at its revision, with the consents to the rules
// versions the form showed (ruleIDs). typed are the amounts of the form that
// did not parse: they are reported with every other problem.
//
// declare, when not nil, ticks the declaration and the consent in the
// filing (the API sends them with the submission); they are saved only if
// the submission goes through.
func (s *Server) submit(r *http.Request, req campaign.Request, ruleIDs []string, typed []apperr.FieldError, declare func(*campaign.Filing)) error {
	ctx := r.Context()
	user := callerOf(r).user.Subject
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.canPublish(ctx, tx, user); err != nil {
			return err
		}
		if !editable(req.State) {
			return apperr.New(apperr.Conflict, campaign.KeyAlreadySubmitted)
		}
		ms, err := s.materials.List(ctx, tx, req.ID)
		if err != nil {
			return err
		}
		earlier, err := s.campaigns.PublishedBefore(ctx, tx, req.PatientIndex, req.ID)
		if err != nil {
			return err
		}
		f := req.Filing
		dirty := false
		if declare != nil {
			declare(&f)
			dirty = true
		}
		if proof := slices.ContainsFunc(ms, func(m material.Material) bool { return m.Kind == material.Relationship }); f.RelationshipProof != proof {
			f.RelationshipProof = proof
			dirty = true
		}
		if dirty {
			if req, err = s.campaigns.SaveDraft(ctx, tx, req.ID, user, req.Revision, f); err != nil {
				return err
			}
		}
		// Every problem at once: what could not be read, the filing's
		// fields and the documents.
		fields := slices.Clone(typed)
		if e := apperr.As(f.Validate(tx.Now)); e != nil {
			for _, fe := range e.Fields {
				// Proof of the relationship is said by the documents' own
				// message; an amount that could not be read by its own.
				if fe.Field != "relationship_proof" && !slices.ContainsFunc(typed, func(t apperr.FieldError) bool { return t.Field == fe.Field }) {
					fields = append(fields, fe)
				}
			}
		}
		if e := apperr.As(material.Missing(ms, material.Required(f.Relationship, f.Target, earlier))); e != nil {
			fields = append(fields, e.Fields...)
		}
		if len(fields) > 0 {
			return &apperr.Error{Code: apperr.Invalid, Key: campaign.KeyInvalid, Fields: fields}
		}
		// The consents are to the versions the form showed; a rule that
		// changed while it was open is asked about again (R-RULES-2).
		var ids []int64
		for _, k := range account.ConsentKinds {
			v, err := rules.Current(ctx, tx, k)
			if err != nil {
				return err
			}
			if !slices.Contains(ruleIDs, strconv.FormatInt(v.ID, 10)) {
				return apperr.New(apperr.Conflict, keyRulesChanged)
			}
			ids = append(ids, v.ID)
		}
		if err := rules.RecordConsent(ctx, tx, "user:"+strconv.FormatInt(user, 10), ids, remoteIP(r)); err != nil {
			return err
		}
		from := req.State
		if _, err := s.campaigns.Submit(ctx, tx, req.ID, user, req.Revision, tx.Now); err != nil {
			return err
		}
		// The machine screen runs on the first submission and again on
		// every answer to a reviewer's questions, which may change the
		// patient or the story (R-REV-1, R-BL-1).
		if from == campaign.Draft {
			_, err = review.Screen(ctx, tx, s.campaigns, req.ID, "system")
		} else {
			_, err = review.Rescreen(ctx, tx, s.campaigns, req.ID, "system")
		}
		return err
	})
}

// requestSubmitted says what happens next and suggests charitable
// organisations that could help too (R-REQ-7).
func (s *Server) requestSubmitted(w http.ResponseWriter, r *http.Request) error {
	var p web.RequestSubmitted
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		req, err := s.ownRequest(r.Context(), tx, r)
		if err != nil {
			return err
		}
		p.ID, p.StateKey = req.ID, req.State.NameKey()
		orgs, err := charity.Suggest(r.Context(), tx, req.Filing.Diagnosis, req.Filing.HospitalCity, 6)
		if err != nil {
			return err
		}
		for _, o := range orgs {
			p.Charities = append(p.Charities, web.ReferralRow{Name: o.Name, Summary: o.Summary, URL: o.URL, Demo: o.IsDemo()})
		}
		return nil
	})
	if err != nil {
		return err
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
	kind := material.Kind(r.PostFormValue("kind"))
	file, _, err := r.FormFile("file")
	if errors.Is(err, http.ErrMissingFile) {
		return material.Material{}, &apperr.Error{Code: apperr.Invalid, Key: keyFileRequired, Fields: []apperr.FieldError{{Field: "file", Key: keyFileRequired}}}
	}
	if err != nil {
		return material.Material{}, badForm(err)
	}
	defer file.Close()
	actor := callerOf(r).user.Actor()
	var m material.Material
	err = s.db.Write(r.Context(), func(tx *store.Tx) error {
		req, err := s.ownRequest(r.Context(), tx, r)
		if err != nil {
			return err
		}
		if !editable(req.State) {
			return apperr.New(apperr.Conflict, keyWrongState)
		}
		m, err = s.materials.Add(r.Context(), tx, req.ID, kind, file, "file", actor)
		return err
	})
	return m, err
}

// ownMaterial sends the publisher one of their own documents.
func (s *Server) ownMaterial(w http.ResponseWriter, r *http.Request) error {
	mid, err := pathNumber(r, "mid")
	if err != nil {
		return err
	}
	var m material.Material
	var content []byte
	// Every view of a document is in the audit log, the publisher's own
	// too (R-PII-1): the record commits with the read, before the bytes go.
	if err := s.db.Write(r.Context(), func(tx *store.Tx) error {
		req, err := s.ownRequest(r.Context(), tx, r)
		if err != nil {
			return err
		}
		if m, content, err = s.materials.Open(r.Context(), tx, req.ID, mid); err != nil {
			return err
		}
		_, err = audit.Append(r.Context(), tx, s.record(r, "pii.view.own_material", "material:"+strconv.FormatInt(mid, 10),
			"request:"+strconv.FormatInt(req.ID, 10), nil))
		return err
	}); err != nil {
		return err
	}
	return sendMaterial(w, m, content)
}

// materialTypes are the types a stored document may be served as;
// anything else (there should be nothing else: upload.Check decides the
// type) goes out as a download of bytes.
var materialTypes = []string{"image/jpeg", "image/png", "application/pdf"}

// sendMaterial writes a decrypted document: shown inline, never cached,
// never sniffed into another type. An image is sandboxed, so a crafted file
// can run nothing as the platform; a PDF is not, because a sandbox keeps the
// browser's PDF viewer from opening it, but it may load nothing and never
// be framed.
func sendMaterial(w http.ResponseWriter, m material.Material, content []byte) error {
	h := w.Header()
	ct := "application/octet-stream"
	if slices.Contains(materialTypes, m.ContentType) {
		ct = m.ContentType
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", "inline")
	if ct == "application/octet-stream" {
		h.Set("Content-Disposition", "attachment")
	}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	if ct == "application/pdf" {
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	} else {
		h.Set("Content-Security-Policy", "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	}
	h.Set("Content-Length", strconv.Itoa(len(content)))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(content)
	return err
}

// withdrawMaterial saves the form and withdraws a document uploaded by
// mistake; it is kept, but no longer counts or shows.
func (s *Server) withdrawMaterial(w http.ResponseWriter, r *http.Request) error {
	sv, err := s.saveForm(r)
	if err == nil {
		err = s.db.Write(r.Context(), func(tx *store.Tx) error {
			mid, err := pathNumber(r, "mid")
			if err != nil {
				return err
			}
			return s.materials.Withdraw(r.Context(), tx, sv.req.ID, mid, callerOf(r).user.Actor())
		})
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

// statusView builds the page of a filed request.
func (s *Server) statusView(r *http.Request, req campaign.Request, f web.Form) (web.RequestStatus, error) {
	lang := s.lang(r)
	p := web.RequestStatus{ID: req.ID, Title: req.Filing.Title, StateKey: req.State.NameKey(), Form: f}
	ctx := r.Context()
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		switch req.State {
		case campaign.Rejected:
			ds, err := review.Decisions(ctx, tx, req.ID)
			if err != nil {
				return err
			}
			if n := len(ds); n > 0 && ds[n-1].Decision == review.Rejected {
				p.Reason = i18n.T(lang, "filing.status.rejected", ds[n-1].Text)
			} else {
				p.Reason = i18n.T(lang, "filing.status.screened_out")
			}
		case campaign.Approved, campaign.Fundraising, campaign.Closed, campaign.Settling, campaign.Completed:
			p.Published = true
			p.CanUpdate = req.State != campaign.Completed
			p.CanClose = amendable(req.State)
			p.CanAmend = amendable(req.State)
			fr, err := s.campaigns.Fundraising(ctx, tx, req.ID)
			switch {
			case err == nil:
				// What it raised and where that came from (sharepages.go).
				if p.Support, err = s.supportView(ctx, tx, lang, req); err != nil {
					return err
				}
				if fr.Closed {
					p.Reason = i18n.T(lang, fr.Closing.PublicKey())
				} else {
					p.Deadline = fr.Deadline.In(chinaTime).Format("2006-01-02 15:04")
					p.CanExtend = campaign.CanExtend(fr.Extensions) && req.State == campaign.Fundraising
				}
			case apperr.CodeOf(err) != apperr.NotFound:
				return err
			}
			ups, err := s.campaigns.Updates(ctx, tx, req.ID, true)
			if err != nil {
				return err
			}
			for _, u := range ups {
				p.Updates = append(p.Updates, web.UpdateRow{At: u.PostedAt.In(chinaTime).Format("2006-01-02 15:04"),
					Body: u.Body, TakenDown: u.TakenDown, Reason: u.TakedownReason})
			}
		}
		return nil
	})
	for _, c := range publisherCloseReasons {
		p.Closings = append(p.Closings, web.Option{Value: string(c), Key: "filing.close." + string(c)})
	}
	for _, c := range campaign.GoneCauses {
		p.Causes = append(p.Causes, web.Option{Value: string(c), Key: "filing.cause." + string(c)})
	}
	return p, err
}

// publishedAction runs fn on the publisher's request and goes back to its
// page, or shows the page again with the refusal.
func (s *Server) publishedAction(w http.ResponseWriter, r *http.Request, done string, values map[string]string,
	fn func(ctx context.Context, tx *store.Tx, req campaign.Request) error) error {
	var id int64
	err := s.db.Write(r.Context(), func(tx *store.Tx) error {
		req, err := s.ownRequest(r.Context(), tx, r)
		if err != nil {
			return err
		}
		id = req.ID
		return fn(r.Context(), tx, req)
	})
	if err != nil {
		req, rerr := s.readOwn(r)
		if rerr != nil {
			return rerr
		}
		return reshow(s, w, r, err, values, func(f web.Form) (web.RequestStatus, error) { return s.statusView(r, req, f) })
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
	return s.publishedAction(w, r, "closed", values, func(ctx context.Context, tx *store.Tx, req campaign.Request) error {
		if !slices.Contains(publisherCloseReasons, c.Reason) {
			return &apperr.Error{Code: apperr.Invalid, Key: keyCloseReason, Fields: []apperr.FieldError{{Field: "reason", Key: keyCloseReason}}}
		}
		_, err := s.campaigns.Close(ctx, tx, req.ID, c, note, callerOf(r).user.Actor())
		return err
	})
}

// extendOwnRequest extends the fundraising period once (R-PUB-4).
func (s *Server) extendOwnRequest(w http.ResponseWriter, r *http.Request) error {
	return s.publishedAction(w, r, "extended", nil, func(ctx context.Context, tx *store.Tx, req campaign.Request) error {
		_, err := s.campaigns.Extend(ctx, tx, req.ID, callerOf(r).user.Actor())
		return err
	})
}

// postUpdate posts a progress update; the wording screen runs on it and
// the patrol sees it (R-REV-4, R-DISC-2).
func (s *Server) postUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return err
	}
	body := limit(r.PostFormValue("body"), 8000)
	return s.publishedAction(w, r, "posted", map[string]string{"body": body}, func(ctx context.Context, tx *store.Tx, req campaign.Request) error {
		_, err := s.campaigns.PostUpdate(ctx, tx, req.ID, req.PublisherUserID, body)
		return err
	})
}

// amendable reports whether the publisher may change a published request's
// text: while it is approved or raising money.
func amendable(st campaign.State) bool { return st == campaign.Approved || st == campaign.Fundraising }

// editPublished shows the form that changes a published request.
func (s *Server) editPublished(w http.ResponseWriter, r *http.Request) error {
	req, err := s.readOwn(r)
	if err != nil {
		return err
	}
	if !amendable(req.State) {
		return apperr.New(apperr.Conflict, campaign.KeyNotEditable)
	}
	p, err := s.formView(r, req, web.Form{Values: filingValues(req.Filing)})
	if err != nil {
		return err
	}
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
	f, values, typed := filingFromForm(r)
	var req campaign.Request
	var changed bool
	err = s.db.Write(r.Context(), func(tx *store.Tx) error {
		var err error
		if req, err = s.ownRequest(r.Context(), tx, r); err != nil {
			return err
		}
		if !amendable(req.State) {
			return apperr.New(apperr.Conflict, campaign.KeyNotEditable)
		}
		old := req.Filing
		f.Relationship, f.RelationshipDetail, f.RelationshipProof = old.Relationship, old.RelationshipDetail, old.RelationshipProof
		f.PatientName, f.PatientID, f.Consent = old.PatientName, old.PatientID, old.Consent
		if len(typed) > 0 {
			fields := slices.Clone(typed)
			if e := apperr.As(f.Validate(tx.Now)); e != nil {
				for _, fe := range e.Fields {
					if !slices.ContainsFunc(typed, func(t apperr.FieldError) bool { return t.Field == fe.Field }) {
						fields = append(fields, fe)
					}
				}
			}
			return &apperr.Error{Code: apperr.Invalid, Key: campaign.KeyInvalid, Fields: fields}
		}
		if _, err := s.campaigns.Amend(r.Context(), tx, req.ID, revision, f, tx.Now); err != nil {
			return err
		}
		version, changes, err := s.campaigns.Publish(r.Context(), tx, req.ID, callerOf(r).user.Actor())
		if err != nil || len(changes) == 0 {
			return err
		}
		changed = true
		// A public note of the change, screened with the changed text, so
		// the patrol sees a change with risky wording first (R-REV-4).
		lang := s.lang(r)
		note := i18n.T(lang, "filing.amend.note", version, strings.Join(changeNames(lang, changes), i18n.T(lang, "public.list_sep")))
		_, err = s.campaigns.NoteChange(r.Context(), tx, req.ID, req.PublisherUserID, note, amendedTexts(f))
		return err
	})
	if err != nil {
		if req.ID == 0 || !amendable(req.State) {
			return err
		}
		for k, v := range filingValues(req.Filing) {
			if _, ok := values[k]; !ok || k == "patient_name" || k == "patient_id" || k == "relationship" {
				values[k] = v
			}
		}
		return reshow(s, w, r, err, values, func(fm web.Form) (web.RequestForm, error) {
			p, err := s.formView(r, req, fm)
			p.Amend = true
			return p, err
		})
	}
	done := "amended"
	if !changed {
		done = "unchanged"
	}
	http.Redirect(w, r, "/my/requests/"+strconv.FormatInt(req.ID, 10)+"?done="+done, http.StatusSeeOther)
	return nil
}

// amendedTexts are the texts of a changed request that the wording screen
// reads: what the public will read.
func amendedTexts(f campaign.Filing) []string {
	texts := []string{f.Title, f.Story, f.Diagnosis, f.HospitalName}
	for _, u := range f.Use {
		texts = append(texts, u.Label, u.Note)
	}
	for _, t := range campaign.Topics {
		texts = append(texts, f.Disclosures[t].Detail)
	}
	return texts
}
