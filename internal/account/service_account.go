package account

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/session"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/throttle"
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
	var refusal error
	var taken []string
	var at time.Time
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		refusal, taken, at = nil, nil, tx.Now
		now := tx.Now
		// One code a minute per number: the last code kept (a code the
		// gateway failed to send is deleted, so a retry is not held up).
		var last sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT max(created_at) FROM signin_codes WHERE phone_index = $1`, index).Scan(&last); err != nil {
			return err
		}
		if last.Valid && now.Sub(time.UnixMicro(last.Int64)) < CodeInterval {
			refusal = waitRefusal(CodeInterval - now.Sub(time.UnixMicro(last.Int64)))
			return nil
		}
		// The hourly and daily limits are counted in the database
		// (package throttle), so they hold across every node and
		// restart. A refusal still commits the events taken before it.
		limits := []struct {
			key   string
			limit throttle.Limit
		}{
			{"signin-addr:" + sourceKey(source), throttle.Limit{N: SourceHourly, Window: time.Hour}},
			{"signin-phone-hour:" + index, throttle.Limit{N: CodesPerHour, Window: time.Hour}},
			{"signin-phone-day:" + index, throttle.Limit{N: CodesPerDay, Window: 24 * time.Hour}},
		}
		for _, l := range limits {
			ok, wait, err := throttle.Take(tx, l.key, l.limit)
			if err != nil {
				return err
			}
			if !ok {
				refusal = waitRefusal(wait)
				return nil
			}
			taken = append(taken, l.key)
		}
		return tx.QueryRowContext(ctx, `INSERT INTO signin_codes (phone_index, code_hash, source, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, index, s.codeHash(index, code), truncate(source, 64),
			now.UnixMicro(), now.Add(CodeTTL).UnixMicro()).Scan(&codeID)
	})
	if err != nil {
		return err
	}
	if refusal != nil {
		return refusal
	}
	if err := s.SMS.Send(ctx, phone, code); err != nil {
		// A code that never left does not count against the limits. The
		// gateway's error may quote the number: only an apperr.Error
		// (whose cause names the provider's code, never the number) is
		// passed on; anything else becomes the generic message.
		if err := s.DB.Write(context.WithoutCancel(ctx), func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `DELETE FROM signin_codes WHERE id = $1`, codeID); err != nil {
				return err
			}
			for _, k := range taken {
				if _, err := throttle.Undo(tx, k, at); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
		if e := apperr.As(err); e != nil && e.Key != "" {
			return e
		}
		return apperr.New(apperr.Unavailable, "signin.sms_failed")
	}
	return nil
}

// waitRefusal tells the user, next to the phone field, how long to wait.
func waitRefusal(wait time.Duration) error {
	if wait <= 2*time.Minute {
		secs := int((wait + time.Second - 1) / time.Second)
		return &apperr.Error{Code: apperr.RateLimited, Key: "signin.wait", Args: []any{secs},
			Fields: []apperr.FieldError{{Field: "phone", Key: "signin.wait", Args: []any{secs}}}}
	}
	mins := int((wait + time.Minute - 1) / time.Minute)
	return &apperr.Error{Code: apperr.RateLimited, Key: "signin.wait_minutes", Args: []any{mins},
		Fields: []apperr.FieldError{{Field: "phone", Key: "signin.wait_minutes", Args: []any{mins}}}}
}

// sourceKey hashes the client's address for its throttle key.
func sourceKey(source string) string {
	sum := sha256.Sum256([]byte("signin-source\x00" + source))
	return hex.EncodeToString(sum[:16])
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
