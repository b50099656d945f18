package refundfund

import (
	"testing"

	"github.com/carefund/carefund/internal/money"
	"pgregory.net/rapid"
)

// TestShortfall (R-DON-2, R-FUND-2): a top-up covers what the refunds due
// lack beyond the balance and the top-ups on their way, in whole yuan, and
// never more than a yuan beyond it; nothing when nothing is short.
func TestShortfall(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		due := money.Fen(rapid.Int64Range(0, 1e12).Draw(t, "due"))
		balance := money.Fen(rapid.Int64Range(-1e6, 1e12).Draw(t, "balance"))
		flying := money.Fen(rapid.Int64Range(0, 1e12).Draw(t, "flying"))
		got := Shortfall(due, balance, flying)
		short := due - balance - flying
		switch {
		case short <= 0 && got != 0:
			t.Fatalf("nothing short, top-up %d", got)
		case short > 0 && (got < short || got-short >= 100 || got%100 != 0):
			t.Fatalf("short %d, top-up %d", short, got)
		}
	})
}

func TestBankTransferID(t *testing.T) {
	for _, id := range []int64{1, 7, 1234567890} {
		if got, ok := ParseBankTransferID(BankTransferID(id)); !ok || got != id {
			t.Errorf("%d: %d %v", id, got, ok)
		}
	}
	for _, s := range []string{"", "CFRT", "CFRT0", "CFRT01", "CFRT-1", "CFCT1", "CFRT1x", "CFRT99999999999999999999"} {
		if _, ok := ParseBankTransferID(s); ok {
			t.Errorf("%q parsed", s)
		}
	}
}

// TestDecide: a bank outcome is applied once, and one that contradicts
// the record never.
func TestDecide(t *testing.T) {
	for _, c := range []struct {
		s      State
		status string
		want   Step
	}{
		{Sending, "paid", StepPay}, {Planned, "paid", StepPay}, {Paid, "paid", StepNone},
		{Sending, "rejected", StepReject}, {Rejected, "rejected", StepNone},
		{Paid, "rejected", StepRefuse}, {Rejected, "paid", StepRefuse}, {Paid, "returned", StepRefuse},
		{Sending, "pending", StepNone}, {Sending, "what", StepRefuse},
	} {
		if got := Decide(c.s, c.status); got != c.want {
			t.Errorf("Decide(%s, %s) = %d, want %d", c.s, c.status, got, c.want)
		}
	}
}
