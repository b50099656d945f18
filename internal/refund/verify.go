package refund

import (
	"fmt"
	"strings"

	"github.com/carefund/carefund/internal/money"
)

// VerifySummary is what Verify checked.
type VerifySummary struct {
	Runs, Refunds          int64
	Decided, Paid, Charity money.Fen
}

// Violation names the broken refund invariants and a few cases of each.
type Violation struct {
	Checks []string
}

func (v *Violation) Error() string {
	return fmt.Sprintf("refunds: %d invariants broken: %s", len(v.Checks), strings.Join(v.Checks, "; "))
}
