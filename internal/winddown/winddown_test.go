package winddown

import (
	"testing"
	"time"
)

// TestSchedule: R-WIND-1 — everything out within 60 days of the day of
// approval, counted in China's days: the deadline is the start of day 60,
// never later, and refunds start at day 30.
func TestSchedule(t *testing.T) {
	for _, tc := range []struct {
		name             string
		approved         time.Time
		refund, deadline string
	}{
		{"morning", time.Date(2026, 3, 2, 10, 0, 0, 0, Zone), "2026-04-01T00:00:00+08:00", "2026-05-01T00:00:00+08:00"},
		{"a minute before midnight", time.Date(2026, 3, 2, 23, 59, 0, 0, Zone), "2026-04-01T00:00:00+08:00", "2026-05-01T00:00:00+08:00"},
		{"UTC evening is the next day in China", time.Date(2026, 3, 1, 17, 0, 0, 0, time.UTC), "2026-04-01T00:00:00+08:00", "2026-05-01T00:00:00+08:00"},
		{"over a year's end", time.Date(2026, 12, 20, 9, 0, 0, 0, Zone), "2027-01-19T00:00:00+08:00", "2027-02-18T00:00:00+08:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSchedule(tc.approved)
			if got := s.RefundFrom.Format(time.RFC3339); got != tc.refund {
				t.Errorf("refund from %s, want %s", got, tc.refund)
			}
			if got := s.Deadline.Format(time.RFC3339); got != tc.deadline {
				t.Errorf("deadline %s, want %s", got, tc.deadline)
			}
			if s.Deadline.Sub(tc.approved) > DeadlineDays*24*time.Hour {
				t.Errorf("deadline %s more than 60 days after %s", s.Deadline, tc.approved)
			}
			if last := s.LastDay(); last >= tc.deadline[:10] {
				t.Errorf("last day %s, want the day before %s", last, tc.deadline[:10])
			}
			if d := s.Day(s.Deadline); d != DeadlineDays {
				t.Errorf("the deadline is day %d", d)
			}
			if d := s.Day(tc.approved); d != 0 {
				t.Errorf("approval is day %d", d)
			}
		})
	}
}

// TestNext: R-WIND-1 — each request's next step and when it is late.
func TestNext(t *testing.T) {
	s := NewSchedule(time.Date(2026, 3, 2, 10, 0, 0, 0, Zone))
	day := func(d int, hours time.Duration) time.Time {
		return time.Date(2026, 3, 2, 0, 0, 0, 0, Zone).AddDate(0, 0, d).Add(hours)
	}
	for _, tc := range []struct {
		name   string
		now    time.Time
		h      Holding
		step   Step
		late   bool
		refund bool
	}{
		{"holding before day 30: apply", day(5, 0), Holding{Request: 100}, StepApply, false, false},
		{"the last minute of day 29", day(30, -time.Minute), Holding{Request: 100}, StepApply, false, false},
		{"day 30: refund due", day(30, 0), Holding{Request: 100}, StepRefund, false, true},
		{"asked by the requester on day 5: refund due", day(5, 0), Holding{Request: 100, Asked: true}, StepRefund, false, true},
		{"run started, money left over", day(30, time.Hour), Holding{Request: 100, RefundRun: 7}, StepRefund, false, false},
		{"still held a day after day 30: late", day(31, 0), Holding{Request: 100, RefundRun: 7}, StepRefund, true, false},
		{"refund never started: late and due", day(31, 0), Holding{Request: 100}, StepRefund, true, true},
		{"payout approved, bank to pay", day(5, 0), Holding{Payouts: 100}, StepPaying, false, false},
		{"payout and refunds out: paying first", day(40, 0), Holding{Payouts: 100, Refunds: 5}, StepPaying, false, false},
		{"refunds with providers", day(40, 0), Holding{Refunds: 5, RefundRun: 7}, StepRefunding, false, false},
		{"refunds out at the deadline: late", day(60, 0), Holding{Refunds: 5, RefundRun: 7}, StepRefunding, true, false},
		{"paying at the deadline: late", day(60, 0), Holding{Payouts: 5}, StepPaying, true, false},
		{"nothing held: done", day(2, 0), Holding{}, StepDone, false, false},
		{"nothing held after the deadline: done, not late", day(70, 0), Holding{RefundRun: 7}, StepDone, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			step, late := Next(s, tc.now, tc.h)
			if step != tc.step || late != tc.late {
				t.Errorf("Next = %s, late %v; want %s, late %v", step, late, tc.step, tc.late)
			}
			if got := RefundDue(s, tc.now, tc.h); got != tc.refund {
				t.Errorf("RefundDue = %v, want %v", got, tc.refund)
			}
		})
	}
	if Complete([]Holding{{}, {Refunds: 1}}) || !Complete([]Holding{{}, {RefundRun: 3}}) || !Complete(nil) {
		t.Error("Complete: complete exactly when nothing is held")
	}
}

// TestCheckProposal: a wind-down names its reason, its notice, the date the
// designation was withdrawn (not in the future) and the ministry's
// reference; bad input is refused field by field.
func TestCheckProposal(t *testing.T) {
	today := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC) // 09:00 in China
	ok := Proposal{Reason: " 撤销指定 ", Notice: "停止筹款", WithdrawnOn: "2026-03-02", MinistryRef: "民函〔2026〕12号"}
	got, err := CheckProposal(ok, today)
	if err != nil || got.Reason != "撤销指定" {
		t.Fatalf("CheckProposal(ok) = %+v, %s", got, describe(err))
	}
	long := string(make([]rune, MaxNotice+1))
	for _, tc := range []struct {
		name string
		edit func(*Proposal)
		want string
	}{
		{"no reason", func(p *Proposal) { p.Reason = "  " }, "invalid winddown.invalid reason:winddown.text"},
		{"notice too long", func(p *Proposal) { p.Notice = long }, "invalid winddown.invalid notice:winddown.text"},
		{"notice with NUL", func(p *Proposal) { p.Notice = "a\x00b" }, "invalid winddown.invalid notice:winddown.text"},
		{"no reference", func(p *Proposal) { p.MinistryRef = "" }, "invalid winddown.invalid ministry_ref:winddown.text"},
		{"tomorrow", func(p *Proposal) { p.WithdrawnOn = "2026-03-03" }, "invalid winddown.invalid withdrawn_on:winddown.date"},
		{"not a date", func(p *Proposal) { p.WithdrawnOn = "2026-02-30" }, "invalid winddown.invalid withdrawn_on:winddown.date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ok
			tc.edit(&p)
			_, err := CheckProposal(p, today)
			if got := describe(err); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestFiguresTieOut: the public figures tie out, and Other shows what
// moved otherwise.
func TestFiguresTieOut(t *testing.T) {
	f := Figures{HeldAtStart: 1000, Received: 50, PaidOut: 300, Refunded: 600, ToCharity: 20, Held: 130}
	if f.Other() != 0 {
		t.Errorf("Other = %d, want 0", f.Other())
	}
	f.Held = 100
	if f.Other() != 30 {
		t.Errorf("Other = %d, want 30", f.Other())
	}
}

func FuzzCheckProposal(f *testing.F) {
	f.Add("撤销", "停止筹款", "2026-03-01", "民函12号")
	f.Add("", "", "2026-13-01", "")
	today := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, reason, notice, date, ref string) {
		p, err := CheckProposal(Proposal{Reason: reason, Notice: notice, WithdrawnOn: date, MinistryRef: ref}, today)
		if err != nil {
			return
		}
		if p.Notice == "" || p.WithdrawnOn > "2026-03-02" || len([]rune(p.Notice)) > MaxNotice {
			t.Fatalf("accepted %+v", p)
		}
	})
}
