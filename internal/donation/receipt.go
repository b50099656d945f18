package donation

import (
	"time"

	"github.com/carefund/carefund/internal/money"
)

// The states of a donation as its donor sees it.
const (
	// StatePending: the order is placed and the payment not yet confirmed.
	StatePending = "pending"
	// StatePaid: the payment is confirmed and counted.
	StatePaid = "paid"
	// StateRefundPending: the payment came after the channel closed and
	// waits for its refund (R-PUB-4).
	StateRefundPending = "refund_pending"
	// StateRefunded: the money went back by its original route.
	StateRefunded = "refunded"
	// StateLapsed: the order was never paid and the platform gave up on it.
	StateLapsed = "lapsed"
	// StateHeld: the payment did not match the order and is with finance
	// staff (quarantine).
	StateHeld = "held"
)

// Receipt is an order with what became of it.
type Receipt struct {
	Order
	// State is one of the State* constants.
	State string
	// DonationID, TransactionID and PaidAt are set once the payment is
	// confirmed.
	DonationID    int64
	TransactionID string
	PaidAt        time.Time
	// EntryID is the ledger entry of the donation.
	EntryID int64
}

// Public is a donation as the public sees it: never who paid when the donor
// chose to be anonymous (R-DON-2), and never a message staff have not let
// through (a flagged one waits for the patrol).
type Public struct {
	Amount money.Fen
	// DonorUserID is 0 when the donation is anonymous or the donor was not
	// signed in.
	DonorUserID int64
	Anonymous   bool
	Message     string
	// MessageRemoved is the public reason staff took the message down
	// for, shown in its place (R-CONT-1).
	MessageRemoved string
	PaidAt         time.Time
}

// ReconcileResult says what one run of Reconcile did.
type ReconcileResult struct {
	Asked     int // orders the providers were asked about
	Confirmed int // of them, paid after all, and now donations
	Lapsed    int // of them, given up
	// Left is how many were left for a later run: their provider is not
	// configured, could not be reached, or answered about another order.
	Left int
}

// reconcilePage is how many unpaid orders Reconcile reads at a time (a
// variable for tests).
var reconcilePage = 100
