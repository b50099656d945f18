package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/blacklist"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/charity"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/review"
	"github.com/carefund/carefund/internal/rules"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// testPNG returns a small, valid PNG.
func testPNG(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// postMultipart sends the filing form as the browser does, as the user,
// with a file when content is not nil.
func (f *fixture) postMultipart(t *testing.T, target string, values url.Values, content []byte, header ...string) *http.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range values {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if content != nil {
		fw, err := mw.CreateFormFile("file", "photo.jpg")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(content)
	}
	mw.Close()
	req := httptest.NewRequest("POST", target, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	req.AddCookie(&http.Cookie{Name: userCookie, Value: f.user})
	if f.device != "" {
		req.AddCookie(&http.Cookie{Name: deviceCookie, Value: f.device})
	}
	rec := httptest.NewRecorder()
	f.s.Handler().ServeHTTP(rec, req)
	return rec.Result()
}

// formOfFiling is fl as the filing form sends it, with the current rules.
func (f *fixture) formOfFiling(t *testing.T, fl campaign.Filing, revision int) url.Values {
	t.Helper()
	v := url.Values{"revision": {strconv.Itoa(revision)}}
	for k, val := range filingValues(fl) {
		v.Set(k, val)
	}
	v.Set("truthful", fl.Truthful)
	v.Set("consent", fl.Consent)
	ctx := context.Background()
	if err := f.db.Read(ctx, func(tx *store.Tx) error {
		for _, k := range account.ConsentKinds {
			cur, err := rules.Current(ctx, tx, k)
			if err != nil {
				return err
			}
			v.Add("rule", strconv.FormatInt(cur.ID, 10))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return v
}

// startDraft starts a draft as the user and returns its id.
func (f *fixture) startDraft(t *testing.T) int64 {
	t.Helper()
	resp := f.as("user", "POST", "/my/requests", url.Values{})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/my/requests/") {
		t.Fatalf("starting a draft: %d %s", resp.StatusCode, body(t, resp))
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(loc, "/my/requests/"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *fixture) request(t *testing.T, id int64) campaign.Request {
	t.Helper()
	ctx := context.Background()
	var req campaign.Request
	if err := f.db.Read(ctx, func(tx *store.Tx) (err error) {
		req, err = f.s.campaigns.Get(ctx, tx, id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return req
}

// TestFilingNeedsVerifiedName: only a real-name verified user files (R-ACC-1).
func TestFilingNeedsVerifiedName(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		resp := f.as("user", "POST", "/my/requests", url.Values{})
		if page := body(t, resp); resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "实名认证") {
			t.Fatalf("an unverified user started a draft: %d", resp.StatusCode)
		}
		f.verify(t, f.userID, "李四", "11010519491231002X")
		f.startDraft(t)
	})
}

// TestFilingFlow files a request through the pages: the draft saves as it
// is typed, every missing answer and document is named at once and nothing
// is submitted (R-REQ-1, R-REQ-2, R-REQ-3), a forged upload is refused, a
// valid filing is submitted and screened (R-REV-1) with the consents
// recorded (R-RULES-2, R-RULES-4), charities are suggested (R-REQ-7), and a
// second press is told it was already submitted.
func TestFilingFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		if err := db.Write(ctx, func(tx *store.Tx) error { _, err := charity.Seed(ctx, tx); return err }); err != nil {
			t.Fatal(err)
		}
		f.verify(t, f.userID, "李四", "11010519491231002X")
		id := f.startDraft(t)
		page := "/my/requests/" + strconv.FormatInt(id, 10)
		if resp := f.as("user", "GET", page, nil); resp.StatusCode != 200 || !strings.Contains(body(t, resp), `id="filing"`) {
			t.Fatalf("the draft's form: %d", resp.StatusCode)
		}

		// Autosave: the script sends the text and gets the new revision.
		rev := f.request(t, id).Revision
		partial := url.Values{"revision": {strconv.Itoa(rev)}, "title": {"救救我的女儿"}, "story": {"只写了一半"},
			"target": {"30万"}, "use.0.label": {"化疗"}}
		resp := f.postMultipart(t, page, partial, nil, "Accept", "application/json")
		var saved struct {
			Revision int               `json:"revision"`
			Errors   map[string]string `json:"errors"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&saved); err != nil || resp.StatusCode != 200 {
			t.Fatalf("autosave: %d %v", resp.StatusCode, err)
		}
		if saved.Revision != rev+1 || saved.Errors["target"] == "" {
			t.Errorf("autosave = %+v, want revision %d and a message on the unreadable target", saved, rev+1)
		}
		if got := f.request(t, id).Filing; got.Title != "救救我的女儿" || got.Story != "只写了一半" {
			t.Errorf("the draft holds %+v", got)
		}
		// A typo in an amount keeps the figure saved before.
		good := url.Values{"revision": {strconv.Itoa(saved.Revision)}, "title": {"救救我的女儿"}, "target": {"300000"}}
		resp = f.postMultipart(t, page, good, nil, "Accept", "application/json")
		if err := json.NewDecoder(resp.Body).Decode(&saved); err != nil || resp.StatusCode != 200 {
			t.Fatalf("autosave: %d %v", resp.StatusCode, err)
		}
		typo := url.Values{"revision": {strconv.Itoa(saved.Revision)}, "title": {"救救我的女儿"}, "target": {"30万"}}
		if resp := f.postMultipart(t, page, typo, nil); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body(t, resp), `value="30万"`) {
			t.Errorf("a typo in the target: %d, want the form again with what was typed", resp.StatusCode)
		}
		if got := f.request(t, id).Filing.Target; got != 300_000_00 {
			t.Errorf("after a typo the draft's target is %v, want the ¥300,000 saved before", got)
		}
		saved.Revision = f.request(t, id).Revision
		// A save from the page before is refused, not written over.
		if resp := f.postMultipart(t, page, good, nil, "Accept", "application/json"); resp.StatusCode != http.StatusConflict {
			t.Errorf("a stale autosave: %d", resp.StatusCode)
		}

		// Submitting the half-filled draft names every problem at once.
		form := partial
		form.Set("revision", strconv.Itoa(saved.Revision))
		resp = f.postMultipart(t, page+"/submit", form, nil)
		html := body(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("submitting a half-filled draft: %d", resp.StatusCode)
		}
		for _, want := range []string{"此项必填", "不能留空", "诊断证明", "只写了一半"} { // R-REQ-1, R-REQ-2, R-REQ-3; what was typed is kept
			if !strings.Contains(html, want) {
				t.Errorf("the refused form does not say %q", want)
			}
		}
		if st := f.requestState(t, id); st != campaign.Draft {
			t.Fatalf("a refused submission left the request %s", st)
		}

		// A script renamed photo.jpg is refused next to the file field.
		fl := testFiling()
		rev = f.request(t, id).Revision
		values := f.formOfFiling(t, fl, rev)
		values.Set("kind", string(material.Diagnosis))
		resp = f.postMultipart(t, page+"/materials", values, []byte("#!/bin/sh\nrm -rf /\n"))
		if html := body(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(html, `field-error`) || !strings.Contains(html, "救救我的女儿") {
			t.Fatalf("a forged upload: %d", resp.StatusCode)
		}
		// The filing typed with it was saved all the same.
		if got := f.request(t, id).Filing; got.PatientName != "张小明" {
			t.Errorf("the filing sent with a refused upload was not saved: %q", got.PatientName)
		}
		for _, k := range []material.Kind{material.Diagnosis, material.IDDocument, material.CostEstimate} {
			values := f.formOfFiling(t, fl, f.request(t, id).Revision)
			values.Set("kind", string(k))
			if resp := f.postMultipart(t, page+"/materials", values, testPNG(t)); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("uploading %s: %d %s", k, resp.StatusCode, body(t, resp))
			}
		}
		// The publisher sees their own document, and the view is audited
		// (R-PII-1).
		var mid int64
		if err := db.Read(ctx, func(tx *store.Tx) error {
			ms, err := f.s.materials.List(ctx, tx, id)
			if len(ms) > 0 {
				mid = ms[0].ID
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		resp = f.as("user", "GET", page+"/materials/"+strconv.FormatInt(mid, 10), nil)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("the publisher's own document: %d %v", resp.StatusCode, resp.Header)
		}
		wantSandboxedDocument(t, resp.Header, "image/png")
		if e := lastAudit(t, db, "pii.view.own_material"); e.Object != "material:"+strconv.FormatInt(mid, 10) || e.Actor != "user:"+itoa(f.userID) {
			t.Errorf("the view is logged as %+v", e.Record)
		}
		// The publisher is a parent: without proof of the relationship
		// the submission is refused (R-REQ-3).
		resp = f.postMultipart(t, page+"/submit", f.formOfFiling(t, fl, f.request(t, id).Revision), nil)
		if html := body(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(html, `id="m-relationship"`) {
			t.Fatalf("submitting without relationship proof: %d", resp.StatusCode)
		}
		values = f.formOfFiling(t, fl, f.request(t, id).Revision)
		values.Set("kind", string(material.Relationship))
		if resp := f.postMultipart(t, page+"/materials", values, testPNG(t)); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("uploading the relationship proof: %d", resp.StatusCode)
		}
		// Unticked boxes are refused (R-RULES-2, R-RULES-4).
		unticked := f.formOfFiling(t, fl, f.request(t, id).Revision)
		unticked.Del("truthful")
		unticked.Del("consent")
		if resp := f.postMultipart(t, page+"/submit", unticked, nil); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("submitting unticked: %d", resp.StatusCode)
		}

		// The consent is to the rules versions the form showed: a form that
		// showed none of the current ones is asked again (R-RULES-2).
		stale := f.formOfFiling(t, fl, f.request(t, id).Revision)
		stale.Del("rule")
		if resp := f.postMultipart(t, page+"/submit", stale, nil); resp.StatusCode != http.StatusConflict ||
			!strings.Contains(body(t, resp), "平台规则刚刚更新") {
			t.Fatalf("submitting with consent to no current rules: %d", resp.StatusCode)
		}
		final := f.formOfFiling(t, fl, f.request(t, id).Revision)
		resp = f.postMultipart(t, page+"/submit", final, nil)
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != page+"/submitted" {
			t.Fatalf("submitting: %d %s", resp.StatusCode, body(t, resp))
		}
		if st := f.requestState(t, id); st != campaign.InReview {
			t.Errorf("after submission the request is %s, want in review after the machine screen", st)
		}
		if got := f.request(t, id).Filing; got.Truthful != "yes" || got.Consent != "on" {
			t.Errorf("the declaration and consent are not kept with the filing: %q %q", got.Truthful, got.Consent)
		}
		// R-REQ-7: charitable organisations are suggested.
		if html := body(t, f.as("user", "GET", page+"/submitted", nil)); !strings.Contains(html, `id="charities"`) || !strings.Contains(html, charity.DemoPrefix) {
			t.Errorf("no charity suggested after submission")
		}
		// A double click: the second press says it was already submitted.
		resp = f.postMultipart(t, page+"/submit", final, nil)
		if html := body(t, resp); resp.StatusCode != http.StatusConflict || !strings.Contains(html, "已经提交") {
			t.Errorf("a second submission: %d", resp.StatusCode)
		}
	})
}

// TestOverCapNeedsCertificate: a target above ¥500,000 cannot be submitted
// without a medical institution's certificate (R-REQ-4).
func TestOverCapNeedsCertificate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.verify(t, f.userID, "李四", "11010519491231002X")
		id := f.startDraft(t)
		page := "/my/requests/" + strconv.FormatInt(id, 10)
		fl := testFiling()
		fl.Target = 600_000_00
		fl.Use[0].Amount = 500_000_00
		for _, k := range []material.Kind{material.Diagnosis, material.IDDocument, material.CostEstimate, material.Relationship} {
			values := f.formOfFiling(t, fl, f.request(t, id).Revision)
			values.Set("kind", string(k))
			if resp := f.postMultipart(t, page+"/materials", values, testPNG(t)); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("uploading %s: %d", k, resp.StatusCode)
			}
		}
		resp := f.postMultipart(t, page+"/submit", f.formOfFiling(t, fl, f.request(t, id).Revision), nil)
		if html := body(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(html, `id="m-certificate"`) {
			t.Fatalf("over the cap without a certificate: %d", resp.StatusCode)
		}
		if st := f.requestState(t, id); st != campaign.Draft {
			t.Errorf("state %s", st)
		}
	})
}

// TestFilingAPI: the JSON API files as the pages do: the draft saves from
// the revision read (a stale one is refused), a submission names every
// missing answer at once (R-REQ-1, R-REQ-2), and a forged upload is refused
// by its content (R-REQ-3).
func TestFilingAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		if resp, _ := f.api("POST", "/api/v1/my/requests", "", "", f.user); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("an unverified user started a draft: %d", resp.StatusCode)
		}
		f.verify(t, f.userID, "李四", "11010519491231002X")
		resp, got := f.api("POST", "/api/v1/my/requests", "", "", f.user)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("POST /api/v1/my/requests: %d %v", resp.StatusCode, got)
		}
		id := strconv.FormatInt(int64(got["id"].(float64)), 10)
		rev := int(got["revision"].(float64))
		put := `{"revision": ` + strconv.Itoa(rev) + `, "filing": {"title": "救救我的女儿", "target_fen": 30000000,
			"disclosures": {"debts": {"answer": "yes", "detail": "", "amount_fen": 0}}}}`
		resp, got = f.api("PUT", "/api/v1/my/requests/"+id, put, "application/json", f.user)
		if resp.StatusCode != 200 || got["filing"].(map[string]any)["title"] != "救救我的女儿" {
			t.Fatalf("PUT: %d %v", resp.StatusCode, got)
		}
		if resp, _ := f.api("PUT", "/api/v1/my/requests/"+id, put, "application/json", f.user); resp.StatusCode != http.StatusConflict {
			t.Errorf("a stale save: %d", resp.StatusCode)
		}
		submit := `{"revision": ` + strconv.Itoa(int(got["revision"].(float64))) + `, "truthful": true, "consent": true, "rules": []}`
		resp, got = f.api("POST", "/api/v1/my/requests/"+id+"/submit", submit, "application/json", f.user)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("submitting a bare draft: %d %v", resp.StatusCode, got)
		}
		fields := map[string]bool{}
		for _, e := range got["errors"].([]any) {
			fields[e.(map[string]any)["field"].(string)] = true
		}
		for _, want := range []string{"patient_id", "story", "use", "disclosure.housing", "disclosure.debts.detail", "material_diagnosis"} {
			if !fields[want] {
				t.Errorf("the refusal does not name %s: %v", want, fields)
			}
		}
		if st := f.requestState(t, mustID(t, id)); st != campaign.Draft {
			t.Errorf("state %s after a refused submission", st)
		}
		// Nothing of a refused submission is kept: the app's revision
		// still holds, and the boxes are not ticked behind its back.
		if again, _ := f.api("POST", "/api/v1/my/requests/"+id+"/submit", submit, "application/json", f.user); again.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("the same submission again: %d, want the same refusal", again.StatusCode)
		}
		if got := f.request(t, mustID(t, id)).Filing; got.Truthful != "" {
			t.Errorf("a refused submission saved the declaration")
		}
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("kind", "diagnosis")
		fw, _ := mw.CreateFormFile("file", "scan.jpg")
		fw.Write([]byte("<?php system($_GET['c']); ?>"))
		mw.Close()
		resp, got = f.api("POST", "/api/v1/my/requests/"+id+"/materials", buf.String(), mw.FormDataContentType(), f.user)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("a forged upload: %d %v", resp.StatusCode, got)
		}
		buf.Reset()
		mw = multipart.NewWriter(&buf)
		mw.WriteField("kind", "diagnosis")
		fw, _ = mw.CreateFormFile("file", "scan.png")
		fw.Write(testPNG(t))
		mw.Close()
		if resp, got := f.api("POST", "/api/v1/my/requests/"+id+"/materials", buf.String(), mw.FormDataContentType(), f.user); resp.StatusCode != http.StatusCreated || got["kind"] != "diagnosis" {
			t.Errorf("an upload: %d %v", resp.StatusCode, got)
		}

		// The whole filing, the other documents, and a submission that
		// goes through: screened, with charities suggested (R-REQ-7).
		ctx := context.Background()
		if err := db.Write(ctx, func(tx *store.Tx) error { _, err := charity.Seed(ctx, tx); return err }); err != nil {
			t.Fatal(err)
		}
		for _, kind := range []string{"id_document", "cost_estimate", "relationship"} {
			buf.Reset()
			mw = multipart.NewWriter(&buf)
			mw.WriteField("kind", kind)
			fw, _ = mw.CreateFormFile("file", "scan.png")
			fw.Write(testPNG(t))
			mw.Close()
			if resp, got := f.api("POST", "/api/v1/my/requests/"+id+"/materials", buf.String(), mw.FormDataContentType(), f.user); resp.StatusCode != http.StatusCreated {
				t.Fatalf("uploading %s: %d %v", kind, resp.StatusCode, got)
			}
		}
		full, err := json.Marshal(map[string]any{"revision": f.request(t, mustID(t, id)).Revision, "filing": apiFilingOf(testFiling())})
		if err != nil {
			t.Fatal(err)
		}
		resp, got = f.api("PUT", "/api/v1/my/requests/"+id, string(full), "application/json", f.user)
		if resp.StatusCode != 200 {
			t.Fatalf("PUT the whole filing: %d %v", resp.StatusCode, got)
		}
		var rules []int64
		if err := db.Read(ctx, func(tx *store.Tx) error {
			for _, k := range account.ConsentKinds {
				v, err := rulesCurrent(ctx, tx, k)
				if err != nil {
					return err
				}
				rules = append(rules, v)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		sub, _ := json.Marshal(map[string]any{"revision": int(got["revision"].(float64)), "truthful": true, "consent": true, "rules": rules})
		resp, got = f.api("POST", "/api/v1/my/requests/"+id+"/submit", string(sub), "application/json", f.user)
		if resp.StatusCode != 200 || got["state"] != string(campaign.InReview) {
			t.Fatalf("submitting through the API: %d %v", resp.StatusCode, got)
		}
		if cs, _ := got["charities"].([]any); len(cs) == 0 {
			t.Errorf("no charity suggested: %v", got)
		}
	})
}

func rulesCurrent(ctx context.Context, tx *store.Tx, k rules.Kind) (int64, error) {
	v, err := rules.Current(ctx, tx, k)
	return v.ID, err
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestExpiredSessionMidFiling: a form sent after the session ended is
// answered with the sign-in page and a message, and the draft as last saved
// survives unchanged.
func TestExpiredSessionMidFiling(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.verify(t, f.userID, "李四", "11010519491231002X")
		id := f.startDraft(t)
		page := "/my/requests/" + strconv.FormatInt(id, 10)
		before := f.request(t, id)
		f.user = "expired-or-forged-token"
		resp := f.postMultipart(t, page, url.Values{"revision": {strconv.Itoa(before.Revision)}, "title": {"改了标题"}}, nil,
			"Referer", "http://example.com"+page)
		html := body(t, resp)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(html, "登录已过期") || !strings.Contains(html, `name="phone"`) {
			t.Fatalf("a form after the session ended: %d", resp.StatusCode)
		}
		if after := f.request(t, id); after.Revision != before.Revision {
			t.Errorf("the draft changed without a session")
		}
	})
}

// TestBlacklistedPublisherRefused: a person on the blacklist cannot start a
// request, nor submit one started before they were listed (R-BL-1).
func TestBlacklistedPublisherRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		const number = "11010519491231002X"
		f.verify(t, f.userID, "李四", number)
		id := f.startDraft(t)
		ctx := context.Background()
		if err := db.Write(ctx, func(tx *store.Tx) error {
			idx, masked, err := blacklist.Person(number, tx.Now, f.s.accounts.IDIndex)
			if err != nil {
				return err
			}
			_, err = blacklist.Add(ctx, tx, blacklist.Change{Action: blacklist.ActionAdd, Index: idx, Masked: masked,
				Reason: "虚构病情骗取捐款，已查实", Evidence: "医院回函"}, "staff:1")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		resp := f.as("user", "POST", "/my/requests", url.Values{})
		if html := body(t, resp); resp.StatusCode != http.StatusForbidden || !strings.Contains(html, "form-error") {
			t.Errorf("a blacklisted person started a request: %d", resp.StatusCode)
		}
		page := "/my/requests/" + strconv.FormatInt(id, 10)
		resp = f.postMultipart(t, page+"/submit", f.formOfFiling(t, testFiling(), f.request(t, id).Revision), nil)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("a blacklisted person submitted: %d", resp.StatusCode)
		}
		if st := f.requestState(t, id); st != campaign.Draft {
			t.Errorf("state %s", st)
		}
	})
}

// TestSecondRequestAboveCapNeedsExpenseList: once a patient's first request
// was published, a second one above ¥500,000 needs a list of medical
// expenses as well as the certificate (R-REQ-5, R-REQ-4).
func TestSecondRequestAboveCapNeedsExpenseList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.verify(t, f.userID, "李四", "11010519491231002X")
		ctx := context.Background()
		first := f.inReview(t, f.userID, testFiling())
		if err := db.Write(ctx, func(tx *store.Tx) error {
			rv, err := staff.Get(ctx, tx, f.ids[staff.Reviewer])
			if err != nil {
				return err
			}
			if err := review.Claim(ctx, tx, first, rv); err != nil {
				return err
			}
			if ok, err := review.Approve(ctx, tx, f.s.campaigns, first, rv); err != nil || !ok {
				return fmt.Errorf("approving: %v %v", ok, err)
			}
			if _, _, err := f.s.campaigns.Publish(ctx, tx, first, rv.Actor()); err != nil {
				return err
			}
			_, err = f.s.campaigns.Close(ctx, tx, first, campaign.Closing{Reason: campaign.ClosedByRequester}, "", "user:1")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		id := f.startDraft(t)
		page := "/my/requests/" + strconv.FormatInt(id, 10)
		fl := testFiling()
		fl.Target = 600_000_00
		fl.Use[0].Amount = 500_000_00
		for _, k := range []material.Kind{material.Diagnosis, material.IDDocument, material.CostEstimate, material.Relationship, material.Certificate} {
			values := f.formOfFiling(t, fl, f.request(t, id).Revision)
			values.Set("kind", string(k))
			if resp := f.postMultipart(t, page+"/materials", values, testPNG(t)); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("uploading %s: %d", k, resp.StatusCode)
			}
		}
		resp := f.postMultipart(t, page+"/submit", f.formOfFiling(t, fl, f.request(t, id).Revision), nil)
		html := body(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(html, `id="m-expense_list"`) {
			t.Fatalf("a second request above the cap without an expense list: %d", resp.StatusCode)
		}
		if !strings.Contains(html[strings.Index(html, `id="m-expense_list"`):], "field-error") {
			t.Errorf("no message next to the expense list")
		}
		values := f.formOfFiling(t, fl, f.request(t, id).Revision)
		values.Set("kind", string(material.ExpenseList))
		if resp := f.postMultipart(t, page+"/materials", values, testPNG(t)); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("uploading the expense list: %d", resp.StatusCode)
		}
		if resp := f.postMultipart(t, page+"/submit", f.formOfFiling(t, fl, f.request(t, id).Revision), nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("with the expense list: %d %s", resp.StatusCode, body(t, resp))
		}
	})
}

// TestAmendPublished: a publisher changes a published request; the change
// is a new version, the public page says what changed and the old text stays
// readable (R-REQ-6); the patient cannot change and the declaration is asked
// again (R-RULES-4).
func TestAmendPublished(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.verify(t, f.userID, "李四", "11010519491231002X")
		ctx := context.Background()
		id := f.inReview(t, f.userID, testFiling())
		page := "/my/requests/" + strconv.FormatInt(id, 10)
		if resp := f.as("user", "GET", page+"/edit", nil); resp.StatusCode != http.StatusConflict {
			t.Errorf("editing a request in review: %d", resp.StatusCode)
		}
		if err := db.Write(ctx, func(tx *store.Tx) error {
			rv, err := staff.Get(ctx, tx, f.ids[staff.Reviewer])
			if err != nil {
				return err
			}
			if err := review.Claim(ctx, tx, id, rv); err != nil {
				return err
			}
			if _, err := review.Approve(ctx, tx, f.s.campaigns, id, rv); err != nil {
				return err
			}
			if _, _, err := f.s.campaigns.Publish(ctx, tx, id, rv.Actor()); err != nil {
				return err
			}
			_, err = f.s.campaigns.OpenFundraising(ctx, tx, id, campaign.Opening{Target: testFiling().Target}, 0, rv.Actor())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if html := body(t, f.as("user", "GET", page, nil)); !strings.Contains(html, `id="amend-link"`) {
			t.Fatal("no way to change the published request")
		}
		if resp := f.as("user", "GET", page+"/edit", nil); resp.StatusCode != 200 {
			t.Fatalf("the edit form: %d", resp.StatusCode)
		}
		fl := testFiling()
		fl.Story = strings.Repeat("化疗第二阶段已经开始，医生建议尽快准备骨髓移植，费用预估没有变化。", 2)
		changed := f.formOfFiling(t, fl, f.request(t, id).Revision)
		changed.Set("patient_id", "110105201001010037") // ignored: the patient is fixed
		unticked := f.formOfFiling(t, fl, f.request(t, id).Revision)
		unticked.Del("truthful")
		if resp := f.as("user", "POST", page+"/amend", unticked); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("a change without the declaration: %d", resp.StatusCode)
		}
		resp := f.as("user", "POST", page+"/amend", changed)
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(loc, "done=amended") {
			t.Fatalf("amending: %d %s %s", resp.StatusCode, loc, body(t, resp))
		}
		if got := f.request(t, id).Filing; got.PatientID != testPatientID || got.Story != fl.Story {
			t.Errorf("after the change the filing holds patient %q and story %q", got.PatientID, got.Story)
		}
		versions := body(t, f.as("", "GET", "/requests/"+strconv.FormatInt(id, 10)+"/versions", nil))
		if !strings.Contains(versions, "化疗第二阶段") || !strings.Contains(versions, "家里的积蓄已经全部花完") {
			t.Errorf("the versions page does not keep both texts")
		}
		if st := f.requestState(t, id); st != campaign.Fundraising {
			t.Errorf("state %s after a change", st)
		}

		// The approved target does not change after publication: the cap
		// and the certificate were judged against it (R-REQ-4).
		more := testFiling()
		more.Target = 2_000_000_00
		more.Use[1].Amount = 1_800_000_00
		if resp := f.as("user", "POST", page+"/amend", f.formOfFiling(t, more, f.request(t, id).Revision)); resp.StatusCode != http.StatusConflict {
			t.Errorf("raising the target after publication: %d", resp.StatusCode)
		}
		// A change may not undo the masking (R-PUB-1).
		named := fl
		named.Story = strings.Repeat("张小明的化疗第二阶段已经开始，费用预估没有变化。", 2)
		if resp := f.as("user", "POST", page+"/amend", f.formOfFiling(t, named, f.request(t, id).Revision)); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("a change naming the patient: %d", resp.StatusCode)
		}
		// A change with risky wording is published, and the patrol sees it
		// first (R-REV-4).
		risky := fl
		risky.Story = strings.Repeat("化疗第二阶段已经开始，想帮忙的朋友可以加微信私聊，费用预估没有变化。", 2)
		if resp := f.as("user", "POST", page+"/amend", f.formOfFiling(t, risky, f.request(t, id).Revision)); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("a change with risky wording: %d", resp.StatusCode)
		}
		var queue []campaign.Update
		if err := db.Read(ctx, func(tx *store.Tx) (err error) {
			queue, err = f.s.campaigns.PatrolQueue(ctx, tx, 10)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(queue) == 0 || !queue[0].Flagged || queue[0].RequestID != id {
			t.Errorf("the patrol queue after a risky change: %+v", queue)
		}
	})
}

// fileComplete files and submits a complete request as the fixture's user.
func (f *fixture) fileComplete(t *testing.T, fl campaign.Filing) int64 {
	t.Helper()
	id := f.startDraft(t)
	page := "/my/requests/" + strconv.FormatInt(id, 10)
	for _, k := range []material.Kind{material.Diagnosis, material.IDDocument, material.CostEstimate, material.Relationship} {
		values := f.formOfFiling(t, fl, f.request(t, id).Revision)
		values.Set("kind", string(k))
		if resp := f.postMultipart(t, page+"/materials", values, testPNG(t)); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("uploading %s: %d", k, resp.StatusCode)
		}
	}
	if resp := f.postMultipart(t, page+"/submit", f.formOfFiling(t, fl, f.request(t, id).Revision), nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("submitting: %d %s", resp.StatusCode, body(t, resp))
	}
	return id
}

// TestSharedDeviceIsLinked: two people filing from one browser are linked
// in the machine screen's relationship network, with the reason for staff
// only (R-RISK-1, R-REV-1).
func TestSharedDeviceIsLinked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		resp := f.as("user", "GET", "/my/requests", nil)
		httpOnly := false
		for _, c := range resp.Cookies() {
			if c.Name == deviceCookie {
				f.device, httpOnly = c.Value, c.HttpOnly
			}
		}
		if f.device == "" || !httpOnly {
			t.Fatal("the filing pages gave the browser no device cookie")
		}
		f.verify(t, f.userID, "李四", "11010519491231002X")
		first := f.fileComplete(t, testFiling())
		// Someone else, on the same browser, for another patient.
		other, otherID := f.signInUser(t, "13900139000")
		f.user = other
		f.verify(t, otherID, "赵六", "110105201001010037")
		fl := testFiling()
		fl.PatientName, fl.PatientID = "赵小六", "110105201001010037"
		second := f.fileComplete(t, fl)
		var reasons []string
		if err := db.Read(ctx, func(tx *store.Tx) error {
			sc, err := review.LastScreening(ctx, tx, second)
			for _, r := range sc.Result.Reasons(true) {
				reasons = append(reasons, r.Key+" "+strings.Join(r.Args, ","))
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		want := "screen.links.device_staff 1,#" + strconv.FormatInt(first, 10)
		if !slices.Contains(reasons, want) {
			t.Errorf("the second request's screening says %q, want %q", reasons, want)
		}
	})
}

// TestNeedsInfoAnswerIsScreenedAgain: an answer to a reviewer's questions
// runs the machine screen again, so a patient switched to a blacklisted
// person is refused as at the first submission (R-REV-1, R-BL-1).
func TestNeedsInfoAnswerIsScreenedAgain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.verify(t, f.userID, "李四", "11010519491231002X")
		ctx := context.Background()
		id := f.fileComplete(t, testFiling())
		const listed = "110105201001010037"
		if err := db.Write(ctx, func(tx *store.Tx) error {
			rv, err := staff.Get(ctx, tx, f.ids[staff.Reviewer])
			if err != nil {
				return err
			}
			if err := review.Claim(ctx, tx, id, rv); err != nil {
				return err
			}
			if err := review.AskInfo(ctx, tx, f.s.campaigns, id, rv, "请补充户口本照片"); err != nil {
				return err
			}
			idx, masked, err := blacklist.Person(listed, tx.Now, f.s.accounts.IDIndex)
			if err != nil {
				return err
			}
			_, err = blacklist.Add(ctx, tx, blacklist.Change{Action: blacklist.ActionAdd, Index: idx, Masked: masked,
				Reason: "虚构病情", Evidence: "医院回函"}, "staff:1")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		fl := testFiling()
		fl.PatientName, fl.PatientID = "赵小六", listed
		page := "/my/requests/" + strconv.FormatInt(id, 10)
		if resp := f.postMultipart(t, page+"/submit", f.formOfFiling(t, fl, f.request(t, id).Revision), nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("answering: %d %s", resp.StatusCode, body(t, resp))
		}
		if st := f.requestState(t, id); st != campaign.Rejected {
			t.Errorf("an answer naming a blacklisted patient left the request %s", st)
		}
		var screenings int
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT count(*) FROM review_screenings WHERE request_id = $1", id).Scan(&screenings)
		}); err != nil {
			t.Fatal(err)
		}
		if screenings != 2 {
			t.Errorf("%d screenings, want the first and the answer's", screenings)
		}
	})
}

// testID returns a valid ID number born on birth (YYYYMMDD) with sequence
// code seq, so that tests have as many unrelated people as they need.
func testID(t *testing.T, birth string, seq int) string {
	t.Helper()
	first17 := "110105" + birth + fmt.Sprintf("%03d", seq)
	c, err := idcard.CheckChar(first17)
	if err != nil {
		t.Fatal(err)
	}
	return first17 + string(c)
}

// TestConcurrentSubmissions: complete requests of unrelated publishers,
// submitted at the same moment over HTTP in a burst of pairs, through the
// form and through the API, are all submitted. On PostgreSQL such
// transactions conflict and are run again; a run again must start from what
// the publisher sent, not from the revision of the attempt that was rolled
// back, or the publisher is told the draft changed in another tab
// (R-REQ-1, R-REV-1).
func TestConcurrentSubmissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		srv := httptest.NewServer(f.s.Handler())
		defer srv.Close()
		ctx := context.Background()
		var ruleIDs []int64
		if err := db.Read(ctx, func(tx *store.Tx) error {
			for _, k := range account.ConsentKinds {
				id, err := rulesCurrent(ctx, tx, k)
				if err != nil {
					return err
				}
				ruleIDs = append(ruleIDs, id)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}

		// Each publisher prepares a complete request: the even ones submit
		// it with the form, the odd ones with the API.
		const pairs = 3
		names := []string{"赵一", "钱二", "孙三", "李四", "周五", "吴六"}
		type submission struct {
			id          int64
			token       string
			path, ctype string
			body        []byte
			want        int
		}
		subs := make([]submission, 2*pairs)
		for i := range subs {
			token, userID := f.signInUser(t, fmt.Sprintf("1390000%04d", i))
			f.user, f.device = token, ""
			f.verify(t, userID, names[i], testID(t, "19800101", i+1))
			fl := testFiling()
			fl.PatientName, fl.PatientID = "王"+names[i], testID(t, "20150601", i+1)
			fl.Title = fmt.Sprintf("%s 第 %d 次求助", fl.Title, i+1)
			fl.Story = fmt.Sprintf("%s（编号 %d）", fl.Story, i+1)
			id := f.startDraft(t)
			page := "/my/requests/" + strconv.FormatInt(id, 10)
			for _, k := range []material.Kind{material.Diagnosis, material.IDDocument, material.CostEstimate, material.Relationship} {
				values := f.formOfFiling(t, fl, f.request(t, id).Revision)
				values.Set("kind", string(k))
				if resp := f.postMultipart(t, page+"/materials", values, testPNG(t)); resp.StatusCode != http.StatusSeeOther {
					t.Fatalf("publisher %d uploading %s: %d", i, k, resp.StatusCode)
				}
			}
			sub := submission{id: id, token: token}
			if i%2 == 0 {
				var buf bytes.Buffer
				mw := multipart.NewWriter(&buf)
				for k, vs := range f.formOfFiling(t, fl, f.request(t, id).Revision) {
					for _, v := range vs {
						mw.WriteField(k, v)
					}
				}
				mw.Close()
				sub.path, sub.ctype, sub.body, sub.want = page+"/submit", mw.FormDataContentType(), buf.Bytes(), http.StatusSeeOther
			} else {
				fl.Truthful, fl.Consent = "", ""
				full, err := json.Marshal(map[string]any{"revision": f.request(t, id).Revision, "filing": apiFilingOf(fl)})
				if err != nil {
					t.Fatal(err)
				}
				if resp, got := f.api("PUT", "/api/v1/my/requests/"+strconv.FormatInt(id, 10), string(full), "application/json", token); resp.StatusCode != 200 {
					t.Fatalf("publisher %d saving: %d %v", i, resp.StatusCode, got)
				}
				body, err := json.Marshal(map[string]any{"revision": f.request(t, id).Revision, "truthful": true, "consent": true, "rules": ruleIDs})
				if err != nil {
					t.Fatal(err)
				}
				sub.path, sub.ctype, sub.body, sub.want = "/api/v1/my/requests/"+strconv.FormatInt(id, 10)+"/submit", "application/json", body, http.StatusOK
			}
			subs[i] = sub
		}

		// The burst: each pair leaves at once.
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		for p := range pairs {
			start := make(chan struct{})
			var wg sync.WaitGroup
			status := make([]int, 2)
			text := make([]string, 2)
			for j := range 2 {
				sub := subs[2*p+j]
				wg.Add(1)
				go func() {
					defer wg.Done()
					req, err := http.NewRequest("POST", srv.URL+sub.path, bytes.NewReader(sub.body))
					if err != nil {
						text[j] = err.Error()
						return
					}
					req.Header.Set("Content-Type", sub.ctype)
					req.AddCookie(&http.Cookie{Name: userCookie, Value: sub.token})
					<-start
					resp, err := client.Do(req)
					if err != nil {
						text[j] = err.Error()
						return
					}
					defer resp.Body.Close()
					b, _ := io.ReadAll(resp.Body)
					status[j], text[j] = resp.StatusCode, string(b)
				}()
			}
			close(start)
			wg.Wait()
			for j := range 2 {
				sub := subs[2*p+j]
				if status[j] != sub.want {
					t.Errorf("pair %d: %s answered %d, want %d: %.300s", p, sub.path, status[j], sub.want, text[j])
				}
				if st := f.requestState(t, sub.id); st == campaign.Draft {
					t.Errorf("pair %d: request %d is still a draft", p, sub.id)
				}
			}
		}
	})
}

// TestAPIRefusesWhatSchemaForbids: a disclosure answer other than "yes",
// "no" or "", a disclosure topic the form does not ask, and a text that is
// not UTF-8 are each refused with a problem naming the field, and nothing
// is saved: not the answer as blank, not the topic, not the text with its
// bytes replaced (R-REQ-2).
func TestAPIRefusesWhatSchemaForbids(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.verify(t, f.userID, "李四", "11010519491231002X")
		resp, got := f.api("POST", "/api/v1/my/requests", "", "", f.user)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("POST /api/v1/my/requests: %d %v", resp.StatusCode, got)
		}
		id := int64(got["id"].(float64))
		path := "/api/v1/my/requests/" + strconv.FormatInt(id, 10)
		put := `{"revision": ` + strconv.Itoa(int(got["revision"].(float64))) + `, "filing": {"title": "救救我的女儿",
			"disclosures": {"debts": {"answer": "yes", "detail": "借款", "amount_fen": 100000}}}}`
		if resp, got := f.api("PUT", path, put, "application/json", f.user); resp.StatusCode != 200 {
			t.Fatalf("PUT: %d %v", resp.StatusCode, got)
		}
		before := f.request(t, id)
		rev := strconv.Itoa(before.Revision)
		for _, tc := range []struct{ name, filing, field string }{
			{"AnswerCapitalised", `{"title": "救救我的女儿", "disclosures": {"debts": {"answer": "Yes", "detail": "借款", "amount_fen": 100000}}}`, "disclosure.debts"},
			{"AnswerTrue", `{"disclosures": {"housing": {"answer": "true"}}}`, "disclosure.housing"},
			{"UnknownTopic", `{"title": "救救我的女儿", "disclosures": {"pets": {"answer": "yes", "detail": "一只猫"}}}`, "disclosure"},
			{"TitleNotUTF8", "{\"title\": \"救救\xff我的女儿\"}", "title"},
			{"DetailNotUTF8", "{\"disclosures\": {\"debts\": {\"answer\": \"yes\", \"detail\": \"借\xc3款\"}}}", "disclosure.debts.detail"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp, p := f.api("PUT", path, `{"revision": `+rev+`, "filing": `+tc.filing+`}`, "application/json", f.user)
				if resp.StatusCode != http.StatusUnprocessableEntity || p["code"] != "invalid" {
					t.Fatalf("status %d, problem %v", resp.StatusCode, p)
				}
				var fields []string
				errs, _ := p["errors"].([]any)
				for _, e := range errs {
					fields = append(fields, e.(map[string]any)["field"].(string))
				}
				if !slices.Contains(fields, tc.field) {
					t.Errorf("the problem names %v, want %s", fields, tc.field)
				}
				after := f.request(t, id)
				if after.Revision != before.Revision || after.Filing.Title != before.Filing.Title ||
					!reflect.DeepEqual(after.Filing.Disclosures, before.Filing.Disclosures) {
					t.Errorf("a refused save changed the draft: revision %d → %d, filing %+v", before.Revision, after.Revision, after.Filing)
				}
			})
		}
	})
}

// TestFormRefusesWhatItNeverOffers: the filing form treats the same input
// as the API. An answer the form does not offer is named on its field and
// the answer saved before stays, as an amount that cannot be read does; a
// text that is not UTF-8 is refused on its field and nothing is saved; a
// topic the form does not ask is not read at all (R-REQ-2).
func TestFormRefusesWhatItNeverOffers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.verify(t, f.userID, "李四", "11010519491231002X")
		id := f.startDraft(t)
		page := "/my/requests/" + strconv.FormatInt(id, 10)
		first := url.Values{"revision": {strconv.Itoa(f.request(t, id).Revision)}, "title": {"救救我的女儿"},
			"disclosure.debts": {"yes"}, "disclosure.debts.detail": {"借款"}}
		if resp := f.postMultipart(t, page, first, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("saving: %d", resp.StatusCode)
		}

		// An answer the form does not offer.
		forged := url.Values{"revision": {strconv.Itoa(f.request(t, id).Revision)}, "title": {"救救我的女儿"},
			"disclosure.debts": {"Yes"}, "disclosure.debts.detail": {"借款"}}
		resp := f.postMultipart(t, page, forged, nil, "Accept", "application/json")
		var saved struct {
			Errors map[string]string `json:"errors"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&saved); err != nil || resp.StatusCode != 200 {
			t.Fatalf("autosave: %d %v", resp.StatusCode, err)
		}
		if saved.Errors["disclosure.debts"] == "" {
			t.Errorf("autosave of a forged answer: errors %v, want one on disclosure.debts", saved.Errors)
		}
		forged.Set("revision", strconv.Itoa(f.request(t, id).Revision))
		if resp := f.postMultipart(t, page, forged, nil); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("saving a forged answer: %d, want the form again with the message", resp.StatusCode)
		}
		if d := f.request(t, id).Filing.Disclosures[campaign.Debts]; !d.Answered || !d.Yes {
			t.Errorf("after a forged answer the draft's answer is %+v, want the yes saved before", d)
		}

		// A title that is not UTF-8.
		before := f.request(t, id)
		broken := url.Values{"revision": {strconv.Itoa(before.Revision)}, "title": {"救救\xff我的女儿"}}
		if resp := f.postMultipart(t, page, broken, nil); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("saving a title that is not UTF-8: %d", resp.StatusCode)
		}
		if after := f.request(t, id); after.Revision != before.Revision || after.Filing.Title != "救救我的女儿" {
			t.Errorf("a refused save changed the draft: revision %d → %d, title %q", before.Revision, after.Revision, after.Filing.Title)
		}

		// A topic the form does not ask.
		pets := url.Values{"revision": {strconv.Itoa(f.request(t, id).Revision)}, "title": {"救救我的女儿"},
			"disclosure.pets": {"yes"}, "disclosure.pets.detail": {"一只猫"}}
		if resp := f.postMultipart(t, page, pets, nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("saving with a field the form does not have: %d", resp.StatusCode)
		}
		if _, ok := f.request(t, id).Filing.Disclosures["pets"]; ok {
			t.Error("a topic the form does not ask was saved")
		}
	})
}
