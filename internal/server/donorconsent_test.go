package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/rules"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// consentsOf returns the consents recorded for subject.
func consentsOf(t *testing.T, db *store.DB, subject string) []rules.Consent {
	t.Helper()
	ctx := context.Background()
	var out []rules.Consent
	if err := db.Read(ctx, func(tx *store.Tx) (err error) {
		out, err = rules.Consents(ctx, tx, subject)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// allConsents counts every consent recorded.
func allConsents(t *testing.T, db *store.DB) int {
	t.Helper()
	ctx := context.Background()
	var n int
	if err := db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM rules_consents").Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// orderByToken returns the order placed with a client token.
func orderByToken(t *testing.T, db *store.DB, token string) donation.Order {
	t.Helper()
	ctx := context.Background()
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
	return o
}

// newMajorVersion puts a new major version of k in force, drafted and
// reported by one staff member and brought into force by another, and
// returns its id.
func newMajorVersion(t *testing.T, db *store.DB, k rules.Kind) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	texts := func(zh, en string) map[i18n.Lang]string { return map[i18n.Lang]string{i18n.ZH: zh, i18n.EN: en} }
	if err := db.Write(ctx, func(tx *store.Tx) error {
		v, err := rules.Draft(ctx, tx, k, true, texts("新版", "New version"), texts("## 新条款\n\n正文。", "## New terms\n\nText."),
			texts("改变了权利义务", "Changes rights and duties"), "staff:1")
		if err != nil {
			return err
		}
		if _, err := rules.RecordReport(ctx, tx, v.ID, tx.Now, "民政备〔2026〕99号", "staff:1"); err != nil {
			return err
		}
		_, err = rules.MakeEffective(ctx, tx, v.ID, "staff:2")
		id = v.ID
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

var checkedRE = regexp.MustCompile(`<input[^>]*\schecked`)

// TestDonorAgreesBeforeFirstDonation: before a first donation the form
// shows the donation terms (the service agreement, the fee standard, the
// fund use and refund rules), each linked to its version in force, with an
// unticked box and nothing else chosen; a form sent without the tick comes
// back with the error next to the box, what was typed kept, and nothing
// stored. A donor without an account has the agreement recorded against
// the order, in the order's transaction (its time); a signed-in donor
// against themselves, and is not asked again while the versions stay in
// force; after a major change, asked again, and a form that showed the old
// version is refused (R-RULES-2).
func TestDonorAgreesBeforeFirstDonation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		d := newDonationFixture(t, db)
		want := donorRules(t, d.s)

		// R-RULES-2, R-FEE-1: the terms, each version linked, nothing ticked.
		st, page, _ := d.dpDo(t, "", "GET", donateURL(d.id), nil)
		if st != http.StatusOK {
			t.Fatalf("GET the form: %d", st)
		}
		if !strings.Contains(page, `id="agree" name="agree" value="yes"`) || checkedRE.MatchString(page) {
			t.Fatalf("the form does not ask with an unticked box:\n%s", page)
		}
		// R-FEE-1: the donor chooses every input there is, and none is a
		// fee, a tip or another product.
		formHTML := page[strings.Index(page, `id="donate-form"`):]
		formHTML = formHTML[:strings.Index(formHTML, "</form>")]
		for _, m := range regexp.MustCompile(`<(?:input|select|textarea)[^>]*\sname="([^"]+)"`).FindAllStringSubmatch(formHTML, -1) {
			if !slices.Contains([]string{"s", "client_token", "preset", "amount", "anonymous", "message", "rule", "agree"}, m[1]) {
				t.Errorf("the form has a field %q", m[1])
			}
		}
		for _, bad := range []string{"保险", "小费", "打赏", "手续费", "<select"} {
			if strings.Contains(page, bad) {
				t.Errorf("the form offers %q", bad)
			}
		}
		for i, k := range donation.ConsentKinds {
			if !strings.Contains(page, `href="/rules/`+string(k)+`/versions/`+itoa(want[i])+`"`) ||
				!strings.Contains(page, `name="rule" value="`+itoa(want[i])+`"`) {
				t.Errorf("the form does not show version %d of %s", want[i], k)
			}
		}

		// R-RULES-2: no tick, no order; the form comes back as typed.
		form := d.dpForm(t, d.id, "")
		form.Del("agree")
		form.Set("amount", "30")
		form.Set("message", "早日康复")
		form.Set("anonymous", "1")
		st, back, _ := d.dpDo(t, "", "POST", donateURL(d.id), form)
		if st != http.StatusUnprocessableEntity || !strings.Contains(back, `id="agree-error"`) ||
			!strings.Contains(back, i18n.T(i18n.ZH, "rules.consent_required")) {
			t.Fatalf("a form without the tick: %d\n%.2000s", st, back)
		}
		if !strings.Contains(back, `value="30"`) || !strings.Contains(back, "早日康复</textarea>") ||
			!strings.Contains(back, `id="anonymous" name="anonymous" value="1" checked`) {
			t.Errorf("what was typed was lost")
		}
		if regexp.MustCompile(`id="agree"[^>]*checked`).MatchString(back) {
			t.Errorf("the box came back ticked")
		}
		// Any value but a tick is no agreement.
		form.Set("agree", "no")
		if st, _, _ := d.dpDo(t, "", "POST", donateURL(d.id), form); st != http.StatusUnprocessableEntity {
			t.Errorf("agree=no: %d, want 422", st)
		}
		if n := d.orders(t); n != 0 {
			t.Errorf("%d orders stored without agreement", n)
		}
		if n := allConsents(t, db); n != 0 {
			t.Errorf("%d consents stored without agreement", n)
		}

		// R-RULES-2: ticked, without an account: recorded against the order,
		// with its versions, at the order's time, nothing personal.
		form.Set("agree", "yes")
		if st, _, _ := d.dpDo(t, "", "POST", donateURL(d.id), form); st != http.StatusSeeOther {
			t.Fatalf("a ticked form: %d", st)
		}
		o := orderByToken(t, db, form.Get("client_token"))
		cs := consentsOf(t, db, "order:"+o.OrderNo)
		if len(cs) != len(want) {
			t.Fatalf("the order has %d consents, want %d: %+v", len(cs), len(want), cs)
		}
		for _, c := range cs {
			if !slices.Contains(want, c.VersionID) || !c.At.Equal(o.CreatedAt) || c.Source != "web" {
				t.Errorf("consent %+v; want one of %v at the order's time %v from the web", c, want, o.CreatedAt)
			}
		}

		// R-RULES-2: a signed-in donor agrees once, recorded against them.
		user := "user:" + itoa(d.userID)
		st, page, _ = d.dpDo(t, "user", "GET", donateURL(d.id), nil)
		if st != http.StatusOK || !strings.Contains(page, `id="agree"`) || strings.Contains(page, `id="agreed"`) {
			t.Fatalf("a signed-in donor who never agreed is not asked: %d", st)
		}
		form = url.Values{"client_token": {clientTokenRE.FindStringSubmatch(page)[1]}, "amount": {"20"}, "agree": {"yes"}}
		for _, m := range ruleRE.FindAllStringSubmatch(page, -1) {
			form.Add("rule", m[1])
		}
		if st, _, _ := d.dpDo(t, "user", "POST", donateURL(d.id), form); st != http.StatusSeeOther {
			t.Fatalf("the signed-in donor's ticked form: %d", st)
		}
		o = orderByToken(t, db, form.Get("client_token"))
		cs = consentsOf(t, db, user)
		if len(cs) != len(want) || !cs[0].At.Equal(o.CreatedAt) {
			t.Fatalf("the donor has consents %+v; want %d at %v", cs, len(want), o.CreatedAt)
		}
		if n := len(consentsOf(t, db, "order:"+o.OrderNo)); n != 0 {
			t.Errorf("a signed-in donor's agreement was also recorded against the order (%d)", n)
		}
		// Not asked again: the page says when and to what.
		st, page, _ = d.dpDo(t, "user", "GET", donateURL(d.id), nil)
		if st != http.StatusOK || strings.Contains(page, `id="agree"`) || !strings.Contains(page, `id="agreed"`) ||
			!strings.Contains(page, `href="/rules/funds-refunds/versions/`+itoa(want[2])+`"`) {
			t.Fatalf("a donor who agreed is asked again, or not told:\n%s", page)
		}
		// The account page lists the agreements and asks about nothing
		// the donor never agreed to (the publishing rules).
		if st, acct, _ := d.dpDo(t, "user", "GET", "/account", nil); st != http.StatusOK || strings.Contains(acct, `id="reconsent"`) {
			t.Errorf("the account page of a donor who agreed asks again: %d", st)
		}
		form = url.Values{"client_token": {clientTokenRE.FindStringSubmatch(page)[1]}, "amount": {"21"}}
		if st, _, _ := d.dpDo(t, "user", "POST", donateURL(d.id), form); st != http.StatusSeeOther {
			t.Fatalf("a second donation by a donor who agreed: %d", st)
		}

		// R-RULES-2: a major change asks again. A form opened before the
		// change and sent after it is refused, next to the box.
		stale := d.dpForm(t, d.id, "")
		stale.Set("amount", "40")
		if st, page, _ = d.dpDo(t, "user", "GET", donateURL(d.id), nil); st != http.StatusOK {
			t.Fatalf("GET the form: %d", st)
		}
		staleUser := url.Values{"client_token": {clientTokenRE.FindStringSubmatch(page)[1]}, "amount": {"22"}}
		orders := d.orders(t)
		fees := newMajorVersion(t, db, rules.Fees)
		for name, who := range map[string]string{"": "anonymous", "user": "signed in"} {
			f := stale
			if name == "user" {
				f = staleUser
			}
			st, back, _ := d.dpDo(t, name, "POST", donateURL(d.id), f)
			if st != http.StatusUnprocessableEntity || !strings.Contains(back, `id="agree-error"`) ||
				!strings.Contains(back, `name="rule" value="`+itoa(fees)+`"`) {
				t.Errorf("%s: a form sent after the fees changed: %d\n%.1500s", who, st, back)
			}
		}
		if st, back, _ := d.dpDo(t, "", "POST", donateURL(d.id), stale); !strings.Contains(back, i18n.T(i18n.ZH, "rules.changed")) {
			t.Errorf("the refusal of a stale agreement does not say the rules changed: %d", st)
		}
		if n := d.orders(t); n != orders {
			t.Errorf("%d orders stored by stale forms", n-orders)
		}
		// The signed-in donor is asked about the new fee standard only.
		st, page, _ = d.dpDo(t, "user", "GET", donateURL(d.id), nil)
		if got := ruleRE.FindAllStringSubmatch(page, -1); st != http.StatusOK || len(got) != 1 || got[0][1] != itoa(fees) {
			t.Fatalf("after the change the donor is asked about %v, want only %d", got, fees)
		}
		form = url.Values{"client_token": {clientTokenRE.FindStringSubmatch(page)[1]}, "amount": {"23"}, "agree": {"yes"}, "rule": {itoa(fees)}}
		if st, _, _ := d.dpDo(t, "user", "POST", donateURL(d.id), form); st != http.StatusSeeOther {
			t.Fatalf("agreeing to the new version: %d", st)
		}
		cs = consentsOf(t, db, user)
		if last := cs[len(cs)-1]; last.VersionID != fees || last.Major != 2 {
			t.Errorf("the new agreement is %+v; want version %d (2.0)", last, fees)
		}
	})
}

// TestDonationAPIAgreement: the API takes the agreement as agree_rules;
// missing or naming a version since replaced, it is a 422 problem naming
// agree_rules and nothing is stored; given, it is recorded against the
// order (R-RULES-2).
func TestDonationAPIAgreement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newPayEnv(t, db, payOptions{})
		id := e.fundraising(t, 0)
		path := "/api/v1/requests/" + itoa(id) + "/donations"
		ctx := context.Background()
		orders := func() int {
			var n int
			if err := db.Read(ctx, func(tx *store.Tx) error {
				return tx.QueryRowContext(ctx, "SELECT count(*) FROM donation_orders").Scan(&n)
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		names := func(out map[string]any) []string {
			var got []string
			errs, _ := out["errors"].([]any)
			for _, x := range errs {
				if m, ok := x.(map[string]any); ok {
					got = append(got, m["field"].(string))
				}
			}
			return got
		}
		old := donorRules(t, e.s)
		for name, body := range map[string]map[string]any{
			"missing":  {"amount": "10", "client_token": newClientToken()},
			"empty":    {"amount": "10", "client_token": newClientToken(), "agree_rules": []int64{}},
			"partial":  {"amount": "10", "client_token": newClientToken(), "agree_rules": old[:2]},
			"unknown":  {"amount": "10", "client_token": newClientToken(), "agree_rules": []int64{999999}},
			"too_many": {"amount": "10", "client_token": newClientToken(), "agree_rules": make([]int64, 50)},
		} {
			st, out := e.apiCall(t, "POST", path, body, "")
			if st != http.StatusUnprocessableEntity || !slices.Contains(names(out), donation.FieldAgree) {
				t.Errorf("%s: %d %v; want 422 naming %s", name, st, out, donation.FieldAgree)
			}
		}
		newMajorVersion(t, db, rules.FundsRefunds)
		st, out := e.apiCall(t, "POST", path, map[string]any{"amount": "10", "client_token": newClientToken(), "agree_rules": old}, "")
		if st != http.StatusUnprocessableEntity || !slices.Contains(names(out), donation.FieldAgree) {
			t.Errorf("a stale agreement: %d %v; want 422 naming %s", st, out, donation.FieldAgree)
		}
		if n := orders(); n != 0 {
			t.Errorf("%d orders stored without a current agreement", n)
		}
		if n := allConsents(t, db); n != 0 {
			t.Errorf("%d consents stored", n)
		}
		current := donorRules(t, e.s)
		st, out = e.apiCall(t, "POST", path, map[string]any{"amount": "10", "client_token": newClientToken(), "agree_rules": current}, "")
		no, _ := out["order_no"].(string)
		if st != http.StatusCreated || no == "" {
			t.Fatalf("a current agreement: %d %v", st, out)
		}
		cs := consentsOf(t, db, "order:"+no)
		if len(cs) != len(current) {
			t.Fatalf("the order has %d consents, want %d", len(cs), len(current))
		}
		for _, c := range cs {
			if !slices.Contains(current, c.VersionID) || c.Source != "api" {
				t.Errorf("consent %+v; want one of %v from the API", c, current)
			}
		}
	})
}
