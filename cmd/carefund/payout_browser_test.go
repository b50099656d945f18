package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/bank"
	"github.com/carefund/carefund/internal/browsertest"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/payout"
	"github.com/carefund/carefund/internal/reconcile"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/testprog"
	"github.com/carefund/carefund/internal/vault"
)

// The payout journey's figures: three donations of ¥2,000 settled into
// custody, and ¥3,000 paid out to the requester's own account. The amount
// ends in 00 fen, which the sandbox bank pays (decision 0017).
const (
	journeyDonation     = 2000_00
	journeyDonations    = 3
	journeyPayout       = 3000_00
	journeyAccount      = "6222021234567890128"
	journeyPublisher    = "13700000002"
	journeySettlement   = "CFST-sandbox-journey"
	journeyPauseBetween = 100 * time.Millisecond
)

// TestPayoutInBrowser is the way money leaves the platform, in real
// browsers: the publisher, on a phone-sized screen, sees the payout mode
// that applies and why (R-DISB-3), applies for a payout to the requester's
// own account (R-DISB-2) with documents uploaded through the form, and
// sees the application's state and its clocks (R-DISB-1). Two finance
// officers, each signed in with a TOTP code, approve it: the first claims
// and approves, the second approves too (R-STAFF-1). The sandbox bank pays
// it, moved to its next working day so the test passes at any hour on any
// day, and the publisher's page says paid. The next day's statement is
// fetched and reconciled: a run covers the statement that carries the
// payout's line and no difference is open for it (R-FUND-4). The public
// page shows the payout's date, amount and "to the requester's own
// account", and no account number anywhere in its HTML (R-PII-1).
func TestPayoutInBrowser(t *testing.T) {
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			keysDir, keys, db := installation(t, d.DSN)
			id := payoutFixture(t, db, keys)
			p := testprog.Start(t, "--database", d.DSN, "--keys-dir", keysDir)
			dbArgs := []string{"--database", d.DSN, "--keys-dir", keysDir}
			first := createStaff(t, p.DataDir, dbArgs, "finance-one", "finance")
			second := createStaff(t, p.DataDir, dbArgs, "finance-two", "finance")
			scan := filepath.Join(t.TempDir(), "scan.png")
			if err := os.WriteFile(scan, pngScan(t), 0o600); err != nil {
				t.Fatal(err)
			}
			request := strconv.FormatInt(id, 10)

			// 1. The publisher opens the payouts section of the request.
			phone := browsertest.New(t, browsertest.Phone(), browsertest.AcceptLanguage("zh-CN"),
				browsertest.AllowRefusals(), browsertest.WithTimeout(3*time.Minute))
			signInPhone(t, phone, p.URL, journeyPublisher)
			do(t, phone,
				chromedp.Navigate(p.URL+"my/requests/"+request),
				chromedp.WaitVisible("#payouts"),
			)
			browsertest.Screenshot(t, phone, "payouts-section-phone-zh-CN")
			do(t, phone,
				chromedp.Click("#new-payout", chromedp.NodeVisible),
				chromedp.WaitVisible("#payout"),
			)

			// 2. The mode and why (R-DISB-3), then the form.
			mode := get1(t, phone, chromedp.Text("#mode-name"))
			if reason := strings.TrimSpace(get1(t, phone, chromedp.Text("#mode-reason"))); mode == "" || reason == "" {
				t.Errorf("the form shows mode %q because %q; want both", mode, reason)
			}
			restricted := mode == i18n.T(i18n.ZH, payout.HospitalOrBatches.NameKey())
			do(t, phone,
				chromedp.SendKeys("#p-amount", "3000"),
				chromedp.SendKeys("#p-purpose", "第二期化疗费用"),
				chromedp.Click(`input[name="payee"][value="requester"]`, chromedp.NodeVisible),
				chromedp.SendKeys("#p-bank", "建设银行北京分行"),
				chromedp.SendKeys("#p-account", journeyAccount),
			)
			if restricted {
				do(t, phone, chromedp.Click("#p-batch", chromedp.NodeVisible))
			}
			// The documents are uploaded through the form itself: what was
			// typed comes back, and the new document comes back ticked.
			for _, kind := range []string{"expense_list", "other"} {
				payoutUpload(t, phone, kind, scan)
			}
			if v := get1(t, phone, chromedp.Evaluate[string](`document.querySelector("#p-account").value`)); v != journeyAccount {
				t.Fatalf("the account number after uploading is %q", v)
			}
			if n := get1(t, phone, chromedp.Evaluate[int](`document.querySelectorAll('#payout input[name="material"]:checked').length`)); n != 2 {
				t.Errorf("%d documents are ticked after two uploads, want 2", n)
			}
			browsertest.NoHorizontalOverflow(t, phone)
			browsertest.Screenshot(t, phone, "payout-form-phone-zh-CN")
			do(t, phone,
				chromedp.Click("#apply", chromedp.NodeVisible),
				chromedp.WaitVisible("#clocks, #form-message"),
			)
			if msgs := get1(t, phone, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(".form-error, .field-error")).map(e => e.textContent)`)); len(msgs) > 0 {
				t.Fatalf("the application was refused: %q", msgs)
			}
			payoutPage := get1(t, phone, chromedp.Evaluate[string](`location.pathname`))
			pid := strings.TrimPrefix(payoutPage, "/my/payouts/")
			if _, err := strconv.ParseInt(pid, 10, 64); err != nil {
				t.Fatalf("after applying the phone is at %q", payoutPage)
			}
			// R-DISB-1: the application shows its state and its clocks.
			if state := get1(t, phone, chromedp.Text("#state")); state != i18n.T(i18n.ZH, payout.Requested.NameKey()) {
				t.Errorf("the application's state reads %q", state)
			}
			clocks := get1(t, phone, chromedp.Text("#clocks"))
			if !strings.Contains(clocks, i18n.T(i18n.ZH, "payoutpages.review_due")) {
				t.Errorf("the clocks read %q; want the review's deadline", clocks)
			}
			if acct := get1(t, phone, chromedp.Text("#account")); strings.Contains(acct, journeyAccount) || !strings.Contains(acct, journeyAccount[len(journeyAccount)-4:]) {
				t.Errorf("the publisher's page shows the account as %q; want it masked", acct)
			}
			browsertest.NoHorizontalOverflow(t, phone)
			browsertest.Screenshot(t, phone, "payout-applied-phone-zh-CN")

			// 3. Two finance officers approve (R-STAFF-1).
			desk := browsertest.New(t, browsertest.Desktop(), browsertest.AcceptLanguage("zh-CN"), browsertest.AllowRefusals())
			financeSignIn(t, desk, p.URL, "finance-one", first)
			do(t, desk,
				chromedp.Navigate(p.URL+"staff/payouts"),
				chromedp.WaitVisible("#queue"),
			)
			if row := get1(t, desk, chromedp.Text("#queue")); !strings.Contains(row, "#"+pid) {
				t.Errorf("the finance queue lacks #%s: %q", pid, row)
			}
			browsertest.Screenshot(t, desk, "payout-queue-desktop-zh-CN")
			openStaffPayout(t, desk, p.URL, pid, "#claim")
			payoutStaffAction(t, desk, "#claim")
			do(t, desk, chromedp.SendKeys("#note", "金额与费用清单一致"))
			payoutStaffAction(t, desk, "#approve")
			// R-STAFF-1: four eyes on money movement.
			if state := get1(t, desk, chromedp.Text("#state")); strings.Contains(state, i18n.T(i18n.ZH, payout.Approved.NameKey())) {
				t.Fatalf("one approval approved the payout: %q", state)
			}
			browsertest.Screenshot(t, desk, "payout-first-approval-desktop-zh-CN")

			desk2 := browsertest.New(t, browsertest.Desktop(), browsertest.AcceptLanguage("zh-CN"), browsertest.AllowRefusals())
			financeSignIn(t, desk2, p.URL, "finance-two", second)
			openStaffPayout(t, desk2, p.URL, pid, "#approve")
			payoutStaffAction(t, desk2, "#approve")
			if state := get1(t, desk2, chromedp.Text("#state")); !strings.Contains(state, i18n.T(i18n.ZH, payout.Approved.NameKey())) &&
				!strings.Contains(state, i18n.T(i18n.ZH, payout.Paying.NameKey())) && !strings.Contains(state, i18n.T(i18n.ZH, payout.Paid.NameKey())) {
				t.Fatalf("after the second approval the payout is %q", state)
			}
			browsertest.Screenshot(t, desk2, "payout-second-approval-desktop-zh-CN")

			// 4. The bank jobs send it; the sandbox bank, moved to its next
			// working day's opening, pays it whatever the hour; the poll job
			// brings the news back.
			transfer := waitTransferSent(t, desk, p.URL, pid)
			bankAction(t, desk, `form[action="/staff/bank/advance"] button`)
			browsertest.Screenshot(t, desk, "bank-advanced-desktop-zh-CN")
			waitPayoutPaid(t, phone, p.URL+strings.TrimPrefix(payoutPage, "/"))
			if clocks := get1(t, phone, chromedp.Text("#clocks")); !strings.Contains(clocks, i18n.T(i18n.ZH, "payoutpages.paid")) {
				t.Errorf("the paid application's clocks read %q; want when it was paid", clocks)
			}
			browsertest.NoHorizontalOverflow(t, phone)
			browsertest.Screenshot(t, phone, "payout-paid-phone-zh-CN")

			// 5. The statement of the day the bank paid it reconciles
			// (R-FUND-4): the next working day makes that day's statement,
			// which finance fetches now rather than waiting for the job.
			bankAction(t, desk, `form[action="/staff/bank/advance"] button`)
			bankAction(t, desk, `form[action="/staff/bank/statements"] button`)
			browsertest.Screenshot(t, desk, "bank-statements-desktop-zh-CN")
			do(t, desk,
				chromedp.Navigate(p.URL+"staff/reconcile"),
				chromedp.WaitVisible("#runs"),
			)
			if open := get1(t, desk, chromedp.Text("#open")); strings.Contains(open, transfer) {
				t.Errorf("a difference is open for the payout's transfer %s: %q", transfer, open)
			}
			if n := get1(t, desk, chromedp.Evaluate[int](`document.querySelectorAll("#runs tbody tr td:nth-child(2)").length`)); n == 0 {
				t.Errorf("the reconciliation page shows no run")
			}
			browsertest.Screenshot(t, desk, "reconcile-desktop-zh-CN")
			checkReconciled(t, ctx, db, transfer)

			// 6. The public page, on the phone: the payout is there, to the
			// requester's own account, and no account number is (R-PII-1).
			do(t, phone,
				chromedp.Navigate(p.URL+"requests/"+request),
				chromedp.WaitVisible("#payouts"),
			)
			shown := get1(t, phone, chromedp.Text("#payouts"))
			for _, want := range []string{money.Fen(journeyPayout).Format(i18n.ZH), i18n.T(i18n.ZH, payout.ToKey(payout.ToRequester)),
				i18n.T(i18n.ZH, payout.Paid.NameKey())} {
				if !strings.Contains(shown, want) {
					t.Errorf("the public payouts read %q; want %q in them", shown, want)
				}
			}
			if !regexp.MustCompile(`\d{4}-\d{2}-\d{2}`).MatchString(shown) {
				t.Errorf("the public payouts read %q; want the date", shown)
			}
			page := get1(t, phone, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
			for _, secret := range []string{journeyAccount, journeyAccount[:10], journeyAccount[6:16], "建设银行北京分行"} {
				if strings.Contains(page, secret) {
					t.Errorf("the public page shows %q", secret)
				}
			}
			// The picture of where the money went is drawn, fits the
			// phone, and says it in words for a screen reader (R-DISC-1).
			flow := get1(t, phone, chromedp.Evaluate[[]float64](`(() => {
				const svg = document.querySelector("#flow svg");
				if (!svg) return [];
				const r = svg.getBoundingClientRect();
				const desc = svg.querySelector("desc");
				return [r.width, r.height, window.innerWidth, desc ? desc.textContent.length : 0];
			})()`))
			if len(flow) != 4 || flow[0] <= 0 || flow[1] <= 0 || flow[0] > flow[2] || flow[3] == 0 {
				t.Errorf("the flow picture on the phone (width, height, viewport, words): %v", flow)
			}
			browsertest.NoHorizontalOverflow(t, phone)
			browsertest.Screenshot(t, phone, "public-payout-phone-zh-CN")

			// Anyone can audit the journey's money from the public log:
			// the donations, the payout paid and its figures on the page.
			auditLog(t, db, p.URL)
		})
	}
}

// payoutFixture makes, in db before the server starts, a fundraising
// request of the publisher journeyPublisher and three donations to it
// through the donation service (as the sandbox provider's notifications
// would confirm them), and settles them into custody as the settlement job
// does: the money at the sandbox bank and the ledger's settlement entry,
// under one reference. The settlement job itself settles only days that
// are over, and a payout the bank cannot cover is rejected, so a request
// funded today through the checkout could not be paid out today.
func payoutFixture(t *testing.T, db *store.DB, keys *keyring.Keys) int64 {
	t.Helper()
	ctx := context.Background()
	v := vault.New(keys)
	cs := campaign.Store{Vault: v}
	var id int64
	if err := db.Write(ctx, func(tx *store.Tx) error {
		// Made as signing in makes it, so that the publisher can sign in.
		publisher, err := (&account.Service{Vault: v}).EnsureUser(ctx, tx, journeyPublisher)
		if err != nil {
			return err
		}
		id, err = campaigntest.Fundraising(ctx, tx, cs, publisher.ID, campaigntest.Filing(), 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	l := ledger.New(db, ledger.Options{})
	defer l.Close()
	donations := &donation.Service{DB: db, Ledger: l, Campaigns: cs, Merchant: map[string]string{"sandbox": "sandbox"}}
	now := time.Now()
	st := payment.Settlement{Provider: "sandbox", Ref: journeySettlement, Date: bank.Day(now)}
	for i := range journeyDonations {
		o, err := donations.CreateOrder(ctx, donation.OrderInput{RequestID: id, Amount: money.Fen(journeyDonation).String(),
			Provider: "sandbox", ClientToken: fmt.Sprintf("journey-%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		tx := fmt.Sprintf("sbxjourney%d", i)
		out, err := donations.Confirm(ctx, payment.Payment{Provider: "sandbox", OrderID: o.OrderNo, TransactionID: tx,
			Merchant: "sandbox", Amount: o.Amount, State: payment.Paid, PaidAt: now})
		if err != nil || out.Quarantined {
			t.Fatalf("donation %d: %+v, %v", i, out, err)
		}
		fee := (o.Amount*payment.SandboxFeePerMille + 500) / 1000
		st.Lines = append(st.Lines, payment.SettlementLine{TransactionID: tx, Amount: o.Amount, Fee: fee})
		st.Gross += o.Amount
		st.Fees += fee
	}
	st.Net = st.Gross - st.Fees
	if err := bank.NewSandbox(db, nil).Credit(ctx, bank.Credit{Reference: st.Ref, Amount: st.Net, From: st.Provider,
		Remittance: "settlement " + st.Ref}); err != nil {
		t.Fatal(err)
	}
	if _, err := (&reconcile.Service{DB: db, Ledger: l}).Settle(ctx, st); err != nil {
		t.Fatal(err)
	}
	return id
}

// payoutUpload uploads the file at path as a document of kind through the
// payout form and waits for the form to come back saying so.
func payoutUpload(t *testing.T, ctx context.Context, kind, path string) {
	t.Helper()
	do(t, ctx,
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('.notice[role="status"]').forEach(e => e.remove())`),
		chromedp.SetValue("#p-kind", kind),
		chromedp.SetUploadFiles("#p-file", []string{path}),
		chromedp.Click(`#payout button[name="upload"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`.notice[role="status"], .field-error, #form-message`),
	)
	if msgs := get1(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(".form-error, .field-error")).map(e => e.textContent)`)); len(msgs) > 0 {
		t.Fatalf("uploading a %s was refused: %q", kind, msgs)
	}
}

// financeSignIn signs a finance officer in with password and TOTP code.
func financeSignIn(t *testing.T, ctx context.Context, base, username string, secret []byte) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(base+"staff/signin"),
		chromedp.WaitVisible("#username"),
		chromedp.SendKeys("#username", username),
		chromedp.SendKeys("#password", password),
		chromedp.SendKeys("#totp", totp(secret, time.Now())),
		chromedp.Click(`form[action="/staff/signin"] button`, chromedp.NodeVisible),
		chromedp.WaitVisible(`a[href="/staff/payouts"]`),
	)
}

// openStaffPayout opens payout pid in the console and fails, with what
// the page says, unless it offers button.
func openStaffPayout(t *testing.T, ctx context.Context, base, pid, button string) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(base+"staff/payouts/"+pid),
		chromedp.WaitVisible("#decide"),
	)
	if !get1(t, ctx, chromedp.Evaluate[bool](`!!document.querySelector("`+button+`")`)) {
		t.Fatalf("the console's page of payout %s offers no %s: %q", pid, button, get1(t, ctx, chromedp.Text("#decide")))
	}
}

// payoutStaffAction presses a button of the console's payout page, waits
// for the page that comes back saying it was done, or why not, and fails
// on a refusal.
func payoutStaffAction(t *testing.T, ctx context.Context, button string) {
	t.Helper()
	do(t, ctx,
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('#notice, #form-message, #approve-err').forEach(e => e.remove())`),
		chromedp.Click(button, chromedp.NodeVisible),
		chromedp.WaitVisible(`#notice, #form-message, #approve-err`),
	)
	if msgs := get1(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(".form-error:not(#flag), .field-error")).map(e => e.textContent)`)); len(msgs) > 0 {
		t.Fatalf("%s was refused: %q", button, msgs)
	}
}

// bankAction presses a button of the bank console and waits for the page
// that says what it did; a failure it shows fails the test.
func bankAction(t *testing.T, ctx context.Context, button string) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(strings.TrimSuffix(get1(t, ctx, chromedp.Evaluate[string](`location.origin`)), "/")+"/staff/bank"),
		chromedp.WaitVisible("#transfers"),
		chromedp.Click(button, chromedp.NodeVisible),
		chromedp.WaitVisible(`.notice[role="status"], .form-error`),
	)
	if msgs := get1(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(".form-error")).map(e => e.textContent)`)); len(msgs) > 0 {
		t.Fatalf("%s: %q", button, msgs)
	}
}

// progressLooks bounds how often a wait for the server's jobs looks: with
// its pause, at least two minutes for jobs that run every ten seconds, and
// longer on a busy machine, where every look is slower.
const progressLooks = 1200

// waitTransferSent reloads the bank console until the outbox shows payout
// pid's transfer sent to the bank, and returns the transfer's id.
func waitTransferSent(t *testing.T, ctx context.Context, base, pid string) string {
	t.Helper()
	yes := i18n.T(i18n.ZH, "money.yes")
	var rows [][]string
	for range progressLooks {
		if _, err := chromedp.Run(ctx, chromedp.Navigate(base+"staff/bank")); err == nil {
			rows, _ = chromedp.Run(ctx, chromedp.Evaluate[[][]string](
				`[...document.querySelectorAll("#transfers tbody tr")].map(r => [...r.cells].map(c => c.textContent.trim()))`))
			for _, r := range rows {
				if len(r) == 6 && r[1] == pid && r[4] == yes {
					browsertest.Screenshot(t, ctx, "bank-sent-desktop-zh-CN")
					return r[0]
				}
			}
		}
		time.Sleep(journeyPauseBetween)
	}
	t.Fatalf("payout %s's transfer is not sent after %d looks: %q", pid, progressLooks, rows)
	return ""
}

// waitPayoutPaid reloads the publisher's page of the payout until it says
// paid.
func waitPayoutPaid(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	paid := i18n.T(i18n.ZH, payout.Paid.NameKey())
	state := ""
	for range progressLooks {
		if _, err := chromedp.Run(ctx, chromedp.Navigate(url)); err == nil {
			if s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector("#state") || {}).textContent || ""`)); err == nil {
				if state = strings.TrimSpace(s); state == paid {
					return
				}
			}
		}
		time.Sleep(journeyPauseBetween)
	}
	t.Fatalf("the payout still reads %q after %d looks", state, progressLooks)
}

// checkReconciled checks in the database that the sandbox bank booked the
// transfer, that a reconciliation run covers the day it was booked and
// matched lines of it, and that no difference is open for the transfer
// (R-FUND-4).
func checkReconciled(t *testing.T, ctx context.Context, db *store.DB, transfer string) {
	t.Helper()
	var booked string
	var runs, open int
	if err := db.Read(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT booked_on FROM sandbox_bank_bookings WHERE kind = 'payout' AND end_to_end_id = $1`,
			transfer).Scan(&booked); err != nil {
			return fmt.Errorf("the bank's booking of %s: %w", transfer, err)
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM reconcile_runs WHERE period_from <= $1 AND period_to >= $1 AND matched > 0`,
			booked).Scan(&runs); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM reconcile_differences WHERE resolved_at IS NULL AND reference = $1`,
			transfer).Scan(&open)
	}); err != nil {
		t.Fatal(err)
	}
	if runs != 1 || open != 0 {
		t.Errorf("the statement of %s (with transfer %s): %d runs matched it, %d differences open for it; want 1 and 0",
			booked, transfer, runs, open)
	}
}
