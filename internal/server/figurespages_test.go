package server

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/disclosure"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestPlatformFiguresPage: after donations to two requests, a donor's
// refund and a payout, the platform's figures page and GET
// /api/v1/figures show the sums of the two requests' figures, the
// identity holds and is said, the picture of where the money went is on
// the figures page and on each request's page with its words for screen
// readers, and the pages link to the page explaining the log, which shows
// the log's key and the commands that check it.
//
// R-DISC-1
func TestPlatformFiguresPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		if resp, out := f.apiKey("GET", "/api/v1/figures", "", "", ""); resp.StatusCode != http.StatusOK || out["raised"] != 0.0 ||
			out["balanced"] != true {
			t.Errorf("an empty platform: %d %v", resp.StatusCode, out)
		}
		if code, body, _ := f.get(t, "/figures"); code != http.StatusOK || !strings.Contains(body, `id="figures-empty"`) ||
			strings.Contains(body, "<svg") {
			t.Errorf("an empty platform's page: %d\n%.1500s", code, body)
		}

		f.verify(t, f.userID, "张小明", "11010519491231002X")
		donor, donorID := f.signInUser(t, "13900139141")
		req1 := f.rfRequest(t, f.userID)
		var req2 int64
		if err := db.Write(ctx, func(tx *store.Tx) (err error) {
			fl := campaigntest.Filing()
			c, err := idcard.CheckChar("11010519800101007")
			if err != nil {
				return err
			}
			fl.PatientID = "11010519800101007" + string(c)
			req2, err = campaigntest.Fundraising(ctx, tx, f.s.campaigns, f.userID, fl, 0)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		order, d1 := f.rfGive(t, req1, donorID, "100")
		f.rfGive(t, req1, donorID, "250")
		f.rfGive(t, req2, 0, "50.5")
		if resp, out := f.apiKey("POST", "/api/v1/my/donations/"+itoa(d1)+"/refund", "", "pf-1", donor); resp.StatusCode != http.StatusCreated {
			t.Fatalf("asking: %d %v", resp.StatusCode, out)
		}
		f.dispatchRefunds(t)
		f.approvePayout(t, req1, "80")

		var sum disclosure.Figures
		for _, id := range []int64{req1, req2} {
			fig, err := f.s.disclosure.Figures(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			sum.Raised += fig.Raised
			sum.Fees += fig.Fees
			sum.PaidOut += fig.PaidOut
			sum.Refunded += fig.Refunded
			sum.Refunding += fig.Refunding
			sum.ToCharity += fig.ToCharity
			sum.Held += fig.Held
			sum.Recovered += fig.Recovered

			// The request's own page has its picture.
			_, body, _ := f.get(t, requestURL(id))
			if desc := disclosure.FlowText(fig, i18n.ZH); !strings.Contains(html.UnescapeString(body), `<desc id="flow-desc">`+desc+`</desc>`) ||
				!strings.Contains(body, `role="img"`) {
				t.Errorf("request %d's page lacks its picture saying %q", id, desc)
			}
		}
		if sum.Raised != 400_50 || sum.PaidOut != 80_00 || sum.Refunded != 100_00 || !sum.Balanced() {
			t.Fatalf("the requests' figures: %+v", sum)
		}

		resp, _ := f.apiKey("GET", "/api/v1/figures", "", "", "")
		var api pubFigures
		if err := json.NewDecoder(resp.Body).Decode(&api); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /api/v1/figures: %d %v", resp.StatusCode, err)
		}
		want := pubFigures{Raised: int64(sum.Raised), Fees: int64(sum.Fees), PaidOut: int64(sum.PaidOut), Refunded: int64(sum.Refunded),
			Refunding: int64(sum.Refunding), ToCharity: int64(sum.ToCharity), Held: int64(sum.Held), Recovered: int64(sum.Recovered),
			Requests: 2, DonorCount: 3, Balanced: true}
		if api != want {
			t.Errorf("GET /api/v1/figures = %+v, want %+v", api, want)
		}

		code, body, _ := f.get(t, "/figures")
		if code != http.StatusOK {
			t.Fatalf("GET /figures: %d", code)
		}
		for id, v := range map[string]string{"pf-raised": sum.Raised.Format(i18n.ZH), "pf-paid-out": sum.PaidOut.Format(i18n.ZH),
			"pf-refunded": sum.Refunded.Format(i18n.ZH), "pf-held": sum.Held.Format(i18n.ZH), "pf-requests": "2", "pf-donors": "3"} {
			if !strings.Contains(body, `id="`+id+`">`+v+`<`) {
				t.Errorf("the figures page's %s is not %s", id, v)
			}
		}
		for _, want := range []string{`data-balanced="true"`, `<desc id="flow-desc">` + disclosure.FlowText(sum, i18n.ZH) + `</desc>`,
			`href="/log"`, `href="/figures"`} {
			if !strings.Contains(html.UnescapeString(body), want) {
				t.Errorf("the figures page lacks %s", want)
			}
		}
		noPersonalData(t, "the figures page", body)

		// The receipt links to the page explaining the log.
		if _, body, _ := f.asToken(donor, "GET", receiptPath(order), nil); !strings.Contains(body, `id="receipt-log"><a href="/log">`) {
			t.Error("the receipt does not link to the log page")
		}
		// With the page cache on, the figures are kept for its ttl, then
		// read anew.
		f.s.pageCache.ttl = time.Hour
		before, err := f.s.platformFigures(ctx)
		if err != nil {
			t.Fatal(err)
		}
		f.rfGive(t, req2, 0, "1")
		if got, _ := f.s.platformFigures(ctx); got != before {
			t.Errorf("within the ttl the figures changed: %+v, then %+v", before, got)
		}
		f.s.figures.at = f.s.figures.at.Add(-time.Hour)
		if got, _ := f.s.platformFigures(ctx); got.Raised != before.Raised+1_00 || !got.Balanced() {
			t.Errorf("after the ttl: raised %s, want %s", got.Raised, before.Raised+1_00)
		}
		f.s.pageCache.ttl = 0

		code, body, _ = f.get(t, "/log")
		if code != http.StatusOK || !strings.Contains(body, `href="/log/checkpoint"`) {
			t.Errorf("the log page: %d\n%.2000s", code, body)
		}
		key := f.s.platform.Translog.Signer().VerifierKey()
		for _, want := range []string{"carefund log check-receipt FILE", "carefund log verify " + f.s.publicURL,
			"<code>" + key + "</code>", i18n.T(i18n.ZH, "logpage.notproves.facts")} {
			if !strings.Contains(html.UnescapeString(body), want) {
				t.Errorf("the log page lacks %s", want)
			}
		}
	})
}
