// Package disclosure decides and reads what the public may see of a
// request for help: whether it is public at all, its published versions,
// the state of its fundraising channel as the public is told it, the
// published materials' dates, the updates, and the money it raised with
// the newest donations (names masked, R-DON-2). Later it holds the money
// trail and the timeline the regulation asks to disclose.
//
// Its rules (this file) import no storage and are table tested; its
// service reads each page's or API answer's data in one transaction. The
// sealed filing is never opened here: the public sees the versions' texts
// (the patient's name masked, never an ID number: R-PUB-1).
package disclosure

import (
	"time"

	"github.com/carefund/carefund/internal/campaign"
)

// ListedCards is how many requests the home page and the API list.
const ListedCards = 24

// RecentDonations is how many donations the request page lists.
const RecentDonations = 10

// publicStates are the states in which a request is public. A draft, one in
// review or rejected, does not exist for the public: it is a 404.
var publicStates = map[campaign.State]bool{
	campaign.Approved: true, campaign.Fundraising: true, campaign.Closed: true,
	campaign.Settling: true, campaign.Completed: true,
}

// IsPublic reports whether a request in state st is shown to the public.
func IsPublic(st campaign.State) bool { return publicStates[st] }

// Channel is what the public is told of a request's fundraising channel
// at a moment.
type Channel struct {
	// StateKey is the message key of the state the public sees.
	StateKey string
	// Open: donations are taken until Deadline.
	Open     bool
	Deadline time.Time
	// Closed: the channel closed (or its period ended), at ClosedAt, for
	// Closing, with the publisher's or staff's public Note.
	Closed   bool
	Closing  campaign.Closing
	ClosedAt time.Time
	Note     string
	// Waiting: approved, the channel not opened yet.
	Waiting bool
}

// ChannelAt is what the public is told at now of the channel ch (nil until
// it opened, or closed unopened) of a request in state st: a fundraising
// request past its deadline is shown closed with "period ended" even
// before the job that closes it has run (R-PUB-4).
func ChannelAt(st campaign.State, ch *campaign.Channel, now time.Time) Channel {
	c := Channel{StateKey: st.NameKey()}
	switch {
	case st == campaign.Approved:
		c.Waiting = true
	case st == campaign.Fundraising && ch != nil && now.Before(ch.Deadline):
		c.Open, c.Deadline = true, ch.Deadline
	case st == campaign.Fundraising:
		c.StateKey = campaign.Closed.NameKey()
		c.Closed, c.Closing = true, campaign.Closing{Reason: campaign.PeriodEnded}
		if ch != nil {
			c.ClosedAt = ch.Deadline
		}
	case ch != nil && ch.Closed:
		c.Closed, c.Closing, c.ClosedAt, c.Note = true, ch.Closing, ch.ClosedAt, ch.Note
	}
	return c
}

// PublicState is the state the public is told of a request in state st
// whose channel is c: a fundraising request whose period ended is closed
// (R-PUB-4).
func PublicState(st campaign.State, c Channel) campaign.State {
	if c.Closed && st == campaign.Fundraising {
		return campaign.Closed
	}
	return st
}

// Expired reports whether a listed request's channel is past its deadline
// at now but not yet closed by the job that closes it: the public already
// sees it as ended (R-PUB-4).
func Expired(c campaign.Card, now time.Time) bool {
	return c.State == campaign.Fundraising && !c.Deadline.IsZero() && !now.Before(c.Deadline)
}

// CardState is the state the public is told of a listed request at now.
func CardState(c campaign.Card, now time.Time) campaign.State {
	if Expired(c, now) {
		return campaign.Closed
	}
	return c.State
}

// HasRaised reports whether a listed request's channel opened, so that
// what it raised (zero included) is shown.
func HasRaised(c campaign.Card) bool { return !c.Deadline.IsZero() }
