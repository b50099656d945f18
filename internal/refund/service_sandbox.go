package refund

import (
	"context"
	"time"

	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/store"
)

// SandboxBook is the sandbox payment provider's refund book in the
// platform's database (sandbox_psp_refunds), so that its refunds survive a
// restart; give it to payment.SandboxConfig.RefundBook.
type SandboxBook struct{ DB *store.DB }

var _ payment.SandboxRefundBook = SandboxBook{}

// Book records a refund once, checking in the same transaction that the
// order is not refunded beyond its total, and that a successful refund is
// covered by the day's money (payment.ErrNotEnough otherwise).
func (b SandboxBook) Book(ctx context.Context, e payment.SandboxRefundEntry, decide func(int) string, covered func(refunded, funded money.Fen) bool) (payment.SandboxRefundEntry, error) {
	var out payment.SandboxRefundEntry
	err := b.DB.Write(ctx, func(tx *store.Tx) (err error) {
		out, err = bookSandboxRefund(ctx, tx, e, decide, covered)
		return err
	})
	return out, err
}

// Find returns a booked refund, or payment.ErrUnknownRefund.
func (b SandboxBook) Find(ctx context.Context, no string) (payment.SandboxRefundEntry, error) {
	var out payment.SandboxRefundEntry
	err := b.DB.Read(ctx, func(tx *store.Tx) (err error) {
		out, err = findSandboxRefund(ctx, tx, no)
		return err
	})
	return out, err
}

// Paid returns what the sandbox paid back, by order number.
func (b SandboxBook) Paid(ctx context.Context) (map[string]money.Fen, error) {
	var out map[string]money.Fen
	err := b.DB.Read(ctx, func(tx *store.Tx) (err error) {
		out, err = sandboxPaid(ctx, tx)
		return err
	})
	return out, err
}

// Fund records a top-up of the sandbox's balance once by its reference
// (sandbox_psp_fundings).
func (b SandboxBook) Fund(ctx context.Context, f payment.SandboxFunding) (payment.SandboxFunding, error) {
	var out payment.SandboxFunding
	err := b.DB.Write(ctx, func(tx *store.Tx) (err error) {
		out, err = fundSandbox(ctx, tx, f)
		return err
	})
	return out, err
}

// Day returns the successful refunds and the top-ups received in [from,
// to).
func (b SandboxBook) Day(ctx context.Context, from, to time.Time) ([]payment.SandboxRefundEntry, []payment.SandboxFunding, error) {
	var rs []payment.SandboxRefundEntry
	var fs []payment.SandboxFunding
	err := b.DB.Read(ctx, func(tx *store.Tx) (err error) {
		rs, fs, err = sandboxDay(ctx, tx, from, to)
		return err
	})
	return rs, fs, err
}
