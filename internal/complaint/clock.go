package complaint

import (
	"time"
)

// Shanghai is China Standard Time, UTC+8 all year (no daylight saving
// since 1991): the clocks of R-COMP-2 count working days there.
var Shanghai = time.FixedZone("CST", 8*60*60)

// The clocks of R-COMP-2, in working days.
const (
	AckDays    = 1 // acknowledged within 1 working day
	HandleDays = 7 // handled within 7 working days
)

// DayLayout is how the calendar writes a day.
const DayLayout = "2006-01-02"

// Calendar says which days are working days (R-COMP-2): Monday to Friday,
// except the days Overrides lists — a public holiday (false) or a make-up
// working day on a weekend (调休, true).
type Calendar struct {
	Overrides map[string]bool // "2026-10-01" → working
}

// Working reports whether the day of t, in Shanghai, is a working day.
func (c Calendar) Working(t time.Time) bool {
	t = t.In(Shanghai)
	if w, ok := c.Overrides[t.Format(DayLayout)]; ok {
		return w
	}
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// maxScan bounds the days Due looks at: no calendar has a year without n
// working days, so a wrong calendar (every day a holiday) ends the loop.
const maxScan = 366

// Due is when a clock of n working days that starts at received runs out
// (R-COMP-2): the end (24:00 in Shanghai) of the n-th working day after
// the day of receipt. A complaint received on a Friday afternoon or on a
// Saturday is due to be acknowledged by the end of Monday, or of the first
// working day after a holiday. The result is in UTC.
func (c Calendar) Due(received time.Time, n int) time.Time {
	day := received.In(Shanghai)
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, Shanghai)
	for i := 0; i < maxScan && n > 0; i++ {
		day = day.AddDate(0, 0, 1)
		if c.Working(day) {
			n--
		}
	}
	return day.AddDate(0, 0, 1).UTC()
}

// Clocks are a complaint's due times.
type Clocks struct {
	AckDue, HandleDue time.Time
}

// ClocksFor returns the due times of a complaint received at received.
func (c Calendar) ClocksFor(received time.Time) Clocks {
	return Clocks{AckDue: c.Due(received, AckDays), HandleDue: c.Due(received, HandleDays)}
}

// Clock names one of the two clocks.
type Clock string

// The clocks.
const (
	ClockAck    Clock = "ack"
	ClockHandle Clock = "handle"
)

// RunOut returns the clocks of a complaint that ran out by now and were
// not escalated yet, once each: the acknowledgement clock when it is not
// acknowledged by AckDue, the handling clock when it is not closed by
// HandleDue (R-COMP-2).
func RunOut(now time.Time, cl Clocks, acked, closed, ackEscalated, handleEscalated bool) []Clock {
	if closed {
		return nil
	}
	var out []Clock
	if !acked && !ackEscalated && !now.Before(cl.AckDue) {
		out = append(out, ClockAck)
	}
	if !handleEscalated && !now.Before(cl.HandleDue) {
		out = append(out, ClockHandle)
	}
	return out
}
