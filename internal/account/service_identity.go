package account

import (
	"context"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/rules"
	"github.com/carefund/carefund/internal/store"
)

// Verify checks the name and ID number of user (R-ACC-1), records the
// outcome, and records the consents given with it (R-RULES-2). All input
// mistakes are reported together, and nothing is saved unless everything is
// right.
func (s *Service) Verify(ctx context.Context, userID int64, in VerifyInput, source string) (Identity, error) {
	var out Identity
	e := apperr.New(apperr.Invalid, "")
	name, err := idcard.ParseName(in.Name)
	if err != nil {
		e.Fields = append(e.Fields, fieldError("name", err).Fields...)
	}
	id, err := idcard.Parse(in.Number, s.now())
	if err != nil {
		e.Fields = append(e.Fields, fieldError("id_number", err).Fields...)
	}
	if err := rules.CheckBox(in.Truthful, "truthful"); err != nil {
		e.Fields = append(e.Fields, apperr.As(err).Fields...)
	}
	if err := rules.CheckBox(in.Consent, "consent"); err != nil {
		e.Fields = append(e.Fields, apperr.As(err).Fields...)
	}
	if len(e.Fields) > 0 {
		return out, e
	}
	index := s.IDIndex(id.Number)
	// Before asking the provider (each check costs money and answers
	// "match" or "no match"): an account verifies once, and tries a
	// bounded number of times a day.
	if err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var verified, rejected int
		if err := tx.QueryRowContext(ctx, `SELECT
				count(CASE WHEN outcome = 'verified' THEN 1 END),
				count(CASE WHEN outcome = 'rejected' AND created_at > $2 THEN 1 END)
			FROM identities WHERE user_id = $1`, userID, s.now().Add(-24*time.Hour).UnixMicro()).Scan(&verified, &rejected); err != nil {
			return err
		}
		switch {
		case verified > 0:
			return apperr.New(apperr.Conflict, "identity.already")
		case rejected >= VerifyTriesPerDay:
			return apperr.New(apperr.RateLimited, "identity.too_many")
		}
		return nil
	}); err != nil {
		return out, err
	}
	ok, reason, err := s.Verifier.Verify(ctx, name, id)
	if err != nil {
		// The provider's error may quote what was sent: it is not kept.
		return out, apperr.New(apperr.Unavailable, "identity.verifier_down")
	}
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM identities WHERE user_id = $1 AND outcome = 'verified'`, userID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return apperr.New(apperr.Conflict, "identity.already")
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM identities WHERE number_index = $1 AND outcome = 'verified'`, index).Scan(&n); err != nil {
			return err
		}
		if n > 0 && ok {
			return &apperr.Error{Code: apperr.Conflict, Fields: []apperr.FieldError{{Field: "id_number", Key: "identity.in_use"}}}
		}
		key, err := s.Vault.NewKey(ctx, tx)
		if err != nil {
			return err
		}
		outcome := "rejected"
		if ok {
			outcome = "verified"
		}
		out = Identity{UserID: userID, Verified: ok, Reason: reason, Verifier: s.Verifier.Name(), CreatedAt: tx.Now, Name: name, Number: id.Number}
		// The AAD names the record's key, which is the record's own.
		aad := "identities:" + strconv.FormatInt(key.ID, 10)
		if err := tx.QueryRowContext(ctx, `INSERT INTO identities (user_id, key_id, name_sealed, number_sealed, number_index,
			verifier, outcome, reason, source, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			userID, key.ID, key.SealString(aad+":name", name), key.SealString(aad+":number", id.Number), index,
			out.Verifier, outcome, truncate(reason, 200), truncate(source, 64), tx.Now.UnixMicro()).Scan(&out.ID); err != nil {
			return err
		}
		actor := "user:" + strconv.FormatInt(userID, 10)
		result := audit.ResultOK
		if !ok {
			result = audit.ResultDenied
		}
		// The declaration of truthfulness (R-RULES-4) is recorded with the
		// verification it was made for.
		if err := s.record(ctx, tx, actor, "identity.verify", "identity:"+strconv.FormatInt(out.ID, 10), result, source,
			s.Verifier.Name()+"; declared truthful"); err != nil {
			return err
		}
		if !ok {
			return nil
		}
		if err := rules.RecordConsent(ctx, tx, actor, in.Rules, source); err != nil {
			return err
		}
		// Consent to every rule this flow needs, at its current version:
		// a form that left one out, or showed a version since replaced,
		// is asked again.
		needed, err := rules.Needed(ctx, tx, actor, ConsentKinds...)
		if err != nil {
			return err
		}
		if len(needed) > 0 {
			return &apperr.Error{Code: apperr.Conflict, Key: "rules.changed", Fields: []apperr.FieldError{{Field: "consent", Key: "rules.changed"}}}
		}
		return nil
	})
	if err != nil {
		return Identity{}, err
	}
	if !ok {
		return out, apperr.New(apperr.Invalid, "identity.rejected")
	}
	return out, nil
}
