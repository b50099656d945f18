package payout

import (
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/money"
)

// Mode is the way money may leave a request (R-DISB-3).
type Mode string

// The modes.
const (
	// Direct pays any payee R-DISB-2 allows, the requester's own account
	// first among them, in one or more payouts.
	Direct Mode = "direct"
	// HospitalOrBatches pays only the hospital's account directly, or pays
	// in batches, each batch only after its medical plan / expense list has
	// been reviewed and published on the request page.
	HospitalOrBatches Mode = "hospital_or_batches"
)

// NameKey is the i18n key of the mode's name.
func (m Mode) NameKey() string { return "payout.mode." + string(m) }

// The thresholds of R-DISB-3, on the amount actually raised.
const (
	// LargeRaised is ¥300,000: from here on the money goes to the hospital
	// or in batches, whatever was disclosed.
	LargeRaised money.Fen = 300_000_00
	// DisclosedRaised is ¥50,000: from here on an incomplete disclosure
	// is enough to restrict the payout.
	DisclosedRaised money.Fen = 50_000_00
)

// Disclosure is what the mode rule needs to know of a request's disclosure:
// its gaps, as REQUIREMENTS.md defines an incomplete disclosure for
// R-DISB-3. The store reads them; the rule only counts them.
type Disclosure struct {
	// OpenTopics are the R-REQ-2 topics answered "unknown" or not verified
	// by review (see OpenTopics).
	OpenTopics []campaign.Topic
	// Materials are the R-REQ-3 materials the request requires that are
	// missing or unpublished, by their material kind ("diagnosis",
	// "cost_estimate", ...). Plain names keep this package free of the
	// material package's storage.
	Materials []string
}

// Complete reports whether the disclosure has no gap at all.
func (d Disclosure) Complete() bool { return len(d.OpenTopics) == 0 && len(d.Materials) == 0 }

// OpenTopics returns, in the order of campaign.Topics, the disclosure
// topics of R-REQ-2 that count against a complete disclosure: a topic not
// answered (or not in ds at all, which is the same to a donor) and a topic
// that review has not verified. It walks campaign.Topics rather than ds so
// that a topic missing from the map cannot pass unnoticed.
func OpenTopics(ds map[campaign.Topic]campaign.Disclosure, verified map[campaign.Topic]bool) []campaign.Topic {
	var out []campaign.Topic
	for _, t := range campaign.Topics {
		if !ds[t].Answered || !verified[t] {
			out = append(out, t)
		}
	}
	return out
}

// ModeDecision is the mode that applies to a request and why, as the
// publisher sees it before applying (R-DISB-3).
type ModeDecision struct {
	Mode Mode
	// Key and Args are the reason, a message of the i18n catalog.
	Key  string
	Args []any
	// Gaps is the disclosure whose gaps restrict the payout; it is empty
	// unless the reason is KeyModeIncomplete, and tells the publisher what
	// to complete to be paid directly.
	Gaps Disclosure
}

// DecideMode applies R-DISB-3 to the amount actually raised (donations
// received for the request, not its target) and its disclosure: ¥300,000 or
// more, or ¥50,000 or more with an incomplete disclosure, pays only the
// hospital directly or in batches; anything else may be paid directly. Both
// thresholds are inclusive, as the rule says "≥".
//
// The decision is taken afresh for every application, on the figures of
// that moment: money keeps coming in, and a publisher who completes the
// disclosure below ¥300,000 is paid directly again.
func DecideMode(raised money.Fen, d Disclosure) ModeDecision {
	args := []any{raised.String()}
	switch {
	case raised >= LargeRaised:
		return ModeDecision{Mode: HospitalOrBatches, Key: KeyModeLarge, Args: args}
	case raised >= DisclosedRaised && !d.Complete():
		return ModeDecision{Mode: HospitalOrBatches, Key: KeyModeIncomplete, Args: args, Gaps: d}
	case raised >= DisclosedRaised:
		return ModeDecision{Mode: Direct, Key: KeyModeDisclosed, Args: args}
	}
	return ModeDecision{Mode: Direct, Key: KeyModeSmall, Args: args}
}
