package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/carefund/carefund/internal/browsertest"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/testprog"
	"github.com/carefund/carefund/internal/vault"
)

// TestDonateInBrowser opens a shared link of a request on a phone-sized
// screen, signed in, and donates ¥50 anonymously through the sandbox's
// checkout: the form chooses nothing for the donor and has no fee or tip
// (R-FEE-1); the receipt waits for the provider's notification and then
// says paid; the request page counts one donor and ¥50 raised; the share
// link is credited with the donation; the platform records who paid while
// the public sees an anonymous donation (R-DON-2); and the donation is
// counted once (R-DON-1). Before the first donation the donor is asked to
// agree to the donation terms with a box that starts unticked; paying
// without ticking it brings the form back with the error next to the box
// and what was typed kept; the agreement is recorded with its versions,
// and the form does not ask again (R-RULES-2).
func TestDonateInBrowser(t *testing.T) {
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			keysDir, keys, db := installation(t, d.DSN)
			id, share := donateFixture(t, db, keys)
			p := testprog.Start(t, "--database", d.DSN, "--keys-dir", keysDir)

			// The form sent without the agreement comes back with 422.
			phone := browsertest.New(t, browsertest.Phone(), browsertest.AcceptLanguage("zh-CN"),
				browsertest.AllowRefusals(), browsertest.WithTimeout(3*time.Minute))
			do(t, phone, chromedp.EmulateViewport(375, 667, chromedp.EmulateScale(2), chromedp.EmulateMobile))
			signInPhone(t, phone, p.URL, "13911112222")

			request := p.URL + "requests/" + strconv.FormatInt(id, 10)
			do(t, phone, chromedp.Navigate(request+"?s="+share), chromedp.WaitVisible("h1"))
			if get1(t, phone, chromedp.Evaluate[bool](`!!document.querySelector("#donate")`)) {
				do(t, phone, chromedp.Click("#donate", chromedp.NodeVisible))
			} else {
				do(t, phone, chromedp.Navigate(request+"/donate?s="+share))
			}
			do(t, phone, chromedp.WaitVisible("#amount"))
			// R-FEE-1: nothing chosen for the donor, nothing to pay but the gift.
			if n := get1(t, phone, chromedp.Evaluate[int](`document.querySelectorAll("#donate-form input:checked").length`)); n != 0 {
				t.Errorf("%d inputs are chosen before the donor touched the form", n)
			}
			names := get1(t, phone, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#donate-form [name]")].map(e => e.name)`))
			for _, n := range names {
				if n != "s" && n != "client_token" && n != "preset" && n != "amount" && n != "anonymous" && n != "message" && n != "rule" && n != "agree" {
					t.Errorf("the form has a field %q", n)
				}
			}
			if got := get1(t, phone, chromedp.Evaluate[string](`document.querySelector('#donate-form [name="s"]').value`)); got != share {
				t.Errorf("the form carries share token %q, want %q", got, share)
			}
			do(t, phone,
				chromedp.SendKeys("#amount", "50"),
				chromedp.Click("#anonymous", chromedp.NodeVisible),
				chromedp.SendKeys("#message", "早日康复"),
			)
			browsertest.NoHorizontalOverflow(t, phone)
			browsertest.Screenshot(t, phone, "donate-phone-zh-CN")
			// R-RULES-2: the terms are asked for with a box the donor ticks;
			// without it the form comes back, the error next to the box.
			if get1(t, phone, chromedp.Evaluate[bool](`document.querySelector("#agree").checked`)) {
				t.Errorf("the agreement box starts ticked")
			}
			if n := get1(t, phone, chromedp.Evaluate[int](`document.querySelectorAll("#terms a.term").length`)); n != len(donation.ConsentKinds) {
				t.Errorf("the form links %d rules documents, want %d", n, len(donation.ConsentKinds))
			}
			do(t, phone, chromedp.Click("#pay", chromedp.NodeVisible), chromedp.WaitVisible("#agree-error"))
			if got := get1(t, phone, chromedp.Evaluate[string](`document.querySelector("#amount").value + "|" + document.querySelector("#message").value`)); got != "50|早日康复" {
				t.Errorf("the form came back with %q, want what was typed", got)
			}
			if get1(t, phone, chromedp.Evaluate[bool](`document.querySelector("#agree").checked`)) {
				t.Errorf("the agreement box came back ticked")
			}
			browsertest.Screenshot(t, phone, "donate-agree-error-phone-zh-CN")
			do(t, phone,
				chromedp.Click("#agree", chromedp.NodeVisible),
				chromedp.Click("#pay", chromedp.NodeVisible),
				chromedp.WaitVisible(`button[value="pay"]`),
			)
			browsertest.Screenshot(t, phone, "sandbox-checkout-phone-zh-CN")
			do(t, phone,
				chromedp.Click(`button[value="pay"]`, chromedp.NodeVisible),
				chromedp.WaitVisible("#receipt-state"),
			)
			// The page reloads itself until the notification has come.
			waitReceiptPaid(t, phone)
			if amount := get1(t, phone, chromedp.Text("#receipt-amount")); amount != "¥50.00" {
				t.Errorf("the receipt says %q, want ¥50.00", amount)
			}
			if shown := get1(t, phone, chromedp.Text("#receipt-anonymous")); shown != i18n.T(i18n.ZH, "donate.receipt.anonymous") {
				t.Errorf("the receipt says the donation is shown %q", shown)
			}
			if state := get1(t, phone, chromedp.Text("#receipt-state")); state != i18n.T(i18n.ZH, "donate.state.paid") {
				t.Errorf("the receipt's state reads %q", state)
			}
			browsertest.NoHorizontalOverflow(t, phone)
			browsertest.Screenshot(t, phone, "receipt-phone-zh-CN")

			// The request page counts the donation once (R-DON-1).
			do(t, phone, chromedp.Navigate(request), chromedp.WaitVisible("#donors"))
			if donors := strings.TrimSpace(get1(t, phone, chromedp.Text("#donors"))); donors != "1" {
				t.Errorf("the request page counts %q donors, want 1", donors)
			}
			if raised := get1(t, phone, chromedp.Text("#raised")); !strings.Contains(raised, "¥50.00") {
				t.Errorf("the request page has raised %q, want ¥50.00", raised)
			}
			browsertest.Screenshot(t, phone, "request-after-donation-phone-zh-CN")

			// Agreed once, not asked again while the versions stay in force.
			do(t, phone, chromedp.Navigate(request+"/donate"), chromedp.WaitVisible("#agreed"))
			if get1(t, phone, chromedp.Evaluate[bool](`!!document.querySelector("#agree")`)) {
				t.Errorf("a donor who agreed is asked again")
			}

			// The donor's own list.
			do(t, phone, chromedp.Navigate(p.URL+"my/donations"), chromedp.WaitVisible("#my-donations"))
			if row := get1(t, phone, chromedp.Text("#my-donations")); !strings.Contains(row, "¥50.00") || !strings.Contains(row, i18n.T(i18n.ZH, "donate.state.paid")) {
				t.Errorf("my donations reads %q", row)
			}

			// R-DON-2: the platform knows who paid; the public does not. The
			// share link brought this donation (and pays nobody).
			var (
				donor   int64
				anon    int64
				public  []donation.Public
				brought int
				raised  money.Fen
			)
			if err := db.Read(ctx, func(tx *store.Tx) error {
				if err := tx.QueryRowContext(ctx, `SELECT COALESCE(donor_user_id, 0), anonymous FROM donation_orders WHERE request_id = $1`, id).Scan(&donor, &anon); err != nil {
					return err
				}
				var err error
				if public, err = donation.Recent(ctx, tx, id, 10); err != nil {
					return err
				}
				_, brought, raised, err = donation.ShareCounts(ctx, tx, share)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if donor == 0 || anon != 1 {
				t.Errorf("the order records donor %d, anonymous %d; want the signed-in donor, anonymous", donor, anon)
			}
			if len(public) != 1 || public[0].DonorUserID != 0 || public[0].Amount != 50_00 {
				t.Errorf("the public sees %+v; want one anonymous ¥50 donation", public)
			}
			if brought != 1 || raised != 50_00 {
				t.Errorf("the share link brought %d donations, %v; want 1, ¥50", brought, raised)
			}
		})
	}
}

// donateFixture files a request for help and opens its channel in db,
// before the server starts, as a reviewer would, and makes a share link of
// it; it returns the request's id and the link's token.
func donateFixture(t *testing.T, db *store.DB, keys *keyring.Keys) (int64, string) {
	t.Helper()
	ctx := context.Background()
	v := vault.New(keys)
	var id int64
	if err := db.Write(ctx, func(tx *store.Tx) error {
		publisher, err := campaigntest.User(ctx, tx, v, "13700000001")
		if err != nil {
			return err
		}
		id, err = campaigntest.Fundraising(ctx, tx, campaign.Store{Vault: v}, publisher, campaigntest.Filing(), 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	share, err := (&donation.Service{DB: db}).NewShare(ctx, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	return id, share
}

// signInPhone signs the phone in with a code from the development SMS page.
func signInPhone(t *testing.T, ctx context.Context, base, phone string) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(base+"signin"),
		chromedp.WaitVisible("#phone"),
		chromedp.SendKeys("#phone", phone),
		chromedp.Click(`form[action="/signin/code"] button`, chromedp.NodeVisible),
		chromedp.WaitVisible("#code"),
	)
	do(t, ctx,
		chromedp.SendKeys("#code", codeFor(t, base, phone)),
		chromedp.Click(`form[action="/signin"] button`, chromedp.NodeVisible),
		chromedp.WaitVisible(".hero, dl.facts"),
	)
}

// receiptLooks bounds how often waitReceiptPaid reads the receipt: with its
// pause, at least two minutes, and longer on a busy machine, where every
// look is slower, rather than a budget of time that such a machine spends
// before the notification has had its chance.
const receiptLooks = 1200

// waitReceiptPaid waits until the receipt says paid, through the page's own
// reloads, or fails after receiptLooks looks.
func waitReceiptPaid(t *testing.T, ctx context.Context) {
	t.Helper()
	state := ""
	for range receiptLooks {
		// A reload may be under way: an error is tried again.
		if s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector("#receipt-state") || {dataset: {}}).dataset.state || ""`)); err == nil {
			if state = s; state == donation.StatePaid {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the receipt still says %q after %d looks", state, receiptLooks)
}
