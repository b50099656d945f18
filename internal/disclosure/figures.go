package disclosure

import (
	"fmt"

	"github.com/carefund/carefund/internal/money"
)

// Figures are a request's money as the public page shows it (R-DISC-1),
// each read from the ledger, never from a domain table's own counters:
//
//   - Raised: donations credited to request:R (kind donation);
//   - Fees: what request:R paid to income:fees (none today: the platform
//     charges no fee, R-FEE-1, but a fee would show here);
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
// Raised + Recovered = Fees + PaidOut + Refunded + Refunding + ToCharity +
// Held, where Recovered is what came back to request:R from a terminated
// request's recovery (kind recovery_receivable): Balanced checks it. A
// reversal counts as the kind of the entry it undoes.
type Figures struct {
	Raised, Fees, PaidOut, Refunded, Refunding, ToCharity, Held, Recovered money.Fen
}

// In is what came into the request: raised and recovered.
func (f Figures) In() money.Fen { return f.Raised + f.Recovered }

// Out is where that money is now: fees, paid out, refunded, on its way
// back, given to charity or still held.
func (f Figures) Out() money.Fen {
	return f.Fees + f.PaidOut + f.Refunded + f.Refunding + f.ToCharity + f.Held
}

// Balanced reports whether the figures add up: every fen raised is held,
// paid out, refunded, on its way back or given to charity. An entry of a
// kind the figures do not know that moves request:R breaks it, and
// `carefund verify` names the request.
func (f Figures) Balanced() bool { return f.In() == f.Out() }

// Any reports whether anything left the request, so that the page shows
// the breakdown only when it says more than the raised total.
func (f Figures) Any() bool {
	return f.Fees != 0 || f.PaidOut != 0 || f.Refunded != 0 || f.Refunding != 0 || f.ToCharity != 0 || f.Recovered != 0
}

// Unbalanced says how request id's figures f fail the identity.
func Unbalanced(id int64, f Figures) string {
	return fmt.Sprintf("request %d: raised %s + recovered %s = %s, but fees %s + paid out %s + refunded %s + being refunded %s + to charity %s + held %s = %s (%s apart): an entry of a kind the public figures do not count moved request:%d",
		id, f.Raised, f.Recovered, f.In(), f.Fees, f.PaidOut, f.Refunded, f.Refunding, f.ToCharity, f.Held, f.Out(), f.In()-f.Out(), id)
}
