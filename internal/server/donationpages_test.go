package server

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// dpFixture is a server listening on a real port, so that the sandbox
// provider's notifications reach it, with a signed-in user and a request
// raising money.
type dpFixture struct {
	*fixture
	url  string // the server's public URL
	id   int64  // a request whose channel is open
	skew atomic.Int64
}

func newDonationFixture(t *testing.T, db *store.DB) *dpFixture {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	d := &dpFixture{url: "http://" + ts.Listener.Addr().String()}
	sms := &account.LogSender{}
	s, err := New(Options{Platform: newPlatform(t, platform.Config{DB: db, SMS: sms, PublicURL: d.url,
		Now: func() time.Time { return time.Now().Add(time.Duration(d.skew.Load())) }}),
		Version: "test", Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	checkAPI(t, s)
	ts.Config.Handler = s.Handler()
	ts.Start()
	// Cleanups run last first: the listener stops, then the platform's
	// writers and the sandbox (newPlatform).
	t.Cleanup(ts.Close)
	d.fixture = &fixture{s: s, db: db, sms: sms, staff: map[staff.Role]string{}, ids: map[staff.Role]int64{}}
	d.user, d.userID = d.signInUser(t, "13800138000")
	d.id = d.fundraising(t)
	return d
}

// fundraising files a request for a new publisher and opens its channel.
func (d *dpFixture) fundraising(t *testing.T) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := d.db.Write(ctx, func(tx *store.Tx) error {
		pub, err := campaigntest.User(ctx, tx, d.s.vault, "publisher-"+itoa(dpPublishers.Add(1)))
		if err != nil {
			return err
		}
		id, err = campaigntest.Fundraising(ctx, tx, d.s.campaigns, pub, campaigntest.Filing(), 0)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// dpPublishers numbers the fixtures' publishers, whose names must differ.
var dpPublishers atomic.Int64

func donateURL(id int64) string { return requestURL(id) + "/donate" }

// dpDo sends a request as who ("" or "user") and returns the status, the
// body and the headers.
func (d *dpFixture) dpDo(t *testing.T, who, method, target string, form url.Values) (int, string, http.Header) {
	t.Helper()
	resp := d.as(who, method, target, form)
	return resp.StatusCode, readBody(t, resp), resp.Header
}

var (
	clientTokenRE = regexp.MustCompile(`name="client_token" value="([^"]+)"`)
	ruleRE        = regexp.MustCompile(`name="rule" value="([0-9]+)"`)
	checkoutRE    = regexp.MustCompile(`name="t" value="([^"]+)"`)
	receiptRE     = regexp.MustCompile(`id="receipt-state"[^>]*data-state="([a-z_]+)"`)
)

// dpForm opens the donation form and returns the form to post back,
// carrying the rendering's client token and the share token, the rules
// versions it showed and, as the donor's act, the agreement box ticked
// (R-RULES-2); a test of the unticked box deletes "agree".
func (d *dpFixture) dpForm(t *testing.T, id int64, share string) url.Values {
	t.Helper()
	target := donateURL(id)
	if share != "" {
		target += "?s=" + url.QueryEscape(share)
	}
	st, body, _ := d.dpDo(t, "", "GET", target, nil)
	if st != http.StatusOK {
		t.Fatalf("GET %s: %d\n%.500s", target, st, body)
	}
	m := clientTokenRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the form has no client token")
	}
	form := url.Values{"client_token": {m[1]}, "s": {share}, "agree": {"yes"}}
	for _, r := range ruleRE.FindAllStringSubmatch(body, -1) {
		form.Add("rule", r[1])
	}
	return form
}

// orders counts the stored orders.
func (d *dpFixture) orders(t *testing.T) int {
	t.Helper()
	ctx := context.Background()
	var n int
	if err := d.db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM donation_orders").Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDonateForm: the form chooses nothing for the donor (no preset
// selected, no box ticked) and has no fee, tip or other product; it says the
// platform charges no fee and links the fee standard (R-FEE-1). Each
// rendering carries a client token of its own and is never cached (R-DON-1).
func TestDonateForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		d := newDonationFixture(t, db)
		st, body, h := d.dpDo(t, "", "GET", donateURL(d.id)+"?s=share-token-1", nil)
		if st != http.StatusOK {
			t.Fatalf("GET the form: %d\n%.500s", st, body)
		}
		if got := h.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control %q, want no-store", got)
		}
		if strings.Contains(body, "checked") || strings.Contains(body, "selected") {
			t.Errorf("the form chooses something for the donor")
		}
		for _, bad := range []string{`name="fee`, `name="tip`, `name="insurance`, `name="platform_fee`, "保险"} {
			if strings.Contains(body, bad) {
				t.Errorf("the form has %s (R-FEE-1)", bad)
			}
		}
		for _, want := range []string{"救救我的女儿", "张*明", "¥0.00", "¥300,000.00",
			`name="preset" value="10"`, `name="preset" value="50"`, `name="preset" value="200"`,
			`id="amount" name="amount" inputmode="decimal"`, `type="checkbox" id="anonymous" name="anonymous" value="1">`,
			`id="message" name="message" rows="3" maxlength="200"`, `name="s" value="share-token-1"`, `id="pay"`,
			`href="/rules/fees"`, html.EscapeString(i18n.T(i18n.ZH, "donate.no_fee")), i18n.T(i18n.ZH, "donate.risk")} {
			if !strings.Contains(body, want) {
				t.Errorf("the form lacks %s", want)
			}
		}
		noPersonalData(t, "the form", body)
		_, again, _ := d.dpDo(t, "", "GET", donateURL(d.id), nil)
		a, b := clientTokenRE.FindStringSubmatch(body), clientTokenRE.FindStringSubmatch(again)
		if a == nil || b == nil || a[1] == b[1] {
			t.Errorf("two renderings of the form carry client tokens %v and %v; want two different", a, b)
		}
	})
}

// TestDonateBadInput: each bad amount, and a message that names the
// patient, comes back with 422, the message next to its field, what was
// typed kept, and nothing stored.
func TestDonateBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		d := newDonationFixture(t, db)
		tests := []struct {
			name, amount, message, field string
		}{
			{"Zero", "0", "", "amount"},
			{"Negative", "-5", "", "amount"},
			{"Exponent", "1e9", "", "amount"},
			{"TooPrecise", "12.345", "", "amount"},
			{"OnlySign", "¥", "", "amount"},
			{"Empty", "", "", "amount"},
			{"OverMax", "50001", "", "amount"},
			{"PatientNamed", "50", "张小明小朋友加油", "message"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				form := d.dpForm(t, d.id, "")
				form.Set("amount", tt.amount)
				form.Set("message", tt.message)
				form.Set("anonymous", "1")
				st, body, _ := d.dpDo(t, "", "POST", donateURL(d.id), form)
				if st != http.StatusUnprocessableEntity {
					t.Fatalf("status %d, want 422\n%.500s", st, body)
				}
				if !strings.Contains(body, `id="`+tt.field+`-error"`) {
					t.Errorf("no message next to %s", tt.field)
				}
				for _, other := range []string{"amount", "message"} {
					if other != tt.field && strings.Contains(body, `id="`+other+`-error"`) {
						t.Errorf("a message next to %s too", other)
					}
				}
				if !strings.Contains(body, `value="`+html.EscapeString(tt.amount)+`"`) || !strings.Contains(body, `id="anonymous" name="anonymous" value="1" checked`) ||
					!strings.Contains(body, tt.message+"</textarea>") || !strings.Contains(body, `name="client_token" value="`+form.Get("client_token")+`"`) {
					t.Errorf("what was typed was lost:\n%s", body)
				}
				if n := d.orders(t); n != 0 {
					t.Errorf("%d orders stored", n)
				}
			})
		}
		// The reason the patient's name is refused is said.
		form := d.dpForm(t, d.id, "")
		form.Set("amount", "50")
		form.Set("message", "张小明加油")
		if _, body, _ := d.dpDo(t, "", "POST", donateURL(d.id), form); !strings.Contains(body, i18n.T(i18n.ZH, campaign.KeyRevealsIdentity)) {
			t.Errorf("the refusal of the message does not say why")
		}
		// A form without its client token is refused as a whole and comes
		// back with a fresh one.
		st, body, _ := d.dpDo(t, "", "POST", donateURL(d.id), url.Values{"amount": {"50"}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="form-message"`) || clientTokenRE.FindStringSubmatch(body) == nil ||
			clientTokenRE.FindStringSubmatch(body)[1] == "" {
			t.Errorf("a form without a client token: %d\n%.300s", st, body)
		}
		if n := d.orders(t); n != 0 {
			t.Errorf("%d orders stored", n)
		}
	})
}

// TestDonateTypedAmountWins: a typed amount wins over a chosen preset; a
// preset alone is the amount.
func TestDonateTypedAmountWins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		d := newDonationFixture(t, db)
		ctx := context.Background()
		for _, tt := range []struct {
			preset, typed string
			want          int64
		}{{"10", "50", 50_00}, {"20", "", 20_00}, {"", "12.30", 12_30}} {
			form := d.dpForm(t, d.id, "")
			form.Set("preset", tt.preset)
			form.Set("amount", tt.typed)
			st, _, h := d.dpDo(t, "", "POST", donateURL(d.id), form)
			if st != http.StatusSeeOther {
				t.Fatalf("preset %q, typed %q: status %d", tt.preset, tt.typed, st)
			}
			var got int64
			if err := db.Read(ctx, func(tx *store.Tx) error {
				return tx.QueryRowContext(ctx, "SELECT amount_fen FROM donation_orders WHERE client_token = $1", form.Get("client_token")).Scan(&got)
			}); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("preset %q, typed %q: ordered %d fen, want %d (went to %s)", tt.preset, tt.typed, got, tt.want, h.Get("Location"))
			}
		}
	})
}

// TestDonateToClosedRequest: a closed request answers the form and a
// submission with a page that says so and why, and stores nothing; a
// suspended or unknown request is not found; a request past its deadline is
// closed even before the job closes it.
func TestDonateToClosedRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		d := newDonationFixture(t, db)
		ctx := context.Background()
		closed, suspended, expired := d.fundraising(t), d.fundraising(t), d.fundraising(t)
		forms := map[int64]url.Values{}
		for _, id := range []int64{closed, suspended} {
			forms[id] = d.dpForm(t, id, "")
			forms[id].Set("amount", "50")
		}
		if err := db.Write(ctx, func(tx *store.Tx) error {
			if _, err := d.s.campaigns.Close(ctx, tx, closed, campaign.Closing{Reason: campaign.PurposeAchieved}, "已经康复出院", "staff:1"); err != nil {
				return err
			}
			_, err := d.s.campaigns.Apply(ctx, tx, suspended, campaign.Suspend, "staff:1", "investigation")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for _, method := range []string{"GET", "POST"} {
			st, body, _ := d.dpDo(t, "", method, donateURL(closed), forms[closed])
			if st != http.StatusConflict {
				t.Errorf("%s closed: status %d, want 409", method, st)
			}
			for _, want := range []string{`id="closed"`, i18n.T(i18n.ZH, "campaign.close.purpose_achieved"), "已经康复出院", `href="` + requestURL(closed) + `"`} {
				if !strings.Contains(body, want) {
					t.Errorf("%s closed: the page lacks %s", method, want)
				}
			}
			if strings.Contains(body, `id="pay"`) {
				t.Errorf("%s closed: the page offers to pay", method)
			}
			for _, target := range []string{donateURL(suspended), donateURL(999999), "/requests/x/donate", "/requests/0/donate"} {
				if st, _, _ := d.dpDo(t, "", method, target, forms[suspended]); st != http.StatusNotFound {
					t.Errorf("%s %s: status %d, want 404", method, target, st)
				}
			}
		}
		// Past the deadline: the public sees it closed, and so does the form.
		d.skew.Store(int64(campaign.DefaultPeriod + time.Hour))
		if st, body, _ := d.dpDo(t, "", "GET", donateURL(expired), nil); st != http.StatusConflict ||
			!strings.Contains(body, i18n.T(i18n.ZH, "campaign.close.period_ended")) {
			t.Errorf("past its deadline: status %d\n%.300s", st, body)
		}
		d.skew.Store(0)
		if n := d.orders(t); n != 0 {
			t.Errorf("%d orders stored for closed requests", n)
		}
	})
}

// TestDonateDoubleClick: the same form posted twice (a double-clicked Pay
// button) places one order and goes to one checkout (R-DON-1).
func TestDonateDoubleClick(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		d := newDonationFixture(t, db)
		form := d.dpForm(t, d.id, "")
		form.Set("preset", "100")
		var first string
		for i := range 2 {
			st, body, h := d.dpDo(t, "", "POST", donateURL(d.id), form)
			if st != http.StatusSeeOther {
				t.Fatalf("click %d: status %d\n%.300s", i+1, st, body)
			}
			loc := h.Get("Location")
			if !strings.HasPrefix(loc, d.url+"/sandbox/checkout/") {
				t.Fatalf("click %d went to %q, not the sandbox checkout", i+1, loc)
			}
			if i == 0 {
				first = loc
			} else if loc != first {
				t.Errorf("the second click went to %s, the first to %s", loc, first)
			}
		}
		if n := d.orders(t); n != 1 {
			t.Errorf("%d orders after a double click, want 1", n)
		}
		// Another rendering of the form is another donation.
		again := d.dpForm(t, d.id, "")
		again.Set("preset", "100")
		if _, _, h := d.dpDo(t, "", "POST", donateURL(d.id), again); h.Get("Location") == first {
			t.Errorf("a new form went to the first order's checkout")
		}
		if n := d.orders(t); n != 2 {
			t.Errorf("%d orders after a second form, want 2", n)
		}
	})
}

// TestDonateThroughSandbox: a signed-in donor gives anonymously through the
// sandbox's checkout; the receipt waits for the provider's confirmation,
// then shows the donation paid with its transaction and ledger entry, and
// nothing of the donor but "anonymous"; the platform still knows who paid
// (R-DON-2) while the public does not; the donor's list shows it.
func TestDonateThroughSandbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		d := newDonationFixture(t, db)
		ctx := context.Background()
		st, body, _ := d.dpDo(t, "user", "GET", donateURL(d.id), nil)
		if st != http.StatusOK {
			t.Fatalf("GET the form: %d", st)
		}
		token := clientTokenRE.FindStringSubmatch(body)[1]
		form := url.Values{"client_token": {token}, "preset": {"10"}, "amount": {"50"}, "anonymous": {"1"}, "message": {"早日康复"}, "agree": {"yes"}}
		for _, r := range ruleRE.FindAllStringSubmatch(body, -1) {
			form.Add("rule", r[1])
		}
		st, _, h := d.dpDo(t, "user", "POST", donateURL(d.id), form)
		checkout := h.Get("Location")
		if st != http.StatusSeeOther || !strings.HasPrefix(checkout, d.url+"/sandbox/checkout/") {
			t.Fatalf("POST the form: %d to %q", st, checkout)
		}
		var o donation.Order
		if err := db.Read(ctx, func(tx *store.Tx) error {
			var no string
			if err := tx.QueryRowContext(ctx, "SELECT order_no FROM donation_orders WHERE client_token = $1", token).Scan(&no); err != nil {
				return err
			}
			var err error
			o, err = donation.OrderByNo(ctx, tx, no)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		// R-DON-2: anonymous to the public, known to the platform.
		if !o.Anonymous || o.DonorUserID != d.userID || o.Amount != 50_00 || o.Message != "早日康复" {
			t.Fatalf("the order is %+v; want anonymous, ¥50, by user %d", o, d.userID)
		}
		receipt := receiptPath(o.OrderNo)

		// Before paying: pending, and the page reloads itself.
		st, body, _ = d.dpDo(t, "", "GET", receipt, nil)
		if st != http.StatusOK || !strings.Contains(body, `data-state="pending"`) || !strings.Contains(body, `<meta http-equiv="refresh" content="2">`) {
			t.Fatalf("the receipt before paying: %d\n%.500s", st, body)
		}

		// The sandbox's checkout page, as the donor's browser gets it.
		u, err := url.Parse(checkout)
		if err != nil {
			t.Fatal(err)
		}
		st, page, _ := d.dpDo(t, "", "GET", u.RequestURI(), nil)
		m := checkoutRE.FindStringSubmatch(page)
		if st != http.StatusOK || m == nil {
			t.Fatalf("the checkout page: %d\n%.500s", st, page)
		}
		st, _, h = d.dpDo(t, "", "POST", u.Path, url.Values{"t": {m[1]}, "action": {"pay"}})
		if st != http.StatusSeeOther || h.Get("Location") != d.url+receipt {
			t.Fatalf("paying: %d to %q, want the receipt", st, h.Get("Location"))
		}

		// The notification comes on its own; the receipt shows it.
		deadline := time.Now().Add(30 * time.Second)
		for {
			_, body, _ = d.dpDo(t, "", "GET", receipt, nil)
			if m := receiptRE.FindStringSubmatch(body); m != nil && m[1] == donation.StatePaid {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the receipt never showed the payment:\n%s", body)
			}
			time.Sleep(20 * time.Millisecond)
		}
		var rc donation.Receipt
		if err := db.Read(ctx, func(tx *store.Tx) error {
			rc, err = donation.ReceiptByOrder(ctx, tx, o.OrderNo)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`id="receipt-amount">¥50.00<`, i18n.T(i18n.ZH, "donate.receipt.anonymous"), o.OrderNo, rc.TransactionID,
			`id="receipt-entry">` + itoa(rc.EntryID) + `<`, i18n.T(i18n.ZH, "donate.receipt.custody"), "早日康复",
			`action="` + requestURL(d.id) + `/share"`, "救救我的女儿"} {
			if !strings.Contains(body, want) {
				t.Errorf("the paid receipt lacks %s", want)
			}
		}
		if rc.TransactionID == "" || rc.EntryID == 0 {
			t.Errorf("the receipt has no transaction or ledger entry: %+v", rc)
		}
		if strings.Contains(body, "http-equiv") {
			t.Errorf("the paid receipt still reloads itself")
		}
		if strings.Contains(body, "13800138000") || strings.Contains(body, "138****8000") {
			t.Errorf("the receipt shows the donor's phone number")
		}

		// The public sees an anonymous donation.
		var pub []donation.Public
		if err := db.Read(ctx, func(tx *store.Tx) error {
			pub, err = donation.Recent(ctx, tx, d.id, 10)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(pub) != 1 || pub[0].DonorUserID != 0 || !pub[0].Anonymous {
			t.Errorf("the public sees %+v", pub)
		}
		// The form shows what was raised.
		if _, form, _ := d.dpDo(t, "", "GET", donateURL(d.id), nil); !strings.Contains(form, `id="raised">¥50.00<`) {
			t.Errorf("the form does not show the ¥50.00 raised")
		}

		// The donor's own list.
		st, list, _ := d.dpDo(t, "user", "GET", "/my/donations", nil)
		if st != http.StatusOK {
			t.Fatalf("GET /my/donations: %d", st)
		}
		for _, want := range []string{`href="` + receipt + `"`, "¥50.00", `data-state="paid"`, i18n.T(i18n.ZH, "donate.state.paid"), "救救我的女儿"} {
			if !strings.Contains(list, want) {
				t.Errorf("my donations lacks %s", want)
			}
		}
		if st, _, h := d.dpDo(t, "", "GET", "/my/donations", nil); st != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/signin") {
			t.Errorf("my donations signed out: %d to %q", st, h.Get("Location"))
		}
	})
}

// TestDonationPages: a receipt that does not exist, or a malformed order
// number, is Not Found; the list of a donor who gave nothing says so.
func TestDonationPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		d := newDonationFixture(t, db)
		for _, no := range []string{"AAAAAAAAAAAAAAAAAAAAAAAA", "x", "..%2F..%2Fetc"} {
			if st, _, _ := d.dpDo(t, "", "GET", "/donations/"+no, nil); st != http.StatusNotFound {
				t.Errorf("GET /donations/%s: %d, want 404", no, st)
			}
		}
		st, body, _ := d.dpDo(t, "user", "GET", "/my/donations", nil)
		if st != http.StatusOK || !strings.Contains(body, `id="my-donations-none"`) {
			t.Errorf("an empty list: %d\n%.300s", st, body)
		}
	})
}
