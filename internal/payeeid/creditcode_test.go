package payeeid

import (
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
)

// keyOf returns the message key of err, failing when err is not an
// apperr.Invalid error.
func keyOf(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	e := apperr.As(err)
	if e == nil || e.Code != apperr.Invalid {
		t.Fatalf("error %v is not an apperr.Invalid error", err)
	}
	return e.Key
}

// withCreditCheck completes 17 characters with their check character.
func withCreditCheck(t testing.TB, first17 string) string {
	t.Helper()
	c, err := CreditCheckChar(first17)
	if err != nil {
		t.Fatalf("CreditCheckChar(%q): %v", first17, err)
	}
	return first17 + string(c)
}

// Published codes, each checked here against both check characters. They
// test the algorithm against the outside world rather than against itself.
var realCodes = []struct{ code, whose string }{
	{"12100000400000624D", "清华大学: a public institution (12) registered nationally (100000), as public hospitals are"},
	{"12100000400009127B", "北京理工大学, published on its reimbursement instructions"},
	{"914403001922038216", "华为技术有限公司"},
	{"91440300708461136T", "深圳市腾讯计算机系统有限公司, as in Tencent's AIGC labels"},
	{"121200004013590816", "a public institution in Tianjin (120000)"},
	{"91310115MA1K3BTP2B", "a company with an organisation code assigned after 2015 (MA…), letters in the body"},
	{"9115220107837757XE", "a company whose organisation code's check character is X"},
	{"92340603MA2PBMD304", "an individual business (92) whose organisation code's check character is 0"},
}

// The worked example of GB 32100-2015 itself: the first 17 characters
// 91350100M000100Y4 sum to 1640, 1640 mod 31 = 28 and the check character
// is 31 - 28 = 3 (the example's code ending in Z is refused).
func TestCreditCheckCharStandardExample(t *testing.T) {
	if got, err := CreditCheckChar("91350100M000100Y4"); err != nil || got != '3' {
		t.Errorf("CreditCheckChar(91350100M000100Y4) = %q, %v; want '3'", got, err)
	}
	for _, tt := range []struct{ in, key string }{
		{"91350100M000100Y", ErrCreditLength},
		{"91350100M000100Y43", ErrCreditLength},
		{"91350100M000100O4", ErrCreditChars}, // O is not in the alphabet
		{"91350100m000100Y4", ErrCreditChars}, // only normalised input
	} {
		if _, err := CreditCheckChar(tt.in); keyOf(t, err) != tt.key {
			t.Errorf("CreditCheckChar(%q): error %v, want key %s", tt.in, err, tt.key)
		}
	}
}

func TestOrgCheckChar(t *testing.T) {
	for _, tt := range []struct {
		body string
		want byte
	}{
		{"70846113", '6'},
		{"19220382", '1'},
		{"MA1K3BTP", '2'},
		{"07837757", 'X'}, // 11 - sum mod 11 = 10
		{"MA2PBMD3", '0'}, // 11 - sum mod 11 = 11
	} {
		if got, err := OrgCheckChar(tt.body); err != nil || got != tt.want {
			t.Errorf("OrgCheckChar(%q) = %q, %v; want %q", tt.body, got, err, tt.want)
		}
	}
	for _, body := range []string{"7084611", "708461136", "7084611a", "708461-3", ""} {
		if _, err := OrgCheckChar(body); keyOf(t, err) != ErrCreditChars {
			t.Errorf("OrgCheckChar(%q): error %v, want %s", body, err, ErrCreditChars)
		}
	}
}

// A hospital's unified social credit code is accepted as people type it, and
// a wrong one is refused with the key of the part that is wrong.
func TestParseCreditCode(t *testing.T) {
	// A code that passes the check character of GB 32100 but whose
	// organisation code fails GB 11714: Tencent's with the organisation
	// code's check character changed and the last character recomputed.
	badOrg := withCreditCheck(t, "91440300708461137")
	tests := []struct {
		name string
		in   string
		want string // the normalised code when valid
		key  string // the error key when not
	}{
		{"lower case", "91440300708461136t", "91440300708461136T", ""},
		{"full width", "９１４４０３００７０８４６１１３６Ｔ", "91440300708461136T", ""},
		{"full-width lower case", "９１３１０１１５ｍａ１ｋ３ｂｔｐ２ｂ", "91310115MA1K3BTP2B", ""},
		{"grouped with spaces", " 9144 0300 7084 6113 6T\u3000", "91440300708461136T", ""},
		{"hyphen before the check characters", "91440300-70846113-6-T", "91440300708461136T", ""},

		{"empty", "", "", ErrCreditEmpty},
		{"only spaces and hyphens", " - \u3000", "", ErrCreditEmpty},
		{"17 characters", "9144030070846113T", "", ErrCreditLength},
		{"19 characters", "91440300708461136T1", "", ErrCreditLength},
		{"old 15-digit registration number", "440301103097413", "", ErrCreditLength},
		{"letter O for the digit 0", "914403007O8461136T", "", ErrCreditChars},
		{"letter I", "9144030070846113IT", "", ErrCreditChars},
		{"letter Z", "91440300708461136Z", "", ErrCreditChars},
		{"letter S", "9144030070846113ST", "", ErrCreditChars},
		{"letter V", "91440300708461136V", "", ErrCreditChars},
		{"letter in the region", "9144A300708461136T", "", ErrCreditChars},
		{"Chinese character", "9144030070846113号T", "", ErrCreditChars},
		{"sign", "+1440300708461136T", "", ErrCreditChars},
		{"authority 0", withCreditCheck(t, "01440300708461136"), "", ErrCreditAuthority},
		{"authority B", withCreditCheck(t, "B1440300708461136"), "", ErrCreditAuthority},
		{"enterprise authority, type 4", withCreditCheck(t, "94440300708461136"), "", ErrCreditType},
		{"staffing authority, type 8", withCreditCheck(t, "18100000400000624"), "", ErrCreditType},
		{"other authority, type 2", withCreditCheck(t, "Y2100000400000624"), "", ErrCreditType},
		{"wrong check character", "914403001922038217", "", ErrCreditCheck},
		{"one character mistyped", "91440300708461186T", "", ErrCreditCheck},
		{"two neighbours swapped", "91440300780461136T", "", ErrCreditCheck},
		{"organisation code's check character wrong", badOrg, "", ErrCreditOrgCheck},
	}
	for _, c := range realCodes {
		tests = append(tests, struct{ name, in, want, key string }{c.whose, c.code, c.code, ""})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCreditCode(tt.in)
			if key := keyOf(t, err); key != tt.key {
				t.Fatalf("ParseCreditCode(%q): error %v, want key %q", tt.in, err, tt.key)
			}
			if err != nil {
				return
			}
			want := CreditCode{
				Code: tt.want, Authority: tt.want[0], Type: tt.want[1],
				Region: tt.want[2:8], OrgCode: tt.want[8:17],
			}
			if got != want {
				t.Errorf("ParseCreditCode(%q) = %+v, want %+v", tt.in, got, want)
			}
		})
	}
}

// Every authority and type of the table is accepted, and every other pair of
// characters is refused with the right key.
func TestCreditTypes(t *testing.T) {
	for i := 0; i < len(creditAlphabet); i++ {
		for j := 0; j < len(creditAlphabet); j++ {
			a, ty := creditAlphabet[i], creditAlphabet[j]
			code := withCreditCheck(t, string([]byte{a, ty})+"440300708461136")
			_, err := ParseCreditCode(code)
			types, known := creditTypes[a]
			want := ""
			switch {
			case !known:
				want = ErrCreditAuthority
			case !strings.ContainsRune(types, rune(ty)):
				want = ErrCreditType
			}
			if key := keyOf(t, err); key != want {
				t.Errorf("ParseCreditCode(%s): key %q, want %q", code, key, want)
			}
		}
	}
}

// The length error tells how many characters were typed and nothing else.
func TestParseCreditCodeLengthArgs(t *testing.T) {
	for in, want := range map[string]int{
		"440301103097413": 15,
		"９１４４０３００７０８４６１１３６": 17,
		"91440300708461136TT": 19,
	} {
		_, err := ParseCreditCode(in)
		e := apperr.As(err)
		if e == nil || e.Key != ErrCreditLength || len(e.Args) != 1 || e.Args[0] != want {
			t.Errorf("ParseCreditCode(%q) = %#v, want %s with %d", in, e, ErrCreditLength, want)
		}
	}
}

// Every key the package returns has a message in both languages, and the
// length messages show their count.
func TestKeysInCatalog(t *testing.T) {
	for _, key := range Keys {
		if !i18n.Has(key) {
			t.Errorf("%s is not in the i18n catalog", key)
		}
	}
	for _, lang := range i18n.Langs {
		for _, key := range []string{ErrCreditLength, ErrAccountLength, ErrAccountCardLength} {
			if got := i18n.T(lang, key, 15); !strings.Contains(got, "15") || strings.Contains(got, "%!") {
				t.Errorf("T(%s, %s, 15) = %q", lang, key, got)
			}
		}
	}
}

func FuzzParseCreditCode(f *testing.F) {
	for _, c := range realCodes {
		f.Add(c.code)
	}
	for _, s := range []string{
		"91440300708461136t", "９１４４０３００７０８４６１１３６Ｔ", " 9144 0300-7084 6113 6T ",
		"91350100M000100Y4Z", "440301103097413", "", "914403007O8461136T", "Y1100000400000624D", "\xff\xfe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkCreditCode(t, s)
		// Random strings almost never carry a right check character, so
		// also try the first 17 characters completed with theirs: that
		// reaches the organisation code check and the accepted codes.
		if up := strings.ToUpper(s); len(up) >= 17 {
			if c, err := CreditCheckChar(up[:17]); err == nil {
				checkCreditCode(t, up[:17]+string(c))
			}
		}
	})
}

// checkCreditCode checks the properties of ParseCreditCode on one input: an
// error is an Invalid *apperr.Error with one of the package's keys, and an
// accepted code is 18 characters of the alphabet with both check characters
// right, and parses again to itself.
func checkCreditCode(t *testing.T, s string) {
	t.Helper()
	cc, err := ParseCreditCode(s)
	if err != nil {
		if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || !strings.HasPrefix(e.Key, "credit.") {
			t.Fatalf("ParseCreditCode(%q): error %v is not an Invalid *apperr.Error with a credit key", s, err)
		}
		return
	}
	code := cc.Code
	if len(code) != 18 || strings.Trim(code, creditAlphabet) != "" {
		t.Fatalf("ParseCreditCode(%q).Code = %q: not 18 characters of the alphabet", s, code)
	}
	if c, err := CreditCheckChar(code[:17]); err != nil || c != code[17] {
		t.Fatalf("ParseCreditCode(%q) = %q: last is not the check character %q", s, code, c)
	}
	if c, err := OrgCheckChar(code[8:16]); err != nil || c != code[16] {
		t.Fatalf("ParseCreditCode(%q) = %q: organisation code's check is not %q", s, code, c)
	}
	if again, err := ParseCreditCode(code); err != nil || again != cc {
		t.Fatalf("ParseCreditCode(%q) = %+v, but ParseCreditCode(Code) = %+v, %v", s, cc, again, err)
	}
	if cc.Authority != code[0] || cc.Type != code[1] || cc.Region != code[2:8] || cc.OrgCode != code[8:17] {
		t.Fatalf("ParseCreditCode(%q) = %+v: fields disagree with the code", s, cc)
	}
}
