package ledger

import (
	"fmt"

	"github.com/carefund/carefund/internal/money"
)

// Violation names a broken invariant and where it is broken.
type Violation struct {
	Invariant string // a short name, e.g. "entry sums to zero"
	Account   string // the account, when it is about one
	EntryID   int64  // the entry, when it is about one
	Detail    string
}

func (v *Violation) Error() string {
	where := ""
	switch {
	case v.Account != "":
		where = " (account " + v.Account + ")"
	case v.EntryID != 0:
		where = fmt.Sprintf(" (entry %d)", v.EntryID)
	}
	return fmt.Sprintf("ledger invariant broken: %s%s: %s", v.Invariant, where, v.Detail)
}

// Summary is what Verify checked.
type Summary struct {
	Entries, Accounts int64
	Custody           money.Fen // the balance of bank:custody
}
