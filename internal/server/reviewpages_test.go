package server

import (
	"bytes"
	"context"
	"html"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/review"
	"github.com/carefund/carefund/internal/session"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// rvSecondReviewer adds a second signed-in reviewer to the fixture, as
// newFixture makes the first, and returns their id and session token.
func (f *fixture) rvSecondReviewer(t *testing.T) (int64, string) {
	t.Helper()
	ctx := context.Background()
	var id int64
	var token string
	if err := f.db.Write(ctx, func(tx *store.Tx) error {
		m, _, err := staff.Create(ctx, tx, f.s.platform.Sealer, "u-reviewer-two", staff.Reviewer, fixturePassword)
		if err != nil {
			return err
		}
		id = m.ID
		token, _, err = session.Start(ctx, tx, session.Staff, m.ID, "192.0.2.11")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return id, token
}

// rvAs sends a request as the staff member with the session token,
// through w (a recorder when nil).
func (f *fixture) rvAs(token, method, target string, form url.Values, w http.ResponseWriter) *http.Response {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, target, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.AddCookie(&http.Cookie{Name: staffCookie, Value: token})
	rec := httptest.NewRecorder()
	if w == nil {
		w = rec
	}
	f.s.Handler().ServeHTTP(w, req)
	return rec.Result()
}

// rvDo sends a request as the fixture's reviewer and returns the
// response with its body read.
func (f *fixture) rvDo(t *testing.T, method, target string, form url.Values) (*http.Response, string) {
	t.Helper()
	if method == "POST" && form == nil {
		form = url.Values{}
	}
	resp := f.as(string(staff.Reviewer), method, target, form)
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// requestObject is how the review console's audit records name a request.
func requestObject(id int64) string { return "request:" + strconv.FormatInt(id, 10) }

func rvURL(id int64, rest string) string {
	return "/staff/review/" + strconv.FormatInt(id, 10) + rest
}

// rvStatus fails the test when resp's status is not want.
func rvStatus(t *testing.T, what string, resp *http.Response, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s: status %d, want %d", what, resp.StatusCode, want)
	}
}

// rvAudit checks the newest audit entry of action: its result and object.
func rvAudit(t *testing.T, db *store.DB, action, result, object string) audit.Entry {
	t.Helper()
	e := lastAudit(t, db, action)
	if e.Result != result || e.Object != object {
		t.Errorf("audit %s: result %q object %q, want %q %q", action, e.Result, e.Object, result, object)
	}
	return e
}

// rvOverCap returns a filing above the ¥500,000 cap (R-REQ-4).
func rvOverCap() campaign.Filing {
	fl := testFiling()
	fl.Target = 600_000_00
	fl.Use = []campaign.UseItem{{Label: "骨髓移植", Amount: 600_000_00}}
	return fl
}

// rvPNG encodes a small image as the upload of a material.
func rvPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// rvMaterial stores a PNG of kind for request id, as the publisher.
func (f *fixture) rvMaterial(t *testing.T, id int64, kind material.Kind) int64 {
	t.Helper()
	ctx := context.Background()
	var m material.Material
	if err := f.db.Write(ctx, func(tx *store.Tx) (err error) {
		m, err = f.s.materials.Add(ctx, tx, id, kind, bytes.NewReader(rvPNG(t)), "file", "user:"+strconv.FormatInt(f.userID, 10))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return m.ID
}

// rvRead runs fn in a read transaction, failing the test on error.
func (f *fixture) rvRead(t *testing.T, fn func(ctx context.Context, tx *store.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := f.db.Read(ctx, func(tx *store.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

// rvReviewed stores the material request id requires, as the publisher,
// and marks each reviewed through the console as the fixture's reviewer,
// as a reviewer does before approving (R-REV-2). It returns the materials'
// ids by kind.
func (f *fixture) rvReviewed(t *testing.T, id int64) map[material.Kind]int64 {
	t.Helper()
	var req campaign.Request
	f.rvRead(t, func(ctx context.Context, tx *store.Tx) (err error) {
		req, err = f.s.campaigns.Get(ctx, tx, id)
		return err
	})
	out := map[material.Kind]int64{}
	for _, k := range material.Required(req.Filing.Relationship, req.Filing.Target, 0) {
		out[k] = f.rvMaterial(t, id, k)
		resp, _ := f.rvDo(t, "POST", rvURL(id, "/materials/"+strconv.FormatInt(out[k], 10)+"/reviewed"), nil)
		rvStatus(t, "marking "+string(k)+" reviewed", resp, http.StatusSeeOther)
	}
	return out
}

// rvApprove takes a request from the queue through approval by the
// fixture's reviewer (and the second reviewer when it needs two), its
// material marked reviewed first, and returns the second reviewer's token
// ("" when none was needed).
func (f *fixture) rvApprove(t *testing.T, id int64) string {
	t.Helper()
	f.rvReviewed(t, id)
	resp, _ := f.rvDo(t, "POST", rvURL(id, "/claim"), nil)
	rvStatus(t, "claim", resp, http.StatusSeeOther)
	resp, _ = f.rvDo(t, "POST", rvURL(id, "/approve"), nil)
	rvStatus(t, "approve", resp, http.StatusSeeOther)
	if f.requestState(t, id) != campaign.InReview {
		return ""
	}
	_, token := f.rvSecondReviewer(t)
	rvStatus(t, "second claim", f.rvAs(token, "POST", rvURL(id, "/claim"), url.Values{}, nil), http.StatusSeeOther)
	rvStatus(t, "second approval", f.rvAs(token, "POST", rvURL(id, "/approve"), url.Values{}, nil), http.StatusSeeOther)
	return token
}

// TestReviewerSeesStaffReasons: a request the machine screen blocked as a
// duplicate shows the reviewer every reason, the staff-only ones (which
// other request) included, with the whole filing unmasked; the requester
// is told only the public reasons (R-REV-1).
func TestReviewerSeesStaffReasons(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		first := f.inReview(t, f.userID, testFiling())
		second := f.inReview(t, f.userID, testFiling())
		if st := f.requestState(t, second); st != campaign.Rejected {
			t.Fatalf("the duplicate is %s, want rejected by the screen", st)
		}
		var staffTexts []string
		var events []campaign.EventRecord
		f.rvRead(t, func(ctx context.Context, tx *store.Tx) error {
			sc, err := review.LastScreening(ctx, tx, second)
			if err != nil {
				return err
			}
			for _, r := range sc.Reasons(true) {
				if r.StaffOnly {
					staffTexts = append(staffTexts, i18n.T(i18n.ZH, r.Key, r.ArgsAny()...))
				}
			}
			events, err = f.s.campaigns.Events(ctx, tx, second)
			return err
		})
		if len(staffTexts) == 0 {
			t.Fatal("the duplicate's screening has no staff-only reason")
		}
		if !strings.Contains(strings.Join(staffTexts, " "), "#"+strconv.FormatInt(first, 10)) {
			t.Errorf("the staff reasons %q do not name the other request #%d", staffTexts, first)
		}

		resp, body := f.rvDo(t, "GET", rvURL(second, ""), nil)
		rvStatus(t, "the review page", resp, http.StatusOK)
		for _, want := range staffTexts {
			if !strings.Contains(body, html.EscapeString(want)) {
				t.Errorf("the reviewer does not see the staff reason %q", want)
			}
		}
		// Reviewers verify truthfulness: the filing is shown unmasked.
		for _, want := range []string{testPatientID, "张小明", "急性淋巴细胞白血病"} {
			if !strings.Contains(body, want) {
				t.Errorf("the review page does not show %q", want)
			}
		}
		if !strings.Contains(body, i18n.T(i18n.ZH, "screen.level.blocked")) {
			t.Error("the review page does not show the screening's level")
		}

		// What the requester is told: the rejection's recorded reason
		// holds the public keys only.
		for _, e := range events {
			if e.To == campaign.Rejected && (strings.Contains(e.Reason, "_staff") || !strings.Contains(e.Reason, "screen.duplicate.patient_open")) {
				t.Errorf("the rejection tells the requester %q", e.Reason)
			}
		}
		resp = f.as("user", "GET", "/my/requests/"+strconv.FormatInt(second, 10), nil)
		rvStatus(t, "the requester's page", resp, http.StatusOK)
		b, _ := io.ReadAll(resp.Body)
		for _, text := range staffTexts {
			if strings.Contains(string(b), html.EscapeString(text)) {
				t.Errorf("the requester's page shows the staff reason %q", text)
			}
		}
	})
}

// TestAskForInformation: a reviewer claims a request and asks for more;
// the questions are stored for the requester and the request waits for
// them; questions cannot be empty (R-REV-2). Every step is in the audit
// log (R-STAFF-1).
func TestAskForInformation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.inReview(t, f.userID, testFiling())
		object := requestObject(id)

		resp, body := f.rvDo(t, "POST", rvURL(id, "/ask"), url.Values{"questions": {"请补充诊断证明"}})
		rvStatus(t, "asking before claiming", resp, http.StatusForbidden)
		if !strings.Contains(body, i18n.T(i18n.ZH, review.KeyNotClaimed)) {
			t.Error("the refusal does not say to claim first")
		}
		rvAudit(t, db, "review.ask_info", audit.ResultDenied, object)

		resp, _ = f.rvDo(t, "POST", rvURL(id, "/claim"), nil)
		rvStatus(t, "claim", resp, http.StatusSeeOther)
		rvAudit(t, db, "review.claim", audit.ResultOK, object)
		resp, body = f.rvDo(t, "GET", rvURL(id, "?done=claimed"), nil)
		rvStatus(t, "the page after claiming", resp, http.StatusOK)
		if !strings.Contains(body, i18n.T(i18n.ZH, "reviewpages.claimed_by_you")) || !strings.Contains(body, rvURL(id, "/ask")) {
			t.Error("the page does not show the claim and the forms of the review")
		}

		resp, body = f.rvDo(t, "POST", rvURL(id, "/ask"), url.Values{"questions": {"  "}})
		rvStatus(t, "empty questions", resp, http.StatusUnprocessableEntity)
		if !strings.Contains(body, i18n.T(i18n.ZH, review.KeyTextRequired)) {
			t.Error("the refusal does not say the questions are missing")
		}
		rvAudit(t, db, "review.ask_info", audit.ResultFailed, object)
		// The page shown again is a view of personal data: recorded too.
		rvAudit(t, db, "pii.view.request", audit.ResultOK, object)

		questions := "请补充医院开具的费用预估证明"
		resp, _ = f.rvDo(t, "POST", rvURL(id, "/ask"), url.Values{"questions": {questions}})
		rvStatus(t, "ask", resp, http.StatusSeeOther)
		rvAudit(t, db, "review.ask_info", audit.ResultOK, object)
		if st := f.requestState(t, id); st != campaign.NeedsInfo {
			t.Errorf("state %s, want needs_info", st)
		}
		f.rvRead(t, func(ctx context.Context, tx *store.Tx) error {
			ds, err := review.Decisions(ctx, tx, id)
			if err != nil {
				return err
			}
			if len(ds) != 1 || ds[0].Decision != review.NeedsInfo || ds[0].Text != questions || ds[0].StaffID != f.ids[staff.Reviewer] {
				t.Errorf("decisions %+v, want the questions by the reviewer", ds)
			}
			return nil
		})
	})
}

// TestRejectNeedsReason: a rejection without a reason is refused and
// changes nothing; with one, the request is rejected and the reason stored
// for the requester (R-REV-2).
func TestRejectNeedsReason(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.inReview(t, f.userID, testFiling())
		f.rvDo(t, "POST", rvURL(id, "/claim"), nil)

		resp, body := f.rvDo(t, "POST", rvURL(id, "/reject"), url.Values{"reason": {""}})
		rvStatus(t, "a rejection without a reason", resp, http.StatusUnprocessableEntity)
		if !strings.Contains(body, i18n.T(i18n.ZH, review.KeyTextRequired)) {
			t.Error("the refusal does not say the reason is missing")
		}
		if st := f.requestState(t, id); st != campaign.InReview {
			t.Errorf("state %s after a refused rejection, want in_review", st)
		}
		rvAudit(t, db, "review.reject", audit.ResultFailed, requestObject(id))

		reason := "诊断证明与病历信息不一致"
		resp, _ = f.rvDo(t, "POST", rvURL(id, "/reject"), url.Values{"reason": {reason}})
		rvStatus(t, "reject", resp, http.StatusSeeOther)
		if st := f.requestState(t, id); st != campaign.Rejected {
			t.Errorf("state %s, want rejected", st)
		}
		e := rvAudit(t, db, "review.reject", audit.ResultOK, requestObject(id))
		if strings.Contains(e.Detail, reason) {
			t.Error("the audit record repeats the reason's text")
		}
		f.rvRead(t, func(ctx context.Context, tx *store.Tx) error {
			ds, err := review.Decisions(ctx, tx, id)
			if err == nil && (len(ds) != 1 || ds[0].Decision != review.Rejected || ds[0].Text != reason) {
				t.Errorf("decisions %+v, want the rejection with its reason", ds)
			}
			return err
		})
	})
}

// TestRelatedReviewerCannotClaim: an admin records a reviewer as related
// to the publisher; the reviewer then cannot take the request (R-REV-3).
func TestRelatedReviewerCannotClaim(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.inReview(t, f.userID, testFiling())
		target := "/staff/members/" + strconv.FormatInt(f.ids[staff.Reviewer], 10) + "/conflicts"
		object := "staff:" + strconv.FormatInt(f.ids[staff.Reviewer], 10)

		resp := f.as(string(staff.Admin), "POST", target, url.Values{"user_id": {"x"}})
		rvStatus(t, "a conflict without a user", resp, http.StatusUnprocessableEntity)
		rvAudit(t, db, "review.conflict_add", audit.ResultFailed, object)

		resp = f.as(string(staff.Admin), "POST", target, url.Values{"user_id": {strconv.FormatInt(f.userID, 10)}, "note": {"表亲"}})
		rvStatus(t, "record the conflict", resp, http.StatusSeeOther)
		if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/staff/members") {
			t.Errorf("redirected to %q, want the members page", loc)
		}
		rvAudit(t, db, "review.conflict_add", audit.ResultOK, object)

		resp, body := f.rvDo(t, "POST", rvURL(id, "/claim"), nil)
		rvStatus(t, "a related reviewer's claim", resp, http.StatusForbidden)
		if !strings.Contains(body, i18n.T(i18n.ZH, review.KeyConflict)) {
			t.Error("the refusal does not say the reviewer is related")
		}
		rvAudit(t, db, "review.claim", audit.ResultDenied, requestObject(id))

		// Someone else reviews it.
		_, token := f.rvSecondReviewer(t)
		rvStatus(t, "another reviewer's claim", f.rvAs(token, "POST", rvURL(id, "/claim"), url.Values{}, nil), http.StatusSeeOther)
	})
}

// TestTwoReviewersAndCertificate: a request above ¥500,000 is approved
// only once every required material is marked reviewed (R-REV-2), and needs
// the approval of two different reviewers: after the first it goes back to
// the queue by itself, shown as waiting for a second reviewer, and the first
// can neither take it again nor approve twice (R-REV-3). The final approval
// publishes version 1 (R-PUB-1), but the channel stays shut until the
// certificate is published and a reviewer opens it (R-REQ-4).
func TestTwoReviewersAndCertificate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.inReview(t, f.userID, rvOverCap())
		object := requestObject(id)

		// None of the five documents reviewed: the approval is refused,
		// with the reason next to the button (R-REV-2).
		kinds := material.Required(rvOverCap().Relationship, rvOverCap().Target, 0)
		if len(kinds) != 5 {
			t.Fatalf("the filing requires %v, want five documents", kinds)
		}
		mats := map[material.Kind]int64{}
		for _, k := range kinds {
			mats[k] = f.rvMaterial(t, id, k)
		}
		f.rvDo(t, "POST", rvURL(id, "/claim"), nil)
		_, page := f.rvDo(t, "GET", rvURL(id, ""), nil)
		unreviewed := html.EscapeString(i18n.T(i18n.ZH, material.KeyUnreviewed, 5))
		if !strings.Contains(page, `id="approve-err">`+unreviewed) {
			t.Error("the page does not say, next to the approval, that the material is unreviewed")
		}
		resp, body := f.rvDo(t, "POST", rvURL(id, "/approve"), nil)
		rvStatus(t, "approving unreviewed material", resp, http.StatusConflict)
		if !strings.Contains(body, `<p class="field-error" id="approve-err">`+unreviewed) {
			t.Errorf("the refusal does not stand next to the approval:\n%s", body)
		}
		rvAudit(t, db, "review.approve", audit.ResultFailed, object)
		if st := f.requestState(t, id); st != campaign.InReview {
			t.Fatalf("state %s after a refused approval", st)
		}
		for _, k := range kinds[:4] {
			resp, _ := f.rvDo(t, "POST", rvURL(id, "/materials/"+strconv.FormatInt(mats[k], 10)+"/reviewed"), nil)
			rvStatus(t, "mark reviewed", resp, http.StatusSeeOther)
		}
		resp, body = f.rvDo(t, "POST", rvURL(id, "/approve"), nil)
		rvStatus(t, "approving with the certificate unreviewed", resp, http.StatusConflict)
		if !strings.Contains(body, html.EscapeString(i18n.T(i18n.ZH, material.KeyUnreviewed, 1))) {
			t.Error("the refusal does not count the one material left")
		}

		cert := mats[material.Certificate]
		mobject := "material:" + strconv.FormatInt(cert, 10)
		resp, _ = f.rvDo(t, "POST", rvURL(id, "/materials/"+strconv.FormatInt(cert, 10)+"/reviewed"), nil)
		rvStatus(t, "mark the certificate reviewed", resp, http.StatusSeeOther)
		rvAudit(t, db, "material.reviewed", audit.ResultOK, mobject)

		resp, _ = f.rvDo(t, "POST", rvURL(id, "/approve"), nil)
		rvStatus(t, "first approval", resp, http.StatusSeeOther)
		if st := f.requestState(t, id); st != campaign.InReview {
			t.Fatalf("state %s after one approval, want in_review", st)
		}
		if e := rvAudit(t, db, "review.approve", audit.ResultOK, object); e.Detail != "approve 1/2" {
			t.Errorf("the first approval is recorded as %q", e.Detail)
		}

		// Back in the queue by itself, for a second reviewer.
		waiting := i18n.T(i18n.ZH, "reviewpages.waiting_second_reviewer")
		_, queue := f.rvDo(t, "GET", "/staff/review", nil)
		if !strings.Contains(queue, waiting) {
			t.Error("the queue does not show the request waiting for a second reviewer")
		}
		resp, body = f.rvDo(t, "POST", rvURL(id, "/claim"), nil)
		rvStatus(t, "the first approver taking it again", resp, http.StatusForbidden)
		if !strings.Contains(body, i18n.T(i18n.ZH, review.KeySameReviewer)) {
			t.Error("the refusal does not say a second reviewer is needed")
		}
		rvAudit(t, db, "review.claim", audit.ResultDenied, object)
		resp, _ = f.rvDo(t, "POST", rvURL(id, "/approve"), nil)
		rvStatus(t, "the same reviewer approving twice", resp, http.StatusForbidden)
		rvAudit(t, db, "review.approve", audit.ResultDenied, object)
		if st := f.requestState(t, id); st != campaign.InReview {
			t.Fatalf("state %s after the same reviewer approved twice, want in_review", st)
		}

		_, token := f.rvSecondReviewer(t)
		second := f.rvAs(token, "GET", rvURL(id, ""), nil, nil)
		b, _ := io.ReadAll(second.Body)
		if page := string(b); !strings.Contains(page, waiting) || !strings.Contains(page, rvURL(id, "/claim")) ||
			strings.Contains(page, i18n.T(i18n.ZH, "reviewpages.claimed_by_other", "u-reviewer")) {
			t.Errorf("the second reviewer does not find it free to take:\n%s", page)
		}
		rvStatus(t, "second claim", f.rvAs(token, "POST", rvURL(id, "/claim"), url.Values{}, nil), http.StatusSeeOther)
		resp = f.rvAs(token, "POST", rvURL(id, "/approve"), url.Values{}, nil)
		rvStatus(t, "second approval", resp, http.StatusSeeOther)
		if loc := resp.Header.Get("Location"); !strings.HasSuffix(loc, "done=approved_waiting") {
			t.Errorf("after the final approval, redirected to %q", loc)
		}
		if e := rvAudit(t, db, "review.approve", audit.ResultOK, object); e.Detail != "approve 2/2" {
			t.Errorf("the second approval is recorded as %q", e.Detail)
		}
		if st := f.requestState(t, id); st != campaign.Approved {
			t.Fatalf("state %s without a published certificate, want approved", st)
		}
		f.rvRead(t, func(ctx context.Context, tx *store.Tx) error {
			vs, err := f.s.campaigns.Versions(ctx, tx, id)
			if err == nil && (len(vs) != 1 || vs[0].Number != 1 || vs[0].Published.Patient != "张*明") {
				t.Errorf("versions %+v, want version 1 with the masked name", vs)
			}
			return err
		})

		// Not forgotten: the queue lists it as waiting for its certificate.
		resp, body = f.rvDo(t, "GET", "/staff/review", nil)
		rvStatus(t, "the queue", resp, http.StatusOK)
		if !strings.Contains(body, rvURL(id, "")) || !strings.Contains(body, i18n.T(i18n.ZH, campaign.KeyCertificateUnpublished)) {
			t.Error("the queue does not list the approved request waiting for its certificate")
		}

		resp, body = f.rvDo(t, "POST", rvURL(id, "/open"), nil)
		rvStatus(t, "opening before the certificate is published", resp, http.StatusConflict)
		if !strings.Contains(body, i18n.T(i18n.ZH, campaign.KeyCertificateUnpublished)) {
			t.Error("the refusal does not say the certificate is unpublished")
		}
		rvAudit(t, db, "request.open", audit.ResultFailed, object)

		// A new certificate, not yet reviewed, is not published.
		fresh := f.rvMaterial(t, id, material.Certificate)
		summary := url.Values{"summary": {"北京大学人民医院 2026 年 11 月出具：预计治疗总费用约 65 万元。"}}
		resp, body = f.rvDo(t, "POST", rvURL(id, "/materials/"+strconv.FormatInt(fresh, 10)+"/publish"), summary)
		rvStatus(t, "publishing before review", resp, http.StatusConflict)
		if !strings.Contains(body, i18n.T(i18n.ZH, material.KeyNotReviewed)) {
			t.Error("the refusal does not say the certificate is not reviewed")
		}
		rvAudit(t, db, "material.publish", audit.ResultFailed, "material:"+strconv.FormatInt(fresh, 10))

		// The public sees a summary of the certificate, never the file; it
		// is required, and may not name the patient (R-REQ-4, R-PUB-1).
		resp, _ = f.rvDo(t, "POST", rvURL(id, "/materials/"+strconv.FormatInt(cert, 10)+"/publish"), nil)
		rvStatus(t, "publishing without a summary", resp, http.StatusUnprocessableEntity)
		resp, _ = f.rvDo(t, "POST", rvURL(id, "/materials/"+strconv.FormatInt(cert, 10)+"/publish"),
			url.Values{"summary": {"证明张小明需要移植"}})
		rvStatus(t, "a summary naming the patient", resp, http.StatusUnprocessableEntity)
		resp, _ = f.rvDo(t, "POST", rvURL(id, "/materials/"+strconv.FormatInt(cert, 10)+"/publish"), summary)
		rvStatus(t, "publish", resp, http.StatusSeeOther)
		rvAudit(t, db, "material.publish", audit.ResultOK, mobject)
		resp, _ = f.rvDo(t, "POST", rvURL(id, "/open"), nil)
		rvStatus(t, "open", resp, http.StatusSeeOther)
		rvAudit(t, db, "request.open", audit.ResultOK, object)
		if _, page := f.rvDo(t, "GET", "/requests/"+strconv.FormatInt(id, 10), nil); !strings.Contains(page, "预计治疗总费用约 65 万元") {
			t.Error("the public page does not show the certificate's summary")
		}
		if st := f.requestState(t, id); st != campaign.Fundraising {
			t.Fatalf("state %s, want fundraising", st)
		}
		f.rvRead(t, func(ctx context.Context, tx *store.Tx) error {
			ch, err := f.s.campaigns.Fundraising(ctx, tx, id)
			if err == nil && !ch.Deadline.Equal(ch.OpenedAt.Add(f.s.platform.Period)) {
				t.Errorf("channel %+v, want the configured period", ch)
			}
			return err
		})
	})
}

// TestApprovalPublishesAndOpens: the approval of a request within the cap
// publishes version 1 and opens fundraising in the same step (R-PUB-1).
func TestApprovalPublishesAndOpens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		fl := testFiling()
		if campaign.NeedsCertificate(fl.Target) {
			t.Fatal("the test filing needs a certificate")
		}
		id := f.inReview(t, f.userID, fl)
		f.rvApprove(t, id)
		if st := f.requestState(t, id); st != campaign.Fundraising {
			t.Fatalf("state %s after approval, want fundraising", st)
		}
		f.rvRead(t, func(ctx context.Context, tx *store.Tx) error {
			vs, err := f.s.campaigns.Versions(ctx, tx, id)
			if err != nil {
				return err
			}
			if len(vs) != 1 || vs[0].Number != 1 || vs[0].Published.Target != fl.Target {
				t.Errorf("versions %+v, want version 1", vs)
			}
			_, err = f.s.campaigns.Fundraising(ctx, tx, id)
			return err
		})
	})
}

// rvAuditFirst is a ResponseWriter that checks, when the response starts,
// that the view is already in the audit log (R-PII-1, R-STAFF-1).
type rvAuditFirst struct {
	*httptest.ResponseRecorder
	check   func() bool
	started bool
	ok      bool
}

func (w *rvAuditFirst) start() {
	if !w.started {
		w.started, w.ok = true, w.check()
	}
}

func (w *rvAuditFirst) WriteHeader(code int) { w.start(); w.ResponseRecorder.WriteHeader(code) }

func (w *rvAuditFirst) Write(b []byte) (int, error) { w.start(); return w.ResponseRecorder.Write(b) }

// TestViewsAuditedFirst: the review page and a material are in the audit
// log before the first byte of the response (R-PII-1, R-STAFF-1); the
// material comes sandboxed, as its own type, never cached.
func TestViewsAuditedFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.inReview(t, f.userID, testFiling())
		mid := f.rvMaterial(t, id, material.Diagnosis)
		ctx := context.Background()
		seen := func(action, object, detail string) func() bool {
			return func() bool {
				var list []audit.Entry
				err := db.Read(ctx, func(tx *store.Tx) (err error) {
					list, err = audit.List(ctx, tx, audit.Filter{Action: action, Object: object, Limit: 1})
					return err
				})
				return err == nil && len(list) == 1 && list[0].Result == audit.ResultOK &&
					list[0].Actor == "staff:"+strconv.FormatInt(f.ids[staff.Reviewer], 10) && list[0].Detail == detail
			}
		}

		w := &rvAuditFirst{ResponseRecorder: httptest.NewRecorder(), check: seen("pii.view.request", requestObject(id), "")}
		f.rvAs(f.staff[staff.Reviewer], "GET", rvURL(id, ""), nil, w)
		if w.Code != http.StatusOK || !w.started || !w.ok {
			t.Errorf("the review page: status %d, audited before the response = %v", w.Code, w.ok)
		}
		if !strings.Contains(w.Body.String(), testPatientID) {
			t.Error("the review page does not show the ID number")
		}

		object := "material:" + strconv.FormatInt(mid, 10)
		w = &rvAuditFirst{ResponseRecorder: httptest.NewRecorder(), check: seen("pii.view.material", object, requestObject(id))}
		f.rvAs(f.staff[staff.Reviewer], "GET", rvURL(id, "/materials/"+strconv.FormatInt(mid, 10)), nil, w)
		if w.Code != http.StatusOK || !w.started || !w.ok {
			t.Fatalf("the material: status %d, audited before the response = %v", w.Code, w.ok)
		}
		h := w.Header()
		for name, want := range map[string]string{"Content-Type": "image/png", "Content-Disposition": "inline",
			"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"} {
			if got := h.Get(name); got != want {
				t.Errorf("%s: %q, want %q", name, got, want)
			}
		}
		wantSandboxedDocument(t, h, "image/png")
		if _, err := png.Decode(bytes.NewReader(w.Body.Bytes())); err != nil {
			t.Errorf("the material is not the PNG: %v", err)
		}

		// Another request's material is not reachable through this one.
		other := f.inReview(t, f.userID, rvOverCap())
		resp := f.as(string(staff.Reviewer), "GET", rvURL(other, "/materials/"+strconv.FormatInt(mid, 10)), nil)
		rvStatus(t, "a material under another request", resp, http.StatusNotFound)
		rvAudit(t, db, "pii.view.material", audit.ResultFailed, object)
	})
}

// rvFundraising returns a request that is raising money, approved through
// the console.
func (f *fixture) rvFundraising(t *testing.T) int64 {
	t.Helper()
	id := f.inReview(t, f.userID, testFiling())
	f.rvApprove(t, id)
	if st := f.requestState(t, id); st != campaign.Fundraising {
		t.Fatalf("state %s, want fundraising", st)
	}
	return id
}

// TestPatrolTakedown: an update with risky wording comes first in the
// patrol queue with its staff reasons; a takedown needs a public reason and
// hides the text from the public, keeping the update and the reason in
// public (R-REV-4).
func TestPatrolTakedown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.rvFundraising(t)
		ctx := context.Background()
		var plain, risky campaign.Update
		if err := db.Write(ctx, func(tx *store.Tx) (err error) {
			if plain, err = f.s.campaigns.PostUpdate(ctx, tx, id, f.userID, "孩子今天完成了第二次化疗，情况稳定。"); err != nil {
				return err
			}
			risky, err = f.s.campaigns.PostUpdate(ctx, tx, id, f.userID, "捐款请转账到个人账户，加微信私聊。")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if !risky.Flagged || plain.Flagged {
			t.Fatalf("flagged: risky %v, plain %v", risky.Flagged, plain.Flagged)
		}

		resp, body := f.rvDo(t, "GET", "/staff/patrol", nil)
		rvStatus(t, "the patrol page", resp, http.StatusOK)
		ri, pi := strings.Index(body, "转账到个人账户，"), strings.Index(body, "第二次化疗")
		if ri < 0 || pi < 0 || ri > pi {
			t.Error("the flagged update is not listed first")
		}
		if !strings.Contains(body, html.EscapeString(i18n.T(i18n.ZH, "screen.wording.phrase_staff", "转账到个人账户", "1"))) {
			t.Error("the patrol page does not show the staff reason")
		}
		// The poster is named masked, never "user:N" (R-PII-1).
		if raw := "user:" + strconv.FormatInt(f.userID, 10); strings.Contains(body, raw) || !strings.Contains(body, "138****8000") {
			t.Errorf("the patrol page names the poster %s, not masked", raw)
		}

		base := "/staff/patrol/" + strconv.FormatInt(id, 10) + "/updates/"
		uobject := "update:" + strconv.FormatInt(risky.ID, 10)
		resp, _ = f.rvDo(t, "POST", base+strconv.FormatInt(risky.ID, 10)+"/takedown", url.Values{"reason": {" "}})
		rvStatus(t, "a takedown without a reason", resp, http.StatusUnprocessableEntity)
		rvAudit(t, db, "patrol.takedown", audit.ResultFailed, uobject)

		reason := "含有引导私下转账的内容"
		resp, _ = f.rvDo(t, "POST", base+strconv.FormatInt(risky.ID, 10)+"/takedown", url.Values{"reason": {reason}})
		rvStatus(t, "takedown", resp, http.StatusSeeOther)
		rvAudit(t, db, "patrol.takedown", audit.ResultOK, uobject)
		resp, _ = f.rvDo(t, "POST", base+strconv.FormatInt(plain.ID, 10)+"/check", nil)
		rvStatus(t, "check", resp, http.StatusSeeOther)
		rvAudit(t, db, "patrol.check", audit.ResultOK, "update:"+strconv.FormatInt(plain.ID, 10))

		f.rvRead(t, func(ctx context.Context, tx *store.Tx) error {
			us, err := f.s.campaigns.Updates(ctx, tx, id, true)
			if err != nil {
				return err
			}
			if len(us) != 2 || us[1].ID != risky.ID || !us[1].TakenDown || us[1].Body != "" || us[1].TakedownReason != reason {
				t.Errorf("public updates %+v, want the risky one listed without its text, with the reason", us)
			}
			q, err := f.s.campaigns.PatrolQueue(ctx, tx, 10)
			if err == nil && len(q) != 0 {
				t.Errorf("the patrol queue still holds %d updates", len(q))
			}
			return err
		})
		resp = f.as("", "GET", "/requests/"+strconv.FormatInt(id, 10), nil)
		rvStatus(t, "the public page", resp, http.StatusOK)
		b, _ := io.ReadAll(resp.Body)
		if strings.Contains(string(b), "加微信私聊") || !strings.Contains(string(b), reason) {
			t.Error("the public page shows the taken-down text or not the reason")
		}
	})
}

// TestStaffClose: staff close a fundraising request for a reason the
// public sees, a gone purpose with its cause; a reason staff may not give,
// a gone purpose without a cause and a closing by the platform without a
// public note are refused (R-PUB-4).
func TestStaffClose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.rvFundraising(t)
		object := requestObject(id)
		for _, bad := range []url.Values{
			{"close_reason": {"target_reached"}},
			{"close_reason": {"purpose_gone"}},
			{"close_reason": {"closed_by_staff"}},
		} {
			resp, _ := f.rvDo(t, "POST", rvURL(id, "/close"), bad)
			rvStatus(t, "closing with "+bad.Encode(), resp, http.StatusUnprocessableEntity)
			rvAudit(t, db, "request.close", audit.ResultFailed, object)
		}
		if st := f.requestState(t, id); st != campaign.Fundraising {
			t.Fatalf("state %s after refused closings", st)
		}

		resp, _ := f.rvDo(t, "POST", rvURL(id, "/close"), url.Values{"close_reason": {"purpose_gone"},
			"close_cause": {"died"}, "close_note": {"家属告知"}})
		rvStatus(t, "close", resp, http.StatusSeeOther)
		if e := rvAudit(t, db, "request.close", audit.ResultOK, object); e.Detail != "close purpose_gone.died" {
			t.Errorf("the closing is recorded as %q", e.Detail)
		}
		if st := f.requestState(t, id); st != campaign.Closed {
			t.Fatalf("state %s, want closed", st)
		}
		want := campaign.Closing{Reason: campaign.PurposeGone, Cause: campaign.Died}.PublicKey()
		f.rvRead(t, func(ctx context.Context, tx *store.Tx) error {
			ch, err := f.s.campaigns.Fundraising(ctx, tx, id)
			if err != nil {
				return err
			}
			if !ch.Closed || ch.Closing.PublicKey() != want || ch.Note != "家属告知" || ch.ClosedBy != "staff:"+strconv.FormatInt(f.ids[staff.Reviewer], 10) {
				t.Errorf("channel %+v, want closed for %s", ch, want)
			}
			evs, err := f.s.campaigns.Events(ctx, tx, id)
			if err == nil && evs[len(evs)-1].Reason != want {
				t.Errorf("the closing event's reason is %q, want %q", evs[len(evs)-1].Reason, want)
			}
			return err
		})
		resp, body := f.rvDo(t, "GET", rvURL(id, ""), nil)
		rvStatus(t, "the closed request's page", resp, http.StatusOK)
		if !strings.Contains(body, i18n.T(i18n.ZH, want)) {
			t.Error("the page does not show the public reason of the closing")
		}
		resp, _ = f.rvDo(t, "POST", rvURL(id, "/close"), url.Values{"close_reason": {"purpose_achieved"}})
		rvStatus(t, "closing twice", resp, http.StatusConflict)

		resp = f.as("", "GET", "/requests/"+strconv.FormatInt(id, 10), nil)
		rvStatus(t, "the public page", resp, http.StatusOK)
		b, _ := io.ReadAll(resp.Body)
		if !strings.Contains(string(b), i18n.T(i18n.ZH, want)) {
			t.Error("the public page does not show why fundraising closed")
		}
	})
}

// TestReviewQueueOrder: the queue lists the riskiest first, with level,
// score, target and who holds each (R-REV-1).
func TestReviewQueueOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		low := f.inReview(t, f.userID, testFiling())
		_, otherID := f.signInUser(t, "13900139000")
		fl := testFiling()
		fl.PatientID = "110105194912310038"
		fl.Story += "保证治愈，高额回报，稳赚不赔，返利。"
		risky := f.inReview(t, otherID, fl)
		f.rvDo(t, "POST", rvURL(low, "/claim"), nil)

		var levels = map[int64]string{}
		f.rvRead(t, func(ctx context.Context, tx *store.Tx) error {
			for _, id := range []int64{low, risky} {
				sc, err := review.LastScreening(ctx, tx, id)
				if err != nil {
					return err
				}
				levels[id] = string(sc.Level)
			}
			return nil
		})
		resp, body := f.rvDo(t, "GET", "/staff/review", nil)
		rvStatus(t, "the queue", resp, http.StatusOK)
		li, ri := strings.Index(body, rvURL(low, "\"")), strings.Index(body, rvURL(risky, "\""))
		if li < 0 || ri < 0 {
			t.Fatalf("the queue does not list both requests (%d, %d)", li, ri)
		}
		if levels[risky] == levels[low] {
			t.Fatalf("both requests screened %s; the test needs two levels", levels[low])
		}
		if ri > li {
			t.Errorf("the riskier request (%s) is listed after the other (%s)", levels[risky], levels[low])
		}
		if !strings.Contains(body, money.Fen(300_000_00).Format(i18n.ZH)) || !strings.Contains(body, i18n.T(i18n.ZH, "reviewpages.claimed_by_you")) {
			t.Error("the queue does not show the target or who holds the request")
		}
	})
}

// TestAdminClose: an admin may close a request (R-PUB-4) but not see the
// review page: a refusal is an error page without the filing, and a
// closing goes to the public page (R-PII-1, least privilege).
func TestAdminClose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.rvFundraising(t)
		resp := f.as(string(staff.Admin), "POST", rvURL(id, "/close"), url.Values{"close_reason": {"closed_by_staff"}})
		b, _ := io.ReadAll(resp.Body)
		rvStatus(t, "a closing by the platform without a note", resp, http.StatusUnprocessableEntity)
		if strings.Contains(string(b), testPatientID) || strings.Contains(string(b), "张小明") {
			t.Error("the admin's refusal shows the filing")
		}
		rvAudit(t, db, "request.close", audit.ResultFailed, requestObject(id))

		resp = f.as(string(staff.Admin), "POST", rvURL(id, "/close"), url.Values{"close_reason": {"closed_by_staff"},
			"close_note": {"求助人提供的材料存在疑点，平台已暂停核实"}})
		rvStatus(t, "the admin's closing", resp, http.StatusSeeOther)
		if loc := resp.Header.Get("Location"); loc != "/requests/"+strconv.FormatInt(id, 10) {
			t.Errorf("redirected to %q, want the public page", loc)
		}
		rvAudit(t, db, "request.close", audit.ResultOK, requestObject(id))
		if st := f.requestState(t, id); st != campaign.Closed {
			t.Errorf("state %s, want closed", st)
		}
	})
}

// TestConsoleNamesPublisherMasked: the review page names the publisher,
// and the uploader of each material, by the masked verified name and the
// masked phone, never by a bare "user:N" (R-PII-1).
func TestConsoleNamesPublisherMasked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.verify(t, f.userID, "李四海", "11010519491231002X")
		id := f.inReview(t, f.userID, testFiling())
		f.rvMaterial(t, id, material.Diagnosis)
		resp, page := f.rvDo(t, "GET", rvURL(id, ""), nil)
		rvStatus(t, "the review page", resp, http.StatusOK)
		raw := "user:" + strconv.FormatInt(f.userID, 10)
		if strings.Contains(page, raw) {
			t.Errorf("the page names the publisher %s", raw)
		}
		if n := strings.Count(page, "李*海 138****8000"); n < 2 {
			t.Errorf("the masked publisher is on the page %d times, want as publisher and uploader", n)
		}
	})
}
