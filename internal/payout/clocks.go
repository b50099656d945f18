package payout

import "time"

// China is the time zone the clocks count days in: China Standard Time,
// UTC+8 all year (no daylight saving), fixed so that no tzdata is needed.
var China = time.FixedZone("CST", 8*3600)

// The working days R-DISB-1 allows (P, configurable in the rule text).
const (
	ReviewDays  = 2 // from a complete application to the review's decision
	PaymentDays = 1 // from the second approval to the transfer sent
)

// Date is a day of the calendar in China.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the day t falls on in China.
func DateOf(t time.Time) Date {
	y, m, d := t.In(China).Date()
	return Date{y, m, d}
}

// Calendar says which days are working days: Monday to Friday, except the
// public holidays, plus the weekend days worked in exchange (调休), both as
// the State Council publishes them each year. The zero Calendar knows no
// holidays; its clocks then run early over a holiday, never late.
type Calendar struct {
	Holidays map[Date]bool // weekdays off
	Workdays map[Date]bool // weekend days worked
}

// Working reports whether d is a working day.
func (c Calendar) Working(d Date) bool {
	if c.Workdays[d] {
		return true
	}
	if c.Holidays[d] {
		return false
	}
	wd := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, China).Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkingDays returns the end of the n-th working day after the day t
// falls on, in China: the instant the next day begins. The day of t does not
// count, and the period ends at midnight of its last day, as the Civil Code
// counts periods (arts. 201 and 203): an application completed on a Friday
// afternoon with n = 2 is due by the end of Tuesday. n < 1 is taken as 1.
func (c Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	d := DateOf(t)
	day := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, China)
	for left := max(n, 1); ; {
		day = day.AddDate(0, 0, 1)
		if c.Working(DateOf(day)) {
			left--
			if left == 0 {
				return day.AddDate(0, 0, 1)
			}
		}
	}
}

// ReviewDueBy returns when the review of an application complete at
// complete must be decided (R-DISB-1): ReviewDays working days later.
func (c Calendar) ReviewDueBy(complete time.Time) time.Time {
	return c.AddWorkingDays(complete, ReviewDays)
}

// PaymentDueBy returns when an application approved at approved must be
// paid (R-DISB-1): PaymentDays working days later.
func (c Calendar) PaymentDueBy(approved time.Time) time.Time {
	return c.AddWorkingDays(approved, PaymentDays)
}

// Clocks are the instants of an application that start and stop the clocks
// of R-DISB-1; a zero time is an event that has not happened.
type Clocks struct {
	// Complete is when the application last became complete: submitted
	// with everything, or the answer to the reviewer's request for more.
	// It is zero while the publisher owes material, which stops the
	// review clock: the reviewer is not late waiting for the publisher.
	Complete time.Time
	// Decided is when review ended: rejected, or approved by the second
	// finance officer (a first approval alone moves no money).
	Decided time.Time
	// Approved is the second approval; zero unless approved.
	Approved time.Time
	// Sent is when the transfer was handed to the custody bank. A bank
	// that delays it past a cut-off is the reconciliation's concern.
	Sent time.Time
}

// Clock names one of the two clocks of R-DISB-1.
type Clock string

// The clocks; NoClock means none is overdue.
const (
	NoClock      Clock = ""
	ReviewClock  Clock = "review"
	PaymentClock Clock = "payment"
)

// Overdue returns the clock of app that is running past its due time at now,
// and that due time: the review clock while an application is complete and
// undecided, the payment clock while it is approved and not sent. A clock
// that stopped late is not overdue any more; it stays on the record through
// its instants.
func (c Calendar) Overdue(app Clocks, now time.Time) (Clock, time.Time) {
	switch {
	case !app.Approved.IsZero() && app.Sent.IsZero():
		if due := c.PaymentDueBy(app.Approved); !now.Before(due) {
			return PaymentClock, due
		}
	case !app.Complete.IsZero() && app.Decided.IsZero():
		if due := c.ReviewDueBy(app.Complete); !now.Before(due) {
			return ReviewClock, due
		}
	}
	return NoClock, time.Time{}
}
