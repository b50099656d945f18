// Package money represents amounts of Chinese yuan exactly, as integer fen
// (1 yuan = 100 fen), and does the three things the platform does with them:
// parse what people type, format for reading, and split an amount pro rata
// without losing or inventing a single fen.
//
// There are no floats anywhere in this package.
package money

import (
	"cmp"
	"errors"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
)

// Fen is an amount in fen, the smallest unit of the yuan.
type Fen int64

// MaxFen is the largest amount Parse accepts: about ¥92 trillion, far above
// anything the platform handles, and far enough below the int64 limit that
// sums of a few amounts cannot overflow silently in practice.
const MaxFen Fen = math.MaxInt64 / 1000

// The parse errors, each a message key; callers check them with errors.Is.
var (
	ErrEmpty    = apperr.New(apperr.Invalid, "money.empty")
	ErrSyntax   = apperr.New(apperr.Invalid, "money.syntax")
	ErrDecimals = apperr.New(apperr.Invalid, "money.decimals")
	ErrSign     = apperr.New(apperr.Invalid, "money.sign")
	ErrTooLarge = apperr.New(apperr.Invalid, "money.too_large")
	ErrGrouping = apperr.New(apperr.Invalid, "money.grouping")
)

// Parse reads a non-negative amount as a person types it: "1234",
// "1234.5", "1234.56", "¥1,234.56", "￥1234", "1234.56元", with full-width
// digits allowed (Chinese input methods produce them). It rejects more than
// two decimals, any sign, thousands separators in the wrong places,
// amounts above MaxFen, and anything else.
func Parse(s string) (Fen, error) {
	f, sign, err := parse(s)
	if err != nil {
		return 0, err
	}
	if sign != 0 {
		return 0, ErrSign
	}
	return f, nil
}

// ParseSigned is Parse for the few places where a negative amount makes sense
// (a staff correction); it accepts a leading '-' or '+'.
func ParseSigned(s string) (Fen, error) {
	f, sign, err := parse(s)
	if sign == '-' {
		f = -f
	}
	return f, err
}

// halfWidth maps full-width digits and punctuation to ASCII.
var halfWidth = strings.NewReplacer(
	"０", "0", "１", "1", "２", "2", "３", "3", "４", "4",
	"５", "5", "６", "6", "７", "7", "８", "8", "９", "9",
	"．", ".", "，", ",", "＋", "+", "－", "-",
)

// parse reads an amount and reports its sign: 0 when none was typed.
func parse(s string) (f Fen, sign byte, err error) {
	s = strings.TrimSpace(halfWidth.Replace(s))
	if s == "" {
		return 0, 0, ErrEmpty
	}
	if s[0] == '-' || s[0] == '+' {
		sign, s = s[0], s[1:]
	}
	for _, p := range []string{"¥", "￥", "CNY", "RMB"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			s = strings.TrimSpace(rest)
			break
		}
	}
	s = strings.TrimSuffix(s, "元")
	if s == "" {
		return 0, sign, ErrEmpty
	}
	if s[0] == '-' || s[0] == '+' {
		// "¥-5": a sign after the currency is a typo either way.
		return 0, sign, ErrSign
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if hasDot && frac == "" || whole == "" {
		return 0, sign, ErrSyntax
	}
	if strings.Contains(whole, ",") {
		if whole, err = ungroup(whole); err != nil {
			return 0, sign, err
		}
	}
	if !digits(whole) || !digits(frac) {
		return 0, sign, ErrSyntax
	}
	if len(frac) > 2 {
		return 0, sign, ErrDecimals
	}
	w, err := strconv.ParseUint(whole, 10, 63)
	if err != nil || w > uint64(MaxFen/100) {
		return 0, sign, ErrTooLarge
	}
	frac += "00"[len(frac):]
	c, _ := strconv.ParseUint(frac, 10, 8)
	f = Fen(w*100 + c)
	if f > MaxFen {
		return 0, sign, ErrTooLarge
	}
	return f, sign, nil
}

// ungroup removes thousands separators, which must sit every three digits.
func ungroup(s string) (string, error) {
	groups := strings.Split(s, ",")
	if len(groups[0]) == 0 || len(groups[0]) > 3 || groups[0][0] == '0' {
		return "", ErrGrouping
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return "", ErrGrouping
		}
	}
	return strings.Join(groups, ""), nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String returns the amount in yuan with two decimals and no grouping,
// "1234.56", as machines read it (JSON, CSV, logs).
func (f Fen) String() string {
	var b []byte
	u := uint64(f)
	if f < 0 {
		b = append(b, '-')
		u = uint64(-f)
		if f == math.MinInt64 {
			u = 1 << 63
		}
	}
	b = strconv.AppendUint(b, u/100, 10)
	c := u % 100
	return string(append(b, '.', byte('0'+c/10), byte('0'+c%10)))
}

// Format returns the amount as people read it in lang: "¥1,234.56" in
// Chinese, "CN¥1,234.56" in English (where a bare ¥ could be yen).
func (f Fen) Format(lang i18n.Lang) string {
	s := f.String()
	sign := ""
	if s[0] == '-' {
		sign, s = "-", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	symbol := "¥"
	if lang == i18n.EN {
		symbol = "CN¥"
	}
	return sign + symbol + b.String() + "." + frac
}

// ErrSplit is returned by Split for weights it cannot split by.
var ErrSplit = errors.New("money: split needs non-negative weights with a positive sum and a non-negative total")

// Split divides total among parties in proportion to their weights (say,
// a refund among donors in proportion to what each gave), handing out every
// fen: each share is the exact proportion rounded down, and the fen left over
// go one each to the largest remainders, ties to the earlier party. The
// shares always sum to total, each is within one fen of its exact value, and
// when total does not exceed the sum of the weights no share exceeds its
// weight.
func Split(total Fen, weights []Fen) ([]Fen, error) {
	if total < 0 {
		return nil, ErrSplit
	}
	var sum uint64
	for _, w := range weights {
		if w < 0 {
			return nil, ErrSplit
		}
		var carry uint64
		sum, carry = bits.Add64(sum, uint64(w), 0)
		if carry != 0 || sum > math.MaxInt64 {
			return nil, ErrSplit
		}
	}
	if sum == 0 {
		return nil, ErrSplit
	}
	shares := make([]Fen, len(weights))
	rems := make([]uint64, len(weights))
	var given uint64
	for i, w := range weights {
		// total*w fits in 128 bits and total*w/sum ≤ total fits in 64.
		hi, lo := bits.Mul64(uint64(total), uint64(w))
		q, r := bits.Div64(hi, lo, sum)
		shares[i], rems[i] = Fen(q), r
		given += q
	}
	left := uint64(total) - given // fewer than len(weights)
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	// Stable sort by remainder, largest first: ties keep their index order.
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rems[b], rems[a]) })
	for _, i := range order[:left] {
		shares[i]++
	}
	return shares, nil
}
