package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestWindDownPages: R-WIND-1 through the server — an admin proposes the
// wind-down in the console, the proposer cannot approve it and nothing
// shows; a second admin approves it and at once every page (the home
// page, a request page kept in the page cache, the console) shows the
// notice, the request's donation form says it closed with wind_down and
// no order is taken, the public progress page shows the ledger's figures
// and the console lists the request still holding money.
func TestWindDownPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newPayoutFixture(t, db)
		ctx := context.Background()
		f.s.pageCache.ttl = time.Hour // a kept page must not hide the notice
		admin, finance := f.staff[staff.Admin], f.staff[staff.Finance]
		admin2 := f.staffSession(t, "u-admin-2", staff.Admin)
		rpath := "/requests/" + strconv.FormatInt(f.req, 10)
		notice := "本平台的指定已被民政部撤销，即日起停止筹款。"

		if _, body, _ := f.get(t, rpath); strings.Contains(body, `id="winddown-banner"`) {
			t.Fatal("a banner before any wind-down")
		}
		if _, body, _ := f.get(t, "/wind-down"); !strings.Contains(body, `id="winddown-none"`) {
			t.Error("/wind-down before any wind-down does not say so")
		}
		f.ppGive(t, f.req, ppDonation{amount: "100.00"}) // a real donation, refundable by the original route
		form := url.Values{"reason": {"民政部撤销指定"}, "notice": {notice}, "withdrawn_on": {"2026-01-05"}, "ministry_ref": {"民函〔2026〕12号"}}
		if resp := f.asStaff(finance, "POST", "/staff/wind-down", form); resp.StatusCode != http.StatusForbidden {
			t.Errorf("finance proposes: %d, want 403", resp.StatusCode)
		}
		resp := f.asStaff(admin, "POST", "/staff/wind-down", url.Values{"notice": {notice}, "withdrawn_on": {"2099-01-01"}})
		if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="withdrawn_on-err"`) ||
			!strings.Contains(body, `id="ministry_ref-err"`) || !strings.Contains(body, notice) {
			t.Errorf("bad proposal: %d, the fields' errors and what was typed shown: %v", resp.StatusCode, strings.Contains(body, "withdrawn_on-err"))
		}
		if resp := f.asStaff(admin, "POST", "/staff/wind-down", form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("propose: %d %s", resp.StatusCode, readBody(t, resp))
		}
		if body := readBody(t, f.asStaff(admin2, "GET", "/staff/approvals", nil)); !strings.Contains(body, i18n.T(i18n.ZH, "staff.summary.wind_down")) {
			t.Error("the approvals page does not say what the proposal does")
		}
		if resp := f.asStaff(admin2, "POST", "/staff/wind-down", form); resp.StatusCode != http.StatusConflict {
			t.Errorf("proposed twice: %d, want 409", resp.StatusCode)
		}
		var id int64
		db.Read(ctx, func(tx *store.Tx) error { return tx.QueryRowContext(ctx, "SELECT id FROM wind_downs").Scan(&id) })
		decide := "/staff/wind-down/" + strconv.FormatInt(id, 10) + "/decide"
		if resp := f.asStaff(admin, "POST", decide, url.Values{"decision": {"approve"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("the proposer approves: %d, want 403", resp.StatusCode)
		}
		if _, body, _ := f.get(t, "/"); strings.Contains(body, `id="winddown-banner"`) {
			t.Fatal("a banner without a second admin")
		}
		if resp := f.asStaff(admin2, "POST", decide, url.Values{"decision": {"approve"}, "note": {"文件核对无误"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("second admin approves: %d %s", resp.StatusCode, readBody(t, resp))
		}
		if resp := f.asStaff(admin2, "POST", decide, url.Values{"decision": {"approve"}}); resp.StatusCode != http.StatusConflict {
			t.Errorf("approved twice: %d, want 409", resp.StatusCode)
		}

		for _, target := range []string{"/", rpath, "/figures"} {
			if _, body, _ := f.get(t, target); !strings.Contains(body, `id="winddown-banner"`) || !strings.Contains(body, notice) {
				t.Errorf("%s after approval: no banner with the notice", target)
			}
		}
		if body := readBody(t, f.asStaff(finance, "GET", "/staff", nil)); !strings.Contains(body, notice) {
			t.Error("the console shows no banner")
		}
		st, body, _ := f.get(t, rpath+"/donate")
		if st != http.StatusConflict || !strings.Contains(body, i18n.T(i18n.ZH, "campaign.close.wind_down")) {
			t.Errorf("the donation form after the wind-down: %d", st)
		}
		_, err := f.s.donations.CreateOrder(ctx, donation.OrderInput{RequestID: f.req, Amount: "10", Provider: "sandbox", ClientToken: "wd-1"})
		if e := apperr.As(err); e == nil || e.Code != apperr.Conflict || e.Key != donation.KeyClosed {
			t.Errorf("an order after the wind-down: %v", err)
		}
		_, body, _ = f.get(t, "/wind-down")
		for _, want := range []string{notice, `id="wd-start">¥10,100.00`, `id="wd-held">¥10,100.00`, "民函〔2026〕12号"} {
			if !strings.Contains(body, want) {
				t.Errorf("/wind-down lacks %s", want)
			}
		}
		body = readBody(t, f.asStaff(finance, "GET", "/staff/wind-down", nil))
		if !strings.Contains(body, `id="holding-`+strconv.FormatInt(f.req, 10)+`"`) || !strings.Contains(body, "¥10,100.00") {
			t.Errorf("the console lists no request holding money")
		}
		if n := readBody(t, f.asStaff(admin, "GET", "/staff/wind-down", nil)); strings.Contains(n, `id="propose"`) {
			t.Error("the console offers to propose a wind-down under way")
		}

		// The requester has it refunded now rather than at day 30.
		st, body, _ = f.asToken(f.user, "GET", "/my/wind-down", nil)
		ask := "/my/wind-down/" + strconv.FormatInt(f.req, 10) + "/refund"
		if st != http.StatusOK || !strings.Contains(body, `action="`+ask+`"`) {
			t.Fatalf("/my/wind-down: %d, offers the refund: %v", st, strings.Contains(body, ask))
		}
		other, _ := f.signInUser(t, "13900139000")
		if st, _, _ := f.asToken(other, "POST", ask, url.Values{}); st != http.StatusNotFound {
			t.Errorf("someone else asks: %d, want 404", st)
		}
		if st, body, _ := f.asToken(f.user, "POST", ask, url.Values{}); st != http.StatusOK || !strings.Contains(body, i18n.T(i18n.ZH, "winddown.my.asked")) {
			t.Fatalf("ask: %d", st)
		}
		var runs int
		db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM refund_runs WHERE cause = 'wind_down' AND request_id = $1", f.req).Scan(&runs)
		})
		if runs != 1 {
			t.Errorf("%d wind-down runs after the ask, want 1", runs)
		}
	})
}
