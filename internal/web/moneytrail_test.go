package web

import (
	"bytes"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/i18n"
)

// moneyTrailPage is a public page with every part of the money trail.
var moneyTrailPage = PublicRequest{ID: 5, StateKey: "campaign.state.completed",
	Figures: &PublicFigures{Raised: "¥500.00", Fees: "¥1.00", PaidOut: "¥300.00", Refunded: "¥100.00", Refunding: "¥50.00",
		ToCharity: "¥9.00", Held: "¥45.00", Recovered: "¥5.00", Identity: "identity-sentence", Ledger: "/requests/5/ledger.csv"},
	Payouts: []PublicPayoutView{{Date: "2026-03-02", Amount: "¥300.00", StateKey: "payout.state.paid", ToKey: "payout.public.to.hospital", Hospital: "协和医院"}},
	Timeline: []TimelineItem{
		{At: "2026-04-01", Date: "2026-04-01", KindKey: "moneytrail.event.to_charity", Amount: "¥9.00"},
		{At: "2026-03-20", Date: "2026-03-20", KindKey: "moneytrail.event.refund", Amount: "¥159.00"},
		{At: "2026-03-10", Date: "2026-03-10", KindKey: "moneytrail.event.usage", Text: "化疗第一期", Receipts: 2},
		{At: "2026-03-02", Date: "2026-03-02", KindKey: "moneytrail.event.payout", Amount: "¥300.00", ToKey: "payout.public.to.hospital",
			Hospital: "协和医院", StateKey: "payout.state.paid"},
		{At: "2026-03-01", Date: "2026-03-01 10:00", KindKey: "moneytrail.event.update", Text: "<b>手术顺利</b>"},
		{At: "2026-02-01", Date: "2026-02-01 10:00", KindKey: "moneytrail.event.update", Text: "违规", Removed: true},
		{At: "2026-01-01", Date: "2026-01-01", KindKey: "moneytrail.event.complaint", Text: "已核实"},
	}}

func init() { samples = append(samples, moneyTrailPage) }

// TestMoneyTrailRenders: the public page states each figure, the identity
// in words and the link to the ledger's CSV, and lists the timeline in
// both languages, each message found (R-DISC-1, R-DISC-2, R-RPT-1).
func TestMoneyTrailRenders(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []i18n.Lang{i18n.ZH, i18n.EN} {
		var buf bytes.Buffer
		if err := r.Render(&buf, lang, "/requests/5", Viewer{}, moneyTrailPage); err != nil {
			t.Fatal(err)
		}
		body := buf.String()
		for _, want := range []string{`id="fig-raised">¥500.00<`, `id="fig-fees">¥1.00<`, `id="fig-recovered">¥5.00<`,
			`id="fig-refunding">¥50.00<`, `id="fig-used"`, `id="identity">identity-sentence<`, `href="/requests/5/ledger.csv"`,
			`id="timeline"`, `<time class="muted" datetime="2026-03-02">`, "协和医院", "化疗第一期", "&lt;b&gt;手术顺利&lt;/b&gt;",
			i18n.T(lang, "moneytrail.event.to_charity"), i18n.T(lang, "moneytrail.event.complaint"), i18n.T(lang, "payoutpages.receipts", 2),
			i18n.T(lang, "public.updates.removed", "违规")} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the page lacks %s", lang, want)
			}
		}
		if strings.Contains(body, "[moneytrail.") {
			t.Errorf("%s: a message is missing: %s", lang, body)
		}
	}
}
