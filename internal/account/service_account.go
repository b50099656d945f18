// Package account holds the platform's public users: sign-in by a mainland
// mobile number and a one-time code sent by SMS, and real-name verification
// of requesters and publishers (R-ACC-1).
//
// A phone number, a name on an ID card and an ID number are personal data: they
// are stored only sealed under a per-record data key (package vault), looked
// up by blind index, shown masked, and never logged (R-PII-1).
package account

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/session"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// The limits of sign-in codes.
const (
	CodeTTL      = 5 * time.Minute // a code expires this long after it is sent
	CodeTries    = 5               // wrong guesses before a code is spent
	CodeInterval = time.Minute     // the least time between two codes to one number
	CodesPerHour = 5               // codes one number may receive in an hour
	SourceHourly = 20              // codes one address may request in an hour
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

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// User is a member of the public with an account.
type User struct {
	ID        int64
	Phone     string // the full number; only the user and authorised staff see it unmasked
	CreatedAt time.Time
}

// Actor names the user as the audit log does.
func (u User) Actor() string { return "user:" + strconv.FormatInt(u.ID, 10) }

// phoneDomain separates the phone numbers' blind index from other indexes.
const phoneDomain = "phone"

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

// phoneAAD binds a sealed phone number to its blind index, so a sealed value
// copied to another user's row does not open.
func phoneAAD(index string) string { return "users.phone:" + index }

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

func (s *Service) codeHash(index, code string) string {
	m := hmac.New(sha256.New, s.CodeKey)
	fmt.Fprintf(m, "signin-code\x00%s\x00%s", index, code)
	return hex.EncodeToString(m.Sum(nil))
}

func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// parseCode accepts six digits, ignoring spaces and full-width digits.
func parseCode(s string) (string, error) {
	var b []byte
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b = append(b, byte(r))
		case r >= '０' && r <= '９':
			b = append(b, byte('0'+r-'０'))
		case r == ' ' || r == '\u3000' || r == '-':
		default:
			return "", errors.New("not a digit")
		}
		if len(b) > 6 {
			return "", errors.New("too long")
		}
	}
	if len(b) != 6 {
		return "", errors.New("not six digits")
	}
	return string(b), nil
}

// codeInvalid is the one message for a code that is used, expired, spent or
// was never sent.
const codeInvalid = "signin.code_invalid"

func codeRefusal(key string, args ...any) error {
	return &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: "code", Key: key, Args: args}}}
}

// fieldError turns a validation error from idcard into a message on field.
func fieldError(field string, err error) *apperr.Error {
	e := apperr.As(err)
	if e == nil {
		return apperr.Wrap(err, apperr.Invalid, "")
	}
	return &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: field, Key: e.Key, Args: e.Args}}}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
