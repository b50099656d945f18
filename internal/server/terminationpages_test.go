package server

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"net/url"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// staffMultipart posts fields and one PNG file (when fileField is not "")
// as a multipart form with a staff session.
func (f *fixture) staffMultipart(t *testing.T, token, target string, fields url.Values, fileField string) *http.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if fileField != "" {
		w, _ := mw.CreateFormFile(fileField, "evidence.png")
		if err := png.Encode(w, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
			t.Fatal(err)
		}
	}
	mw.Close()
	req := httptest.NewRequest("POST", target, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(&http.Cookie{Name: staffCookie, Value: token})
	rec := httptest.NewRecorder()
	f.s.Handler().ServeHTTP(rec, req)
	return rec.Result()
}

// TestTerminationPages: a reviewer suspends a request in the console and
// the public page shows the notice at once (R-REV-4); a reviewer proposes
// its termination with evidence, an admin approves it (four eyes,
// R-REF-2, R-STAFF-1), the public page shows the termination, the
// referral's station and date and never the officer (R-DISC-2, R-PII-1),
// and unmasking the officer is in the audit log.
func TestTerminationPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newPayoutFixture(t, db)
		ctx := context.Background()
		rid := strconv.FormatInt(f.req, 10)
		reviewer, admin, finance := f.staff[staff.Reviewer], f.staff[staff.Admin], f.staff[staff.Finance]

		resp := f.asStaff(reviewer, "GET", "/staff/terminations?request="+rid, nil)
		if body := readBody(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(body, `action="/staff/requests/`+rid+`/suspend"`) {
			t.Fatalf("board with the suspension form: %d", resp.StatusCode)
		}
		suspend := url.Values{"notice": {"平台核查中，暂停筹款：收到举报"}, "reason": {"举报隐瞒房产"}}
		if resp := f.asStaff(finance, "POST", "/staff/requests/"+rid+"/suspend", suspend); resp.StatusCode != http.StatusForbidden {
			t.Errorf("finance suspends: %d, want 403", resp.StatusCode)
		}
		resp = f.asStaff(reviewer, "POST", "/staff/requests/"+rid+"/suspend", url.Values{"notice": {"x"}})
		if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="reason-err"`) {
			t.Errorf("suspension without a reason: %d, field error shown: %v", resp.StatusCode, strings.Contains(body, "reason-err"))
		}
		if resp := f.asStaff(reviewer, "POST", "/staff/requests/"+rid+"/suspend", suspend); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("suspend: %d", resp.StatusCode)
		}
		resp = do(f.s.Handler(), "GET", "/requests/"+rid, nil)
		if body := readBody(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(body, "平台核查中，暂停筹款：收到举报") ||
			strings.Contains(body, "/donate") {
			t.Fatalf("public page while suspended: %d %q", resp.StatusCode, body)
		}

		propose := url.Values{"reason": {"核实隐瞒两套房产"}, "public_reason": {"经核实，发起人隐瞒家庭财产"},
			"findings": {"concealment", "fabrication"}}
		resp = f.staffMultipart(t, reviewer, "/staff/requests/"+rid+"/terminate", url.Values{"reason": {"x"}, "public_reason": {"y"}}, "")
		if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "findings-") {
			t.Errorf("proposal without findings: %d", resp.StatusCode)
		}
		if resp := f.staffMultipart(t, reviewer, "/staff/requests/"+rid+"/terminate", propose, "evidence"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("propose: %d %s", resp.StatusCode, readBody(t, resp))
		}
		var tid int64
		db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT id FROM terminations WHERE request_id = $1", f.req).Scan(&tid)
		})
		tpath := "/staff/terminations/" + strconv.FormatInt(tid, 10)
		if resp := f.asStaff(reviewer, "POST", tpath+"/decide", url.Values{"decision": {"approve"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a reviewer approves: %d, want 403", resp.StatusCode)
		}
		if resp := f.asStaff(admin, "POST", tpath+"/decide", url.Values{"decision": {"approve"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("admin approves: %d %s", resp.StatusCode, readBody(t, resp))
		}
		var st campaign.State
		db.Read(ctx, func(tx *store.Tx) (err error) { st, err = f.s.campaigns.State(ctx, tx, f.req); return err })
		if st != campaign.Terminated {
			t.Fatalf("state after approval: %s", st)
		}

		referral := url.Values{"station": {"北京市公安局朝阳分局"}, "referred_on": {"2026-01-05"}, "case_number": {"京公立字123号"},
			"officer": {"李警官 13900139000"}}
		if resp := f.staffMultipart(t, admin, tpath+"/referrals", referral, "file"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("referral: %d %s", resp.StatusCode, readBody(t, resp))
		}
		// The evidence opens in the document sandbox (R-PII-1).
		page := readBody(t, f.asStaff(admin, "GET", tpath, nil))
		doc := regexp.MustCompile(`/staff/terminations/[0-9]+/documents/[0-9]+`).FindString(page)
		if doc == "" {
			t.Fatalf("the termination page links no document")
		}
		resp = f.asStaff(admin, "GET", doc, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("opening %s: %d", doc, resp.StatusCode)
		}
		wantSandboxedDocument(t, resp.Header, "image/png")
		resp = f.asStaff(finance, "GET", tpath, nil)
		if body := readBody(t, resp); resp.StatusCode != http.StatusOK || strings.Contains(body, "13900139000") || !strings.Contains(body, "9000") {
			t.Errorf("termination page for finance: %d, officer masked: %v", resp.StatusCode, !strings.Contains(body, "13900139000"))
		}
		var refID int64
		db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT id FROM police_referrals WHERE termination_id = $1", tid).Scan(&refID)
		})
		reveal := tpath + "/referrals/" + strconv.FormatInt(refID, 10) + "/reveal"
		if resp := f.asStaff(finance, "POST", reveal, url.Values{}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("finance unmasks: %d, want 403", resp.StatusCode)
		}
		resp = f.asStaff(admin, "POST", reveal, url.Values{})
		if body := readBody(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(body, "李警官 13900139000") {
			t.Errorf("admin unmasks: %d", resp.StatusCode)
		}
		if e := lastAudit(t, db, "pii.view.referral_officer"); e.Result != audit.ResultOK || e.Object != "referral:"+strconv.FormatInt(refID, 10) {
			t.Errorf("the unmasking is logged as %+v", e.Record)
		}

		resp = do(f.s.Handler(), "GET", "/requests/"+rid, nil)
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "经核实，发起人隐瞒家庭财产") || !strings.Contains(body, "北京市公安局朝阳分局") ||
			strings.Contains(body, "13900139000") || strings.Contains(body, "京公立字123号") || strings.Contains(body, "核实隐瞒两套房产") {
			t.Errorf("public page after termination: %d %q", resp.StatusCode, body)
		}
	})
}
