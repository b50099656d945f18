package campaign

import (
	"time"

	"github.com/carefund/carefund/internal/money"
)

// Message keys of the errors of the fundraising channel.
const (
	KeyFundraisingInvalid = "fundraising.invalid"
	KeyNoExtension        = "fundraising.no_extension"
)

// MaxCloseNote bounds the optional public note of a closing, in runes.
const MaxCloseNote = 200

// SystemActor is the actor of what the platform does by itself: closing a
// channel at its deadline or when its target is reached.
const SystemActor = "system"

// Channel is the fundraising channel of one request (R-PUB-4): when it
// opened, when it closes at the latest, and, once closed, why and by whom.
// (It cannot be called Fundraising: that is the State.)
// A request closed before its channel opened has one too, with OpenedAt,
// Deadline and ClosedAt equal. The public page shows the closing with
// Closing.PublicKey().
type Channel struct {
	RequestID          int64
	OpenedAt, Deadline time.Time
	Extensions         int
	Closed             bool
	ClosedAt           time.Time
	Closing            Closing // Reason, Cause
	ClosedBy           string
	Note               string // a short public note of the closing, optional
}

// Card is a request as the public lists show it.
type Card struct {
	ID       int64
	Title    string
	Target   money.Fen
	State    State
	Deadline time.Time // zero while the channel has not opened
}
