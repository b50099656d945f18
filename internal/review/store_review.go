package review

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/screen"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
)

// levelRank orders the levels for the queue; a request without a screening
// counts as high, so it is looked at early rather than forgotten.
const levelRank = `CASE COALESCE(s.level, 'high') WHEN 'blocked' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END`

// Queue returns up to limit requests waiting for human review, the riskiest
// first and, within a level, the oldest submission first, so that a request
// answered after a question keeps its place.
func Queue(ctx context.Context, tx *store.Tx, limit int) ([]QueueItem, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (QueueItem, error) {
		var q QueueItem
		var target, at int64
		var level string
		if err := rows.Scan(&q.RequestID, &q.Title, &target, &at, &level, &q.Score, &q.ClaimedBy); err != nil {
			return q, err
		}
		q.Target, q.Level, q.SubmittedAt = money.Fen(target), screen.Level(level), time.UnixMicro(at).UTC()
		return q, nil
	}, `SELECT r.id, r.title, r.target_fen, COALESCE(r.submitted_at, r.created_at),
		COALESCE(s.level, 'high'), COALESCE(s.score, 0), COALESCE(c.staff_id, 0)
		FROM requests r
		LEFT JOIN review_screenings s ON s.id = (SELECT max(x.id) FROM review_screenings x WHERE x.request_id = r.id)
		LEFT JOIN review_claims c ON c.request_id = r.id AND c.released_at IS NULL
		WHERE r.state = $1
		ORDER BY `+levelRank+` DESC, COALESCE(r.submitted_at, r.created_at), r.id
		LIMIT $2`, campaign.InReview, limit)
}

// active re-reads a staff member, so that a role changed or an account
// disabled since sign-in counts, and checks they are one of roles.
func active(ctx context.Context, tx *store.Tx, who staff.Staff, key string, roles ...staff.Role) (staff.Staff, error) {
	s, err := staff.Get(ctx, tx, who.ID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return staff.Staff{}, apperr.New(apperr.Forbidden, key)
	}
	if err != nil {
		return staff.Staff{}, err
	}
	if s.Disabled || s.Locked || !slices.Contains(roles, s.Role) {
		return staff.Staff{}, apperr.New(apperr.Forbidden, key)
	}
	return s, nil
}

func load(ctx context.Context, tx *store.Tx, id int64) (subject, error) {
	var s subject
	var patient sql.NullString
	var target int64
	err := tx.QueryRowContext(ctx, "SELECT state, publisher_user_id, patient_index, target_fen FROM requests WHERE id = $1", id).
		Scan(&s.state, &s.publisher, &patient, &target)
	if errors.Is(err, sql.ErrNoRows) {
		return subject{}, apperr.New(apperr.NotFound, KeyUnknown)
	}
	if err != nil {
		return subject{}, err
	}
	s.patientIndex, s.target = patient.String, money.Fen(target)
	return s, nil
}

// related refuses staff member staffID when they are related to the
// request s (R-REV-3) with apperr.Forbidden KeyConflict: an admin recorded
// them as related to its publisher's account, or to the account whose
// verified ID number is the patient's. It is the one check of relatedness:
// claiming and deciding (Claim, holding) and every step of the console's
// review service (seeing the filing and the material, marking and
// publishing material, opening and closing fundraising) call it.
func related(ctx context.Context, tx *store.Tx, staffID int64, s subject) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM review_conflicts c WHERE c.staff_id = $1 AND (c.user_id = $2
		OR c.user_id IN (SELECT i.user_id FROM identities i WHERE i.outcome = 'verified' AND i.number_index = $3))`,
		staffID, s.publisher, s.patientIndex).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return apperr.New(apperr.Forbidden, KeyConflict)
	}
	return nil
}

// reviewable loads request id for a staff step, checking that staffID is
// not related to it (R-REV-3). A draft is the publisher's alone until it
// is submitted: to the console it does not exist (apperr.NotFound
// KeyNotReviewable), like a request that does not.
func reviewable(ctx context.Context, tx *store.Tx, id, staffID int64) (subject, error) {
	s, err := load(ctx, tx, id)
	if err != nil {
		return subject{}, err
	}
	if s.state == campaign.Draft {
		return subject{}, apperr.New(apperr.NotFound, KeyNotReviewable)
	}
	return s, related(ctx, tx, staffID, s)
}

// openClaim returns the staff id holding request id, 0 when nobody does.
func openClaim(ctx context.Context, tx *store.Tx, id int64) (int64, error) {
	var by int64
	err := tx.QueryRowContext(ctx, "SELECT staff_id FROM review_claims WHERE request_id = $1 AND released_at IS NULL", id).Scan(&by)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return by, err
}

// Claim makes reviewer the one reviewer of request id until they decide or
// Release it. Claiming again what one holds does nothing. It returns
// apperr.NotFound, apperr.Forbidden KeyNotReviewer for anyone but an active
// reviewer, apperr.Conflict KeyNotInReview when the request is not waiting
// for review, apperr.Forbidden KeyConflict when the reviewer is related to
// it (R-REV-3), apperr.Forbidden KeySameReviewer when the reviewer gave the
// first of the two approvals it needs (R-REV-3), and apperr.Conflict
// KeyClaimed when another reviewer holds it.
func Claim(ctx context.Context, tx *store.Tx, id int64, reviewer staff.Staff) error {
	rv, err := active(ctx, tx, reviewer, KeyNotReviewer, staff.Reviewer)
	if err != nil {
		return err
	}
	s, err := load(ctx, tx, id)
	if err != nil {
		return err
	}
	if s.state != campaign.InReview {
		return apperr.New(apperr.Conflict, KeyNotInReview)
	}
	if err := related(ctx, tx, rv.ID, s); err != nil {
		return err
	}
	// The first approver of a request that needs two reviewers has
	// decided: the claim went back to the queue for someone else (R-REV-3).
	if first, err := pendingApprovals(ctx, tx, id); err != nil {
		return err
	} else if slices.Contains(first, rv.ID) {
		return apperr.New(apperr.Forbidden, KeySameReviewer)
	}
	holder, err := openClaim(ctx, tx, id)
	switch {
	case err != nil:
		return err
	case holder == rv.ID:
		return nil
	case holder != 0:
		return apperr.New(apperr.Conflict, KeyClaimed)
	}
	// Two reviewers claiming at once: the partial unique index lets one
	// in, and the other inserts nothing rather than failing.
	res, err := tx.ExecContext(ctx, `INSERT INTO review_claims (request_id, staff_id, claimed_at) VALUES ($1, $2, $3)
		ON CONFLICT (request_id) WHERE released_at IS NULL DO NOTHING`, id, rv.ID, tx.Now.UnixMicro())
	if err != nil {
		return fmt.Errorf("review: claiming request %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return apperr.New(apperr.Conflict, KeyClaimed)
	}
	return nil
}

// release ends the open claim of request id, if any.
func release(ctx context.Context, tx *store.Tx, id int64) error {
	_, err := tx.ExecContext(ctx, "UPDATE review_claims SET released_at = $1 WHERE request_id = $2 AND released_at IS NULL",
		tx.Now.UnixMicro(), id)
	return err
}

// Release gives back the claim reviewer holds on request id, so another
// reviewer can take it. It returns apperr.Forbidden KeyNotClaimed when
// reviewer does not hold it.
func Release(ctx context.Context, tx *store.Tx, id int64, reviewer staff.Staff) error {
	holder, err := openClaim(ctx, tx, id)
	if err != nil {
		return err
	}
	if holder == 0 || holder != reviewer.ID {
		return apperr.New(apperr.Forbidden, KeyNotClaimed)
	}
	return release(ctx, tx, id)
}

// holding checks that reviewer is an active reviewer who holds the claim on
// request id, which is in review, and is still not related to it (a
// conflict recorded after the claim counts).
func holding(ctx context.Context, tx *store.Tx, id int64, reviewer staff.Staff) (staff.Staff, subject, error) {
	rv, err := active(ctx, tx, reviewer, KeyNotReviewer, staff.Reviewer)
	if err != nil {
		return staff.Staff{}, subject{}, err
	}
	s, err := load(ctx, tx, id)
	if err != nil {
		return staff.Staff{}, subject{}, err
	}
	if s.state != campaign.InReview {
		return staff.Staff{}, subject{}, apperr.New(apperr.Conflict, KeyNotInReview)
	}
	holder, err := openClaim(ctx, tx, id)
	if err != nil {
		return staff.Staff{}, subject{}, err
	}
	if holder != rv.ID {
		return staff.Staff{}, subject{}, apperr.New(apperr.Forbidden, KeyNotClaimed)
	}
	if err := related(ctx, tx, rv.ID, s); err != nil {
		return staff.Staff{}, subject{}, err
	}
	return rv, s, nil
}

// record stores a decision and ends the claim.
func record(ctx context.Context, tx *store.Tx, id, staffID int64, d Decision, text string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO review_decisions (request_id, staff_id, decision, text, at)
		VALUES ($1, $2, $3, $4, $5)`, id, staffID, string(d), text, tx.Now.UnixMicro()); err != nil {
		return fmt.Errorf("review: recording the decision on request %d: %w", id, err)
	}
	return release(ctx, tx, id)
}

// AskInfo asks the requester for more material (R-REV-2): the request goes to
// needs_info with the questions, which the requester sees, and comes back to
// the queue when they submit it again (campaign.Store.Submit). It returns
// the errors of Claim's checks, apperr.Forbidden KeyNotClaimed when the
// reviewer does not hold the request, and apperr.Invalid on field
// "questions".
func AskInfo(ctx context.Context, tx *store.Tx, cs campaign.Store, id int64, reviewer staff.Staff, questions string) error {
	q, err := text("questions", questions)
	if err != nil {
		return err
	}
	rv, _, err := holding(ctx, tx, id, reviewer)
	if err != nil {
		return err
	}
	if err := record(ctx, tx, id, rv.ID, NeedsInfo, q); err != nil {
		return err
	}
	_, err = cs.Apply(ctx, tx, id, campaign.AskInfo, rv.Actor(), q)
	return err
}

// Reject rejects the request with a reason the requester sees (R-REV-2). It
// returns the errors of AskInfo, with the field "reason".
func Reject(ctx context.Context, tx *store.Tx, cs campaign.Store, id int64, reviewer staff.Staff, reason string) error {
	r, err := text("reason", reason)
	if err != nil {
		return err
	}
	rv, _, err := holding(ctx, tx, id, reviewer)
	if err != nil {
		return err
	}
	if err := record(ctx, tx, id, rv.ID, Rejected, r); err != nil {
		return err
	}
	_, err = cs.Apply(ctx, tx, id, campaign.Reject, rv.Actor(), r)
	return err
}

// Approve approves the request (R-REV-2) and reports whether it is now
// approved. A request that NeedsTwoReviewers is approved only by the second
// approval of a different reviewer: the first is recorded, the claim
// released for the second reviewer, and Approve reports false. Approvals
// count since the last request for information, so new material is approved
// afresh. It returns the errors of AskInfo, and apperr.Forbidden
// KeySameReviewer when the first approver approves again.
func Approve(ctx context.Context, tx *store.Tx, cs campaign.Store, id int64, reviewer staff.Staff) (bool, error) {
	rv, s, err := holding(ctx, tx, id, reviewer)
	if err != nil {
		return false, err
	}
	var level screen.Level
	if sc, err := LastScreening(ctx, tx, id); err == nil {
		level = sc.Level
	} else if apperr.CodeOf(err) != apperr.NotFound {
		return false, err
	}
	if NeedsTwoReviewers(level, s.target) {
		first, err := pendingApprovals(ctx, tx, id)
		if err != nil {
			return false, err
		}
		if slices.Contains(first, rv.ID) {
			return false, apperr.New(apperr.Forbidden, KeySameReviewer)
		}
		if len(first) == 0 {
			return false, record(ctx, tx, id, rv.ID, Approved, "")
		}
	}
	if err := record(ctx, tx, id, rv.ID, Approved, ""); err != nil {
		return false, err
	}
	if _, err := cs.Apply(ctx, tx, id, campaign.Approve, rv.Actor(), ""); err != nil {
		return false, err
	}
	return true, nil
}

// pendingApprovals returns the reviewers who approved request id since its
// last other decision.
func pendingApprovals(ctx context.Context, tx *store.Tx, id int64) ([]int64, error) {
	ds, err := Decisions(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	return PendingApprovers(ds), nil
}

// Decisions returns the decisions on request id, oldest first. The texts of
// rejections and requests for information are meant for the requester.
func Decisions(ctx context.Context, tx *store.Tx, id int64) ([]DecisionRecord, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (DecisionRecord, error) {
		var d DecisionRecord
		var decision string
		var at int64
		if err := rows.Scan(&d.ID, &d.StaffID, &decision, &d.Text, &at); err != nil {
			return d, err
		}
		d.Decision, d.At = Decision(decision), time.UnixMicro(at).UTC()
		return d, nil
	}, `SELECT id, staff_id, decision, text, at FROM review_decisions
		WHERE request_id = $1 ORDER BY id`, id)
}

// AddConflict records that staff member staffID is related to public user
// userID (R-REV-3): their own account, a relative's, someone they referred.
// The reviewer then cannot claim that user's requests, nor requests for that
// user as patient. Recording it twice does nothing; a recorded conflict is
// never removed. Only an active admin or security admin records one; others
// get apperr.Forbidden KeyNotAdmin. It returns apperr.NotFound KeyUnknown
// for an unknown staff member or user.
func AddConflict(ctx context.Context, tx *store.Tx, by staff.Staff, staffID, userID int64, note string) error {
	admin, err := active(ctx, tx, by, KeyNotAdmin, staff.Admin, staff.SecurityAdmin)
	if err != nil {
		return err
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > MaxText || !utf8.ValidString(note) || strings.ContainsRune(note, 0) {
		return &apperr.Error{Code: apperr.Invalid, Key: KeyInvalid, Fields: []apperr.FieldError{{Field: "note", Key: KeyTextLong, Args: []any{MaxText}}}}
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM staff WHERE id = $1) + (SELECT count(*) FROM users WHERE id = $2)",
		staffID, userID).Scan(&n); err != nil {
		return err
	}
	if n != 2 {
		return apperr.New(apperr.NotFound, KeyUnknown)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO review_conflicts (staff_id, user_id, note, added_by, added_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (staff_id, user_id) DO NOTHING`, staffID, userID, note, admin.Actor(), tx.Now.UnixMicro())
	return err
}
