package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/browsertest"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/complaint"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/testprog"
	"github.com/carefund/carefund/internal/vault"
)

// The complaint journey's words.
const (
	complaintPublisher = "13700000041"
	complaintText      = "求助页上写的住院费用与医院的收费清单对不上，怀疑夸大了治疗费用。<script>alert(1)</script>"
	complaintNote      = "已联系医院核对收费清单，差额为尚未发生的后续化疗费用。"
	complaintResponse  = "经向医院核实，求助页所列费用包含后续化疗的预估费用，与医院出具的费用预估一致；已要求求助人在页面上注明哪些费用尚未发生。"
)

// TestComplaintInBrowser is issue 18's complaints in real browsers
// (R-PUB-3, R-COMP-1, R-COMP-2, R-DISC-2, R-DISP-1): on a phone-sized
// screen a visitor, not signed in, opens a request page, follows its
// complaint link to /complaints, which names the request, files a complaint
// with a picture as evidence, and gets its tracking number and secret; a
// complaints handler signs into the console, acknowledges it, writes an
// investigation note and resolves it with a public response; the response
// appears on the request's page and on the complainant's status page, each
// with the ways to take a dispute further.
func TestComplaintInBrowser(t *testing.T) {
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) {
			keysDir, keys, db := installation(t, d.DSN)
			req := strconv.FormatInt(complaintFixture(t, db, keys), 10)
			p := testprog.Start(t, "--database", d.DSN, "--keys-dir", keysDir)
			dbArgs := []string{"--database", d.DSN, "--keys-dir", keysDir}
			handler := createStaff(t, p.DataDir, dbArgs, "handler-one", "complaints")
			evidence := filepath.Join(t.TempDir(), "收费清单.png")
			if err := os.WriteFile(evidence, pngScan(t), 0o600); err != nil {
				t.Fatal(err)
			}

			// The visitor finds the complaint link on the request page.
			phone := browsertest.New(t, browsertest.Phone(), browsertest.AcceptLanguage("zh-CN"),
				browsertest.AllowRefusals(), browsertest.WithTimeout(3*time.Minute))
			do(t, phone,
				chromedp.Navigate(p.URL+"requests/"+req),
				chromedp.WaitVisible("#report"),
				chromedp.Click("#report", chromedp.NodeVisible),
				chromedp.WaitVisible("#complaint-form"),
			)
			if got := get1(t, phone, chromedp.Evaluate[string](`location.pathname + location.search`)); got != "/complaints?request="+req {
				t.Errorf("the request page's complaint link led to %q", got)
			}
			if got := get1(t, phone, chromedp.Evaluate[string](`document.querySelector("#c-request").value`)); got != req {
				t.Errorf("the form's request is %q, want %s", got, req)
			}
			if title := get1(t, phone, chromedp.Text("#request-title")); !strings.Contains(title, campaigntest.Filing().Title) {
				t.Errorf("the form names the request %q", title)
			}
			// The channels and the clocks are published (R-COMP-2); no
			// category is chosen for the visitor.
			channels := get1(t, phone, chromedp.Text("#channels"))
			for _, want := range []string{"400-000-0000", "complaints@carefund.example"} {
				if !strings.Contains(channels, want) {
					t.Errorf("/complaints does not publish %s: %q", want, channels)
				}
			}
			if n := get1(t, phone, chromedp.Evaluate[int](`document.querySelectorAll('input[name="category"]:checked').length`)); n != 0 {
				t.Errorf("a category is chosen already")
			}
			browsertest.NoHorizontalOverflow(t, phone)
			browsertest.Screenshot(t, phone, "complaint-form-phone-zh-CN")

			do(t, phone,
				chromedp.Click(`input[name="category"][value="false_info"]`, chromedp.NodeVisible),
				chromedp.SendKeys("#c-text", complaintText),
				chromedp.SendKeys("#c-name", "赵六"),
				chromedp.SendKeys("#c-phone", "13912345678"),
				chromedp.SetUploadFiles("#c-evidence", []string{evidence}),
				chromedp.Click("#complaint-submit", chromedp.NodeVisible),
				chromedp.WaitVisible(`#complaint-number, .field-error, #form-message`),
			)
			if msgs := get1(t, phone, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(".form-error, .field-error")).map(e => e.textContent)`)); len(msgs) > 0 {
				t.Fatalf("the complaint was refused: %q", msgs)
			}
			number := strings.TrimSpace(get1(t, phone, chromedp.Text("#complaint-number")))
			secret := strings.TrimSpace(get1(t, phone, chromedp.Text("#complaint-secret")))
			if _, err := complaint.ParseNumber(number); err != nil || secret == "" {
				t.Fatalf("the receipt shows number %q, secret %q", number, secret)
			}
			browsertest.NoHorizontalOverflow(t, phone)
			browsertest.Screenshot(t, phone, "complaint-receipt-phone-zh-CN")

			// A complaints handler acknowledges, notes and resolves it.
			desk := browsertest.New(t, browsertest.Desktop(), browsertest.AcceptLanguage("zh-CN"), browsertest.AllowRefusals())
			consoleSignIn(t, desk, p.URL, "handler-one", handler)
			do(t, desk,
				chromedp.Navigate(p.URL+"staff/complaints"),
				chromedp.WaitVisible("#queue"),
			)
			href := get1(t, desk, chromedp.Evaluate[string](`(Array.from(document.querySelectorAll("#queue a")).find(a => a.textContent.trim() === "`+number+`") || {}).href || ""`))
			if href == "" {
				t.Fatalf("the queue lacks %s: %q", number, get1(t, desk, chromedp.Text("#queue")))
			}
			browsertest.Screenshot(t, desk, "complaint-queue-desktop-zh-CN")
			do(t, desk, chromedp.Navigate(href), chromedp.WaitVisible("#text"))
			if text := get1(t, desk, chromedp.Text("#text")); !strings.Contains(text, "<script>alert(1)</script>") {
				t.Errorf("the handler sees the text as %q, not as typed", text)
			}
			if n := get1(t, desk, chromedp.Evaluate[int](`document.querySelectorAll('a[href*="/evidence/"]').length`)); n != 1 {
				t.Errorf("the complaint holds %d files of evidence, want 1", n)
			}
			complaintAction(t, desk, `form[action$="/acknowledge"] button`)
			do(t, desk, chromedp.SendKeys("#note", complaintNote))
			complaintAction(t, desk, `form[action$="/notes"] button`)
			if events := get1(t, desk, chromedp.Text("#events")); !strings.Contains(events, complaintNote) {
				t.Errorf("the history lacks the note: %q", events)
			}
			do(t, desk,
				chromedp.SetValue("#outcome", string(complaint.OutcomePartly)),
				chromedp.SendKeys("#response-text", complaintResponse),
			)
			browsertest.Screenshot(t, desk, "complaint-resolve-desktop-zh-CN")
			complaintAction(t, desk, `button[name="action"][value="resolve"]`)
			if got := get1(t, desk, chromedp.Text("#response")); !strings.Contains(got, complaintResponse) {
				t.Fatalf("the complaint is not resolved: %q", get1(t, desk, chromedp.Text("main")))
			}

			// The response is on the request's page, with the dispute
			// routes next to it (R-DISC-2, R-DISP-1).
			do(t, phone,
				chromedp.Navigate(p.URL+"requests/"+req),
				chromedp.WaitVisible("#complaint-responses"),
			)
			checkResponse(t, phone, "#complaint-responses")
			if tl := get1(t, phone, chromedp.Text("#timeline")); !strings.Contains(tl, i18n.T(i18n.ZH, "moneytrail.event.complaint")) {
				t.Errorf("the timeline has no response to a complaint: %q", tl)
			}
			do(t, phone, chromedp.ScrollIntoView("#complaint-responses"))
			browsertest.NoHorizontalOverflow(t, phone)
			browsertest.Screenshot(t, phone, "complaint-response-request-phone-zh-CN")

			// And on the complainant's status page, with both clocks
			// (R-COMP-2).
			do(t, phone,
				chromedp.Navigate(p.URL+"complaints/track"),
				chromedp.WaitVisible("#track-form"),
				chromedp.SendKeys("#t-number", number),
				chromedp.SendKeys("#t-secret", secret),
				chromedp.Click("#track-submit", chromedp.NodeVisible),
				chromedp.WaitVisible("#complaint-status, #form-message"),
			)
			if !get1(t, phone, chromedp.Evaluate[bool](`!!document.querySelector("#outcome")`)) {
				t.Fatalf("the status page shows no outcome: %q", get1(t, phone, chromedp.Text("main")))
			}
			checkResponse(t, phone, "#outcome")
			for _, clock := range []string{"#clock-ack", "#clock-handle"} {
				if !get1(t, phone, chromedp.Evaluate[bool](`!!document.querySelector("`+clock+` .badge")`)) {
					t.Errorf("the clock %s reads %q; want it done", clock, get1(t, phone, chromedp.Text(clock)))
				}
			}
			if st := get1(t, phone, chromedp.Text("#status")); st != i18n.T(i18n.ZH, complaint.StatusResolved.Key()) {
				t.Errorf("the status reads %q", st)
			}
			browsertest.NoHorizontalOverflow(t, phone)
			browsertest.Screenshot(t, phone, "complaint-status-phone-zh-CN")
		})
	}
}

// complaintFixture makes, before the server starts, a fundraising request
// to complain about, and returns its id.
func complaintFixture(t *testing.T, db *store.DB, keys *keyring.Keys) int64 {
	t.Helper()
	ctx := context.Background()
	cs := campaign.Store{Vault: vault.New(keys)}
	var id int64
	if err := db.Write(ctx, func(tx *store.Tx) error {
		u, err := (&account.Service{Vault: cs.Vault}).EnsureUser(ctx, tx, complaintPublisher)
		if err != nil {
			return err
		}
		id, err = campaigntest.Fundraising(ctx, tx, cs, u.ID, campaigntest.Filing(), 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// complaintAction presses a button of the console's complaint page, waits
// for the page that comes back, and fails on a refusal it shows.
func complaintAction(t *testing.T, ctx context.Context, button string) {
	t.Helper()
	do(t, ctx,
		chromedp.Evaluate[chromedp.Void](`document.body.dataset.before = "1"`),
		chromedp.Click(button, chromedp.NodeVisible),
		chromedp.WaitNotPresent(`body[data-before]`),
		chromedp.WaitVisible("footer"),
	)
	if msgs := get1(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(".form-error, .field-error")).map(e => e.textContent)`)); len(msgs) > 0 {
		t.Fatalf("%s was refused: %q", button, msgs)
	}
}

// checkResponse fails unless the section holds the handler's response,
// its outcome and every dispute route (R-DISP-1).
func checkResponse(t *testing.T, ctx context.Context, section string) {
	t.Helper()
	text := get1(t, ctx, chromedp.Text(section))
	wants := []string{complaintResponse, i18n.T(i18n.ZH, complaint.OutcomePartly.Key())}
	for _, r := range complaint.DisputeRoutes {
		wants = append(wants, i18n.T(i18n.ZH, r.Key()))
	}
	for _, want := range wants {
		if !strings.Contains(text, want) {
			t.Errorf("%s lacks %q: %q", section, want, text)
		}
	}
}
