package web

import (
	"bytes"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/i18n"
)

func init() {
	samples = append(samples,
		RefundConfirm{DonationID: 3, OrderNo: "ORDER", RequestID: 2, Title: "<b>t</b>", Amount: "¥10.00", Token: "k"},
		RefundConfirm{DonationID: 3, RequestID: 2, Refused: "paid out"},
		RefundConfirm{RequestID: 2, Publisher: true, Amount: "¥99.00", Donors: 3, Token: "k"},
		RefundConfirm{RequestID: 2, Publisher: true, Refused: "payout open"},
		MyDonations{Notice: "asked", Donations: []MyDonationRow{
			{OrderNo: "A", RequestID: 1, Title: "t", Amount: "¥1", Date: "d", State: "paid",
				Refund: &RefundView{State: "refunded", Amount: "¥1", Refunded: "¥1", Date: "2026-03-02", Account: "招商银行信用卡0403"}},
			{OrderNo: "B", RequestID: 1, State: "paid", Refund: &RefundView{State: "none", Ask: "/my/donations/2/refund"}},
			{OrderNo: "C", RequestID: 1, State: "paid", Refund: &RefundView{State: "to_charity", Amount: "¥1", ToCharity: "¥1"}},
		}},
		DonationReceipt{OrderNo: "A", State: "paid", Refund: &RefundView{State: "none", Ask: "/my/donations/2/refund"}},
		DonationReceipt{OrderNo: "A", State: "paid", Refund: &RefundView{State: "none", Refusal: "paid out"}},
		DonationReceipt{OrderNo: "A", State: "paid", Refund: &RefundView{State: "on_its_way", Amount: "¥1"}},
		RequestStatus{ID: 1, Published: true, Refunds: &PublisherRefunds{MayEnd: true, Refundable: "¥9", Donors: 2,
			Runs: []PublisherRunRow{{ID: 1, CauseKey: "refundui.cause.purpose_ended", StateKey: "refundui.run.ledgered", Amount: "¥9",
				Refunds: 2, Succeeded: 1, OnItsWay: 1, Percent: 50}}}},
		PublicRequest{ID: 9, Figures: &PublicFigures{Raised: "¥9", PaidOut: "¥1", Refunded: "¥2", Refunding: "¥1", ToCharity: "¥0", Held: "¥5"}},
	)
}

// The donor's step names the policy and carries the key; a refused step
// has no button; the receipt offers the step only when the donor may.
func TestRefundPages(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	render := func(p Page) string {
		var buf bytes.Buffer
		if err := r.Render(&buf, i18n.ZH, "/", Viewer{}, p); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	ask := render(RefundConfirm{DonationID: 3, RequestID: 2, Amount: "¥10.00", Token: "tok"})
	for _, want := range []string{`name="key" value="tok"`, `action="/my/donations/3/refund"`, i18n.T(i18n.ZH, "refundui.policy")} {
		if !strings.Contains(ask, want) {
			t.Errorf("the step lacks %q", want)
		}
	}
	if refused := render(RefundConfirm{DonationID: 3, Refused: "no"}); strings.Contains(refused, `id="refund-confirm-button"`) || !strings.Contains(refused, `id="refund-refused"`) {
		t.Errorf("a refused step offers a form or hides why")
	}
}
