// Package review is the double audit of a request for help before it is
// published (R-REV-1): the machine pre-screen (package screen) run over the
// database, then the human review team.
//
// Screen runs the screens on a submitted request, stores the result and
// moves the request on: into the review queue, or straight to rejected when
// a screen blocks it (a blacklisted person, R-BL-1; another open request for
// the same patient). Reviewers take requests from Queue, riskiest and
// oldest first, Claim one at a time, and approve it, reject it with a
// reason or ask for more material (R-REV-2). A reviewer never reviews a
// request of someone they are related to (review_conflicts, kept by
// admins), and a high-risk request or one above ¥500,000 needs the approval
// of two different reviewers (R-REV-3).
//
// Every screening and every decision is stored and never changed, with the
// reasons (R-REV-1). Screenings hold only message keys and their
// arguments, never personal data.
//
// The steps (Screen, Claim, Approve, …) take a *store.Tx, so that a use
// case composes them in one transaction; the rules they apply are pure
// functions in rules.go. The review console's use cases are the methods of
// Service, one transaction each, which append the action's audit record
// first. Relatedness (R-REV-3) is checked by one function, related, which
// every step of the review calls.
package review

import (
	"strings"
	"time"

	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/screen"
)

// publicTexts are the texts of a filing the public would read, which the
// wording screen looks at: the title, the story, the diagnosis, the use of
// the money and the details of the disclosures.
func publicTexts(f campaign.Filing) []string {
	texts := []string{f.Title, f.Story, f.Diagnosis}
	for _, u := range f.Use {
		texts = append(texts, u.Label, u.Note)
	}
	for _, t := range campaign.Topics {
		if d := f.Disclosures[t].Detail; d != "" {
			texts = append(texts, d)
		}
	}
	return texts
}

// publicKeys lists the keys of the reasons the requester may see, for the
// rejection's event.
func publicKeys(res screen.Result) string {
	var keys []string
	for _, r := range res.Reasons(false) {
		keys = append(keys, r.Key)
	}
	return strings.Join(keys, ",")
}

// Screening is one stored screening of a request.
type Screening struct {
	ID int64
	screen.Result
	Actor string
	At    time.Time
}

// KeyNotScreened is the message key of a request never screened.
const KeyNotScreened = "review.not_screened"
