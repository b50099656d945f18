package donation

import (
	"fmt"
	"strings"

	"github.com/carefund/carefund/internal/money"
)

// Summary is what Verify checked.
type Summary struct {
	// Donations counts the donation rows, AfterClose those among them that
	// came after their request closed (not raised: they wait for a refund).
	Donations, AfterClose int64
	// PaidOrders counts the orders in state paid.
	PaidOrders int64
	// Raised is what the donations before closing add up to, over Requests
	// requests with totals.
	Raised   money.Fen
	Requests int64
	// Shares counts the share links whose counts were checked.
	Shares int64
	// Unkeyed counts ledger entries of kind "donation" whose key is not one
	// a payment makes (LedgerKey): the benchmarks' and some tests' entries.
	// They are not payments, so they are not held to a donation row; a
	// production database has none.
	Unkeyed int64
}

// Violation is a broken invariant of the donations, with the first few
// places it is broken.
type Violation struct {
	Invariant string   // what should hold, e.g. "every donation has its ledger entry"
	Cases     []string // the first few places it does not, e.g. "donation 12: …"
	More      bool     // there are more than Cases
}

func (v *Violation) Error() string {
	more := ""
	if v.More {
		more = "; and more"
	}
	return fmt.Sprintf("donation invariant broken: %s: %s%s", v.Invariant, strings.Join(v.Cases, "; "), more)
}

// The invariants Verify verifyChecks, as its Violations name them.
const (
	InvDonationEntry = "every donation has its own ledger entry, under its payment's key, moving its amount from psp:<provider> to request:<id>"
	InvEntryDonation = "every ledger entry under a payment's key is a donation entry with its donation row"
	InvOrderPaid     = "every paid order has its donation"
	InvDonationOrder = "every donation's order is paid, for the same request, amount, provider, share and time"
	InvUnique        = "no two donations share an order, a payment or a ledger entry"
	InvQuarantine    = "no payment is both a donation and quarantined as it was credited"
	InvTotals        = "every request's totals equal the sum and count of its donations before closing"
	InvShareRequest  = "every donation by a share link is for the share's request"
	InvShareCounts   = "every share's counts equal the donations before closing made through it"
)

// verifyCases is how many places of each broken invariant Verify names.
const verifyCases = 5
