package refund

import (
	"testing"

	"github.com/carefund/carefund/internal/money"
	"pgregory.net/rapid"
)

// TestCovered (R-DON-2): a dispatch sends, in order, only the refunds its
// provider's balance covers, never more in all than the balance; a
// provider that reports no balance has all of its refunds sent.
func TestCovered(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 50).Draw(t, "n")
		var items []sendItem
		for i := range n {
			p := rapid.SampledFrom([]string{"sandbox", "wechatpay"}).Draw(t, "provider")
			items = append(items, sendItem{Refund: Refund{ID: int64(i + 1), Provider: p,
				Amount: money.Fen(rapid.Int64Range(1, 10_000).Draw(t, "amount"))}})
		}
		bal := money.Fen(rapid.Int64Range(0, 100_000).Draw(t, "balance"))
		kept := covered(items, map[string]money.Fen{"sandbox": bal})
		var sum money.Fen
		var wechat, keptWechat int
		last := int64(0)
		for _, it := range kept {
			if it.ID <= last {
				t.Fatalf("out of order: %d after %d", it.ID, last)
			}
			last = it.ID
			if it.Provider == "sandbox" {
				sum += it.Amount
			} else {
				keptWechat++
			}
		}
		for _, it := range items {
			if it.Provider == "wechatpay" {
				wechat++
			}
		}
		if sum > bal {
			t.Fatalf("sent %d against a balance of %d", sum, bal)
		}
		if keptWechat != wechat {
			t.Fatalf("%d of %d refunds of a provider without a balance sent", keptWechat, wechat)
		}
		// Greedy: every sandbox refund left out did not fit what was left.
		left := bal
		k := 0
		for _, it := range items {
			if it.Provider != "sandbox" {
				continue
			}
			if k < len(kept) && func() bool {
				for _, x := range kept {
					if x.ID == it.ID {
						return true
					}
				}
				return false
			}() {
				left -= it.Amount
				k++
				continue
			}
			if it.Amount <= left {
				t.Fatalf("refund %d of %d left out with %d left", it.ID, it.Amount, left)
			}
		}
	})
}
