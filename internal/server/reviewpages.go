package server

// The review console: the queue, one request under review with its
// decisions, publication and the opening and closing of fundraising, the
// supporting material, reviewers' conflicts, and the patrol of updates
// (R-REV-1 to R-REV-4, R-PUB-1, R-PUB-4, R-REQ-4, R-REQ-6, R-STAFF-1).
//
// Each handler translates: it decodes, calls one method of the review
// service (review.Service), which appends the audit record first in the
// transaction of the action, and shows the result. Every page that shows a
// request's personal data (the filing unmasked, a material) is in the audit
// log, in the transaction that reads the data, before anything is sent
// (R-PII-1).

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/review"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/web"
)

// Limits of the review console's lists.
const (
	reviewQueueLimit = 200
	waitingLimit     = 100
	patrolLimit      = 100
)

// Message keys of the review console's own refusals.
const keyUserID = "reviewpages.user_id"

func requestObject(id int64) string { return "request:" + strconv.FormatInt(id, 10) }

// pathNumber reads a numeric path value; anything else is as good as an
// unknown object.
func pathNumber(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "")
	}
	return id, nil
}

// doneNotice returns the notice of a finished action named in the query
// ("?done=claimed"), or "": only known names have a message.
func doneNotice(lang i18n.Lang, r *http.Request) string {
	q, _ := url.ParseQuery(r.URL.RawQuery)
	key := "reviewpages.done." + q.Get("done")
	if q.Get("done") == "" || !i18n.Has(key) {
		return ""
	}
	return i18n.T(lang, key)
}

// waitingFor says in words how long ago t was.
func waitingFor(lang i18n.Lang, now, t time.Time) string {
	d := max(now.Sub(t), 0)
	switch {
	case d < time.Hour:
		return i18n.T(lang, "reviewpages.age.minutes", int(d/time.Minute))
	case d < 48*time.Hour:
		return i18n.T(lang, "reviewpages.age.hours", int(d/time.Hour))
	}
	return i18n.T(lang, "reviewpages.age.days", int(d/(24*time.Hour)))
}

// refusalText is a refusal in the reader's language, "" for nil.
func refusalText(lang i18n.Lang, err error) string {
	if e := apperr.As(err); e != nil {
		return i18n.T(lang, e.Key, e.Args...)
	}
	return ""
}

// audited runs one use case of the review service, which appends rec, the
// record of the action, first in its own transaction, so that the action
// and its record commit together. A refusal is recorded in a transaction of
// its own, as staffWrite does.
func (s *Server) audited(r *http.Request, object, detail string, fn func(rec audit.Record) error) error {
	err := fn(s.record(r, permissions[r.Pattern].action, object, detail, nil))
	if err != nil {
		s.auditRefusal(r, object, detail, err)
	}
	markAudited(r)
	return err
}

// reviewQueue lists the requests waiting for review, riskiest then oldest
// (R-REV-1), and the approved ones whose fundraising has not opened
// (R-REQ-4).
func (s *Server) reviewQueue(w http.ResponseWriter, r *http.Request) error {
	lang, me, now := s.lang(r), callerOf(r).staff, s.now()
	d, err := s.reviews.Desk(r.Context(), reviewQueueLimit, waitingLimit)
	if err != nil {
		return err
	}
	var p web.StaffReviewQueue
	for _, q := range d.Queue {
		p.Queue = append(p.Queue, web.ReviewQueueRow{ID: q.RequestID, Title: q.Title, LevelKey: q.Level.Key(), Score: q.Score,
			Target: q.Target.Format(lang), Age: waitingFor(lang, now, q.SubmittedAt), ClaimedBy: q.ClaimedByName,
			Mine: q.ClaimedBy == me.ID, FirstApproval: q.FirstApproval})
	}
	for _, x := range d.Waiting {
		p.Waiting = append(p.Waiting, web.ReviewWaitingRow{ID: x.ID, Title: x.Title, Target: x.Target.Format(lang),
			Since: day(x.Since), Missing: refusalText(lang, x.Blocked)})
	}
	return s.render(w, r, p)
}

// reviewRequest shows one request to a reviewer, unmasked. The view is in
// the audit log, in the transaction that read it, before anything is sent
// (R-PII-1, R-STAFF-1).
func (s *Server) reviewRequest(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var v review.RequestView
	if err := s.audited(r, requestObject(id), "", func(rec audit.Record) (err error) {
		v, err = s.reviews.View(r.Context(), rec, id, *callerOf(r).staff)
		return err
	}); err != nil {
		return err
	}
	p := s.reviewPage(r, v)
	p.Notice = doneNotice(s.lang(r), r)
	return s.render(w, r, p)
}

// reviewPage shows v in the reader's language.
func (s *Server) reviewPage(r *http.Request, v review.RequestView) web.StaffReview {
	lang, me := s.lang(r), callerOf(r).staff
	req, f := v.Request, v.Request.Filing
	p := web.StaffReview{ID: req.ID, Title: f.Title, StateKey: req.State.NameKey(), PublisherID: req.PublisherUserID,
		Publisher:          v.Publisher,
		RelationshipDetail: f.RelationshipDetail, RelationshipProof: f.RelationshipProof,
		PatientName: f.PatientName, PatientID: f.PatientID, Diagnosis: f.Diagnosis,
		HospitalName: f.HospitalName, HospitalCity: f.HospitalCity, Story: f.Story, Target: f.Target.Format(lang),
		CloseReasons: make([]string, 0, len(review.StaffCloseReasons))}
	if !req.SubmittedAt.IsZero() {
		p.SubmittedAt = minute(req.SubmittedAt)
	}
	if f.Relationship.Valid() {
		p.RelationshipKey = f.Relationship.NameKey()
	}
	for _, u := range f.Use {
		p.Use = append(p.Use, web.ReviewUseRow{Label: u.Label, Amount: u.Amount.Format(lang), Note: u.Note})
	}
	for _, t := range campaign.Topics {
		d := f.Disclosures[t]
		row := web.ReviewDisclosureRow{QuestionKey: t.QuestionKey(), Answered: d.Answered, Yes: d.Yes, Detail: d.Detail}
		if t.TakesAmount() && d.Amount != 0 {
			row.Amount = d.Amount.Format(lang)
		}
		p.Disclosures = append(p.Disclosures, row)
	}
	if sc := v.Screening; sc != nil {
		rs := &web.ReviewScreening{LevelKey: sc.Level.Key(), Score: sc.Score, At: minute(sc.At), By: v.Who.Of(sc.Actor)}
		for _, x := range sc.Verdicts {
			vd := web.ReviewVerdict{NameKey: "screen.name." + x.Screen, OutcomeKey: x.Outcome.Key(), Score: x.Score}
			// Staff read every reason, the staff-only ones marked as such
			// (R-REV-1): who is blacklisted and why, which other requests.
			for _, y := range x.Reasons {
				vd.Reasons = append(vd.Reasons, web.ReviewReason{Text: i18n.T(lang, y.Key, y.ArgsAny()...), StaffOnly: y.StaffOnly})
			}
			rs.Verdicts = append(rs.Verdicts, vd)
		}
		p.Screening = rs
	}
	for _, m := range v.Materials {
		row := web.ReviewMaterialRow{ID: m.ID, KindKey: m.Kind.NameKey(), ContentType: m.ContentType,
			Size:       i18n.T(lang, "reviewpages.size_kb", strconv.Itoa((m.Size+1023)/1024)),
			UploadedAt: minute(m.UploadedAt), UploadedBy: v.Who.Of(m.UploadedBy), Publishable: m.Kind.Publishable()}
		if !m.ReviewedAt.IsZero() {
			row.Reviewed, row.ReviewedBy, row.ReviewedAt = true, v.Who.Of(m.ReviewedBy), minute(m.ReviewedAt)
		}
		if !m.PublishedAt.IsZero() {
			row.Published, row.PublishedAt = true, minute(m.PublishedAt)
		}
		p.Materials = append(p.Materials, row)
	}
	for _, d := range v.Decisions {
		p.Decisions = append(p.Decisions, web.ReviewDecisionRow{At: minute(d.At), By: v.Names[d.StaffID],
			DecisionKey: "review.decision." + string(d.Decision), Text: d.Text})
	}
	for _, e := range v.Events {
		p.Events = append(p.Events, web.ReviewEventRow{At: minute(e.At), Actor: v.Who.Of(e.Actor), FromKey: e.From.NameKey(),
			ToKey: e.To.NameKey(), Event: string(e.Event), Reason: e.Reason})
	}
	for _, x := range v.Versions {
		p.Versions = append(p.Versions, web.ReviewVersionRow{Number: x.Number, At: minute(x.At), By: v.Who.Of(x.By),
			Changes: strings.Join(x.Changes, ", ")})
	}
	if ch := v.Channel; ch != nil {
		rc := &web.ReviewChannel{OpenedAt: minute(ch.OpenedAt), Deadline: minute(ch.Deadline), Extensions: ch.Extensions,
			Closed: ch.Closed, ClosedBy: v.Who.Of(ch.ClosedBy), Note: ch.Note}
		if ch.Closed {
			rc.ClosedAt, rc.ClosingKey = minute(ch.ClosedAt), ch.Closing.PublicKey()
		}
		p.Channel = rc
	}
	inReview := req.State == campaign.InReview
	p.ClaimedBy, p.Mine = v.Names[v.HeldBy], v.HeldBy != 0 && v.HeldBy == me.ID
	p.CanClaim = v.CanClaim
	p.CanDecide = inReview && p.Mine
	p.TwoReviewers = v.TwoReviewers
	for _, by := range v.FirstApprovers {
		p.Approvals = append(p.Approvals, v.Names[by])
	}
	p.FirstApprovalMine = slices.Contains(v.FirstApprovers, me.ID)
	p.ApproveBlocked = refusalText(lang, v.ApproveBlocked)
	p.CanOpen = req.State == campaign.Approved
	p.CanClose = req.State == campaign.Approved || req.State == campaign.Fundraising
	p.OpenBlocked = refusalText(lang, v.OpenBlocked)
	for _, c := range review.StaffCloseReasons {
		p.CloseReasons = append(p.CloseReasons, string(c))
	}
	for _, c := range campaign.GoneCauses {
		p.GoneCauses = append(p.GoneCauses, string(c))
	}
	return p
}

// reshowReview answers a refused action with the request's page and the
// message. The page shows personal data, so this view too is in the audit
// log before it is sent, as a view of its own.
func (s *Server) reshowReview(w http.ResponseWriter, r *http.Request, id int64, refusal error, values map[string]string) error {
	return reshow(s, w, r, refusal, values, func(f web.Form) (web.StaffReview, error) {
		rec := s.record(r, permissions["GET /staff/review/{id}"].action, requestObject(id),
			"after "+permissions[r.Pattern].action, nil)
		v, err := s.reviews.View(r.Context(), rec, id, *callerOf(r).staff)
		if err != nil {
			return web.StaffReview{}, err
		}
		p := s.reviewPage(r, v)
		p.Form = f
		return p, nil
	})
}

// reviewStep runs one action on request id: fn, which calls the review
// service with rec, its audit record with detail. It then goes back to the
// request's page, saying what was done (done names the notice fn returns),
// or shows the page again with the refusal and what was typed (values).
func (s *Server) reviewStep(w http.ResponseWriter, r *http.Request, id int64, detail string, values map[string]string,
	fn func(ctx context.Context, rec audit.Record, me staff.Staff) (done string, err error)) error {
	me := *callerOf(r).staff
	var done string
	err := s.audited(r, requestObject(id), detail, func(rec audit.Record) (err error) {
		done, err = fn(r.Context(), rec, me)
		return err
	})
	if !canReview(r) {
		// An admin closing a request may not see the review page and its
		// personal data: a refusal is an error page, and success goes to
		// the public page, which shows the closing.
		if err != nil {
			return err
		}
		http.Redirect(w, r, "/requests/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return s.reshowReview(w, r, id, err, values)
	}
	http.Redirect(w, r, "/staff/review/"+strconv.FormatInt(id, 10)+"?done="+done, http.StatusSeeOther)
	return nil
}

// canReview reports whether the caller may see the review page.
func canReview(r *http.Request) bool {
	return slices.Contains(permissions["GET /staff/review/{id}"].roles, callerOf(r).staff.Role)
}

// postedRequest reads the id of the request named by the path and the
// posted fields, kept to show the form again.
func postedRequest(r *http.Request, fields ...string) (int64, map[string]string, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	if err := form(r); err != nil {
		return 0, nil, err
	}
	values := map[string]string{}
	for _, k := range fields {
		values[k] = r.PostFormValue(k)
	}
	return id, values, nil
}

// reviewAction is reviewStep for an action on the request named by the
// path, after reading the posted form; fields are kept for a reshow.
func (s *Server) reviewAction(w http.ResponseWriter, r *http.Request, detail string, fields []string,
	fn func(ctx context.Context, rec audit.Record, id int64, me staff.Staff, values map[string]string) (string, error)) error {
	id, values, err := postedRequest(r, fields...)
	if err != nil {
		return err
	}
	return s.reviewStep(w, r, id, detail, values, func(ctx context.Context, rec audit.Record, me staff.Staff) (string, error) {
		return fn(ctx, rec, id, me, values)
	})
}

// claimRequest makes the reviewer the one who reviews the request; a
// reviewer related to it is refused (R-REV-3).
func (s *Server) claimRequest(w http.ResponseWriter, r *http.Request) error {
	return s.reviewAction(w, r, "claim", nil, func(ctx context.Context, rec audit.Record, id int64, me staff.Staff, _ map[string]string) (string, error) {
		return "claimed", s.reviews.Claim(ctx, rec, id, me)
	})
}

func (s *Server) releaseRequest(w http.ResponseWriter, r *http.Request) error {
	return s.reviewAction(w, r, "release", nil, func(ctx context.Context, rec audit.Record, id int64, me staff.Staff, _ map[string]string) (string, error) {
		return "released", s.reviews.Release(ctx, rec, id, me)
	})
}

// askInfo asks the requester for more material, with questions they read
// (R-REV-2).
func (s *Server) askInfo(w http.ResponseWriter, r *http.Request) error {
	return s.reviewAction(w, r, "needs_info", []string{"questions"}, func(ctx context.Context, rec audit.Record, id int64, me staff.Staff, v map[string]string) (string, error) {
		return "asked", s.reviews.AskInfo(ctx, rec, id, me, v["questions"])
	})
}

// rejectRequest rejects the request with a reason the requester reads
// (R-REV-2).
func (s *Server) rejectRequest(w http.ResponseWriter, r *http.Request) error {
	return s.reviewAction(w, r, "reject", []string{"reason"}, func(ctx context.Context, rec audit.Record, id int64, me staff.Staff, v map[string]string) (string, error) {
		return "rejected", s.reviews.Reject(ctx, rec, id, me, v["reason"])
	})
}

// approveRequest approves the request (review.Service.Approve: every
// required material reviewed first, R-REV-2; two reviewers when it needs
// them, R-REV-3; published and opened when it may, R-PUB-1, R-REQ-4).
func (s *Server) approveRequest(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := form(r); err != nil {
		return err
	}
	return s.reviewStep(w, r, id, s.reviews.ApprovalDetail(r.Context(), id), nil, func(ctx context.Context, rec audit.Record, me staff.Staff) (string, error) {
		out, err := s.reviews.Approve(ctx, rec, id, me)
		return string(out), err
	})
}

// reviewMaterial sends one supporting material, decrypted, to a reviewer.
// The view is in the audit log before a byte is sent (R-PII-1). The file is
// shown inline in a sandbox: it cannot run script, load anything, or be
// taken for another type.
func (s *Server) reviewMaterial(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	mid, err := pathNumber(r, "mid")
	if err != nil {
		return err
	}
	var m material.Material
	var content []byte
	if err := s.audited(r, "material:"+strconv.FormatInt(mid, 10), requestObject(id), func(rec audit.Record) (err error) {
		m, content, err = s.reviews.OpenMaterial(r.Context(), rec, id, mid, *callerOf(r).staff)
		return err
	}); err != nil {
		return err
	}
	return sendMaterial(w, m, content)
}

// materialStep runs a reviewer's mark on material mid of the request.
func (s *Server) materialStep(w http.ResponseWriter, r *http.Request, what string,
	fn func(ctx context.Context, rec audit.Record, id, mid int64, me staff.Staff) error) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	mid, err := pathNumber(r, "mid")
	if err != nil {
		return err
	}
	me := *callerOf(r).staff
	err = s.audited(r, "material:"+strconv.FormatInt(mid, 10), requestObject(id)+" "+what, func(rec audit.Record) error {
		return fn(r.Context(), rec, id, mid, me)
	})
	if err != nil {
		return s.reshowReview(w, r, id, err, map[string]string{"summary": limit(r.PostFormValue("summary"), 2000)})
	}
	http.Redirect(w, r, "/staff/review/"+strconv.FormatInt(id, 10)+"?done="+what, http.StatusSeeOther)
	return nil
}

// markMaterialReviewed records that a reviewer checked a material: for a
// certificate, the first half of R-REQ-4.
func (s *Server) markMaterialReviewed(w http.ResponseWriter, r *http.Request) error {
	return s.materialStep(w, r, "reviewed", func(ctx context.Context, rec audit.Record, id, mid int64, me staff.Staff) error {
		return s.reviews.MarkReviewed(ctx, rec, id, mid, me)
	})
}

// publishMaterial shows a reviewed certificate or expense list on the
// request's public page (R-REQ-4), once the request itself is published.
func (s *Server) publishMaterial(w http.ResponseWriter, r *http.Request) error {
	return s.materialStep(w, r, "published", func(ctx context.Context, rec audit.Record, id, mid int64, me staff.Staff) error {
		return s.reviews.PublishMaterial(ctx, rec, id, mid, limit(r.PostFormValue("summary"), 2000), me)
	})
}

// openFundraising opens the channel of an approved request once
// campaign.CanOpenFundraising allows it (R-REQ-4, R-REQ-5); its refusal says
// what is missing.
func (s *Server) openFundraising(w http.ResponseWriter, r *http.Request) error {
	return s.reviewAction(w, r, "open", nil, func(ctx context.Context, rec audit.Record, id int64, me staff.Staff, _ map[string]string) (string, error) {
		return "opened", s.reviews.OpenFundraising(ctx, rec, id, me)
	})
}

// closeFields maps the fields of campaign.Store.Close's refusals to the
// close form's, which shares its page with the rejection's "reason".
var closeFields = map[string]string{"reason": "close_reason", "cause": "close_cause", "note": "close_note"}

// staffCloseRequest closes an approved or fundraising request for a reason
// the public page shows (R-PUB-4): the purpose achieved, the purpose gone
// and why, or closed by the platform, which must then say why in a public
// note.
func (s *Server) staffCloseRequest(w http.ResponseWriter, r *http.Request) error {
	id, values, err := postedRequest(r, "close_reason", "close_cause", "close_note")
	if err != nil {
		return err
	}
	c := campaign.Closing{Reason: campaign.CloseReason(values["close_reason"]), Cause: campaign.GoneCause(values["close_cause"])}
	if c.Reason != campaign.PurposeGone {
		// The form always sends a cause; only "purpose gone" has one.
		c.Cause = ""
	}
	detail := "close " + auditText(string(c.Reason), 32)
	if c.Cause != "" {
		detail += "." + auditText(string(c.Cause), 32)
	}
	return s.reviewStep(w, r, id, detail, values, func(ctx context.Context, rec audit.Record, me staff.Staff) (string, error) {
		if err := s.reviews.Close(ctx, rec, id, c, values["close_note"], me); err != nil {
			if e := apperr.As(err); e != nil {
				for i, f := range e.Fields {
					if to, ok := closeFields[f.Field]; ok {
						e.Fields[i].Field = to
					}
				}
			}
			return "", err
		}
		return "closed", nil
	})
}

// patrolPage lists the updates waiting for a look, flagged first (R-REV-4).
func (s *Server) patrolPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.patrolView(r)
	if err != nil {
		return err
	}
	p.Notice = doneNotice(s.lang(r), r)
	return s.render(w, r, p)
}

func (s *Server) patrolView(r *http.Request) (web.StaffPatrol, error) {
	lang := s.lang(r)
	list, err := s.reviews.Patrol(r.Context(), patrolLimit)
	if err != nil {
		return web.StaffPatrol{}, err
	}
	var p web.StaffPatrol
	for _, u := range list {
		row := web.PatrolRow{RequestID: u.RequestID, ID: u.ID, Title: u.Title, Body: u.Body,
			PostedAt: minute(u.PostedAt), PostedBy: u.Poster, Flagged: u.Flagged}
		for _, x := range u.Reasons {
			row.Reasons = append(row.Reasons, i18n.T(lang, x.Key, x.ArgsAny()...))
		}
		p.Items = append(p.Items, row)
	}
	return p, nil
}

// patrolStep runs a patrol action on update uid of request id.
func (s *Server) patrolStep(w http.ResponseWriter, r *http.Request, what string, fn func(ctx context.Context, rec audit.Record, id, uid int64, me staff.Staff) error) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	uid, err := pathNumber(r, "uid")
	if err != nil {
		return err
	}
	if err := form(r); err != nil {
		return err
	}
	me := *callerOf(r).staff
	err = s.audited(r, "update:"+strconv.FormatInt(uid, 10), requestObject(id)+" "+what, func(rec audit.Record) error {
		return fn(r.Context(), rec, id, uid, me)
	})
	if err != nil {
		return reshow(s, w, r, err, map[string]string{"reason": r.PostFormValue("reason")}, func(f web.Form) (web.StaffPatrol, error) {
			p, err := s.patrolView(r)
			p.Form, p.FormFor = f, uid
			return p, err
		})
	}
	http.Redirect(w, r, "/staff/patrol?done="+what, http.StatusSeeOther)
	return nil
}

// checkUpdate records that a staff member looked at an update and found
// nothing wrong (R-REV-4).
func (s *Server) checkUpdate(w http.ResponseWriter, r *http.Request) error {
	return s.patrolStep(w, r, "checked", func(ctx context.Context, rec audit.Record, id, uid int64, me staff.Staff) error {
		return s.reviews.CheckUpdate(ctx, rec, id, uid, me)
	})
}

// takeDownUpdate hides an update's text from the public, with a public
// reason; the update stays listed (R-REV-4, R-REQ-6).
func (s *Server) takeDownUpdate(w http.ResponseWriter, r *http.Request) error {
	return s.patrolStep(w, r, "taken_down", func(ctx context.Context, rec audit.Record, id, uid int64, me staff.Staff) error {
		return s.reviews.TakeDown(ctx, rec, id, uid, r.PostFormValue("reason"), me)
	})
}

// addConflict records that staff member {id} is related to a public user
// (R-REV-3): they will not review that user's requests, nor requests for
// that user as patient.
func (s *Server) addConflict(w http.ResponseWriter, r *http.Request) error {
	staffID, err := pathID(r)
	if err != nil {
		return err
	}
	if err := form(r); err != nil {
		return err
	}
	raw := limit(r.PostFormValue("user_id"), 20)
	me := *callerOf(r).staff
	err = s.audited(r, "staff:"+strconv.FormatInt(staffID, 10), "conflict user:"+auditText(raw, 20), func(rec audit.Record) error {
		userID, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || userID <= 0 {
			return &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: "user_id", Key: keyUserID}}}
		}
		return s.reviews.AddConflict(r.Context(), rec, me, staffID, userID, r.PostFormValue("note"))
	})
	if err != nil {
		return reshow(s, w, r, err, map[string]string{"user_id": raw}, func(f web.Form) (web.StaffMembers, error) {
			p, err := s.membersView(r)
			p.Form = f
			return p, err
		})
	}
	http.Redirect(w, r, "/staff/members?done=conflict", http.StatusSeeOther)
	return nil
}
