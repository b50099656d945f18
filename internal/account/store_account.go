package account

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/store"
)

func (s *Service) findOrCreate(ctx context.Context, tx *store.Tx, index, phone string) (User, error) {
	u := User{Phone: phone}
	var created int64
	err := tx.QueryRowContext(ctx, `SELECT id, created_at FROM users WHERE phone_index = $1`, index).Scan(&u.ID, &created)
	if err == nil {
		u.CreatedAt = time.UnixMicro(created).UTC()
		_, err = tx.ExecContext(ctx, `UPDATE users SET signed_in_at = $1 WHERE id = $2`, tx.Now.UnixMicro(), u.ID)
		return u, err
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return u, err
	}
	key, err := s.Vault.NewKey(ctx, tx)
	if err != nil {
		return u, err
	}
	u.CreatedAt = tx.Now
	err = tx.QueryRowContext(ctx, `INSERT INTO users (phone_index, key_id, phone_sealed, created_at, signed_in_at)
		VALUES ($1, $2, $3, $4, $4) RETURNING id`,
		index, key.ID, key.SealString(phoneAAD(index), phone), tx.Now.UnixMicro()).Scan(&u.ID)
	return u, err
}

// Get returns user id with the phone number unsealed.
func (s *Service) Get(ctx context.Context, tx *store.Tx, id int64) (User, error) {
	u := User{ID: id}
	var keyID, created int64
	var index string
	var sealed []byte
	err := tx.QueryRowContext(ctx, `SELECT key_id, phone_index, phone_sealed, created_at FROM users WHERE id = $1`, id).
		Scan(&keyID, &index, &sealed, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return u, apperr.Wrap(err, apperr.NotFound, "")
	}
	if err != nil {
		return u, err
	}
	key, err := s.Vault.Key(ctx, tx, keyID)
	if err != nil {
		return u, err
	}
	if u.Phone, err = key.OpenString(phoneAAD(index), sealed); err != nil {
		return u, err
	}
	u.CreatedAt = time.UnixMicro(created).UTC()
	return u, nil
}

// FindByPhone returns the ID of the user with the phone number typed, by its
// blind index: apperr.Invalid for a malformed number (field "phone"),
// apperr.NotFound when nobody has it.
func (s *Service) FindByPhone(ctx context.Context, tx *store.Tx, phoneInput string) (int64, error) {
	phone, err := idcard.ParsePhone(phoneInput)
	if err != nil {
		return 0, fieldError("phone", err)
	}
	var id int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM users WHERE phone_index = $1`, s.Vault.BlindIndex(phoneDomain, phone)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, &apperr.Error{Code: apperr.NotFound, Fields: []apperr.FieldError{{Field: "phone", Key: "account.no_such_phone"}}}
	}
	return id, err
}
