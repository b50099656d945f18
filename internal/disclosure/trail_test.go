package disclosure

import (
	"github.com/carefund/carefund/internal/complaint"
	"slices"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/money"
)

// R-DISC-1: the figures balance when every fen raised (and recovered) is
// held, paid out, refunded, on its way back, given to charity or taken as
// a fee; a fen moved by anything else breaks the identity.
func TestFiguresBalanced(t *testing.T) {
	tests := []struct {
		name string
		f    Figures
		want bool
	}{
		{"nothing", Figures{}, true},
		{"all held", Figures{Raised: 100, Held: 100}, true},
		{"every figure", Figures{Raised: 1000, Recovered: 50, Fees: 1, PaidOut: 400, Refunded: 300, Refunding: 100, ToCharity: 9, Held: 240}, true},
		{"a fen missing", Figures{Raised: 1000, PaidOut: 400, Held: 599}, false},
		{"a fen too many", Figures{Raised: 1000, PaidOut: 400, Held: 601}, false},
		{"the fee not counted", Figures{Raised: 1000, Held: 999}, false},
		{"recovered not counted", Figures{Raised: 1000, Held: 1050}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.Balanced(); got != tt.want {
				t.Errorf("Balanced(%+v) = %v, want %v", tt.f, got, tt.want)
			}
		})
	}
}

// R-PII-1: the public ledger names accounts by class, never by the
// identifier that ends their name.
func TestAccountClass(t *testing.T) {
	tests := []struct{ name, want string }{
		{"request:42", "request"}, {"psp:wechatpay", "psp"}, {"psp:sandbox", "psp"},
		{"payable:payout:7", "payable:payout"}, {"payable:refund:12", "payable:refund"},
		{"receivable:recovery:3", "receivable:recovery"}, {"bank:custody", "bank:custody"},
		{"charity:payable", "charity:payable"}, {"income:fees", "income:fees"},
	}
	for _, tt := range tests {
		if got := AccountClass(tt.name); got != tt.want {
			t.Errorf("AccountClass(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// A posting brings money into an asset by a debit, into the others by a
// credit.
func TestInflow(t *testing.T) {
	tests := []struct {
		name   string
		amount int64
		want   bool
	}{
		{"request:1", -100, true}, {"request:1", 100, false},
		{"payable:refund:1", -5, true}, {"payable:refund:1", 5, false},
		{"receivable:recovery:1", 5, true}, {"receivable:recovery:1", -5, false},
	}
	for _, tt := range tests {
		if got := inflow(tt.name, tt.amount); got != tt.want {
			t.Errorf("inflow(%q, %d) = %v, want %v", tt.name, tt.amount, got, tt.want)
		}
	}
}

// R-DISC-2: the ledger's refunds, refunds paid back, gifts to charity and
// fees make one timeline event a day and kind; donations and payouts make
// none (the payout list makes those, with the payee).
func TestMoneyEvents(t *testing.T) {
	day1 := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	day2 := day1.AddDate(0, 0, 1)
	lines := []Line{
		{Entry: 1, At: day1, Kind: "donation", Account: "request", Amount: 500, In: true, Counterparty: []string{"psp"}},
		{Entry: 2, At: day1, Kind: "payout", Account: "request", Amount: 100, Counterparty: []string{"payable:payout"}},
		{Entry: 3, At: day1, Kind: "refund", Account: "request", Amount: 30, Counterparty: []string{"payable:refund"}},
		{Entry: 3, At: day1, Kind: "refund", Account: "payable:refund", Amount: 30, In: true, Counterparty: []string{"request"}},
		{Entry: 4, At: day1, Kind: "refund", Account: "payable:refund", Amount: 20, In: true, Counterparty: []string{"request"}},
		{Entry: 5, At: day2, Kind: "refund_paid", Account: "payable:refund", Amount: 45, Counterparty: []string{"psp"}},
		{Entry: 6, At: day2, Kind: "refund_to_charity", Account: "payable:refund", Amount: 5, Counterparty: []string{"charity:payable"}},
		{Entry: 7, At: day2, Kind: "fee", Account: "request", Amount: 1, Counterparty: []string{"income:fees"}},
	}
	got := MoneyEvents(lines)
	want := []Event{
		{At: day1, Kind: EventRefund, Amount: 50, Ref: 3},
		{At: day2, Kind: EventRefunded, Amount: 45, Ref: 5},
		{At: day2, Kind: EventToCharity, Amount: 5, Ref: 6},
		{At: day2, Kind: EventFee, Amount: 1, Ref: 7},
	}
	if !slices.EqualFunc(got, want, func(a, b Event) bool { return a == b }) {
		t.Errorf("MoneyEvents:\n got %+v\nwant %+v", got, want)
	}
	var sum money.Fen
	for _, e := range got {
		if e.Kind == EventRefund {
			sum += e.Amount
		}
	}
	if sum != 50 {
		t.Errorf("the refunds decided add up to %d, want 50", sum)
	}
}

// The timeline is newest first, and stable between events at one moment.
func TestTimeline(t *testing.T) {
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	got := Timeline(
		[]Event{{At: at, Kind: EventUpdate, Ref: 1}, {At: at.Add(time.Hour), Kind: EventPayout, Ref: 2}},
		[]Event{{At: at, Kind: EventRefund, Ref: 9}, {At: at.Add(-time.Hour), Kind: EventComplaint, Ref: 1}},
	)
	var kinds []EventKind
	for _, e := range got {
		kinds = append(kinds, e.Kind)
	}
	if want := []EventKind{EventPayout, EventRefund, EventUpdate, EventComplaint}; !slices.Equal(kinds, want) {
		t.Errorf("Timeline: %v, want %v", kinds, want)
	}
}

// TestComplaintEvents: a published complaint response is a timeline event
// with its text and outcome (R-DISC-2).
func TestComplaintEvents(t *testing.T) {
	at := time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)
	rs := []complaint.PublicResponse{
		{Number: "TS20261208-22222", Outcome: complaint.OutcomeUpheld, Response: "属实，已暂停。", At: at},
		{Number: "TS20261207-33333", Outcome: complaint.OutcomeNotUpheld, Response: "不属实。", At: at.Add(-time.Hour)},
	}
	got := Timeline(ComplaintEvents(rs))
	if len(got) != 2 || got[0].Kind != EventComplaint || got[0].Text != "属实，已暂停。" || got[0].StateKey != "complaint.outcome.upheld" || got[1].Text != "不属实。" {
		t.Errorf("ComplaintEvents = %+v", got)
	}
}
