package staff

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// vaultSealer seals staff members' TOTP secrets under one data key of the
// vault, kept for the life of the installation, so that `carefund keys
// rotate` re-wraps it with every other data key.
type vaultSealer struct{ key *vault.RecordKey }

func (s vaultSealer) Seal(aad string, plaintext []byte) ([]byte, error) {
	return s.key.Seal(aad, plaintext), nil
}

func (s vaultSealer) Open(aad string, sealed []byte) ([]byte, error) { return s.key.Open(aad, sealed) }

// sealerKey names, in the meta table, the data key of staff secrets.
const sealerKey = "staff_secrets_data_key"

// OpenSealer returns the sealer of staff secrets for the database, making
// its data key on first use.
func OpenSealer(ctx context.Context, db *store.DB, v *vault.Vault) (Sealer, error) {
	var key *vault.RecordKey
	err := db.Write(ctx, func(tx *store.Tx) error {
		var value string
		err := tx.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = $1", sealerKey).Scan(&value)
		switch {
		case err == nil:
			id, err := strconv.ParseInt(value, 10, 64)
			if err != nil {
				return fmt.Errorf("meta %s: %w", sealerKey, err)
			}
			key, err = v.Key(ctx, tx, id)
			return err
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		if key, err = v.NewKey(ctx, tx); err != nil {
			return err
		}
		return tx.SetMeta(ctx, sealerKey, strconv.FormatInt(key.ID, 10))
	})
	if err != nil {
		return nil, fmt.Errorf("the data key of staff secrets: %w", err)
	}
	return vaultSealer{key}, nil
}
