package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/disclosure"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestMoneyTrail: after donations, a donor's refund paid back, a payout
// approved and a fee taken, the API's money, the page's money trail and
// timeline, and the public ledger's CSV all agree with the ledger, and
// the figures satisfy raised = fees + paid out + refunded + being
// refunded + to charity + held (R-DISC-1, R-DISC-2, R-RPT-1). Neither the
// API's payouts nor the CSV name an account number, a donor or a key
// (R-PII-1).
//
// R-DISC-1, R-DISC-2, R-RPT-1, R-PII-1
func TestMoneyTrail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		checkAPI(t, f.s)
		f.verify(t, f.userID, "张小明", "11010519491231002X")
		donor, donorID := f.signInUser(t, "13900139151")
		req := f.rfRequest(t, f.userID)
		_, d1 := f.rfGive(t, req, donorID, "100")
		f.rfGive(t, req, donorID, "250")
		f.rfGive(t, req, 0, "50.5")
		if resp, out := f.apiKey("POST", "/api/v1/my/donations/"+itoa(d1)+"/refund", "", "trail-1", donor); resp.StatusCode != http.StatusCreated {
			t.Fatalf("asking: %d %v", resp.StatusCode, out)
		}
		f.dispatchRefunds(t)
		f.approvePayout(t, req, "80")
		ctx := context.Background()
		// A fee, which the platform charges none of today: the figures
		// read it from the ledger all the same.
		if _, err := f.s.platform.Ledger.Post(ctx, ledger.Transfer("test:fee:"+itoa(req), "fee", "request:"+itoa(req), "income:fees", 1_50)); err != nil {
			t.Fatal(err)
		}
		fig, err := f.s.disclosure.Figures(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		held, err := f.s.platform.Ledger.Balance(ctx, "request:"+itoa(req))
		if err != nil {
			t.Fatal(err)
		}
		want := disclosure.Figures{Raised: 400_50, Fees: 1_50, PaidOut: 80_00, Refunded: 100_00, Held: held}
		if fig != want || held != 400_50-1_50-80_00-100_00 || !fig.Balanced() {
			t.Fatalf("R-DISC-1: figures %+v, held %d; want %+v", fig, held, want)
		}

		// The API.
		resp, out := f.api("GET", "/api/v1/requests/"+itoa(req), "", "", "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("the API: %d %v", resp.StatusCode, out)
		}
		m := out["money"].(map[string]any)
		for k, v := range map[string]money.Fen{"raised": fig.Raised, "fees": fig.Fees, "paid_out": fig.PaidOut, "refunded": fig.Refunded,
			"refunding": fig.Refunding, "to_charity": fig.ToCharity, "held": fig.Held, "recovered": fig.Recovered} {
			if got := money.Fen(m[k].(float64)); got != v {
				t.Errorf("R-DISC-1: the API's money.%s is %d, the ledger's %d", k, got, v)
			}
		}
		if n := out["donor_count"].(float64); n != 3 {
			t.Errorf("donor_count is %v, want 3", n)
		}
		payouts := out["payouts"].([]any)
		if len(payouts) != 1 {
			t.Fatalf("the API's payouts: %v", payouts)
		}
		if p := payouts[0].(map[string]any); p["amount"].(float64) != 80_00 || p["to"] != "patient" || p["payee"] != "requester" {
			t.Errorf("the API's payout: %v", p)
		}
		raw, _ := json.Marshal(out)
		noSecrets(t, "the API", string(raw), payeeAccount, "13900139151")

		// The page: the figures, the identity in words, the timeline.
		code, body, _ := f.get(t, requestURL(req))
		if code != http.StatusOK {
			t.Fatalf("the page: %d", code)
		}
		for id, v := range map[string]money.Fen{"fig-raised": fig.Raised, "fig-fees": fig.Fees, "fig-paid-out": fig.PaidOut,
			"fig-refunded": fig.Refunded, "fig-to-charity": fig.ToCharity, "fig-held": fig.Held} {
			if !strings.Contains(body, `id="`+id+`">`+v.Format(i18n.ZH)+`<`) {
				t.Errorf("R-DISC-1: the page's %s is not %s", id, v.Format(i18n.ZH))
			}
		}
		identity := i18n.T(i18n.ZH, "moneytrail.identity", fig.Raised.Format(i18n.ZH), fig.Fees.Format(i18n.ZH), fig.PaidOut.Format(i18n.ZH),
			fig.Refunded.Format(i18n.ZH), fig.Refunding.Format(i18n.ZH), fig.ToCharity.Format(i18n.ZH), fig.Held.Format(i18n.ZH))
		if !strings.Contains(body, `id="identity">`+strings.ReplaceAll(identity, "+", "&#43;")+`<`) {
			t.Errorf("R-DISC-1: the page does not state the identity %q", identity)
		}
		for _, k := range []string{"moneytrail.event.payout", "moneytrail.event.refund", "moneytrail.event.refunded", "moneytrail.event.fee"} {
			if !strings.Contains(body, "<strong>"+i18n.T(i18n.ZH, k)+"</strong>") {
				t.Errorf("R-DISC-2: the timeline lacks %s", k)
			}
		}
		if !strings.Contains(body, `href="/requests/`+itoa(req)+`/ledger.csv"`) {
			t.Error("R-RPT-1: the page does not link its ledger")
		}
		noSecrets(t, "the page", body, payeeAccount)

		// The CSV, in both languages.
		for _, lang := range []i18n.Lang{i18n.ZH, i18n.EN} {
			r := httptest.NewRequest("GET", "/requests/"+itoa(req)+"/ledger.csv", nil)
			r.Header.Set("Accept-Language", map[i18n.Lang]string{i18n.ZH: "zh-CN", i18n.EN: "en"}[lang])
			rec := httptest.NewRecorder()
			f.s.Handler().ServeHTTP(rec, r)
			raw := rec.Body.Bytes()
			if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
				t.Fatalf("R-RPT-1: the CSV: %d %s", rec.Code, rec.Header().Get("Content-Type"))
			}
			if !bytes.HasPrefix(raw, []byte("\ufeff")) {
				t.Error("R-RPT-1: the CSV has no byte order mark for Excel")
			}
			noSecrets(t, "the CSV", string(raw), payeeAccount, "13900139151", "sandbox", "test:fee")
			recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\ufeff")))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if got, want := recs[0][5], i18n.T(lang, "ledgercsv.amount"); got != want {
				t.Errorf("%s: the amount's header is %q, want %q", lang, got, want)
			}
			// Summed back from the lines, the figures again.
			var sum disclosure.Figures
			for _, l := range recs[1:] {
				a, err := money.Parse(l[5])
				if err != nil {
					t.Fatalf("amount %q: %v", l[5], err)
				}
				if l[4] == "out" {
					a = -a
				}
				switch kind, account := l[2], l[3]; {
				case account == "request":
					sum.Held += a
					switch kind {
					case "donation":
						sum.Raised += a
					case "payout":
						sum.PaidOut -= a
					case "fee":
						sum.Fees -= a
					}
				case account == "payable:refund" && kind == "refund_paid":
					sum.Refunded -= a
				case account == "payable:refund" && kind == "refund_to_charity":
					sum.ToCharity -= a
				}
			}
			if sum.Raised != fig.Raised || sum.Held != fig.Held || sum.PaidOut != fig.PaidOut || sum.Fees != fig.Fees ||
				sum.Refunded != fig.Refunded || sum.ToCharity != fig.ToCharity {
				t.Errorf("R-RPT-1: %s: the CSV's lines add up to %+v, the ledger's figures are %+v", lang, sum, fig)
			}
			if n := len(recs) - 1; n < 3+1+1+1+1 {
				t.Errorf("the CSV has %d lines", n)
			}
		}
	})
}

// noSecrets fails when a public body holds any of secrets (R-PII-1).
func noSecrets(t *testing.T, what, body string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(body, s) {
			t.Errorf("R-PII-1: %s holds %q", what, s)
		}
	}
}

// R-DISC-1: the page states the identity the figures satisfy, with what
// was recovered when there was any, and never states it for figures that
// do not add up.
func TestPublicFiguresIdentity(t *testing.T) {
	tests := []struct {
		name string
		f    disclosure.Figures
		key  string
		args []money.Fen
	}{
		{"balanced", disclosure.Figures{Raised: 100_00, PaidOut: 60_00, Held: 40_00}, "moneytrail.identity",
			[]money.Fen{100_00, 0, 60_00, 0, 0, 0, 40_00}},
		{"recovered", disclosure.Figures{Raised: 100_00, Recovered: 5_00, Refunded: 105_00}, "moneytrail.identity.recovered",
			[]money.Fen{100_00, 5_00, 0, 0, 105_00, 0, 0, 0}},
		{"broken", disclosure.Figures{Raised: 100_00, Held: 99_00}, "moneytrail.identity.broken", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, lang := range []i18n.Lang{i18n.ZH, i18n.EN} {
				got := publicFigures(lang, 7, tt.f)
				var args []any
				for _, a := range tt.args {
					args = append(args, a.Format(lang))
				}
				if want := i18n.T(lang, tt.key, args...); got.Identity != want {
					t.Errorf("%s: %q, want %q", lang, got.Identity, want)
				}
				if got.Ledger != "/requests/7/ledger.csv" {
					t.Errorf("the ledger's link: %q", got.Ledger)
				}
			}
		})
	}
}
