package donation

import (
	"errors"
)

// Outcome is what Confirm did with a payment.
type Outcome struct {
	// DonationID is the donation the payment is, or 0 when it was ignored
	// or quarantined.
	DonationID int64
	// Replayed: the payment had been seen before; nothing new was written.
	Replayed bool
	// Quarantined: the payment is set aside for finance staff, never
	// credited. The provider is still answered "received", so it stops
	// resending.
	Quarantined bool
	// AfterClose: the payment landed after the channel closed; it is
	// recorded once and waits for a refund (R-PUB-4).
	AfterClose bool
	// ClosedNow: this donation reached the target and closed fundraising
	// in its own transaction (R-PUB-4).
	ClosedNow bool
}

// KeyPaymentInvalid is the error of a payment without a provider or
// transaction id: a provider bug, never a donor's.
const KeyPaymentInvalid = "donation.payment_invalid"

// errSettled is returned by the hook when the order was paid, or set aside,
// by another transaction in the meantime.
var errSettled = errors.New("donation: the order is already settled")

// LedgerKey is the idempotency key of the ledger entry of a payment.
func LedgerKey(provider, transactionID string) string {
	return "donation:" + provider + ":" + transactionID
}
