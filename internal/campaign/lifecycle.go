package campaign

import (
	"time"

	"github.com/carefund/carefund/internal/apperr"
)

// State is where a request is in its life cycle.
type State string

// The states of a request (docs: DESIGN.md, "Life cycles").
const (
	Draft       State = "draft"       // being written; only the publisher sees it
	Submitted   State = "submitted"   // filed, waiting for the machine screen
	Screening   State = "screening"   // machine pre-screen (R-REV-1)
	InReview    State = "in_review"   // human review (R-REV-1, R-REV-2)
	NeedsInfo   State = "needs_info"  // the reviewer asked for more material
	Rejected    State = "rejected"    // final; the reason is shown to the requester
	Approved    State = "approved"    // published; the channel is not open yet (R-REQ-4)
	Fundraising State = "fundraising" // the channel is open
	Closed      State = "closed"      // the channel is closed, with a CloseReason (R-PUB-4)
	Settling    State = "settling"    // payouts, usage updates, refunds
	Completed   State = "completed"   // final; kept for R-PII-2
	Suspended   State = "suspended"   // under investigation; no donations, no payouts
	Terminated  State = "terminated"  // fraud or misuse: recovery and refunds (R-REF-2)
)

// States lists every state in life-cycle order.
var States = []State{Draft, Submitted, Screening, InReview, NeedsInfo, Rejected, Approved,
	Fundraising, Closed, Settling, Completed, Suspended, Terminated}

// Editable reports whether the publisher may change the filing: while it
// is a draft, or when the reviewer asked for more (R-REV-2).
func Editable(st State) bool { return st == Draft || st == NeedsInfo }

// Amendable reports whether the publisher may change a published request's
// text: while it is approved or raising money (R-REQ-6).
func Amendable(st State) bool { return st == Approved || st == Fundraising }

// NameKey is the i18n key of the state's name.
func (s State) NameKey() string { return "campaign.state." + string(s) }

// Event is something that moves a request from one state to another.
type Event string

// The events of the life cycle.
const (
	Submit       Event = "submit"        // the publisher files the draft, or answers a request for information
	Screen       Event = "screen"        // the machine screen starts
	ScreenPass   Event = "screen_pass"   // the machine screen hands over to a human
	ScreenReject Event = "screen_reject" // the machine screen refuses outright (blacklist, R-BL-1)
	AskInfo      Event = "ask_info"      // the reviewer asks for more material (R-REV-2)
	Approve      Event = "approve"       // the reviewer approves (R-REV-2)
	Reject       Event = "reject"        // the reviewer rejects, with a reason (R-REV-2)
	Open         Event = "open"          // the channel opens; CanOpenFundraising first
	Close        Event = "close"         // the channel closes, with a CloseReason (R-PUB-4)
	Settle       Event = "settle"        // settlement starts: payouts and refunds
	Complete     Event = "complete"      // all money is paid out, refunded or recovered
	Suspend      Event = "suspend"       // an investigation starts (R-REV-4)
	Terminate    Event = "terminate"     // fraud or misuse is established (R-REF-2)
)

// transitions is the whole life cycle: from each state, the events allowed
// and where they lead. Anything not listed is refused.
//
// Resuming a suspended request is not here because its destination is the
// state it was suspended from; see Resume.
var transitions = map[State]map[Event]State{
	Draft:     {Submit: Submitted},
	Submitted: {Screen: Screening},
	Screening: {ScreenPass: InReview, ScreenReject: Rejected},
	InReview:  {AskInfo: NeedsInfo, Approve: Approved, Reject: Rejected},
	// New material goes back to the same human review (DESIGN: in review ⇄
	// needs info); a request nobody answers is rejected.
	NeedsInfo: {Submit: InReview, Reject: Rejected},
	// Approved and published, waiting for the certificate of R-REQ-4 to be
	// published: the purpose can already be gone, or the requester give up.
	Approved:    {Open: Fundraising, Close: Closed, Suspend: Suspended},
	Fundraising: {Close: Closed, Suspend: Suspended},
	Closed:      {Settle: Settling, Suspend: Suspended},
	Settling:    {Complete: Completed, Suspend: Suspended},
	// Fraud found after completion still suspends: money can be recovered
	// and donors refunded (R-REF-2).
	Completed:  {Suspend: Suspended},
	Suspended:  {Terminate: Terminated},
	Terminated: {Complete: Completed},
	Rejected:   {},
}

// KeyTransition is the message key of a refused transition.
const KeyTransition = "campaign.transition"

// Transition returns the state event ev leads to from state from, or an
// *apperr.Error with Code apperr.Conflict when the life cycle does not allow
// it (an unknown state or event included).
func Transition(from State, ev Event) (State, error) {
	if to, ok := transitions[from][ev]; ok {
		return to, nil
	}
	return from, apperr.New(apperr.Conflict, KeyTransition)
}

// Resume returns the state a suspended request goes back to when the
// investigation clears it: the state it was suspended from, which the caller
// recorded. It returns Conflict when prior is not a state a request can be
// suspended from.
func Resume(prior State) (State, error) {
	if _, ok := transitions[prior][Suspend]; ok {
		return prior, nil
	}
	return Suspended, apperr.New(apperr.Conflict, KeyTransition)
}

// CloseReason says why a fundraising channel closed (R-PUB-4). The public
// page shows it.
type CloseReason string

// The reasons a channel closes.
const (
	TargetReached     CloseReason = "target_reached"
	PeriodEnded       CloseReason = "period_ended"
	PurposeAchieved   CloseReason = "purpose_achieved"
	PurposeGone       CloseReason = "purpose_gone" // with a GoneCause
	ClosedByRequester CloseReason = "closed_by_requester"
	ClosedByStaff     CloseReason = "closed_by_staff"
	WindDown          CloseReason = "wind_down" // the platform's designation was withdrawn (R-WIND-1)
)

// CloseReasons lists every reason.
var CloseReasons = []CloseReason{TargetReached, PeriodEnded, PurposeAchieved, PurposeGone, ClosedByRequester, ClosedByStaff, WindDown}

// PublisherCloseReasons are the reasons a publisher may give for closing
// their own channel (R-PUB-4); the others are the platform's.
var PublisherCloseReasons = []CloseReason{PurposeAchieved, PurposeGone, ClosedByRequester}

// GoneCause says why the purpose of a request is gone (R-PUB-4).
type GoneCause string

// The causes of PurposeGone.
const (
	Recovered          GoneCause = "recovered"
	Died               GoneCause = "died"
	TreatmentAbandoned GoneCause = "treatment_abandoned"
)

// GoneCauses lists every cause.
var GoneCauses = []GoneCause{Recovered, Died, TreatmentAbandoned}

// Closing is why one channel closed.
type Closing struct {
	Reason CloseReason
	Cause  GoneCause // with PurposeGone only
}

// KeyCloseReason is the message key of an invalid Closing.
const KeyCloseReason = "campaign.close_reason_invalid"

// Validate returns nil for a known reason with a cause exactly when the
// reason is PurposeGone, or an Invalid error on field "reason" or "cause".
func (c Closing) Validate() error {
	var v validator
	known := false
	for _, r := range CloseReasons {
		known = known || c.Reason == r
	}
	if !known {
		v.add("reason", KeyCloseReason)
	}
	causeOK := c.Cause == ""
	if c.Reason == PurposeGone {
		causeOK = false
		for _, g := range GoneCauses {
			causeOK = causeOK || c.Cause == g
		}
	}
	if known && !causeOK {
		v.add("cause", KeyCloseReason)
	}
	if v.errs == nil {
		return nil
	}
	return &apperr.Error{Code: apperr.Invalid, Key: KeyCloseReason, Fields: v.errs}
}

// PublicKey is the i18n key of the notice the public page shows for the
// closing: "campaign.close.target_reached", "campaign.close.purpose_gone.died".
func (c Closing) PublicKey() string {
	if c.Reason == PurposeGone {
		return "campaign.close." + string(c.Reason) + "." + string(c.Cause)
	}
	return "campaign.close." + string(c.Reason)
}

// The fundraising period (R-PUB-4, P: 30 days, extendable once).
const (
	DefaultPeriod   = 30 * 24 * time.Hour
	ExtensionPeriod = 30 * 24 * time.Hour
	MaxExtensions   = 1
)

// CanExtend reports whether a channel already extended extensions times may
// be extended again.
func CanExtend(extensions int) bool { return extensions >= 0 && extensions < MaxExtensions }

// Deadline returns when a channel opened at opened, extended extensions
// times, closes with PeriodEnded. Extensions beyond MaxExtensions count as
// MaxExtensions: a bad count never makes a channel run longer than allowed.
func Deadline(opened time.Time, extensions int) time.Time {
	extensions = max(0, min(extensions, MaxExtensions))
	return opened.Add(DefaultPeriod + time.Duration(extensions)*ExtensionPeriod)
}
