package payeeid

import (
	"strings"
	"unicode/utf8"
)

// AccountKind says what kind of number the caller asks for, because the two
// are checked differently.
type AccountKind int

const (
	// Corporate is a bank account number that is not a card's: a
	// hospital's or company's settlement account (对公账户), or a personal
	// passbook account. Banks number these in their own ways, so only the
	// length is checked.
	Corporate AccountKind = iota
	// Card is a bank card number (银行卡号), such as a patient's debit
	// card: 16 to 19 digits whose last is a Luhn check digit (ISO/IEC
	// 7812), as on every UnionPay card.
	Card
)

// The length limits, in digits.
const (
	AccountMin = 8
	AccountMax = 30
	CardMin    = 16
	CardMax    = 19
)

// ParseAccount validates s as a bank account number of the given kind and
// returns its digits.
//
// It removes white space and hyphens (numbers are copied grouped as
// "6222 0212 3456 7890" or from statements with hyphens) and accepts
// full-width digits. It then checks, in this order, and stops at the first
// mistake:
//
//   - something is left (ErrAccountEmpty);
//   - only digits are left (ErrAccountChars): no letters, signs or other
//     punctuation, which are never part of a PRC account number;
//   - for Corporate, 8 to 30 digits (ErrAccountLength, with the count);
//   - for Card, 16 to 19 digits (ErrAccountCardLength, with the count) and a
//     right Luhn check digit (ErrAccountCardCheck), which catches any one
//     mistyped digit and most swapped neighbours before money is sent to a
//     number that does not exist, or to someone else's.
//
// Whether the account exists and belongs to the payee only the bank can say;
// a payout it rejects comes back through the ledger.
func ParseAccount(s string, kind AccountKind) (string, error) {
	digits := make([]byte, 0, 32)
	n, other := 0, false
	for _, r := range s {
		if separator(r) {
			continue
		}
		n++
		r = narrow(r)
		switch {
		case r >= '0' && r <= '9':
			if len(digits) <= AccountMax {
				digits = append(digits, byte(r))
			}
		default:
			other = true
		}
	}
	switch {
	case n == 0:
		return "", invalid(ErrAccountEmpty)
	case other:
		return "", invalid(ErrAccountChars)
	}
	if kind == Card {
		if n < CardMin || n > CardMax {
			return "", invalid(ErrAccountCardLength, n)
		}
		if !luhn(string(digits)) {
			return "", invalid(ErrAccountCardCheck)
		}
		return string(digits), nil
	}
	if n < AccountMin || n > AccountMax {
		return "", invalid(ErrAccountLength, n)
	}
	return string(digits), nil
}

// luhn reports whether a string of ASCII digits ends in its Luhn check digit:
// from the right, every second digit is doubled (less 9 when above 9) and the
// sum of all is a multiple of 10.
func luhn(digits string) bool {
	sum := 0
	for i := range len(digits) {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// MaskAccount hides an account or card number for display (R-PII-1): the
// first 4 and the last 4 digits stay and the digits between become '*',
// grouped by four as on a card, so "6222021234567890" → "6222 **** **** 7890".
// At most 8 digits are ever shown and never more than half: a number of 8 to
// 15 digits keeps a quarter of its length at each end ("12345678" →
// "12 **** 78"), so a short corporate account is not shown whole. The
// number of '*' is the number of hidden digits, so finance staff can tell a
// card from a corporate account.
//
// It takes the normalised digits of ParseAccount. Anything else, including a
// number still grouped with spaces, is hidden whole with as many '*' as it has
// characters, so a malformed value never leaks a part of itself.
func MaskAccount(number string) string {
	n := len(number)
	if n < AccountMin || n > AccountMax || !allDigits(number) {
		return strings.Repeat("*", utf8.RuneCountInString(number))
	}
	keep := min(4, n/4)
	var b strings.Builder
	b.WriteString(number[:keep])
	for i := range n - 2*keep {
		if i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('*')
	}
	b.WriteByte(' ')
	b.WriteString(number[n-keep:])
	return b.String()
}
