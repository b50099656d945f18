package bank

import (
	"sync"
	"time"

	"github.com/carefund/carefund/internal/money"
)

// Habit is how the sandbox bank treats a transfer, fixed by the last two
// digits of its amount in fen so that a tester, or the demo, chooses the
// outcome by the amount.
type Habit string

// The habits.
const (
	HabitPay          Habit = "pay"           // paid the same working day before the cut-off, else the next
	HabitClosed       Habit = "closed"        // …01: rejected, the payee's account is closed (AC04)
	HabitNameMismatch Habit = "name_mismatch" // …02: rejected, the name does not match the account (BE01)
	HabitReturn       Habit = "return"        // …03: paid, then returned by the payee's bank (退票) three working days later
	HabitLate         Habit = "late"          // …04: held past the cut-off, paid on the next working day
)

// The reason codes the sandbox gives, from ISO's external status reason
// code list.
const (
	ReasonAccountClosed     = "AC04"
	ReasonNameMismatch      = "BE01"
	ReasonInsufficientFunds = "AM04"
)

// HabitOf returns the sandbox's habit for a transfer.
func HabitOf(t Transfer) Habit {
	switch t.Amount % 100 {
	case 1:
		return HabitClosed
	case 2:
		return HabitNameMismatch
	case 3:
		return HabitReturn
	case 4:
		return HabitLate
	}
	return HabitPay
}

// CutOff is the time of day, in the bank's zone, after which a transfer
// received on a working day is executed on the next one.
const CutOff = 16 * time.Hour

// Processing is how long the sandbox takes to execute a transfer received
// before the cut-off.
const Processing = 10 * time.Minute

// opening is when a working day's first executions are booked.
const opening = 9 * time.Hour

// WorkingDay reports whether t falls on a working day of the bank: Monday
// to Friday. Public holidays and the weekend days worked in their place
// (调休) are not simulated.
func WorkingDay(t time.Time) bool {
	wd := t.In(Zone).Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// midnight returns the start of t's day in the bank's zone.
func midnight(t time.Time) time.Time {
	y, m, d := t.In(Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, Zone)
}

// NextWorkingOpening returns the opening time of the first working day
// after t's day.
func NextWorkingOpening(t time.Time) time.Time {
	d := midnight(t).AddDate(0, 0, 1)
	for !WorkingDay(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d.Add(opening)
}

// executionTime is when a transfer received at t is executed: shortly
// after, on a working day before the cut-off; otherwise at the opening of
// the next working day.
func executionTime(t time.Time) time.Time {
	if WorkingDay(t) && t.Sub(midnight(t)) < CutOff-Processing {
		return t.Add(Processing)
	}
	return NextWorkingOpening(t)
}

// Event is a status change the sandbox schedules for a transfer.
type Event struct {
	Status Status
	Reason string
	Due    time.Time
}

// Schedule returns what the sandbox will report of a transfer with habit
// h received at t, in order: pending at once, then paid or rejected, and
// for a returned transfer, returned three working days after it was paid.
// Whether the custody account can pay is decided only when the payment
// comes due (a transfer the balance cannot cover is rejected with AM04).
func Schedule(h Habit, t time.Time) []Event {
	ev := []Event{{Status: Pending, Due: t}}
	exec := executionTime(t)
	switch h {
	case HabitClosed:
		return append(ev, Event{Status: Rejected, Reason: ReasonAccountClosed, Due: exec})
	case HabitNameMismatch:
		return append(ev, Event{Status: Rejected, Reason: ReasonNameMismatch, Due: exec})
	case HabitLate:
		return append(ev, Event{Status: Paid, Due: NextWorkingOpening(t)})
	case HabitReturn:
		back := exec
		for range 3 {
			back = NextWorkingOpening(back)
		}
		return append(ev, Event{Status: Paid, Due: exec}, Event{Status: Returned, Reason: ReasonAccountClosed, Due: back.Add(time.Hour)})
	}
	return append(ev, Event{Status: Paid, Due: exec})
}

// Clock is the sandbox bank's clock, which the caller moves: tests and the
// demo jump days ahead with Advance instead of waiting. A Clock made with a
// zero start follows the real time, plus whatever it was advanced by.
type Clock struct {
	mu     sync.Mutex
	start  time.Time
	offset time.Duration
}

// NewClock returns a clock that reads start (the real time when start is
// zero) until it is advanced.
func NewClock(start time.Time) *Clock { return &Clock{start: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.start.IsZero() {
		return time.Now().Add(c.offset)
	}
	return c.start.Add(c.offset)
}

// Advance moves the clock d ahead; a negative d is ignored, since a bank's
// books never go back in time.
func (c *Clock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// The sandbox credits interest on the custody account as Chinese banks do
// on a demand deposit: interest is settled on the 20th of the last month
// of each quarter (结息日) and credited the next day, on the balance. The
// platform never earns from it (R-FIN-1): the statement's interest line
// is posted to charity:payable (R-CHAR-1, package reconcile).
const (
	// InterestBasisPoints is the sandbox's yearly rate, 0.35%: what banks
	// pay on a deposit under an agreement (协定存款), a quarter of it a
	// quarter.
	InterestBasisPoints = 35
	// InterestPrefix begins the sandbox's reference of an interest
	// booking, InterestPrefix + yyyymmdd; Credit refuses it.
	InterestPrefix = "SBXINT"
	// interestHour is when, in the bank's zone, interest is booked on its
	// day.
	interestHour = 6 * time.Hour
)

// InterestDays returns the instants the sandbox books interest at, after
// from and not after to: 06:00 in the bank's zone on the 21st of March,
// June, September and December. It returns at most 400 (a century of
// quarters): a clock jumped further catches up on its next bookings.
func InterestDays(from, to time.Time) []time.Time {
	var out []time.Time
	y := from.In(Zone).Year()
	for q := 0; len(out) < 400 && q < 4*200; q++ {
		m := time.Month(3 + 3*(q%4))
		at := time.Date(y+q/4, m, 21, 0, 0, 0, 0, Zone).Add(interestHour)
		if at.After(to) {
			break
		}
		if at.After(from) {
			out = append(out, at)
		}
	}
	return out
}

// Interest returns a quarter's interest on balance, in whole fen, rounded
// down: none on a balance of zero or less.
func Interest(balance money.Fen) money.Fen {
	if balance <= 0 {
		return 0
	}
	return money.Fen(int64(balance) * InterestBasisPoints / 10000 / 4)
}

// InterestRef is the sandbox's reference of the interest booked at at.
func InterestRef(at time.Time) string { return InterestPrefix + at.In(Zone).Format("20060102") }
