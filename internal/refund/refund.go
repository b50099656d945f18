// Package refund gives money back to donors, by the original route
// (R-DON-2): the pro-rata split of what a request can give back (R-REF-1),
// the policy of who may start which refund, the plan of a run written in
// bulk and ledgered by many concurrent entries, and its execution through
// each donation's own payment provider, with retries on a schedule and the
// charity route for what cannot be paid back (R-CHAR-1).
//
// A run is one decision (a cause, an amount, who decided it). It is
// written in one transaction (the run and one refund row per donation),
// then each refund's entry request:R → payable:refund:<run> (kind refund,
// key refund:<id>) is posted; a refund whose entry exists is decided, and
// the run is ledgered once all are. Dispatch then sends each decided
// refund to its provider, and Settle records the provider's word: paid
// (payable:refund:<run> → psp:<provider>, refund_paid) or, after the last
// attempt, to charity (payable:refund:<run> → charity:payable,
// refund_to_charity).
package refund

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
)

// Cause is why a run gives money back.
type Cause string

// The causes of a run.
const (
	// CausePurposeEnded: the purpose was achieved or is gone, and the
	// unspent balance goes back pro rata (R-REF-1).
	CausePurposeEnded Cause = "purpose_ended"
	// CauseAfterClose: payments that arrived after the channel closed,
	// refunded whole (R-PUB-4).
	CauseAfterClose Cause = "after_close"
	// CauseDonor: one donor's own request, under the published policy.
	CauseDonor Cause = "donor"
	// CauseTerminated: a request terminated for fraud (R-REF-2): what was
	// not paid out goes back pro rata.
	CauseTerminated Cause = "terminated"
	// CauseRecovery: money recovered after fraud goes back pro rata.
	CauseRecovery Cause = "recovery"
	// CauseWindDown: the platform winds down (R-WIND-1).
	CauseWindDown Cause = "wind_down"
)

// Causes lists every cause.
var Causes = []Cause{CausePurposeEnded, CauseAfterClose, CauseDonor, CauseTerminated, CauseRecovery, CauseWindDown}

// Valid reports whether c is a known cause.
func (c Cause) Valid() bool {
	for _, x := range Causes {
		if c == x {
			return true
		}
	}
	return false
}

// ProRata reports whether a run of this cause spreads its amount over the
// request's donations (all but CauseDonor and CauseAfterClose, which refund
// named donations whole).
func (c Cause) ProRata() bool { return c != CauseDonor && c != CauseAfterClose }

// RunInput is what starts a run.
type RunInput struct {
	RequestID int64
	Cause     Cause
	// Amount is what to give back; 0 means everything the run may give
	// back (Refundable, or for CauseDonor and CauseAfterClose what the
	// donations named can still get back).
	Amount money.Fen
	Reason string
	// Actor is the audit actor: "staff:12", "user:5", "system".
	Actor string
	// Key is the idempotency key: the same Key returns the first run.
	Key string
	// DonationID names the one donation of a CauseDonor run.
	DonationID int64
}

// Limits of a run's texts.
const (
	MaxReason = 500
	MaxKey    = 200
)

// Validate checks a RunInput on its own.
func (in RunInput) Validate() error {
	var fields []apperr.FieldError
	add := func(field, key string, args ...any) {
		fields = append(fields, apperr.FieldError{Field: field, Key: key, Args: args})
	}
	if in.RequestID <= 0 {
		add("request_id", "refund.request_required")
	}
	if !in.Cause.Valid() {
		add("cause", "refund.cause_invalid")
	}
	if in.Amount < 0 || in.Amount > money.MaxFen {
		add("amount", "refund.amount_invalid")
	}
	if len([]rune(in.Reason)) > MaxReason {
		add("reason", "refund.reason_too_long", MaxReason)
	}
	if in.Actor == "" || len(in.Actor) > 100 {
		add("actor", "refund.actor_required")
	}
	if in.Key == "" || len(in.Key) > MaxKey {
		add("key", "refund.key_invalid", MaxKey)
	}
	if in.Cause == CauseDonor && in.DonationID <= 0 {
		add("donation_id", "refund.donation_required")
	}
	if fields == nil {
		return nil
	}
	return &apperr.Error{Code: apperr.Invalid, Key: "refund.input_invalid", Fields: fields}
}

// RunState is where a run stands.
type RunState string

// The states of a run.
const (
	RunLedgering RunState = "ledgering" // planned; entries being posted
	RunLedgered  RunState = "ledgered"  // every refund decided (its entry posted)
	RunFinished  RunState = "finished"  // every refund paid back or given to charity
)

// State is where one refund stands.
type State string

// The states of a refund.
const (
	Planned    State = "planned"    // written; its entry not yet known to be posted
	Decided    State = "decided"    // its refund entry posted; waiting to be sent
	Sending    State = "sending"    // marked before the provider is called
	Processing State = "processing" // the provider accepted it; the outcome follows
	Succeeded  State = "succeeded"  // the money went back (refund_paid)
	Retrying   State = "retrying"   // the provider closed it; a new attempt is due at NextAt
	Abnormal   State = "abnormal"   // the provider could not pay it back; retried at NextAt
	ToCharity  State = "to_charity" // given up after the last attempt (refund_to_charity)
)

// Final reports whether s never changes again.
func (s State) Final() bool { return s == Succeeded || s == ToCharity }

// Run is a run as its progress shows it.
type Run struct {
	ID        int64
	RequestID int64
	Cause     Cause
	Amount    money.Fen
	Refunds   int64
	State     RunState
	Actor     string
	Reason    string
	CreatedAt time.Time
	// LedgeredAt and FinishedAt are zero until then.
	LedgeredAt, FinishedAt time.Time
	// Replayed is set when StartRun returned an earlier run for its key.
	Replayed bool
	Progress Progress
}

// Count is a number of refunds and their sum.
type Count struct {
	N   int64
	Fen money.Fen
}

// Progress is where a run's refunds stand.
type Progress struct {
	Planned    Count // every refund of the run
	Ledgered   Count // decided: refund entry posted (all but Planned-state rows)
	Sent       Count // handed to the provider at least once (sending and after)
	Succeeded  Count
	Retrying   Count // retrying or abnormal, waiting for the next attempt
	Processing Count // sending or processing, waiting for the provider's word
	ToCharity  Count
}

// Refund is one refund, as staff and its donor see it.
type Refund struct {
	ID, RunID, DonationID, RequestID int64
	Cause                            Cause
	Provider                         string
	Amount                           money.Fen
	State                            State
	Attempt                          int
	RefundNo                         string
	NextAt                           time.Time
	LastError                        string
	SettledAt                        time.Time
	// Account is where the money went back, as the provider names it.
	Account string
}

// RefundNo returns the refund number (out_refund_no) of one attempt of the
// refund of donation in run: "CF<run>D<donation>A<attempt>", at most 32
// characters for any ids below 10^12.
func RefundNo(run, donation int64, attempt int) string {
	return "CF" + strconv.FormatInt(run, 10) + "D" + strconv.FormatInt(donation, 10) + "A" + strconv.Itoa(attempt)
}

// ParseRefundNo returns the run, donation and attempt a refund number
// names, or ok false when it is not one of ours.
func ParseRefundNo(no string) (run, donation int64, attempt int, ok bool) {
	rest, found := strings.CutPrefix(no, "CF")
	if !found {
		return 0, 0, 0, false
	}
	r, rest, found := strings.Cut(rest, "D")
	if !found {
		return 0, 0, 0, false
	}
	d, a, found := strings.Cut(rest, "A")
	if !found {
		return 0, 0, 0, false
	}
	var err1, err2, err3 error
	run, err1 = strconv.ParseInt(r, 10, 64)
	donation, err2 = strconv.ParseInt(d, 10, 64)
	attempt, err3 = strconv.Atoi(a)
	if err1 != nil || err2 != nil || err3 != nil || run <= 0 || donation <= 0 || attempt <= 0 || RefundNo(run, donation, attempt) != no {
		return 0, 0, 0, false
	}
	return run, donation, attempt, true
}

// Keys of the ledger entries of a refund.
func entryKey(id int64) string   { return "refund:" + strconv.FormatInt(id, 10) }
func paidKey(id int64) string    { return entryKey(id) + ":paid" }
func charityKey(id int64) string { return entryKey(id) + ":charity" }

// PayableAccount is the ledger account of a run's decided, unpaid refunds.
func PayableAccount(run int64) string { return "payable:refund:" + strconv.FormatInt(run, 10) }

// RequestAccount is the ledger account of a request's money.
func RequestAccount(id int64) string { return "request:" + strconv.FormatInt(id, 10) }

// ReceivableAccount is the ledger account of what is to be recovered from
// a terminated request.
func ReceivableAccount(id int64) string { return "receivable:recovery:" + strconv.FormatInt(id, 10) }

// DefaultSchedule is how long after a closed or abnormal attempt the next
// one goes out: 1 h, 6 h, 24 h, 3 days. After the last, the refund goes to
// charity (R-CHAR-1).
var DefaultSchedule = []time.Duration{time.Hour, 6 * time.Hour, 24 * time.Hour, 72 * time.Hour}

// Retry says what follows an attempt the provider closed or could not pay:
// the next attempt and when, or charity after the schedule's last.
func Retry(attempt int, schedule []time.Duration, now time.Time) (next int, at time.Time, charity bool) {
	if attempt > len(schedule) {
		return attempt, now, true
	}
	return attempt + 1, now.Add(schedule[attempt-1]), false
}

// Outcome is what Settle did with a provider's word.
type Outcome string

// The outcomes of Settle.
const (
	OutcomeNone        Outcome = "none"        // nothing new (a replay, or still processing)
	OutcomeProcessing  Outcome = "processing"  // the provider accepted it
	OutcomeSucceeded   Outcome = "succeeded"   // refund_paid posted
	OutcomeRetry       Outcome = "retry"       // a new attempt is scheduled
	OutcomeCharity     Outcome = "charity"     // refund_to_charity posted
	OutcomeQuarantined Outcome = "quarantined" // kept for staff, never believed
)

// quarantine reasons.
const (
	qUnknown      = "unknown_refund"
	qAmount       = "amount_mismatch"
	qOrder        = "order_mismatch"
	qStale        = "stale_attempt"
	qAfterCharity = "after_charity"
)

func errorf(format string, args ...any) string {
	s := fmt.Sprintf(format, args...)
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// hasKey reports whether err is an *apperr.Error with the key.
func hasKey(err error, key string) bool {
	e := apperr.As(err)
	return e != nil && e.Key == key
}
