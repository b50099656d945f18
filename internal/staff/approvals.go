package staff

import (
	"encoding/json"
	"time"

	"github.com/carefund/carefund/internal/apperr"
)

// Kind names a sensitive action that needs a second person's approval.
type Kind string

// The kinds of proposal.
const (
	KindPayout          Kind = "payout.execute"
	KindPublishHighRisk Kind = "request.publish_high_risk"
	KindBlacklist       Kind = "blacklist.change"
	KindRoleChange      Kind = "staff.role_change"
	// KindHospital adds, changes or deactivates an entry of the hospital
	// directory (package hospital), whose accounts payouts go to.
	KindHospital      Kind = "hospital.change"
	KindCustodyChange Kind = "custody.change"
	// KindTermination terminates a request for fraud or misuse (R-REF-2,
	// package termination): a reviewer or admin proposes it with the
	// findings and evidence, an admin approves it.
	KindTermination Kind = "request.terminate"
	// KindCharityRecipient adds or deactivates a charitable organisation
	// that money owed to charity may be paid to (package charitypay).
	KindCharityRecipient Kind = "charity.recipient"
	// KindCharityTransfer pays money owed to charity to a recipient
	// (R-CHAR-1, package charitypay).
	KindCharityTransfer Kind = "charity.transfer"
	// KindAccountCreate activates a privileged account created from the
	// command line once the installation has a security admin (see
	// NeedsApproval): the account waits, disabled, for a staff member to
	// approve it in the console. Nobody proposes it in the console; the
	// proposal is the pending account's own (ProposedBy is its ID), so it
	// can never approve itself.
	KindAccountCreate Kind = "staff.account_create"
	// KindWindDown winds the platform down when its designation is
	// withdrawn (R-WIND-1, package winddown): an admin proposes it, another
	// admin approves it.
	KindWindDown Kind = "platform.wind_down"
)

// Policy says which roles may propose an action and which may approve or
// reject it. The approver is always a different person from the proposer,
// whatever the roles.
type Policy struct{ Proposers, Approvers []Role }

// Policies is the four-eyes table (R-STAFF-1): every kind of sensitive
// action, who proposes it and who decides it.
var Policies = map[Kind]Policy{
	KindPayout:           {Proposers: []Role{Finance}, Approvers: []Role{Finance, Admin}},
	KindPublishHighRisk:  {Proposers: []Role{Reviewer}, Approvers: []Role{Reviewer}},
	KindBlacklist:        {Proposers: []Role{Reviewer, Admin}, Approvers: []Role{Admin, SecurityAdmin}},
	KindRoleChange:       {Proposers: []Role{Admin, SecurityAdmin}, Approvers: []Role{Admin, SecurityAdmin}},
	KindHospital:         {Proposers: []Role{Finance}, Approvers: []Role{Finance, Admin}},
	KindCustodyChange:    {Proposers: []Role{Finance}, Approvers: []Role{Admin}},
	KindCharityRecipient: {Proposers: []Role{Finance}, Approvers: []Role{Finance, Admin}},
	KindCharityTransfer:  {Proposers: []Role{Finance}, Approvers: []Role{Finance, Admin}},
	KindTermination:      {Proposers: []Role{Reviewer, Admin}, Approvers: []Role{Admin}},
	KindAccountCreate:    {Proposers: nil, Approvers: []Role{Admin, SecurityAdmin}},
	KindWindDown:         {Proposers: []Role{Admin}, Approvers: []Role{Admin}},
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
	a.Register(KindAccountCreate, executeAccountCreate)
	a.guards[KindAccountCreate] = guard{decide: checkAccountCreateDecider}
	return a
}

// Register sets the executor for kind k. Register the executors before
// serving: Approvals is not safe for concurrent Register calls.
func (a *Approvals) Register(k Kind, e Executor) { a.executors[k] = e }

// MaxReason bounds a proposal's reason and a decision's note, in characters:
// every staff member with access to approvals reads them.
const MaxReason = 1000

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
