package server

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/review"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// reviewer returns the fixture's reviewer as the review package takes it.
func (f *fixture) reviewer(t *testing.T, ctx context.Context, tx *store.Tx) staff.Staff {
	t.Helper()
	rv, err := staff.Get(ctx, tx, f.ids[staff.Reviewer])
	if err != nil {
		t.Fatal(err)
	}
	return rv
}

// publish takes fl through review to a published request whose channel is
// open for period (0: the default), as the review console does: claimed,
// approved, its first version published, fundraising opened.
func (f *fixture) publish(t *testing.T, fl campaign.Filing, period time.Duration) int64 {
	t.Helper()
	ctx := context.Background()
	id := f.inReview(t, f.userID, fl)
	if st := f.requestState(t, id); st != campaign.InReview {
		t.Fatalf("request %d is %s after the screen, want in review", id, st)
	}
	if err := f.db.Write(ctx, func(tx *store.Tx) error {
		rv := f.reviewer(t, ctx, tx)
		if err := review.Claim(ctx, tx, id, rv); err != nil {
			return err
		}
		if ok, err := review.Approve(ctx, tx, f.s.campaigns, id, rv); err != nil || !ok {
			t.Fatalf("approve: %v, approved %v", err, ok)
		}
		if _, _, err := f.s.campaigns.Publish(ctx, tx, id, rv.Actor()); err != nil {
			return err
		}
		_, err := f.s.campaigns.OpenFundraising(ctx, tx, id, campaign.Opening{}, period, rv.Actor())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// get fetches target anonymously and returns the status and the body.
func (f *fixture) get(t *testing.T, target string) (int, string, http.Header) {
	t.Helper()
	resp := f.as("", "GET", target, nil)
	return resp.StatusCode, readBody(t, resp), resp.Header
}

// noPersonalData fails when a public body holds the patient's full name or
// ID number (R-PUB-1).
func noPersonalData(t *testing.T, what, body string) {
	t.Helper()
	for _, secret := range []string{"张小明", testPatientID, testPatientID[:14]} {
		if strings.Contains(body, secret) {
			t.Errorf("%s shows %q", what, secret)
		}
	}
}

func requestURL(id int64) string { return "/requests/" + strconv.FormatInt(id, 10) }

// TestPublicRequestPage: a published request is public with the patient's
// name masked and no ID number anywhere, in HTML and JSON (R-PUB-1); the
// page carries the risk notice and the fee and publishing rules (R-PUB-2)
// and says until when it raises money; the home page lists it.
func TestPublicRequestPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.publish(t, testFiling(), 0)

		status, body, h := f.get(t, requestURL(id))
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d\n%.500s", requestURL(id), status, body)
		}
		if got := h.Get("Cache-Control"); got != "no-cache" {
			t.Errorf("Cache-Control %q, want no-cache", got)
		}
		for _, want := range []string{
			"张*明", "救救我的女儿", "急性淋巴细胞白血病", "北京大学人民医院", "¥300,000.00", "¥200,000.00", "化疗费用",
			"城乡居民医保", "¥36,000.00", // disclosures with detail and amount (R-REQ-2)
			i18n.T(i18n.ZH, "campaign.topic.debts"),
			i18n.T(i18n.ZH, "public.risk.title"), `href="/rules/fees"`, `href="/rules/publishing-rules"`, // R-PUB-2
			i18n.T(i18n.ZH, "campaign.state.fundraising"), i18n.T(i18n.ZH, "public.donations_soon"),
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		noPersonalData(t, "the page", body)

		// R-PUB-1: the JSON API is masked too.
		status, body, _ = f.get(t, "/api/v1/requests/"+strconv.FormatInt(id, 10))
		if status != http.StatusOK {
			t.Fatalf("GET the API: %d %s", status, body)
		}
		noPersonalData(t, "the API", body)
		var one struct {
			State   string `json:"state"`
			Current struct {
				Patient string `json:"patient"`
				Target  struct {
					Fen       int64  `json:"fen"`
					Formatted string `json:"formatted"`
				} `json:"target"`
			} `json:"current"`
			Fundraising struct {
				Open bool `json:"open"`
			} `json:"fundraising"`
		}
		if err := json.Unmarshal([]byte(body), &one); err != nil {
			t.Fatal(err)
		}
		if one.Current.Patient != "张*明" || one.Current.Target.Fen != 300_000_00 || one.Current.Target.Formatted != "¥300,000.00" ||
			one.State != "fundraising" || !one.Fundraising.Open {
			t.Errorf("API request: %+v", one)
		}

		status, body, _ = f.get(t, "/api/v1/requests")
		if status != http.StatusOK || !strings.Contains(body, `"id":`+strconv.FormatInt(id, 10)) {
			t.Errorf("GET /api/v1/requests: %d %s", status, body)
		}
		noPersonalData(t, "the API list", body)

		status, body, _ = f.get(t, "/")
		if status != http.StatusOK || !strings.Contains(body, `href="`+requestURL(id)+`"`) || !strings.Contains(body, "救救我的女儿") ||
			!strings.Contains(body, "¥300,000.00") {
			t.Errorf("the home page does not list the request: %d\n%s", status, body)
		}
		noPersonalData(t, "the home page", body)
	})
}

// TestUnpublishedRequestsDoNotExist: a draft, a request in review and a
// rejected one are not found, on the page, its versions and the API (R-PUB-1).
func TestUnpublishedRequestsDoNotExist(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		var draft int64
		if err := db.Write(ctx, func(tx *store.Tx) error {
			r, err := f.s.campaigns.CreateDraft(ctx, tx, f.userID, testFiling())
			draft = r.ID
			return err
		}); err != nil {
			t.Fatal(err)
		}
		inReview := f.inReview(t, f.userID, testFiling())
		fl := testFiling()
		fl.PatientName, fl.PatientID = "李四海", "110105198001010016"
		rejected := f.inReview(t, f.userID, fl)
		if err := db.Write(ctx, func(tx *store.Tx) error {
			rv := f.reviewer(t, ctx, tx)
			if err := review.Claim(ctx, tx, rejected, rv); err != nil {
				return err
			}
			return review.Reject(ctx, tx, f.s.campaigns, rejected, rv, "材料不全，诊断证明与身份证姓名不符")
		}); err != nil {
			t.Fatal(err)
		}
		if st := f.requestState(t, rejected); st != campaign.Rejected {
			t.Fatalf("rejected request is %s", st)
		}
		for _, id := range []int64{draft, inReview, rejected, 99999} {
			for _, target := range []string{requestURL(id), requestURL(id) + "/versions", "/api/v1/requests/" + strconv.FormatInt(id, 10)} {
				if status, body, _ := f.get(t, target); status != http.StatusNotFound {
					t.Errorf("GET %s: %d, want 404", target, status)
				} else {
					noPersonalData(t, target, body)
				}
			}
		}
		_, body, _ := f.get(t, "/api/v1/requests")
		if body != "{\"requests\":[]}\n" {
			t.Errorf("the public list shows unpublished requests: %s", body)
		}
	})
}

// TestChangedRequestShowsItsVersions: a published request changed by Amend
// and published again says on its page what changed and when, links to its
// versions, and the versions page shows both texts in full (R-REQ-6).
func TestChangedRequestShowsItsVersions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		id := f.publish(t, testFiling(), 0)
		oldStory := testFiling().Story
		newStory := strings.Repeat("第一阶段化疗已经完成，接下来需要进行骨髓移植手术。", 3)
		if err := db.Write(ctx, func(tx *store.Tx) error {
			r, err := f.s.campaigns.Get(ctx, tx, id)
			if err != nil {
				return err
			}
			fl := r.Filing
			fl.Story = newStory
			fl.Use[1].Amount, fl.Use[0].Amount = 150_000_00, 150_000_00
			if _, err := f.s.campaigns.Amend(ctx, tx, id, r.Revision, fl, tx.Now); err != nil {
				return err
			}
			_, _, err = f.s.campaigns.Publish(ctx, tx, id, "staff:1")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		_, body, _ := f.get(t, requestURL(id))
		for _, want := range []string{
			i18n.T(i18n.ZH, "public.changed_on", day(time.Now())),
			i18n.T(i18n.ZH, "public.field.story"), i18n.T(i18n.ZH, "public.field.use", 1), i18n.T(i18n.ZH, "public.field.use", 2),
			`href="` + requestURL(id) + `/versions"`, newStory,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the changed page lacks %q", want)
			}
		}
		if strings.Contains(body, oldStory) {
			t.Error("the page shows the old story as current")
		}
		status, body, _ := f.get(t, requestURL(id)+"/versions")
		if status != http.StatusOK {
			t.Fatalf("versions: %d", status)
		}
		iNew, iOld := strings.Index(body, newStory), strings.Index(body, oldStory)
		if iNew < 0 || iOld < 0 || iNew > iOld {
			t.Errorf("the versions page must show both stories, newest first (new at %d, old at %d)", iNew, iOld)
		}
		noPersonalData(t, "the versions page", body)

		_, body, _ = f.get(t, "/api/v1/requests/"+strconv.FormatInt(id, 10))
		var one struct {
			Versions []struct {
				Number  int      `json:"number"`
				Changes []string `json:"changes"`
				Story   string   `json:"story"`
			} `json:"versions"`
		}
		if err := json.Unmarshal([]byte(body), &one); err != nil {
			t.Fatal(err)
		}
		if len(one.Versions) != 2 || one.Versions[0].Number != 2 || one.Versions[0].Story != newStory ||
			one.Versions[1].Story != oldStory || !strings.Contains(strings.Join(one.Versions[0].Changes, " "), "story") {
			t.Errorf("API versions: %+v", one.Versions)
		}
	})
}

// TestClosedAndExpiredChannels: a closed request shows the public reason and
// note (R-PUB-4); one past its deadline shows "period ended" before the job
// runs, and CloseExpired closes it, once.
func TestClosedAndExpiredChannels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		closed := f.publish(t, testFiling(), 0)
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := f.s.campaigns.Close(ctx, tx, closed, campaign.Closing{Reason: campaign.PurposeGone, Cause: campaign.Recovered},
				"孩子已出院，谢谢大家", "staff:1")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		_, body, _ := f.get(t, requestURL(closed))
		for _, want := range []string{i18n.T(i18n.ZH, "campaign.close.purpose_gone.recovered"), "孩子已出院，谢谢大家",
			i18n.T(i18n.ZH, "campaign.state.closed")} {
			if !strings.Contains(body, want) {
				t.Errorf("the closed page lacks %q", want)
			}
		}
		if strings.Contains(body, i18n.T(i18n.ZH, "public.donations_soon")) {
			t.Error("a closed request still speaks of donations")
		}

		// A second patient, so the duplicate screen lets it through.
		fl := testFiling()
		fl.PatientName, fl.PatientID = "李四海", "110105198001010016"
		expired := f.publish(t, fl, time.Millisecond)
		time.Sleep(5 * time.Millisecond)
		periodEnded := i18n.T(i18n.ZH, "campaign.close.period_ended")
		_, body, _ = f.get(t, requestURL(expired))
		if !strings.Contains(body, periodEnded) || strings.Contains(body, i18n.T(i18n.ZH, "public.donations_soon")) {
			t.Errorf("an expired channel is not shown as ended before the job:\n%s", body)
		}
		if st := f.requestState(t, expired); st != campaign.Fundraising {
			t.Fatalf("expired request is %s before the job", st)
		}
		_, body, _ = f.get(t, "/api/v1/requests/"+strconv.FormatInt(expired, 10))
		if !strings.Contains(body, `"state":"closed"`) || !strings.Contains(body, `"close_reason":"period_ended"`) {
			t.Errorf("the API shows an expired channel open: %s", body)
		}
		n, err := f.s.CloseExpired(ctx)
		if err != nil || n != 1 {
			t.Fatalf("CloseExpired: %d, %v; want 1", n, err)
		}
		if st := f.requestState(t, expired); st != campaign.Closed {
			t.Errorf("after CloseExpired the request is %s", st)
		}
		if n, err := f.s.CloseExpired(ctx); err != nil || n != 0 {
			t.Errorf("CloseExpired again: %d, %v; want 0", n, err)
		}
		_, body, _ = f.get(t, requestURL(expired))
		if !strings.Contains(body, periodEnded) {
			t.Error("the closed page lacks the reason")
		}
	})
}

// TestRunJobsStopsWithItsContext: the job loop runs once at start and
// returns when its context ends (R-PUB-4).
func TestRunJobsStopsWithItsContext(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		fl := testFiling()
		id := f.publish(t, fl, time.Millisecond)
		time.Sleep(5 * time.Millisecond)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { f.s.RunJobs(ctx); close(done) }()
		deadline := time.Now().Add(10 * time.Second)
		for f.requestState(t, id) != campaign.Closed {
			if time.Now().After(deadline) {
				t.Fatal("RunJobs did not close the expired request")
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("RunJobs did not return after its context ended")
		}
	})
}

// TestTakenDownUpdateAndCertificate: a taken-down update shows the
// platform's reason, never its text (R-REV-4, R-DISC-2); other updates
// show; a published certificate is announced with its dates, the file is
// not linked (R-REQ-4).
func TestTakenDownUpdateAndCertificate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		id := f.publish(t, testFiling(), 0)
		const kept, removed, reason = "第一次化疗顺利结束，谢谢大家的帮助。", "孩子的身份证号码是多少多少，欢迎联系。", "含有个人信息，已删除"
		var mid int64
		if err := db.Write(ctx, func(tx *store.Tx) error {
			if _, err := f.s.campaigns.PostUpdate(ctx, tx, id, f.userID, kept); err != nil {
				return err
			}
			u, err := f.s.campaigns.PostUpdate(ctx, tx, id, f.userID, removed)
			if err != nil {
				return err
			}
			if err := f.s.campaigns.TakeDown(ctx, tx, id, u.ID, reason, "staff:1"); err != nil {
				return err
			}
			var img bytes.Buffer
			m := image.NewRGBA(image.Rect(0, 0, 8, 8))
			m.Set(1, 1, color.RGBA{R: 200, A: 255})
			if err := png.Encode(&img, m); err != nil {
				return err
			}
			mat, err := f.s.materials.Add(ctx, tx, id, material.Certificate, &img, "file", "user:1")
			if err != nil {
				return err
			}
			mid = mat.ID
			if err := f.s.materials.MarkReviewed(ctx, tx, id, mat.ID, "staff:1"); err != nil {
				return err
			}
			return f.s.materials.MarkPublished(ctx, tx, id, mat.ID, "staff:1")
		}); err != nil {
			t.Fatal(err)
		}
		_, body, _ := f.get(t, requestURL(id))
		if !strings.Contains(body, kept) {
			t.Error("the page lacks the update")
		}
		if strings.Contains(body, removed) {
			t.Error("the page shows a taken-down update's text") // R-REV-4
		}
		if !strings.Contains(body, i18n.T(i18n.ZH, "public.updates.removed", reason)) {
			t.Error("the page lacks the takedown's reason")
		}
		today := day(time.Now())
		if want := i18n.T(i18n.ZH, "public.materials.published", i18n.T(i18n.ZH, material.Certificate.NameKey()), today, today); !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want) // R-REQ-4
		}
		if strings.Contains(body, "/materials/"+strconv.FormatInt(mid, 10)) {
			t.Error("the page links the certificate's file")
		}
		_, body, _ = f.get(t, "/api/v1/requests/"+strconv.FormatInt(id, 10))
		if strings.Contains(body, removed) || !strings.Contains(body, reason) || !strings.Contains(body, `"kind":"certificate"`) {
			t.Errorf("API updates and materials: %s", body)
		}
	})
}
