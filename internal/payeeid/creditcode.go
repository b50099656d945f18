package payeeid

import (
	"strings"
	"unicode/utf8"
)

// CreditCode is a validated unified social credit code (统一社会信用代码,
// GB 32100-2015), the identifier every hospital, company and other
// organisation registered in mainland China carries on its licence.
type CreditCode struct {
	Code      string // the 18 characters, upper-case
	Authority byte   // position 1: the registration authority (9 market regulation, 1 public-sector bodies, 5 civil affairs, …)
	Type      byte   // position 2: the type of organisation under that authority (for 1: 2 public institution, such as a public hospital)
	Region    string // positions 3 to 8: the registration authority's administrative division code
	OrgCode   string // positions 9 to 17: the organisation code (GB 11714), its own check character last
}

// creditAlphabet is the code's character set in the order of its values:
// the digits and the capital letters without I, O, Z, S and V, which are too
// easily read as 1, 0, 2, 5 and U.
const creditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditWeights are the weights of the first 17 characters: 3^(i-1) mod 31
// for position i, as the standard defines them.
var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// orgWeights are the GB 11714 weights of the 8 characters of an organisation
// code's body.
var orgWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// creditTypes lists, for each registration authority code, the organisation
// type codes it assigns: GB 32100-2015 (1, 5, 9, Y) and the codes added for
// the authorities that joined later (2 foreign affairs, 3 justice, 4 culture,
// 6 tourism, 7 religious affairs, 8 trade unions, A the military's staffing
// office, N agriculture). A hospital is most often 12 (a public institution),
// 52 (a private non-profit unit) or 91 (a company).
var creditTypes = map[byte]string{
	'1': "1239", // 机构编制: organs, public institutions, mass organisations, other
	'2': "19",   // 外交: resident foreign press, other
	'3': "123459",
	'4': "19",
	'5': "1239", // 民政: social organisations, private non-profit units, foundations, other
	'6': "129",
	'7': "129",
	'8': "19",
	'9': "123", // 工商: enterprises, individual businesses, farmers' cooperatives
	'A': "19",
	'N': "1239",
	'Y': "1",
}

// ParseCreditCode validates s as a unified social credit code and returns it
// normalised.
//
// It removes white space and hyphens, accepts full-width characters and
// lower-case letters, and upper-cases the letters. It then checks, in this
// order, and stops at the first mistake:
//
//   - length: 18 characters (ErrCreditLength, with the count; the 15-digit
//     registration numbers of licences before 2015 are refused too);
//   - characters: each a digit or a capital letter other than I, O, Z, S and
//     V, and positions 3 to 8 digits (ErrCreditChars);
//   - position 1, a registration authority the standard assigns
//     (ErrCreditAuthority), and position 2, a type of organisation that
//     authority assigns (ErrCreditType; see creditTypes);
//   - the check character, position 18, by the standard's weights modulo 31
//     (ErrCreditCheck): it catches any one mistyped character and most
//     swapped pairs, so it comes before the narrower check below;
//   - the organisation code, positions 9 to 17, whose last character is its
//     own GB 11714 check character (ErrCreditOrgCheck). A code passing the
//     first check but not this one was not issued: the registry derives the
//     whole code from a valid organisation code.
//
// The region, positions 3 to 8, is only checked to be digits: it is the code
// of the registering office, which may be the national one (100000) or one
// that has since been merged away, and the code never changes.
func ParseCreditCode(s string) (CreditCode, error) {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if separator(r) {
			continue
		}
		n++
		r = narrow(r)
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		if n <= 18 {
			b.WriteRune(r)
		}
	}
	if n == 0 {
		return CreditCode{}, invalid(ErrCreditEmpty)
	}
	if n != 18 {
		return CreditCode{}, invalid(ErrCreditLength, n)
	}
	code := b.String()
	if len(code) != 18 || !allDigits(code[2:8]) {
		return CreditCode{}, invalid(ErrCreditChars)
	}
	for i := 0; i < 18; i++ {
		if strings.IndexByte(creditAlphabet, code[i]) < 0 {
			return CreditCode{}, invalid(ErrCreditChars)
		}
	}
	types, ok := creditTypes[code[0]]
	if !ok {
		return CreditCode{}, invalid(ErrCreditAuthority)
	}
	if strings.IndexByte(types, code[1]) < 0 {
		return CreditCode{}, invalid(ErrCreditType)
	}
	if c, _ := CreditCheckChar(code[:17]); c != code[17] {
		return CreditCode{}, invalid(ErrCreditCheck)
	}
	if c, _ := OrgCheckChar(code[8:16]); c != code[16] {
		return CreditCode{}, invalid(ErrCreditOrgCheck)
	}
	return CreditCode{
		Code:      code,
		Authority: code[0],
		Type:      code[1],
		Region:    code[2:8],
		OrgCode:   code[8:17],
	}, nil
}

// CreditCheckChar returns the check character of a unified social credit
// code for its first 17 characters: the character whose value is
// 31 - (Σ value × weight mod 31), 31 counting as 0. It returns an error with
// key ErrCreditLength or ErrCreditChars when first17 is not 17 characters of
// the code's alphabet. Demo data and tests build valid codes with it.
func CreditCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, invalid(ErrCreditLength, utf8.RuneCountInString(first17))
	}
	sum := 0
	for i := range 17 {
		v := strings.IndexByte(creditAlphabet, first17[i])
		if v < 0 {
			return 0, invalid(ErrCreditChars)
		}
		sum += v * creditWeights[i]
	}
	return creditAlphabet[(31-sum%31)%31], nil
}

// OrgCheckChar returns the GB 11714 check character of an organisation
// code's 8-character body: 11 - (Σ value × weight mod 11), where a digit is
// worth itself and a capital letter A to Z 10 to 35, written 'X' for 10 and
// '0' for 11. It returns an error with key ErrCreditChars when body is not 8
// digits or capital letters.
func OrgCheckChar(body string) (byte, error) {
	if len(body) != 8 {
		return 0, invalid(ErrCreditChars)
	}
	sum := 0
	for i := range 8 {
		c := body[i]
		var v int
		switch {
		case isDigit(c):
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		default:
			return 0, invalid(ErrCreditChars)
		}
		sum += v * orgWeights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X', nil
	case 11:
		return '0', nil
	default:
		return byte('0' + c), nil
	}
}
