package disclosure

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/money"
)

// Line is one posting of a request's public ledger (R-RPT-1): an entry
// that moved one of the request's own accounts (request:R, the payable
// accounts of its payouts and refund runs, its recovery receivable). It
// names accounts by class only ("psp", "bank:custody", "payable:refund"):
// never a donor, a payee, an account number nor an idempotency key
// (R-PII-1).
type Line struct {
	Entry int64 // the ledger entry, as the transparency log numbers it (ledger:<entry>)
	At    time.Time
	Kind  string // the entry's kind: donation, payout, refund, refund_paid, …
	// Account is the class of the request's account the posting moved.
	Account string
	// Amount is positive; In tells whether it came into the account (a
	// credit of a liability, a debit of an asset) or went out.
	Amount money.Fen
	In     bool
	// Counterparty are the classes of the entry's other accounts, sorted.
	Counterparty []string
}

// accountPrefixes are the account names that end in an identifier: their
// class is the name without it.
var accountPrefixes = []string{"request:", "psp:", "payable:payout:", "payable:refund:", "receivable:recovery:"}

// AccountClass is the class of ledger account name: the name without its
// identifier (psp:wechatpay is "psp", payable:refund:12 is
// "payable:refund"), or the name itself when it has none (bank:custody).
// The public ledger names classes only.
func AccountClass(name string) string {
	for _, p := range accountPrefixes {
		if strings.HasPrefix(name, p) {
			return strings.TrimSuffix(p, ":")
		}
	}
	return name
}

// inflow reports whether a posting of amount (debit positive) on account
// name brings money into it: assets grow by debits, the others by credits.
func inflow(name string, amount int64) bool {
	switch AccountClass(name) {
	case "psp", "receivable:recovery", "bank:custody":
		return amount > 0
	}
	return amount < 0
}

// EventKind is what a timeline event is (R-DISC-1, R-DISC-2).
type EventKind string

// The kinds of the timeline's events.
const (
	EventUpdate    EventKind = "update"     // the publisher's update on the patient and the request
	EventPayout    EventKind = "payout"     // money paid out, to the patient's account or a hospital
	EventUsage     EventKind = "usage"      // how a payout was used, with its receipts
	EventRefund    EventKind = "refund"     // refunds decided: the money goes back to donors
	EventRefunded  EventKind = "refunded"   // refunds paid back
	EventToCharity EventKind = "to_charity" // what could not be paid back, given to charity: the use of a surplus
	EventFee       EventKind = "fee"        // a fee taken with consent
	// EventComplaint is the published response to a complaint or report
	// about the request (R-COMP-1, R-DISC-2); ComplaintEvents makes them.
	EventComplaint EventKind = "complaint"
)

// Event is one line of a request's timeline. Amount is zero for events
// without money; Text is the publisher's or staff's public words.
type Event struct {
	At     time.Time
	Kind   EventKind
	Amount money.Fen
	Text   string
	// Removed: an update taken down, Text its public reason.
	Removed bool
	// ToKey names the payee of a payout as a kind, Hospital the hospital;
	// StateKey is the payout's state. Receipts counts a usage update's
	// receipts.
	ToKey, Hospital, StateKey string
	Receipts                  int
	// Ref is the payout or ledger entry the event is about, to keep the
	// order stable between events at the same moment.
	Ref int64
}

// MoneyEvents are the timeline's events of the ledger lines, one a day
// and kind: a refund run decides hundreds of refunds at once, and the
// timeline says what happened that day, not each donor's share. Payouts
// are not among them: the payout list, which names who was paid, makes
// those.
func MoneyEvents(lines []Line) []Event {
	var out []Event
	index := map[[2]string]int{}
	for _, l := range lines {
		var kind EventKind
		switch {
		case l.Kind == "refund" && l.Account == "payable:refund" && l.In:
			kind = EventRefund
		case l.Kind == "refund_paid" && l.Account == "payable:refund":
			kind = EventRefunded
		case l.Kind == "refund_to_charity" && l.Account == "payable:refund":
			kind = EventToCharity
		case l.Account == "request" && slices.Contains(l.Counterparty, "income:fees"):
			kind = EventFee
		default:
			continue
		}
		k := [2]string{l.At.Format(time.DateOnly), string(kind)}
		if i, ok := index[k]; ok {
			out[i].Amount += l.Amount
			continue
		}
		index[k] = len(out)
		out = append(out, Event{At: l.At, Kind: kind, Amount: l.Amount, Ref: l.Entry})
	}
	return out
}

// Timeline merges events into one list, newest first.
func Timeline(events ...[]Event) []Event {
	var out []Event
	for _, es := range events {
		out = append(out, es...)
	}
	slices.SortStableFunc(out, func(a, b Event) int {
		if c := b.At.Compare(a.At); c != 0 {
			return c
		}
		return cmp.Compare(b.Ref, a.Ref)
	})
	return out
}
