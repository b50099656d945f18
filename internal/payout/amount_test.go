package payout

import (
	"testing"

	"github.com/carefund/carefund/internal/money"
)

// TestCheckAmount proves the amount rule: at least one fen, at most what
// the request holds, and never the money a payout in progress claims.
// R-FUND-1 (a request pays out only its own money, once)
func TestCheckAmount(t *testing.T) {
	badField := func(key string) string { return "invalid " + KeyInvalid + " amount:" + key }
	inFlight := "conflict " + KeyAmountInFlight
	tests := []struct {
		name                     string
		amount, held, inProgress money.Fen
		want                     string
	}{
		{"all of it", 100_000_00, 100_000_00, 0, ""},
		{"one fen", 1, 100_000_00, 0, ""},
		{"zero", 0, 100_000_00, 0, badField(KeyAmountMin)},
		{"negative", -1, 100_000_00, 0, badField(KeyAmountMin)},
		{"one fen over the balance", 100_000_01, 100_000_00, 0, badField(KeyAmountBalance)},
		{"nothing held", 1, 0, 0, badField(KeyAmountBalance)},
		{"the rest beside one in flight", 70_000_00, 100_000_00, 30_000_00, ""},
		{"one fen more than the rest", 70_000_01, 100_000_00, 30_000_00, inFlight},
		{"the same money again", 100_000_00, 100_000_00, 100_000_00, inFlight},
		{"a second payout, all in flight", 1, 100_000_00, 100_000_00, inFlight},
		{"over the balance and in flight", 100_000_01, 100_000_00, 30_000_00, badField(KeyAmountBalance)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckAmount(tt.amount, tt.held, tt.inProgress)
			if got := describe(err); got != tt.want {
				t.Errorf("CheckAmount(%s, %s, %s) = %q, want %q", tt.amount, tt.held, tt.inProgress, got, tt.want)
			}
		})
	}
}

// TestCheckAmountArgs proves the publisher is told the figures to apply
// within.
func TestCheckAmountArgs(t *testing.T) {
	e := asErr(t, CheckAmount(80_000_00, 100_000_00, 30_000_00))
	if len(e.Args) != 2 || e.Args[0] != "30000.00" || e.Args[1] != "70000.00" {
		t.Errorf("in flight Args = %v, want [30000.00 70000.00]", e.Args)
	}
	e = asErr(t, CheckAmount(2_00, 1_00, 0))
	if len(e.Fields) != 1 || len(e.Fields[0].Args) != 1 || e.Fields[0].Args[0] != "1.00" {
		t.Errorf("balance field = %+v, want Args [1.00]", e.Fields)
	}
}
