package filing

import (
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/charity"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/review"
	"github.com/carefund/carefund/internal/rules"
)

// charitiesSuggested is how many organisations the referral list names
// (R-REQ-7).
const charitiesSuggested = 6

// Mine is the publisher's list of requests.
type Mine struct {
	// Verified says the publisher has a verified real name (R-ACC-1).
	Verified bool
	// Requests are theirs, newest first.
	Requests []campaign.Request
}

// Form is what the filing form shows besides the filing.
type Form struct {
	Request   campaign.Request
	Materials []material.Material
	// Kinds are every kind of document, whether the request needs it, and
	// how many are uploaded (R-REQ-3, R-REQ-4).
	Kinds []KindCount
	// Questions are the reviewer's latest, while the request needs
	// information.
	Questions string
	// Rules are the versions of the rules in force that the publisher
	// consents to on submission (R-RULES-2).
	Rules []rules.Version
}

// Status is the page of a filed request.
type Status struct {
	Request campaign.Request
	// Rejection is the reviewer's decision when the request is rejected
	// by a reviewer; nil when the machine screen refused it.
	Rejection *review.DecisionRecord
	// Channel is the fundraising channel, nil before it opened.
	Channel *campaign.Channel
	// Support is what the request raised and where it came from, nil
	// before the channel opened.
	Support *Support
	// Updates are the published request's progress updates, those taken
	// down included.
	Updates []campaign.Update
}

// Support is what a request raised and where it came from.
type Support struct {
	Raised  money.Fen
	Donors  int
	Sources donation.Sources
	// Sharers are the masked phone numbers of the signed-in sharers other
	// than the publisher, by user id ("" for an account that is gone).
	Sharers map[int64]string
}

// Page is the publisher's page of a request: the filing form while it is
// campaign.Editable, else where the filed request is.
type Page struct {
	Form   *Form
	Status *Status
}

// Detail is a request as the API shows it to its publisher.
type Detail struct {
	Request   campaign.Request
	Materials []material.Material
	// Missing are the kinds of document the request still needs.
	Missing []material.Kind
	// Questions are the reviewer's, while the request needs information;
	// Reason is the reviewer's, once it is rejected.
	Questions, Reason string
	// Charities could help too, once the request is submitted (R-REQ-7).
	Charities []charity.Org
}
