package web

import (
	"bytes"
	"html/template"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/i18n"
)

func init() {
	samples = append(samples,
		Donate{ID: 1, Title: "<script>alert(1)</script>", Patient: "张*明", Raised: "¥50.00", Target: "¥300,000.00", Donors: 1,
			Presets: []string{"10", "20", "50"}, Form: Form{Values: map[string]string{"client_token": "tok", "s": "share"}}},
		Donate{ID: 1, Title: "t", Presets: []string{"10"}, Percent: 100,
			Form: Form{Values: map[string]string{"amount": "12.345", "preset": "10", "anonymous": "1", "message": "<script>alert(1)</script>"},
				Errors: map[string]string{"amount": "x", "message": "y", "agree_rules": "z"}, Message: "fix"},
			Terms:  []RuleLink{{ID: 4, Kind: "fees", Title: "<b>收费标准</b>", Number: "2.0"}},
			Agreed: []AgreedRule{{RuleLink: RuleLink{ID: 1, Kind: "service-agreement", Title: "服务协议", Number: "1.0"}, At: "2026-12-07"}}},
		DonateClosed{ID: 1, Title: "t", CloseKey: "campaign.close.target_reached", CloseNote: "n", ClosedAt: "2026-11-24"},
		DonateClosed{ID: 1, Title: "t", Waiting: true},
		DonateClosed{ID: 1, Title: "t"},
		DonationReceipt{OrderNo: "abc", RequestID: 1, Title: "<script>alert(1)</script>", Amount: "¥50.00", State: "pending", Refresh: true, PlacedAt: "2026-11-24 10:00"},
		DonationReceipt{OrderNo: "abc", RequestID: 1, Title: "t", Amount: "¥50.00", Anonymous: true, Message: "加油", MessageHeld: true,
			State: "paid", TransactionID: "sbx1", PaidAt: "2026-11-24 10:01", EntryID: 7},
		DonationReceipt{OrderNo: "abc", RequestID: 1, State: "paid", EntryID: 7, Logged: true},
		DonationReceipt{OrderNo: "abc", RequestID: 1, State: "paid", EntryID: 7, Logging: true},
		DonationReceipt{OrderNo: "abc", RequestID: 1, State: "refund_pending"},
		DonationReceipt{OrderNo: "abc", RequestID: 1, State: "refunded"},
		DonationReceipt{OrderNo: "abc", RequestID: 1, State: "lapsed"},
		DonationReceipt{OrderNo: "abc", RequestID: 1, State: "held"},
		MyDonations{Donations: []MyDonationRow{{OrderNo: "abc", RequestID: 1, Title: "<script>alert(1)</script>", Amount: "¥50.00", Date: "2026-11-24", State: "paid"},
			{OrderNo: "def", RequestID: 2, Title: "t", State: "refund_pending"}, {OrderNo: "ghi", RequestID: 2, State: "refunded"}}},
		MyDonations{},
	)
}

// TestDonateFormChoosesNothing: the donation form offers no fee, no tip and
// nothing else to buy, and chooses nothing for the donor: no preset amount
// selected, no box ticked (R-FEE-1). It states that there is no fee and
// links the fee standard. The agreement to the donation terms is asked
// with an unticked box (R-RULES-2, M17).
func TestDonateFormChoosesNothing(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range i18n.Langs {
		var buf bytes.Buffer
		p := Donate{ID: 3, Title: "t", Presets: []string{"10", "20", "50", "100", "200"}, Form: Form{Values: map[string]string{"client_token": "tok"}},
			Terms: []RuleLink{{ID: 1, Kind: "service-agreement", Title: "服务协议", Number: "1.0"}, {ID: 4, Kind: "fees", Title: "收费标准", Number: "1.0"},
				{ID: 5, Kind: "funds-refunds", Title: "资金使用与退款规则", Number: "1.0"}}}
		if err := r.Render(&buf, lang, "/", Viewer{}, p); err != nil {
			t.Fatal(err)
		}
		html := buf.String()
		if strings.Contains(html, "checked") || strings.Contains(html, "selected") {
			t.Errorf("%s: the form chooses something for the donor", lang)
		}
		for _, bad := range []string{"fee", "tip", "insurance", "保险"} {
			if strings.Contains(html, `name="`+bad) {
				t.Errorf("%s: the form has a %s field", lang, bad)
			}
		}
		for _, want := range []string{`name="preset" value="10"`, `name="preset" value="200"`, `id="amount" name="amount" inputmode="decimal"`,
			`id="anonymous" name="anonymous" value="1"`, `id="message" name="message" rows="3" maxlength="200"`,
			`name="client_token" value="tok"`, `id="pay"`, `id="agree" name="agree" value="yes">`, `name="rule" value="5"`,
			`href="/rules/funds-refunds/versions/5"`, `href="/rules/service-agreement/versions/1"`, `href="/rules/fees"`, template.HTMLEscapeString(i18n.T(lang, "donate.no_fee"))} {
			if !strings.Contains(html, want) {
				t.Errorf("%s: the form lacks %s", lang, want)
			}
		}
	}
}
