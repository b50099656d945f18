package filing

import (
	"maps"
	"testing"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/money"
)

// TestKeepUnread: a field whose input could not be read keeps the value
// saved before, and every other field takes what was sent, so that a typo
// never wipes a figure or an answer (R-REQ-1, R-REQ-2).
func TestKeepUnread(t *testing.T) {
	stored := campaign.Filing{Target: 300_000_00, EstimatedCosts: 320_000_00,
		Use: []campaign.UseItem{{Label: "化疗", Amount: 200_000_00}},
		Disclosures: map[campaign.Topic]campaign.Disclosure{
			campaign.Debts: {Answered: true, Yes: true, Detail: "借款", Amount: 50_000_00},
		}}
	sent := func() campaign.Filing {
		return campaign.Filing{Title: "新标题", Use: []campaign.UseItem{{Label: "放疗"}},
			Disclosures: map[campaign.Topic]campaign.Disclosure{campaign.Debts: {Detail: "新说明"}}}
	}
	tests := []struct {
		field string
		check func(f campaign.Filing) bool
	}{
		{"target", func(f campaign.Filing) bool { return f.Target == stored.Target }},
		{"estimated_costs", func(f campaign.Filing) bool { return f.EstimatedCosts == stored.EstimatedCosts }},
		{"use.0.amount", func(f campaign.Filing) bool { return f.Use[0].Amount == 200_000_00 && f.Use[0].Label == "放疗" }},
		{"use.7.amount", func(f campaign.Filing) bool { return f.Use[0].Amount == 0 }},
		{"disclosure.debts.amount", func(f campaign.Filing) bool {
			d := f.Disclosures[campaign.Debts]
			return d.Amount == 50_000_00 && !d.Answered && d.Detail == "新说明"
		}},
		{"disclosure.debts", func(f campaign.Filing) bool {
			d := f.Disclosures[campaign.Debts]
			return d.Answered && d.Yes && d.Amount == 0 && d.Detail == "新说明"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			f := sent()
			KeepUnread(&f, stored, []apperr.FieldError{{Field: tt.field, Key: "money.syntax"}})
			if !tt.check(f) || f.Title != "新标题" {
				t.Errorf("KeepUnread(%s) = %+v", tt.field, f)
			}
		})
	}
}

// TestRefusal: what could not be read comes first with its own message; the
// rules' problems follow on the other fields, and none is named twice.
func TestRefusal(t *testing.T) {
	unread := []apperr.FieldError{{Field: "target", Key: "money.syntax"}}
	rules := &apperr.Error{Code: apperr.Invalid, Key: campaign.KeyInvalid, Fields: []apperr.FieldError{
		{Field: "target", Key: campaign.KeyRequired}, {Field: "title", Key: campaign.KeyRequired},
		{Field: "relationship_proof", Key: campaign.KeyProofRequired}}}
	got := map[string]string{}
	e := apperr.As(refusal(unread, rules, func(f string) bool { return f == "relationship_proof" }))
	if e == nil || e.Code != apperr.Invalid || e.Key != campaign.KeyInvalid {
		t.Fatalf("refusal = %v, want Invalid %s", e, campaign.KeyInvalid)
	}
	for _, fe := range e.Fields {
		if _, dup := got[fe.Field]; dup {
			t.Errorf("%s named twice", fe.Field)
		}
		got[fe.Field] = fe.Key
	}
	if want := map[string]string{"target": "money.syntax", "title": campaign.KeyRequired}; !maps.Equal(got, want) {
		t.Errorf("fields %v, want %v", got, want)
	}
	if err := refusal(nil, nil, nil); err != nil {
		t.Errorf("refusal of nothing = %v", err)
	}
	if err := Refusal(nil, campaign.Filing{Title: "\xff", Target: money.Fen(1)}); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("Refusal of a title that is not UTF-8 = %v", err)
	}
}
