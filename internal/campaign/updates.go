package campaign

import (
	"fmt"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/screen"
	"github.com/carefund/carefund/internal/vault"
)

// Limits of an update and of its takedown, in runes.
const (
	MaxUpdate   = 2000
	MaxTakedown = 500
)

// Message keys of the errors of updates.
const (
	KeyUpdateInvalid      = "update.invalid"
	KeyUpdateNotPublished = "update.not_published"
	KeyUpdateAlreadyDown  = "update.already_down"
)

// Update is a progress update the publisher posts on a published request:
// treatment, the patient's condition, the use of the money (R-DISC-2,
// R-DISB-4). Every update is screened for risky wording when posted and
// waits in the patrol queue until a staff member checks it or takes it
// down (R-REV-4); a takedown hides the text, never the update itself.
type Update struct {
	ID, RequestID int64
	Body          string
	PostedBy      string
	PostedAt      time.Time
	Flagged       bool     // the wording screen flagged it (R-REV-4)
	Reasons       []string // staff-only reason keys of the screen
	Checked       bool
	CheckedBy     string
	CheckedAt     time.Time
	TakenDown     bool
	TakenDownBy   string
	TakenDownAt   time.Time
	// TakedownReason is public: the page says why the text is gone.
	TakedownReason string
	// Held says the content screen holds the update off the public page
	// until staff clear it (R-CONT-1).
	Held bool
}

// keyContentHeld is the reason key of an update the content screen held
// (R-CONT-1) that the wording screen did not flag.
const keyContentHeld = "content.held"

// The screen_level values of request_updates.
const (
	levelOK      = "ok"
	levelFlagged = "flagged"
)

// updateAAD binds a sealed update to its row, so a sealed body copied to
// another update does not open.
func updateAAD(id int64) string { return "request_updates.body:" + strconv.FormatInt(id, 10) }

// wordingReasons screens body for risky wording (screen.Wording, R-REV-4)
// and returns whether it was flagged and the keys of its reasons, each
// once. Only the keys are kept: the arguments would name the phrase found,
// and the body itself is personal data.
func wordingReasons(texts ...string) (bool, []string, error) {
	v, err := screen.Wording{}.Check(screen.Subject{Texts: texts}, nil)
	if err != nil {
		return false, nil, err
	}
	keys := []string{}
	seen := map[string]bool{}
	for _, r := range v.Reasons {
		if !seen[r.Key] {
			seen[r.Key] = true
			keys = append(keys, r.Key)
		}
	}
	return v.Outcome != screen.Pass, keys, nil
}

// sealedUpdate is an update as stored, before its body is unsealed.
type sealedUpdate struct {
	Update
	sealed []byte
	keyID  int64
}

// open unseals the update's body with key.
func (u sealedUpdate) open(key *vault.RecordKey) (Update, error) {
	body, err := key.OpenString(updateAAD(u.ID), u.sealed)
	if err != nil {
		return Update{}, fmt.Errorf("campaign: update %d: %w", u.ID, err)
	}
	u.Body = body
	return u.Update, nil
}
