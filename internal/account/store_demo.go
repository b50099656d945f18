package account

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/store"
)

// EnsureUser returns the account of phone number phone, creating it when
// there is none, in the caller's transaction. It is for the demonstration
// data (package demo), whose people never sign in with a code; an existing
// account is returned as it is, without recording a sign-in. It returns
// apperr.Invalid on field "phone" for a malformed number.
func (s *Service) EnsureUser(ctx context.Context, tx *store.Tx, phone string) (User, error) {
	p, err := idcard.ParsePhone(phone)
	if err != nil {
		return User{}, fieldError("phone", err)
	}
	index := s.Vault.BlindIndex(phoneDomain, p)
	u := User{Phone: p}
	var created int64
	err = tx.QueryRowContext(ctx, `SELECT id, created_at FROM users WHERE phone_index = $1`, index).Scan(&u.ID, &created)
	switch {
	case err == nil:
		u.CreatedAt = time.UnixMicro(created).UTC()
		return u, nil
	case !errors.Is(err, sql.ErrNoRows):
		return User{}, err
	}
	return s.findOrCreate(ctx, tx, index, p)
}

// RecordDemoIdentity records a verified identity for user userID in the
// caller's transaction, without asking the identity provider, so that the
// demonstration data's publishers are verified as real ones are (R-ACC-1).
// The number must be a demonstration number (idcard.IsDemo): a real
// person's identity is never recorded unchecked. The record names
// DemoVerifier; no consent is recorded, since nobody gave one.
//
// It returns apperr.Invalid on field "name" or "id_number" for a malformed
// value, apperr.Conflict "identity.already" when the user is verified and
// "identity.in_use" when the number is verified on another account.
func (s *Service) RecordDemoIdentity(ctx context.Context, tx *store.Tx, userID int64, name, number string) error {
	n, err := idcard.ParseName(name)
	if err != nil {
		return fieldError("name", err)
	}
	id, err := idcard.Parse(number, tx.Now)
	if err != nil {
		return fieldError("id_number", err)
	}
	if !idcard.IsDemo(id.Number) {
		// A programming mistake, not a user's: no message key, and the
		// number stays out of the error.
		return errors.New("account: a demonstration identity needs a demonstration ID number (idcard.Demo)")
	}
	index := s.IDIndex(id.Number)
	var mine, taken int
	if err := tx.QueryRowContext(ctx, `SELECT
			count(CASE WHEN user_id = $1 THEN 1 END), count(CASE WHEN number_index = $2 THEN 1 END)
		FROM identities WHERE outcome = 'verified' AND (user_id = $1 OR number_index = $2)`, userID, index).Scan(&mine, &taken); err != nil {
		return err
	}
	switch {
	case mine > 0:
		return apperr.New(apperr.Conflict, "identity.already")
	case taken > 0:
		return &apperr.Error{Code: apperr.Conflict, Fields: []apperr.FieldError{{Field: "id_number", Key: "identity.in_use"}}}
	}
	key, err := s.Vault.NewKey(ctx, tx)
	if err != nil {
		return err
	}
	// The same associated data as Verify's records, which
	// VerifiedIdentity opens: the record's own key names it.
	aad := "identities:" + strconv.FormatInt(key.ID, 10)
	_, err = tx.ExecContext(ctx, `INSERT INTO identities (user_id, key_id, name_sealed, number_sealed, number_index,
		verifier, outcome, reason, source, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'verified', $7, '', $8)`,
		userID, key.ID, key.SealString(aad+":name", n), key.SealString(aad+":number", id.Number), index,
		DemoVerifier, "demonstration data, not checked", tx.Now.UnixMicro())
	return err
}
