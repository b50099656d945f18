// Package payeeid validates the identifiers that say where a payout goes: the
// unified social credit code of an organisation such as a hospital
// (GB 32100-2015, with the organisation code inside it checked by GB 11714)
// and a bank account or bank card number. It also masks account numbers for
// display (R-PII-1).
//
// It stands apart from package idcard, which holds the identifiers of a
// person's real-name verification (R-ACC-1): these identify a payee, are
// typed by the publisher and by finance staff rather than by the person
// verified, and a credit code is public while an ID number is not.
//
// The parsers accept what people really type, including full-width
// characters and the spaces or hyphens of grouped numbers, and return a
// normalised form. Every failure is an *apperr.Error with Code apperr.Invalid
// and one of the Err* keys, so the person sees exactly which part is wrong. An
// error never contains the value typed: an account number is personal data,
// and errors end up in logs.
//
// The package is pure Go with no database; callers encrypt and store account
// numbers.
package payeeid

import (
	"unicode"

	"github.com/carefund/carefund/internal/apperr"
)

// The message keys of the errors the package returns. Compare an error's key
// (apperr.As(err).Key) with these rather than its text.
const (
	ErrCreditEmpty     = "credit.empty"
	ErrCreditLength    = "credit.length" // Args: the number of characters typed
	ErrCreditChars     = "credit.chars"
	ErrCreditAuthority = "credit.authority"
	ErrCreditType      = "credit.type"
	ErrCreditCheck     = "credit.check"
	ErrCreditOrgCheck  = "credit.org_check"

	ErrAccountEmpty      = "account.empty"
	ErrAccountChars      = "account.chars"
	ErrAccountLength     = "account.length"      // Args: the number of digits typed
	ErrAccountCardLength = "account.card_length" // Args: the number of digits typed
	ErrAccountCardCheck  = "account.card_check"
)

// Keys lists every error key the package returns, for tests that check each
// has a message in the catalog.
var Keys = []string{
	ErrCreditEmpty, ErrCreditLength, ErrCreditChars, ErrCreditAuthority,
	ErrCreditType, ErrCreditCheck, ErrCreditOrgCheck,
	ErrAccountEmpty, ErrAccountChars, ErrAccountLength, ErrAccountCardLength,
	ErrAccountCardCheck,
}

// invalid returns a fresh error: the length errors carry an argument, so the
// errors cannot be shared values.
func invalid(key string, args ...any) error {
	return apperr.New(apperr.Invalid, key, args...)
}

// separator reports whether r is left out of a typed code or number: white
// space, and the hyphens that group digits on documents and in input methods.
func separator(r rune) bool {
	switch r {
	case '-', '－', '‐', '‑', '–':
		return true
	}
	return unicode.IsSpace(r)
}

// narrow maps the full-width digits and Latin letters that Chinese input
// methods produce to ASCII, and leaves every other rune as it is.
func narrow(r rune) rune {
	switch {
	case r >= '０' && r <= '９':
		return '0' + (r - '０')
	case r >= 'Ａ' && r <= 'Ｚ':
		return 'A' + (r - 'Ａ')
	case r >= 'ａ' && r <= 'ｚ':
		return 'a' + (r - 'ａ')
	}
	return r
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
