package account

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/rules"
	"github.com/carefund/carefund/internal/store"
)

// Verifier checks that a name and an ID number belong together, with an
// identity-check provider (the public security ministry's citizen identity
// service, through a licensed provider). The platform ships SandboxVerifier.
type Verifier interface {
	// Name names the provider in the record of each check.
	Name() string
	// Verify reports whether the name matches the ID number; reason says why
	// not, in words staff can read. Neither reason nor err may carry the
	// name or the number: both are stored and logged.
	Verify(ctx context.Context, name string, id idcard.ID) (ok bool, reason string, err error)
}

// SandboxVerifier accepts every well-formed name and ID number, for
// development and the demo.
type SandboxVerifier struct{}

// Name implements Verifier.
func (SandboxVerifier) Name() string { return "sandbox" }

// Verify implements Verifier.
func (SandboxVerifier) Verify(context.Context, string, idcard.ID) (bool, string, error) {
	return true, "sandbox: well-formed", nil
}

// idDomain separates the ID numbers' blind index from other indexes; the
// blacklist uses the same domain, so an entry matches a verified identity.
const idDomain = "id-number"

// IDIndex returns the blind index of a valid ID number, for "is it in use" and
// "is it blacklisted" lookups.
func (s *Service) IDIndex(number string) string { return s.Vault.BlindIndex(idDomain, number) }

// Identity is the outcome of a real-name verification.
type Identity struct {
	ID        int64
	UserID    int64
	Verified  bool
	Reason    string
	Verifier  string
	CreatedAt time.Time
	Name      string // unsealed; show masked unless the viewer needs it
	Number    string
}

// MaskedName and MaskedNumber are what pages show (R-PII-1).
func (i Identity) MaskedName() string   { return idcard.MaskName(i.Name) }
func (i Identity) MaskedNumber() string { return idcard.MaskID(i.Number) }

// VerifyInput is what the real-name form sends.
type VerifyInput struct {
	Name     string
	Number   string
	Consent  string // the rules checkbox: the flow needs consent to the current rules
	Truthful string // the truthfulness declaration checkbox (R-RULES-4)
	// Rules are the IDs of the versions the page showed, so that a rule
	// changed while the form was open is asked about again.
	Rules []int64
}

// VerifyTriesPerDay bounds the rejected verifications of one account in 24
// hours: the check must not become a way to test names against numbers.
const VerifyTriesPerDay = 5

// ConsentKinds are the rules a user agrees to when verifying their identity.
var ConsentKinds = []rules.Kind{rules.ServiceAgreement, rules.PublishingRules, rules.Privacy, rules.Fees, rules.FundsRefunds}

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
