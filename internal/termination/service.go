package termination

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/blacklist"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// Cause says why a refund run starts; this package starts runs for
// CauseTerminated only. It is the refund service's cause of the same name.
type Cause string

// CauseTerminated is the refund run's cause after a termination.
const CauseTerminated Cause = "terminated"

// RefundInput is what a refund run needs to start: refund.RunInput's shape,
// declared here until the refund service is wired (see Refunder).
type RefundInput struct {
	RequestID int64
	Cause     Cause
	Amount    money.Fen // 0: everything refundable
	Reason    string
	Actor     string // "staff:12", "system"
	Key       string // the same Key returns the first run
}

// Refunder starts a refund run of a request's donations, idempotent by
// RefundInput.Key, and returns the run's reference. The refund service
// satisfies it through a small adapter in package platform.
type Refunder interface {
	StartRun(ctx context.Context, in RefundInput) (run string, err error)
}

// Refunds reads what a request may still give back (refund.Service
// satisfies it); the public page shows it when it is set.
type Refunds interface {
	Refundable(ctx context.Context, requestID int64) (money.Fen, error)
}

// Identities reads a user's verified identity (account.Service satisfies
// it), for the blacklist proposal.
type Identities interface {
	VerifiedIdentity(ctx context.Context, tx *store.Tx, userID int64) (account.Identity, error)
}

// Service holds the use cases of suspension and termination, one
// transaction each (FollowUp excepted: it posts a ledger entry and calls the
// refund service, each idempotent by its key, and records what it did).
type Service struct {
	DB         *store.DB
	Ledger     *ledger.Ledger
	Vault      *vault.Vault
	Campaigns  campaign.Store
	Approvals  *staff.Approvals
	Identities Identities
	Refunder   Refunder // nil: no refund run yet; FollowUp leaves it to a later run
	Refunds    Refunds  // nil: the public page shows the ledger's figures only
	Now        func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// active re-reads staff member by, refusing a disabled or locked account
// or a role not in roles (apperr.Forbidden KeyRole), and one related to
// request requestID (apperr.Forbidden KeyRelated).
func active(ctx context.Context, tx *store.Tx, by staff.Staff, requestID int64, roles []staff.Role) (staff.Staff, error) {
	cur, err := staff.Get(ctx, tx, by.ID)
	if apperr.CodeOf(err) == apperr.NotFound || err == nil && (cur.Disabled || cur.Locked || !slices.Contains(roles, cur.Role)) {
		return staff.Staff{}, apperr.New(apperr.Forbidden, KeyRole)
	}
	if err != nil {
		return staff.Staff{}, err
	}
	return cur, related(ctx, tx, cur.ID, requestID)
}

// Suspend suspends a published request pending investigation (R-REV-4):
// the request moves to suspended (no donations, no payouts) and the notice
// shows on its public page. rec is appended in the same transaction. It
// returns apperr.Invalid for the texts, apperr.Forbidden KeyRole or
// KeyRelated, apperr.NotFound KeyRequest, and apperr.Conflict
// KeyNotSuspend for a request not published or already suspended.
func (s *Service) Suspend(ctx context.Context, rec audit.Record, by staff.Staff, in SuspendInput) (Suspension, error) {
	in, err := CheckSuspend(in)
	if err != nil {
		return Suspension{}, err
	}
	var out Suspension
	err = audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		st, err := requestState(ctx, tx, in.RequestID)
		if err != nil {
			return err
		}
		who, err := active(ctx, tx, by, in.RequestID, SuspendRoles)
		if err != nil {
			return err
		}
		if !Suspendable(st) {
			return apperr.New(apperr.Conflict, KeyNotSuspend)
		}
		if _, err := s.Campaigns.Apply(ctx, tx, in.RequestID, campaign.Suspend, who.Actor(), in.Notice); err != nil {
			return err
		}
		out, err = insertSuspension(ctx, tx, in, who.ID)
		return err
	})
	return out, err
}

// Resume ends request requestID's suspension when the investigation clears
// it: back to the state it was suspended from, with note shown publicly.
// It returns the errors Suspend does, and apperr.Conflict KeyNotSuspended
// for a request not suspended or with a termination proposed.
func (s *Service) Resume(ctx context.Context, rec audit.Record, by staff.Staff, requestID int64, note string) error {
	note, err := CheckNote(note)
	if err != nil {
		return err
	}
	return audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		st, err := requestState(ctx, tx, requestID)
		if err != nil {
			return err
		}
		who, err := active(ctx, tx, by, requestID, SuspendRoles)
		if err != nil {
			return err
		}
		if st != campaign.Suspended {
			return apperr.New(apperr.Conflict, KeyNotSuspended)
		}
		if _, pending, err := live(ctx, tx, requestID); err != nil {
			return err
		} else if pending {
			return apperr.New(apperr.Conflict, KeyPending)
		}
		if _, err := s.Campaigns.Resume(ctx, tx, requestID, who.Actor(), note); err != nil {
			return err
		}
		return resumeSuspension(ctx, tx, requestID, who.ID, note)
	})
}

// payload is a KindTermination proposal's payload.
type payload struct {
	RequestID int64 `json:"request_id"`
}

// Propose proposes terminating a suspended request (R-REF-2): a
// staff.KindTermination proposal that another staff member decides, and
// the termination's record, with evidence (each file checked, stripped and
// sealed; io.Seekers are read again if the transaction runs again). It
// returns apperr.Invalid for the texts, findings or files, apperr.Forbidden
// KeyRole or KeyRelated (and staff.Approvals.Propose's refusals),
// apperr.Conflict KeyNotSuspended for a request not suspended and
// KeyPending when a termination is already proposed or done.
func (s *Service) Propose(ctx context.Context, rec audit.Record, by staff.Staff, p Proposal, evidence []Upload) (Termination, error) {
	p, err := CheckProposal(p)
	if err != nil {
		return Termination{}, err
	}
	var out Termination
	err = audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		st, err := requestState(ctx, tx, p.RequestID)
		if err != nil {
			return err
		}
		who, err := active(ctx, tx, by, p.RequestID, staff.Policies[staff.KindTermination].Proposers)
		if err != nil {
			return err
		}
		if st != campaign.Suspended {
			return apperr.New(apperr.Conflict, KeyNotSuspended)
		}
		if _, exists, err := live(ctx, tx, p.RequestID); err != nil {
			return err
		} else if exists {
			return apperr.New(apperr.Conflict, KeyPending)
		}
		// The termination's row names its proposal, so the proposal goes
		// first; its executor finds the row by the proposal's id.
		prop, err := s.Approvals.Propose(ctx, tx, who, staff.KindTermination, "request:"+strconv.FormatInt(p.RequestID, 10),
			payload{RequestID: p.RequestID}, p.Reason)
		if err != nil {
			return err
		}
		id, err := insertTermination(ctx, tx, p, prop.ID, who.ID)
		if err != nil {
			return err
		}
		for _, f := range evidence {
			if _, err := insertDocument(ctx, tx, s.Vault, id, 0, f.File, f.Field, who.ID); err != nil {
				return err
			}
		}
		out, err = getTermination(ctx, tx, id)
		return err
	})
	return out, err
}

// Executor returns the executor of staff.KindTermination proposals, to
// register with staff.Approvals.Register. Inside the approving transaction
// it refuses an approver related to the request (apperr.Forbidden
// KeyRelated), moves the request from suspended to terminated, records
// the termination with what the request had paid out, and proposes a
// blacklist entry (staff.KindBlacklist, by the termination's proposer) for
// the publisher's verified identity and, when the findings are also the
// patient's, for the patient. The receivable and the refunds follow after
// commit (FollowUp).
func (s *Service) Executor() staff.Executor {
	return func(ctx context.Context, tx *store.Tx, p staff.Proposal) error {
		t, err := byProposal(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		if err := related(ctx, tx, p.DecidedBy, t.RequestID); err != nil {
			return err
		}
		if _, err := s.Campaigns.Apply(ctx, tx, t.RequestID, campaign.Terminate,
			"staff:"+strconv.FormatInt(p.DecidedBy, 10), t.PublicReason); err != nil {
			return err
		}
		paid, err := paidOut(ctx, tx, t.RequestID)
		if err != nil {
			return err
		}
		if err := setTerminated(ctx, tx, t.ID, p.DecidedBy, paid); err != nil {
			return err
		}
		if err := s.proposeBlacklist(ctx, tx, t); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Record{Actor: "staff:" + strconv.FormatInt(p.DecidedBy, 10),
			Action: "termination.approve", Object: "termination:" + strconv.FormatInt(t.ID, 10), Result: audit.ResultOK,
			Detail: fmt.Sprintf("proposal:%d request:%d paid out %d fen", p.ID, t.RequestID, paid)})
		return err
	}
}

// proposeBlacklist proposes the blacklist entries of termination t (R-BL-1)
// in tx, by its proposer: a proposal, which an admin approves on the
// approvals page, never an entry.
func (s *Service) proposeBlacklist(ctx context.Context, tx *store.Tx, t Termination) error {
	proposer, err := staff.Get(ctx, tx, t.ProposedBy)
	if err != nil {
		return err
	}
	var numbers []string
	if s.Identities != nil {
		publisher, err := publisherOf(ctx, tx, t.RequestID)
		if err != nil {
			return err
		}
		id, err := s.Identities.VerifiedIdentity(ctx, tx, publisher)
		switch {
		case err == nil:
			numbers = append(numbers, id.Number)
		case apperr.CodeOf(err) != apperr.NotFound:
			return err
		}
	}
	if t.PatientInvolved {
		r, err := s.Campaigns.Get(ctx, tx, t.RequestID)
		if err != nil {
			return err
		}
		if r.Filing.PatientID != "" && !slices.Contains(numbers, r.Filing.PatientID) {
			numbers = append(numbers, r.Filing.PatientID)
		}
	}
	names := make([]string, len(t.Findings))
	for i, f := range t.Findings {
		names[i] = string(f)
	}
	for _, n := range numbers {
		if _, err := idcard.Parse(n, tx.Now); err != nil {
			continue // not a valid number: nothing the blacklist can hold
		}
		c := blacklist.Change{Action: blacklist.ActionAdd, Index: s.Vault.BlindIndex(campaign.PatientIndexDomain, n),
			Masked: idcard.MaskID(n), Reason: t.PublicReason,
			Evidence: fmt.Sprintf("termination:%d of request:%d; findings: %s", t.ID, t.RequestID, strings.Join(names, ", "))}
		if err := blacklist.Validate(c); err != nil {
			return err
		}
		if _, err := s.Approvals.Propose(ctx, tx, proposer, staff.KindBlacklist, "termination:"+strconv.FormatInt(t.ID, 10),
			c, "termination "+strconv.FormatInt(t.ID, 10)+": "+t.PublicReason); err != nil {
			return err
		}
	}
	return nil
}

// Decide approves or rejects termination id's proposal as staff member by
// (staff.Approvals.Decide: never the proposer, only an approving role;
// the executor refuses a related approver), appending rec in the same
// transaction. After an approval it runs FollowUp; a failure there is
// returned, and the job runs it again.
func (s *Service) Decide(ctx context.Context, rec audit.Record, by staff.Staff, id int64, approve bool, note string) (Termination, error) {
	var t Termination
	err := audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		var err error
		if t, err = getTermination(ctx, tx, id); err != nil {
			return err
		}
		if _, err := s.Approvals.Decide(ctx, tx, by, t.ProposalID, approve, note); err != nil {
			return err
		}
		t, err = getTermination(ctx, tx, id)
		return err
	})
	if err != nil {
		return Termination{}, hookError(err)
	}
	if t.Status == Terminated {
		return t, s.FollowUp(ctx, id)
	}
	return t, nil
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

// FollowUp carries out what a termination does after its approval
// committed, each step once whatever the number of runs (R-REF-2):
//   - money already paid out becomes a recovery receivable:
//     receivable:recovery:R → request:R, kind recovery_receivable, key
//     ReceivableKey(id), for the termination's PaidOut;
//   - a refund run of everything refundable starts (Refunder, Key
//     RefundKey(id), so that a run started by a process that died before
//     recording it is the same run).
//
// It records each step, and that the follow-up is done when both are.
// Without a Refunder it posts the receivable and leaves the run to a later
// call. A termination not approved is apperr.Conflict KeyNotTerminated.
func (s *Service) FollowUp(ctx context.Context, id int64) error {
	var t Termination
	if err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		t, err = getTermination(ctx, tx, id)
		return err
	}); err != nil {
		return err
	}
	if t.Status != Terminated {
		return apperr.New(apperr.Conflict, KeyNotTerminated)
	}
	if t.FollowedUp {
		return nil
	}
	entry := t.ReceivableEntry
	if t.PaidOut > 0 && entry == 0 {
		e := ledger.Transfer(ReceivableKey(id), KindReceivable, ReceivableAccount(t.RequestID), RequestAccount(t.RequestID), t.PaidOut)
		e.Memo = "termination " + strconv.FormatInt(id, 10) + ": paid-out money to recover"
		e.After = func(ctx context.Context, tx *store.Tx, posted ledger.Posted) error {
			return setReceivable(ctx, tx, id, posted.ID)
		}
		posted, err := s.Ledger.Post(ctx, e)
		if err != nil {
			return err
		}
		entry = posted.ID
	}
	run := t.RefundRun
	if run == "" && s.Refunder != nil {
		var err error
		run, err = s.Refunder.StartRun(ctx, RefundInput{RequestID: t.RequestID, Cause: CauseTerminated,
			Reason: t.PublicReason, Actor: "staff:" + strconv.FormatInt(t.ApprovedBy, 10), Key: RefundKey(id)})
		if err != nil {
			return fmt.Errorf("termination %d: starting the refund run: %w", id, err)
		}
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		if entry != 0 {
			if err := setReceivable(ctx, tx, id, entry); err != nil {
				return err
			}
		}
		return setFollowUp(ctx, tx, id, run, run != "")
	})
}

// Pending returns the ids of approved terminations whose follow-up is not
// done and can progress, oldest first, up to limit: the job's work.
func (s *Service) Pending(ctx context.Context, limit int) ([]int64, error) {
	var ids []int64
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		all, err := listTerminations(ctx, tx, "t.terminated_at IS NOT NULL AND t.followed_up_at IS NULL")
		if err != nil {
			return err
		}
		ids = nil
		for i := len(all) - 1; i >= 0 && len(ids) < limit; i-- {
			t := all[i]
			// Without a refund service only the receivable can be done.
			if s.Refunder != nil || t.PaidOut > 0 && t.ReceivableEntry == 0 {
				ids = append(ids, t.ID)
			}
		}
		return nil
	})
	return ids, err
}
