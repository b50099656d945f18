// Package winddown winds the platform down when its designation is
// withdrawn (R-WIND-1, Measures arts. 29 and 30): one switch, decided by
// four eyes, that the same day puts a notice on every page and stops all
// fundraising, and a schedule that pays out or refunds every undisbursed
// yuan within 60 days.
//
// The switch is a proposal first: an admin proposes it with the reason
// (for staff), the public notice, the date the designation was withdrawn
// and the ministry's reference; another admin approves it
// (staff.KindWindDown). Approving, in one transaction: records the
// wind-down and its schedule, closes every request that is approved or
// raising money with campaign.WindDown (the donation service then refuses
// orders; a payment that still arrives is an after-close payment, refunded
// whole by its own run), and lists every request that still holds money.
//
// The schedule (Schedule, Next) counts from the day of approval: until day
// 30 requesters may apply for payouts of documented costs (the payout flow
// is unchanged, four eyes included); from day 30 whatever a request still
// holds goes back to its donors pro rata, by a refund run with cause
// wind_down, and what cannot go back by the original route goes to charity
// as every refund does; by day 60 everything is out. A job advances it
// (Service.Advance), idempotent, and marks the wind-down complete when
// nothing is held any more; the retention rule counts from that time.
//
// Rule files here (this one) import no storage; SQL is in store.go, use
// cases in service*.go.
package winddown

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
)

// Message keys of the errors this package returns (catalog_winddown.go).
const (
	KeyInvalid    = "winddown.invalid"     // Invalid, with field errors
	KeyText       = "winddown.text"        // field: required, at most Args[0] characters
	KeyDate       = "winddown.date"        // field "withdrawn_on": not a date, or in the future
	KeyLive       = "winddown.live"        // Conflict: a wind-down is already proposed or approved
	KeyNotFound   = "winddown.not_found"   // NotFound: no such wind-down
	KeyNotStarted = "winddown.not_started" // Conflict: no wind-down is under way
	KeyNothing    = "winddown.nothing"     // Conflict: the request holds nothing to refund
)

// Limits on the texts, in characters.
const (
	MaxReason = 1000
	MaxNotice = 500
	MaxRef    = 100
)

// Proposal is what an admin proposes: Reason is for staff, Notice is shown
// on every page, WithdrawnOn (YYYY-MM-DD) is when the ministry withdrew the
// designation and MinistryRef its document's reference.
type Proposal struct {
	Reason, Notice, WithdrawnOn, MinistryRef string
}

// CheckProposal trims and checks a proposal: every text required and within
// its limit, the date a real date not after today (today's date in China).
// It returns apperr.Invalid KeyInvalid with field errors on "reason",
// "notice", "withdrawn_on" and "ministry_ref".
func CheckProposal(p Proposal, today time.Time) (Proposal, error) {
	var errs []apperr.FieldError
	text := func(field, s string, limit int) string {
		s = strings.TrimSpace(s)
		if s == "" || utf8.RuneCountInString(s) > limit || !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			errs = append(errs, apperr.FieldError{Field: field, Key: KeyText, Args: []any{limit}})
		}
		return s
	}
	p.Reason = text("reason", p.Reason, MaxReason)
	p.Notice = text("notice", p.Notice, MaxNotice)
	p.MinistryRef = text("ministry_ref", p.MinistryRef, MaxRef)
	p.WithdrawnOn = strings.TrimSpace(p.WithdrawnOn)
	if _, err := time.Parse(time.DateOnly, p.WithdrawnOn); err != nil || p.WithdrawnOn > today.In(Zone).Format(time.DateOnly) {
		errs = append(errs, apperr.FieldError{Field: "withdrawn_on", Key: KeyDate})
	}
	if errs != nil {
		return p, &apperr.Error{Code: apperr.Invalid, Key: KeyInvalid, Fields: errs}
	}
	return p, nil
}

// Zone is China's time: the schedule's days are days there.
var Zone = time.FixedZone("CST", 8*3600)

// The schedule, in days from the day the wind-down was approved (R-WIND-1:
// everything out within 60 days).
const (
	// PayoutDays: until then requesters may still apply for payouts of
	// documented costs.
	PayoutDays = 30
	// DeadlineDays: by then every undisbursed yuan is paid out or refunded.
	DeadlineDays = 60
	// RefundGrace is how long after RefundFrom a request may still hold
	// money before it is late: the job runs every few minutes, so a day
	// means something refused the refund.
	RefundGrace = 24 * time.Hour
)

// Schedule is a wind-down's dates. Days count from midnight (China time)
// of the day of approval, so the deadline falls at the start of day 60: a
// little inside the 60 days, never after.
type Schedule struct {
	Start      time.Time // the approval
	RefundFrom time.Time // day 30: what is still held is refunded
	Deadline   time.Time // day 60: everything is out
}

// NewSchedule returns the schedule of a wind-down approved at approved.
func NewSchedule(approved time.Time) Schedule {
	d := approved.In(Zone)
	day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, Zone)
	return Schedule{Start: approved, RefundFrom: day.AddDate(0, 0, PayoutDays), Deadline: day.AddDate(0, 0, DeadlineDays)}
}

// LastDay is the last day (YYYY-MM-DD, China) by the end of which
// everything is out: the day before Deadline.
func (s Schedule) LastDay() string {
	return s.Deadline.Add(-time.Second).In(Zone).Format(time.DateOnly)
}

// Day returns the day of the wind-down now falls on: 0 on the day of
// approval.
func (s Schedule) Day(now time.Time) int {
	d := s.Start.In(Zone)
	day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, Zone)
	if now.Before(day) {
		return 0
	}
	return int(now.Sub(day) / (24 * time.Hour))
}

// Holding is what one request still holds, from the ledger: its own
// account (request:R), its approved payouts the bank has not executed yet
// (payable:payout:X) and its refunds decided but not yet paid back
// (payable:refund:Y).
type Holding struct {
	Request, Payouts, Refunds money.Fen
	// RefundRun is the wind-down's refund run of the request, 0 before it
	// started.
	RefundRun int64
	// Asked: the requester asked for the refund before day 30.
	Asked bool
}

// Held is everything the request still holds.
func (h Holding) Held() money.Fen { return h.Request + h.Payouts + h.Refunds }

// Step is what comes next for one request.
type Step string

// The steps, in order.
const (
	// StepApply: until day 30 the requester may apply for payouts of
	// documented costs; the rest is refunded from day 30.
	StepApply Step = "apply"
	// StepRefund: the request holds money at or after day 30; the job
	// starts its refund run.
	StepRefund Step = "refund"
	// StepPaying: the request holds nothing itself, and the bank is still
	// to execute an approved payout.
	StepPaying Step = "paying"
	// StepRefunding: the request holds nothing itself, and the providers
	// are still paying refunds back (or they go to charity).
	StepRefunding Step = "refunding"
	// StepDone: nothing is held.
	StepDone Step = "done"
)

// NameKey is the i18n key of the step's name.
func (s Step) NameKey() string { return "winddown.step." + string(s) }

// Next returns what comes next for a request holding h at now under
// schedule s, and whether it is late: not done by the deadline, or still
// holding money a day after the refunds were due (R-WIND-1).
func Next(s Schedule, now time.Time, h Holding) (Step, bool) {
	var st Step
	switch {
	case h.Request > 0 && now.Before(s.RefundFrom) && !h.Asked:
		st = StepApply
	case h.Request > 0:
		st = StepRefund
	case h.Payouts > 0:
		st = StepPaying
	case h.Refunds > 0:
		st = StepRefunding
	default:
		return StepDone, false
	}
	late := !now.Before(s.Deadline) || st == StepRefund && !now.Before(s.RefundFrom.Add(RefundGrace))
	return st, late
}

// RefundDue reports whether the job should start the wind-down refund run
// of a request holding h at now: it holds money itself, day 30 has come
// (or its requester asked for the refund), and its run has not started (one run per request; what a run could not
// take stays flagged late for staff).
func RefundDue(s Schedule, now time.Time, h Holding) bool {
	st, _ := Next(s, now, h)
	return st == StepRefund && h.RefundRun == 0
}

// Complete reports whether a wind-down whose requests hold hs is complete:
// every request holds nothing.
func Complete(hs []Holding) bool {
	for _, h := range hs {
		if h.Held() != 0 {
			return false
		}
	}
	return true
}

// Figures are the wind-down's money, from the ledger, since its approval.
// They tie out: HeldAtStart + Received = Held + PaidOut + Refunded +
// ToCharity, unless other money moved (a fee, a recovery), which Other
// shows.
type Figures struct {
	HeldAtStart money.Fen // undisbursed when it was approved
	Received    money.Fen // payments that still arrived after
	PaidOut     money.Fen // executed payouts, net of returns
	Refunded    money.Fen // paid back to donors by the original route
	ToCharity   money.Fen // refunds that could not be paid back
	Held        money.Fen // still undisbursed
}

// Other is what moved otherwise: zero when the figures tie out.
func (f Figures) Other() money.Fen {
	return f.HeldAtStart + f.Received - f.Held - f.PaidOut - f.Refunded - f.ToCharity
}
