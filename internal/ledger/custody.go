package ledger

import "slices"

// CustodyOutflowKinds are the only kinds of entry that may credit
// bank:custody, that is, take money out of the custody account (R-FUND-2,
// R-FIN-1): a payout to the requester, their guardian or close relative,
// or a hospital; a refund to donors; a platform fee the donor consented to
// (R-FEE-1); a transfer to a charity (R-CHAR-1). Custody money is never
// invested, lent, pooled or sold as a financial product, so no other kind
// can move it out. A "reversal" may credit custody too, but only as the
// exact undoing of an earlier entry (Post checks that it mirrors the entry
// it names): it corrects a record, it moves no money of its own.
var CustodyOutflowKinds = []string{"payout", "refund", "fee", "charity_transfer"}

// custodyAccount is the custody deposit account (R-FUND-1).
const custodyAccount = "bank:custody"

// CheckCustodyOutflow returns an error when e credits bank:custody with a
// kind not in CustodyOutflowKinds (nor a reversal of another entry).
func CheckCustodyOutflow(e Entry) error {
	for _, p := range e.Postings {
		if p.Account != custodyAccount || p.Amount >= 0 {
			continue
		}
		if slices.Contains(CustodyOutflowKinds, e.Kind) || e.Kind == "reversal" && e.Reverses != 0 {
			return nil
		}
		return invalid("kind %q cannot take money out of %s: only %v can (R-FUND-2, R-FIN-1)", e.Kind, custodyAccount, CustodyOutflowKinds)
	}
	return nil
}
