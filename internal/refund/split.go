package refund

import (
	"errors"
	"slices"

	"github.com/carefund/carefund/internal/money"
)

// Share is one donation as a pro-rata split sees it: what it gave, and
// what of it has already been given back (by earlier runs).
type Share struct {
	ID       int64
	Gave     money.Fen
	Refunded money.Fen
}

// Left is what the donation can still get back: Gave − Refunded, never
// below zero.
func (s Share) Left() money.Fen {
	if s.Refunded >= s.Gave {
		return 0
	}
	return s.Gave - s.Refunded
}

// ErrSplit is the error of a split that cannot be made: an amount below
// zero, or more than the shares can still get back.
var ErrSplit = errors.New("refund: the amount cannot be split over these shares")

// Split spreads amount over shares in proportion to what each can still
// get back (R-REF-1), exact to the fen, and returns each share's part in
// the order of shares.
//
// Each share first gets the whole fen of amount × left / total (rounded
// down). The fen left over (fewer than there are shares) go one each, by
// the largest remainder method, to the shares whose exact part lost most
// in rounding; a tie goes first to the larger share (more left to get
// back), then to the lower ID. A share never gets more than it can still
// get back, nor less than zero, and the parts sum to amount exactly.
//
// It sorts once (O(n log n)) and holds one slice of n small records: a
// split of 100,000 shares takes milliseconds. ErrSplit when amount is below
// zero or above the sum of what the shares can still get back.
func Split(amount money.Fen, shares []Share) ([]money.Fen, error) {
	if amount < 0 {
		return nil, ErrSplit
	}
	var total money.Fen
	for _, s := range shares {
		if s.Gave < 0 || s.Refunded < 0 {
			return nil, ErrSplit
		}
		total += s.Left()
		if total > money.MaxFen {
			return nil, ErrSplit
		}
	}
	if amount > total {
		return nil, ErrSplit
	}
	parts := make([]money.Fen, len(shares))
	if amount == 0 {
		return parts, nil
	}
	if amount == total {
		for i, s := range shares {
			parts[i] = s.Left()
		}
		return parts, nil
	}
	type rem struct {
		i    int
		r    int64 // the remainder of amount × left / total, in units of 1/total fen
		left money.Fen
		id   int64
	}
	rems := make([]rem, 0, len(shares))
	var given money.Fen
	for i, s := range shares {
		left := s.Left()
		if left == 0 {
			continue
		}
		q, r := mulDiv(int64(amount), int64(left), int64(total))
		parts[i] = money.Fen(q)
		given += money.Fen(q)
		if q < int64(left) {
			rems = append(rems, rem{i: i, r: r, left: left, id: s.ID})
		}
	}
	short := amount - given
	if short == 0 {
		return parts, nil
	}
	slices.SortFunc(rems, func(a, b rem) int {
		switch {
		case a.r != b.r:
			if a.r > b.r {
				return -1
			}
			return 1
		case a.left != b.left:
			if a.left > b.left {
				return -1
			}
			return 1
		case a.id != b.id:
			if a.id < b.id {
				return -1
			}
			return 1
		}
		return a.i - b.i
	})
	// There are at most len(shares) − 1 fen short, and every share in rems
	// has at least one fen of room (q < left); each gets one at most.
	for k := 0; short > 0 && k < len(rems); k++ {
		parts[rems[k].i]++
		short--
	}
	if short != 0 {
		return nil, ErrSplit // cannot happen: see above
	}
	return parts, nil
}

// mulDiv returns the quotient and remainder of a × b / c for non-negative
// a, b ≤ c (fen amounts below money.MaxFen), without overflow.
func mulDiv(a, b, c int64) (q, r int64) {
	hi, lo := mul64(uint64(a), uint64(b))
	qu, ru := div128(hi, lo, uint64(c))
	return int64(qu), int64(ru)
}
