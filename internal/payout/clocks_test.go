package payout

import (
	"testing"
	"time"
)

// at is a time in China.
func at(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, China) }

// golden week 2025: 1–8 October off, Sunday 28 September and Saturday 11
// October worked.
var golden = Calendar{
	Holidays: map[Date]bool{
		{2025, 10, 1}: true, {2025, 10, 2}: true, {2025, 10, 3}: true,
		{2025, 10, 6}: true, {2025, 10, 7}: true, {2025, 10, 8}: true,
	},
	Workdays: map[Date]bool{{2025, 9, 28}: true, {2025, 10, 11}: true},
}

// TestDueBy proves the two clocks of R-DISB-1: review within 2 working days
// of a complete application, payment within 1 working day of approval,
// counted from the next day and ending at midnight China time.
// R-DISB-1
func TestDueBy(t *testing.T) {
	tests := []struct {
		name          string
		cal           Calendar
		from          time.Time
		review, payed time.Time
	}{
		// 2025-09-15 is a Monday.
		{"Monday morning", Calendar{}, at(2025, 9, 15, 9, 0), at(2025, 9, 18, 0, 0), at(2025, 9, 17, 0, 0)},
		{"Monday, one second before midnight", Calendar{}, at(2025, 9, 15, 23, 59).Add(59 * time.Second), at(2025, 9, 18, 0, 0), at(2025, 9, 17, 0, 0)},
		{"Tuesday at midnight", Calendar{}, at(2025, 9, 16, 0, 0), at(2025, 9, 19, 0, 0), at(2025, 9, 18, 0, 0)},
		{"Thursday", Calendar{}, at(2025, 9, 18, 15, 0), at(2025, 9, 23, 0, 0), at(2025, 9, 20, 0, 0)},
		{"Friday afternoon", Calendar{}, at(2025, 9, 19, 17, 0), at(2025, 9, 24, 0, 0), at(2025, 9, 23, 0, 0)},
		{"Saturday", Calendar{}, at(2025, 9, 20, 10, 0), at(2025, 9, 24, 0, 0), at(2025, 9, 23, 0, 0)},
		{"Sunday", Calendar{}, at(2025, 9, 21, 10, 0), at(2025, 9, 24, 0, 0), at(2025, 9, 23, 0, 0)},
		{"UTC Sunday evening is Monday in China", Calendar{}, time.Date(2025, 9, 21, 17, 0, 0, 0, time.UTC), at(2025, 9, 25, 0, 0), at(2025, 9, 24, 0, 0)},
		{"Saturday 27 Sept, next day worked", golden, at(2025, 9, 27, 10, 0), at(2025, 9, 30, 0, 0), at(2025, 9, 29, 0, 0)},
		{"before the golden week", golden, at(2025, 9, 30, 10, 0), at(2025, 10, 11, 0, 0), at(2025, 10, 10, 0, 0)},
		{"in the golden week", golden, at(2025, 10, 3, 10, 0), at(2025, 10, 11, 0, 0), at(2025, 10, 10, 0, 0)},
		{"Friday before a worked Saturday", golden, at(2025, 10, 10, 10, 0), at(2025, 10, 14, 0, 0), at(2025, 10, 12, 0, 0)},
		{"zero calendar ignores holidays", Calendar{}, at(2025, 9, 30, 10, 0), at(2025, 10, 3, 0, 0), at(2025, 10, 2, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cal.ReviewDueBy(tt.from); !got.Equal(tt.review) {
				t.Errorf("ReviewDueBy(%s) = %s, want %s", tt.from, got, tt.review)
			}
			if got := tt.cal.PaymentDueBy(tt.from); !got.Equal(tt.payed) {
				t.Errorf("PaymentDueBy(%s) = %s, want %s", tt.from, got, tt.payed)
			}
		})
	}
}

// TestAddWorkingDaysAtLeastOne proves a clock never ends on the day it
// starts, whatever n says.
// R-DISB-1
func TestAddWorkingDaysAtLeastOne(t *testing.T) {
	from := at(2025, 9, 15, 9, 0)
	for _, n := range []int{-1, 0, 1} {
		if got, want := (Calendar{}).AddWorkingDays(from, n), at(2025, 9, 17, 0, 0); !got.Equal(want) {
			t.Errorf("AddWorkingDays(n=%d) = %s, want %s", n, got, want)
		}
	}
}

// TestOverdue proves which clock is overdue at a given time: the review
// clock runs only while the application is complete and undecided, the
// payment clock only while approved and unsent, each overdue from its due
// instant on.
// R-DISB-1
func TestOverdue(t *testing.T) {
	mon, tue, wed, thu := at(2025, 9, 15, 9, 0), at(2025, 9, 16, 11, 0), at(2025, 9, 17, 0, 0), at(2025, 9, 18, 0, 0)
	second := time.Second
	tests := []struct {
		name  string
		c     Clocks
		now   time.Time
		clock Clock
		due   time.Time
	}{
		{"not yet complete", Clocks{}, thu.Add(72 * time.Hour), NoClock, time.Time{}},
		{"review in time", Clocks{Complete: mon}, thu.Add(-second), NoClock, time.Time{}},
		{"review due now", Clocks{Complete: mon}, thu, ReviewClock, thu},
		{"review late", Clocks{Complete: mon}, thu.Add(48 * time.Hour), ReviewClock, thu},
		{"more asked for: the clock stops", Clocks{}, thu.Add(48 * time.Hour), NoClock, time.Time{}},
		{"completed again: a new clock", Clocks{Complete: tue}, thu.Add(12 * time.Hour), NoClock, time.Time{}},
		{"rejected late is not overdue now", Clocks{Complete: mon, Decided: thu.Add(time.Hour)}, thu.Add(48 * time.Hour), NoClock, time.Time{}},
		{"first approval only: review still runs", Clocks{Complete: mon}, thu.Add(time.Hour), ReviewClock, thu},
		{"approved, payment in time", Clocks{Complete: mon, Decided: tue, Approved: tue}, wed.Add(24*time.Hour - second), NoClock, time.Time{}},
		{"approved, payment due now", Clocks{Complete: mon, Decided: tue, Approved: tue}, thu, PaymentClock, thu},
		{"approved late, payment clock of its own", Clocks{Complete: mon, Decided: thu.Add(time.Hour), Approved: thu.Add(time.Hour)}, thu.Add(2 * time.Hour), NoClock, time.Time{}},
		{"sent", Clocks{Complete: mon, Decided: tue, Approved: tue, Sent: thu.Add(time.Hour)}, thu.Add(48 * time.Hour), NoClock, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock, due := (Calendar{}).Overdue(tt.c, tt.now)
			if clock != tt.clock || !due.Equal(tt.due) {
				t.Errorf("Overdue at %s = %q %s, want %q %s", tt.now, clock, due, tt.clock, tt.due)
			}
		})
	}
}
