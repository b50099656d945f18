package screen

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/carefund/carefund/internal/money"
)

// DefaultCostRatioPercent is how far the target may exceed the declared
// costs, in percent of them, before Consistency flags it: 120 allows 20%
// for costs the estimate does not cover (travel, care, follow-up).
const DefaultCostRatioPercent = 120

// ScoreConsistency is the score of each completeness or consistency
// finding: one is worth a look, two make the request Medium.
const ScoreConsistency = 15

// Consistency checks that a request is complete and adds up (R-REV-1): the
// patient and publisher are verified, there is a story, a target, a
// breakdown and a cost estimate; the breakdown adds up to the target
// exactly; and the target is plausible against the declared costs. Every
// finding is a flag with a reason the requester can act on.
type Consistency struct {
	// CostRatioPercent overrides DefaultCostRatioPercent when positive.
	CostRatioPercent int
}

// Name implements Screen.
func (Consistency) Name() string { return "consistency" }

// Check implements Screen. It never calls f.
func (c Consistency) Check(s Subject, _ Facts) (Verdict, error) {
	v := Verdict{Screen: c.Name(), Outcome: Pass}
	flag := func(key string, args ...string) {
		v.add(Flag, ScoreConsistency, Reason{Key: key, Args: args})
	}

	if s.PatientIndex == "" {
		flag("screen.consistency.unverified_patient")
	}
	if s.PublisherIndex == "" {
		flag("screen.consistency.unverified_publisher")
	}
	if !hasText(s.Texts) {
		flag("screen.consistency.no_story")
	}

	if s.Target <= 0 {
		flag("screen.consistency.no_target")
	}
	if len(s.Use) == 0 {
		flag("screen.consistency.no_breakdown")
	} else {
		// The sum is exact whatever the amounts: a big.Int cannot wrap
		// around and make a wrong breakdown look right.
		sum := new(big.Int)
		for i, u := range s.Use {
			if u <= 0 {
				flag("screen.consistency.use_not_positive", strconv.Itoa(i+1))
			}
			sum.Add(sum, big.NewInt(int64(u)))
		}
		if s.Target > 0 && sum.Cmp(big.NewInt(int64(s.Target))) != 0 {
			flag("screen.consistency.breakdown_mismatch", yuan(sum), s.Target.String())
		}
	}

	if s.DeclaredCosts <= 0 {
		flag("screen.consistency.no_costs")
	} else if s.Target > 0 {
		ratio := c.CostRatioPercent
		if ratio <= 0 {
			ratio = DefaultCostRatioPercent
		}
		// target > costs × ratio/100, in integers: target×100 > costs×ratio.
		lhs := new(big.Int).Mul(big.NewInt(int64(s.Target)), big.NewInt(100))
		rhs := new(big.Int).Mul(big.NewInt(int64(s.DeclaredCosts)), big.NewInt(int64(ratio)))
		if lhs.Cmp(rhs) > 0 {
			flag("screen.consistency.target_above_costs", s.Target.String(), s.DeclaredCosts.String(), strconv.Itoa(ratio))
		}
	}
	return v, nil
}

// hasText reports whether any of texts has something other than spaces.
func hasText(texts []string) bool {
	for _, t := range texts {
		if strings.TrimSpace(t) != "" {
			return true
		}
	}
	return false
}

// yuan formats an amount in fen that may be beyond int64 like
// money.Fen.String.
func yuan(fen *big.Int) string {
	if fen.IsInt64() {
		return money.Fen(fen.Int64()).String()
	}
	q, r := new(big.Int).QuoRem(fen, big.NewInt(100), new(big.Int))
	return fmt.Sprintf("%s.%02d", q, new(big.Int).Abs(r))
}
