package server

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/payout"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestGoldenPayouts records what the publisher's app receives about
// payouts (the options with the mode and why, R-DISB-3; an application;
// a refusal naming its fields) and the public page of a request with a
// paid payout and its usage update (R-DISB-4), and compares them with
// testdata/golden. No account number appears in any of them (R-PII-1).
func TestGoldenPayouts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		g := newGolden(t, db)
		f := &payoutFixture{fixture: g.f}
		f.s.payouts.Hospitals = fakeHospitals{90001: {ID: 90001, Name: "北京协和医院", CreditCode: "12100000400000624D",
			BankName: "工商银行北京东单支行", Account: "0200000709014412345"}}
		ctx := context.Background()
		var officers [2]staff.Staff
		if err := db.Write(ctx, func(tx *store.Tx) (err error) {
			if f.req, err = campaigntest.Fundraising(ctx, tx, f.s.campaigns, f.userID, campaigntest.Filing(), 0); err != nil {
				return err
			}
			for i, name := range []string{"u-finance-1", "u-finance-2"} {
				if officers[i], _, err = staff.Create(ctx, tx, f.s.platform.Sealer, name, staff.Finance, fixturePassword); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		g.id("request_id", f.req, "{request}")
		g.id("id", 90001, "{hospital}")
		g.clock.advance(time.Hour)
		f.fund(t, f.req, 10_000_00)
		g.clock.advance(time.Hour)

		base := "/api/v1/my/requests/" + itoa(f.req) + "/payouts"
		resp, body := g.do(t, "POST", base, `{"client_token":"golden-payout-1","amount":"12.345","purpose":"","payee":"requester","bank_name":"建设银行","account_number":"`+payeeAccount+`"}`, f.user)
		g.check(t, "api_payout_problem_422.golden", resp, body)
		resp, body = g.do(t, "POST", base, `{"client_token":"golden-payout-1","amount":"3000","purpose":"第二期化疗费用","payee":"requester","bank_name":"建设银行","account_number":"`+payeeAccount+`"}`, f.user)
		var p struct {
			ID int64 `json:"id"`
		}
		if err := json.Unmarshal(body, &p); err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("applying: %d %s", resp.StatusCode, body)
		}
		g.id("id", p.ID, "{payout}")
		g.check(t, "api_payout_apply.golden", resp, body)
		resp, body = g.do(t, "GET", base, "", f.user)
		g.check(t, "api_my_payouts.golden", resp, body)

		// Two officers approve it, the bank pays it, the publisher says
		// how it was used.
		rec := func(s staff.Staff, action string) audit.Record {
			return audit.Record{Actor: s.Actor(), Action: action, Object: "payout:" + itoa(p.ID), Result: audit.ResultOK, Source: "192.0.2.1"}
		}
		g.clock.advance(time.Hour)
		if err := f.s.payouts.Claim(ctx, rec(officers[0], "payout.claim"), p.ID, officers[0]); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.payouts.Approve(ctx, rec(officers[0], "payout.approve"), p.ID, officers[0], ""); err != nil {
			t.Fatal(err)
		}
		g.clock.advance(time.Hour)
		if _, err := f.s.payouts.Approve(ctx, rec(officers[1], "payout.approve"), p.ID, officers[1], ""); err != nil {
			t.Fatal(err)
		}
		tid := payout.TransferID(p.ID, 1)
		g.text(tid, "{transfer}")
		if err := f.s.payouts.Sending(ctx, p.ID, tid); err != nil {
			t.Fatal(err)
		}
		g.clock.advance(time.Hour)
		if err := f.s.payouts.Settle(ctx, tid, payout.Outcome{Status: payout.StatusPaid, At: g.clock.Now()}); err != nil {
			t.Fatal(err)
		}
		g.clock.advance(24 * time.Hour)
		resp, body = g.do(t, "POST", "/api/v1/my/payouts/"+itoa(p.ID)+"/usage", `{"text":"已支付第二期化疗费用 ¥3,000.00，发票已上传。"}`, f.user)
		g.check(t, "api_payout_usage.golden", resp, body)
		resp, body = g.do(t, "GET", requestURL(f.req), "", "")
		g.check(t, "request_page_payouts.golden.html", resp, body)
	})
}
