package server

import (
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/complaint"
	"github.com/carefund/carefund/internal/disclosure"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/payout"
	"github.com/carefund/carefund/internal/web"
)

// timelineOf is a request's timeline as its public page shows it, newest
// first (R-DISC-1, R-DISC-2): its updates, its payouts (to whom as a kind,
// or the hospital) and their usage updates with the receipts' count, and
// the refunds, gifts to charity and fees of its ledger lines, one a day
// and kind.
func timelineOf(lang i18n.Lang, updates []campaign.Update, payouts []payout.PublicPayout, lines []disclosure.Line, responses []complaint.PublicResponse) []web.TimelineItem {
	// The published responses to complaints about the request (R-DISC-2).
	evs := disclosure.ComplaintEvents(responses)
	for _, u := range updates {
		e := disclosure.Event{At: u.PostedAt, Kind: disclosure.EventUpdate, Text: u.Body, Ref: u.ID}
		if u.TakenDown {
			e.Text, e.Removed = u.TakedownReason, true
		}
		evs = append(evs, e)
	}
	for _, p := range payouts {
		evs = append(evs, disclosure.Event{At: p.Date, Kind: disclosure.EventPayout, Amount: p.Amount, Ref: p.ID,
			ToKey: p.ToKey, Hospital: p.Hospital, StateKey: p.State.NameKey()})
		for _, u := range p.Usage {
			evs = append(evs, disclosure.Event{At: u.At, Kind: disclosure.EventUsage, Text: u.Text, Receipts: u.Receipts, Ref: p.ID})
		}
	}
	var out []web.TimelineItem
	for _, e := range disclosure.Timeline(evs, disclosure.MoneyEvents(lines)) {
		it := web.TimelineItem{At: day(e.At), Date: day(e.At), KindKey: "moneytrail.event." + string(e.Kind), Text: e.Text,
			Removed: e.Removed, ToKey: e.ToKey, Hospital: e.Hospital, StateKey: e.StateKey, Receipts: e.Receipts}
		if e.Kind == disclosure.EventUpdate {
			it.Date = minute(e.At)
		}
		if e.Amount != 0 {
			it.Amount = e.Amount.Format(lang)
		}
		out = append(out, it)
	}
	return out
}
