package money

import (
	"errors"
	"math"
	"math/big"
	"testing"

	"pgregory.net/rapid"

	"github.com/carefund/carefund/internal/i18n"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Fen
		err  error
	}{
		{"1234.56", 123456, nil},
		{"¥1,234.56", 123456, nil},
		{"￥1,234.56", 123456, nil},
		{"1234", 123400, nil},
		{"1234.5", 123450, nil},
		{"0.01", 1, nil},
		{"0", 0, nil},
		{" 100 ", 10000, nil},
		{"100元", 10000, nil},
		{"¥ 100", 10000, nil},
		{"CNY 1,000,000", 100000000, nil},
		{"１２３．４５", 12345, nil}, // full-width, as Chinese input methods type
		{"007", 700, nil},
		{"", 0, ErrEmpty},
		{"   ", 0, ErrEmpty},
		{"¥", 0, ErrEmpty},
		{"1.234", 0, ErrDecimals},
		{"0.001", 0, ErrDecimals},
		{"-5", 0, ErrSign},
		{"+5", 0, ErrSign},
		{"¥-5", 0, ErrSign},
		{"-¥5", 0, ErrSign},
		{"1,23", 0, ErrGrouping},
		{"1234,567", 0, ErrGrouping},
		{",123", 0, ErrGrouping},
		{"1,234,56", 0, ErrGrouping},
		{"0,123", 0, ErrGrouping},
		{"000,123.45", 0, ErrGrouping},
		{"1.", 0, ErrSyntax},
		{".5", 0, ErrSyntax},
		{"abc", 0, ErrSyntax},
		{"12a", 0, ErrSyntax},
		{"1e3", 0, ErrSyntax},
		{"0x10", 0, ErrSyntax},
		{"1.2.3", 0, ErrSyntax},
		{"1 000", 0, ErrSyntax},
		{"NaN", 0, ErrSyntax},
		{"92233720368547758", 0, ErrTooLarge},
		{"99999999999999999999999", 0, ErrTooLarge},
		{"9223372036854775.80", 0, ErrTooLarge},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if !errors.Is(err, tt.err) || (err == nil && got != tt.want) {
			t.Errorf("Parse(%q) = %d, %v; want %d, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestParseSigned(t *testing.T) {
	for in, want := range map[string]Fen{"-5": -500, "+5": 500, "-¥1,000.01": -100001, "5": 500} {
		if got, err := ParseSigned(in); err != nil || got != want {
			t.Errorf("ParseSigned(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := ParseSigned("--5"); err == nil {
		t.Error("ParseSigned(--5) succeeded")
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		f         Fen
		plain, zh string
		en        string
	}{
		{0, "0.00", "¥0.00", "CN¥0.00"},
		{1, "0.01", "¥0.01", "CN¥0.01"},
		{123456, "1234.56", "¥1,234.56", "CN¥1,234.56"},
		{100000000, "1000000.00", "¥1,000,000.00", "CN¥1,000,000.00"},
		{-50, "-0.50", "-¥0.50", "-CN¥0.50"},
		{math.MinInt64, "-92233720368547758.08", "-¥92,233,720,368,547,758.08", "-CN¥92,233,720,368,547,758.08"},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.plain {
			t.Errorf("%d.String() = %q, want %q", tt.f, got, tt.plain)
		}
		if got := tt.f.Format(i18n.ZH); got != tt.zh {
			t.Errorf("%d.Format(zh) = %q, want %q", tt.f, got, tt.zh)
		}
		if got := tt.f.Format(i18n.EN); got != tt.en {
			t.Errorf("%d.Format(en) = %q, want %q", tt.f, got, tt.en)
		}
	}
}

// Formatting and parsing are inverses for every amount Parse accepts.
func TestFormatParseRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := Fen(rapid.Int64Range(0, int64(MaxFen)).Draw(t, "fen"))
		for _, s := range []string{f.String(), f.Format(i18n.ZH)} {
			got, err := Parse(s)
			if err != nil || got != f {
				t.Fatalf("Parse(%q) = %d, %v; want %d", s, got, err, f)
			}
		}
	})
}

func TestSplit(t *testing.T) {
	tests := []struct {
		total   Fen
		weights []Fen
		want    []Fen
	}{
		{100, []Fen{1, 1, 1}, []Fen{34, 33, 33}},               // tie: the earliest gets the fen
		{100, []Fen{1, 1, 2}, []Fen{25, 25, 50}},               // exact
		{10, []Fen{3, 3, 3}, []Fen{4, 3, 3}},                   // 3.33 each, one fen left
		{2, []Fen{1, 1, 1}, []Fen{1, 1, 0}},                    // fewer fen than parties
		{0, []Fen{5, 7}, []Fen{0, 0}},                          // nothing to split
		{500, []Fen{100, 200, 0, 300}, []Fen{83, 167, 0, 250}}, // a zero weight gets nothing
		{MaxFen, []Fen{MaxFen, MaxFen}, []Fen{MaxFen/2 + 1, MaxFen / 2}},
	}
	for _, tt := range tests {
		got, err := Split(tt.total, tt.weights)
		if err != nil || !equal(got, tt.want) {
			t.Errorf("Split(%d, %v) = %v, %v; want %v", tt.total, tt.weights, got, err, tt.want)
		}
	}
	for _, bad := range []struct {
		total   Fen
		weights []Fen
	}{{10, nil}, {10, []Fen{0, 0}}, {10, []Fen{5, -1}}, {-1, []Fen{1}}, {1, []Fen{math.MaxInt64, 1}}} {
		if _, err := Split(bad.total, bad.weights); !errors.Is(err, ErrSplit) {
			t.Errorf("Split(%d, %v) error = %v, want ErrSplit", bad.total, bad.weights, err)
		}
	}
}

func equal(a, b []Fen) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSplitProperties checks Split against exact rational arithmetic: every
// fen is handed out, no share is more than a fen from its exact value, no
// share exceeds its weight when the total does not exceed the weights (a
// refund never pays a donor back more than they gave), and the same input
// always gives the same output.
func TestSplitProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		weights := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) Fen {
			return Fen(rapid.Int64Range(0, 1e12).Draw(t, "w"))
		}), 1, 50).Draw(t, "weights")
		var sum Fen
		for _, w := range weights {
			sum += w
		}
		if sum == 0 {
			weights[0], sum = 1, 1
		}
		total := Fen(rapid.Int64Range(0, 2*int64(sum)).Draw(t, "total"))
		shares, err := Split(total, weights)
		if err != nil {
			t.Fatal(err)
		}
		var got Fen
		for i, s := range shares {
			got += s
			exact := new(big.Rat).Mul(big.NewRat(int64(total), 1), big.NewRat(int64(weights[i]), int64(sum)))
			diff := new(big.Rat).Sub(new(big.Rat).SetInt64(int64(s)), exact)
			if diff.Abs(diff).Cmp(big.NewRat(1, 1)) >= 0 {
				t.Fatalf("share %d = %d, exact %s: off by a fen or more", i, s, exact.FloatString(3))
			}
			if s < 0 || (total <= sum && s > weights[i]) {
				t.Fatalf("share %d = %d for weight %d of %d (total %d)", i, s, weights[i], sum, total)
			}
		}
		if got != total {
			t.Fatalf("shares sum to %d, want %d", got, total)
		}
		again, _ := Split(total, weights)
		if !equal(again, shares) {
			t.Fatal("Split is not deterministic")
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1234.56", "¥1,234.56", "１２３．４５", "-5", "1,23", "9999999999999999999", "1.", "元"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Parse(s)
		if err != nil {
			return
		}
		if got < 0 || got > MaxFen {
			t.Fatalf("Parse(%q) = %d: out of range", s, got)
		}
		// Whatever Parse accepts, formatting gives back and re-parses equal.
		if again, err := Parse(got.Format(i18n.ZH)); err != nil || again != got {
			t.Fatalf("Parse(%q) = %d, but Parse(Format) = %d, %v", s, got, again, err)
		}
		if signed, err := ParseSigned(s); err != nil || signed != got {
			t.Fatalf("ParseSigned(%q) = %d, %v; Parse gave %d", s, signed, err, got)
		}
	})
}

func FuzzSplit(f *testing.F) {
	f.Add(int64(100), int64(1), int64(1), int64(1))
	f.Fuzz(func(t *testing.T, total, a, b, c int64) {
		shares, err := Split(Fen(total), []Fen{Fen(a), Fen(b), Fen(c)})
		if err != nil {
			return
		}
		if shares[0]+shares[1]+shares[2] != Fen(total) {
			t.Fatalf("Split(%d, %d %d %d) = %v: does not sum", total, a, b, c, shares)
		}
	})
}
