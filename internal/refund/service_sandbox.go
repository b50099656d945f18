package refund

import (
	"context"

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
// order is not refunded beyond its total.
func (b SandboxBook) Book(ctx context.Context, e payment.SandboxRefundEntry, decide func(int) string) (payment.SandboxRefundEntry, error) {
	var out payment.SandboxRefundEntry
	err := b.DB.Write(ctx, func(tx *store.Tx) (err error) {
		out, err = bookSandboxRefund(ctx, tx, e, decide)
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
