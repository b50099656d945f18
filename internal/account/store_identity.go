package account

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/store"
)

// VerifiedIdentity returns the user's verified identity, unsealed, or
// apperr.NotFound when they have none.
func (s *Service) VerifiedIdentity(ctx context.Context, tx *store.Tx, userID int64) (Identity, error) {
	out := Identity{UserID: userID, Verified: true}
	var keyID, created int64
	var name, number []byte
	err := tx.QueryRowContext(ctx, `SELECT id, key_id, name_sealed, number_sealed, verifier, reason, created_at
		FROM identities WHERE user_id = $1 AND outcome = 'verified'`, userID).
		Scan(&out.ID, &keyID, &name, &number, &out.Verifier, &out.Reason, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return out, apperr.Wrap(err, apperr.NotFound, "")
	}
	if err != nil {
		return out, err
	}
	key, err := s.Vault.Key(ctx, tx, keyID)
	if err != nil {
		return out, err
	}
	aad := "identities:" + strconv.FormatInt(keyID, 10)
	if out.Name, err = key.OpenString(aad+":name", name); err != nil {
		return out, err
	}
	if out.Number, err = key.OpenString(aad+":number", number); err != nil {
		return out, err
	}
	out.CreatedAt = time.UnixMicro(created).UTC()
	return out, nil
}
