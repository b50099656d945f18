package payout

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
)

// ApproveKey is the ledger key of payout id's approval entry.
func ApproveKey(id int64) string { return "payout:approve:" + strconv.FormatInt(id, 10) }

// hands reads who touched payout r and who must keep off it (R-STAFF-1).
func (s *Service) hands(ctx context.Context, tx *store.Tx, r row) (Hands, error) {
	h := Hands{Claimant: r.Claimant, FirstApprover: r.FirstApprover}
	var publisher int64
	if err := tx.QueryRowContext(ctx, "SELECT publisher_user_id FROM requests WHERE id = $1", r.RequestID).Scan(&publisher); err != nil {
		return Hands{}, err
	}
	var err error
	if h.Related, err = relatedStaff(ctx, tx, publisher, r.patientIndex); err != nil {
		return Hands{}, err
	}
	if r.Payee == ToHospital && s.Hospitals != nil {
		hs, err := s.Hospitals.Hospital(ctx, tx, r.HospitalID)
		if err == nil {
			h.Vouchers = hs.Vouchers
		} else if c := apperr.CodeOf(err); c != apperr.NotFound && c != apperr.Invalid {
			return Hands{}, err
		}
	}
	return h, nil
}

// step loads payout id for finance officer by taking step: an active
// finance officer, allowed by four eyes (CheckStep).
func (s *Service) step(ctx context.Context, tx *store.Tx, id int64, by staff.Staff, st Step) (row, staff.Staff, error) {
	officer, err := activeFinance(ctx, tx, by)
	if err != nil {
		return row{}, staff.Staff{}, err
	}
	r, err := load(ctx, tx, id)
	if err != nil {
		return row{}, staff.Staff{}, err
	}
	h, err := s.hands(ctx, tx, r)
	if err != nil {
		return row{}, staff.Staff{}, err
	}
	return r, officer, CheckStep(st, officer.ID, h)
}

// flags reads the warnings on payout r: its payee account used by
// unrelated requests (R-REF-3).
func flags(ctx context.Context, tx *store.Tx, r row) ([]Flag, error) {
	if r.Payee == ToHospital {
		return nil, nil
	}
	others, err := sharedWith(ctx, tx, r.accountIndex, r.RequestID, r.patientIndex)
	if err != nil || len(others) == 0 {
		return nil, err
	}
	return []Flag{{Kind: FlagSharedAccount, Requests: others}}, nil
}

// Queue returns the applications finance works on: open (requested, in
// review, needs info) and approved or paying, each with the R-DISB-1 clock
// running past its due time and its flags; overdue ones first, by how
// long overdue, then the oldest first.
func (s *Service) Queue(ctx context.Context) (Queue, error) {
	var q Queue
	now := s.now()
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		q = Queue{Counts: map[State]int{}}
		rows, err := list(ctx, tx, "p.state IN ('requested', 'in_review', 'needs_info', 'approved', 'paying')")
		if err != nil {
			return err
		}
		for _, r := range rows {
			p, err := s.complete(ctx, tx, r)
			if err != nil {
				return err
			}
			qr := QueueRow{Payout: p}
			qr.Clock, qr.Due = s.Calendar.Overdue(p.Clocks, now)
			if p.State == NeedsInfo {
				// The publisher owes the answer: the review clock stopped.
				qr.Clock, qr.Due = NoClock, p.ReviewDue
			}
			if qr.Flags, err = flags(ctx, tx, r); err != nil {
				return err
			}
			q.Counts[p.State]++
			q.Rows = append(q.Rows, qr)
		}
		return nil
	})
	slices.SortStableFunc(q.Rows, func(a, b QueueRow) int {
		ao, bo := a.Clock != NoClock, b.Clock != NoClock
		switch {
		case ao && !bo:
			return -1
		case bo && !ao:
			return 1
		case ao && bo:
			return a.Due.Compare(b.Due)
		}
		return 0
	})
	return q, err
}

// View returns payout id as finance officer viewer sees it, masked, after
// appending rec. Staff related to the request or who vouched for its
// hospital see nothing (apperr.Forbidden).
func (s *Service) View(ctx context.Context, rec audit.Record, id int64, viewer staff.Staff) (View, error) {
	var v View
	err := s.write(ctx, rec, func(tx *store.Tx) error {
		r, _, err := s.step(ctx, tx, id, viewer, StepClaim)
		if err != nil {
			return err
		}
		p, err := s.complete(ctx, tx, r)
		if err != nil {
			return err
		}
		v = View{Payout: p}
		v.Clock, v.Due = s.Calendar.Overdue(p.Clocks, s.now())
		if v.Flags, err = flags(ctx, tx, r); err != nil {
			return err
		}
		if v.Events, err = events(ctx, tx, id); err != nil {
			return err
		}
		req, err := s.Campaigns.Get(ctx, tx, r.RequestID)
		if err != nil {
			return err
		}
		v.RequestTitle = req.Filing.Title
		f, err := requestFigures(ctx, tx, r.RequestID)
		if err != nil {
			return err
		}
		v.ModeNow, _, err = s.mode(ctx, tx, req, f.raised)
		return err
	})
	return v, err
}

// RevealAccount returns the full account number of payout id to finance
// officer viewer, after appending rec: the record of the unmasked view
// (R-PII-1). The same staff View refuses are refused.
func (s *Service) RevealAccount(ctx context.Context, rec audit.Record, id int64, viewer staff.Staff) (string, error) {
	var account string
	err := s.write(ctx, rec, func(tx *store.Tx) error {
		r, _, err := s.step(ctx, tx, id, viewer, StepClaim)
		if err != nil {
			return err
		}
		p, err := payee(ctx, tx, s.Vault, r)
		account = p.Account
		return err
	})
	return account, err
}

// Claim makes finance officer by the reviewer of payout id, after
// appending rec. Claiming a payout one already holds does nothing.
func (s *Service) Claim(ctx context.Context, rec audit.Record, id int64, by staff.Staff) error {
	return s.write(ctx, rec, func(tx *store.Tx) error {
		r, officer, err := s.step(ctx, tx, id, by, StepClaim)
		if err != nil {
			return err
		}
		if r.State == InReview && r.Claimant == officer.ID {
			return nil
		}
		_, err = move(ctx, tx, r, EvClaim, officer.Actor(), "", map[string]any{"claimant": officer.ID})
		return err
	})
}

// reason checks a text an officer writes for the publisher.
func reason(text string) (string, error) {
	text = strings.TrimSpace(text)
	if !textOK(text, MaxText) {
		return "", invalid(apperr.FieldError{Field: "reason", Key: KeyText, Args: []any{MaxText}})
	}
	return text, nil
}

// AskMore asks the publisher for more (in review → needs info), after
// appending rec; only the claimant asks. The review clock stops until the
// answer (R-DISB-1).
func (s *Service) AskMore(ctx context.Context, rec audit.Record, id int64, by staff.Staff, question string) error {
	q, err := reason(question)
	if err != nil {
		return err
	}
	return s.write(ctx, rec, func(tx *store.Tx) error {
		r, officer, err := s.step(ctx, tx, id, by, StepFirst)
		if err != nil {
			return err
		}
		_, err = move(ctx, tx, r, EvAsk, officer.Actor(), q, map[string]any{"question": q, "complete_at": nil})
		return err
	})
}

// Reject rejects payout id with a reason the publisher reads, after
// appending rec; only the claimant rejects. No money moved, so none moves
// back.
func (s *Service) Reject(ctx context.Context, rec audit.Record, id int64, by staff.Staff, why string) error {
	text, err := reason(why)
	if err != nil {
		return err
	}
	return s.write(ctx, rec, func(tx *store.Tx) error {
		r, officer, err := s.step(ctx, tx, id, by, StepFirst)
		if err != nil {
			return err
		}
		_, err = move(ctx, tx, r, EvReject, officer.Actor(), text, map[string]any{"reason": text, "decided_at": txNow})
		return err
	})
}

// Approve approves payout id (R-STAFF-1, four eyes). The first call, by
// the claimant, records the first approval, after appending rec. The
// second, by another active finance officer (not the first approver, not
// related to the request, not a voucher of its hospital: CheckStep), posts
// request:R → payable:payout:X under ApproveKey(id); the entry's After hook
// appends rec and moves the payout to approved in the entry's transaction,
// so the money and the state move together or not at all. A request that
// no longer holds the amount is apperr.Conflict KeyInsufficient and
// nothing changes. A batch whose expense list is no longer published is
// refused (CheckBatch).
func (s *Service) Approve(ctx context.Context, rec audit.Record, id int64, by staff.Staff, note string) (Payout, error) {
	note = strings.TrimSpace(note)
	if len(note) > 0 && !textOK(note, MaxText) {
		return Payout{}, invalid(apperr.FieldError{Field: "note", Key: KeyText, Args: []any{MaxText}})
	}
	var r row
	first := false
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		r, err = load(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.State != InReview {
			return apperr.New(apperr.Conflict, KeyState, string(r.State))
		}
		first = r.FirstApprover == 0
		return nil
	})
	if err != nil {
		return Payout{}, err
	}
	if first {
		err = s.write(ctx, rec, func(tx *store.Tx) error {
			r, officer, err := s.step(ctx, tx, id, by, StepFirst)
			if err != nil {
				return err
			}
			if r.FirstApprover != 0 {
				return apperr.New(apperr.Conflict, KeyState, string(r.State))
			}
			if err := s.batchStill(ctx, tx, r); err != nil {
				return err
			}
			_, err = move(ctx, tx, r, EvFirst, officer.Actor(), note,
				map[string]any{"first_approver": officer.ID, "first_approved_at": txNow})
			return err
		})
	} else {
		err = s.second(ctx, rec, r, by, note)
	}
	if err != nil {
		return Payout{}, err
	}
	var p Payout
	err = s.DB.Read(ctx, func(tx *store.Tx) error {
		r, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		p, err = s.complete(ctx, tx, r)
		return err
	})
	return p, err
}

// batchStill refuses to approve a batch whose expense list is not (or no
// longer) reviewed and published (R-DISB-3).
func (s *Service) batchStill(ctx context.Context, tx *store.Tx, r row) error {
	if !r.Batch {
		return nil
	}
	ids, err := materialsOf(ctx, tx, r.ID, "application")
	if err != nil {
		return err
	}
	published := false
	for _, m := range ids {
		mt, err := s.Materials.Get(ctx, tx, r.RequestID, m)
		if err != nil {
			return err
		}
		if mt.Kind == "expense_list" && !mt.Withdrawn && !mt.ReviewedAt.IsZero() && !mt.PublishedAt.IsZero() {
			published = true
		}
	}
	return CheckBatch(r.Mode, r.Payee, published)
}

// second posts the second approval of payout r by officer by.
func (s *Service) second(ctx context.Context, rec audit.Record, r row, by staff.Staff, note string) error {
	// Checked first outside the entry, so that a refusal costs no ledger
	// round trip; checked again in the entry's transaction, which is what
	// counts.
	if err := s.DB.Read(ctx, func(tx *store.Tx) error {
		r, _, err := s.step(ctx, tx, r.ID, by, StepSecond)
		if err != nil {
			return err
		}
		if err := payable(ctx, tx, r.RequestID); err != nil {
			return err
		}
		return s.batchStill(ctx, tx, r)
	}); err != nil {
		return err
	}
	e := ledger.Transfer(ApproveKey(r.ID), "payout", requestAccount(r.RequestID), payableAccount(r.ID), r.Amount)
	e.Memo = "payout " + strconv.FormatInt(r.ID, 10) + " approved"
	e.After = func(ctx context.Context, tx *store.Tx, posted ledger.Posted) error {
		if _, err := audit.Append(ctx, tx, rec); err != nil {
			return err
		}
		cur, officer, err := s.step(ctx, tx, r.ID, by, StepSecond)
		if err != nil {
			return err
		}
		if err := payable(ctx, tx, cur.RequestID); err != nil {
			return err
		}
		if err := s.batchStill(ctx, tx, cur); err != nil {
			return err
		}
		_, err = move(ctx, tx, cur, EvApprove, officer.Actor(), note, map[string]any{
			"second_approver": officer.ID, "approve_entry_id": posted.ID, "approved_at": txNow, "decided_at": txNow})
		return err
	}
	// A replay (a retry after a lost answer) returns the first entry: its
	// hook ran then, and the payout is approved.
	_, err := s.Ledger.Post(ctx, e)
	if errors.Is(err, ledger.ErrInsufficientFunds) {
		return apperr.Wrap(err, apperr.Conflict, KeyInsufficient)
	}
	return hookError(err)
}

// hookError returns the refusal an entry's After hook gave, which the
// ledger wraps as an internal error of the batch, so that the caller sees
// the rule that refused (a payout that moved meanwhile, four eyes).
func hookError(err error) error {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if ae, ok := e.(*apperr.Error); ok && ae.Code != apperr.Internal {
			return ae
		}
	}
	return err
}

// payable refuses a payout of a request that may not pay out now
// (suspended, terminated, completed): apperr.Conflict KeyNotPayable.
func payable(ctx context.Context, tx *store.Tx, requestID int64) error {
	var st campaign.State
	if err := tx.QueryRowContext(ctx, "SELECT state FROM requests WHERE id = $1", requestID).Scan(&st); err != nil {
		return err
	}
	if !slices.Contains(payableStates, st) {
		return apperr.New(apperr.Conflict, KeyNotPayable)
	}
	return nil
}
