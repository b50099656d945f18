package donation

import (
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
)

// The rule of this file: every copy of a payment notification is compared
// with what was recorded for its transaction before anything is believed
// (R-DON-1). It imports no storage; Confirm reads what it needs and acts on
// the verdict.
//
// A provider's transaction id names one payment. A copy that carries a
// transaction id already recorded — credited as a donation, or set aside in
// quarantine — with the same order, amount and merchant is a duplicate:
// answered "received" and changed nothing. A copy that reuses the id with
// another order, amount or merchant is a different claim, however it was
// signed: it is quarantined on its own row, never credited, and never
// dropped. The order of arrival does not matter:
//
//   - the genuine payment first: it is credited; a conflicting copy after it
//     is quarantined, and its duplicates are replays of the quarantine;
//   - a conflicting copy first: it is quarantined (and its order, if it
//     names one with another amount or merchant, is held); the genuine
//     payment that follows is judged against its order on its own, and
//     credited, once, when it matches the order exactly — the donor's money
//     was taken — while the conflicting copy stays quarantined for finance
//     staff.

// Reasons a copy is quarantined besides those of Confirm.
const (
	// TransactionReused: the copy matches its own order, but its
	// transaction id was already credited to another order, amount or
	// merchant. A transaction id names one payment, so at most one of the
	// claims can be true: the first recorded is kept, the other set aside.
	TransactionReused = "transaction_reused"
)

// credit is a donation as recorded for a transaction id: what a later copy
// of its notification must say to be a duplicate.
type credit struct {
	DonationID int64
	OrderNo    string
	Amount     money.Fen
	AfterClose bool
}

// copyState is what was recorded when a copy of a notification arrived.
type copyState struct {
	// Credited is the donation under the copy's provider and transaction
	// id, or nil.
	Credited *credit
	// Quarantined: this very copy (provider, transaction, order, amount and
	// merchant) is in quarantine already.
	Quarantined bool
	// Order is the order the copy names, or nil when there is none.
	Order *Order
}

// The actions of a verdict.
const (
	actCredit           = iota // post it to the ledger and record the donation
	actReplay                  // a duplicate of the donation: nothing to do
	actReplayQuarantine        // a duplicate of a quarantined copy: nothing to do
	actQuarantine              // set it aside with Reason
)

// verdict is what to do with one copy.
type verdict struct {
	Action int
	Reason string
	// HoldOrder is the order to hold (mark quarantined, so the query job
	// stops asking about it), or 0.
	HoldOrder int64
}

// judge decides what to do with copy p of a verified payment notification,
// given what was recorded (st) and our merchant id at p's provider
// (merchant, and whether we have one there).
func judge(p payment.Payment, merchant string, hasMerchant bool, st copyState) verdict {
	ourMerchant := hasMerchant && p.Merchant == merchant
	if c := st.Credited; c != nil {
		if c.OrderNo == p.OrderID && c.Amount == p.Amount && ourMerchant {
			return verdict{Action: actReplay}
		}
		if st.Quarantined {
			return verdict{Action: actReplayQuarantine}
		}
		// A conflicting copy of a credited payment: say how it differs from
		// its own order when it does, and that it reuses the id otherwise.
		// The order is not held: the credited payment, or the copy's own
		// genuine one, settles it.
		v := againstOrder(p, ourMerchant, st.Order)
		if v.Action != actQuarantine || v.Reason == AlreadyPaid {
			v = verdict{Action: actQuarantine, Reason: TransactionReused}
		}
		v.HoldOrder = 0
		return v
	}
	if st.Quarantined {
		return verdict{Action: actReplayQuarantine}
	}
	return againstOrder(p, ourMerchant, st.Order)
}

// againstOrder judges a copy whose transaction id was never credited
// against the order it names.
func againstOrder(p payment.Payment, ourMerchant bool, o *Order) verdict {
	switch {
	case o == nil:
		return verdict{Action: actQuarantine, Reason: UnknownOrder}
	case p.Provider != o.Provider || !ourMerchant:
		return verdict{Action: actQuarantine, Reason: MerchantMismatch, HoldOrder: o.ID}
	case p.Amount != o.Amount:
		return verdict{Action: actQuarantine, Reason: AmountMismatch, HoldOrder: o.ID}
	case o.State == Paid:
		// Paid by another transaction: the donor paid twice, and the second
		// payment is for finance staff to refund.
		return verdict{Action: actQuarantine, Reason: AlreadyPaid}
	}
	// Created, or held because a mismatching copy named it first: this copy
	// matches the order exactly, so it is the payment (see above).
	return verdict{Action: actCredit}
}
