package reconcile

import (
	"fmt"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/bank/iso20022"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
)

// Item is a ledger entry that moved bank:custody.
type Item struct {
	Key string
	// Amount is the signed change of bank:custody: positive into custody.
	Amount   money.Fen
	PostedAt time.Time
}

// Window is the stretch of time a statement accounts for, and its
// cut-off.
type Window struct {
	// Start and End bound the period, as instants: midnight in China of
	// its first day and of the day after its last.
	Start, End time.Time
	// CutOff: an entry posted less than CutOff before End is in transit.
	CutOff time.Duration
}

// bankZone is China Standard Time, where the custody bank keeps its dates.
var bankZone = time.FixedZone("CST", 8*3600)

// WindowOf returns the window of the bank dates from to to (inclusive,
// each at midnight UTC as iso20022 returns them).
func WindowOf(from, to time.Time, cutOff time.Duration) Window {
	at := func(d time.Time) time.Time {
		y, m, day := d.Date()
		return time.Date(y, m, day, 0, 0, 0, 0, bankZone)
	}
	return Window{Start: at(from), End: at(to).AddDate(0, 0, 1), CutOff: cutOff}
}

// Found is a difference before it is stored.
type Found struct {
	Kind          Kind
	Source        Source
	Reference     string
	Ledger, Other *money.Fen
	Detail        string
}

// Outcome is what Match made of a statement.
type Outcome struct {
	Matched int
	// InTransit are the keys of the entries in transit at the period's
	// end, InTransitSum their sum.
	InTransit    []string
	InTransitSum money.Fen
	Found        []Found
}

func fen(f money.Fen) *money.Fen { return &f }

// Signed returns a statement line's amount as it moved the account:
// positive for a credit.
func Signed(e iso20022.Entry) money.Fen {
	if e.Direction == iso20022.Debit {
		return -e.Amount
	}
	return e.Amount
}

// LineKey returns the ledger key a statement line books, given the
// ledger's keys (has): custody:<end-to-end id> (the line's own reference
// when the bank gives no end-to-end id), and for a credit line that
// returns a payout, custody:<id>:return. A credit is a return when the
// bank marks it a reversal, or, in a CSV statement that cannot, when the
// ledger has the return and the id's own entry took money out.
func LineKey(e iso20022.Entry, has func(key string) (money.Fen, bool)) (key, ref string) {
	ref = e.EndToEndID
	if ref == "" {
		ref = e.Reference
	}
	key = "custody:" + ref
	if e.Direction == iso20022.Credit {
		ret := key + ":return"
		if e.Reversal {
			return ret, ref
		}
		if _, ok := has(ret); ok {
			if a, ok := has(key); !ok || a < 0 {
				return ret, ref
			}
		}
	}
	return key, ref
}

// Match reconciles a statement's lines against the ledger's custody items
// (R-FUND-4). Every line finds its entry by key (LineKey): a line without
// one is extra; a second line for one key is a duplicate; a line whose
// amount or direction differs from its entry's is an amount mismatch.
// Every item not on the statement is, by when it was posted: in transit
// when within the cut-off before the period's end; missing when posted
// earlier in the period; overdue when it was in transit at the previous
// statement (prevInTransit) and still is not booked. Items posted before
// the period and not in transit then, or after it, are another
// statement's. It is linear in lines plus items: a statement of a million
// lines takes a fraction of a second.
func Match(lines []iso20022.Entry, items []Item, w Window, prevInTransit map[string]bool) Outcome {
	idx := make(map[string]int32, len(items))
	for i, it := range items {
		idx[it.Key] = int32(i)
	}
	has := func(key string) (money.Fen, bool) {
		i, ok := idx[key]
		if !ok {
			return 0, false
		}
		return items[i].Amount, true
	}
	matched := make([]bool, len(items))
	var out Outcome
	// Lines without an entry are few; their keys are kept to tell a
	// second such line from the first.
	extra := map[string]bool{}
	for _, e := range lines {
		key, ref := LineKey(e, has)
		amount := Signed(e)
		i, ok := idx[key]
		switch {
		case !ok && extra[key]:
			out.Found = append(out.Found, Found{Kind: Duplicate, Source: FromStatement, Reference: ref, Other: fen(amount),
				Detail: fmt.Sprintf("line %s: a second line for %s, which the ledger does not know either", e.Reference, ref)})
		case !ok:
			extra[key] = true
			out.Found = append(out.Found, Found{Kind: Extra, Source: FromStatement, Reference: ref, Other: fen(amount),
				Detail: fmt.Sprintf("line %s: no ledger entry %s", e.Reference, key)})
		case matched[i]:
			out.Found = append(out.Found, Found{Kind: Duplicate, Source: FromStatement, Reference: ref,
				Ledger: fen(items[i].Amount), Other: fen(amount),
				Detail: fmt.Sprintf("line %s: a second line for ledger entry %s", e.Reference, key)})
		default:
			matched[i] = true
			if items[i].Amount != amount {
				out.Found = append(out.Found, Found{Kind: AmountMismatch, Source: FromStatement, Reference: ref,
					Ledger: fen(items[i].Amount), Other: fen(amount),
					Detail: fmt.Sprintf("line %s: %s on the statement, %s in ledger entry %s", e.Reference, amount, items[i].Amount, key)})
				continue
			}
			out.Matched++
		}
	}
	transitFrom := w.End.Add(-w.CutOff)
	for i, it := range items {
		if matched[i] {
			continue
		}
		p := it.PostedAt
		switch {
		case prevInTransit[it.Key]:
			out.Found = append(out.Found, Found{Kind: InTransitOverdue, Source: FromStatement, Reference: refOf(it.Key),
				Ledger: fen(it.Amount),
				Detail: fmt.Sprintf("ledger entry %s, posted %s, was in transit at the previous statement and is still not booked",
					it.Key, p.In(bankZone).Format(time.DateTime))})
		case !p.Before(w.End) || p.Before(w.Start):
			// Another statement's.
		case !p.Before(transitFrom):
			out.InTransit = append(out.InTransit, it.Key)
			out.InTransitSum += it.Amount
		default:
			out.Found = append(out.Found, Found{Kind: Missing, Source: FromStatement, Reference: refOf(it.Key),
				Ledger: fen(it.Amount),
				Detail: fmt.Sprintf("ledger entry %s, posted %s before the cut-off, is not on the statement",
					it.Key, p.In(bankZone).Format(time.DateTime))})
		}
	}
	return out
}

// refOf returns the reference a custody key names: custody:CFPO1 and
// custody:CFPO1:return both name CFPO1.
func refOf(key string) string {
	return strings.TrimSuffix(strings.TrimPrefix(key, "custody:"), ":return")
}

// DonationKey is the ledger key of the donation a provider's transaction
// paid, as package donation posts it.
func DonationKey(provider, transactionID string) string {
	return "donation:" + provider + ":" + transactionID
}

// MatchSettlement reconciles a settlement file's transactions against the
// ledger's donations (donations: key → amount into psp:<provider>): a
// transaction without its donation is extra, one with another amount an
// amount mismatch. The settlement's net against the statement's credit
// line is Match's, through the settlement's own ledger entry.
func MatchSettlement(s payment.Settlement, donations map[string]money.Fen) []Found {
	var out []Found
	for _, l := range s.Lines {
		key := DonationKey(s.Provider, l.TransactionID)
		a, ok := donations[key]
		switch {
		case !ok:
			out = append(out, Found{Kind: Extra, Source: FromSettlement, Reference: l.TransactionID, Other: fen(l.Amount),
				Detail: fmt.Sprintf("settlement %s: transaction %s has no donation in the ledger", s.Ref, l.TransactionID)})
		case a != l.Amount:
			out = append(out, Found{Kind: AmountMismatch, Source: FromSettlement, Reference: l.TransactionID,
				Ledger: fen(a), Other: fen(l.Amount),
				Detail: fmt.Sprintf("settlement %s: transaction %s settled %s, the donation is %s", s.Ref, l.TransactionID, l.Amount, a)})
		}
	}
	return out
}
