package payout

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
)

// State is where a payout application stands (DESIGN.md): requested → in
// review ⇄ needs info → approved (second approver) → paying → paid | failed;
// also rejected; paid → returned (退票).
type State string

// The states.
const (
	Requested State = "requested"  // filed, complete, waiting for a finance officer
	InReview  State = "in_review"  // claimed; a first approval may be recorded
	NeedsInfo State = "needs_info" // the officer asked for more; the review clock stops
	Approved  State = "approved"   // second approval posted request:R → payable:payout:X
	Paying    State = "paying"     // the transfer was handed to the custody bank
	Paid      State = "paid"       // the bank paid: payable:payout:X → bank:custody
	Failed    State = "failed"     // the bank refused the transfer; the approval was reversed
	Rejected  State = "rejected"   // final; the reason is shown to the publisher
	Returned  State = "returned"   // paid, then returned by the payee's bank: back on the request
)

// States lists every state, in the order of the life cycle.
var States = []State{Requested, InReview, NeedsInfo, Approved, Paying, Paid, Failed, Rejected, Returned}

// NameKey is the i18n key of the state's name.
func (s State) NameKey() string { return "payout.state." + string(s) }

// Open reports whether an application in state s still claims money that
// is not posted yet: requested, in review or waiting for information. Its
// amount is "in progress" for CheckAmount.
func (s State) Open() bool { return s == Requested || s == InReview || s == NeedsInfo }

// Event is what moves a payout from one state to another.
type Event string

// The events.
const (
	EvClaim   Event = "claim"   // a finance officer takes the application
	EvAsk     Event = "ask"     // the officer asks for more
	EvAnswer  Event = "answer"  // the publisher answers
	EvFirst   Event = "first"   // first approval (the state stays in review)
	EvApprove Event = "approve" // second approval, with the ledger entry
	EvReject  Event = "reject"  // the officer rejects, with a reason
	EvSend    Event = "send"    // the transfer went to the bank
	EvPay     Event = "pay"     // the bank paid
	EvFail    Event = "fail"    // the bank refused before paying
	EvReturn  Event = "return"  // the payee's bank returned the money
)

// transitions lists, for every event, the states it leaves from and where
// it leads.
var transitions = map[Event]struct {
	from []State
	to   State
}{
	EvClaim:   {[]State{Requested}, InReview},
	EvAsk:     {[]State{InReview}, NeedsInfo},
	EvAnswer:  {[]State{NeedsInfo}, InReview},
	EvFirst:   {[]State{InReview}, InReview},
	EvApprove: {[]State{InReview}, Approved},
	EvReject:  {[]State{Requested, InReview, NeedsInfo}, Rejected},
	EvSend:    {[]State{Approved}, Paying},
	EvPay:     {[]State{Paying}, Paid},
	EvFail:    {[]State{Paying}, Failed},
	EvReturn:  {[]State{Paid}, Returned},
}

// Next returns the state event ev leads to from state from, or
// apperr.Conflict KeyState when the event does not apply there.
func Next(from State, ev Event) (State, error) {
	t, ok := transitions[ev]
	if ok {
		for _, f := range t.from {
			if f == from {
				return t.to, nil
			}
		}
	}
	return "", apperr.New(apperr.Conflict, KeyState, string(from))
}

// UsageDays is how long after a payout is paid its usage update is due
// (R-DISB-4, P).
const UsageDays = 30

// UsageDueBy returns when the usage update of a payout paid at paid is due.
func UsageDueBy(paid time.Time) time.Time { return paid.AddDate(0, 0, UsageDays) }

// UsageFact is what the usage rule needs of one paid payout.
type UsageFact struct {
	PayoutID int64
	Paid     time.Time
	Posted   bool // a usage update was posted for it
}

// OverdueUsage returns the payouts of facts whose usage update is due at now
// and not posted, in the order given.
func OverdueUsage(facts []UsageFact, now time.Time) []int64 {
	var out []int64
	for _, f := range facts {
		if !f.Posted && !f.Paid.IsZero() && !now.Before(UsageDueBy(f.Paid)) {
			out = append(out, f.PayoutID)
		}
	}
	return out
}

// CheckUsage refuses a new application while a usage update is overdue
// (R-DISB-4): apperr.Conflict KeyUsageOverdue, with the first payout whose
// update is missing, so the publisher knows what to post.
func CheckUsage(facts []UsageFact, now time.Time) error {
	if ids := OverdueUsage(facts, now); len(ids) > 0 {
		return apperr.New(apperr.Conflict, KeyUsageOverdue, ids[0])
	}
	return nil
}

// TransferID is the end-to-end id of the attempt-th transfer of payout id,
// as the custody bank carries it back on its reports (ISO 20022
// EndToEndId, at most 35 characters: an int64 and an attempt fit).
func TransferID(id int64, attempt int) string { return fmt.Sprintf("CFPO%dA%d", id, attempt) }

// MaxTransferID is the longest end-to-end id ISO 20022 carries.
const MaxTransferID = 35

// ParseTransferID reads a transfer id made by TransferID, at most
// MaxTransferID long; ok is false for anything else.
func ParseTransferID(s string) (id int64, attempt int, ok bool) {
	if len(s) > MaxTransferID {
		return 0, 0, false
	}
	rest, found := strings.CutPrefix(s, "CFPO")
	if !found {
		return 0, 0, false
	}
	a, b, found := strings.Cut(rest, "A")
	if !found {
		return 0, 0, false
	}
	id, err1 := strconv.ParseInt(a, 10, 64)
	n, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || id <= 0 || n <= 0 || TransferID(id, n) != s {
		return 0, 0, false
	}
	return id, n, true
}

// Status is what the custody bank reports of a transfer.
type Status string

// The statuses.
const (
	StatusPaid     Status = "paid"     // the money left custody for the payee
	StatusRejected Status = "rejected" // the bank refused it before paying
	StatusReturned Status = "returned" // paid, then returned by the payee's bank
)

// Phase is the part of a transfer's life a status closes: the settlement
// (paid or rejected, one of them, once) or the return after a payment.
func (s Status) Phase() string {
	if s == StatusReturned {
		return "return"
	}
	return "settle"
}

// Valid reports whether s is one of the statuses.
func (s Status) Valid() bool {
	return s == StatusPaid || s == StatusRejected || s == StatusReturned
}

// Action is what Settle does with a reported outcome.
type Action int

// The actions of DecideSettle.
const (
	// Replay: the same outcome was recorded before; nothing to do.
	Replay Action = iota
	// Apply: post the outcome's entry and move the payout.
	Apply
	// PayThenReturn: a return reported before the payment it undoes (the
	// statement came before the status report): record the payment, then
	// the return.
	PayThenReturn
	// Quarantine: the outcome contradicts what was recorded, or the payout
	// cannot take it; keep the copy, refuse it, apply nothing.
	Quarantine
)

// DecideSettle says what to do with status reported for a transfer of a
// payout in state, given the statuses already recorded for that transfer.
// An outcome is applied at most once; a paid transfer is never also
// rejected, nor a rejected one paid or returned.
func DecideSettle(state State, recorded []Status, status Status) Action {
	has := func(s Status) bool {
		for _, r := range recorded {
			if r == s {
				return true
			}
		}
		return false
	}
	if has(status) {
		return Replay
	}
	switch status {
	case StatusPaid:
		if !has(StatusRejected) && state == Paying {
			return Apply
		}
	case StatusRejected:
		if !has(StatusPaid) && !has(StatusReturned) && state == Paying {
			return Apply
		}
	case StatusReturned:
		switch {
		case has(StatusRejected):
		case state == Paid:
			return Apply
		case state == Paying:
			return PayThenReturn
		}
	}
	return Quarantine
}
