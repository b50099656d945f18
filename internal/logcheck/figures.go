package logcheck

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/carefund/carefund/internal/translog"
)

// Money is a request's public figures in fen, as the API's "money" field
// carries them. The identity: Raised + Recovered = Fees + PaidOut +
// Refunded + Refunding + ToCharity + Held.
type Money struct {
	Raised    int64 `json:"raised"`
	Fees      int64 `json:"fees"`
	PaidOut   int64 `json:"paid_out"`
	Refunded  int64 `json:"refunded"`
	Refunding int64 `json:"refunding"`
	ToCharity int64 `json:"to_charity"`
	Held      int64 `json:"held"`
	Recovered int64 `json:"recovered"`
}

// Balanced reports whether the identity holds.
func (m Money) Balanced() bool {
	return m.Raised+m.Recovered == m.Fees+m.PaidOut+m.Refunded+m.Refunding+m.ToCharity+m.Held
}

// figures lists the figures by their names in the API, for naming a
// mismatch.
func (m Money) figures() []struct {
	name  string
	value int64
} {
	return []struct {
		name  string
		value int64
	}{
		{"raised", m.Raised}, {"fees", m.Fees}, {"paid_out", m.PaidOut}, {"refunded", m.Refunded},
		{"refunding", m.Refunding}, {"to_charity", m.ToCharity}, {"held", m.Held}, {"recovered", m.Recovered},
	}
}

// Tally sums the ledger records of the log by account and kind, the way
// the platform's public figures read the ledger. Tallies of parts of the log
// merge into the tally of the whole.
type Tally struct {
	// request sums the postings on request:R by entry kind.
	request map[int64]map[string]int64
	// payable sums the postings on payable:refund:<run> by entry kind.
	payable map[string]map[string]int64
	// runs maps a refund run to its request, from its refund entries,
	// which credit payable:refund:<run> and debit request:R.
	runs map[string]int64
	// kinds holds every ledger entry's kind, for the reversals.
	kinds map[int64]string
	// conflicts name runs that refund entries give two requests.
	conflicts []string
}

// The keys under which Add counts what is not counted by its own kind: an
// entry that touches income:fees is a fee whatever its kind, and a
// reversal counts as the kind of the entry it undoes, which may stand in
// another part of the log (resolved by Figures), as the platform's
// figures read the ledger.
const (
	feeKind     = "\x00fee"
	reversalKey = "\x00reverses:"
)

// NewTally returns an empty tally.
func NewTally() *Tally {
	return &Tally{request: map[int64]map[string]int64{}, payable: map[string]map[string]int64{}, runs: map[string]int64{},
		kinds: map[int64]string{}}
}

func add(m map[string]int64, k string, v int64) map[string]int64 {
	if m == nil {
		m = map[string]int64{}
	}
	m[k] += v
	return m
}

// requestID reads R from request:R.
func requestID(account string) (int64, bool) {
	s, ok := strings.CutPrefix(account, "request:")
	if !ok {
		return 0, false
	}
	id, err := parseDecimal(s)
	return id, err == nil && id > 0
}

// Add counts a ledger record.
func (t *Tally) Add(l *translog.Ledger) {
	t.kinds[l.Entry] = l.Kind
	kind := l.Kind
	if l.Reverses != 0 {
		kind = reversalKey + strconv.FormatInt(l.Reverses, 10)
	}
	for _, p := range l.Postings {
		if p.Account == "income:fees" {
			kind = feeKind
		}
	}
	var run string
	var req int64
	for _, p := range l.Postings {
		if id, ok := requestID(p.Account); ok {
			t.request[id] = add(t.request[id], kind, p.Amount)
			req = id
		} else if r, ok := strings.CutPrefix(p.Account, "payable:refund:"); ok {
			t.payable[r] = add(t.payable[r], kind, p.Amount)
			run = r
		}
	}
	if l.Kind == "refund" && run != "" && req != 0 {
		t.link(run, req)
	}
}

func (t *Tally) link(run string, req int64) {
	if was, ok := t.runs[run]; ok && was != req {
		t.conflicts = append(t.conflicts, fmt.Sprintf("refund run %s is refunded from both request %d and request %d", run, was, req))
		return
	}
	t.runs[run] = req
}

// Merge adds o into t.
func (t *Tally) Merge(o *Tally) {
	for id, kinds := range o.request {
		for k, v := range kinds {
			t.request[id] = add(t.request[id], k, v)
		}
	}
	for run, kinds := range o.payable {
		for k, v := range kinds {
			t.payable[run] = add(t.payable[run], k, v)
		}
	}
	for _, run := range slices.Sorted(maps.Keys(o.runs)) {
		t.link(run, o.runs[run])
	}
	for e, k := range o.kinds {
		t.kinds[e] = k
	}
	t.conflicts = append(t.conflicts, o.conflicts...)
}

// kindOf resolves the key Add counted under to the kind the figures read.
func (t *Tally) kindOf(key string) (string, error) {
	if key == feeKind {
		return "fee", nil
	}
	s, ok := strings.CutPrefix(key, reversalKey)
	if !ok {
		return key, nil
	}
	id, _ := strconv.ParseInt(s, 10, 64)
	k, ok := t.kinds[id]
	if !ok {
		return "", fmt.Errorf("an entry reverses entry %d, which the log does not hold", id)
	}
	return k, nil
}

// Requests lists the requests with postings, in order.
func (t *Tally) Requests() []int64 { return slices.Sorted(maps.Keys(t.request)) }

// Figures derives every request's figures, and names what the log holds
// that the figures cannot place (a refund run's payable moved without a
// refund entry naming its request).
func (t *Tally) Figures() (map[int64]Money, []string) {
	out := map[int64]Money{}
	problems := slices.Clone(t.conflicts)
	for id, kinds := range t.request {
		var m Money
		for key, sum := range kinds {
			// On request:R a credit (negative) adds, a debit takes away.
			m.Held -= sum
			kind, err := t.kindOf(key)
			if err != nil {
				problems = append(problems, err.Error())
			}
			switch kind {
			case "donation":
				m.Raised -= sum
			case "fee":
				m.Fees += sum
			case "payout", "payout_return":
				m.PaidOut += sum
			case "recovery_receivable":
				m.Recovered -= sum
			}
		}
		out[id] = m
	}
	for _, run := range slices.Sorted(maps.Keys(t.payable)) {
		id, ok := t.runs[run]
		if !ok {
			problems = append(problems, fmt.Sprintf("payable:refund:%s moves but no refund entry names its request", run))
			continue
		}
		m := out[id]
		for key, sum := range t.payable[run] {
			kind, err := t.kindOf(key)
			if err != nil {
				problems = append(problems, err.Error())
			}
			switch kind {
			case "refund_paid":
				m.Refunded += sum
			case "refund_to_charity":
				m.ToCharity += sum
			}
			m.Refunding -= sum
		}
		out[id] = m
	}
	return out, problems
}

// CompareMoney names every figure in which the page differs from the log.
func CompareMoney(id int64, log, page Money) []string {
	var out []string
	pf := page.figures()
	for i, f := range log.figures() {
		if f.value != pf[i].value {
			out = append(out, fmt.Sprintf("request %d: %s is %s in the log but %s on its public page",
				id, f.name, yuan(f.value), yuan(pf[i].value)))
		}
	}
	return out
}

// yuan writes fen as yuan with two decimals.
func yuan(fen int64) string {
	sign := ""
	u := uint64(fen)
	if fen < 0 {
		sign, u = "-", uint64(-fen)
	}
	return sign + "¥" + strconv.FormatUint(u/100, 10) + "." + fmt.Sprintf("%02d", u%100)
}
