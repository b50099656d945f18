// Package account holds the platform's public users: sign-in by a mainland
// mobile number and a one-time code sent by SMS, and real-name verification
// of requesters and publishers (R-ACC-1).
//
// A phone number, a name on an ID card and an ID number are personal data: they
// are stored only sealed under a per-record data key (package vault), looked
// up by blind index, shown masked, and never logged (R-PII-1).
package account

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
)

// The limits of sign-in codes.
const (
	CodeTTL      = 5 * time.Minute // a code expires this long after it is sent
	CodeTries    = 5               // wrong guesses before a code is spent
	CodeInterval = time.Minute     // the least time between two codes to one number
	CodesPerHour = 5               // codes one number may receive in an hour
	SourceHourly = 20              // codes one address may request in an hour
	CodesPerDay  = 10              // codes one number may receive in a day
)

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

// phoneAAD binds a sealed phone number to its blind index, so a sealed value
// copied to another user's row does not open.
func phoneAAD(index string) string { return "users.phone:" + index }

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
