package payout

import (
	"slices"
	"testing"

	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/money"
)

// TestDecideMode proves the mode rule, at both thresholds, exactly and one
// fen below.
// R-DISB-3
func TestDecideMode(t *testing.T) {
	complete := Disclosure{}
	topic := Disclosure{OpenTopics: []campaign.Topic{campaign.Debts}}
	material := Disclosure{Materials: []string{"cost_estimate"}}
	tests := []struct {
		name   string
		raised money.Fen
		d      Disclosure
		mode   Mode
		key    string
	}{
		{"nothing raised", 0, complete, Direct, KeyModeSmall},
		{"nothing raised, incomplete", 0, topic, Direct, KeyModeSmall},
		{"one fen below ¥50,000, complete", 49_999_99, complete, Direct, KeyModeSmall},
		{"one fen below ¥50,000, incomplete", 49_999_99, topic, Direct, KeyModeSmall},
		{"¥50,000, complete", 50_000_00, complete, Direct, KeyModeDisclosed},
		{"¥50,000, a topic open", 50_000_00, topic, HospitalOrBatches, KeyModeIncomplete},
		{"¥50,000, a material missing", 50_000_00, material, HospitalOrBatches, KeyModeIncomplete},
		{"one fen below ¥300,000, complete", 299_999_99, complete, Direct, KeyModeDisclosed},
		{"one fen below ¥300,000, incomplete", 299_999_99, material, HospitalOrBatches, KeyModeIncomplete},
		{"¥300,000, complete", 300_000_00, complete, HospitalOrBatches, KeyModeLarge},
		{"¥300,000, incomplete", 300_000_00, topic, HospitalOrBatches, KeyModeLarge},
		{"above the cap", 600_000_00, complete, HospitalOrBatches, KeyModeLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DecideMode(tt.raised, tt.d)
			if got.Mode != tt.mode || got.Key != tt.key {
				t.Errorf("DecideMode(%s) = %s %s, want %s %s", tt.raised, got.Mode, got.Key, tt.mode, tt.key)
			}
			if len(got.Args) != 1 || got.Args[0] != tt.raised.String() {
				t.Errorf("Args = %v, want the amount raised %s", got.Args, tt.raised)
			}
			wantGaps := tt.key == KeyModeIncomplete
			if gaps := !got.Gaps.Complete(); gaps != wantGaps {
				t.Errorf("Gaps = %+v, want gaps %v", got.Gaps, wantGaps)
			}
		})
	}
}

// TestOpenTopics proves what counts as an open disclosure topic: not
// answered, missing, or not verified.
// R-DISB-3
func TestOpenTopics(t *testing.T) {
	all := map[campaign.Topic]campaign.Disclosure{}
	verified := map[campaign.Topic]bool{}
	for _, tp := range campaign.Topics {
		all[tp] = campaign.Disclosure{Answered: true}
		verified[tp] = true
	}
	without := func(m map[campaign.Topic]campaign.Disclosure, tp campaign.Topic) map[campaign.Topic]campaign.Disclosure {
		out := map[campaign.Topic]campaign.Disclosure{}
		for k, v := range m {
			if k != tp {
				out[k] = v
			}
		}
		return out
	}
	unanswered := without(all, campaign.Income)
	unanswered[campaign.Income] = campaign.Disclosure{Yes: true}
	unverified := map[campaign.Topic]bool{}
	for k, v := range verified {
		unverified[k] = v && k != campaign.Housing && k != campaign.MedicalInsurance
	}
	tests := []struct {
		name     string
		ds       map[campaign.Topic]campaign.Disclosure
		verified map[campaign.Topic]bool
		want     []campaign.Topic
	}{
		{"all answered and verified", all, verified, nil},
		{"a topic missing", without(all, campaign.Debts), verified, []campaign.Topic{campaign.Debts}},
		{"a topic unanswered", unanswered, verified, []campaign.Topic{campaign.Income}},
		{"two unverified, in form order", all, unverified, []campaign.Topic{campaign.MedicalInsurance, campaign.Housing}},
		{"nothing at all", nil, nil, campaign.Topics},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := OpenTopics(tt.ds, tt.verified); !slices.Equal(got, tt.want) {
				t.Errorf("OpenTopics = %v, want %v", got, tt.want)
			}
		})
	}
}
