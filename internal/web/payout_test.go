package web

import (
	"bytes"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/i18n"
)

func init() {
	docs := []DocumentRow{{ID: 3, KindKey: "material.kind.relationship", Uploaded: "2026-03-02 10:00", Reviewed: true, Checked: true},
		{ID: 4, KindKey: "material.kind.expense_list", Published: true}}
	kinds := []Option{{Value: "relationship", Key: "material.kind.relationship"}}
	samples = append(samples,
		PayoutForm{RequestID: 1, ModeKey: "payout.mode.hospital_or_batches", Restricted: true,
			Reason: "<script>alert(1)</script>", Gaps: []string{"g"}, Raised: "¥1", Held: "¥1", InProgress: "¥0", Available: "¥1", Blocked: "overdue",
			PayeeKinds:    []Option{{Value: "requester", Key: "payout.payee_kind.requester"}},
			Relationships: []Option{{Value: "parent", Key: "campaign.relationship.parent"}},
			Designators:   []Option{{Value: "requester", Key: "payoutpages.designator.requester"}},
			Hospitals:     []HospitalOption{{ID: 7, Name: "协和", BankName: "工行", AccountMasked: "0200****2345"}},
			Documents:     docs, DocumentKinds: kinds, MaxUpload: 10, Key: "k", Notice: "n",
			Form: Form{Values: map[string]string{"amount": "1.5", "payee": "requester", "hospital": "7", "batch": "1"},
				Errors: map[string]string{"amount": "a", "payee": "p", "account_number": "x", "materials": "m"}, Message: "fix"}},
		PayoutForm{RequestID: 2, ModeKey: "payout.mode.direct"},
		PayoutStatus{ID: 1, RequestID: 2, StateKey: "payout.state.needs_info", Amount: "¥1", PayeeKey: "payout.payee_kind.hospital",
			Hospital: "协和", AccountMasked: "6222****0128", Submitted: "s", ReviewDue: "r", Question: "q", CanAnswer: true,
			Documents: docs, DocumentKinds: kinds, Form: Form{Errors: map[string]string{"text": "t"}}},
		PayoutStatus{ID: 1, StateKey: "payout.state.paid", PayeeKey: "payout.payee_kind.requester", Paid: "p", UsageDue: "u",
			UsageOverdue: true, CanPostUsage: true, Usage: []UsageRow{{At: "a", Text: "t", Receipts: 2}}},
		StaffPayouts{CanOpen: true, Counts: []CountRow{{StateKey: "payout.state.requested", N: 2}},
			Rows: []StaffPayoutRow{{ID: 1, RequestID: 2, StateKey: "payout.state.in_review", PayeeKey: "payout.payee_kind.requester",
				Overdue: true, ClockKey: "payoutpages.clock.review", Shared: "s", Mine: true, FirstDone: true}, {ID: 2, PayeeKey: "payout.payee_kind.hospital", StateKey: "payout.state.needs_info", Paused: true}}},
		StaffPayouts{},
		StaffPayout{ID: 1, RequestID: 2, StateKey: "payout.state.in_review", PayeeKey: "payout.payee_kind.relative",
			RelationshipKey: "campaign.relationship.parent", DesignatedKey: "payoutpages.designator.requester", ModeKey: "payout.mode.direct",
			ModeNowKey: "payout.mode.direct", Flags: []string{"f"}, Overdue: true, ClockKey: "payoutpages.clock.review",
			Documents: []int64{3}, Claimant: "fin1", FirstApprover: "fin1", CanSecond: true, FirstMine: true,
			Events: []PayoutEventRow{{ToKey: "payout.state.requested"}, {FromKey: "payout.state.requested", ToKey: "payout.state.in_review"}},
			Form:   Form{Errors: map[string]string{"approve": "x", "reason": "y"}}},
		StaffPayout{ID: 1, StateKey: "payout.state.in_review", PayeeKey: "payout.payee_kind.requester", ModeKey: "payout.mode.direct",
			ModeNowKey: "payout.mode.direct", Revealed: "6222021234567890128", CanClaim: true, CanDecide: true, CanReject: true, Mine: true},
		RequestStatus{ID: 3, Title: "t", StateKey: "campaign.state.fundraising", Published: true, CanPay: true,
			Payouts: []PayoutRow{{ID: 1, At: "a", Amount: "¥1", StateKey: "payout.state.paid", ToKey: "payout.public.to.hospital", Hospital: "协和"}}},
		PublicRequest{ID: 4, StateKey: "campaign.state.fundraising", Payouts: []PublicPayoutView{{Date: "d", Amount: "¥1", StateKey: "payout.state.paid",
			ToKey: "payout.public.to.hospital", Hospital: "协和", ExpenseList: []string{"e"}, Usage: []UsageRow{{At: "a", Text: "t"}}}}},
	)
}

// TestPublicPayoutsRender: the public page names the payee by kind or
// hospital only (R-DISB-2, R-PII-1): its type has no field for an account.
func TestPublicPayoutsRender(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	p := PublicRequest{ID: 1, Payouts: []PublicPayoutView{{Date: "2026-03-02", Amount: "¥100.00", StateKey: "payout.state.paid",
		ToKey: "payout.public.to.requester", ExpenseList: []string{"化疗"}, Usage: []UsageRow{{At: "a", Text: "用于化疗", Receipts: 1}}}}}
	if err := r.Render(&buf, i18n.ZH, "/", Viewer{}, p); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="payouts"`, "拨付至患者本人账户", "用于化疗", "¥100.00"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("the public page lacks %s", want)
		}
	}
}
