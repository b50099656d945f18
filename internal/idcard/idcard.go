// Package idcard validates and masks the personal identifiers used for
// real-name verification (R-ACC-1): the PRC resident identity number
// (GB 11643-1999), a mainland China mobile number and a name as written on an
// ID card. It also masks them for display (R-PII-1), so that a public page can
// show "张*明" and never the ID number (R-PUB-1).
//
// The parsers accept what people really type, including the full-width digits
// Chinese input methods produce, and return a normalised form. Every failure is
// an *apperr.Error with Code apperr.Invalid and one of the Err* keys, so the
// person sees exactly which part is wrong. An error never contains the value
// typed: it is personal data, and errors end up in logs.
//
// The package is pure Go with no database; callers encrypt and store the
// results.
package idcard

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
)

// The message keys of the errors returned by Parse, ParsePhone, ParseName and
// CheckChar. Compare an error's key (apperr.As(err).Key) with these rather
// than its text.
const (
	ErrEmpty        = "idcard.empty"
	ErrLength       = "idcard.length" // Args: the number of characters typed
	ErrChars        = "idcard.chars"
	ErrRegion       = "idcard.region"
	ErrBirthDate    = "idcard.birth_date"
	ErrBirthFuture  = "idcard.birth_future"
	ErrBirthTooOld  = "idcard.birth_too_old"
	ErrCheckDigit   = "idcard.check_digit"
	ErrPhoneEmpty   = "phone.empty"
	ErrPhoneInvalid = "phone.invalid"
	ErrNameEmpty    = "name.empty"
	ErrNameLength   = "name.length"
	ErrNameChars    = "name.chars"
)

// Keys lists every error key the package returns, for tests that check each
// has a message in the catalog.
var Keys = []string{
	ErrEmpty, ErrLength, ErrChars, ErrRegion, ErrBirthDate, ErrBirthFuture,
	ErrBirthTooOld, ErrCheckDigit, ErrPhoneEmpty, ErrPhoneInvalid,
	ErrNameEmpty, ErrNameLength, ErrNameChars,
}

// invalid returns a fresh error: the length error carries an argument, so the
// errors cannot be shared values.
func invalid(key string, args ...any) error {
	return apperr.New(apperr.Invalid, key, args...)
}

// ID is a validated PRC resident identity number (GB 11643-1999).
type ID struct {
	Number string    // 18 characters, the final check character upper-case ('X')
	Region string    // first 6 digits
	Birth  time.Time // date of birth, UTC midnight
	Male   bool      // 17th digit odd
}

// Earliest is the earliest date of birth Parse accepts. Nobody alive was born
// before it, so an earlier date is a typo.
var Earliest = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// Parse validates s as an 18-character resident ID number and returns it
// normalised.
//
// It removes all white space, before, after and inside the number (numbers
// copied from documents are often grouped as 6-8-4), and accepts full-width
// digits and 'x', 'X', 'ｘ' or 'Ｘ' as the check character. It then checks, in
// this order, and stops at the first mistake:
//
//   - length: 18 characters (ErrLength, with the count; the old 15-digit
//     numbers of the first-generation cards are refused too);
//   - characters: 17 digits then a digit or X (ErrChars);
//   - region (ErrRegion): the first two digits are a province-level code of
//     GB/T 2260 for which resident ID numbers are issued (11-15, 21-23, 31-37,
//     41-46, 50-54, 61-65) and the six-digit code does not end in "0000",
//     because numbers are issued by county- or prefecture-level offices, never
//     under a bare province code. Codes ending in "00" are allowed: cities
//     without districts, such as Dongguan (441900), issue under them. The
//     residence permits of Hong Kong, Macao and Taiwan residents, which share
//     the format and check digit, are accepted with exactly 810000, 820000
//     and 830000. 71 (Taiwan in GB/T 2260) is refused: no number is issued
//     under it. The full list of county codes is not checked: it changes
//     every year, and old numbers keep codes that no longer exist;
//   - date of birth, digits 7 to 14: a real calendar date (ErrBirthDate), not
//     before 1900-01-01 (ErrBirthTooOld) and not after today's date
//     (ErrBirthFuture), today being taken in its own location; a person born
//     today is accepted;
//   - the ISO 7064 MOD 11-2 check character (ErrCheckDigit).
//
// today is a parameter so that tests are deterministic; callers pass the
// transaction's time.
func Parse(s string, today time.Time) (ID, error) {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if unicode.IsSpace(r) {
			continue
		}
		n++
		switch {
		case r >= '０' && r <= '９':
			r = '0' + (r - '０')
		case r == 'x' || r == 'ｘ' || r == 'Ｘ':
			r = 'X'
		}
		b.WriteRune(r)
	}
	if n == 0 {
		return ID{}, invalid(ErrEmpty)
	}
	if n != 18 {
		return ID{}, invalid(ErrLength, n)
	}
	num := b.String()
	if len(num) != 18 || !allDigits(num[:17]) || !(isDigit(num[17]) || num[17] == 'X') {
		return ID{}, invalid(ErrChars)
	}
	if !validRegion(num[:6]) {
		return ID{}, invalid(ErrRegion)
	}
	y, m, d := atoi(num[6:10]), atoi(num[10:12]), atoi(num[12:14])
	birth := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if m < 1 || m > 12 || d < 1 || birth.Day() != d {
		// time.Date normalises 31 April to 1 May; a changed day means the
		// date does not exist.
		return ID{}, invalid(ErrBirthDate)
	}
	if birth.Before(Earliest) {
		return ID{}, invalid(ErrBirthTooOld)
	}
	ty, tm, td := today.Date()
	if birth.After(time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC)) {
		return ID{}, invalid(ErrBirthFuture)
	}
	if c, _ := CheckChar(num[:17]); c != num[17] {
		return ID{}, invalid(ErrCheckDigit)
	}
	return ID{
		Number: num,
		Region: num[:6],
		Birth:  birth,
		Male:   (num[16]-'0')%2 == 1,
	}, nil
}

// provinces holds the first two digits under which resident ID numbers are
// issued (see Parse).
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
}

// validRegion reports whether the six digits are a plausible region code.
func validRegion(code string) bool {
	switch code {
	case "810000", "820000", "830000": // Hong Kong, Macao, Taiwan residence permits
		return true
	}
	return provinces[code[:2]] && code[2:] != "0000"
}

// weights are the ISO 7064 MOD 11-2 weights of the first 17 digits:
// 2^(17-i) mod 11 for position i counted from 0.
var weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// CheckChar returns the ISO 7064 MOD 11-2 check character for the first 17
// digits of an ID number: '0' to '9' or 'X'. It returns an error with key
// ErrLength or ErrChars when first17 is not 17 ASCII digits.
func CheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, invalid(ErrLength, utf8.RuneCountInString(first17))
	}
	if !allDigits(first17) {
		return 0, invalid(ErrChars)
	}
	sum := 0
	for i := range 17 {
		sum += int(first17[i]-'0') * weights[i]
	}
	return "10X98765432"[sum%11], nil
}

// ParsePhone validates a mainland China mobile number and returns its 11
// digits. It accepts surrounding white space, a single space or hyphen between
// groups of digits ("138 1234 5678", "138-1234-5678"), a "+86", "86" or
// "0086" country prefix (which may be followed by a space or hyphen) and
// full-width digits, plus and hyphen. The number must be 11 digits starting
// with 13 to 19. Landlines and numbers of other countries are refused:
// verification codes go by SMS to a mainland mobile.
func ParsePhone(s string) (string, error) {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '＋':
			return '+'
		case r == '－' || r == '‐' || r == '‑' || r == '–':
			return '-'
		case r == '\u3000':
			return ' '
		}
		return r
	}, strings.TrimSpace(s))
	if s == "" {
		return "", invalid(ErrPhoneEmpty)
	}
	plus := false
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		if !strings.HasPrefix(rest, "86") {
			return "", invalid(ErrPhoneInvalid)
		}
		plus, s = true, rest
	}
	digits := make([]byte, 0, 16)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			digits = append(digits, c)
		case (c == ' ' || c == '-') && i > 0 && isDigit(s[i-1]) && i+1 < len(s) && isDigit(s[i+1]):
			// A single separator between two digits.
		default:
			return "", invalid(ErrPhoneInvalid)
		}
		if len(digits) > 15 {
			return "", invalid(ErrPhoneInvalid)
		}
	}
	switch {
	case plus:
		digits = digits[2:]
	case len(digits) == 15 && string(digits[:4]) == "0086":
		digits = digits[4:]
	case len(digits) == 13 && string(digits[:2]) == "86":
		digits = digits[2:]
	}
	if len(digits) != 11 || digits[0] != '1' || digits[1] < '3' {
		return "", invalid(ErrPhoneInvalid)
	}
	return string(digits), nil
}

// The name length limits, in characters (runes).
const (
	NameMin = 2
	NameMax = 30
)

// middleDot is the separator between the parts of a transcribed name, as in
// "买买提·艾力".
const middleDot = '·'

// ParseName validates a name as it is written on an ID card and returns it
// normalised. The name is trimmed; runs of white space become one space and
// spaces next to a middle dot are dropped; '•', '．', '・' and '‧', which
// input methods produce for the middle dot, become '·'. The result must have
// 2 to 30 characters (ErrNameLength), each a Chinese (Han) character or a
// Latin letter, with a middle dot only between two letters and a space only
// between two Latin letters (ErrNameChars). Other scripts are refused: the
// name is compared with the Chinese name on the card, and letters of other
// scripts that look Latin would let two different names look alike.
func ParseName(s string) (string, error) {
	var rs []rune
	space := false // a space is pending
	for _, r := range strings.TrimSpace(s) {
		switch r {
		case '•', '．', '・', '‧':
			r = middleDot
		}
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && r != middleDot && (len(rs) == 0 || rs[len(rs)-1] != middleDot) {
			rs = append(rs, ' ')
		}
		space = false
		rs = append(rs, r)
		if len(rs) > 4*NameMax {
			break // long enough to refuse; no need to read on
		}
	}
	if len(rs) == 0 {
		return "", invalid(ErrNameEmpty)
	}
	if len(rs) < NameMin || len(rs) > NameMax {
		return "", invalid(ErrNameLength)
	}
	for i, r := range rs {
		ok := false
		switch {
		case unicode.Is(unicode.Han, r), isLatinLetter(r):
			ok = true
		case r == middleDot:
			ok = i > 0 && i < len(rs)-1 && isLetter(rs[i-1]) && isLetter(rs[i+1])
		case r == ' ':
			ok = i > 0 && i < len(rs)-1 && isLatinLetter(rs[i-1]) && isLatinLetter(rs[i+1])
		}
		if !ok {
			return "", invalid(ErrNameChars)
		}
	}
	return string(rs), nil
}

func isLatinLetter(r rune) bool { return unicode.IsLetter(r) && unicode.Is(unicode.Latin, r) }

func isLetter(r rune) bool { return unicode.Is(unicode.Han, r) || isLatinLetter(r) }

// MaskName hides a name for display: the first and last characters stay and
// every character between becomes '*'; a two-character name keeps its first
// ("张三" → "张*") and a one-character one is hidden whole. So "张三明" →
// "张*明", "欧阳小明" → "欧**明" and "买买提·艾力" → "买****力" (R-PUB-1).
// The result always has as many characters as the name.
func MaskName(name string) string {
	rs := []rune(name)
	switch len(rs) {
	case 0:
		return ""
	case 1:
		return "*"
	}
	for i := 1; i < len(rs); i++ {
		if i < len(rs)-1 || len(rs) == 2 {
			rs[i] = '*'
		}
	}
	return string(rs)
}

// MaskID hides an ID number for display (R-PII-1): the first 3 and the last 4
// characters stay and the 11 between become '*', as in "110***********002X".
// It only looks at the form (17 digits and a digit or X), not at the check
// character. Anything else is hidden whole with as many '*' as it has
// characters, so a malformed value never leaks a part of itself.
func MaskID(number string) string {
	if len(number) == 18 && allDigits(number[:17]) && (isDigit(number[17]) || number[17] == 'X' || number[17] == 'x') {
		return number[:3] + strings.Repeat("*", 11) + number[14:]
	}
	return strings.Repeat("*", utf8.RuneCountInString(number))
}

// MaskPhone hides a mobile number for display (R-PII-1): "13812345678" →
// "138****5678". Anything but 11 ASCII digits is hidden whole with as many '*'
// as it has characters.
func MaskPhone(phone string) string {
	if len(phone) == 11 && allDigits(phone) {
		return phone[:3] + "****" + phone[7:]
	}
	return strings.Repeat("*", utf8.RuneCountInString(phone))
}

// Demo IDs: the platform's demo data needs well-formed ID numbers that are not
// anyone's. No region code is reserved for that, so demo numbers are told
// apart by their year of birth instead: 1900. Parse accepts them (the year is
// in range), but nobody born in 1900 is alive, so no real applicant has one.
const (
	demoRegion = "110101" // 北京市东城区
	demoDays   = 365      // 1900 is not a leap year
	demoCount  = demoDays * 1000
)

// Demo returns a valid demo ID number (see IsDemo): region 110101, born on
// 1900-01-01 plus seq days, with the sequence code (digits 15 to 17) counting
// the rounds of 365 days, so that every seq from 0 to 364 999 gives a
// different number that is born in 1900. Other values of seq wrap around
// modulo 365 000.
func Demo(seq int) string {
	seq %= demoCount
	if seq < 0 {
		seq += demoCount
	}
	birth := Earliest.AddDate(0, 0, seq%demoDays)
	first17 := demoRegion + birth.Format("20060102") + threeDigits(seq/demoDays)
	c, _ := CheckChar(first17)
	return first17 + string(c)
}

// IsDemo reports whether number is a valid ID number born in 1900, as every
// number from Demo is. Callers refuse such numbers for real-name verification
// outside demo mode.
func IsDemo(number string) bool {
	id, err := Parse(number, time.Date(1901, 1, 1, 0, 0, 0, 0, time.UTC))
	return err == nil && id.Birth.Year() == 1900
}

func threeDigits(n int) string {
	return string([]byte{byte('0' + n/100), byte('0' + n/10%10), byte('0' + n%10)})
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

// atoi reads a string of ASCII digits, already checked.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
