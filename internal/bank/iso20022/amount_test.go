package iso20022

import (
	"errors"
	"testing"

	"github.com/carefund/carefund/internal/money"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in   string
		want money.Fen
		ok   bool
	}{
		{"0", 0, true},
		{"1", 100, true},
		{"1.5", 150, true},
		{"1234.56", 123456, true},
		{"0001.00", 100, true},
		{"92233720368547.75", 9223372036854775, true}, // money.MaxFen
		{"92233720368547.76", 0, false},
		{"99999999999999999999", 0, false},
		{"1.005", 0, false}, // fractions of a fen
		{"1.000", 0, false}, // even when zero
		{"-1.00", 0, false},
		{"+1.00", 0, false},
		{"1e3", 0, false},
		{"1E3", 0, false},
		{"1,000.00", 0, false},
		{"¥1.00", 0, false},
		{"１.00", 0, false},
		{" 1.00", 0, false},
		{"1.", 0, false},
		{".5", 0, false},
		{"", 0, false},
		{"0x10", 0, false},
		{"1..0", 0, false},
	}
	for _, tt := range tests {
		got, err := parseAmount(tt.in)
		if tt.ok && (err != nil || got != tt.want) {
			t.Errorf("parseAmount(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
		if !tt.ok && !errors.Is(err, ErrMalformed) {
			t.Errorf("parseAmount(%q) = %d, %v; want ErrMalformed", tt.in, got, err)
		}
	}
}

// FuzzParseAmount checks that whatever parseAmount accepts is within
// range and is given back exactly by money.Fen's String, which is how
// WritePain001 writes amounts: the two never disagree by a fen.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"0", "1.5", "1234.56", "92233720368547.75", "1.005", "-1", "1e3", ".5", "00.01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseAmount(s)
		if err != nil {
			return
		}
		if got < 0 || got > money.MaxFen {
			t.Fatalf("parseAmount(%q) = %d: out of range", s, got)
		}
		if again, err := parseAmount(got.String()); err != nil || again != got {
			t.Fatalf("parseAmount(%q) = %d, but parseAmount(%q) = %d, %v", s, got, got.String(), again, err)
		}
	})
}
