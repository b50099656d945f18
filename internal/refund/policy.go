package refund

import (
	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/money"
)

// The published refund policy (P) and who may start which run. Each rule
// takes the facts the service reads and returns nil or an *apperr.Error
// whose key names the reason.

// Error keys of the policy, each in the catalog.
const (
	KeyNotYours        = "refund.not_yours"         // NotFound: not the signed-in donor's donation
	KeyAlready         = "refund.already"           // Conflict: this donation was refunded before
	KeyPaidOut         = "refund.paid_out"          // Conflict: money of the request was paid out
	KeyTooMuch         = "refund.too_much"          // Invalid: more than the donation can get back
	KeyNothing         = "refund.nothing"           // Conflict: nothing the run may give back
	KeyPayoutOpen      = "refund.payout_open"       // Conflict: a payout is still under way
	KeyNotEnded        = "refund.purpose_not_ended" // Conflict: not closed as purpose achieved/gone
	KeyNotPublisher    = "refund.not_publisher"     // NotFound: not the publisher's request
	KeyInsufficient    = "refund.insufficient"      // Conflict: more than the request can give back
	KeyKeyReused       = "refund.key_reused"        // Conflict: the key started another run
	KeyUnknownRefund   = "refund.unknown"           // NotFound
	KeyNotChariable    = "refund.not_to_charity"    // Conflict: staff may send only a failing refund to charity
	KeyAfterCloseOwned = "refund.after_close"       // Conflict: an after-close payment is refunded whole by its own run
)

// Donation is what the policy knows of one donation.
type Donation struct {
	ID, RequestID, DonorUserID int64
	Amount                     money.Fen
	// Refunded is what runs have already decided to give back of it.
	Refunded   money.Fen
	AfterClose bool
}

// Request is what the policy knows of a request.
type Request struct {
	ID          int64
	State       campaign.State
	Publisher   int64
	CloseReason campaign.CloseReason // empty while open
	// PaidOut: a payout of it was approved, is being paid or was paid.
	PaidOut bool
	// PayoutOpen: a payout is still in review, approved or being paid.
	PayoutOpen bool
}

// DonorMay applies policy P to a donor's own refund request: only the
// signed-in donor's own donation (someone else's is NotFound, as if it
// did not exist), only once, never more than they gave; in full while
// none of the request's money has been paid out, and in any case once the
// request is terminated. An after-close payment is refunded whole by its
// own run, not by the donor's.
func DonorMay(userID int64, d Donation, r Request) error {
	switch {
	case userID <= 0 || d.DonorUserID != userID:
		return apperr.New(apperr.NotFound, KeyNotYours)
	case d.Refunded > 0:
		return apperr.New(apperr.Conflict, KeyAlready)
	case d.AfterClose:
		return apperr.New(apperr.Conflict, KeyAfterCloseOwned)
	case r.State == campaign.Terminated:
		return nil
	case r.PaidOut:
		return apperr.New(apperr.Conflict, KeyPaidOut)
	}
	return nil
}

// DonorAmount checks the amount a donor asks for (0: all of it) against
// what the donation can get back, and returns what the run gives back.
func DonorAmount(asked money.Fen, d Donation) (money.Fen, error) {
	left := Share{Gave: d.Amount, Refunded: d.Refunded}.Left()
	switch {
	case asked < 0 || asked > left:
		return 0, apperr.New(apperr.Invalid, KeyTooMuch)
	case asked == 0:
		return left, nil
	}
	return asked, nil
}

// PurposeEndedMay says whether the purpose's end may be declared for a
// request (R-REF-1): by its publisher (userID, with staff false) for their
// own request, or by staff (staff true); only once its channel closed as
// PurposeAchieved or PurposeGone (staff may also record it for a request
// closed otherwise, or settling); never while a payout is still under
// way, whose money would be counted twice.
func PurposeEndedMay(userID int64, staff bool, r Request) error {
	if !staff && (userID <= 0 || r.Publisher != userID) {
		return apperr.New(apperr.NotFound, KeyNotPublisher)
	}
	ended := r.CloseReason == campaign.PurposeAchieved || r.CloseReason == campaign.PurposeGone
	closed := r.State == campaign.Closed || r.State == campaign.Settling
	switch {
	case !closed || !ended && !staff:
		return apperr.New(apperr.Conflict, KeyNotEnded)
	case r.PayoutOpen:
		return apperr.New(apperr.Conflict, KeyPayoutOpen)
	}
	return nil
}
