package staff

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/store"
)

// Kind names a sensitive action that needs a second person's approval.
type Kind string

// The kinds of proposal.
const (
	KindPayout          Kind = "payout.execute"
	KindPublishHighRisk Kind = "request.publish_high_risk"
	KindBlacklist       Kind = "blacklist.change"
	KindRoleChange      Kind = "staff.role_change"
)

// Policy says which roles may propose an action and which may approve or
// reject it. The approver is always a different person from the proposer,
// whatever the roles.
type Policy struct{ Proposers, Approvers []Role }

// Policies is the four-eyes table (R-STAFF-1): every kind of sensitive
// action, who proposes it and who decides it.
var Policies = map[Kind]Policy{
	KindPayout:          {Proposers: []Role{Finance}, Approvers: []Role{Finance, Admin}},
	KindPublishHighRisk: {Proposers: []Role{Reviewer}, Approvers: []Role{Reviewer}},
	KindBlacklist:       {Proposers: []Role{Reviewer, Admin}, Approvers: []Role{Admin, SecurityAdmin}},
	KindRoleChange:      {Proposers: []Role{Admin, SecurityAdmin}, Approvers: []Role{Admin, SecurityAdmin}},
}

// Status is where a proposal stands.
type Status string

// The statuses. A proposal is approved only once its executor has run, in
// the same transaction.
const (
	Pending  Status = "pending"
	Approved Status = "approved"
	Rejected Status = "rejected"
)

// Proposal is a sensitive action waiting for, or having had, a decision.
// DecidedBy is 0 and DecidedAt zero while it is pending.
type Proposal struct {
	ID           int64
	Kind         Kind
	Object       string // what it acts on, as the audit log names it: "staff:7", "payout:12"
	Payload      json.RawMessage
	Reason       string
	ProposedBy   int64
	ProposedAt   time.Time
	Status       Status
	DecidedBy    int64
	DecidedAt    time.Time
	DecisionNote string
}

// Executor carries out an approved proposal inside the approving
// transaction: if it fails, nothing is approved.
type Executor func(ctx context.Context, tx *store.Tx, p Proposal) error

// guard is a kind's own checks beyond the policy table.
type guard struct {
	propose func(ctx context.Context, tx *store.Tx, by Staff, payload json.RawMessage) error
	decide  func(ctx context.Context, tx *store.Tx, by Staff, p Proposal) error
}

// Approvals proposes and decides sensitive actions, carrying out the
// approved ones with the executor registered for their kind.
type Approvals struct {
	executors map[Kind]Executor
	guards    map[Kind]guard
}

// NewApprovals returns an Approvals with the role-change executor
// registered; the packages that own the other actions register theirs.
func NewApprovals() *Approvals {
	a := &Approvals{executors: map[Kind]Executor{}, guards: map[Kind]guard{}}
	a.Register(KindRoleChange, executeRoleChange)
	a.guards[KindRoleChange] = guard{propose: checkRoleChange, decide: checkRoleChangeDecider}
	return a
}

// Register sets the executor for kind k. Register the executors before
// serving: Approvals is not safe for concurrent Register calls.
func (a *Approvals) Register(k Kind, e Executor) { a.executors[k] = e }

// current reads the acting staff member again: a session's copy may be
// stale, and a disabled account or a role taken away must stop acting at
// once (least privilege).
func current(ctx context.Context, tx *store.Tx, by Staff) (Staff, error) {
	s, err := Get(ctx, tx, by.ID)
	if apperr.CodeOf(err) == apperr.NotFound || err == nil && (s.Disabled || s.Locked) {
		return Staff{}, apperr.New(apperr.Forbidden, "staff.account_inactive")
	}
	return s, err
}

// Propose records a proposal by a staff member. It returns apperr.Invalid for
// an unknown kind, a payload that cannot be encoded, or an empty reason
// (field "reason"), and apperr.Forbidden when the proposer's role may not
// propose this kind, or for a role change of their own.
func (a *Approvals) Propose(ctx context.Context, tx *store.Tx, by Staff, k Kind, object string, payload any, reason string) (Proposal, error) {
	if utf8.RuneCountInString(reason) > MaxReason || !utf8.ValidString(reason) {
		return Proposal{}, invalid("reason", "staff.reason_long")
	}
	policy, ok := Policies[k]
	if !ok {
		return Proposal{}, apperr.New(apperr.Invalid, "staff.kind_unknown")
	}
	by, err := current(ctx, tx, by)
	if err != nil {
		return Proposal{}, err
	}
	if !slices.Contains(policy.Proposers, by.Role) {
		return Proposal{}, apperr.New(apperr.Forbidden, "staff.not_proposer")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Proposal{}, invalid("reason", "staff.reason_required")
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return Proposal{}, apperr.Wrap(err, apperr.Invalid, "staff.payload_invalid")
	}
	if g := a.guards[k].propose; g != nil {
		if err := g(ctx, tx, by, raw); err != nil {
			return Proposal{}, err
		}
	}
	p := Proposal{Kind: k, Object: object, Payload: raw, Reason: reason, ProposedBy: by.ID, ProposedAt: tx.Now, Status: Pending}
	err = tx.QueryRowContext(ctx, `INSERT INTO staff_proposals (kind, object, payload, reason, proposed_by, proposed_at, status)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		string(k), object, string(raw), reason, by.ID, tx.Now.UnixMicro(), string(Pending)).Scan(&p.ID)
	return p, err
}

// Decide approves or rejects a pending proposal. Approving runs the kind's
// executor first, in tx, and marks the proposal approved only if it
// succeeds. Who decided and when is recorded either way. It returns
// apperr.Forbidden "staff.own_proposal" when the proposer decides their own,
// apperr.Forbidden when the decider's role may not approve this kind,
// apperr.Conflict when the proposal is no longer pending, and
// apperr.NotFound for an unknown ID.
func (a *Approvals) Decide(ctx context.Context, tx *store.Tx, by Staff, id int64, approve bool, note string) (Proposal, error) {
	if utf8.RuneCountInString(note) > MaxReason || !utf8.ValidString(note) {
		return Proposal{}, invalid("note", "staff.reason_long")
	}
	p, err := GetProposal(ctx, tx, id)
	if err != nil {
		return Proposal{}, err
	}
	by, err = current(ctx, tx, by)
	if err != nil {
		return Proposal{}, err
	}
	if p.ProposedBy == by.ID {
		return Proposal{}, apperr.New(apperr.Forbidden, "staff.own_proposal")
	}
	if !slices.Contains(Policies[p.Kind].Approvers, by.Role) {
		return Proposal{}, apperr.New(apperr.Forbidden, "staff.not_approver")
	}
	if p.Status != Pending {
		return Proposal{}, apperr.New(apperr.Conflict, "staff.proposal_decided")
	}
	if approve {
		// The proposal stands only while its proposer still could make
		// it: not after they were disabled, locked or moved to a role that
		// may not propose this.
		proposer, err := Get(ctx, tx, p.ProposedBy)
		if err != nil {
			return Proposal{}, err
		}
		if proposer.Disabled || proposer.Locked || !slices.Contains(Policies[p.Kind].Proposers, proposer.Role) {
			return Proposal{}, apperr.New(apperr.Conflict, "staff.proposer_inactive")
		}
	}
	if g := a.guards[p.Kind].decide; g != nil {
		if err := g(ctx, tx, by, p); err != nil {
			return Proposal{}, err
		}
	}
	p.Status, p.DecidedBy, p.DecidedAt, p.DecisionNote = Rejected, by.ID, tx.Now, strings.TrimSpace(note)
	if approve {
		exec := a.executors[p.Kind]
		if exec == nil {
			return Proposal{}, fmt.Errorf("no executor registered for %s", p.Kind)
		}
		if err := exec(ctx, tx, p); err != nil {
			return Proposal{}, err
		}
		p.Status = Approved
	}
	res, err := tx.ExecContext(ctx, `UPDATE staff_proposals SET status = $2, decided_by = $3, decided_at = $4, decision_note = $5
		WHERE id = $1 AND status = 'pending'`, p.ID, string(p.Status), by.ID, tx.Now.UnixMicro(), p.DecisionNote)
	if err != nil {
		return Proposal{}, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return Proposal{}, err
	} else if n != 1 {
		// Decided by someone else since it was read (the executor may have
		// run; the caller's transaction must roll back).
		return Proposal{}, apperr.New(apperr.Conflict, "staff.proposal_decided")
	}
	return p, nil
}

// MaxReason bounds a proposal's reason and a decision's note, in characters:
// every staff member with access to approvals reads them.
const MaxReason = 1000

const proposalColumns = "id, kind, object, payload, reason, proposed_by, proposed_at, status, decided_by, decided_at, decision_note"

func scanProposal(row interface{ Scan(...any) error }) (Proposal, error) {
	var p Proposal
	var kind, payload, status string
	var proposedAt int64
	var decidedBy, decidedAt sql.NullInt64
	if err := row.Scan(&p.ID, &kind, &p.Object, &payload, &p.Reason, &p.ProposedBy, &proposedAt,
		&status, &decidedBy, &decidedAt, &p.DecisionNote); err != nil {
		return Proposal{}, err
	}
	p.Kind, p.Payload, p.Status = Kind(kind), json.RawMessage(payload), Status(status)
	p.ProposedAt = time.UnixMicro(proposedAt).UTC()
	p.DecidedBy = decidedBy.Int64
	if decidedAt.Valid {
		p.DecidedAt = time.UnixMicro(decidedAt.Int64).UTC()
	}
	return p, nil
}

// GetProposal returns the proposal with the ID, or apperr.NotFound.
func GetProposal(ctx context.Context, tx *store.Tx, id int64) (Proposal, error) {
	p, err := scanProposal(tx.QueryRowContext(ctx, "SELECT "+proposalColumns+" FROM staff_proposals WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Proposal{}, apperr.New(apperr.NotFound, "staff.proposal_not_found")
	}
	return p, err
}

// ListProposals returns the proposals with the status, or all of them for
// an empty status, newest first.
func ListProposals(ctx context.Context, tx *store.Tx, status Status) ([]Proposal, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Proposal, error) { return scanProposal(rows) },
		"SELECT "+proposalColumns+" FROM staff_proposals WHERE $1 = '' OR status = $1 ORDER BY id DESC", string(status))
}

// RoleChange is the payload of a KindRoleChange proposal.
type RoleChange struct {
	StaffID int64 `json:"staff_id"`
	Role    Role  `json:"role"`
}

func parseRoleChange(raw json.RawMessage) (RoleChange, error) {
	var rc RoleChange
	if err := json.Unmarshal(raw, &rc); err != nil || rc.StaffID <= 0 {
		return rc, apperr.New(apperr.Invalid, "staff.payload_invalid")
	}
	if _, err := ParseRole(string(rc.Role)); err != nil {
		return rc, err
	}
	return rc, nil
}

// checkRoleChange refuses a role change of one's own (nobody raises their
// own privileges), of an unknown account, or to the role it has already.
func checkRoleChange(ctx context.Context, tx *store.Tx, by Staff, raw json.RawMessage) error {
	rc, err := parseRoleChange(raw)
	if err != nil {
		return err
	}
	if rc.StaffID == by.ID {
		return apperr.New(apperr.Forbidden, "staff.own_role_change")
	}
	target, err := Get(ctx, tx, rc.StaffID)
	if err != nil {
		return err
	}
	if target.Role == rc.Role {
		return apperr.New(apperr.Invalid, "staff.role_unchanged")
	}
	return nil
}

// checkRoleChangeDecider refuses a staff member deciding a change of their
// own role: whoever gains or loses a privilege must not be the one who
// grants it.
func checkRoleChangeDecider(_ context.Context, _ *store.Tx, by Staff, p Proposal) error {
	rc, err := parseRoleChange(p.Payload)
	if err != nil {
		return err
	}
	if rc.StaffID == by.ID {
		return apperr.New(apperr.Forbidden, "staff.own_role_change")
	}
	return nil
}

// executeRoleChange gives the staff member the proposed role.
func executeRoleChange(ctx context.Context, tx *store.Tx, p Proposal) error {
	rc, err := parseRoleChange(p.Payload)
	if err != nil {
		return err
	}
	return update(ctx, tx, "UPDATE staff SET role = $2, updated_at = $3 WHERE id = $1", rc.StaffID, string(rc.Role), tx.Now.UnixMicro())
}
