package refund

import "math/bits"

// mul64 returns the 128-bit product of a and b.
func mul64(a, b uint64) (hi, lo uint64) { return bits.Mul64(a, b) }

// div128 divides the 128-bit hi:lo by c; the quotient must fit in 64 bits
// (hi < c), which holds because a × b / c ≤ a when b ≤ c.
func div128(hi, lo, c uint64) (q, r uint64) { return bits.Div64(hi, lo, c) }
