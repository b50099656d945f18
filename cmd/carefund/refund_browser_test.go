package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/browsertest"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/refund"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/testprog"
	"github.com/carefund/carefund/internal/vault"
)

// The refund journey's people and money. The donor's ¥88 ends in 00 fen,
// which the sandbox provider pays back at once (payment.SandboxRefund…).
const (
	refundDonor          = "13700000031"
	refundPublisher      = "13700000032"
	fraudPublisher       = "13700000033"
	refundDonation       = 88_00
	fraudDonation        = 120_00
	fraudPublicReason    = "经核实，求助人虚构了部分治疗费用，平台终止本求助，未拨付的善款原路退还捐款人。"
	refundPauseBetween   = 100 * time.Millisecond
	refundTerminationKey = "termination-"
)

// TestRefundInBrowser is issue 15 in real browsers. (a) On a phone-sized
// screen a signed-in donor opens "my donations", asks for their donation
// back under the published policy (nothing of the request paid out yet,
// policy P, R-DON-2), confirms on the step that says how much, and sees the
// refund arrive, paid back, with its amount: the server's refund jobs send
// it to the sandbox provider by the original route. (b) A reviewer
// suspends a request through the console, with a public notice (R-REV-4),
// and proposes its termination with a reason and a finding; an
// administrator, a different person, approves it (R-REF-2, R-STAFF-1); the
// public request page shows the termination, its reason and what donors
// get back.
func TestRefundInBrowser(t *testing.T) {
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) {
			keysDir, keys, db := installation(t, d.DSN)
			donated, fraud := refundFixture(t, db, keys)
			p := testprog.Start(t, "--database", d.DSN, "--keys-dir", keysDir)
			dbArgs := []string{"--database", d.DSN, "--keys-dir", keysDir}
			reviewer := createStaff(t, p.DataDir, dbArgs, "reviewer-one", "reviewer")
			admin := createStaff(t, p.DataDir, dbArgs, "admin-one", "admin")

			// (a) The donor's own refund, on a phone.
			phone := browsertest.New(t, browsertest.Phone(), browsertest.AcceptLanguage("zh-CN"),
				browsertest.AllowRefusals(), browsertest.WithTimeout(3*time.Minute))
			signInPhone(t, phone, p.URL, refundDonor)
			do(t, phone,
				chromedp.Navigate(p.URL+"my/donations"),
				chromedp.WaitVisible("#my-donations"),
			)
			browsertest.NoHorizontalOverflow(t, phone)
			browsertest.Screenshot(t, phone, "my-donations-phone-zh-CN")
			if n := get1(t, phone, chromedp.Evaluate[int](`document.querySelectorAll("#my-donations a.refund-ask").length`)); n != 1 {
				t.Fatalf("my donations offer %d refunds, want 1: %q", n, get1(t, phone, chromedp.Text("#my-donations")))
			}
			do(t, phone,
				chromedp.Click("#my-donations a.refund-ask", chromedp.NodeVisible),
				chromedp.WaitVisible("#refund-confirm"),
			)
			want := money.Fen(refundDonation).Format(i18n.ZH)
			if amount := strings.TrimSpace(get1(t, phone, chromedp.Text("#refund-amount"))); amount != want {
				t.Errorf("the confirmation step offers %q, want %q", amount, want)
			}
			browsertest.NoHorizontalOverflow(t, phone)
			browsertest.Screenshot(t, phone, "refund-confirm-phone-zh-CN")
			do(t, phone,
				chromedp.Click("#refund-confirm-button", chromedp.NodeVisible),
				chromedp.WaitVisible("#my-donations"),
			)
			if msgs := get1(t, phone, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(".form-error, .field-error")).map(e => e.textContent)`)); len(msgs) > 0 {
				t.Fatalf("the refund was refused: %q", msgs)
			}
			browsertest.Screenshot(t, phone, "refund-asked-phone-zh-CN")
			shown := waitRefunded(t, phone, p.URL+"my/donations")
			if !strings.Contains(shown, want) || !strings.Contains(shown, i18n.T(i18n.ZH, "refundui.state.refunded")) {
				t.Errorf("the refunded donation reads %q; want %q and the refunded state", shown, want)
			}
			if n := get1(t, phone, chromedp.Evaluate[int](`document.querySelectorAll("#my-donations a.refund-ask").length`)); n != 0 {
				t.Errorf("a refunded donation still offers a refund")
			}
			browsertest.NoHorizontalOverflow(t, phone)
			browsertest.Screenshot(t, phone, "refund-arrived-phone-zh-CN")
			checkRefunded(t, db, donated)

			// (b) Suspension and termination through the console.
			request := strconv.FormatInt(fraud, 10)
			desk := browsertest.New(t, browsertest.Desktop(), browsertest.AcceptLanguage("zh-CN"), browsertest.AllowRefusals())
			consoleSignIn(t, desk, p.URL, "reviewer-one", reviewer)
			do(t, desk,
				chromedp.Navigate(p.URL+"staff/terminations?request="+request),
				chromedp.WaitVisible("#suspend"),
				chromedp.SendKeys("#suspend textarea[name=reason]", "收到举报：医院费用清单与求助金额不符，需向医院核实。"),
			)
			staffSubmit(t, desk, "#suspend button[type=submit]")
			row := "#suspended-" + request
			do(t, desk,
				chromedp.WaitVisible(row),
				// The proposal's form folds away under its summary.
				chromedp.Click(row+` details:has(form[action$="/terminate"]) > summary`, chromedp.NodeVisible),
				chromedp.WaitVisible(row+` form[action$="/terminate"] textarea[name=reason]`),
				chromedp.SendKeys(row+` form[action$="/terminate"] textarea[name=reason]`, "医院书面确认费用清单系伪造，求助人承认虚报。"),
				chromedp.SendKeys(row+` form[action$="/terminate"] textarea[name=public_reason]`, fraudPublicReason),
				chromedp.Click(row+` form[action$="/terminate"] input[name=findings][value=fabrication]`, chromedp.NodeVisible),
			)
			browsertest.Screenshot(t, desk, "termination-propose-desktop-zh-CN")
			staffSubmit(t, desk, row+` form[action$="/terminate"] button[type=submit]`)
			tid := get1(t, desk, chromedp.Evaluate[string](`(document.querySelector('#proposed li[id^="termination-"]') || {id: ""}).id`))
			if !strings.HasPrefix(tid, refundTerminationKey) {
				t.Fatalf("no termination proposed: %q", get1(t, desk, chromedp.Text("main")))
			}
			// The proposer may not approve their own proposal (R-STAFF-1).
			if n := get1(t, desk, chromedp.Evaluate[int](`document.querySelectorAll('#`+tid+` button[value="approve"]').length`)); n != 0 {
				t.Errorf("the proposer is offered the approval")
			}
			browsertest.Screenshot(t, desk, "termination-proposed-desktop-zh-CN")

			desk2 := browsertest.New(t, browsertest.Desktop(), browsertest.AcceptLanguage("zh-CN"), browsertest.AllowRefusals())
			consoleSignIn(t, desk2, p.URL, "admin-one", admin)
			do(t, desk2,
				chromedp.Navigate(p.URL+"staff/terminations"),
				chromedp.WaitVisible("#"+tid),
				chromedp.SendKeys("#"+tid+` input[name=note]`, "证据充分，同意终止"),
			)
			staffSubmit(t, desk2, "#"+tid+` button[value="approve"]`)
			browsertest.Screenshot(t, desk2, "termination-approved-desktop-zh-CN")

			// The public page shows what happened and what donors get back.
			do(t, phone,
				chromedp.Navigate(p.URL+"requests/"+request),
				chromedp.WaitVisible("#terminated"),
			)
			if notice := get1(t, phone, chromedp.Text("#terminated")); !strings.Contains(notice, fraudPublicReason) {
				t.Errorf("the public page's termination reads %q; want the public reason", notice)
			}
			back := get1(t, phone, chromedp.Text("#refunds"))
			if !strings.Contains(back, i18n.T(i18n.ZH, "public.terminated.refund_pending")) &&
				!strings.Contains(back, strings.SplitN(i18n.T(i18n.ZH, "public.terminated.refund"), "%", 2)[0]) {
				t.Errorf("the public page says of refunds %q", back)
			}
			browsertest.NoHorizontalOverflow(t, phone)
			browsertest.Screenshot(t, phone, "terminated-public-phone-zh-CN")

			// Anyone can audit the money of the journey from the public
			// log: the refund, the termination's recovery and refunds.
			auditLog(t, db, p.URL)
		})
	}
}

// refundFixture makes, before the server starts, two fundraising requests:
// one with a donation of refundDonation by the signed-in donor refundDonor,
// the other with a donation of fraudDonation, each confirmed as the sandbox
// provider's notification would. It returns the donor's donation id and
// the second request's id.
func refundFixture(t *testing.T, db *store.DB, keys *keyring.Keys) (donated, fraud int64) {
	t.Helper()
	ctx := context.Background()
	v := vault.New(keys)
	cs := campaign.Store{Vault: v}
	var own, donor int64
	if err := db.Write(ctx, func(tx *store.Tx) error {
		accounts := &account.Service{Vault: v}
		d, err := accounts.EnsureUser(ctx, tx, refundDonor)
		if err != nil {
			return err
		}
		donor = d.ID
		for _, pub := range []struct {
			phone string
			into  *int64
		}{{refundPublisher, &own}, {fraudPublisher, &fraud}} {
			u, err := accounts.EnsureUser(ctx, tx, pub.phone)
			if err != nil {
				return err
			}
			if *pub.into, err = campaigntest.Fundraising(ctx, tx, cs, u.ID, campaigntest.Filing(), 0); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	l := ledger.New(db, ledger.Options{})
	defer l.Close()
	donations := &donation.Service{DB: db, Ledger: l, Campaigns: cs, Merchant: map[string]string{"sandbox": "sandbox"}}
	for i, g := range []struct {
		request, user int64
		amount        money.Fen
	}{{own, donor, refundDonation}, {fraud, 0, fraudDonation}} {
		o, err := donations.CreateOrder(ctx, donation.OrderInput{RequestID: g.request, Amount: g.amount.String(),
			Provider: "sandbox", ClientToken: fmt.Sprintf("refund-journey-%d", i), DonorUserID: g.user})
		if err != nil {
			t.Fatal(err)
		}
		out, err := donations.Confirm(ctx, payment.Payment{Provider: "sandbox", OrderID: o.OrderNo,
			TransactionID: fmt.Sprintf("sbxrefundjourney%d", i), Merchant: "sandbox", Amount: o.Amount, State: payment.Paid, PaidAt: time.Now()})
		if err != nil || out.Quarantined {
			t.Fatalf("donation %d: %+v, %v", i, out, err)
		}
		if i == 0 {
			donated = out.DonationID
		}
	}
	// The donations were confirmed here, not taken by the server's sandbox,
	// so its balance for refunds holds none of them: fund it as the custody
	// bank's top-up would (the fund-refunds job; TestRefundFundedFromCustody
	// goes that way), so the donor's refund is paid when it is sent.
	if _, err := (refund.SandboxBook{DB: db}).Fund(ctx, payment.SandboxFunding{Ref: "CFRTJOURNEY",
		Amount: refundDonation + fraudDonation, ReceivedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return donated, fraud
}

// consoleSignIn signs a staff member in with password and TOTP code.
func consoleSignIn(t *testing.T, ctx context.Context, base, username string, secret []byte) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(base+"staff/signin"),
		chromedp.WaitVisible("#username"),
		chromedp.SendKeys("#username", username),
		chromedp.SendKeys("#password", password),
		chromedp.SendKeys("#totp", totp(secret, time.Now())),
		chromedp.Click(`form[action="/staff/signin"] button`, chromedp.NodeVisible),
		chromedp.WaitNotPresent("#totp"),
	)
}

// staffSubmit presses a console form's button, waits for the page that
// comes back saying it was done or why not, and fails on a refusal.
func staffSubmit(t *testing.T, ctx context.Context, button string) {
	t.Helper()
	do(t, ctx,
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('p#notice, p#message').forEach(e => e.remove())`),
		chromedp.Click(button, chromedp.NodeVisible),
		chromedp.WaitVisible(`p#notice, p#message, .field-error`),
	)
	if msgs := get1(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(".form-error, .field-error")).map(e => e.textContent)`)); len(msgs) > 0 {
		t.Fatalf("%s was refused: %q", button, msgs)
	}
}

// waitRefunded reloads "my donations" until a donation reads refunded,
// and returns what its refund line says; the server's refund jobs send
// the refund and settle the provider's answer.
func waitRefunded(t *testing.T, ctx context.Context, url string) string {
	t.Helper()
	text := ""
	for range progressLooks {
		if _, err := chromedp.Run(ctx, chromedp.Navigate(url)); err == nil {
			if s, err := chromedp.Run(ctx, chromedp.Evaluate[string](
				`(e => e ? e.closest(".refund").textContent : "")(document.querySelector('#my-donations [data-refund="refunded"]'))`)); err == nil && s != "" {
				return strings.TrimSpace(s)
			}
			text, _ = chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector("#my-donations") || {}).textContent || ""`))
		}
		time.Sleep(refundPauseBetween)
	}
	t.Fatalf("the donation is not refunded after %d looks: %q", progressLooks, text)
	return ""
}

// checkRefunded checks in the database that donation id was refunded once,
// in full, by the provider.
func checkRefunded(t *testing.T, db *store.DB, id int64) {
	t.Helper()
	ctx := context.Background()
	var n int
	var sum int64
	if err := db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM refunds WHERE donation_id = $1 AND state = 'succeeded'`,
			id).Scan(&n, &sum)
	}); err != nil {
		t.Fatal(err)
	}
	if n != 1 || money.Fen(sum) != refundDonation {
		t.Errorf("donation %d: %d refunds paid back, %d fen; want 1 of %d", id, n, sum, refundDonation)
	}
}
