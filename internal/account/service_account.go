package account

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/session"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// Service signs users in and verifies their identity.
type Service struct {
	DB       *store.DB
	Vault    *vault.Vault
	SMS      Sender
	Verifier Verifier
	// CodeKey keys the HMAC under which sign-in codes are stored, so the
	// database never holds a usable code.
	CodeKey []byte
	Now     func() time.Time
}

// SendCode sends a sign-in code to the phone number typed, subject to the
// per-number and per-address limits.
func (s *Service) SendCode(ctx context.Context, phoneInput, source string) error {
	phone, err := idcard.ParsePhone(phoneInput)
	if err != nil {
		return fieldError("phone", err)
	}
	index := s.Vault.BlindIndex(phoneDomain, phone)
	code, err := newCode()
	if err != nil {
		return err
	}
	var codeID int64
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		now := tx.Now
		var last sql.NullInt64
		var perPhone, perSource int
		if err := tx.QueryRowContext(ctx, `SELECT max(created_at), count(*) FROM signin_codes
			WHERE phone_index = $1 AND created_at > $2`, index, now.Add(-time.Hour).UnixMicro()).Scan(&last, &perPhone); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM signin_codes WHERE source = $1 AND created_at > $2`,
			source, now.Add(-time.Hour).UnixMicro()).Scan(&perSource); err != nil {
			return err
		}
		if last.Valid && now.Sub(time.UnixMicro(last.Int64)) < CodeInterval {
			wait := CodeInterval - now.Sub(time.UnixMicro(last.Int64))
			return apperr.New(apperr.RateLimited, "signin.wait", int(wait.Seconds())+1)
		}
		if perPhone >= CodesPerHour || perSource >= SourceHourly {
			return apperr.New(apperr.RateLimited, "signin.too_many")
		}
		return tx.QueryRowContext(ctx, `INSERT INTO signin_codes (phone_index, code_hash, source, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, index, s.codeHash(index, code), truncate(source, 64),
			now.UnixMicro(), now.Add(CodeTTL).UnixMicro()).Scan(&codeID)
	})
	if err != nil {
		return err
	}
	if s.SMS.Send(ctx, phone, code) != nil {
		// The gateway's error may quote the number: it is not kept. A
		// code that never left does not count against the limits.
		if err := s.DB.Write(context.WithoutCancel(ctx), func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM signin_codes WHERE id = $1`, codeID)
			return err
		}); err != nil {
			return err
		}
		return apperr.New(apperr.Unavailable, "signin.sms_failed")
	}
	return nil
}

// SignIn checks the code sent to the phone number and, when it is right,
// signs the user in, creating the account on first sign-in. It returns the
// session token for the cookie. A code works once, for CodeTTL, and allows
// CodeTries guesses.
//
// previous is the session token the browser already holds, if any: it is
// ended in the same transaction, so switching accounts leaves no session
// behind.
func (s *Service) SignIn(ctx context.Context, phoneInput, codeInput, source, previous string) (User, string, error) {
	var u User
	phone, perr := idcard.ParsePhone(phoneInput)
	code, cerr := parseCode(codeInput)
	if perr != nil || cerr != nil {
		e := apperr.New(apperr.Invalid, "")
		if perr != nil {
			e.Fields = append(e.Fields, fieldError("phone", perr).Fields...)
		}
		if cerr != nil {
			e.Fields = append(e.Fields, apperr.FieldError{Field: "code", Key: "signin.code_format"})
		}
		return u, "", e
	}
	index := s.Vault.BlindIndex(phoneDomain, phone)
	var token string
	var refusal error
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		refusal = nil
		var id, expires, attempts int64
		var used sql.NullInt64
		var hash string
		err := tx.QueryRowContext(ctx, `SELECT id, code_hash, expires_at, attempts, used_at FROM signin_codes
			WHERE phone_index = $1 ORDER BY id DESC LIMIT 1`, index).Scan(&id, &hash, &expires, &attempts, &used)
		if errors.Is(err, sql.ErrNoRows) {
			refusal = codeRefusal(codeInvalid)
			return s.record(ctx, tx, "anonymous", "user.sign_in", "", audit.ResultDenied, source, "no code")
		}
		if err != nil {
			return err
		}
		// Used, expired and spent codes get one message, so the answer
		// does not tell whether the number has signed in before; the
		// audit log keeps the reason.
		reason := ""
		switch {
		case used.Valid:
			reason = "code used"
		case tx.Now.UnixMicro() > expires:
			reason = "code expired"
		case attempts >= CodeTries:
			reason = "code spent"
		case subtle.ConstantTimeCompare([]byte(hash), []byte(s.codeHash(index, code))) != 1:
			if _, err := tx.ExecContext(ctx, `UPDATE signin_codes SET attempts = attempts + 1 WHERE id = $1`, id); err != nil {
				return err
			}
			reason = "code wrong"
			if left := CodeTries - attempts - 1; left > 0 {
				refusal = codeRefusal("signin.code_wrong", left)
			}
		}
		if reason != "" {
			if refusal == nil {
				refusal = codeRefusal(codeInvalid)
			}
			return s.record(ctx, tx, "anonymous", "user.sign_in", "", audit.ResultDenied, source, reason)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE signin_codes SET used_at = $1 WHERE id = $2`, tx.Now.UnixMicro(), id); err != nil {
			return err
		}
		if u, err = s.findOrCreate(ctx, tx, index, phone); err != nil {
			return err
		}
		if err := session.End(ctx, tx, previous); err != nil {
			return err
		}
		if token, _, err = session.Start(ctx, tx, session.User, u.ID, source); err != nil {
			return err
		}
		return s.record(ctx, tx, u.Actor(), "user.sign_in", u.Actor(), audit.ResultOK, source, "")
	})
	if err == nil {
		err = refusal
	}
	return u, token, err
}

// SignOut ends the session of token on the server.
func (s *Service) SignOut(ctx context.Context, token string, sess session.Session, source string) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := session.End(ctx, tx, token); err != nil {
			return err
		}
		return s.record(ctx, tx, sess.Actor(), "user.sign_out", sess.Actor(), audit.ResultOK, source, "")
	})
}

func (s *Service) record(ctx context.Context, tx *store.Tx, actor, action, object, result, source, detail string) error {
	_, err := audit.Append(ctx, tx, audit.Record{Actor: actor, Action: action, Object: object, Result: result, Source: source, Detail: detail})
	return err
}
