package disclosure

import (
	"testing"
	"time"

	"github.com/carefund/carefund/internal/campaign"
)

// R-PUB-1: only approved requests and those after them are public; a
// draft, one in review or rejected does not exist for the public.
func TestIsPublic(t *testing.T) {
	tests := []struct {
		st   campaign.State
		want bool
	}{
		{campaign.Draft, false}, {campaign.Rejected, false},
		{campaign.Approved, true}, {campaign.Fundraising, true}, {campaign.Closed, true},
		{campaign.Settling, true}, {campaign.Completed, true},
	}
	for _, tt := range tests {
		if got := IsPublic(tt.st); got != tt.want {
			t.Errorf("IsPublic(%s) = %v, want %v", tt.st, got, tt.want)
		}
	}
}

// R-PUB-4: the public sees a channel as open until its deadline, and
// closed with "period ended" from the deadline on, even before the job
// that closes it has run.
func TestChannelAt(t *testing.T) {
	now := time.Date(2025, 6, 15, 10, 0, 0, 0, time.UTC)
	open := &campaign.Channel{OpenedAt: now.Add(-time.Hour), Deadline: now.Add(time.Hour)}
	ended := &campaign.Channel{OpenedAt: now.Add(-time.Hour), Deadline: now}
	closed := &campaign.Channel{Deadline: now.Add(time.Hour), Closed: true, ClosedAt: now.Add(-time.Minute),
		Closing: campaign.Closing{Reason: campaign.TargetReached}, Note: "thanks"}
	periodEnded := campaign.Closing{Reason: campaign.PeriodEnded}
	tests := []struct {
		name string
		st   campaign.State
		ch   *campaign.Channel
		want Channel
	}{
		{"Waiting", campaign.Approved, nil, Channel{StateKey: campaign.Approved.NameKey(), Waiting: true}},
		{"Open", campaign.Fundraising, open, Channel{StateKey: campaign.Fundraising.NameKey(), Open: true, Deadline: open.Deadline}},
		{"AtTheDeadline", campaign.Fundraising, ended, Channel{StateKey: campaign.Closed.NameKey(), Closed: true,
			Closing: periodEnded, ClosedAt: now}},
		{"FundraisingWithoutChannel", campaign.Fundraising, nil, Channel{StateKey: campaign.Closed.NameKey(), Closed: true,
			Closing: periodEnded}},
		{"Closed", campaign.Closed, closed, Channel{StateKey: campaign.Closed.NameKey(), Closed: true,
			Closing: closed.Closing, ClosedAt: closed.ClosedAt, Note: "thanks"}},
		{"ClosedUnopened", campaign.Settling, nil, Channel{StateKey: campaign.Settling.NameKey()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ChannelAt(tt.st, tt.ch, now)
			if got != tt.want {
				t.Errorf("ChannelAt = %+v, want %+v", got, tt.want)
			}
			wantState := tt.st
			if tt.st == campaign.Fundraising && !tt.want.Open {
				wantState = campaign.Closed
			}
			if ps := PublicState(tt.st, got); ps != wantState {
				t.Errorf("PublicState = %s, want %s", ps, wantState)
			}
		})
	}
}

// R-PUB-4: a listed request past its deadline is shown ended before the
// job closes it; one whose channel never opened shows nothing raised.
func TestCards(t *testing.T) {
	now := time.Date(2025, 6, 15, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		c         campaign.Card
		expired   bool
		state     campaign.State
		hasRaised bool
	}{
		{"Open", campaign.Card{State: campaign.Fundraising, Deadline: now.Add(time.Second)}, false, campaign.Fundraising, true},
		{"AtTheDeadline", campaign.Card{State: campaign.Fundraising, Deadline: now}, true, campaign.Closed, true},
		{"Waiting", campaign.Card{State: campaign.Approved}, false, campaign.Approved, false},
		{"Closed", campaign.Card{State: campaign.Closed, Deadline: now.Add(-time.Hour)}, false, campaign.Closed, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Expired(tt.c, now); got != tt.expired {
				t.Errorf("Expired = %v, want %v", got, tt.expired)
			}
			if got := CardState(tt.c, now); got != tt.state {
				t.Errorf("CardState = %s, want %s", got, tt.state)
			}
			if got := HasRaised(tt.c); got != tt.hasRaised {
				t.Errorf("HasRaised = %v, want %v", got, tt.hasRaised)
			}
		})
	}
}
