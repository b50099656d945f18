package refund

import (
	"errors"
	"testing"

	"github.com/carefund/carefund/internal/money"
	"pgregory.net/rapid"
)

// R-REF-1: the unspent balance is refunded pro rata, exact to the fen.
func TestSplitProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 60).Draw(t, "n")
		shares := make([]Share, n)
		var total money.Fen
		for i := range shares {
			gave := money.Fen(rapid.OneOf(rapid.Just(int64(1)), rapid.Int64Range(1, 10), rapid.Int64Range(1, 1_000_000)).Draw(t, "gave"))
			refunded := money.Fen(rapid.Int64Range(0, int64(gave)).Draw(t, "refunded"))
			shares[i] = Share{ID: int64(rapid.IntRange(1, 40).Draw(t, "id")), Gave: gave, Refunded: refunded}
			total += gave - refunded
		}
		amount := money.Fen(rapid.Int64Range(0, int64(total)).Draw(t, "amount"))
		parts, err := Split(amount, shares)
		if err != nil {
			t.Fatalf("Split(%d): %v", amount, err)
		}
		var sum money.Fen
		for i, p := range parts {
			left := shares[i].Gave - shares[i].Refunded
			if p < 0 || p > left {
				t.Fatalf("share %d gets %d of %d left", i, p, left)
			}
			// Pro rata: within one fen of the exact part.
			exact := float64(amount) * float64(left) / float64(total)
			if float64(p) < exact-1 || float64(p) > exact+1 {
				t.Fatalf("share %d gets %d, exact part %.3f", i, p, exact)
			}
			sum += p
		}
		if sum != amount {
			t.Fatalf("parts sum to %d, not %d", sum, amount)
		}
		// Deterministic: the same input gives the same parts.
		again, _ := Split(amount, shares)
		for i := range parts {
			if again[i] != parts[i] {
				t.Fatal("Split is not deterministic")
			}
		}
		// Too much, or negative: refused.
		if _, err := Split(total+1, shares); !errors.Is(err, ErrSplit) {
			t.Fatalf("Split(total+1) = %v", err)
		}
		if _, err := Split(-1, shares); !errors.Is(err, ErrSplit) {
			t.Fatalf("Split(-1) = %v", err)
		}
	})
}

// R-REF-1: the tie-break is larger remainder, then larger share, then lower ID.
func TestSplitTieBreak(t *testing.T) {
	cases := []struct {
		amount money.Fen
		shares []Share
		want   []money.Fen
	}{
		// 1 fen over three equal shares: the lowest ID gets it.
		{1, []Share{{ID: 3, Gave: 1}, {ID: 1, Gave: 1}, {ID: 2, Gave: 1}}, []money.Fen{0, 1, 0}},
		// 10 over 3 equal: 3 each, the lowest ID the tenth fen.
		{10, []Share{{ID: 2, Gave: 5}, {ID: 1, Gave: 5}, {ID: 3, Gave: 5}}, []money.Fen{3, 4, 3}},
		// 100 over 1:2: 33.3 and 66.6; the larger remainder (66.6) gets the fen.
		{100, []Share{{ID: 1, Gave: 100}, {ID: 2, Gave: 200}}, []money.Fen{33, 67}},
		// What was refunded counts: the first has 1 left of 10.
		{2, []Share{{ID: 1, Gave: 10, Refunded: 9}, {ID: 2, Gave: 1}}, []money.Fen{1, 1}},
		{0, []Share{{ID: 1, Gave: 10}}, []money.Fen{0}},
	}
	for _, c := range cases {
		got, err := Split(c.amount, c.shares)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("Split(%d, %v) = %v, want %v", c.amount, c.shares, got, c.want)
				break
			}
		}
	}
}

// R-REF-1: 100,000 shares split in one pass (no quadratic work).
func TestSplitLarge(t *testing.T) {
	shares := make([]Share, 100_000)
	var total money.Fen
	for i := range shares {
		shares[i] = Share{ID: int64(i + 1), Gave: money.Fen(1 + i%997*13)}
		total += shares[i].Gave
	}
	parts, err := Split(total/3+1, shares)
	if err != nil {
		t.Fatal(err)
	}
	var sum money.Fen
	for _, p := range parts {
		sum += p
	}
	if sum != total/3+1 {
		t.Fatalf("sum %d", sum)
	}
}

func BenchmarkSplit100k(b *testing.B) {
	shares := make([]Share, 100_000)
	var total money.Fen
	for i := range shares {
		shares[i] = Share{ID: int64(i + 1), Gave: money.Fen(1 + i%997*13)}
		total += shares[i].Gave
	}
	for b.Loop() {
		if _, err := Split(total/3+1, shares); err != nil {
			b.Fatal(err)
		}
	}
}
