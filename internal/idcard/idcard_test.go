package idcard

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
)

// today is the fixed "today" of the tests.
var today = time.Date(2025, 6, 15, 10, 30, 0, 0, time.UTC)

// withCheck completes 17 digits with their check character.
func withCheck(t testing.TB, first17 string) string {
	t.Helper()
	c, err := CheckChar(first17)
	if err != nil {
		t.Fatalf("CheckChar(%q): %v", first17, err)
	}
	return first17 + string(c)
}

// wrongCheck completes 17 digits with a check character that does not match.
func wrongCheck(t testing.TB, first17 string) string {
	t.Helper()
	good := withCheck(t, first17)
	if good[17] == '0' {
		return first17 + "1"
	}
	return first17 + "0"
}

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

// The two examples printed in GB 11643-1999 itself, which check CheckChar
// against an outside source rather than against itself.
func TestCheckCharStandardExamples(t *testing.T) { // R-ACC-1
	for _, number := range []string{"11010519491231002X", "440524188001010014"} {
		got, err := CheckChar(number[:17])
		if err != nil || got != number[17] {
			t.Errorf("CheckChar(%q) = %q, %v; want %q", number[:17], got, err, number[17])
		}
	}
	for _, tt := range []struct{ in, key string }{
		{"1101051949123100", ErrLength},
		{"110105194912310020", ErrLength},
		{"1101051949123100A", ErrChars},
		{"１１０１０５１９４９１２３１００", ErrLength}, // full-width: CheckChar takes ASCII only
	} {
		if _, err := CheckChar(tt.in); keyOf(t, err) != tt.key {
			t.Errorf("CheckChar(%q): error %v, want key %s", tt.in, err, tt.key)
		}
	}
}

// R-ACC-1: real-name verification accepts only a well-formed resident ID
// number, and says which part of a wrong one is wrong.
func TestParse(t *testing.T) {
	leap := withCheck(t, "11010120000229123")
	tests := []struct {
		name string
		in   string
		want string // the normalised number when valid
		key  string // the error key when not
	}{
		{"standard example", "11010519491231002X", "11010519491231002X", ""},
		{"lower-case x", "11010519491231002x", "11010519491231002X", ""},
		{"full-width X", "11010519491231002Ｘ", "11010519491231002X", ""},
		{"full-width x", "11010519491231002ｘ", "11010519491231002X", ""},
		{"full-width digits", "１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", ""},
		{"surrounding spaces", " \t11010519491231002X\u3000\n", "11010519491231002X", ""},
		{"grouped with spaces", "110105 19491231 002X", "11010519491231002X", ""},
		{"leap day 2000", leap, leap, ""},
		{"born today", withCheck(t, "44190020250615001"), withCheck(t, "44190020250615001"), ""},
		{"born 1900-01-01", withCheck(t, "32010219000101001"), withCheck(t, "32010219000101001"), ""},
		{"city code ending 00 (Dongguan)", withCheck(t, "44190019850101001"), withCheck(t, "44190019850101001"), ""},
		{"Hong Kong residence permit", withCheck(t, "81000019900101001"), withCheck(t, "81000019900101001"), ""},
		{"Macao residence permit", withCheck(t, "82000019900101001"), withCheck(t, "82000019900101001"), ""},
		{"Taiwan residence permit", withCheck(t, "83000019900101001"), withCheck(t, "83000019900101001"), ""},
		{"Xinjiang", withCheck(t, "65010219900101001"), withCheck(t, "65010219900101001"), ""},

		{"empty", "", "", ErrEmpty},
		{"only spaces", "  \u3000 ", "", ErrEmpty},
		{"17 characters", "11010519491231002", "", ErrLength},
		{"19 characters", "11010519491231002X0", "", ErrLength},
		{"old 15-digit number", "110105491231002", "", ErrLength},
		{"18 runes with a Chinese character", "11010519491231002号", "", ErrChars},
		{"letter inside", "1101051949123100AX", "", ErrChars},
		{"X not last", "X10105194912310020", "", ErrChars},
		{"hyphen", "110105-1949123100X", "", ErrChars},
		{"sign", "+11010519491231002", "", ErrChars},
		{"province 00", withCheck(t, "00010519491231002"), "", ErrRegion},
		{"province 16", withCheck(t, "16010519491231002"), "", ErrRegion},
		{"province 71 (no numbers issued)", withCheck(t, "71000019491231002"), "", ErrRegion},
		{"province 91", withCheck(t, "91010519491231002"), "", ErrRegion},
		{"bare province code", withCheck(t, "11000019491231002"), "", ErrRegion},
		{"Hong Kong with a county", withCheck(t, "81010119491231002"), "", ErrRegion},
		{"month 13", withCheck(t, "11010519491331002"), "", ErrBirthDate},
		{"month 00", withCheck(t, "11010519490031002"), "", ErrBirthDate},
		{"day 00", withCheck(t, "11010519491200002"), "", ErrBirthDate},
		{"31 April", withCheck(t, "11010519490431002"), "", ErrBirthDate},
		{"1900-02-29, not a leap year", withCheck(t, "11010519000229002"), "", ErrBirthDate},
		{"2023-02-29", withCheck(t, "11010520230229002"), "", ErrBirthDate},
		{"born tomorrow", withCheck(t, "11010520250616002"), "", ErrBirthFuture},
		{"born next year", withCheck(t, "11010520260101002"), "", ErrBirthFuture},
		{"born 1899-12-31", withCheck(t, "11010518991231002"), "", ErrBirthTooOld},
		{"standard example born 1880", "440524188001010014", "", ErrBirthTooOld},
		{"wrong check digit", "110105194912310021", "", ErrCheckDigit},
		{"two digits swapped", "11010519491231020X", "", ErrCheckDigit},
		{"X where a digit belongs", "44190019850101001X", "", ErrCheckDigit}, // the check is 1
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := Parse(tt.in, today)
			if got := keyOf(t, err); got != tt.key {
				t.Fatalf("Parse: error %v, want key %q", err, tt.key)
			}
			if err != nil {
				return
			}
			if id.Number != tt.want {
				t.Errorf("Number = %q, want %q", id.Number, tt.want)
			}
			if id.Region != tt.want[:6] {
				t.Errorf("Region = %q, want %q", id.Region, tt.want[:6])
			}
			if birth := id.Birth.Format("20060102"); birth != tt.want[6:14] {
				t.Errorf("Birth = %s, want %s", birth, tt.want[6:14])
			}
			if id.Birth.Location() != time.UTC || !id.Birth.Equal(id.Birth.Truncate(24*time.Hour)) {
				t.Errorf("Birth = %v, want UTC midnight", id.Birth)
			}
		})
	}
}

// R-ACC-1: the length error tells how many characters were typed (full-width
// digits count as one each) and nothing else of the value.
func TestParseLengthArgs(t *testing.T) {
	for in, want := range map[string]int{
		"110105491231002": 15,
		"１１０１０５４９１２３１００２":       15,
		"1101051949123100201":   19,
		"110105194912310020112": 21,
	} {
		_, err := Parse(in, today)
		e := apperr.As(err)
		if e == nil || e.Key != ErrLength || len(e.Args) != 1 || e.Args[0] != want {
			t.Errorf("Parse(%q) = %#v, want %s with %d", in, e, ErrLength, want)
		}
	}
}

// R-ACC-1: "today" is a date in the caller's location: a person born on that
// date is accepted wherever the clock is, one born the next day is not.
func TestParseBirthTodayInLocation(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	// 2025-06-16 01:00 in Shanghai is still 2025-06-15 in UTC.
	now := time.Date(2025, 6, 16, 1, 0, 0, 0, shanghai)
	if _, err := Parse(withCheck(t, "31010120250616001"), now); err != nil {
		t.Errorf("born on today's date in Shanghai: %v", err)
	}
	if _, err := Parse(withCheck(t, "31010120250617001"), now); keyOf(t, err) != ErrBirthFuture {
		t.Errorf("born tomorrow in Shanghai: %v, want %s", err, ErrBirthFuture)
	}
}

// R-ACC-1: the 17th digit gives the sex.
func TestParseSex(t *testing.T) {
	for first17, male := range map[string]bool{
		"11010519491231002": false,
		"11010519491231001": true,
		"11010519491231009": true,
		"11010519491231000": false,
	} {
		id, err := Parse(withCheck(t, first17), today)
		if err != nil || id.Male != male {
			t.Errorf("Parse(%s…): Male = %v, %v; want %v", first17, id.Male, err, male)
		}
	}
}

// Personal data never reaches an error: not the value, not a part of it.
func TestErrorsHoldNoInput(t *testing.T) {
	inputs := []string{
		"11010519491231002", "110105194912310021", withCheck(t, "11010519491331002"),
		"1101051949123100AX", withCheck(t, "16010519491231002"),
	}
	for _, in := range inputs {
		_, err := Parse(in, today)
		if err == nil {
			t.Fatalf("Parse(%q) accepted", in)
		}
		if msg := err.Error(); strings.Contains(msg, in[:6]) || strings.Contains(msg, in[6:14]) {
			t.Errorf("Parse(%q) error %q holds part of the number", in, msg)
		}
	}
	if _, err := ParsePhone("1381234567"); err == nil || strings.Contains(err.Error(), "138") {
		t.Errorf("ParsePhone error %v holds part of the number", err)
	}
	if _, err := ParseName("张三3"); err == nil || strings.Contains(err.Error(), "张") {
		t.Errorf("ParseName error %v holds part of the name", err)
	}
}

// Every key the package returns has a message in both languages, and the
// length message shows its count.
func TestKeysInCatalog(t *testing.T) {
	for _, key := range Keys {
		if !i18n.Has(key) {
			t.Errorf("%s is not in the i18n catalog", key)
		}
	}
	for _, lang := range i18n.Langs {
		if got := i18n.T(lang, ErrLength, 15); !strings.Contains(got, "15") || strings.Contains(got, "%!") {
			t.Errorf("T(%s, %s, 15) = %q", lang, ErrLength, got)
		}
	}
}

func TestParsePhone(t *testing.T) {
	tests := []struct {
		in, want, key string
	}{
		{"13812345678", "13812345678", ""},
		{"19912345678", "19912345678", ""},
		{" 13812345678 ", "13812345678", ""},
		{"138 1234 5678", "13812345678", ""},
		{"138-1234-5678", "13812345678", ""},
		{"+86 138 1234 5678", "13812345678", ""},
		{"+86-138-1234-5678", "13812345678", ""},
		{"+8613812345678", "13812345678", ""},
		{"8613812345678", "13812345678", ""},
		{"86 138 1234 5678", "13812345678", ""},
		{"008613812345678", "13812345678", ""},
		{"0086 138 1234 5678", "13812345678", ""},
		{"１３８１２３４５６７８", "13812345678", ""},
		{"＋８６ １３８－１２３４－５６７８", "13812345678", ""},
		{"\u3000138 1234 5678\u3000", "13812345678", ""},

		{"", "", ErrPhoneEmpty},
		{"   ", "", ErrPhoneEmpty},
		{"1381234567", "", ErrPhoneInvalid},
		{"138123456789", "", ErrPhoneInvalid},
		{"12812345678", "", ErrPhoneInvalid},
		{"10012345678", "", ErrPhoneInvalid},
		{"23812345678", "", ErrPhoneInvalid},
		{"010-12345678", "", ErrPhoneInvalid},
		{"+1 415 555 0100", "", ErrPhoneInvalid},
		{"+85291234567", "", ErrPhoneInvalid},
		{"+86", "", ErrPhoneInvalid},
		{"+8686 13812345678", "", ErrPhoneInvalid},
		{"+86 86 138 1234", "", ErrPhoneInvalid}, // the prefix is taken once
		{"868613812345678", "", ErrPhoneInvalid},
		{"138  1234 5678", "", ErrPhoneInvalid},
		{"138--1234-5678", "", ErrPhoneInvalid},
		{"-13812345678", "", ErrPhoneInvalid},
		{"13812345678-", "", ErrPhoneInvalid},
		{"138.1234.5678", "", ErrPhoneInvalid},
		{"(+86)13812345678", "", ErrPhoneInvalid},
		{"1381234567８x", "", ErrPhoneInvalid},
		{"tel:13812345678", "", ErrPhoneInvalid},
		{strings.Repeat("1", 100), "", ErrPhoneInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePhone(tt.in)
			if key := keyOf(t, err); key != tt.key || got != tt.want {
				t.Errorf("ParsePhone(%q) = %q, %v; want %q, key %q", tt.in, got, err, tt.want, tt.key)
			}
		})
	}
}

func TestParseName(t *testing.T) {
	tests := []struct {
		in, want, key string
	}{
		{"张三", "张三", ""},
		{"张三明", "张三明", ""},
		{"欧阳小明", "欧阳小明", ""},
		{"  李四\u3000", "李四", ""},
		{"买买提·艾力", "买买提·艾力", ""},
		{"买买提•艾力", "买买提·艾力", ""},
		{"买买提．艾力", "买买提·艾力", ""},
		{"买买提・艾力", "买买提·艾力", ""},
		{"买买提 · 艾力", "买买提·艾力", ""},
		{"阿依古丽·买买提·吐尔逊", "阿依古丽·买买提·吐尔逊", ""},
		{"John Smith", "John Smith", ""},
		{"John  Smith", "John Smith", ""},
		{"Zoë Müller", "Zoë Müller", ""},
		{"Jean·Dupont", "Jean·Dupont", ""},
		{"〇一", "〇一", ""},
		{"𠀀𠀁", "𠀀𠀁", ""}, // CJK Extension B, found in real names
		{strings.Repeat("王", 30), strings.Repeat("王", 30), ""},

		{"", "", ErrNameEmpty},
		{" \u3000 ", "", ErrNameEmpty},
		{"张", "", ErrNameLength},
		{"A", "", ErrNameLength},
		{strings.Repeat("王", 31), "", ErrNameLength},
		{strings.Repeat("王 ", 200), "", ErrNameLength},
		{"张三3", "", ErrNameChars},
		{"张三１", "", ErrNameChars},
		{"张-三", "", ErrNameChars},
		{"张 三", "", ErrNameChars},
		{"John 三", "", ErrNameChars},
		{"·张三", "", ErrNameChars},
		{"张三·", "", ErrNameChars},
		{"张··三", "", ErrNameChars},
		{"O'Brien", "", ErrNameChars},
		{"Иван", "", ErrNameChars}, // Cyrillic: looks Latin in places
		{"张三\x00", "", ErrNameChars},
		{"张三\xff", "", ErrNameChars},
		{"e\u0301e", "", ErrNameChars}, // a combining accent
		{"张三😀", "", ErrNameChars},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseName(tt.in)
			if key := keyOf(t, err); key != tt.key || got != tt.want {
				t.Errorf("ParseName(%q) = %q, %v; want %q, key %q", tt.in, got, err, tt.want, tt.key)
			}
		})
	}
}

// R-PUB-1: a published request shows the name masked as 张*明.
// R-PII-1: masked in every view that does not need it.
func TestMaskName(t *testing.T) {
	for in, want := range map[string]string{
		"张三明":        "张*明",
		"张三":         "张*",
		"欧阳小明":       "欧**明",
		"A":          "*",
		"买买提·艾力":     "买****力",
		"John Smith": "J********h",
		"":           "",
	} {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
}

// R-PII-1: ID numbers are masked in every view that does not need them.
func TestMaskID(t *testing.T) {
	for in, want := range map[string]string{
		"11010519491231002X":  "110***********002X",
		"110105194912310021":  "110***********0021",
		"11010519491231002x":  "110***********002x",
		"1101051949123100":    "****************",
		"11010519491231002X1": "*******************",
		"1101051949123100AX":  "******************",
		"１１０１０５":              "******",
		"":                    "",
	} {
		got := MaskID(in)
		if got != want {
			t.Errorf("MaskID(%q) = %q, want %q", in, got, want)
		}
		if utf8.RuneCountInString(got) != utf8.RuneCountInString(in) {
			t.Errorf("MaskID(%q) = %q: not the same length", in, got)
		}
	}
}

// R-PII-1: phone numbers are masked in every view that does not need them.
func TestMaskPhone(t *testing.T) {
	for in, want := range map[string]string{
		"13812345678":   "138****5678",
		"1381234567":    "**********",
		"138123456789":  "************",
		"138-1234-5678": "*************",
		"１３８１２３４５６７８":   "***********",
		"":              "",
	} {
		if got := MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDemo(t *testing.T) {
	seen := map[string]int{}
	for _, seq := range []int{0, 1, 58, 59, 364, 365, 366, 729, 730, 364_999, 100_000, -1, 365_000, 1 << 40} {
		number := Demo(seq)
		id, err := Parse(number, today)
		if err != nil {
			t.Fatalf("Parse(Demo(%d) = %s): %v", seq, number, err)
		}
		if id.Birth.Year() != 1900 || id.Region != "110101" {
			t.Errorf("Demo(%d) = %s: born %v in %s, want 1900 in 110101", seq, number, id.Birth, id.Region)
		}
		if !IsDemo(number) {
			t.Errorf("IsDemo(Demo(%d) = %s) = false", seq, number)
		}
		if prev, ok := seen[number]; ok && (prev%demoCount+demoCount)%demoCount != (seq%demoCount+demoCount)%demoCount {
			t.Errorf("Demo(%d) = Demo(%d) = %s", seq, prev, number)
		}
		seen[number] = seq
	}
	if got, want := Demo(0), withCheck(t, "11010119000101000"); got != want {
		t.Errorf("Demo(0) = %s, want %s", got, want)
	}
	if got, want := Demo(366), withCheck(t, "11010119000102001"); got != want {
		t.Errorf("Demo(366) = %s, want %s", got, want)
	}
	if Demo(-1) != Demo(364_999) || Demo(365_000) != Demo(0) {
		t.Error("Demo does not wrap around modulo 365 000")
	}
	// Every seq in range gives a different number.
	all := map[string]bool{}
	for seq := range demoCount {
		all[Demo(seq)] = true
	}
	if len(all) != demoCount {
		t.Errorf("Demo gives %d different numbers for %d seqs", len(all), demoCount)
	}
}

func TestIsDemo(t *testing.T) {
	for number, want := range map[string]bool{
		Demo(7):                            true,
		strings.ToLower(Demo(7)):           true, // IsDemo normalises as Parse does
		"11010519491231002X":               false,
		withCheck(t, "11010119010101001"):  false,
		wrongCheck(t, "11010119000101001"): false,
		"11010119000101001":                false,
		"":                                 false,
		withCheck(t, "11010118991231001"):  false,
		withCheck(t, "44190019001231001"):  true, // any region: the year decides
	} {
		if got := IsDemo(number); got != want {
			t.Errorf("IsDemo(%q) = %v, want %v", number, got, want)
		}
	}
}

// visible counts the characters of a mask that are not '*'.
func visible(masked string) int {
	return utf8.RuneCountInString(masked) - strings.Count(masked, "*")
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"11010519491231002X", "11010519491231002x", "１１０１０５１９４９１２３１００２Ｘ",
		" 110105 19491231 002X ", "440524188001010014", "110105491231002", "",
		"11010520000229123X", "810000199001010010", "11010519000229002X", "\xff\xfe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if m := MaskID(s); utf8.RuneCountInString(m) != utf8.RuneCountInString(s) || visible(m) > 7 {
			t.Fatalf("MaskID(%q) = %q", s, m)
		}
		checkParse(t, s)
		// Random strings almost never carry a right check character, so
		// also try the first 17 digits completed with theirs: that reaches
		// the region and date checks and the accepted numbers.
		if len(s) >= 17 && allDigits(s[:17]) {
			c, _ := CheckChar(s[:17])
			checkParse(t, s[:17]+string(c))
		}
	})
}

// checkParse checks the properties of Parse on one input: an error is an
// Invalid *apperr.Error with a key, and an accepted number is normalised,
// re-parses to itself and masks to 7 visible characters.
func checkParse(t *testing.T, s string) {
	t.Helper()
	id, err := Parse(s, today)
	if err != nil {
		if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || e.Key == "" {
			t.Fatalf("Parse(%q): error %v is not an Invalid *apperr.Error with a key", s, err)
		}
		return
	}
	if len(id.Number) != 18 || utf8.RuneCountInString(id.Number) != 18 {
		t.Fatalf("Parse(%q).Number = %q: not 18 characters", s, id.Number)
	}
	if c, err := CheckChar(id.Number[:17]); err != nil || c != id.Number[17] {
		t.Fatalf("Parse(%q).Number = %q: last is not the check character %q", s, id.Number, c)
	}
	if again, err := Parse(id.Number, today); err != nil || again != id {
		t.Fatalf("Parse(%q) = %+v, but Parse(Number) = %+v, %v", s, id, again, err)
	}
	if id.Region != id.Number[:6] || id.Birth.Format("20060102") != id.Number[6:14] {
		t.Fatalf("Parse(%q) = %+v: fields disagree with the number", s, id)
	}
	if id.Birth.Before(Earliest) || id.Birth.After(today) {
		t.Fatalf("Parse(%q): birth %v out of range", s, id.Birth)
	}
	if m := MaskID(id.Number); len(m) != 18 || visible(m) != 7 || m[:3] != id.Number[:3] || m[14:] != id.Number[14:] {
		t.Fatalf("MaskID(%q) = %q: want 7 visible characters", id.Number, m)
	}
}

func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{
		"13812345678", "+86 138 1234 5678", "0086-138-1234-5678", "8613812345678",
		"１３８１２３４５６７８", "+86", "138--1234", "", "\u3000",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if m := MaskPhone(s); utf8.RuneCountInString(m) != utf8.RuneCountInString(s) || visible(m) > 7 {
			t.Fatalf("MaskPhone(%q) = %q", s, m)
		}
		got, err := ParsePhone(s)
		if err != nil {
			if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || (e.Key != ErrPhoneEmpty && e.Key != ErrPhoneInvalid) {
				t.Fatalf("ParsePhone(%q): unexpected error %v", s, err)
			}
			return
		}
		if len(got) != 11 || !allDigits(got) || got[0] != '1' || got[1] < '3' {
			t.Fatalf("ParsePhone(%q) = %q: not a mobile number", s, got)
		}
		if again, err := ParsePhone(got); err != nil || again != got {
			t.Fatalf("ParsePhone(%q) = %q, but ParsePhone of that = %q, %v", s, got, again, err)
		}
		if m := MaskPhone(got); visible(m) != 7 {
			t.Fatalf("MaskPhone(%q) = %q", got, m)
		}
	})
}

func FuzzParseName(f *testing.F) {
	for _, s := range []string{
		"张三", "欧阳小明", "买买提·艾力", "买买提 • 艾力", "John  Smith", "张三3", "·张", "", "\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if m := MaskName(s); utf8.RuneCountInString(m) != utf8.RuneCountInString(s) {
			t.Fatalf("MaskName(%q) = %q: not the same length", s, m)
		}
		got, err := ParseName(s)
		if err != nil {
			if e := apperr.As(err); e == nil || e.Code != apperr.Invalid ||
				(e.Key != ErrNameEmpty && e.Key != ErrNameLength && e.Key != ErrNameChars) {
				t.Fatalf("ParseName(%q): unexpected error %v", s, err)
			}
			return
		}
		if n := utf8.RuneCountInString(got); n < NameMin || n > NameMax || !utf8.ValidString(got) {
			t.Fatalf("ParseName(%q) = %q: %d characters", s, got, n)
		}
		if strings.ContainsAny(got, "0123456789\u3000\t\n") || strings.Contains(got, "  ") {
			t.Fatalf("ParseName(%q) = %q: digits or stray space", s, got)
		}
		if again, err := ParseName(got); err != nil || again != got {
			t.Fatalf("ParseName(%q) = %q, but ParseName of that = %q, %v", s, got, again, err)
		}
		m := MaskName(got)
		if []rune(m)[0] != []rune(got)[0] || visible(m) > 2 {
			t.Fatalf("MaskName(%q) = %q", got, m)
		}
	})
}
