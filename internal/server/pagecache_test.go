package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestPageCache checks the micro-cache of public request pages: a reader
// without a session or share link may get the page as it was up to the
// cache's ttl ago; a change made through the server shows at once; readers
// with a session or a share link always get it fresh.
func TestPageCache(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.publish(t, testFiling(), 0)
		now := f.s.now()
		f.s.now = func() time.Time { return now }
		f.s.pageCache.ttl = time.Second
		raised := func(body string) string {
			_, rest, _ := strings.Cut(body, `<strong id="raised">`)
			v, _, _ := strings.Cut(rest, "<")
			return v
		}
		anonymous := func() string {
			t.Helper()
			status, body, _ := f.get(t, requestURL(id))
			if status != http.StatusOK {
				t.Fatalf("GET %s: %d", requestURL(id), status)
			}
			return raised(body)
		}
		if got := anonymous(); got != "¥0.00" {
			t.Fatalf("raised %q before any donation", got)
		}

		// A donation through the payment path does not empty the cache:
		// the totals may lag by the ttl.
		f.ppGive(t, id, ppDonation{amount: "100"})
		if got := anonymous(); got != "¥0.00" {
			t.Errorf("raised %q within the ttl; want the kept page, ¥0.00", got)
		}
		// A reader with a share link (even a bad one) or a session is
		// never served the kept page.
		if _, body, _ := f.get(t, requestURL(id)+"?s=nosuchtoken"); raised(body) != "¥100.00" {
			t.Errorf("with ?s=, raised %q; want ¥100.00", raised(body))
		}
		req, _ := http.NewRequest(http.MethodGet, requestURL(id), nil)
		req.AddCookie(&http.Cookie{Name: userCookie, Value: f.user})
		if body := readBody(t, doReq(f.s.Handler(), req)); raised(body) != "¥100.00" {
			t.Errorf("signed in, raised %q; want ¥100.00", raised(body))
		}

		// Past the ttl the page is rendered anew.
		now = now.Add(time.Second)
		if got := anonymous(); got != "¥100.00" {
			t.Errorf("raised %q past the ttl; want ¥100.00", got)
		}

		// A change by the publisher (or staff) shows at once; a request
		// anyone can send, even one that fails, changes nothing.
		f.ppGive(t, id, ppDonation{amount: "50"})
		do(f.s.Handler(), http.MethodPost, "/no/such/page", nil)
		do(f.s.Handler(), http.MethodPost, "/my/requests/999999/updates", strings.NewReader("body=x"),
			"Content-Type", "application/x-www-form-urlencoded", "Cookie", userCookie+"="+f.user)
		if got := anonymous(); got != "¥100.00" {
			t.Errorf("raised %q after refused requests, within the ttl; want the kept ¥100.00", got)
		}
		update := "今天开始第二轮化疗，谢谢大家。"
		resp := do(f.s.Handler(), http.MethodPost, "/my"+requestURL(id)+"/updates", strings.NewReader("body="+update),
			"Content-Type", "application/x-www-form-urlencoded", "Cookie", userCookie+"="+f.user)
		if resp.StatusCode >= 400 {
			t.Fatalf("posting an update: %d %s", resp.StatusCode, readBody(t, resp))
		}
		_, body, _ := f.get(t, requestURL(id))
		if raised(body) != "¥150.00" || !strings.Contains(body, update) {
			t.Errorf("after the publisher's update, raised %q (want ¥150.00), update shown: %v", raised(body),
				strings.Contains(body, update))
		}
	})
}

func doReq(h http.Handler, req *http.Request) *http.Response {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}
