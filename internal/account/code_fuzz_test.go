package account

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseCode: the sign-in code parser either refuses its input or returns
// exactly six ASCII digits, which are the input's digits in order (full-width
// ones converted) and which parse to themselves; it never panics.
func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"123456", " 123 456 ", "１２３４５６", "123-456", "12345", "1234567", "12345a", "\u3000123456", "١٢٣٤٥٦", "12\x00456", "\xff\xfe", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseCode(s)
		if err != nil {
			if got != "" {
				t.Errorf("parseCode(%q) = %q with error %v", s, got, err)
			}
			return
		}
		if len(got) != 6 || strings.Trim(got, "0123456789") != "" {
			t.Fatalf("parseCode(%q) = %q: not six ASCII digits", s, got)
		}
		if again, err := parseCode(got); err != nil || again != got {
			t.Errorf("parseCode(%q) = %q, %v: not a fixed point", got, again, err)
		}
		var digits []byte
		for _, r := range s {
			switch {
			case r >= '0' && r <= '9':
				digits = append(digits, byte(r))
			case r >= '０' && r <= '９':
				digits = append(digits, byte('0'+r-'０'))
			case r == ' ' || r == '\u3000' || r == '-':
			default:
				t.Fatalf("parseCode(%q) accepted %q", s, r)
			}
		}
		if !utf8.ValidString(s) || string(digits) != got {
			t.Errorf("parseCode(%q) = %q, want the input's digits %q", s, got, digits)
		}
	})
}
