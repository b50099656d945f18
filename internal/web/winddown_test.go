package web

import (
	"bytes"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/i18n"
)

func init() {
	progress := WindDownPublic{Active: true, Notice: "<b>停止筹款</b>", WithdrawnOn: "2026-03-01", Ministry: "民函〔2026〕12号",
		Start: "2026-03-02", RefundFrom: "2026-04-01", Deadline: "2026-05-01", Day: 12, HeldAtStart: "¥1,114.44",
		Received: "¥66.00", PaidOut: "¥300.00", Refunded: "¥0.00", ToCharity: "¥0.00", Held: "¥880.44", Requests: 4, Emptied: 1, Late: 1}
	done := progress
	done.Completed = "2026-04-03"
	samples = append(samples,
		WindDownPublic{},
		progress,
		done,
		StaffWindDown{CanPropose: true, Propose: Form{Values: map[string]string{"notice": "x"},
			Errors: map[string]string{"withdrawn_on": "bad", "ministry_ref": "required"}, Message: "fix"}},
		StaffWindDown{CanDecide: true, Pending: WindDownProposal{ID: 1, Reason: "r", Notice: "n", WithdrawnOn: "2026-03-01",
			Ministry: "m", ProposedBy: "adm1", ProposedAt: "2026-03-02 10:00"}, Decide: Form{Message: "own"}},
		StaffWindDown{Progress: progress, Notice: "ok", Rows: []WindDownRow{
			{RequestID: 3, StateKey: "campaign.state.closed", HeldAtStart: "¥1.00", Held: "¥1.00", Request: "¥1.00", Payouts: "¥0.00",
				Refunds: "¥0.00", StepKey: "winddown.step.refund", Late: true, RefundRun: 9}}},
		StaffWindDown{Progress: done},
		MyWindDown{},
		MyWindDown{Active: true, RefundFrom: "2026-04-01", Deadline: "2026-04-30", Notice: "ok", Message: "no",
			Rows: []MyWindDownRow{{RequestID: 3, Held: "¥1.00", StepKey: "winddown.step.apply", CanAsk: true}, {RequestID: 4, Held: "¥0.00", StepKey: "winddown.step.done", Late: true}}},
	)
}

// TestBannerOnEveryPage: R-WIND-1 — once set, the wind-down's notice is on
// every page, public and console alike, escaped; before, on none.
func TestBannerOnEveryPage(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	var banner *Banner
	r.SetBanner(func() *Banner { return banner })
	render := func(p Page, who Viewer) string {
		var buf bytes.Buffer
		if err := r.Render(&buf, i18n.ZH, "/", who, p); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	if html := render(Home{}, Viewer{}); strings.Contains(html, `id="winddown-banner"`) {
		t.Fatal("a banner before any wind-down")
	}
	banner = &Banner{Notice: "<i>平台停止服务</i>", Deadline: "2026-05-01"}
	for _, p := range samples {
		for _, who := range []Viewer{{}, {Staff: "adm1", Role: "admin"}} {
			html := render(p, who)
			if !strings.Contains(html, `id="winddown-banner"`) || !strings.Contains(html, "&lt;i&gt;平台停止服务&lt;/i&gt;") ||
				!strings.Contains(html, "2026-05-01") || !strings.Contains(html, `href="/wind-down"`) {
				t.Fatalf("%T (staff %q): no banner with the notice and the deadline", p, who.Staff)
			}
		}
	}
}
