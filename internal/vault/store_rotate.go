package vault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/store"
)

// rotateBatch is how many data keys one transaction of Rotate re-wraps:
// enough to make the per-transaction cost small, few enough that a
// transaction stays short and a crash loses little work.
const rotateBatch = 500

// Rotate re-wraps every data key wrapped under old so that it is wrapped under
// new, and returns how many it re-wrapped. It works in batches, each its own
// transaction, and picks only keys still under old, so after a crash or an
// error it resumes where it stopped when run again. It fails if a data key
// under old does not open, or if, at the end, any data key is wrapped under a
// third master key: the caller must not retire old then.
//
// The sealed values are not touched: they stay sealed under their data keys.
func Rotate(ctx context.Context, db *store.DB, old, new keyring.Key) (int, error) {
	if old == new {
		return 0, errors.New("vault: rotating to the same master key")
	}
	from, to := newMaster(old), newMaster(new)
	type row struct {
		id      int64
		wrapped []byte
	}
	total := 0
	for {
		var picked, done int
		err := db.Write(ctx, func(tx *store.Tx) error {
			picked, done = 0, 0
			batch, err := store.All(ctx, tx, func(rows *sql.Rows) (row, error) {
				var r row
				err := rows.Scan(&r.id, &r.wrapped)
				return r, err
			}, `SELECT id, wrapped FROM data_keys
				WHERE master_fingerprint = $1 ORDER BY id LIMIT $2`, from.fp, rotateBatch)
			if err != nil {
				return err
			}
			picked = len(batch)
			for _, r := range batch {
				dk, err := from.unwrap(r.wrapped)
				if err != nil {
					return fmt.Errorf("data key %d under the old master key: %w", r.id, err)
				}
				res, err := tx.ExecPrepared(ctx, `UPDATE data_keys SET wrapped = $1, master_fingerprint = $2
					WHERE id = $3 AND master_fingerprint = $4`, to.wrap(dk), to.fp, r.id, from.fp)
				clear(dk)
				if err != nil {
					return err
				}
				n, err := res.RowsAffected()
				if err != nil {
					return err
				}
				done += int(n)
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("vault: re-wrapping data keys: %w", err)
		}
		total += done
		if picked < rotateBatch {
			break
		}
	}
	var others int
	err := db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM data_keys WHERE master_fingerprint NOT IN ($1, $2)", to.fp, ShreddedFingerprint).Scan(&others)
	})
	if err != nil {
		return total, err
	}
	if others > 0 {
		return total, fmt.Errorf("vault: %d data keys are wrapped under neither the old nor the new master key", others)
	}
	return total, nil
}
