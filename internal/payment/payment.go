// Package payment defines what the platform needs from a payment provider —
// take an order, say whether it was paid, refund it, and tell the platform
// through a signed asynchronous notification — so that the donation flow is
// written once against the Provider interface, whatever the provider.
//
// Providers live in this package (the sandbox simulator) and in its
// subpackages (wechatpay). A provider's notification is only ever a claim:
// ParseNotification verifies its signature and freshness before anything in
// it is believed, and the caller still checks the order, amount and merchant
// against its own records before any money is counted (R-DON-1).
package payment

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
)

// Order is what the platform asks a provider to collect.
type Order struct {
	// ID is our order number (WeChat's out_trade_no): 6 to 32 characters of
	// [A-Za-z0-9_-], the charset both the sandbox and WeChat Pay accept.
	ID string
	// Amount is what the payer is asked to pay; it must be more than zero.
	Amount money.Fen
	// Description is shown to the payer; at most 127 bytes.
	Description string
	// NotifyURL is where the provider posts its asynchronous notification.
	NotifyURL string
	// ReturnURL is where the payer's browser goes back after paying
	// (sandbox, H5).
	ReturnURL string
	// PayerRef is the provider's id of the payer (WeChat's openid), needed
	// for in-app (JSAPI) payment; it may be empty otherwise.
	PayerRef string
	// Native asks for a QR code to scan with the provider's app (WeChat
	// Pay's Native payment, for desktop browsers) instead of a page to
	// send the payer to; a provider that has none ignores it. PayerRef,
	// when set, wins.
	Native bool
	// ClientIP is the payer's IP address, which H5 payment requires.
	ClientIP string
	// ExpiresAt is when the order can no longer be paid; zero means the
	// provider's default.
	ExpiresAt time.Time
}

// Checkout tells the browser how to pay: a URL to send the payer to (sandbox,
// H5), the parameters an in-app JS bridge needs (JSAPI), or the content of
// a QR code to scan with the provider's app (Native).
type Checkout struct {
	RedirectURL string
	JSAPI       map[string]string
	CodeURL     string
}

// Payment is a provider's word on an order, from a notification or a query.
type Payment struct {
	Provider string
	// OrderID is our order number (out_trade_no).
	OrderID string
	// TransactionID is the provider's transaction id: the idempotency key of
	// the donation (R-DON-1), so a notification delivered twice is counted once.
	TransactionID string
	// Merchant is the merchant id the payment went to; the caller checks it
	// is ours before crediting anything.
	Merchant string
	// Amount is what the payer paid.
	Amount money.Fen
	State  State
	PaidAt time.Time
	// NotificationID is the provider's id of the notification, if the
	// payment came from one; empty from a query.
	NotificationID string
}

// State is the state of an order at the provider.
type State string

// The states a provider reports.
const (
	Paid     State = "paid"
	NotPaid  State = "not_paid"
	Closed   State = "closed"
	Refunded State = "refunded"
	Failed   State = "failed"
)

// Refund asks a provider to pay back all or part of a paid order.
type Refund struct {
	OrderID       string
	TransactionID string
	// RefundID is our refund number (out_refund_no); asking twice with the
	// same RefundID refunds once.
	RefundID string
	// Amount is what to pay back, Total what the order was for.
	Amount    money.Fen
	Total     money.Fen
	Reason    string
	NotifyURL string
}

// RefundResult is a provider's answer to a refund, to a query about one, or
// what its refund notification says.
type RefundResult struct {
	// RefundID is our refund number (out_refund_no).
	RefundID         string
	ProviderRefundID string
	// State is the provider's refund state: one of the Refund* constants.
	State string
	// OrderID and TransactionID name the order refunded; a query and a
	// notification set them, the answer to Refund may not.
	OrderID       string
	TransactionID string
	// Amount is the amount refunded, and Total the order's amount, when the
	// provider says (a query, a notification); zero otherwise.
	Amount money.Fen
	Total  money.Fen
	// SucceededAt is when the money went back, for RefundSuccess.
	SucceededAt time.Time
	// Account is where the money went back, as the provider names it
	// (WeChat Pay's user_received_account: "支付用户零钱", a masked card);
	// never more than the provider shows.
	Account string
	// NotificationID is the provider's id of the notification, if the result
	// came from one.
	NotificationID string
}

// BankCard is a payer's debit card, for a refund that could not go back by
// the original route. It is personal data: the caller unseals it just
// before the call and never logs or keeps it in the clear.
type BankCard struct {
	// BankType is the provider's code of the bank (WeChat Pay's
	// bank_type: CMB_DEBIT, ICBC_DEBIT, …).
	BankType string
	// Account is the card number, Name the holder's real name.
	Account, Name string
}

// AbnormalRefunder is a provider whose refunds can end "abnormal" (the
// payer's account on the original route is closed or frozen: WeChat Pay's
// ABNORMAL) and be sent on another way: to the payer's debit card, or back
// to the merchant's own bank account. A refund service type-asserts its
// Provider to it. Money sent back to the merchant is the platform's to
// give on (R-CHAR-1: to charity when it can reach no donor).
type AbnormalRefunder interface {
	// ApplyAbnormalRefund asks that the abnormal refund refundID (ours;
	// providerRefundID is the provider's) go to the merchant's bank
	// account when toMerchant, else to card. The answer is the refund,
	// processing again; its final state comes as a notification or a
	// query, as for any refund.
	ApplyAbnormalRefund(ctx context.Context, refundID, providerRefundID string, toMerchant bool, card *BankCard) (RefundResult, error)
}

// The refund states a provider reports in RefundResult.State.
const (
	RefundProcessing = "processing"
	RefundSuccess    = "success"
	RefundClosed     = "closed"
	RefundAbnormal   = "abnormal"
)

// The errors of providers, checked with errors.Is. A provider wraps them
// (fmt.Errorf("...: %w", ErrBadSignature)) to add detail for the logs; the
// detail never holds the payer's data.
var (
	// ErrBadSignature means a notification or response is forged or its
	// signature cannot be verified.
	ErrBadSignature = apperr.New(apperr.Invalid, "payment.bad_signature")
	// ErrStale means a signed timestamp is more than MaxSkew from now, so the
	// message may be a replay.
	ErrStale = apperr.New(apperr.Invalid, "payment.stale")
	// ErrMalformed means a message could not be decoded or lacks a field.
	ErrMalformed = apperr.New(apperr.Invalid, "payment.malformed")
	// ErrUnknownOrder means the provider has no such order.
	ErrUnknownOrder = apperr.New(apperr.NotFound, "payment.unknown_order")
	// ErrUnknownRefund means the provider has no refund by that number.
	ErrUnknownRefund = apperr.New(apperr.NotFound, "payment.unknown_refund")
	// ErrRateLimited means the provider refused the call for its rate limit
	// (WeChat Pay's 429 FREQUENCY_LIMITED): try again later, same number.
	ErrRateLimited = apperr.New(apperr.RateLimited, "payment.rate_limited")
	// ErrNotEnough means the provider's balance for us does not cover the
	// refund (WeChat Pay's NOT_ENOUGH): nothing was refunded; the refund
	// waits, same number, until the platform has funded the balance from
	// custody.
	ErrNotEnough = apperr.New(apperr.Unavailable, "payment.not_enough")
)

// RefusalStatus is the HTTP status a notification refused with err is
// answered with. A forged or stale one (ErrBadSignature, ErrStale) is 401
// and a malformed one (ErrMalformed) 400: the sender's fault, not the
// platform's, so they stay out of its count of server errors. Anything else
// is the platform's own failure to record a notification it believes:
// 500, and the provider sends it again. Every one is a failure to WeChat
// Pay's API v3, which takes any status but 2xx as "send it again later".
func RefusalStatus(err error) int {
	switch {
	case errors.Is(err, ErrBadSignature), errors.Is(err, ErrStale):
		return http.StatusUnauthorized
	case errors.Is(err, ErrMalformed):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// MaxSkew is how far a signed timestamp may be from the receiver's clock,
// either way, before the message is refused as stale.
const MaxSkew = 5 * time.Minute

// MaxNotificationBody is the most ParseNotification reads of a request body;
// real notifications are a few hundred bytes.
const MaxNotificationBody = 64 << 10

// Provider is a payment provider.
type Provider interface {
	// Name is the provider's name in configuration and records ("sandbox",
	// "wechatpay").
	Name() string
	// Create places an order with the provider and says how the payer pays it.
	Create(ctx context.Context, o Order) (Checkout, error)
	// Query asks the provider for the state of an order, for when a
	// notification never comes.
	Query(ctx context.Context, orderID string) (Payment, error)
	// Refund pays back all or part of a paid order. Asking again with the
	// same RefundID refunds once and answers as the first time did.
	Refund(ctx context.Context, r Refund) (RefundResult, error)
	// QueryRefund asks for the state of a refund by our refund number, for
	// when its notification never comes: ErrUnknownRefund when the provider
	// has none by that number.
	QueryRefund(ctx context.Context, refundID string) (RefundResult, error)
	// ParseRefundNotification verifies and decodes a refund notification
	// (WeChat Pay's REFUND.SUCCESS, REFUND.ABNORMAL, REFUND.CLOSED), as the
	// provider signs it, with the same care as ParseNotification; the
	// answer is Acknowledge's.
	ParseRefundNotification(r *http.Request) (RefundResult, error)
	// ParseNotification verifies and decodes an asynchronous notification, as
	// the provider signs it; it reads r.Body fully (bounded:
	// MaxNotificationBody) and never trusts it unverified.
	ParseNotification(r *http.Request) (Payment, error)
	// Acknowledge writes the response the provider expects: success when err
	// is nil, or a failure that makes the provider send the notification again.
	Acknowledge(w http.ResponseWriter, err error)
}

// The limits Validate enforces.
const (
	MinOrderID        = 6
	MaxOrderID        = 32
	MaxDescription    = 127
	maxURL            = 256 // WeChat Pay's limit on notify_url
	maxPayerRefLength = 128
)

// Validate checks the order against the limits every provider shares. It
// returns an *apperr.Error with one field error per problem, or nil.
func (o Order) Validate() error {
	var fields []apperr.FieldError
	add := func(field, key string, args ...any) {
		fields = append(fields, apperr.FieldError{Field: field, Key: key, Args: args})
	}
	if !ValidOrderID(o.ID) {
		add("id", "payment.order_id_invalid", MinOrderID, MaxOrderID)
	}
	if o.Amount <= 0 {
		add("amount", "payment.amount_positive")
	}
	switch {
	case o.Description == "":
		add("description", "payment.description_required")
	case len(o.Description) > MaxDescription:
		add("description", "payment.description_too_long", MaxDescription)
	}
	if o.NotifyURL == "" {
		add("notify_url", "payment.url_required")
	} else if len(o.NotifyURL) > maxURL {
		add("notify_url", "payment.url_too_long", maxURL)
	}
	if len(o.ReturnURL) > maxURL {
		add("return_url", "payment.url_too_long", maxURL)
	}
	if len(o.PayerRef) > maxPayerRefLength {
		add("payer_ref", "payment.payer_ref_invalid")
	}
	if fields == nil {
		return nil
	}
	return &apperr.Error{Code: apperr.Invalid, Key: "payment.order_invalid", Fields: fields}
}

// ValidOrderID reports whether id is a valid order number: 6 to 32
// characters of [A-Za-z0-9_-].
func ValidOrderID(id string) bool {
	if len(id) < MinOrderID || len(id) > MaxOrderID {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// wechatIntervals are the waits between WeChat Pay's deliveries of a
// notification that is not acknowledged, as its API v3 documentation lists
// them: "15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h — 24h4m".
var wechatIntervals = []time.Duration{
	15 * time.Second, 15 * time.Second, 30 * time.Second,
	3 * time.Minute, 10 * time.Minute, 20 * time.Minute,
	30 * time.Minute, 30 * time.Minute, 30 * time.Minute, 60 * time.Minute,
	3 * time.Hour, 3 * time.Hour, 3 * time.Hour, 6 * time.Hour, 6 * time.Hour,
}

// WeChatSchedule returns when WeChat Pay delivers a notification that is
// never acknowledged, as offsets from the first delivery: the first at 0,
// then the 15 re-sends of its documentation, the last 24 h 4 min after the
// first. A delivery that is acknowledged ends the schedule. Each call
// returns a fresh slice.
func WeChatSchedule() []time.Duration {
	s := make([]time.Duration, 1, len(wechatIntervals)+1)
	for _, d := range wechatIntervals {
		s = append(s, s[len(s)-1]+d)
	}
	return s
}
