package payout

import (
	"strings"
	"testing"
	"time"
)

// The life cycle of DESIGN.md: every event leads from its states only.
func TestNext(t *testing.T) {
	tests := []struct {
		from State
		ev   Event
		want State // "" for a refusal
	}{
		{Requested, EvClaim, InReview},
		{InReview, EvAsk, NeedsInfo},
		{NeedsInfo, EvAnswer, InReview},
		{InReview, EvFirst, InReview},
		{InReview, EvApprove, Approved},
		{Requested, EvReject, Rejected},
		{NeedsInfo, EvReject, Rejected},
		{Approved, EvSend, Paying},
		{Paying, EvPay, Paid},
		{Paying, EvFail, Failed},
		{Paid, EvReturn, Returned},
		// Refused: no approval without review, no payment without a
		// transfer, nothing after the end, no second return.
		{Requested, EvApprove, ""},
		{NeedsInfo, EvApprove, ""},
		{Approved, EvPay, ""},
		{Approved, EvReject, ""},
		{Paid, EvFail, ""},
		{Returned, EvReturn, ""},
		{Rejected, EvClaim, ""},
		{Failed, EvSend, ""},
		{Paying, "bogus", ""},
	}
	for _, tt := range tests {
		got, err := Next(tt.from, tt.ev)
		if got != tt.want {
			t.Errorf("Next(%s, %s) = %q, want %q", tt.from, tt.ev, got, tt.want)
		}
		if (tt.want == "") != (describe(err) == "conflict "+KeyState) {
			t.Errorf("Next(%s, %s) error %q", tt.from, tt.ev, describe(err))
		}
	}
	for _, s := range States {
		if s.Open() != (s == Requested || s == InReview || s == NeedsInfo) {
			t.Errorf("%s.Open() = %v", s, s.Open())
		}
	}
}

// R-DISB-4: the update is due 30 days after the payment; at that instant
// a missing update holds back the next application, a posted one does not.
func TestCheckUsage(t *testing.T) {
	paid := time.Date(2026, 1, 10, 15, 0, 0, 0, China)
	due := paid.AddDate(0, 0, 30)
	tests := []struct {
		name  string
		facts []UsageFact
		now   time.Time
		want  string
	}{
		{"none", nil, due, ""},
		{"not yet due", []UsageFact{{1, paid, false}}, due.Add(-time.Microsecond), ""},
		{"due and missing", []UsageFact{{1, paid, false}}, due, "conflict " + KeyUsageOverdue},
		{"due and posted", []UsageFact{{1, paid, true}}, due.AddDate(1, 0, 0), ""},
		{"one of two missing", []UsageFact{{1, paid, true}, {2, paid, false}}, due, "conflict " + KeyUsageOverdue},
	}
	for _, tt := range tests {
		if got := describe(CheckUsage(tt.facts, tt.now)); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	if ids := OverdueUsage([]UsageFact{{1, paid, true}, {2, paid, false}, {3, due, false}}, due); len(ids) != 1 || ids[0] != 2 {
		t.Errorf("OverdueUsage = %v", ids)
	}
	if e := asErr(t, CheckUsage([]UsageFact{{2, paid, false}}, due)); len(e.Args) != 1 || e.Args[0] != int64(2) {
		t.Errorf("args %v", e.Args)
	}
}

// An outcome of the bank applies once; a contradiction is quarantined.
func TestDecideSettle(t *testing.T) {
	tests := []struct {
		state    State
		recorded []Status
		status   Status
		want     Action
	}{
		{Paying, nil, StatusPaid, Apply},
		{Paying, nil, StatusRejected, Apply},
		{Paying, nil, StatusReturned, PayThenReturn},
		{Paid, []Status{StatusPaid}, StatusPaid, Replay},
		{Paid, []Status{StatusPaid}, StatusRejected, Quarantine},
		{Paid, []Status{StatusPaid}, StatusReturned, Apply},
		{Returned, []Status{StatusPaid, StatusReturned}, StatusReturned, Replay},
		{Returned, []Status{StatusPaid, StatusReturned}, StatusRejected, Quarantine},
		{Failed, []Status{StatusRejected}, StatusRejected, Replay},
		{Failed, []Status{StatusRejected}, StatusPaid, Quarantine},
		{Failed, []Status{StatusRejected}, StatusReturned, Quarantine},
		// Not sent: nothing to settle.
		{Approved, nil, StatusPaid, Quarantine},
		{Approved, nil, StatusRejected, Quarantine},
		{Paying, nil, "unknown", Quarantine},
	}
	for _, tt := range tests {
		if got := DecideSettle(tt.state, tt.recorded, tt.status); got != tt.want {
			t.Errorf("DecideSettle(%s, %v, %s) = %d, want %d", tt.state, tt.recorded, tt.status, got, tt.want)
		}
	}
}

func TestTransferID(t *testing.T) {
	for _, tt := range []struct {
		id      int64
		attempt int
	}{{1, 1}, {42, 3}, {1<<63 - 1, 1<<31 - 1}} {
		s := TransferID(tt.id, tt.attempt)
		if len(s) > 35 {
			t.Errorf("%s is longer than an EndToEndId", s)
		}
		id, a, ok := ParseTransferID(s)
		if !ok || id != tt.id || a != tt.attempt {
			t.Errorf("ParseTransferID(%s) = %d, %d, %v", s, id, a, ok)
		}
	}
	for _, s := range []string{"", "CFPO", "CFPO1", "CFPO1A", "CFPOA1", "CFPO01A1", "CFPO1A01", "CFPO0A1", "CFPO1A0",
		"CFPO-1A1", "CFPO1A-1", "cfpo1a1", "CFPO1A1 ", "CFPO+1A1", "XFPO1A1", "CFPO99999999999999999999A1"} {
		if _, _, ok := ParseTransferID(s); ok {
			t.Errorf("ParseTransferID(%q) accepted", s)
		}
	}
}

// FuzzParseTransferID: the bank's reports carry the transfer id back; any
// string either is refused or is exactly what TransferID makes.
func FuzzParseTransferID(f *testing.F) {
	for _, s := range []string{"CFPO1A1", "CFPO42A3", "CFPO1A01", "CFPO", "", "CFPO9223372036854775807A2147483647", "CFPO1A1A1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, a, ok := ParseTransferID(s)
		if !ok {
			return
		}
		if id <= 0 || a <= 0 || TransferID(id, a) != s || !strings.HasPrefix(s, "CFPO") || len(s) > 35 {
			t.Errorf("ParseTransferID(%q) = %d, %d", s, id, a)
		}
	})
}
