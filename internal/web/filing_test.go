package web

import (
	"bytes"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/i18n"
)

func init() {
	samples = append(samples,
		MyRequests{Verified: true, Requests: []MyRequestRow{{ID: 1, Title: "<script>alert(1)</script>", StateKey: "campaign.state.draft", Updated: "2026-11-24"}, {ID: 2, StateKey: "campaign.state.in_review"}}},
		MyRequests{Form: Form{Message: "verify first"}},
		RequestForm{ID: 1, Revision: 3, NeedsInfo: true, Questions: "请补充<script>alert(1)</script>",
			Relationships: []Option{{Value: "self", Key: "campaign.relationship.self"}},
			Topics: []TopicRow{{Topic: "debts", QuestionKey: "campaign.topic.debts", AmountKey: "campaign.topic.debts.amount", NeedsAmount: true},
				{Topic: "vehicles", QuestionKey: "campaign.topic.vehicles", AmountKey: "campaign.topic.vehicles.amount"}, {Topic: "poor_household", QuestionKey: "campaign.topic.poor_household"}},
			UseRows:   []int{0, 1, 2},
			Materials: []MaterialRow{{ID: 1, KindKey: "material.kind.diagnosis", Type: "image/jpeg", Size: "120 KB", Reviewed: true}},
			Kinds:     []KindRow{{Kind: "diagnosis", NameKey: "material.kind.diagnosis", HintKey: "material.hint.diagnosis", Required: true, Have: 1}},
			Rules:     []RuleLink{{ID: 1, Kind: "fees", Title: "收费标准", Number: "1.0"}}, MaxUpload: 10, Saved: "saved",
			Form: Form{Values: map[string]string{"title": "t", "use.0.label": "化疗", "disclosure.debts": "yes"},
				Errors: map[string]string{"title": "x", "use.0.amount": "y", "disclosure.debts.amount": "z", "material_diagnosis": "m", "file": "f"}, Message: "fix"}},
		RequestForm{ID: 2},
		RequestForm{ID: 3, Amend: true, Revision: 9, Topics: []TopicRow{{Topic: "debts", QuestionKey: "campaign.topic.debts"}}, UseRows: []int{0},
			Form: Form{Values: map[string]string{"patient_name": "张小明"}, Errors: map[string]string{"truthful": "x"}}},
		RequestSubmitted{ID: 1, StateKey: "campaign.state.in_review", Charities: []ReferralRow{{Name: "n", Summary: "s", URL: "https://example.org", Demo: true}}},
		RequestSubmitted{ID: 1, StateKey: "campaign.state.rejected"},
		RequestStatus{ID: 1, Title: "t", StateKey: "campaign.state.fundraising", Published: true, Deadline: "2026-12-24", CanClose: true, CanExtend: true, CanUpdate: true, CanAmend: true,
			Closings: []Option{{Value: "purpose_achieved", Key: "filing.close.purpose_achieved"}}, Causes: []Option{{Value: "died", Key: "filing.cause.died"}},
			Updates: []UpdateRow{{At: "2026-11-24", Body: "b"}, {At: "2026-11-25", TakenDown: true, Reason: "r"}}, Notice: "n",
			Form: Form{Errors: map[string]string{"reason": "x", "body": "y"}}},
		RequestStatus{ID: 2, Title: "t", StateKey: "campaign.state.rejected", Reason: "no"},
	)
}

// TestAmendFormKeepsThePatient: the form that changes a published request
// offers no way to change the patient or the documents, and no draft
// autosave (R-REQ-6: a change is published, as a new version, on purpose).
func TestAmendFormKeepsThePatient(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.Render(&buf, i18n.ZH, "/", Viewer{User: true}, RequestForm{ID: 7, Amend: true}); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, bad := range []string{`type="file"`, `data-autosave`, `name="consent"`, `formaction="/my/requests/7/submit"`} {
		if strings.Contains(html, bad) {
			t.Errorf("the amendment form has %s", bad)
		}
	}
	for _, want := range []string{`action="/my/requests/7/amend"`, `name="patient_id" maxlength="24" autocomplete="off" inputmode="text" value="" readonly`, `name="truthful"`} {
		if !strings.Contains(html, want) {
			t.Errorf("the amendment form lacks %s", want)
		}
	}
}
