package ledger

import (
	"errors"
	"testing"
)

// TestCustodyOutflowKinds proves R-FIN-1 and R-FUND-2: the only entries
// that take money out of bank:custody are payouts, refunds, consented fees
// and charity transfers (and the exact reversal of an earlier entry).
// Investing, lending, pooling or anything else is refused before it is
// posted.
func TestCustodyOutflowKinds(t *testing.T) {
	out := func(kind string) Entry { return Transfer("k", kind, "payable:payout:1", "bank:custody", 100) }
	for _, kind := range []string{"payout", "refund", "fee", "charity_transfer"} {
		if err := Validate(out(kind)); err != nil {
			t.Errorf("%s out of custody: %v, want allowed", kind, err)
		}
	}
	for _, kind := range []string{"investment", "loan", "pooling", "wealth_product", "settlement", "payout_return", "adjustment", "reversal"} {
		if err := Validate(out(kind)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s out of custody: %v, want ErrInvalid", kind, err)
		}
	}
	// Money into custody is any kind's business (settlements, returns).
	if err := Validate(Transfer("k", "settlement", "bank:custody", "psp:sandbox", 100)); err != nil {
		t.Errorf("settlement into custody: %v", err)
	}
	// A reversal names the entry it undoes; Post checks it mirrors it.
	r := out("reversal")
	r.Reverses = 7
	if err := Validate(r); err != nil {
		t.Errorf("a reversal out of custody: %v", err)
	}
}
