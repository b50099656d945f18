package vault

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"

	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/store"
)

// NewKey makes a random data key for a new record and stores it, wrapped
// under the master key, in tx. It returns ErrKeysChanged when the database's
// keys were rotated after this vault was made: a key wrapped under the
// retired master would be unreadable once the rotation finishes.
func (v *Vault) NewKey(ctx context.Context, tx *store.Tx) (*RecordKey, error) {
	if err := v.checkKeys(ctx, tx); err != nil {
		return nil, err
	}
	dk := make([]byte, keyring.KeySize)
	rand.Read(dk)
	defer clear(dk)
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO data_keys (wrapped, master_fingerprint, created_at)
		VALUES ($1, $2, $3) RETURNING id`, v.master.wrap(dk), v.master.fp, tx.Now.UnixMicro()).Scan(&id)
	if err != nil {
		return nil, fmt.Errorf("vault: storing a data key: %w", err)
	}
	return newRecordKey(id, dk), nil
}

// checkKeys compares the keys the database is bound to (meta
// 'key_fingerprint', set by serve and changed by carefund keys rotate) with
// the vault's. On PostgreSQL the row is read FOR SHARE, so that a rotation's
// change of the fingerprint waits for this transaction, or this transaction
// sees the change: either way no data key escapes the rotation. A database
// with no fingerprint yet (a test's) is not checked.
func (v *Vault) checkKeys(ctx context.Context, tx *store.Tx) error {
	q := "SELECT value FROM meta WHERE key = 'key_fingerprint'"
	if tx.Dialect == store.Postgres {
		q += " FOR SHARE"
	}
	var fp string
	switch err := tx.QueryRowContext(ctx, q).Scan(&fp); {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	case fp != v.keysFP:
		return ErrKeysChanged
	}
	return nil
}

// Key loads and unwraps the data key id, in any transaction, read or write. It
// returns ErrNoKey if there is none, ErrWrongMaster if it is wrapped under
// another master key than the vault's, and ErrCannotOpen if its wrapping was
// altered.
func (v *Vault) Key(ctx context.Context, tx *store.Tx, id int64) (*RecordKey, error) {
	var wrapped []byte
	var fp string
	err := tx.QueryRowContext(ctx, "SELECT wrapped, master_fingerprint FROM data_keys WHERE id = $1", id).Scan(&wrapped, &fp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %d", ErrNoKey, id)
	}
	if err != nil {
		return nil, err
	}
	if fp == ShreddedFingerprint {
		return nil, fmt.Errorf("%w: %d", ErrShredded, id)
	}
	if fp != v.master.fp {
		return nil, fmt.Errorf("%w: data key %d is wrapped under master key %s, this process has %s: check --keys-dir, or restart carefund after carefund keys rotate",
			ErrWrongMaster, id, fp, v.master.fp)
	}
	dk, err := v.master.unwrap(wrapped)
	if err != nil {
		return nil, fmt.Errorf("data key %d: %w", id, err)
	}
	defer clear(dk)
	return newRecordKey(id, dk), nil
}

// ShreddedFingerprint stands in data_keys.master_fingerprint for a key
// Shred destroyed: no master key has it, and Rotate passes such keys by.
const ShreddedFingerprint = "shredded"

// Shred destroys the data keys ids in tx: each wrapping is replaced by
// nothing, so that whatever was sealed under the key, wherever a copy of
// it lies (a backup, a column not yet overwritten), never opens again
// (R-PII-2). The row stays for the records that name it. Key returns
// ErrShredded for it afterwards. Shredding a key twice changes nothing.
func Shred(ctx context.Context, tx *store.Tx, ids ...int64) error {
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE data_keys SET wrapped = $1, master_fingerprint = $2
			WHERE id = $3`, []byte{}, ShreddedFingerprint, id); err != nil {
			return fmt.Errorf("vault: shredding data key %d: %w", id, err)
		}
	}
	return nil
}
