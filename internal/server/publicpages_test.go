package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"html"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/disclosure"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/jobs"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/review"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/web"
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
			i18n.T(i18n.ZH, "campaign.state.fundraising"), `id="donate"`,
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
		if strings.Contains(body, `id="donate"`) {
			t.Error("a closed request still offers the donate button")
		}

		// A second patient, so the duplicate screen lets it through.
		fl := testFiling()
		fl.PatientName, fl.PatientID = "李四海", "110105198001010016"
		expired := f.publish(t, fl, time.Millisecond)
		time.Sleep(5 * time.Millisecond)
		periodEnded := i18n.T(i18n.ZH, "campaign.close.period_ended")
		_, body, _ = f.get(t, requestURL(expired))
		if !strings.Contains(body, periodEnded) || strings.Contains(body, `id="donate"`) {
			t.Errorf("an expired channel is not shown as ended before the job:\n%s", body)
		}
		if st := f.requestState(t, expired); st != campaign.Fundraising {
			t.Fatalf("expired request is %s before the job", st)
		}
		_, body, _ = f.get(t, "/api/v1/requests/"+strconv.FormatInt(expired, 10))
		if !strings.Contains(body, `"state":"closed"`) || !strings.Contains(body, `"close_reason":"period_ended"`) {
			t.Errorf("the API shows an expired channel open: %s", body)
		}
		n, err := jobs.CloseExpired(ctx, f.s.platform)
		if err != nil || n != 1 {
			t.Fatalf("CloseExpired: %d, %v; want 1", n, err)
		}
		if st := f.requestState(t, expired); st != campaign.Closed {
			t.Errorf("after CloseExpired the request is %s", st)
		}
		if n, err := jobs.CloseExpired(ctx, f.s.platform); err != nil || n != 0 {
			t.Errorf("CloseExpired again: %d, %v; want 0", n, err)
		}
		_, body, _ = f.get(t, requestURL(expired))
		if !strings.Contains(body, periodEnded) {
			t.Error("the closed page lacks the reason")
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

// ppDonation is a donation the request page's tests make.
type ppDonation struct {
	amount    string
	donor     int64 // 0: not signed in
	anonymous bool
	message   string
	share     string
}

// ppGive places d and confirms it as the sandbox's notification would
// (R-DON-1), and returns its order.
func (f *fixture) ppGive(t *testing.T, id int64, d ppDonation) donation.Order {
	t.Helper()
	ctx := context.Background()
	o, err := f.s.donations.CreateOrder(ctx, donation.OrderInput{RequestID: id, Amount: d.amount, DonorUserID: d.donor,
		Anonymous: d.anonymous, Message: d.message, ShareToken: d.share, Provider: "sandbox", ClientToken: "pp-" + rand.Text()})
	if err != nil {
		t.Fatalf("order of %s: %v", d.amount, err)
	}
	out, err := f.s.donations.Confirm(ctx, payment.Payment{Provider: "sandbox", Merchant: "sandbox", OrderID: o.OrderNo,
		TransactionID: "pp" + o.OrderNo, Amount: o.Amount, State: payment.Paid, PaidAt: f.s.now()})
	if err != nil || out.DonationID == 0 || out.Quarantined {
		t.Fatalf("confirming %s: %+v, %v", o.OrderNo, out, err)
	}
	return o
}

// ppClose closes request id's channel as its publisher would.
func (f *fixture) ppClose(t *testing.T, id int64) {
	t.Helper()
	ctx := context.Background()
	if err := f.db.Write(ctx, func(tx *store.Tx) error {
		_, err := f.s.campaigns.Close(ctx, tx, id, campaign.Closing{Reason: campaign.PurposeAchieved}, "", "user:1")
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// TestPublicRequestProgress: the page shows what was raised, from how many
// donations, the days left and the newest donations; an anonymous donor is
// never named (R-DON-2), a flagged message is not shown; the fee items and
// the risk notice sit by the donate button (R-PUB-2) with the complaint
// entry for this request (R-PUB-3); a closed request has no donate button.
func TestPublicRequestProgress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.publish(t, testFiling(), 0)
		_, alice := f.signInUser(t, "13900139001")
		_, bob := f.signInUser(t, "13900139002")

		status, body, _ := f.get(t, requestURL(id))
		for _, want := range []string{`<strong id="raised">¥0.00</strong>`, `<dd id="donors">0</dd>`,
			i18n.T(i18n.ZH, "public.donations.none")} {
			if status != http.StatusOK || !strings.Contains(body, want) {
				t.Errorf("before any donation: %d, no %q", status, want)
			}
		}

		f.ppGive(t, id, ppDonation{amount: "100", donor: alice, message: "祝孩子早日康复"})
		f.ppGive(t, id, ppDonation{amount: "50.5", donor: bob, anonymous: true, message: "一点心意"})
		f.ppGive(t, id, ppDonation{amount: "20", donor: alice, message: "加微信私聊"}) // flagged by the wording screen
		f.ppGive(t, id, ppDonation{amount: "9.5"})                                // not signed in

		status, body, _ = f.get(t, requestURL(id))
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d", requestURL(id), status)
		}
		days := int(campaign.DefaultPeriod / (24 * time.Hour))
		for _, want := range []string{
			`<strong id="raised">¥180.00</strong>`, `<dd id="donors">4</dd>`,
			`<progress id="progress" max="30000000" value="18000">`,
			`<dd id="days-left">` + i18n.T(i18n.ZH, "public.progress.days_n", days) + `</dd>`,
			`<a id="donate" class="button donate" href="` + requestURL(id) + `/donate">`,
			"139****9001", "祝孩子早日康复", "一点心意", "¥50.50", "¥9.50",
			i18n.T(i18n.ZH, "public.donations.anon"), i18n.T(i18n.ZH, "public.donations.guest"),
			// R-PUB-2: the risk notice and the fee items by the button.
			i18n.T(i18n.ZH, "public.donate.notice"), i18n.T(i18n.ZH, "public.fees.platform"),
			i18n.T(i18n.ZH, "public.fees.channel"), `href="/rules/fees"`, i18n.T(i18n.ZH, "public.risk.body"),
			// R-PUB-3: the complaint entry names the request.
			`href="/complaints?request=` + strconv.FormatInt(id, 10) + `"`,
			`action="` + requestURL(id) + `/share"`, `id="share"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		// R-DON-2: the anonymous donor is not on the page in any form.
		for _, secret := range []string{"139****9002", "13900139002", "加微信私聊"} {
			if strings.Contains(body, secret) {
				t.Errorf("the page shows %q", secret)
			}
		}
		if n := strings.Count(body, "139****9001"); n != 2 {
			t.Errorf("alice is named %d times, want once per donation (2)", n)
		}
		noPersonalData(t, "the page", body)
		// The donor list is newest first.
		if i, j := strings.Index(body, "¥9.50"), strings.Index(body, "祝孩子早日康复"); i < 0 || j < 0 || i > j {
			t.Errorf("donations not newest first")
		}

		// English, for the share of the page read in it.
		resp := do(f.s.Handler(), "GET", requestURL(id), nil, "Accept-Language", "en")
		en := readBody(t, resp)
		for _, want := range []string{i18n.T(i18n.EN, "public.donations.anon"), i18n.T(i18n.EN, "public.fees.platform"),
			i18n.T(i18n.EN, "public.donate")} {
			if !strings.Contains(en, html.EscapeString(want)) {
				t.Errorf("the English page lacks %q", want)
			}
		}

		f.ppClose(t, id)
		_, body, _ = f.get(t, requestURL(id))
		for _, gone := range []string{`id="donate"`, `id="share"`} {
			if strings.Contains(body, gone) {
				t.Errorf("the closed request's page still has %s", gone)
			}
		}
		for _, want := range []string{`<strong id="raised">¥180.00</strong>`, `<dd id="days-left">` + i18n.T(i18n.ZH, "public.progress.ended"),
			i18n.T(i18n.ZH, "public.fees.platform"), `href="/complaints?request=`} {
			if !strings.Contains(body, want) {
				t.Errorf("the closed request's page lacks %q", want)
			}
		}
	})
}

// TestPublicRequestShareCard: the page's Open Graph tags make a share card
// with the title, the start of the story, and a picture and link under the
// public URL, which the picture can be fetched from.
func TestPublicRequestShareCard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		fl := testFiling()
		fl.Story = "孩子确诊后需要长期化疗。\n\n" + strings.Repeat("家里的积蓄已经全部花完，", 20)
		id := f.publish(t, fl, 0)
		_, body, _ := f.get(t, requestURL(id))
		desc := []rune("孩子确诊后需要长期化疗。 " + strings.Repeat("家里的积蓄已经全部花完，", 20))
		wantDesc := string(desc[:descriptionRunes-1]) + "…"
		base := f.s.publicURL
		for _, want := range []string{
			`<meta name="description" content="` + wantDesc + `">`,
			`<meta property="og:type" content="article">`,
			`<meta property="og:title" content="救救我的女儿">`,
			`<meta property="og:description" content="` + wantDesc + `">`,
			`<meta property="og:url" content="` + base + requestURL(id) + `">`,
			`<meta property="og:image" content="` + base + `/static/share.png?v=`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %s", want)
			}
		}
		if i := strings.Index(body, "</head>"); i < 0 || strings.Index(body, `property="og:title"`) > i {
			t.Error("the share card is not in <head>")
		}
		img := regexp.MustCompile(`property="og:image" content="([^"]+)"`).FindStringSubmatch(body)
		if img == nil || !strings.HasPrefix(img[1], base+"/") {
			t.Fatalf("og:image %v", img)
		}
		status, pic, h := f.get(t, strings.TrimPrefix(html.UnescapeString(img[1]), base))
		if status != http.StatusOK || h.Get("Content-Type") != "image/png" {
			t.Fatalf("GET the share picture: %d %s", status, h.Get("Content-Type"))
		}
		if cfg, err := png.DecodeConfig(strings.NewReader(pic)); err != nil || cfg.Width != 300 || cfg.Height != 300 {
			t.Errorf("share picture %+v, %v; want a 300×300 PNG as the tags say", cfg, err)
		}
	})
}

// ppOrigin matches every URL-valued attribute of a page: links, scripts,
// pictures, forms and the share card's.
var ppOrigin = regexp.MustCompile(`(?:src|href|action|content|srcset|poster|data)="([^"]*)"`)

// TestPublicRequestSmall: the page of a request with the longest story, ten
// donations with the longest messages, updates and published materials is,
// with its stylesheet, under 60 KB, for a phone on a slow network; and it
// loads nothing from a third-party origin: every URL is relative or under
// the public URL.
func TestPublicRequestSmall(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		fl := testFiling()
		fl.Story = strings.Repeat("孩子确诊后需要长期化疗，家里的积蓄已经全部花完。", campaign.MaxStory/24)
		id := f.publish(t, fl, 0)
		ctx := context.Background()
		if err := db.Write(ctx, func(tx *store.Tx) error {
			for i := range 3 {
				if _, err := f.s.campaigns.PostUpdate(ctx, tx, id, f.userID, strings.Repeat("第"+strconv.Itoa(i+1)+"次化疗结束，谢谢大家。", 20)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, kind := range []material.Kind{material.Certificate, material.ExpenseList} {
			mid := f.rvMaterial(t, id, kind)
			if err := db.Write(ctx, func(tx *store.Tx) error {
				if err := f.s.materials.MarkReviewed(ctx, tx, id, mid, "staff:1"); err != nil {
					return err
				}
				return f.s.materials.Publicize(ctx, tx, id, mid, strings.Repeat("北京大学人民医院出具，", 25), "staff:1")
			}); err != nil {
				t.Fatal(err)
			}
		}
		_, donor := f.signInUser(t, "13900139001")
		for i := range 12 {
			f.ppGive(t, id, ppDonation{amount: "12345.67", donor: donor, anonymous: i%3 == 0,
				message: strings.Repeat("加油", donation.MaxMessage/2)})
		}

		resp := do(f.s.Handler(), "GET", requestURL(id), nil)
		page := readBody(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET: %d", resp.StatusCode)
		}
		if got := strings.Count(page, strings.Repeat("加油", donation.MaxMessage/2)); got != disclosure.RecentDonations {
			t.Errorf("%d donations with their messages on the page, want %d", got, disclosure.RecentDonations)
		}
		if got := strings.Count(page, strings.Repeat("北京大学人民医院出具，", 25)); got != 2 {
			t.Errorf("%d published materials on the page, want 2", got)
		}
		css := regexp.MustCompile(`href="(/static/carefund\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(page)
		if css == nil {
			t.Fatal("no stylesheet")
		}
		resp = do(f.s.Handler(), "GET", css[1], nil)
		sheet := readBody(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", css[1], resp.StatusCode)
		}
		t.Logf("the page is %d bytes, its stylesheet %d", len(page), len(sheet))
		if total := len(page) + len(sheet); total >= 60_000 {
			t.Errorf("the page is %d bytes and its stylesheet %d: %d in all, want under 60 KB", len(page), len(sheet), total)
		}
		urls := ppOrigin.FindAllStringSubmatch(page, -1)
		if len(urls) < 10 {
			t.Fatalf("only %d URLs found: the pattern is wrong", len(urls))
		}
		for _, m := range urls {
			u := html.UnescapeString(m[1])
			local := strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") || strings.HasPrefix(u, "#")
			if !local && !strings.HasPrefix(u, f.s.publicURL+"/") && strings.Contains(u, ":") {
				t.Errorf("the page refers to %q, outside the platform", u)
			}
		}
		if strings.Contains(page, "@import") || strings.Contains(sheet, "url(") || strings.Contains(sheet, "@import") {
			t.Error("the page or its stylesheet loads more")
		}
	})
}

// TestHomeCardsProgress: the home page's cards show what each request
// raised against its target, read with the list in one transaction.
func TestHomeCardsProgress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		given := f.publish(t, testFiling(), 0)
		other := testFiling()
		other.PatientName, other.PatientID = "李四海", "110105198001010016"
		quiet := f.publish(t, other, 0)
		f.ppGive(t, given, ppDonation{amount: "3000"})
		f.ppGive(t, given, ppDonation{amount: "1.5"})
		cards, err := f.s.homeCards(context.Background(), i18n.ZH)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]*web.Progress{}
		for _, c := range cards {
			got[c.URL] = c.Progress
		}
		if p := got[requestURL(given)]; p == nil || p.Raised != "¥3,001.50" || p.RaisedFen != 3001_50 || p.TargetFen != 300_000_00 || p.Percent != 1 {
			t.Errorf("the card of the request given to: %+v", p)
		}
		if p := got[requestURL(quiet)]; p == nil || p.Raised != "¥0.00" || p.RaisedFen != 0 {
			t.Errorf("the card of the request without donations: %+v", p)
		}
		var buf strings.Builder
		if err := f.s.pages.Render(&buf, i18n.ZH, "/", web.Viewer{}, web.HomeRequests{Cards: cards}); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`<progress max="30000000" value="300150">`, i18n.T(i18n.ZH, "public.card.raised", "¥3,001.50")} {
			if !strings.Contains(buf.String(), want) {
				t.Errorf("the home page lacks %q", want)
			}
		}
	})
}
