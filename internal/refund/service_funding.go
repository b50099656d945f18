package refund

import (
	"context"

	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

// Due returns what the refunds still to be paid back through provider
// add up to: decided, being sent, or to be retried after a closed or
// abnormal attempt — every refund Dispatch may send, and sends only while
// the provider's balance covers it. One processing is left out: the
// provider has taken its money already. The provider's balance must cover Due for the refunds
// to go out (package refundfund tops it up from custody).
func (s *Service) Due(ctx context.Context, provider string) (money.Fen, error) {
	var out money.Fen
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		out, err = dueSum(ctx, tx, provider)
		return err
	})
	return out, err
}
