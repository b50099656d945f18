package donation

import (
	"github.com/carefund/carefund/internal/payment"
)

// KeyProviderUnavailable is the error of an order the provider could not
// take: the order is stored, and placing it again is safe.
const KeyProviderUnavailable = "donation.provider_unavailable"

// PlaceInput is a donor's order and how the provider reaches back.
type PlaceInput struct {
	OrderInput
	// NotifyURL returns where provider posts its notifications.
	NotifyURL func(provider string) string
	// ReturnURL returns where the payer's browser goes back after paying
	// order orderNo.
	ReturnURL func(orderNo string) string
	// ClientIP is the payer's address, which H5 payment requires.
	ClientIP string
	// PayerRef is the payer's id at the provider (WeChat's openid), for
	// in-app payment (JSAPI); empty otherwise.
	PayerRef string
	// Native asks the provider for a QR code to scan (desktop browsers).
	Native bool
}

// Placed is an order placed: how to pay it, and its state as its donor
// sees it (StatePending for an order still to pay).
type Placed struct {
	Order    Order
	Checkout payment.Checkout
	// State is StatePending, or what became of an order settled already
	// (a double click after paying): then Checkout is empty.
	State string
}
