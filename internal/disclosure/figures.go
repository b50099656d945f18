package disclosure

import "github.com/carefund/carefund/internal/money"

// Figures are a request's money as the public page shows it (R-DISC-1),
// each read from the ledger, never from a domain table's own counters:
//
//   - Raised: donations credited to request:R (kind donation);
//   - Fees: platform fees taken from request:R (to income:fees), zero
//     while the platform charges none;
//   - PaidOut: payouts approved out of request:R (kind payout, less
//     payout_return);
//   - Refunded: refunds paid back to donors (refund_paid out of the
//     request's payable:refund:<run> accounts);
//   - Refunding: refunds decided and on their way (the balance of those
//     accounts);
//   - ToCharity: refunds that could not be paid back, given to charity
//     (refund_to_charity);
//   - Held: what request:R holds now (its balance).
//
// Raised + Recovered = Fees + PaidOut + Refunded + Refunding + ToCharity + Held,
// where Recovered is what came back to request:R from a terminated
// request's recovery (kind recovery_receivable): Balanced checks it.
type Figures struct {
	Raised, Fees, PaidOut, Refunded, Refunding, ToCharity, Held, Recovered money.Fen
}

// Balanced reports whether the figures add up: every fen raised is held,
// paid out, refunded, on its way back or given to charity.
func (f Figures) Balanced() bool {
	return f.Raised+f.Recovered == f.Fees+f.PaidOut+f.Refunded+f.Refunding+f.ToCharity+f.Held
}

// Any reports whether anything left the request, so that the page shows
// the breakdown only when it says more than the raised total.
func (f Figures) Any() bool {
	return f.Fees != 0 || f.PaidOut != 0 || f.Refunded != 0 || f.Refunding != 0 || f.ToCharity != 0 || f.Recovered != 0
}
