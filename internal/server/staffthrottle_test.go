package server

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// R-ACC-2: the staff sign-in page, after too many failures from one address
// (any usernames), answers 429 "try again later" in the reader's language,
// whatever the username; another address still gets the ordinary answer.
func TestStaffSignInThrottledPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		post := func(addr, lang, username string) (*http.Response, string) {
			form := url.Values{"username": {username}, "password": {"wrong password!!"}, "totp": {"000000"}}
			req := httptest.NewRequest("POST", "/staff/signin", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(&http.Cookie{Name: "lang", Value: lang})
			req.Header.Set("Accept-Language", lang)
			req.RemoteAddr = addr + ":5000"
			rec := httptest.NewRecorder()
			f.s.Handler().ServeHTTP(rec, req)
			return rec.Result(), rec.Body.String()
		}
		for i := range staff.AddrLimit.N {
			name := "nobody"
			if i%2 == 0 {
				name = "u-finance"
			}
			if resp, _ := post("198.51.100.20", "en", name); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d, want 401", i+1, resp.StatusCode)
			}
		}
		for _, lang := range i18n.Langs {
			for _, name := range []string{"u-finance", "nobody"} {
				resp, page := post("198.51.100.20", string(lang), name)
				if want := i18n.T(lang, "staff.signin_throttled"); resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(page, want) {
					t.Errorf("%s, %s: %d, want 429 with %q", lang, name, resp.StatusCode, want)
				}
			}
		}
		if resp, _ := post("203.0.113.20", "en", "u-finance"); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("another address: %d, want 401", resp.StatusCode)
		}
	})
}
