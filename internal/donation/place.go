package donation

import (
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/rules"
)

// ConsentKinds are the rules a donor agrees to before giving (R-RULES-2):
// the fund use and refund rules (what becomes of the money and when it comes
// back), the fee standard (that nothing is charged: any fee would need its
// own consent, R-FEE-1) and the service agreement, which binds donors too.
// The publishing rules bind requesters only; the personal information rules
// are shown on the form as a notice.
var ConsentKinds = []rules.Kind{rules.ServiceAgreement, rules.Fees, rules.FundsRefunds}

// FieldAgree names the agreement in a refused order's field errors: the
// API's "agree_rules", and the form's checkbox.
const FieldAgree = "agree_rules"

// Agreement is a donor's agreement to the rules given with an order.
type Agreement struct {
	// Rules are the ids of the versions the donor was shown and agreed to
	// (the ticked box; the API's agree_rules); nil when nothing was ticked.
	// Every one of ConsentKinds must be covered, by these or, for a
	// signed-in donor, by an earlier consent at the same major version.
	Rules []int64
	// Source says where: "web" or "api". Nothing personal: an anonymous
	// donor's agreement is recorded against the order.
	Source string
}

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
	// Agreement is the donor's agreement to ConsentKinds, required.
	Agreement Agreement
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
