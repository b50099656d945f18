package server

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// shGet fetches target with the cookies given ("name=value; ..."), in a
// browser of its own.
func (f *fixture) shGet(t *testing.T, target, cookies string) (*http.Response, string) {
	t.Helper()
	var header []string
	if cookies != "" {
		header = []string{"Cookie", cookies}
	}
	resp := do(f.s.Handler(), "GET", target, nil, header...)
	return resp, readBody(t, resp)
}

// shShare makes a share link of request id as the session token's user
// ("" for a visitor) and returns the token and the response.
func (f *fixture) shShare(t *testing.T, id int64, session string) (string, *http.Response) {
	t.Helper()
	var header []string
	if session != "" {
		header = []string{"Cookie", userCookie + "=" + session}
	}
	resp := do(f.s.Handler(), "POST", requestURL(id)+"/share", nil, header...)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST share: %d %s", resp.StatusCode, readBody(t, resp))
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	token := loc.Query().Get("s")
	if loc.Path != requestURL(id) || loc.Query().Get("shared") != "1" || validShareToken(token) == "" {
		t.Fatalf("share redirects to %s", loc)
	}
	return token, resp
}

// seenSet returns the cookie that marks token's visit counted, if resp set it.
func seenSet(resp *http.Response, token string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == seenCookie+token {
			return c
		}
	}
	return nil
}

var shCounts = regexp.MustCompile(`<p id="share-counts">([^<]*)</p>`)

// TestShareLink: sharing makes a link whose page shows it to copy, with
// what it brought; a visit by it counts once per browser and day (a
// cookie), the sharer's own first look not at all; a donation through it
// counts for it and credits the request's account only (R-REF-3); an
// unknown token, or one of another request, is ignored.
func TestShareLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.publish(t, testFiling(), 0)
		sharerSession, sharer := f.signInUser(t, "13900139001")

		token, resp := f.shShare(t, id, sharerSession)
		own := seenSet(resp, token)
		if own == nil {
			t.Fatal("sharing sets no cookie: the sharer's own look would count as a visit")
		}
		if !own.HttpOnly || own.SameSite != http.SameSiteLaxMode || own.Path != requestURL(id) || own.MaxAge <= 0 || own.MaxAge > 24*3600 {
			t.Errorf("seen cookie %+v: want HttpOnly, SameSite=Lax, the request's path, until midnight", own)
		}
		link := f.s.publicURL + requestURL(id) + "?s=" + token
		shared := requestURL(id) + "?s=" + token + "&shared=1"
		_, body := f.shGet(t, shared, own.Name+"=1")
		for _, want := range []string{
			`<input id="share-link" readonly value="` + html.EscapeString(link) + `">`,
			`<p id="share-counts">` + i18n.T(i18n.ZH, "public.share.counts", 0, 0, "¥0.00") + `</p>`,
			`href="` + html.EscapeString(requestURL(id)+"/donate?s="+token) + `"`,
			i18n.T(i18n.ZH, "public.share.no_pay"),
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the sharer's page lacks %s", want)
			}
		}

		// A friend opens the link twice the same day: one visit.
		resp, body = f.shGet(t, requestURL(id)+"?s="+token, "")
		seen := seenSet(resp, token)
		if seen == nil {
			t.Fatal("the first visit sets no cookie")
		}
		if !strings.Contains(body, `href="`+html.EscapeString(requestURL(id)+"/donate?s="+token)+`"`) {
			t.Error("the donate button does not carry the share token")
		}
		if strings.Contains(body, `id="share-link"`) {
			t.Error("a visitor by the link sees the sharer's panel without asking")
		}
		resp, _ = f.shGet(t, requestURL(id)+"?s="+token, seen.Name+"="+seen.Value)
		if seenSet(resp, token) != nil {
			t.Error("the second visit sets the cookie again")
		}
		// Another friend, another browser: a second visit.
		f.shGet(t, requestURL(id)+"?s="+token, "")

		// One gives through the link, another directly.
		f.ppGive(t, id, ppDonation{amount: "66.6", share: token})
		f.ppGive(t, id, ppDonation{amount: "10"})

		_, body = f.shGet(t, shared, own.Name+"=1")
		m := shCounts.FindStringSubmatch(body)
		if want := i18n.T(i18n.ZH, "public.share.counts", 2, 1, "¥66.60"); m == nil || m[1] != want {
			t.Errorf("share counts %v, want %q", m, want)
		}
		// Whoever holds the token sees the counts, and nobody's name.
		if strings.Contains(body, "139****9001") || strings.Contains(body, "13900139001") {
			t.Error("the share's page names its sharer")
		}

		// R-REF-3: the donation through the share went to the request's
		// account, the other side being the provider's; the sharer has
		// no account in the ledger and nothing was posted elsewhere.
		var accounts []string
		if err := db.Read(context.Background(), func(tx *store.Tx) error {
			rows, err := tx.QueryContext(context.Background(), `SELECT DISTINCT a.name FROM ledger_postings p
				JOIN ledger_accounts a ON a.id = p.account_id ORDER BY a.name`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var name string
				if err := rows.Scan(&name); err != nil {
					return err
				}
				accounts = append(accounts, name)
			}
			return rows.Err()
		}); err != nil {
			t.Fatal(err)
		}
		if want := []string{"psp:sandbox", "request:" + strconv.FormatInt(id, 10)}; !slices.Equal(accounts, want) {
			t.Errorf("ledger accounts posted to: %v, want %v (sharer %d)", accounts, want, sharer)
		}
		if b, err := f.s.ledger.Balance(context.Background(), "request:"+strconv.FormatInt(id, 10)); err != nil || b != 76_60 {
			t.Errorf("the request's account: %s, %v; want 76.60", b, err)
		}

		// A visitor may share too; an unknown token or one of another
		// request is ignored: no cookie, no token on the button, no panel.
		guestToken, _ := f.shShare(t, id, "")
		otherFiling := testFiling()
		otherFiling.PatientName, otherFiling.PatientID = "李四海", "110105198001010016"
		other := f.publish(t, otherFiling, 0)
		otherToken, _ := f.shShare(t, other, "")
		for _, bad := range []string{"NoSuchShareTokn1", otherToken, "short", "<script>alert(1)", guestToken[:15] + "!"} {
			resp, body := f.shGet(t, requestURL(id)+"?"+url.Values{"s": {bad}, "shared": {"1"}}.Encode(), "")
			if resp.StatusCode != http.StatusOK {
				t.Errorf("?s=%s: %d", bad, resp.StatusCode)
			}
			if len(resp.Cookies()) != 0 || strings.Contains(body, "donate?s=") || strings.Contains(body, `id="share-link"`) {
				t.Errorf("?s=%s is not ignored", bad)
			}
		}
		_, body = f.shGet(t, requestURL(other)+"?s="+otherToken+"&shared=1", "")
		if m := shCounts.FindStringSubmatch(body); m == nil || m[1] != i18n.T(i18n.ZH, "public.share.counts", 1, 0, "¥0.00") {
			t.Errorf("the other request's share: %v", m)
		}
	})
}

// TestShareOnlyPublic: a request the public cannot see cannot be shared.
func TestShareOnlyPublic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		inReview := f.inReview(t, f.userID, testFiling())
		for _, id := range []int64{inReview, 99999} {
			resp := do(f.s.Handler(), "POST", requestURL(id)+"/share", nil)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("sharing request %d: %d, want 404", id, resp.StatusCode)
			}
		}
		var n int
		if err := db.Read(context.Background(), func(tx *store.Tx) error {
			return tx.QueryRowContext(context.Background(), "SELECT count(*) FROM shares").Scan(&n)
		}); err != nil || n != 0 {
			t.Errorf("%d shares stored, %v", n, err)
		}
	})
}

// TestRequesterSources: the publisher's page of their request shows what
// it raised and where support came from: their own share, another signed-in
// sharer's (masked), a visitor's, and the donations by no link.
func TestRequesterSources(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.publish(t, testFiling(), 0)
		friendSession, _ := f.signInUser(t, "13900139001")

		mine, _ := f.shShare(t, id, f.user)
		friends, _ := f.shShare(t, id, friendSession)
		guests, _ := f.shShare(t, id, "")
		f.shShare(t, id, "") // brings nothing: not listed
		for _, tok := range []string{friends, friends, guests} {
			f.shGet(t, requestURL(id)+"?s="+tok, "")
		}
		f.ppGive(t, id, ppDonation{amount: "200", share: friends})
		f.ppGive(t, id, ppDonation{amount: "100", share: mine})
		f.ppGive(t, id, ppDonation{amount: "5", share: guests})
		f.ppGive(t, id, ppDonation{amount: "1"})
		f.ppGive(t, id, ppDonation{amount: "2"})

		resp := f.as("user", "GET", "/my/requests/"+strconv.FormatInt(id, 10), nil)
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET the publisher's page: %d", resp.StatusCode)
		}
		if want := `<p id="support-totals">` + i18n.T(i18n.ZH, "support.raised", "¥308.00", "¥300,000.00", 5) + `</p>`; !strings.Contains(body, want) {
			t.Errorf("the page lacks %s", want)
		}
		rows := regexp.MustCompile(`<tr(?: id="source-direct")?><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>`).FindAllStringSubmatch(body, -1)
		var got []string
		for _, r := range rows {
			got = append(got, html.UnescapeString(strings.Join(r[1:], "|")))
		}
		want := []string{
			i18n.T(i18n.ZH, "support.sharer", "139****9001") + "|2|1|¥200.00",
			i18n.T(i18n.ZH, "support.you") + "|0|1|¥100.00",
			i18n.T(i18n.ZH, "support.guest") + "|1|1|¥5.00",
			i18n.T(i18n.ZH, "support.direct") + "|–|2|¥3.00",
		}
		if !slices.Equal(got, want) {
			t.Errorf("sources:\n got %q\nwant %q", got, want)
		}
		if strings.Contains(body, "13900139001") {
			t.Error("the publisher sees a sharer's full phone number")
		}

		// Another user's request page is not theirs to see.
		other := do(f.s.Handler(), "GET", "/my/requests/"+strconv.FormatInt(id, 10), nil, "Cookie", userCookie+"="+friendSession)
		if other.StatusCode == http.StatusOK {
			t.Errorf("another user sees the publisher's page: %d", other.StatusCode)
		}
	})
}
