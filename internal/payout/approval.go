package payout

import (
	"slices"

	"github.com/carefund/carefund/internal/apperr"
)

// Step is what a finance officer does to a payout application that four
// eyes govern (R-STAFF-1, R-DISB-1).
type Step string

// The steps, in order. Asking for more and rejecting are decisions of the
// claimant, checked as StepFirst.
const (
	StepClaim  Step = "claim"  // take the application for review
	StepFirst  Step = "first"  // the reviewer's decision: approve, reject or ask for more
	StepSecond Step = "second" // the second officer's approval, before money moves
)

// Hands is who already touched an application and who must keep theirs
// off it, by staff id; the store reads them.
type Hands struct {
	// Claimant is the finance reviewer holding the application, 0 when
	// nobody does.
	Claimant int64
	// FirstApprover is who gave the first approval, 0 until someone did.
	FirstApprover int64
	// Related are the staff recorded as related to the request: to its
	// publisher's or requester's account, or to the patient, their own
	// accounts included (the conflicts review keeps for R-REV-3).
	Related []int64
	// Vouchers are the staff who proposed or approved the payee's account:
	// the directory entry of a hospital payee, as it stands. Vouching for
	// an account and then releasing money to it is the one-person path to
	// siphoning four eyes exist to close (R-REF-3).
	Vouchers []int64
}

// CheckStep says whether staff member staffID may take step on an
// application with hands h. Nobody related to the request or who vouched for
// the payee's account takes any step (apperr.Forbidden KeyRelated,
// KeyVoucher); only the claimant decides first (apperr.Forbidden
// KeyNotClaimed); the second approval needs a first (apperr.Conflict
// KeyNoFirst) and someone other than the first approver (apperr.Forbidden
// KeySameApprover). Whether the role may approve payouts at all is staff's
// Policies; this check is what no role can override.
func CheckStep(step Step, staffID int64, h Hands) error {
	if staffID <= 0 {
		// No one: an id of 0 would pass as the claimant of an unclaimed
		// application.
		return apperr.New(apperr.Forbidden, "")
	}
	if slices.Contains(h.Related, staffID) {
		return apperr.New(apperr.Forbidden, KeyRelated)
	}
	if slices.Contains(h.Vouchers, staffID) {
		return apperr.New(apperr.Forbidden, KeyVoucher)
	}
	switch step {
	case StepClaim:
		return nil
	case StepFirst:
		if h.Claimant != staffID {
			return apperr.New(apperr.Forbidden, KeyNotClaimed)
		}
		return nil
	case StepSecond:
		if h.FirstApprover == 0 {
			return apperr.New(apperr.Conflict, KeyNoFirst)
		}
		if h.FirstApprover == staffID || h.Claimant == staffID {
			return apperr.New(apperr.Forbidden, KeySameApprover)
		}
		return nil
	}
	return apperr.New(apperr.Internal, "")
}
