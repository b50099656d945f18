package reconcile

import (
	"testing"
	"time"

	"github.com/carefund/carefund/internal/bank/iso20022"
	"github.com/carefund/carefund/internal/money"
)

// TestMatch is the matching rule of R-FUND-4, one case per kind: each
// statement line finds its ledger entry by key, and what is left over on
// either side is a difference of the right kind, never absorbed.
func TestMatch(t *testing.T) {
	day := date(2026, 12, 7)
	w := WindowOf(day, day, DefaultCutOff)
	in := cst(2026, 12, 7, 10, 0)   // within the period, before the cut-off
	late := cst(2026, 12, 7, 17, 0) // after the cut-off
	prev := cst(2026, 12, 6, 17, 0) // the previous period's in transit
	item := func(key string, amount money.Fen, at time.Time) Item {
		return Item{Key: key, Amount: amount, PostedAt: at}
	}
	tests := []struct {
		name      string
		lines     []iso20022.Entry
		items     []Item
		prev      map[string]bool
		want      []Kind
		matched   int
		inTransit int
	}{
		{"matched payout", []iso20022.Entry{line("P1", iso20022.Debit, 100, day)},
			[]Item{item("custody:P1", -100, in)}, nil, nil, 1, 0},
		{"matched settlement", []iso20022.Entry{line("S1", iso20022.Credit, 100, day)},
			[]Item{item("custody:S1", 100, in)}, nil, nil, 1, 0},
		{"return flagged as reversal", []iso20022.Entry{func() iso20022.Entry {
			e := line("P1", iso20022.Credit, 100, day)
			e.Reversal = true
			return e
		}()}, []Item{item("custody:P1:return", 100, in)}, nil, nil, 1, 0},
		{"return in a CSV statement, which cannot flag it", []iso20022.Entry{line("P1", iso20022.Debit, 100, day), func() iso20022.Entry {
			e := line("P1", iso20022.Credit, 100, day)
			e.Reference = "L-P1-R"
			return e
		}()}, []Item{item("custody:P1", -100, in), item("custody:P1:return", 100, in)}, nil, nil, 2, 0},
		{"missing", nil, []Item{item("custody:P1", -100, in)}, nil, []Kind{Missing}, 0, 0},
		{"in transit is no difference", nil, []Item{item("custody:P1", -100, late)}, nil, nil, 0, 1},
		{"in transit past its cut-off", nil, []Item{item("custody:P1", -100, prev)}, map[string]bool{"custody:P1": true}, []Kind{InTransitOverdue}, 0, 0},
		{"the previous period's, booked then", nil, []Item{item("custody:P1", -100, prev)}, nil, nil, 0, 0},
		{"extra", []iso20022.Entry{line("X1", iso20022.Credit, 5, day)}, nil, nil, []Kind{Extra}, 0, 0},
		{"extra twice", []iso20022.Entry{line("X1", iso20022.Credit, 5, day), func() iso20022.Entry {
			e := line("X1", iso20022.Credit, 5, day)
			e.Reference = "L-X1-2"
			return e
		}()}, nil, nil, []Kind{Extra, Duplicate}, 0, 0},
		{"duplicate", []iso20022.Entry{line("P1", iso20022.Debit, 100, day), func() iso20022.Entry {
			e := line("P1", iso20022.Debit, 100, day)
			e.Reference = "L-P1-2"
			return e
		}()}, []Item{item("custody:P1", -100, in)}, nil, []Kind{Duplicate}, 1, 0},
		{"amount mismatch", []iso20022.Entry{line("P1", iso20022.Debit, 101, day)},
			[]Item{item("custody:P1", -100, in)}, nil, []Kind{AmountMismatch}, 0, 0},
		{"direction mismatch", []iso20022.Entry{line("S1", iso20022.Debit, 100, day)},
			[]Item{item("custody:S1", 100, in)}, nil, []Kind{AmountMismatch}, 0, 0},
		{"after the period: not yet expected", nil, []Item{item("custody:P1", -100, cst(2026, 12, 8, 9, 0))}, nil, nil, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := Match(tt.lines, tt.items, w, tt.prev)
			var got []Kind
			for _, f := range out.Found {
				got = append(got, f.Kind)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("found %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("found %v, want %v", got, tt.want)
				}
			}
			if out.Matched != tt.matched || len(out.InTransit) != tt.inTransit {
				t.Errorf("matched %d, in transit %d; want %d, %d", out.Matched, len(out.InTransit), tt.matched, tt.inTransit)
			}
		})
	}
}
