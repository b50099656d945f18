package screen

import (
	"slices"
	"strconv"
)

// The kinds of link SharedLinks asks Facts about.
const (
	LinkPhone  = "phone"
	LinkDevice = "device"
	LinkBank   = "bank"
)

// The scores of SharedLinks.
const (
	// ScorePerLinkedRequest is the score of each other request that
	// shares a phone, device or bank account with this one, up to
	// LinkScoreCap.
	ScorePerLinkedRequest = 10
	LinkScoreCap          = 40
	// LinkFlagAt is how many linked requests flag the request: one can be
	// a relative's earlier request, several are a network.
	LinkFlagAt = 3
)

// SharedLinks scores the relationship network (R-RISK-1): every other
// request that shares a phone, a device or a payee bank account with this
// one raises the score once, however many things they share, and
// LinkFlagAt or more flag it. The reasons, which name the other requests,
// are for staff only.
type SharedLinks struct{}

// Name implements Screen.
func (SharedLinks) Name() string { return "links" }

// Check implements Screen.
func (l SharedLinks) Check(s Subject, f Facts) (Verdict, error) {
	v := Verdict{Screen: l.Name(), Outcome: Pass}
	kinds := []struct {
		kind   string
		values []string
	}{
		{LinkPhone, s.PhoneIndexes},
		{LinkDevice, s.DeviceIDs},
		{LinkBank, s.BankIndexes},
	}
	linked := map[int64]bool{}
	var reasons []Reason
	for _, k := range kinds {
		values := distinct(k.values)
		if len(values) == 0 {
			continue
		}
		m, err := f.SharedLinks(k.kind, values, s.RequestID)
		if err != nil {
			return Verdict{}, err
		}
		var ids []int64
		for _, val := range values {
			// Only the values asked about count: a store answering for
			// some other value must not link unrelated requests.
			ids = append(ids, m[val]...)
		}
		if ids = others(ids, s.RequestID); len(ids) == 0 {
			continue
		}
		for _, id := range ids {
			linked[id] = true
		}
		reasons = append(reasons, Reason{Key: "screen.links." + k.kind + "_staff", Args: []string{strconv.Itoa(len(ids)), idList(ids)}, StaffOnly: true})
	}
	if len(linked) == 0 {
		return v, nil
	}
	o := Pass
	if len(linked) >= LinkFlagAt {
		o = Flag
		reasons = append(reasons, Reason{Key: "screen.links.network_staff", Args: []string{strconv.Itoa(len(linked))}, StaffOnly: true})
	}
	v.add(o, capped(len(linked), ScorePerLinkedRequest, LinkScoreCap), reasons...)
	return v, nil
}

// distinct returns the non-empty values, sorted and without repeats.
func distinct(values []string) []string {
	out := make([]string, 0, len(values))
	for _, s := range values {
		if s != "" {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
