package review

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/content"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/screen"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
)

// Service holds the use cases of the review console, one transaction each:
// the queue, one request as a reviewer sees it, the decisions, the
// supporting material, the opening and closing of fundraising, the patrol
// of updates and reviewers' conflicts (R-REV-1 to R-REV-4, R-PUB-1,
// R-PUB-4, R-REQ-4, R-REQ-6).
//
// Every method that acts, or shows personal data, takes the audit record of
// the action and appends it first in its own transaction, so that the
// action and its record commit together, and a view is recorded before
// anything is shown (R-PII-1, R-STAFF-1). Recording a refusal, which rolls
// the transaction back, is the caller's.
type Service struct {
	DB        *store.DB
	Campaigns campaign.Store
	Materials material.Store
	// Accounts unseals the publisher's phone and verified name, which the
	// console shows masked.
	Accounts *account.Service
	// Period is how long a channel stays open (R-PUB-4);
	// campaign.DefaultPeriod when zero.
	Period time.Duration
}

// write runs fn in a transaction that first appends rec.
func (s *Service) write(ctx context.Context, rec audit.Record, fn func(tx *store.Tx) error) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		// The record goes first: appending first keeps PostgreSQL from
		// aborting the transaction over the chain's head (audit.Append).
		if _, err := audit.Append(ctx, tx, rec); err != nil {
			return err
		}
		return fn(tx)
	})
}

// Who names the actors of a request's records for staff: a staff member by
// username, a user by their masked verified name and masked phone, never
// by a bare "user:N".
type Who map[string]string

// Of returns the name of actor, or actor itself ("system") when unknown.
func (w Who) Of(actor string) string {
	if n, ok := w[actor]; ok {
		return n
	}
	return actor
}

// who resolves the actors into w: staff from members, users read and
// masked (R-PII-1).
func (s *Service) who(ctx context.Context, tx *store.Tx, w Who, members map[int64]string, actors ...string) error {
	for _, a := range actors {
		if _, ok := w[a]; ok {
			continue
		}
		kind, n, ok := strings.Cut(a, ":")
		id, err := strconv.ParseInt(n, 10, 64)
		if !ok || err != nil {
			continue
		}
		switch kind {
		case "staff":
			if name, ok := members[id]; ok {
				w[a] = name
			}
		case "user":
			name, err := s.maskedUser(ctx, tx, id)
			if err != nil {
				return err
			}
			w[a] = name
		}
	}
	return nil
}

// maskedUser names user id as staff lists see them: the verified name
// masked (张*明) and the phone masked (138****8000).
func (s *Service) maskedUser(ctx context.Context, tx *store.Tx, id int64) (string, error) {
	if s.Accounts == nil {
		return "", fmt.Errorf("review: no account service to name user %d", id)
	}
	u, err := s.Accounts.Get(ctx, tx, id)
	if err != nil {
		return "", err
	}
	phone := idcard.MaskPhone(u.Phone)
	ident, err := s.Accounts.VerifiedIdentity(ctx, tx, id)
	switch {
	case err == nil:
		return ident.MaskedName() + " " + phone, nil
	case apperr.CodeOf(err) == apperr.NotFound:
		return phone, nil
	}
	return "", err
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

// level returns the level of the last screening of request id, "" when it
// was never screened.
func level(ctx context.Context, tx *store.Tx, id int64) (screen.Level, error) {
	sc, err := LastScreening(ctx, tx, id)
	switch {
	case err == nil:
		return sc.Level, nil
	case apperr.CodeOf(err) == apperr.NotFound:
		return "", nil
	}
	return "", err
}

// opening gathers what campaign.CanOpenFundraising needs to know of request
// id: its target, the patient's earlier published requests, and the state
// of its certificate and expense list (R-REQ-4, R-REQ-5).
func (s *Service) opening(ctx context.Context, tx *store.Tx, id int64, target money.Fen, patientIndex string) (campaign.Opening, []material.Material, error) {
	n, err := s.Campaigns.PublishedBefore(ctx, tx, patientIndex, id)
	if err != nil {
		return campaign.Opening{}, nil, err
	}
	mats, err := s.Materials.List(ctx, tx, id)
	if err != nil {
		return campaign.Opening{}, nil, err
	}
	return material.Opening(mats, campaign.Opening{Target: target, EarlierRequests: n}), mats, nil
}

// unreviewed refuses the approval of a request while any material it
// requires is not marked reviewed (R-REV-2), on the approve button's field.
func (s *Service) unreviewed(ctx context.Context, tx *store.Tx, id int64, req campaign.Request) error {
	o, mats, err := s.opening(ctx, tx, id, req.Filing.Target, req.PatientIndex)
	if err != nil {
		return err
	}
	return material.Unreviewed(mats, material.Required(req.Filing.Relationship, req.Filing.Target, o.EarlierRequests), KeyApproveField)
}

// QueueRow is one request waiting for review, as the queue lists it.
type QueueRow struct {
	QueueItem
	// ClaimedByName is the username of the reviewer holding it, or "".
	ClaimedByName string
	// FirstApproval names who gave the first of the two approvals it
	// needs: it waits for a second reviewer (R-REV-3).
	FirstApproval []string
}

// Waiting is an approved request whose channel is not open.
type Waiting struct {
	campaign.Pending
	// Blocked is campaign.CanOpenFundraising's refusal, saying what is
	// missing; nil when it may open.
	Blocked error
}

// Desk is the reviewers' queue (R-REV-1) and the approved requests waiting
// for their channel to open (R-REQ-4).
type Desk struct {
	Queue   []QueueRow
	Waiting []Waiting
}

// Desk returns up to queueLimit requests waiting for review, riskiest then
// oldest first, and up to waitingLimit approved requests whose fundraising
// has not opened, the longest waiting first.
func (s *Service) Desk(ctx context.Context, queueLimit, waitingLimit int) (Desk, error) {
	var d Desk
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		d = Desk{}
		items, err := Queue(ctx, tx, queueLimit)
		if err != nil {
			return err
		}
		names, err := staffNames(ctx, tx)
		if err != nil {
			return err
		}
		for _, q := range items {
			row := QueueRow{QueueItem: q, ClaimedByName: names[q.ClaimedBy]}
			first, err := pendingApprovals(ctx, tx, q.RequestID)
			if err != nil {
				return err
			}
			if NeedsTwoReviewers(q.Level, q.Target) {
				for _, by := range first {
					row.FirstApproval = append(row.FirstApproval, names[by])
				}
			}
			d.Queue = append(d.Queue, row)
		}
		list, err := s.Campaigns.ApprovedWaiting(ctx, tx, waitingLimit)
		if err != nil {
			return err
		}
		for _, p := range list {
			o, _, err := s.opening(ctx, tx, p.ID, p.Target, p.PatientIndex)
			if err != nil {
				return err
			}
			d.Waiting = append(d.Waiting, Waiting{Pending: p, Blocked: campaign.CanOpenFundraising(o)})
		}
		return nil
	})
	return d, err
}

// RequestView is one request as a reviewer checks it: the whole filing
// unmasked, the screening with its staff-only reasons, the material, the
// decisions and the life cycle, and what the viewer may do next.
type RequestView struct {
	Request campaign.Request
	// Publisher names the publisher masked (R-PII-1); Who names every
	// actor of the records below.
	Publisher string
	Who       Who
	Names     map[int64]string // staff usernames by id

	Screening *Screening // nil when never screened
	Materials []material.Material
	Decisions []DecisionRecord
	Events    []campaign.EventRecord
	Versions  []campaign.Version
	Channel   *campaign.Channel // nil while fundraising never opened
	// PatientChecks are the identity provider's answers about the
	// patient's name and ID number (R-ACC-1), oldest first.
	PatientChecks []account.PatientCheck

	// HeldBy is the reviewer holding the request, 0 when nobody does.
	HeldBy int64
	// TwoReviewers says it needs the approval of two different reviewers
	// (R-REV-3); FirstApprovers gave the approvals so far.
	TwoReviewers   bool
	FirstApprovers []int64
	// CanClaim: in review, nobody holds it, and the viewer did not give
	// its first approval.
	CanClaim bool
	// ApproveBlocked is the refusal an approval would meet while required
	// material is unreviewed (R-REV-2); nil otherwise.
	ApproveBlocked error
	// OpenBlocked is campaign.CanOpenFundraising's refusal of an approved
	// request; nil when it may open.
	OpenBlocked error
}

// View returns request id as viewer, a reviewer, sees it, unmasked, after
// appending rec, the record of the view, in the same transaction: the view
// is in the audit log before anything is shown (R-PII-1, R-STAFF-1). A
// viewer related to the request does not see it at all (apperr.Forbidden
// KeyConflict, R-REV-3); a draft is apperr.NotFound.
func (s *Service) View(ctx context.Context, rec audit.Record, id int64, viewer staff.Staff) (RequestView, error) {
	var v RequestView
	err := s.write(ctx, rec, func(tx *store.Tx) (err error) {
		v, err = s.view(ctx, tx, id, viewer)
		return err
	})
	return v, err
}

func (s *Service) view(ctx context.Context, tx *store.Tx, id int64, viewer staff.Staff) (RequestView, error) {
	if _, err := reviewable(ctx, tx, id, viewer.ID); err != nil {
		return RequestView{}, err
	}
	req, err := s.Campaigns.Get(ctx, tx, id)
	if err != nil {
		return RequestView{}, err
	}
	v := RequestView{Request: req, Who: Who{}}
	if v.Names, err = staffNames(ctx, tx); err != nil {
		return RequestView{}, err
	}
	var lvl screen.Level
	sc, err := LastScreening(ctx, tx, id)
	switch {
	case err == nil:
		v.Screening, lvl = &sc, sc.Level
	case apperr.CodeOf(err) != apperr.NotFound:
		return RequestView{}, err
	}
	o, mats, err := s.opening(ctx, tx, id, req.Filing.Target, req.PatientIndex)
	if err != nil {
		return RequestView{}, err
	}
	v.Materials = mats
	if v.Decisions, err = Decisions(ctx, tx, id); err != nil {
		return RequestView{}, err
	}
	if v.Events, err = s.Campaigns.Events(ctx, tx, id); err != nil {
		return RequestView{}, err
	}
	if v.Versions, err = s.Campaigns.Versions(ctx, tx, id); err != nil {
		return RequestView{}, err
	}
	if v.PatientChecks, err = account.PatientChecks(ctx, tx, id); err != nil {
		return RequestView{}, err
	}
	ch, err := s.Campaigns.Fundraising(ctx, tx, id)
	switch {
	case err == nil:
		v.Channel = &ch
	case apperr.CodeOf(err) != apperr.NotFound:
		return RequestView{}, err
	}
	if v.HeldBy, err = openClaim(ctx, tx, id); err != nil {
		return RequestView{}, err
	}
	inReview := req.State == campaign.InReview
	v.TwoReviewers = NeedsTwoReviewers(lvl, req.Filing.Target)
	if v.TwoReviewers && inReview {
		v.FirstApprovers = PendingApprovers(v.Decisions)
	}
	v.CanClaim = inReview && v.HeldBy == 0 && !slices.Contains(v.FirstApprovers, viewer.ID)
	if inReview {
		v.ApproveBlocked = material.Unreviewed(mats, material.Required(req.Filing.Relationship, req.Filing.Target, o.EarlierRequests), KeyApproveField)
	}
	if req.State == campaign.Approved {
		v.OpenBlocked = campaign.CanOpenFundraising(o)
	}

	actors := []string{"user:" + strconv.FormatInt(req.PublisherUserID, 10)}
	for _, m := range mats {
		actors = append(actors, m.UploadedBy, m.ReviewedBy)
	}
	for _, e := range v.Events {
		actors = append(actors, e.Actor)
	}
	for _, x := range v.Versions {
		actors = append(actors, x.By)
	}
	if v.Channel != nil {
		actors = append(actors, v.Channel.ClosedBy)
	}
	if err := s.who(ctx, tx, v.Who, v.Names, actors...); err != nil {
		return RequestView{}, err
	}
	v.Publisher = v.Who.Of(actors[0])
	return v, nil
}

// Claim makes reviewer the one reviewer of request id (see Claim, whose
// errors it returns), after appending rec.
func (s *Service) Claim(ctx context.Context, rec audit.Record, id int64, reviewer staff.Staff) error {
	return s.write(ctx, rec, func(tx *store.Tx) error { return Claim(ctx, tx, id, reviewer) })
}

// Release gives back reviewer's claim on request id (see Release), after
// appending rec.
func (s *Service) Release(ctx context.Context, rec audit.Record, id int64, reviewer staff.Staff) error {
	return s.write(ctx, rec, func(tx *store.Tx) error { return Release(ctx, tx, id, reviewer) })
}

// AskInfo asks the requester for more material (R-REV-2; see AskInfo),
// after appending rec.
func (s *Service) AskInfo(ctx context.Context, rec audit.Record, id int64, reviewer staff.Staff, questions string) error {
	return s.write(ctx, rec, func(tx *store.Tx) error { return AskInfo(ctx, tx, s.Campaigns, id, reviewer, questions) })
}

// Reject rejects the request with a reason the requester reads (R-REV-2;
// see Reject), after appending rec.
func (s *Service) Reject(ctx context.Context, rec audit.Record, id int64, reviewer staff.Staff, reason string) error {
	return s.write(ctx, rec, func(tx *store.Tx) error { return Reject(ctx, tx, s.Campaigns, id, reviewer, reason) })
}

// Outcome is what an approval did.
type Outcome string

// The outcomes of Service.Approve.
const (
	// FirstApproval: the request needs a second reviewer; it went back to
	// the queue for one (R-REV-3).
	FirstApproval Outcome = "first_approval"
	// ApprovedWaiting: approved and version 1 published, but the channel
	// cannot open yet (R-REQ-4, R-REQ-5).
	ApprovedWaiting Outcome = "approved_waiting"
	// ApprovedOpen: approved, published and fundraising open.
	ApprovedOpen Outcome = "approved_open"
)

// Approve approves request id (R-REV-2), after appending rec. Every
// material the request requires must be marked reviewed first: else it
// returns apperr.Conflict material.KeyUnreviewed on field KeyApproveField.
// A request that needs two reviewers is approved by the second approval of
// another reviewer (R-REV-3); the first goes back to the queue by itself.
// The final approval, in the same transaction, publishes version 1
// (R-PUB-1, R-REQ-6) and opens fundraising, unless the certificate of a
// target above the cap is not yet published: the request then stays
// approved until it is and a reviewer opens it (R-REQ-4). It returns the
// errors of Approve besides.
func (s *Service) Approve(ctx context.Context, rec audit.Record, id int64, reviewer staff.Staff) (Outcome, error) {
	var out Outcome
	err := s.write(ctx, rec, func(tx *store.Tx) error {
		out = ""
		if _, _, err := holding(ctx, tx, id, reviewer); err != nil {
			return err
		}
		req, err := s.Campaigns.Get(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.unreviewed(ctx, tx, id, req); err != nil {
			return err
		}
		approved, err := Approve(ctx, tx, s.Campaigns, id, reviewer)
		if err != nil {
			return err
		}
		if !approved {
			out = FirstApproval
			return nil
		}
		if _, _, err := s.Campaigns.Publish(ctx, tx, id, reviewer.Actor()); err != nil {
			return err
		}
		// Publishing clears a hold of the content screen on the request's
		// text (R-CONT-1): the reviewers read it all.
		if err := content.Resolve(ctx, tx, content.PlaceRequest, strconv.FormatInt(id, 10), content.StateCleared,
			reviewer.Actor(), "approved in review"); err != nil {
			return err
		}
		o, _, err := s.opening(ctx, tx, id, req.Filing.Target, req.PatientIndex)
		if err != nil {
			return err
		}
		if campaign.CanOpenFundraising(o) != nil {
			out = ApprovedWaiting
			return nil
		}
		if _, err := s.Campaigns.OpenFundraising(ctx, tx, id, o, s.Period, reviewer.Actor()); err != nil {
			return err
		}
		out = ApprovedOpen
		return nil
	})
	return out, err
}

// ApprovalDetail says in the audit record which approval of request id
// comes next, "approve 1/2" or "approve 2/2" for a request that needs two
// reviewers, else "approve". It is read before the action, for the record
// that goes first; should the read fail, or a decision land in between, it
// still says "approve" and the decisions table holds the exact count.
func (s *Service) ApprovalDetail(ctx context.Context, id int64) string {
	detail := "approve"
	_ = s.DB.Read(ctx, func(tx *store.Tx) error {
		detail = "approve"
		sb, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		lvl, err := level(ctx, tx, id)
		if err != nil || !NeedsTwoReviewers(lvl, sb.target) {
			return err
		}
		first, err := pendingApprovals(ctx, tx, id)
		if err != nil {
			return err
		}
		detail = fmt.Sprintf("approve %d/2", min(len(first)+1, 2))
		return nil
	})
	return detail
}

// OpenMaterial returns material mid of request id, decrypted, for viewer,
// after appending rec, the record of the view (R-PII-1). A viewer related
// to the request is refused (apperr.Forbidden KeyConflict, R-REV-3).
func (s *Service) OpenMaterial(ctx context.Context, rec audit.Record, id, mid int64, viewer staff.Staff) (material.Material, []byte, error) {
	var m material.Material
	var content []byte
	err := s.write(ctx, rec, func(tx *store.Tx) (err error) {
		if _, err := reviewable(ctx, tx, id, viewer.ID); err != nil {
			return err
		}
		m, content, err = s.Materials.Open(ctx, tx, id, mid)
		return err
	})
	return m, content, err
}

// MarkReviewed records that reviewer checked material mid of request id
// (R-REV-2; for a certificate, the first half of R-REQ-4), after appending
// rec. A reviewer related to the request is refused (R-REV-3).
func (s *Service) MarkReviewed(ctx context.Context, rec audit.Record, id, mid int64, reviewer staff.Staff) error {
	return s.write(ctx, rec, func(tx *store.Tx) error {
		if _, err := reviewable(ctx, tx, id, reviewer.ID); err != nil {
			return err
		}
		return s.Materials.MarkReviewed(ctx, tx, id, mid, reviewer.Actor())
	})
}

// PublishMaterial shows a reviewed certificate or expense list of request
// id on its public page, as summary (R-REQ-4), once the request itself is
// published, after appending rec. The summary may not undo the masking
// (R-PUB-1): apperr.Invalid on field "summary". A request not published is
// apperr.Conflict KeyRequestUnpublished; a reviewer related to it is
// refused (R-REV-3).
func (s *Service) PublishMaterial(ctx context.Context, rec audit.Record, id, mid int64, summary string, reviewer staff.Staff) error {
	return s.write(ctx, rec, func(tx *store.Tx) error {
		sb, err := reviewable(ctx, tx, id, reviewer.ID)
		if err != nil {
			return err
		}
		switch sb.state {
		case campaign.Approved, campaign.Fundraising, campaign.Closed, campaign.Settling:
		default:
			return apperr.New(apperr.Conflict, KeyRequestUnpublished)
		}
		req, err := s.Campaigns.Get(ctx, tx, id)
		if err != nil {
			return err
		}
		if campaign.RevealsIdentity(summary, req.Filing) {
			return &apperr.Error{Code: apperr.Invalid, Key: campaign.KeyRevealsIdentity,
				Fields: []apperr.FieldError{{Field: "summary", Key: campaign.KeyRevealsIdentity}}}
		}
		return s.Materials.Publicize(ctx, tx, id, mid, summary, reviewer.Actor())
	})
}

// OpenFundraising opens the channel of approved request id once
// campaign.CanOpenFundraising allows it (R-REQ-4, R-REQ-5), after
// appending rec; its refusal says what is missing. A staff member related
// to the request is refused (R-REV-3).
func (s *Service) OpenFundraising(ctx context.Context, rec audit.Record, id int64, by staff.Staff) error {
	return s.write(ctx, rec, func(tx *store.Tx) error {
		sb, err := reviewable(ctx, tx, id, by.ID)
		if err != nil {
			return err
		}
		o, _, err := s.opening(ctx, tx, id, sb.target, sb.patientIndex)
		if err != nil {
			return err
		}
		_, err = s.Campaigns.OpenFundraising(ctx, tx, id, o, s.Period, by.Actor())
		return err
	})
}

// Close closes an approved or fundraising request for a reason the public
// page shows (R-PUB-4), after appending rec: CheckStaffClosing's refusals
// (fields "reason" and "note"), then campaign.Store.Close's. A staff member
// related to the request is refused (R-REV-3).
func (s *Service) Close(ctx context.Context, rec audit.Record, id int64, c campaign.Closing, note string, by staff.Staff) error {
	return s.write(ctx, rec, func(tx *store.Tx) error {
		if err := CheckStaffClosing(c, note); err != nil {
			return err
		}
		if _, err := reviewable(ctx, tx, id, by.ID); err != nil {
			return err
		}
		_, err := s.Campaigns.Close(ctx, tx, id, c, note, by.Actor())
		return err
	})
}

// PatrolItem is one update waiting for a look (R-REV-4).
type PatrolItem struct {
	campaign.Update
	Title string // the request's
	// Poster names the publisher masked (R-PII-1).
	Poster string
	// Reasons are what the wording screen finds in a flagged update now.
	Reasons []screen.Reason
}

// Patrol returns up to limit updates nobody has checked or taken down,
// flagged first (R-REV-4).
func (s *Service) Patrol(ctx context.Context, limit int) ([]PatrolItem, error) {
	var out []PatrolItem
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		out = nil
		list, err := s.Campaigns.PatrolQueue(ctx, tx, limit)
		if err != nil {
			return err
		}
		ids := make([]int64, 0, len(list))
		for _, u := range list {
			ids = append(ids, u.RequestID)
		}
		titles, err := s.Campaigns.Titles(ctx, tx, ids)
		if err != nil {
			return err
		}
		who := Who{}
		for _, u := range list {
			if err := s.who(ctx, tx, who, nil, u.PostedBy); err != nil {
				return err
			}
			it := PatrolItem{Update: u, Title: titles[u.RequestID], Poster: who.Of(u.PostedBy)}
			if u.Flagged {
				// Only the reasons' keys are stored; screening the text
				// again gives staff the phrase that tripped the screen.
				v, err := screen.Wording{}.Check(screen.Subject{Texts: []string{u.Body}}, nil)
				if err != nil {
					return err
				}
				it.Reasons = v.Reasons
			}
			out = append(out, it)
		}
		return nil
	})
	return out, err
}

// CheckUpdate records that by looked at update uid of request id and found
// nothing wrong (R-REV-4), after appending rec.
func (s *Service) CheckUpdate(ctx context.Context, rec audit.Record, id, uid int64, by staff.Staff) error {
	return s.write(ctx, rec, func(tx *store.Tx) error { return s.Campaigns.CheckUpdate(ctx, tx, id, uid, by.Actor()) })
}

// TakeDown hides update uid of request id from the public with a public
// reason; the update stays listed (R-REV-4, R-REQ-6). It appends rec first.
func (s *Service) TakeDown(ctx context.Context, rec audit.Record, id, uid int64, reason string, by staff.Staff) error {
	return s.write(ctx, rec, func(tx *store.Tx) error { return s.Campaigns.TakeDown(ctx, tx, id, uid, reason, by.Actor()) })
}

// AddConflict records that staff member staffID is related to public user
// userID (R-REV-3; see AddConflict), after appending rec.
func (s *Service) AddConflict(ctx context.Context, rec audit.Record, by staff.Staff, staffID, userID int64, note string) error {
	return s.write(ctx, rec, func(tx *store.Tx) error { return AddConflict(ctx, tx, by, staffID, userID, note) })
}
