package server

// The review console: the queue, one request under review with its
// decisions, publication and the opening and closing of fundraising, the
// supporting material, reviewers' conflicts, and the patrol of updates
// (R-REV-1 to R-REV-4, R-PUB-1, R-PUB-4, R-REQ-4, R-REQ-6, R-STAFF-1).
//
// Every action goes through staffWrite, so that it and its audit record
// commit together. Every page that shows a request's personal data (the
// filing unmasked, a material) appends its audit record in the
// transaction that reads the data, before anything is sent (R-PII-1).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/review"
	"github.com/carefund/carefund/internal/screen"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/web"
)

// Limits of the review console's lists.
const (
	reviewQueueLimit = 200
	waitingLimit     = 100
	patrolLimit      = 100
)

// Message keys of the review console's own refusals.
const (
	keyCloseReasonStaff   = "reviewpages.close_reason_staff"
	keyNoteRequired       = "reviewpages.note_required"
	keyUserID             = "reviewpages.user_id"
	keyRequestUnpublished = "reviewpages.request_unpublished"
	keyNotReviewable      = "reviewpages.not_reviewable"
)

// staffCloseReasons are the reasons staff may close a channel with (R-PUB-4):
// the target reached and the period ended close by themselves, and the
// requester and a wind-down have their own ways.
var staffCloseReasons = []campaign.CloseReason{campaign.PurposeAchieved, campaign.PurposeGone, campaign.ClosedByStaff}

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
	key := "reviewpages.done." + r.URL.Query().Get("done")
	if r.URL.Query().Get("done") == "" || !i18n.Has(key) {
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

// staffNames maps staff ids to usernames.
func staffNames(ctx context.Context, tx *store.Tx) (map[int64]string, error) {
	members, err := staff.List(ctx, tx)
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(members))
	for _, m := range members {
		names[m.ID] = m.Username
	}
	return names, nil
}

// opening gathers what campaign.CanOpenFundraising needs to know of
// request id: its target, the patient's earlier published requests, and
// the state of its certificate and expense list (R-REQ-4, R-REQ-5).
func (s *Server) opening(ctx context.Context, tx *store.Tx, id int64, target money.Fen, patientIndex string) (campaign.Opening, error) {
	n, err := s.campaigns.PublishedBefore(ctx, tx, patientIndex, id)
	if err != nil {
		return campaign.Opening{}, err
	}
	mats, err := s.materials.List(ctx, tx, id)
	if err != nil {
		return campaign.Opening{}, err
	}
	return material.Opening(mats, campaign.Opening{Target: target, EarlierRequests: n}), nil
}

// heldBy returns the staff id of the reviewer holding request id, 0 when
// nobody does.
func heldBy(ctx context.Context, tx *store.Tx, id int64) (int64, error) {
	var by int64
	err := tx.QueryRowContext(ctx, "SELECT staff_id FROM review_claims WHERE request_id = $1 AND released_at IS NULL", id).Scan(&by)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return by, err
}

// pendingApprovers returns who approved since the last other decision: the
// first approvals of a request that needs two reviewers (R-REV-3).
func pendingApprovers(ds []review.DecisionRecord) []int64 {
	var out []int64
	for _, d := range slices.Backward(ds) {
		if d.Decision != review.Approved {
			break
		}
		out = append(out, d.StaffID)
	}
	return out
}

// reviewSubject is what the console's own checks need of a request, read
// without unsealing its filing.
type reviewSubject struct {
	state        campaign.State
	publisher    int64
	patientIndex string
	target       money.Fen
}

// loadReviewSubject reads request id for a staff action. A draft is the
// publisher's alone until it is submitted: to the console it does not
// exist (apperr.NotFound), like a request that does not.
func loadReviewSubject(ctx context.Context, tx *store.Tx, id int64) (reviewSubject, error) {
	var sb reviewSubject
	var index sql.NullString
	var target int64
	err := tx.QueryRowContext(ctx, "SELECT state, publisher_user_id, patient_index, target_fen FROM requests WHERE id = $1", id).
		Scan(&sb.state, &sb.publisher, &index, &target)
	if errors.Is(err, sql.ErrNoRows) {
		return reviewSubject{}, apperr.New(apperr.NotFound, "")
	}
	if err != nil {
		return reviewSubject{}, err
	}
	if sb.state == campaign.Draft {
		return reviewSubject{}, apperr.New(apperr.NotFound, keyNotReviewable)
	}
	sb.patientIndex, sb.target = index.String, money.Fen(target)
	return sb, nil
}

// notRelated refuses a staff member recorded as related to the request's
// publisher or patient (R-REV-3) with apperr.Forbidden review.KeyConflict.
// Package review checks it for claims and decisions; the certificate and
// the opening and closing of fundraising are part of the same review, so
// the console checks them here, by the same rule.
func notRelated(ctx context.Context, tx *store.Tx, staffID int64, sb reviewSubject) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM review_conflicts c WHERE c.staff_id = $1 AND (c.user_id = $2
		OR c.user_id IN (SELECT i.user_id FROM identities i WHERE i.outcome = 'verified' AND i.number_index = $3))`,
		staffID, sb.publisher, sb.patientIndex).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return apperr.New(apperr.Forbidden, review.KeyConflict)
	}
	return nil
}

// reviewQueue lists the requests waiting for review, riskiest then oldest
// (R-REV-1), and the approved ones whose fundraising has not opened
// (R-REQ-4).
func (s *Server) reviewQueue(w http.ResponseWriter, r *http.Request) error {
	lang, me, now := s.lang(r), callerOf(r).staff, s.now()
	var p web.StaffReviewQueue
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		ctx := r.Context()
		items, err := review.Queue(ctx, tx, reviewQueueLimit)
		if err != nil {
			return err
		}
		names, err := staffNames(ctx, tx)
		if err != nil {
			return err
		}
		for _, q := range items {
			p.Queue = append(p.Queue, web.ReviewQueueRow{ID: q.RequestID, Title: q.Title, LevelKey: q.Level.Key(), Score: q.Score,
				Target: q.Target.Format(lang), Age: waitingFor(lang, now, q.SubmittedAt), ClaimedBy: names[q.ClaimedBy],
				Mine: q.ClaimedBy == me.ID})
		}
		p.Waiting, err = s.waiting(ctx, tx, lang)
		return err
	})
	if err != nil {
		return err
	}
	return s.render(w, r, p)
}

// waiting lists the approved requests whose channel is not open yet, the
// longest waiting first, each with what it still misses.
func (s *Server) waiting(ctx context.Context, tx *store.Tx, lang i18n.Lang) ([]web.ReviewWaitingRow, error) {
	type approved struct {
		id, target, since int64
		title             string
		index             sql.NullString
	}
	rows, err := tx.QueryContext(ctx, `SELECT r.id, r.title, r.target_fen, r.patient_index,
		COALESCE((SELECT max(e.at) FROM request_events e WHERE e.request_id = r.id AND e.to_state = $1), r.updated_at) AS since
		FROM requests r WHERE r.state = $1 ORDER BY since, r.id LIMIT $2`, campaign.Approved, waitingLimit)
	if err != nil {
		return nil, err
	}
	var list []approved
	for rows.Next() {
		var x approved
		if err := rows.Scan(&x.id, &x.title, &x.target, &x.index, &x.since); err != nil {
			rows.Close()
			return nil, err
		}
		list = append(list, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Look at the materials after the rows are closed: a transaction runs
	// one query at a time.
	var out []web.ReviewWaitingRow
	for _, x := range list {
		o, err := s.opening(ctx, tx, x.id, money.Fen(x.target), x.index.String)
		if err != nil {
			return nil, err
		}
		w := web.ReviewWaitingRow{ID: x.id, Title: x.title, Target: money.Fen(x.target).Format(lang),
			Since: day(time.UnixMicro(x.since))}
		if e := apperr.As(campaign.CanOpenFundraising(o)); e != nil {
			w.Missing = i18n.T(lang, e.Key, e.Args...)
		}
		out = append(out, w)
	}
	return out, nil
}

// reviewRequest shows one request to a reviewer, unmasked. The view is in
// the audit log, in the transaction that read it, before anything is sent
// (R-PII-1, R-STAFF-1).
func (s *Server) reviewRequest(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var p web.StaffReview
	if err := s.staffWrite(r, requestObject(id), "", func(tx *store.Tx) (err error) {
		p, err = s.reviewView(r, tx, id)
		return err
	}); err != nil {
		return err
	}
	p.Notice = doneNotice(s.lang(r), r)
	return s.render(w, r, p)
}

// reviewView reads everything the review page shows of request id.
func (s *Server) reviewView(r *http.Request, tx *store.Tx, id int64) (web.StaffReview, error) {
	ctx, lang, me := r.Context(), s.lang(r), callerOf(r).staff
	req, err := s.campaigns.Get(ctx, tx, id)
	if err != nil {
		return web.StaffReview{}, err
	}
	if req.State == campaign.Draft {
		return web.StaffReview{}, apperr.New(apperr.NotFound, keyNotReviewable)
	}
	// A reviewer related to the publisher or the patient does not see the
	// filing at all, not only not decide on it (R-REV-3).
	if err := notRelated(ctx, tx, me.ID, reviewSubject{publisher: req.PublisherUserID, patientIndex: req.PatientIndex}); err != nil {
		return web.StaffReview{}, err
	}
	names, err := staffNames(ctx, tx)
	if err != nil {
		return web.StaffReview{}, err
	}
	f := req.Filing
	p := web.StaffReview{ID: id, Title: f.Title, StateKey: req.State.NameKey(), PublisherID: req.PublisherUserID,
		RelationshipDetail: f.RelationshipDetail, RelationshipProof: f.RelationshipProof,
		PatientName: f.PatientName, PatientID: f.PatientID, Diagnosis: f.Diagnosis,
		HospitalName: f.HospitalName, HospitalCity: f.HospitalCity, Story: f.Story, Target: f.Target.Format(lang),
		CloseReasons: make([]string, 0, len(staffCloseReasons))}
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

	var level screen.Level
	sc, err := review.LastScreening(ctx, tx, id)
	switch {
	case err == nil:
		level = sc.Level
		rs := &web.ReviewScreening{LevelKey: sc.Level.Key(), Score: sc.Score, At: minute(sc.At), By: sc.Actor}
		for _, v := range sc.Verdicts {
			vd := web.ReviewVerdict{NameKey: "screen.name." + v.Screen, OutcomeKey: v.Outcome.Key(), Score: v.Score}
			// Staff read every reason, the staff-only ones marked as such
			// (R-REV-1): who is blacklisted and why, which other requests.
			for _, x := range v.Reasons {
				vd.Reasons = append(vd.Reasons, web.ReviewReason{Text: i18n.T(lang, x.Key, x.ArgsAny()...), StaffOnly: x.StaffOnly})
			}
			rs.Verdicts = append(rs.Verdicts, vd)
		}
		p.Screening = rs
	case apperr.CodeOf(err) != apperr.NotFound:
		return web.StaffReview{}, err
	}

	mats, err := s.materials.List(ctx, tx, id)
	if err != nil {
		return web.StaffReview{}, err
	}
	for _, m := range mats {
		row := web.ReviewMaterialRow{ID: m.ID, KindKey: m.Kind.NameKey(), ContentType: m.ContentType,
			Size:       i18n.T(lang, "reviewpages.size_kb", strconv.Itoa((m.Size+1023)/1024)),
			UploadedAt: minute(m.UploadedAt), UploadedBy: m.UploadedBy, Publishable: m.Kind.Publishable()}
		if !m.ReviewedAt.IsZero() {
			row.Reviewed, row.ReviewedBy, row.ReviewedAt = true, m.ReviewedBy, minute(m.ReviewedAt)
		}
		if !m.PublishedAt.IsZero() {
			row.Published, row.PublishedAt = true, minute(m.PublishedAt)
		}
		p.Materials = append(p.Materials, row)
	}

	ds, err := review.Decisions(ctx, tx, id)
	if err != nil {
		return web.StaffReview{}, err
	}
	for _, d := range ds {
		p.Decisions = append(p.Decisions, web.ReviewDecisionRow{At: minute(d.At), By: names[d.StaffID],
			DecisionKey: "review.decision." + string(d.Decision), Text: d.Text})
	}
	evs, err := s.campaigns.Events(ctx, tx, id)
	if err != nil {
		return web.StaffReview{}, err
	}
	for _, e := range evs {
		p.Events = append(p.Events, web.ReviewEventRow{At: minute(e.At), Actor: e.Actor, FromKey: e.From.NameKey(),
			ToKey: e.To.NameKey(), Event: string(e.Event), Reason: e.Reason})
	}
	vs, err := s.campaigns.Versions(ctx, tx, id)
	if err != nil {
		return web.StaffReview{}, err
	}
	for _, v := range vs {
		p.Versions = append(p.Versions, web.ReviewVersionRow{Number: v.Number, At: minute(v.At), By: v.By,
			Changes: strings.Join(v.Changes, ", ")})
	}
	ch, err := s.campaigns.Fundraising(ctx, tx, id)
	switch {
	case err == nil:
		rc := &web.ReviewChannel{OpenedAt: minute(ch.OpenedAt), Deadline: minute(ch.Deadline), Extensions: ch.Extensions,
			Closed: ch.Closed, ClosedBy: ch.ClosedBy, Note: ch.Note}
		if ch.Closed {
			rc.ClosedAt, rc.ClosingKey = minute(ch.ClosedAt), ch.Closing.PublicKey()
		}
		p.Channel = rc
	case apperr.CodeOf(err) != apperr.NotFound:
		return web.StaffReview{}, err
	}

	holder, err := heldBy(ctx, tx, id)
	if err != nil {
		return web.StaffReview{}, err
	}
	inReview := req.State == campaign.InReview
	p.ClaimedBy, p.Mine = names[holder], holder != 0 && holder == me.ID
	p.CanClaim = inReview && holder == 0
	p.CanDecide = inReview && p.Mine
	p.TwoReviewers = review.NeedsTwoReviewers(level, f.Target)
	if p.TwoReviewers && inReview {
		for _, by := range pendingApprovers(ds) {
			p.Approvals = append(p.Approvals, names[by])
		}
	}
	p.CanOpen = req.State == campaign.Approved
	p.CanClose = req.State == campaign.Approved || req.State == campaign.Fundraising
	if p.CanOpen {
		o, err := s.opening(ctx, tx, id, f.Target, req.PatientIndex)
		if err != nil {
			return web.StaffReview{}, err
		}
		if e := apperr.As(campaign.CanOpenFundraising(o)); e != nil {
			p.OpenBlocked = i18n.T(lang, e.Key, e.Args...)
		}
	}
	for _, c := range staffCloseReasons {
		p.CloseReasons = append(p.CloseReasons, string(c))
	}
	for _, c := range campaign.GoneCauses {
		p.GoneCauses = append(p.GoneCauses, string(c))
	}
	return p, nil
}

// reshowReview answers a refused action with the request's page and the
// message. The page shows personal data, so this view too is in the audit
// log before it is sent, as a view of its own.
func (s *Server) reshowReview(w http.ResponseWriter, r *http.Request, id int64, refusal error, values map[string]string) error {
	return reshow(s, w, r, refusal, values, func(f web.Form) (web.StaffReview, error) {
		var p web.StaffReview
		ctx := r.Context()
		err := s.db.Write(ctx, func(tx *store.Tx) (err error) {
			rec := s.record(r, permissions["GET /staff/review/{id}"].action, requestObject(id),
				"after "+permissions[r.Pattern].action, nil)
			if _, err := audit.Append(ctx, tx, rec); err != nil {
				return err
			}
			p, err = s.reviewView(r, tx, id)
			return err
		})
		p.Form = f
		return p, err
	})
}

// reviewStep runs one action on request id: fn, and its audit record with
// detail, in one transaction. It then goes back to the request's page,
// saying what was done (done names the notice fn returns), or shows the
// page again with the refusal and what was typed (values).
func (s *Server) reviewStep(w http.ResponseWriter, r *http.Request, id int64, detail string, values map[string]string,
	fn func(ctx context.Context, tx *store.Tx, me staff.Staff) (done string, err error)) error {
	me := *callerOf(r).staff
	var done string
	err := s.staffWrite(r, requestObject(id), detail, func(tx *store.Tx) (err error) {
		done, err = fn(r.Context(), tx, me)
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
	fn func(ctx context.Context, tx *store.Tx, id int64, me staff.Staff, values map[string]string) (string, error)) error {
	id, values, err := postedRequest(r, fields...)
	if err != nil {
		return err
	}
	return s.reviewStep(w, r, id, detail, values, func(ctx context.Context, tx *store.Tx, me staff.Staff) (string, error) {
		return fn(ctx, tx, id, me, values)
	})
}

// claimRequest makes the reviewer the one who reviews the request; a
// reviewer related to it is refused (R-REV-3).
func (s *Server) claimRequest(w http.ResponseWriter, r *http.Request) error {
	return s.reviewAction(w, r, "claim", nil, func(ctx context.Context, tx *store.Tx, id int64, me staff.Staff, _ map[string]string) (string, error) {
		return "claimed", review.Claim(ctx, tx, id, me)
	})
}

func (s *Server) releaseRequest(w http.ResponseWriter, r *http.Request) error {
	return s.reviewAction(w, r, "release", nil, func(ctx context.Context, tx *store.Tx, id int64, me staff.Staff, _ map[string]string) (string, error) {
		return "released", review.Release(ctx, tx, id, me)
	})
}

// askInfo asks the requester for more material, with questions they read
// (R-REV-2).
func (s *Server) askInfo(w http.ResponseWriter, r *http.Request) error {
	return s.reviewAction(w, r, "needs_info", []string{"questions"}, func(ctx context.Context, tx *store.Tx, id int64, me staff.Staff, v map[string]string) (string, error) {
		return "asked", review.AskInfo(ctx, tx, s.campaigns, id, me, v["questions"])
	})
}

// rejectRequest rejects the request with a reason the requester reads
// (R-REV-2).
func (s *Server) rejectRequest(w http.ResponseWriter, r *http.Request) error {
	return s.reviewAction(w, r, "reject", []string{"reason"}, func(ctx context.Context, tx *store.Tx, id int64, me staff.Staff, v map[string]string) (string, error) {
		return "rejected", review.Reject(ctx, tx, s.campaigns, id, me, v["reason"])
	})
}

// approveRequest approves the request (R-REV-2). A request that needs two
// reviewers is approved by the second approval of another reviewer
// (R-REV-3). The final approval, in the same transaction, publishes version
// 1 (R-PUB-1, R-REQ-6) and opens fundraising, unless the certificate of a
// target above the cap is not yet reviewed and published: the request then
// stays approved until it is and a reviewer opens it (R-REQ-4).
func (s *Server) approveRequest(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := form(r); err != nil {
		return err
	}
	return s.reviewStep(w, r, id, s.approvalDetail(r.Context(), id), nil, func(ctx context.Context, tx *store.Tx, me staff.Staff) (string, error) {
		approved, err := review.Approve(ctx, tx, s.campaigns, id, me)
		if err != nil {
			return "", err
		}
		if !approved {
			return "first_approval", nil
		}
		if _, _, err := s.campaigns.Publish(ctx, tx, id, me.Actor()); err != nil {
			return "", err
		}
		sb, err := loadReviewSubject(ctx, tx, id)
		if err != nil {
			return "", err
		}
		o, err := s.opening(ctx, tx, id, sb.target, sb.patientIndex)
		if err != nil {
			return "", err
		}
		if campaign.CanOpenFundraising(o) != nil {
			return "approved_waiting", nil
		}
		if _, err := s.campaigns.OpenFundraising(ctx, tx, id, o, s.period, me.Actor()); err != nil {
			return "", err
		}
		return "approved_open", nil
	})
}

// approvalDetail says in the audit record which approval this is, "approve
// 1/2" or "approve 2/2" for a request that needs two reviewers. It is read
// before the action, for the record that goes first; should the read fail,
// or a decision land in between, the record still says "approve" and the
// decisions table holds the exact count.
func (s *Server) approvalDetail(ctx context.Context, id int64) string {
	detail := "approve"
	_ = s.db.Read(ctx, func(tx *store.Tx) error {
		sb, err := loadReviewSubject(ctx, tx, id)
		if err != nil {
			return err
		}
		var level screen.Level
		if sc, err := review.LastScreening(ctx, tx, id); err == nil {
			level = sc.Level
		}
		if !review.NeedsTwoReviewers(level, sb.target) {
			return nil
		}
		ds, err := review.Decisions(ctx, tx, id)
		if err != nil {
			return err
		}
		detail = fmt.Sprintf("approve %d/2", min(len(pendingApprovers(ds))+1, 2))
		return nil
	})
	return detail
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
	if err := s.staffWrite(r, "material:"+strconv.FormatInt(mid, 10), requestObject(id), func(tx *store.Tx) (err error) {
		sb, err := loadReviewSubject(r.Context(), tx, id)
		if err != nil {
			return err
		}
		if err := notRelated(r.Context(), tx, callerOf(r).staff.ID, sb); err != nil {
			return err
		}
		m, content, err = s.materials.Open(r.Context(), tx, id, mid)
		return err
	}); err != nil {
		return err
	}
	return sendMaterial(w, m, content)
}

// materialStep runs a reviewer's mark on material mid of the request.
func (s *Server) materialStep(w http.ResponseWriter, r *http.Request, what string,
	fn func(ctx context.Context, tx *store.Tx, id, mid int64, sb reviewSubject, me staff.Staff) error) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	mid, err := pathNumber(r, "mid")
	if err != nil {
		return err
	}
	me := *callerOf(r).staff
	err = s.staffWrite(r, "material:"+strconv.FormatInt(mid, 10), requestObject(id)+" "+what, func(tx *store.Tx) error {
		sb, err := loadReviewSubject(r.Context(), tx, id)
		if err != nil {
			return err
		}
		if err := notRelated(r.Context(), tx, me.ID, sb); err != nil {
			return err
		}
		return fn(r.Context(), tx, id, mid, sb, me)
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
	return s.materialStep(w, r, "reviewed", func(ctx context.Context, tx *store.Tx, id, mid int64, _ reviewSubject, me staff.Staff) error {
		return s.materials.MarkReviewed(ctx, tx, id, mid, me.Actor())
	})
}

// publishMaterial shows a reviewed certificate or expense list on the
// request's public page (R-REQ-4), once the request itself is published.
func (s *Server) publishMaterial(w http.ResponseWriter, r *http.Request) error {
	return s.materialStep(w, r, "published", func(ctx context.Context, tx *store.Tx, id, mid int64, sb reviewSubject, me staff.Staff) error {
		switch sb.state {
		case campaign.Approved, campaign.Fundraising, campaign.Closed, campaign.Settling:
		default:
			return apperr.New(apperr.Conflict, keyRequestUnpublished)
		}
		summary := limit(r.PostFormValue("summary"), 2000)
		req, err := s.campaigns.Get(ctx, tx, id)
		if err != nil {
			return err
		}
		// The summary is public: it may not undo the masking (R-PUB-1).
		if campaign.RevealsIdentity(summary, req.Filing) {
			return &apperr.Error{Code: apperr.Invalid, Key: campaign.KeyRevealsIdentity,
				Fields: []apperr.FieldError{{Field: "summary", Key: campaign.KeyRevealsIdentity}}}
		}
		return s.materials.Publicize(ctx, tx, id, mid, summary, me.Actor())
	})
}

// openFundraising opens the channel of an approved request once
// campaign.CanOpenFundraising allows it (R-REQ-4, R-REQ-5); its refusal says
// what is missing.
func (s *Server) openFundraising(w http.ResponseWriter, r *http.Request) error {
	return s.reviewAction(w, r, "open", nil, func(ctx context.Context, tx *store.Tx, id int64, me staff.Staff, _ map[string]string) (string, error) {
		sb, err := loadReviewSubject(ctx, tx, id)
		if err != nil {
			return "", err
		}
		if err := notRelated(ctx, tx, me.ID, sb); err != nil {
			return "", err
		}
		o, err := s.opening(ctx, tx, id, sb.target, sb.patientIndex)
		if err != nil {
			return "", err
		}
		_, err = s.campaigns.OpenFundraising(ctx, tx, id, o, s.period, me.Actor())
		return "opened", err
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
	return s.reviewStep(w, r, id, detail, values, func(ctx context.Context, tx *store.Tx, me staff.Staff) (string, error) {
		if !slices.Contains(staffCloseReasons, c.Reason) {
			return "", &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: "close_reason", Key: keyCloseReasonStaff}}}
		}
		if c.Reason == campaign.ClosedByStaff && strings.TrimSpace(values["close_note"]) == "" {
			return "", &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: "close_note", Key: keyNoteRequired}}}
		}
		sb, err := loadReviewSubject(ctx, tx, id)
		if err != nil {
			return "", err
		}
		if err := notRelated(ctx, tx, me.ID, sb); err != nil {
			return "", err
		}
		if _, err := s.campaigns.Close(ctx, tx, id, c, values["close_note"], me.Actor()); err != nil {
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
	ctx, lang := r.Context(), s.lang(r)
	var p web.StaffPatrol
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		list, err := s.campaigns.PatrolQueue(ctx, tx, patrolLimit)
		if err != nil {
			return err
		}
		titles := map[int64]string{}
		for _, u := range list {
			if _, ok := titles[u.RequestID]; ok {
				continue
			}
			var title string
			if err := tx.QueryRowContext(ctx, "SELECT title FROM requests WHERE id = $1", u.RequestID).Scan(&title); err != nil {
				return err
			}
			titles[u.RequestID] = title
		}
		for _, u := range list {
			row := web.PatrolRow{RequestID: u.RequestID, ID: u.ID, Title: titles[u.RequestID], Body: u.Body,
				PostedAt: minute(u.PostedAt), PostedBy: u.PostedBy, Flagged: u.Flagged}
			if u.Flagged {
				// Only the reasons' keys are stored; screening the text
				// again gives staff the phrase that tripped the screen.
				v, err := screen.Wording{}.Check(screen.Subject{Texts: []string{u.Body}}, nil)
				if err != nil {
					return err
				}
				for _, x := range v.Reasons {
					row.Reasons = append(row.Reasons, i18n.T(lang, x.Key, x.ArgsAny()...))
				}
			}
			p.Items = append(p.Items, row)
		}
		return nil
	})
	return p, err
}

// patrolStep runs a patrol action on update uid of request id.
func (s *Server) patrolStep(w http.ResponseWriter, r *http.Request, what string, fn func(ctx context.Context, tx *store.Tx, id, uid int64, me staff.Staff) error) error {
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
	err = s.staffWrite(r, "update:"+strconv.FormatInt(uid, 10), requestObject(id)+" "+what, func(tx *store.Tx) error {
		return fn(r.Context(), tx, id, uid, me)
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
	return s.patrolStep(w, r, "checked", func(ctx context.Context, tx *store.Tx, id, uid int64, me staff.Staff) error {
		return s.campaigns.CheckUpdate(ctx, tx, id, uid, me.Actor())
	})
}

// takeDownUpdate hides an update's text from the public, with a public
// reason; the update stays listed (R-REV-4, R-REQ-6).
func (s *Server) takeDownUpdate(w http.ResponseWriter, r *http.Request) error {
	return s.patrolStep(w, r, "taken_down", func(ctx context.Context, tx *store.Tx, id, uid int64, me staff.Staff) error {
		return s.campaigns.TakeDown(ctx, tx, id, uid, r.PostFormValue("reason"), me.Actor())
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
	err = s.staffWrite(r, "staff:"+strconv.FormatInt(staffID, 10), "conflict user:"+auditText(raw, 20), func(tx *store.Tx) error {
		userID, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || userID <= 0 {
			return &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: "user_id", Key: keyUserID}}}
		}
		return review.AddConflict(r.Context(), tx, me, staffID, userID, r.PostFormValue("note"))
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
