package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestGoldenRefunds records what a donor's app receives about refunds: a
// refund asked for (R-DON-2), the donor's donations with their refunds,
// and the refusals of a second refund (409) and of more than the donation
// (422 on amount_fen), and compares them with testdata/golden.
func TestGoldenRefunds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		g := newGolden(t, db)
		f := g.f
		req := f.rfRequest(t, f.userID)
		g.id("request_id", req, "{request}")
		donor, donorID := f.signInUser(t, "13900139151")
		g.id("user_id", donorID, "{donor}")
		g.clock.advance(time.Hour)
		// Confirmed as the provider's notification would: the refund is
		// only asked for here, never sent.
		o1, d1 := goldenGive(t, f, req, donorID, "100")
		g.text(o1, "{order-1}")
		g.id("donation_id", d1, "{donation-1}")
		g.text("/my/donations/"+itoa(d1)+"/", "/my/donations/{donation-1}/")
		g.clock.advance(time.Hour)
		o2, d2 := goldenGive(t, f, req, donorID, "20.5")
		g.text(o2, "{order-2}")
		g.id("donation_id", d2, "{donation-2}")
		g.text("/my/donations/"+itoa(d2)+"/", "/my/donations/{donation-2}/")
		g.clock.advance(time.Hour)

		ask := func(d int64, body, key string) (*http.Response, []byte) {
			header := []string{"Accept-Language", "zh-CN", "Cookie", userCookie + "=" + donor, "Idempotency-Key", key}
			var resp *http.Response
			if body != "" {
				header = append(header, "Content-Type", "application/json")
				resp = do(f.s.Handler(), "POST", "/api/v1/my/donations/"+itoa(d)+"/refund", stringsReader(body), header...)
			} else {
				resp = do(f.s.Handler(), "POST", "/api/v1/my/donations/"+itoa(d)+"/refund", nil, header...)
			}
			b := readAll(t, resp)
			return resp, b
		}
		resp, body := ask(d2, `{"amount_fen":2051}`, "golden-refund-0")
		g.check(t, "api_refund_problem_422.golden", resp, body)
		resp, body = ask(d1, "", "golden-refund-1")
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("asking: %d %s", resp.StatusCode, body)
		}
		var run struct {
			ID int64 `json:"id"`
		}
		mustJSON(t, body, &run)
		g.id("id", run.ID, "{run}")
		g.check(t, "api_refund.golden", resp, body)
		resp, body = ask(d1, "", "golden-refund-2")
		g.check(t, "api_refund_problem_409.golden", resp, body)
		resp, body = g.do(t, "GET", "/api/v1/my/donations", "", donor)
		g.check(t, "api_my_donations.golden", resp, body)
	})
}

// goldenGive gives amount to request req as donor and returns the order
// number and the donation.
func goldenGive(t *testing.T, f *fixture, req, donor int64, amount string) (string, int64) {
	t.Helper()
	o := f.ppGive(t, req, ppDonation{amount: amount, donor: donor})
	var id int64
	ctx := context.Background()
	if err := f.db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT d.id FROM donations d JOIN donation_orders o ON o.id = d.order_id
			WHERE o.order_no = $1`, o.OrderNo).Scan(&id)
	}); err != nil {
		t.Fatal(err)
	}
	return o.OrderNo, id
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

func readAll(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
}
