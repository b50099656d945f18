package review

import (
	"time"

	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/screen"
)

// Message keys of the errors of the human review.
const (
	KeyNotReviewer  = "review.not_reviewer"  // Forbidden: not an active reviewer
	KeyNotAdmin     = "review.not_admin"     // Forbidden: only admins record conflicts
	KeyNotInReview  = "review.not_in_review" // Conflict: the request is not waiting for review
	KeyClaimed      = "review.claimed"       // Conflict: another reviewer has claimed it
	KeyNotClaimed   = "review.not_claimed"   // Forbidden: decide only what you claimed
	KeyConflict     = "review.conflict"      // Forbidden: related to the request (R-REV-3)
	KeySameReviewer = "review.same_reviewer" // Forbidden: the second approval must be someone else's
	KeyInvalid      = "review.invalid"       // Invalid: see the field
	KeyTextRequired = "review.text_required" // field: the reason or questions are missing
	KeyTextLong     = "review.text_long"     // field: Args: MaxText
	KeyTextInvalid  = "review.text_invalid"  // field: not valid text
	KeyUnknown      = "review.unknown"       // NotFound: no such request or staff member
)

// MaxText bounds a reason or the questions, in characters: the requester
// reads all of it.
const MaxText = 2000

// Decision is a reviewer's decision on a request (R-REV-2).
type Decision string

// The decisions.
const (
	Approved  Decision = "approve"
	Rejected  Decision = "reject"
	NeedsInfo Decision = "needs_info"
)

// DecisionRecord is one stored decision.
type DecisionRecord struct {
	ID       int64
	StaffID  int64
	Decision Decision
	// Text is the reason of a rejection or the questions of NeedsInfo,
	// which the requester sees; empty for an approval.
	Text string
	At   time.Time
}

// QueueItem is one request waiting for human review.
type QueueItem struct {
	RequestID   int64
	Title       string
	Target      money.Fen
	Level       screen.Level
	Score       int
	SubmittedAt time.Time
	// ClaimedBy is the staff id of the reviewer who holds the request, 0
	// when nobody does.
	ClaimedBy int64
}

// subject is what the review needs of a request, read without unsealing.
type subject struct {
	state        campaign.State
	publisher    int64
	patientIndex string
	target       money.Fen
}
