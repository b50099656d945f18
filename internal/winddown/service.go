package winddown

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/refund"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
)

// Refunder starts a refund run, idempotent by its key (refund.Service).
type Refunder interface {
	StartRun(ctx context.Context, in refund.RunInput) (refund.Run, error)
}

// Service holds the use cases of the wind-down, one transaction each
// (Advance excepted: it starts refund runs, each idempotent by its key,
// between its transactions).
type Service struct {
	DB        *store.DB
	Campaigns campaign.Store
	Approvals *staff.Approvals
	Refunds   Refunder // nil: Advance starts no refund run
	Now       func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Propose proposes winding the platform down (R-WIND-1): a
// staff.KindWindDown proposal that another admin decides, and the
// wind-down's record, with rec appended in the same transaction. It
// returns apperr.Invalid KeyInvalid for the texts and the date,
// staff.Approvals.Propose's refusals (only an admin proposes), and
// apperr.Conflict KeyLive when a wind-down is already proposed or
// approved: proposing twice changes nothing.
func (s *Service) Propose(ctx context.Context, rec audit.Record, by staff.Staff, p Proposal) (WindDown, error) {
	p, err := CheckProposal(p, s.now())
	if err != nil {
		return WindDown{}, err
	}
	var out WindDown
	err = audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		if _, exists, err := live(ctx, tx); err != nil {
			return err
		} else if exists {
			return apperr.New(apperr.Conflict, KeyLive)
		}
		prop, err := s.Approvals.Propose(ctx, tx, by, staff.KindWindDown, "platform", struct{}{}, p.Reason)
		if err != nil {
			return err
		}
		id, err := insertWindDown(ctx, tx, p, prop.ID, by.ID)
		if err != nil {
			return err
		}
		out, err = one(ctx, tx, "w.id = $1", id)
		return err
	})
	return out, err
}

// Decide approves or rejects wind-down id's proposal as staff member by
// (staff.Approvals.Decide: never the proposer, only an admin; a proposal
// decided already is apperr.Conflict "staff.proposal_decided"), appending
// rec in the same transaction. Approving runs the Executor.
func (s *Service) Decide(ctx context.Context, rec audit.Record, by staff.Staff, id int64, approve bool, note string) (WindDown, error) {
	var out WindDown
	err := audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		w, err := one(ctx, tx, "w.id = $1", id)
		if err != nil {
			return err
		}
		if _, err := s.Approvals.Decide(ctx, tx, by, w.ProposalID, approve, note); err != nil {
			return err
		}
		if !approve {
			if _, err := tx.ExecContext(ctx, "UPDATE wind_downs SET live = NULL WHERE id = $1", id); err != nil {
				return err
			}
		}
		out, err = one(ctx, tx, "w.id = $1", id)
		return err
	})
	return out, hookError(err)
}

// hookError returns the refusal an executor gave when a wrapper hides it.
func hookError(err error) error {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if ae, ok := e.(*apperr.Error); ok && ae.Code != apperr.Internal {
			return ae
		}
	}
	return err
}

// Executor returns the executor of staff.KindWindDown proposals, to
// register with staff.Approvals.Register. Inside the approving
// transaction it starts the schedule, closes every approved or
// fundraising request with campaign.WindDown, and lists every request
// that must be emptied with what it holds (R-WIND-1).
func (s *Service) Executor() staff.Executor {
	return func(ctx context.Context, tx *store.Tx, p staff.Proposal) error {
		w, err := one(ctx, tx, "w.proposal_id = $1", p.ID)
		if err != nil {
			return err
		}
		actor := "staff:" + strconv.FormatInt(p.DecidedBy, 10)
		closed, err := s.closeOpen(ctx, tx, w.ID, actor)
		if err != nil {
			return err
		}
		held, err := holdingRequests(ctx, tx)
		if err != nil {
			return err
		}
		for _, id := range held {
			st, err := s.Campaigns.State(ctx, tx, id)
			if err != nil {
				return err
			}
			h, err := holding(ctx, tx, id)
			if err != nil {
				return err
			}
			if err := insertRequest(ctx, tx, w.ID, id, st, h.Held()); err != nil {
				return err
			}
		}
		after, err := lastEntry(ctx, tx)
		if err != nil {
			return err
		}
		f, err := figures(ctx, tx, after, 0)
		if err != nil {
			return err
		}
		sched := NewSchedule(tx.Now)
		if err := setApproved(ctx, tx, w.ID, p.DecidedBy, sched, f.Held, after); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Record{Actor: actor, Action: "winddown.approve",
			Object: "wind_down:" + strconv.FormatInt(w.ID, 10), Result: audit.ResultOK,
			Detail: fmt.Sprintf("proposal:%d closed %d requests; %d hold %d fen; deadline %s", p.ID, closed, len(held), f.Held,
				sched.Deadline.Format(time.DateOnly))})
		return err
	}
}

// closeOpen closes every approved or fundraising request with
// campaign.WindDown and lists it with what it holds; it returns how many
// it closed.
func (s *Service) closeOpen(ctx context.Context, tx *store.Tx, windDown int64, actor string) (int, error) {
	ids, err := openRequests(ctx, tx)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		st, err := s.Campaigns.State(ctx, tx, id)
		if err != nil {
			return 0, err
		}
		if _, err := s.Campaigns.Close(ctx, tx, id, campaign.Closing{Reason: campaign.WindDown}, "", actor); err != nil {
			return 0, fmt.Errorf("winddown: closing request %d: %w", id, err)
		}
		h, err := holding(ctx, tx, id)
		if err != nil {
			return 0, err
		}
		if err := insertRequest(ctx, tx, windDown, id, st, h.Held()); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// Banner is what every page shows while a wind-down is under way or after
// it: the notice and the deadline.
type Banner struct {
	Notice    string
	Deadline  time.Time
	Completed bool
}

// Banner returns the approved wind-down's banner, or ok false when the
// platform is not winding down. The server keeps it (it costs nothing per
// page) and reads it again after a staff action or a while.
func (s *Service) Banner(ctx context.Context) (b Banner, ok bool, err error) {
	err = s.DB.Read(ctx, func(tx *store.Tx) error {
		w, found, err := current(ctx, tx)
		b, ok = Banner{Notice: w.Notice, Deadline: w.Schedule.Deadline, Completed: !w.CompletedAt.IsZero()}, found
		return err
	})
	return b, ok, err
}

// Advanced is what one Advance did.
type Advanced struct {
	Closed    int  // requests found open and closed
	Started   int  // refund runs started
	Done      int  // requests newly emptied
	Completed bool // the wind-down completed in this run
}

// Changed reports whether the run changed what the public sees.
func (a Advanced) Changed() bool { return a.Closed > 0 || a.Started > 0 || a.Done > 0 || a.Completed }

// Advance moves the wind-down on at its clock, each step once however
// often it runs (the job's work): it closes any request found raising
// money again, starts the refund run (cause wind_down, key
// "winddown:<request>") of every request still holding money from day 30,
// marks the requests that hold nothing, and completes the wind-down when
// none holds anything. With no wind-down under way it does nothing.
func (s *Service) Advance(ctx context.Context) (Advanced, error) {
	var a Advanced
	var w WindDown
	var due []int64
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		a = Advanced{}
		var ok bool
		var err error
		if w, ok, err = current(ctx, tx); err != nil || !ok || !w.CompletedAt.IsZero() {
			w = WindDown{}
			return err
		}
		if a.Closed, err = s.closeOpen(ctx, tx, w.ID, campaign.SystemActor); err != nil {
			return err
		}
		rs, err := rows(ctx, tx, "")
		due = nil
		for _, r := range rs {
			if RefundDue(w.Schedule, tx.Now, r.Holding) {
				due = append(due, r.RequestID)
			}
		}
		return err
	})
	if err != nil || w.ID == 0 {
		return a, err
	}
	var errs []error
	for _, id := range due {
		started, err := s.startRefund(ctx, w.ID, id, campaign.SystemActor)
		if err != nil {
			errs = append(errs, err)
		} else if started {
			a.Started++
		}
	}
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		a.Done, a.Completed = 0, false
		rs, err := rows(ctx, tx, "")
		if err != nil {
			return err
		}
		hs := make([]Holding, len(rs))
		for i, r := range rs {
			hs[i] = r.Holding
			if r.Held() == 0 && r.DoneAt.IsZero() {
				if err := setDone(ctx, tx, r.RequestID); err != nil {
					return err
				}
				a.Done++
			}
		}
		if Complete(hs) {
			a.Completed = true
			_, err := audit.Append(ctx, tx, audit.Record{Actor: campaign.SystemActor, Action: "winddown.complete",
				Object: "wind_down:" + strconv.FormatInt(w.ID, 10), Result: audit.ResultOK,
				Detail: fmt.Sprintf("day %d of %d; %d requests emptied", w.Schedule.Day(tx.Now), DeadlineDays, len(rs))})
			if err != nil {
				return err
			}
			return setCompleted(ctx, tx, w.ID)
		}
		return nil
	})
	return a, errors.Join(append(errs, err)...)
}

// startRefund starts request id's wind-down refund run (once, by its key)
// and records it; it reports whether a run started. A run the refund
// service refuses (nothing it may give back now) is no error: the request
// stays flagged late for staff.
func (s *Service) startRefund(ctx context.Context, windDown, id int64, actor string) (bool, error) {
	if s.Refunds == nil {
		return false, nil
	}
	run, err := s.Refunds.StartRun(ctx, refund.RunInput{RequestID: id, Cause: refund.CauseWindDown,
		Reason: "wind-down " + strconv.FormatInt(windDown, 10), Actor: actor, Key: RefundKey(id)})
	if apperr.CodeOf(err) == apperr.Conflict {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("winddown: refunding request %d: %w", id, err)
	}
	return true, s.DB.Write(ctx, func(tx *store.Tx) error { return setRefundRun(ctx, tx, id, run.ID) })
}

// Mine returns the requests of publisher userID in the wind-down under way,
// each with its step, and the schedule; apperr.NotFound KeyNotFound when no
// wind-down was approved.
func (s *Service) Mine(ctx context.Context, userID int64) ([]Line, Schedule, error) {
	var out []Line
	var sched Schedule
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		out = nil
		w, ok, err := current(ctx, tx)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.New(apperr.NotFound, KeyNotFound)
		}
		sched = w.Schedule
		rs, err := rows(ctx, tx, "JOIN requests r ON r.id = w.request_id WHERE r.publisher_user_id = $1", userID)
		for _, r := range rs {
			st, late := Next(w.Schedule, tx.Now, r.Holding)
			out = append(out, Line{Row: r, Step: st, Late: late})
		}
		return err
	})
	return out, sched, err
}

// AskRefund is a requester asking that what their request still holds go
// back to its donors now rather than at day 30: it records the wish and
// starts the request's wind-down refund run (the same run the job would
// start; asking twice starts nothing more). It returns apperr.NotFound
// KeyNotFound for a request that is not the user's or not in the
// wind-down, apperr.Conflict KeyNotStarted when no wind-down is under way
// and KeyNothing when the request holds nothing to refund.
func (s *Service) AskRefund(ctx context.Context, userID, requestID int64) error {
	var windDown int64
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		windDown = 0
		w, ok, err := current(ctx, tx)
		if err != nil {
			return err
		}
		if !ok || !w.CompletedAt.IsZero() {
			return apperr.New(apperr.Conflict, KeyNotStarted)
		}
		if u, err := publisherOf(ctx, tx, requestID); err != nil {
			return err
		} else if u != userID {
			return apperr.New(apperr.NotFound, KeyNotFound)
		}
		rs, err := rows(ctx, tx, "WHERE w.request_id = $1", requestID)
		if err != nil {
			return err
		}
		if len(rs) != 1 {
			return apperr.New(apperr.NotFound, KeyNotFound)
		}
		if rs[0].Request == 0 {
			return apperr.New(apperr.Conflict, KeyNothing)
		}
		windDown = w.ID
		return setAsked(ctx, tx, requestID)
	})
	if err != nil {
		return hookError(err)
	}
	started, err := s.startRefund(ctx, windDown, requestID, "user:"+strconv.FormatInt(userID, 10))
	if err == nil && !started && s.Refunds != nil {
		// The refund service finds nothing it may give back now (all of it
		// is after-close payments, refunded by their own run).
		return apperr.New(apperr.Conflict, KeyNothing)
	}
	return err
}

// RefundKey is the idempotency key of a request's wind-down refund run.
func RefundKey(request int64) string { return "winddown:" + strconv.FormatInt(request, 10) }

// Progress is the public page's and the console's view of the wind-down.
type Progress struct {
	WindDown
	Figures
	Day      int
	Rows     []Line
	Requests int // requests in the wind-down
	Emptied  int // of them, holding nothing
	Late     int // of them, late
}

// Line is one request's place in the schedule.
type Line struct {
	Row
	Step Step
	Late bool
}

// Progress returns the wind-down's progress at the database's clock, the
// figures from the ledger: apperr.NotFound KeyNotFound when no wind-down
// was approved. withRows false leaves Rows empty (the public page shows
// counts only).
func (s *Service) Progress(ctx context.Context, withRows bool) (Progress, error) {
	var p Progress
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		p = Progress{}
		w, ok, err := current(ctx, tx)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.New(apperr.NotFound, KeyNotFound)
		}
		p.WindDown, p.Day = w, w.Schedule.Day(tx.Now)
		if p.Figures, err = figures(ctx, tx, w.AfterEntry, w.StartHeld); err != nil {
			return err
		}
		rs, err := rows(ctx, tx, "")
		if err != nil {
			return err
		}
		p.Requests = len(rs)
		for _, r := range rs {
			st, late := Next(w.Schedule, tx.Now, r.Holding)
			if st == StepDone {
				p.Emptied++
			}
			if late {
				p.Late++
			}
			if withRows && st != StepDone {
				p.Rows = append(p.Rows, Line{Row: r, Step: st, Late: late})
			}
		}
		return nil
	})
	return p, err
}

// Console is the staff page: the live wind-down, proposed or approved
// (Pending true while it waits for a second admin), and its progress.
type Console struct {
	Live     WindDown
	Pending  bool
	Progress Progress // zero until approved
}

// Console returns the console's view.
func (s *Service) Console(ctx context.Context) (Console, error) {
	var c Console
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		c = Console{}
		w, err := one(ctx, tx, "w.live = 1")
		if apperr.CodeOf(err) == apperr.NotFound {
			return nil
		}
		if err != nil || w.Status == staff.Rejected {
			return err // rejected on the approvals page: nothing is live
		}
		c.Live, c.Pending = w, w.Status == staff.Pending
		return nil
	})
	if err != nil || !c.Live.Approved() {
		return c, err
	}
	c.Progress, err = s.Progress(ctx, true)
	return c, err
}

// HeldBy sums what the lines hold, for the console's total.
func HeldBy(ls []Line) money.Fen {
	var t money.Fen
	for _, l := range ls {
		t += l.Held()
	}
	return t
}
