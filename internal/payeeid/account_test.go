package payeeid

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
)

// withLuhn completes digits with their Luhn check digit.
func withLuhn(digits string) string {
	for d := byte('0'); d <= '9'; d++ {
		if luhn(digits + string(d)) {
			return digits + string(d)
		}
	}
	panic("no Luhn digit for " + digits)
}

// wrongLuhn completes digits with a check digit that does not match.
func wrongLuhn(digits string) string {
	good := withLuhn(digits)
	if good[len(good)-1] == '0' {
		return digits + "1"
	}
	return digits + "0"
}

// UnionPay's published test card numbers check the Luhn implementation
// against an outside source.
func TestLuhnPublishedNumbers(t *testing.T) {
	for _, number := range []string{"6200000000000005", "6200000000000047", "6205500000000000004", "4111111111111111"} {
		if !luhn(number) {
			t.Errorf("luhn(%s) = false", number)
		}
	}
	for _, number := range []string{"6200000000000006", "6200000000000074", "6205500000000000040"} {
		if luhn(number) {
			t.Errorf("luhn(%s) = true", number)
		}
	}
}

func TestParseAccount(t *testing.T) {
	card16 := withLuhn("622202123456789")
	card19 := withLuhn("620550000000000000")
	tests := []struct {
		name string
		in   string
		kind AccountKind
		want string // the digits when valid
		key  string // the error key when not
	}{
		{"card, 16 digits", card16, Card, card16, ""},
		{"card, 19 digits", card19, Card, card19, ""},
		{"UnionPay test card", "6200000000000005", Card, "6200000000000005", ""},
		{"card grouped by four", "6200 0000 0000 0005", Card, "6200000000000005", ""},
		{"card with hyphens", "6200-0000-0000-0005", Card, "6200000000000005", ""},
		{"card in full-width digits", "６２００ ００００ ００００ ０００５", Card, "6200000000000005", ""},
		{"card with surrounding space", "\u30006200000000000005\n", Card, "6200000000000005", ""},
		{"corporate, 8 digits", "12345678", Corporate, "12345678", ""},
		{"corporate, 30 digits", strings.Repeat("1234567890", 3), Corporate, strings.Repeat("1234567890", 3), ""},
		{"corporate, grouped", "1100 1018 5000 5601 2888", Corporate, "11001018500056012888", ""},
		{"corporate, leading zero kept", "0200007609014435495", Corporate, "0200007609014435495", ""},
		{"corporate needs no Luhn digit", wrongLuhn("622202123456789"), Corporate, wrongLuhn("622202123456789"), ""},

		{"empty", "", Corporate, "", ErrAccountEmpty},
		{"empty card", " - ", Card, "", ErrAccountEmpty},
		{"letter", "1234567A", Corporate, "", ErrAccountChars},
		{"dot", "1234.5678", Corporate, "", ErrAccountChars},
		{"sign", "+12345678", Corporate, "", ErrAccountChars},
		{"Chinese character", "账号12345678", Corporate, "", ErrAccountChars},
		{"letter in a card", "620000000000000A", Card, "", ErrAccountChars},
		{"invalid UTF-8", "1234\xff5678", Corporate, "", ErrAccountChars},
		{"corporate, 7 digits", "1234567", Corporate, "", ErrAccountLength},
		{"corporate, 31 digits", strings.Repeat("1", 31), Corporate, "", ErrAccountLength},
		{"card, 15 digits", withLuhn("62220212345678"), Card, "", ErrAccountCardLength},
		{"card, 20 digits", withLuhn("6222021234567890123"), Card, "", ErrAccountCardLength},
		{"corporate number as a card", "12345678", Card, "", ErrAccountCardLength},
		{"card, wrong check digit", wrongLuhn("622202123456789"), Card, "", ErrAccountCardCheck},
		{"card, two neighbours swapped", "6200000000000050", Card, "", ErrAccountCardCheck},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAccount(tt.in, tt.kind)
			if key := keyOf(t, err); key != tt.key || got != tt.want {
				t.Errorf("ParseAccount(%q, %d) = %q, %v; want %q, key %q", tt.in, tt.kind, got, err, tt.want, tt.key)
			}
		})
	}
}

// The length errors tell how many digits were typed and nothing else.
func TestParseAccountLengthArgs(t *testing.T) {
	for _, tt := range []struct {
		in   string
		kind AccountKind
		key  string
		n    int
	}{
		{"1234 567", Corporate, ErrAccountLength, 7},
		{strings.Repeat("9", 40), Corporate, ErrAccountLength, 40},
		{"6222 0212 3456 789", Card, ErrAccountCardLength, 15},
		{strings.Repeat("6", 25), Card, ErrAccountCardLength, 25},
	} {
		_, err := ParseAccount(tt.in, tt.kind)
		e := apperr.As(err)
		if e == nil || e.Key != tt.key || len(e.Args) != 1 || e.Args[0] != tt.n {
			t.Errorf("ParseAccount(%q) = %#v, want %s with %d", tt.in, e, tt.key, tt.n)
		}
	}
}

// R-PII-1: no error holds the account number or a part of it.
func TestAccountErrorsHoldNoInput(t *testing.T) {
	for _, tt := range []struct {
		in   string
		kind AccountKind
	}{
		{"6222021234567", Card},
		{wrongLuhn("622202987654321"), Card},
		{"98765A43210", Corporate},
		{"9876543", Corporate},
	} {
		_, err := ParseAccount(tt.in, tt.kind)
		if err == nil {
			t.Fatalf("ParseAccount(%q) accepted", tt.in)
		}
		if msg := err.Error(); strings.Contains(msg, tt.in[:4]) || strings.Contains(msg, tt.in[len(tt.in)-4:]) {
			t.Errorf("ParseAccount(%q) error %q holds part of the number", tt.in, msg)
		}
	}
}

// R-PII-1: bank accounts are masked in every view that does not need them:
// the first and last 4 digits at most, never more than half of the number.
func TestMaskAccount(t *testing.T) {
	for in, want := range map[string]string{
		"6222021234567890":                "6222 **** **** 7890",
		"6205500000000000004":             "6205 **** **** *** 0004",
		"11001018500056012888":            "1100 **** **** **** 2888",
		"123456789012345678901234567890":  "1234 **** **** **** **** **** ** 7890",
		"12345678":                        "12 **** 78",
		"123456789012":                    "123 **** ** 012",
		"123456789012345":                 "123 **** **** * 345",
		"1234567":                         "*******",
		"1234567890123456789012345678901": strings.Repeat("*", 31),
		"6222 0212 3456 7890":             strings.Repeat("*", 19),
		"622202123456789X":                strings.Repeat("*", 16),
		"６２２２０２１２３４５６７８９０": strings.Repeat("*", 16),
		"": "",
	} {
		got := MaskAccount(in)
		if got != want {
			t.Errorf("MaskAccount(%q) = %q, want %q", in, got, want)
		}
		checkMask(t, in, got)
	}
}

// visibleDigits counts the characters of a mask that are neither '*' nor a
// space.
func visibleDigits(masked string) int {
	return utf8.RuneCountInString(masked) - strings.Count(masked, "*") - strings.Count(masked, " ")
}

// checkMask checks the R-PII-1 properties of a mask: at most 8 characters
// of the number shown, and at most half of them; those shown are its first
// and last; and a malformed number is hidden whole.
func checkMask(t *testing.T, number, masked string) {
	t.Helper()
	shown := visibleDigits(masked)
	n := utf8.RuneCountInString(number)
	if shown > 8 || 2*shown > n {
		t.Fatalf("MaskAccount(%q) = %q shows %d of %d characters", number, masked, shown, n)
	}
	if shown == 0 {
		if masked != strings.Repeat("*", n) {
			t.Fatalf("MaskAccount(%q) = %q, want it hidden whole", number, masked)
		}
		return
	}
	k := shown / 2
	if !strings.HasPrefix(masked, number[:k]+" ") || !strings.HasSuffix(masked, " "+number[len(number)-k:]) ||
		strings.Count(masked, "*") != n-shown {
		t.Fatalf("MaskAccount(%q) = %q", number, masked)
	}
}

func FuzzParseAccount(f *testing.F) {
	for _, s := range []string{
		"6200000000000005", "6200 0000 0000 0005", "６２００－００００－００００－０００５",
		"6205500000000000004", "11001018500056012888", "12345678", "1234567", "",
		strings.Repeat("1", 31), "1234.5678", "\xff\xfe",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, card bool) {
		checkMask(t, s, MaskAccount(s))
		kind := Corporate
		if card {
			kind = Card
		}
		checkAccount(t, s, kind)
		// Random digits carry a right Luhn digit one time in ten: also
		// try the digits completed with theirs, to reach accepted cards.
		if d := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s); d != "" && len(d) < 64 {
			checkAccount(t, withLuhn(d), kind)
		}
	})
}

// checkAccount checks the properties of ParseAccount on one input: an error
// is an Invalid *apperr.Error with one of the package's keys, and an accepted
// number is only digits of the kind's length (with a right Luhn digit for a
// card), parses again to itself and masks to at most 8 digits shown.
func checkAccount(t *testing.T, s string, kind AccountKind) {
	t.Helper()
	got, err := ParseAccount(s, kind)
	if err != nil {
		if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || !strings.HasPrefix(e.Key, "account.") {
			t.Fatalf("ParseAccount(%q, %d): error %v is not an Invalid *apperr.Error with an account key", s, kind, err)
		}
		return
	}
	lo, hi := AccountMin, AccountMax
	if kind == Card {
		lo, hi = CardMin, CardMax
		if !luhn(got) {
			t.Fatalf("ParseAccount(%q, Card) = %q: wrong Luhn digit", s, got)
		}
	}
	if len(got) < lo || len(got) > hi || !allDigits(got) {
		t.Fatalf("ParseAccount(%q, %d) = %q: not %d to %d digits", s, kind, got, lo, hi)
	}
	if again, err := ParseAccount(got, kind); err != nil || again != got {
		t.Fatalf("ParseAccount(%q) = %q, but ParseAccount of that = %q, %v", s, got, again, err)
	}
	m := MaskAccount(got)
	if shown := visibleDigits(m); shown == 0 || shown > 8 {
		t.Fatalf("MaskAccount(%q) = %q", got, m)
	}
}
