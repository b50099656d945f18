package platform

import (
	"context"

	"github.com/carefund/carefund/internal/hospital"
	"github.com/carefund/carefund/internal/payout"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// directory is the hospital directory as the payout service asks for it:
// the two packages keep their own types, and this is the only place that
// knows both.
type directory struct{ vault *vault.Vault }

// Hospital returns an active directory entry with its account unsealed,
// for a payout to it (R-DISB-2).
func (d directory) Hospital(ctx context.Context, tx *store.Tx, id int64) (payout.Hospital, error) {
	h, err := hospital.Payee(ctx, tx, d.vault, id)
	if err != nil {
		return payout.Hospital{}, err
	}
	return payout.Hospital{ID: h.ID, Name: h.Name, CreditCode: h.CreditCode, BankName: h.BankName, Account: h.Account,
		Vouchers: h.Vouchers}, nil
}

// List returns the active entries, their accounts masked.
func (d directory) List(ctx context.Context, tx *store.Tx) ([]payout.Hospital, error) {
	hs, err := hospital.Active(ctx, tx)
	if err != nil {
		return nil, err
	}
	out := make([]payout.Hospital, len(hs))
	for i, h := range hs {
		out[i] = payout.Hospital{ID: h.ID, Name: h.Name, CreditCode: h.CreditCode, BankName: h.BankName, Account: h.Masked}
	}
	return out, nil
}
