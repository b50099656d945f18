// Package donation takes donations: a donor's order, its confirmation
// through the ledger exactly once when the payment provider says it was paid
// (R-DON-1), the closing of fundraising in the same transaction when a
// donation reaches the target (R-PUB-4), the quarantine of notifications
// that must not be credited, the running totals of a request, and share
// links with what each brought.
//
// The design is decision 0013: a verified payment is posted to the ledger
// as psp:<provider> → request:<id> under the key
// donation:<provider>:<transaction id>, and everything that must commit with
// it (the donation row, the order marked paid, the totals, the share's
// counts, the closing) is written by the entry's After hook, inside the
// ledger's batch transaction, so it costs no second sync. There is no fee or
// tip anywhere in an order or a donation (R-FEE-1): the whole amount goes to
// the request.
package donation

import (
	"crypto/rand"
	"fmt"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
)

// The default bounds of one donation.
const (
	DefaultMin money.Fen = 1_00
	DefaultMax money.Fen = 50_000_00
)

// MaxMessage bounds a donor's public message, in runes.
const MaxMessage = 200

// OrderTTL is how long an order can be paid. A payment that arrives later is
// still credited: the money was taken.
const OrderTTL = 2 * time.Hour

// The order states.
const (
	Created     = "created"
	Paid        = "paid"
	Quarantined = "quarantined"
)

// The reasons a verified notification is quarantined instead of credited.
const (
	UnknownOrder     = "unknown_order"
	AmountMismatch   = "amount_mismatch"
	MerchantMismatch = "merchant_mismatch"
	// RequestMismatch is for the query job, when the provider's answer is
	// about an order of another request than the one asked about.
	RequestMismatch = "request_mismatch"
	// AlreadyPaid: the order was paid before by another transaction (the
	// donor paid twice); the second payment is for finance staff to refund.
	AlreadyPaid = "already_paid"
)

// Message keys of the errors of this package.
const (
	KeyInvalid        = "donation.invalid"
	KeyClosed         = "donation.closed"
	KeyAmountMin      = "donation.amount_min"
	KeyAmountMax      = "donation.amount_max"
	KeyMessageTooLong = "donation.message_too_long"
	KeyMessageInvalid = "donation.message_invalid"
	KeyProvider       = "donation.provider_invalid"
	KeyClientToken    = "donation.client_token_invalid"
)

func (s *Service) bounds() (money.Fen, money.Fen) {
	lo, hi := s.Min, s.Max
	if lo <= 0 {
		lo = DefaultMin
	}
	if hi <= 0 {
		hi = DefaultMax
	}
	return lo, hi
}

// OrderInput is a donation form as submitted.
type OrderInput struct {
	RequestID int64
	// Amount is the amount as typed, parsed strictly by money.Parse.
	Amount string
	// DonorUserID is the signed-in donor, or 0. It is kept even when
	// Anonymous is set (R-DON-2).
	DonorUserID int64
	// Anonymous hides the donor from the public only.
	Anonymous bool
	// Message is an optional public message, at most MaxMessage runes.
	Message string
	// ShareToken is the ?s= of the link the donor came by, or "".
	ShareToken string
	// Provider is the payment provider's name ("sandbox", "wechatpay").
	Provider string
	// ClientToken is the one-time token of the form: the same token for the
	// same request returns the first order (a double click, R-DON-1).
	ClientToken string
}

// Order is a stored order.
type Order struct {
	ID        int64
	OrderNo   string
	RequestID int64
	Amount    money.Fen
	// DonorUserID is who placed it, or 0; never shown when Anonymous.
	DonorUserID    int64
	Anonymous      bool
	Message        string
	MessageFlagged bool
	// ShareID is the share link the donor came by, or 0.
	ShareID   int64
	State     string
	Provider  string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// alphabet is what order numbers and share tokens are made of: letters and
// digits, which every provider accepts in an order number.
const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomString returns n characters of alphabet from crypto/rand, without
// bias: bytes of 248 or more (4 × 62) are drawn again.
func randomString(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/4+8)
	for len(out) < n {
		rand.Read(buf)
		for _, b := range buf {
			if b < 248 && len(out) < n {
				out = append(out, alphabet[b%62])
			}
		}
	}
	return string(out)
}

// validName reports whether a provider name can be part of a ledger
// account name (psp:<provider>).
func validName(p string) bool {
	if p == "" || len(p) > 32 {
		return false
	}
	_, err := ledger.Classify("psp:" + p)
	return err == nil
}

func isControl(r rune) bool { return r < 0x20 && r != '\n' || r == 0x7f }

func bit(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func requestAccount(id int64) string { return "request:" + strconv.FormatInt(id, 10) }

func wrapf(format string, args ...any) error { return fmt.Errorf("donation: "+format, args...) }
