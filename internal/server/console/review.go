package console

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
	"github.com/carefund/carefund/internal/server/site"
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

// reviewPattern is the route of the review page, which shows a request's
// personal data: only who may open it is sent back to it after an action.
const reviewPattern = "GET /staff/review/{id}"

func requestObject(id int64) string { return "request:" + strconv.FormatInt(id, 10) }

// doneNotice returns the notice of a finished action named in the query
// ("?done=claimed"), or "": only known names have a message.
func doneNotice(l i18n.Lang, r *http.Request) string {
	done := site.Params(r).Get("done")
	key := "reviewpages.done." + done
	if done == "" || !i18n.Has(key) {
		return ""
	}
	return i18n.T(l, key)
}

// waitingFor says in words how long ago t was.
func waitingFor(l i18n.Lang, now, t time.Time) string {
	d := max(now.Sub(t), 0)
	switch {
	case d < time.Hour:
		return i18n.T(l, "reviewpages.age.minutes", int(d/time.Minute))
	case d < 48*time.Hour:
		return i18n.T(l, "reviewpages.age.hours", int(d/time.Hour))
	}
	return i18n.T(l, "reviewpages.age.days", int(d/(24*time.Hour)))
}

// refusalText is a refusal in the reader's language, "" for nil.
func refusalText(l i18n.Lang, err error) string {
	if e := apperr.As(err); e != nil {
		return i18n.T(l, e.Key, e.Args...)
	}
	return ""
}

// reviewQueue lists the requests waiting for review, riskiest then oldest
// (R-REV-1), and the approved ones whose fundraising has not opened
// (R-REQ-4).
func (c *Console) reviewQueue(w http.ResponseWriter, r *http.Request) error {
	l, self, now := lang(r), me(r), c.now()
	d, err := c.Reviews.Desk(r.Context(), reviewQueueLimit, waitingLimit)
	if err != nil {
		return err
	}
	var p web.StaffReviewQueue
	for _, q := range d.Queue {
		p.Queue = append(p.Queue, web.ReviewQueueRow{ID: q.RequestID, Title: q.Title, LevelKey: q.Level.Key(), Score: q.Score,
			Target: q.Target.Format(l), Age: waitingFor(l, now, q.SubmittedAt), ClaimedBy: q.ClaimedByName,
			Mine: q.ClaimedBy == self.ID, FirstApproval: q.FirstApproval})
	}
	for _, x := range d.Waiting {
		p.Waiting = append(p.Waiting, web.ReviewWaitingRow{ID: x.ID, Title: x.Title, Target: x.Target.Format(l),
			Since: site.Day(x.Since), Missing: refusalText(l, x.Blocked)})
	}
	return c.render(w, r, p)
}

// reviewRequest shows one request to a reviewer, unmasked. The view is in
// the audit log, in the transaction that read it, before anything is sent
// (R-PII-1, R-STAFF-1).
func (c *Console) reviewRequest(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	var v review.RequestView
	if err := c.Auditor.Act(r, requestObject(id), "", func(rec audit.Record) (err error) {
		v, err = c.Reviews.View(r.Context(), rec, id, *me(r))
		return err
	}); err != nil {
		return err
	}
	p := c.reviewPage(r, v)
	p.Notice = doneNotice(lang(r), r)
	return c.render(w, r, p)
}

// reviewPage shows v in the reader's language.
func (c *Console) reviewPage(r *http.Request, v review.RequestView) web.StaffReview {
	l, self := lang(r), me(r)
	req, f := v.Request, v.Request.Filing
	p := web.StaffReview{ID: req.ID, Title: f.Title, StateKey: req.State.NameKey(), PublisherID: req.PublisherUserID,
		Publisher:          v.Publisher,
		RelationshipDetail: f.RelationshipDetail, RelationshipProof: f.RelationshipProof,
		PatientName: f.PatientName, PatientID: f.PatientID, Diagnosis: f.Diagnosis,
		HospitalName: f.HospitalName, HospitalCity: f.HospitalCity, Story: f.Story, Target: f.Target.Format(l),
		CloseReasons: make([]string, 0, len(review.StaffCloseReasons))}
	if !req.SubmittedAt.IsZero() {
		p.SubmittedAt = site.Minute(req.SubmittedAt)
	}
	for _, c := range v.PatientChecks {
		p.PatientChecks = append(p.PatientChecks, web.ReviewPatientCheckRow{At: site.Minute(c.CreatedAt), Provider: c.Verifier,
			Reason: c.Reason, Verified: c.Verified})
	}
	if f.Relationship.Valid() {
		p.RelationshipKey = f.Relationship.NameKey()
	}
	for _, u := range f.Use {
		p.Use = append(p.Use, web.ReviewUseRow{Label: u.Label, Amount: u.Amount.Format(l), Note: u.Note})
	}
	for _, t := range campaign.Topics {
		d := f.Disclosures[t]
		row := web.ReviewDisclosureRow{QuestionKey: t.QuestionKey(), Answered: d.Answered, Yes: d.Yes, Detail: d.Detail}
		if t.TakesAmount() && d.Amount != 0 {
			row.Amount = d.Amount.Format(l)
		}
		p.Disclosures = append(p.Disclosures, row)
	}
	if sc := v.Screening; sc != nil {
		rs := &web.ReviewScreening{LevelKey: sc.Level.Key(), Score: sc.Score, At: site.Minute(sc.At), By: v.Who.Of(sc.Actor)}
		for _, x := range sc.Verdicts {
			vd := web.ReviewVerdict{NameKey: "screen.name." + x.Screen, OutcomeKey: x.Outcome.Key(), Score: x.Score}
			// Staff read every reason, the staff-only ones marked as such
			// (R-REV-1): who is blacklisted and why, which other requests.
			for _, y := range x.Reasons {
				vd.Reasons = append(vd.Reasons, web.ReviewReason{Text: i18n.T(l, y.Key, y.ArgsAny()...), StaffOnly: y.StaffOnly})
			}
			rs.Verdicts = append(rs.Verdicts, vd)
		}
		p.Screening = rs
	}
	for _, m := range v.Materials {
		row := web.ReviewMaterialRow{ID: m.ID, KindKey: m.Kind.NameKey(), ContentType: m.ContentType,
			Size:       i18n.T(l, "reviewpages.size_kb", strconv.Itoa((m.Size+1023)/1024)),
			UploadedAt: site.Minute(m.UploadedAt), UploadedBy: v.Who.Of(m.UploadedBy), Publishable: m.Kind.Publishable()}
		if !m.ReviewedAt.IsZero() {
			row.Reviewed, row.ReviewedBy, row.ReviewedAt = true, v.Who.Of(m.ReviewedBy), site.Minute(m.ReviewedAt)
		}
		if !m.PublishedAt.IsZero() {
			row.Published, row.PublishedAt = true, site.Minute(m.PublishedAt)
		}
		p.Materials = append(p.Materials, row)
	}
	for _, d := range v.Decisions {
		p.Decisions = append(p.Decisions, web.ReviewDecisionRow{At: site.Minute(d.At), By: v.Names[d.StaffID],
			DecisionKey: "review.decision." + string(d.Decision), Text: d.Text})
	}
	for _, e := range v.Events {
		p.Events = append(p.Events, web.ReviewEventRow{At: site.Minute(e.At), Actor: v.Who.Of(e.Actor), FromKey: e.From.NameKey(),
			ToKey: e.To.NameKey(), Event: string(e.Event), Reason: e.Reason})
	}
	for _, x := range v.Versions {
		p.Versions = append(p.Versions, web.ReviewVersionRow{Number: x.Number, At: site.Minute(x.At), By: v.Who.Of(x.By),
			Changes: strings.Join(x.Changes, ", ")})
	}
	if ch := v.Channel; ch != nil {
		rc := &web.ReviewChannel{OpenedAt: site.Minute(ch.OpenedAt), Deadline: site.Minute(ch.Deadline), Extensions: ch.Extensions,
			Closed: ch.Closed, ClosedBy: v.Who.Of(ch.ClosedBy), Note: ch.Note}
		if ch.Closed {
			rc.ClosedAt, rc.ClosingKey = site.Minute(ch.ClosedAt), ch.Closing.PublicKey()
		}
		p.Channel = rc
	}
	inReview := req.State == campaign.InReview
	p.ClaimedBy, p.Mine = v.Names[v.HeldBy], v.HeldBy != 0 && v.HeldBy == self.ID
	p.CanClaim = v.CanClaim
	p.CanDecide = inReview && p.Mine
	p.TwoReviewers = v.TwoReviewers
	for _, by := range v.FirstApprovers {
		p.Approvals = append(p.Approvals, v.Names[by])
	}
	p.FirstApprovalMine = slices.Contains(v.FirstApprovers, self.ID)
	p.ApproveBlocked = refusalText(l, v.ApproveBlocked)
	p.CanOpen = req.State == campaign.Approved
	p.CanClose = req.State == campaign.Approved || req.State == campaign.Fundraising
	p.OpenBlocked = refusalText(l, v.OpenBlocked)
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
func (c *Console) reshowReview(w http.ResponseWriter, r *http.Request, id int64, refusal error, values map[string]string) error {
	return reshow(c, w, r, refusal, values, func(f web.Form) (web.StaffReview, error) {
		rec := c.Auditor.Record(r, c.Access.Action(reviewPattern), requestObject(id),
			"after "+c.Access.Action(r.Pattern), nil)
		v, err := c.Reviews.View(r.Context(), rec, id, *me(r))
		if err != nil {
			return web.StaffReview{}, err
		}
		p := c.reviewPage(r, v)
		p.Form = f
		return p, nil
	})
}

// reviewStep runs one action on request id: fn, which calls the review
// service with rec, its audit record with detail. It then goes back to the
// request's page, saying what was done (done names the notice fn returns),
// or shows the page again with the refusal and what was typed (values).
func (c *Console) reviewStep(w http.ResponseWriter, r *http.Request, id int64, detail string, values map[string]string,
	fn func(ctx context.Context, rec audit.Record, self staff.Staff) (done string, err error)) error {
	self := *me(r)
	var done string
	err := c.Auditor.Act(r, requestObject(id), detail, func(rec audit.Record) (err error) {
		done, err = fn(r.Context(), rec, self)
		return err
	})
	if !c.may(r, reviewPattern) {
		// An admin closing a request may not see the review page and its
		// personal data: a refusal is an error page, and success goes to
		// the public page, which shows the closing.
		if err != nil {
			return err
		}
		return site.Redirect(w, r, "/requests/"+strconv.FormatInt(id, 10))
	}
	if err != nil {
		return c.reshowReview(w, r, id, err, values)
	}
	return site.Redirect(w, r, "/staff/review/"+strconv.FormatInt(id, 10)+"?done="+done)
}

// reviewAction is reviewStep for an action on the request named by the
// path, after reading the posted form; fields are kept for a reshow.
func (c *Console) reviewAction(w http.ResponseWriter, r *http.Request, detail string, fields []string,
	fn func(ctx context.Context, rec audit.Record, id int64, self staff.Staff, values map[string]string) (string, error)) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	values, err := site.Posted(r, fields...)
	if err != nil {
		return err
	}
	return c.reviewStep(w, r, id, detail, values, func(ctx context.Context, rec audit.Record, self staff.Staff) (string, error) {
		return fn(ctx, rec, id, self, values)
	})
}

// claimRequest makes the reviewer the one who reviews the request; a
// reviewer related to it is refused (R-REV-3).
func (c *Console) claimRequest(w http.ResponseWriter, r *http.Request) error {
	return c.reviewAction(w, r, "claim", nil, func(ctx context.Context, rec audit.Record, id int64, self staff.Staff, _ map[string]string) (string, error) {
		return "claimed", c.Reviews.Claim(ctx, rec, id, self)
	})
}

func (c *Console) releaseRequest(w http.ResponseWriter, r *http.Request) error {
	return c.reviewAction(w, r, "release", nil, func(ctx context.Context, rec audit.Record, id int64, self staff.Staff, _ map[string]string) (string, error) {
		return "released", c.Reviews.Release(ctx, rec, id, self)
	})
}

// askInfo asks the requester for more material, with questions they read
// (R-REV-2).
func (c *Console) askInfo(w http.ResponseWriter, r *http.Request) error {
	return c.reviewAction(w, r, "needs_info", []string{"questions"}, func(ctx context.Context, rec audit.Record, id int64, self staff.Staff, v map[string]string) (string, error) {
		return "asked", c.Reviews.AskInfo(ctx, rec, id, self, v["questions"])
	})
}

// rejectRequest rejects the request with a reason the requester reads
// (R-REV-2).
func (c *Console) rejectRequest(w http.ResponseWriter, r *http.Request) error {
	return c.reviewAction(w, r, "reject", []string{"reason"}, func(ctx context.Context, rec audit.Record, id int64, self staff.Staff, v map[string]string) (string, error) {
		return "rejected", c.Reviews.Reject(ctx, rec, id, self, v["reason"])
	})
}

// approveRequest approves the request (review.Service.Approve: every
// required material reviewed first, R-REV-2; two reviewers when it needs
// them, R-REV-3; published and opened when it may, R-PUB-1, R-REQ-4).
func (c *Console) approveRequest(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	if err := site.ReadForm(r); err != nil {
		return err
	}
	return c.reviewStep(w, r, id, c.Reviews.ApprovalDetail(r.Context(), id), nil, func(ctx context.Context, rec audit.Record, self staff.Staff) (string, error) {
		out, err := c.Reviews.Approve(ctx, rec, id, self)
		return string(out), err
	})
}

// reviewMaterial sends one supporting material, decrypted, to a reviewer.
// The view is in the audit log before a byte is sent (R-PII-1). The file is
// shown inline in a sandbox: it cannot run script, load anything, or be
// taken for another type.
func (c *Console) reviewMaterial(w http.ResponseWriter, r *http.Request) error {
	return c.sendMaterial(w, r, requestObject, c.Reviews.OpenMaterial)
}

// openMaterial opens document mid of object id for viewer, after
// appending rec: the review's and the payout service's own checks decide
// who may.
type openMaterial func(ctx context.Context, rec audit.Record, id, mid int64, viewer staff.Staff) (material.Material, []byte, error)

// sendMaterial sends document {mid} of object {id} (named by object),
// opened by open, decrypted, to the staff member. The view is in the audit
// log before a byte is sent (R-PII-1).
func (c *Console) sendMaterial(w http.ResponseWriter, r *http.Request, object func(int64) string, open openMaterial) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	mid, err := site.PathNumber(r, "mid")
	if err != nil {
		return err
	}
	var m material.Material
	var content []byte
	if err := c.Auditor.Act(r, "material:"+strconv.FormatInt(mid, 10), object(id), func(rec audit.Record) (err error) {
		m, content, err = open(r.Context(), rec, id, mid, *me(r))
		return err
	}); err != nil {
		return err
	}
	return site.SendMaterial(w, m, content)
}

// materialStep runs a reviewer's mark on material mid of the request.
func (c *Console) materialStep(w http.ResponseWriter, r *http.Request, what string,
	fn func(ctx context.Context, rec audit.Record, id, mid int64, self staff.Staff) error) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	mid, err := site.PathNumber(r, "mid")
	if err != nil {
		return err
	}
	self := *me(r)
	err = c.Auditor.Act(r, "material:"+strconv.FormatInt(mid, 10), requestObject(id)+" "+what, func(rec audit.Record) error {
		return fn(r.Context(), rec, id, mid, self)
	})
	if err != nil {
		return c.reshowReview(w, r, id, err, map[string]string{"summary": site.Limit(r.PostFormValue("summary"), 2000)})
	}
	return site.Redirect(w, r, "/staff/review/"+strconv.FormatInt(id, 10)+"?done="+what)
}

// markMaterialReviewed records that a reviewer checked a material: for a
// certificate, the first half of R-REQ-4.
func (c *Console) markMaterialReviewed(w http.ResponseWriter, r *http.Request) error {
	return c.materialStep(w, r, "reviewed", func(ctx context.Context, rec audit.Record, id, mid int64, self staff.Staff) error {
		return c.Reviews.MarkReviewed(ctx, rec, id, mid, self)
	})
}

// publishMaterial shows a reviewed certificate or expense list on the
// request's public page (R-REQ-4), once the request itself is published.
func (c *Console) publishMaterial(w http.ResponseWriter, r *http.Request) error {
	return c.materialStep(w, r, "published", func(ctx context.Context, rec audit.Record, id, mid int64, self staff.Staff) error {
		return c.Reviews.PublishMaterial(ctx, rec, id, mid, site.Limit(r.PostFormValue("summary"), 2000), self)
	})
}

// openFundraising opens the channel of an approved request once
// campaign.CanOpenFundraising allows it (R-REQ-4, R-REQ-5); its refusal says
// what is missing.
func (c *Console) openFundraising(w http.ResponseWriter, r *http.Request) error {
	return c.reviewAction(w, r, "open", nil, func(ctx context.Context, rec audit.Record, id int64, self staff.Staff, _ map[string]string) (string, error) {
		return "opened", c.Reviews.OpenFundraising(ctx, rec, id, self)
	})
}

// closeFields maps the fields of campaign.Store.Close's refusals to the
// close form's, which shares its page with the rejection's "reason".
var closeFields = map[string]string{"reason": "close_reason", "cause": "close_cause", "note": "close_note"}

// staffCloseRequest closes an approved or fundraising request for a reason
// the public page shows (R-PUB-4): the purpose achieved, the purpose gone
// and why, or closed by the platform, which must then say why in a public
// note.
func (c *Console) staffCloseRequest(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	values, err := site.Posted(r, "close_reason", "close_cause", "close_note")
	if err != nil {
		return err
	}
	closing := campaign.Closing{Reason: campaign.CloseReason(values["close_reason"]), Cause: campaign.GoneCause(values["close_cause"])}
	if closing.Reason != campaign.PurposeGone {
		// The form always sends a cause; only "purpose gone" has one.
		closing.Cause = ""
	}
	detail := "close " + site.AuditText(string(closing.Reason), 32)
	if closing.Cause != "" {
		detail += "." + site.AuditText(string(closing.Cause), 32)
	}
	return c.reviewStep(w, r, id, detail, values, func(ctx context.Context, rec audit.Record, self staff.Staff) (string, error) {
		if err := c.Reviews.Close(ctx, rec, id, closing, values["close_note"], self); err != nil {
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
func (c *Console) patrolPage(w http.ResponseWriter, r *http.Request) error {
	p, err := c.patrolView(r)
	if err != nil {
		return err
	}
	p.Notice = doneNotice(lang(r), r)
	return c.render(w, r, p)
}

func (c *Console) patrolView(r *http.Request) (web.StaffPatrol, error) {
	l := lang(r)
	list, err := c.Reviews.Patrol(r.Context(), patrolLimit)
	if err != nil {
		return web.StaffPatrol{}, err
	}
	var p web.StaffPatrol
	for _, u := range list {
		row := web.PatrolRow{RequestID: u.RequestID, ID: u.ID, Title: u.Title, Body: u.Body,
			PostedAt: site.Minute(u.PostedAt), PostedBy: u.Poster, Flagged: u.Flagged}
		for _, x := range u.Reasons {
			row.Reasons = append(row.Reasons, i18n.T(l, x.Key, x.ArgsAny()...))
		}
		p.Items = append(p.Items, row)
	}
	return p, nil
}

// patrolStep runs a patrol action on update uid of request id.
func (c *Console) patrolStep(w http.ResponseWriter, r *http.Request, what string, fn func(ctx context.Context, rec audit.Record, id, uid int64, self staff.Staff) error) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	uid, err := site.PathNumber(r, "uid")
	if err != nil {
		return err
	}
	if err := site.ReadForm(r); err != nil {
		return err
	}
	self := *me(r)
	err = c.Auditor.Act(r, "update:"+strconv.FormatInt(uid, 10), requestObject(id)+" "+what, func(rec audit.Record) error {
		return fn(r.Context(), rec, id, uid, self)
	})
	if err != nil {
		return reshow(c, w, r, err, map[string]string{"reason": r.PostFormValue("reason")}, func(f web.Form) (web.StaffPatrol, error) {
			p, err := c.patrolView(r)
			p.Form, p.FormFor = f, uid
			return p, err
		})
	}
	return site.Redirect(w, r, "/staff/patrol?done="+what)
}

// checkUpdate records that a staff member looked at an update and found
// nothing wrong (R-REV-4).
func (c *Console) checkUpdate(w http.ResponseWriter, r *http.Request) error {
	return c.patrolStep(w, r, "checked", func(ctx context.Context, rec audit.Record, id, uid int64, self staff.Staff) error {
		return c.Reviews.CheckUpdate(ctx, rec, id, uid, self)
	})
}

// takeDownUpdate hides an update's text from the public, with a public
// reason; the update stays listed (R-REV-4, R-REQ-6).
func (c *Console) takeDownUpdate(w http.ResponseWriter, r *http.Request) error {
	return c.patrolStep(w, r, "taken_down", func(ctx context.Context, rec audit.Record, id, uid int64, self staff.Staff) error {
		return c.Reviews.TakeDown(ctx, rec, id, uid, r.PostFormValue("reason"), self)
	})
}

// addConflict records that staff member {id} is related to a public user
// (R-REV-3): they will not review that user's requests, nor requests for
// that user as patient.
func (c *Console) addConflict(w http.ResponseWriter, r *http.Request) error {
	staffID, err := site.PathID(r)
	if err != nil {
		return err
	}
	if err := site.ReadForm(r); err != nil {
		return err
	}
	raw := site.Limit(r.PostFormValue("user_id"), 20)
	self := *me(r)
	err = c.Auditor.Act(r, "staff:"+strconv.FormatInt(staffID, 10), "conflict user:"+site.AuditText(raw, 20), func(rec audit.Record) error {
		userID, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || userID <= 0 {
			return &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: "user_id", Key: keyUserID}}}
		}
		return c.Reviews.AddConflict(r.Context(), rec, self, staffID, userID, r.PostFormValue("note"))
	})
	if err != nil {
		return reshow(c, w, r, err, map[string]string{"user_id": raw}, func(f web.Form) (web.StaffMembers, error) {
			p, err := c.MembersView(r)
			p.Form = f
			return p, err
		})
	}
	return site.Redirect(w, r, "/staff/members?done=conflict")
}
