package server

import (
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

var (
	navBar  = regexp.MustCompile(`(?s)<nav class="console" id="console-nav"[^>]*>(.*?)</nav>`)
	navLink = regexp.MustCompile(`<a href="([^"]+)"( aria-current="page")?>`)
)

// navOf returns the links of the console's navigation bar in a page, and
// the one marked as the screen in use; ok is false when there is no bar.
func navOf(body string) (links []string, current string, ok bool) {
	m := navBar.FindStringSubmatch(body)
	if m == nil {
		return nil, "", false
	}
	for _, l := range navLink.FindAllStringSubmatch(m[1], -1) {
		links = append(links, l[1])
		if l[2] != "" {
			current = l[1]
		}
	}
	return links, current, true
}

// TestConsoleNavigation checks, for each role, that the console's bar shows
// exactly the screens the role may open, on every screen it shows, with the
// screen in use marked; and that the public never sees it (R-STAFF-1: least
// privilege, the console shows no more than the role may do).
func TestConsoleNavigation(t *testing.T) {
	want := map[staff.Role][]string{
		staff.Reviewer:   {"/staff", "/staff/review", "/staff/patrol", "/staff/content", "/staff/charities", "/staff/terminations", "/staff/approvals"},
		staff.Finance:    {"/staff", "/staff/payouts", "/staff/charity-pay", "/staff/hospitals", "/staff/bank", "/staff/custody", "/staff/reconcile", "/staff/refunds", "/staff/terminations", "/staff/wind-down", "/staff/approvals", "/staff/reports"},
		staff.Complaints: {"/staff", "/staff/complaints", "/staff/complaint-calendar", "/staff/approvals"},
		staff.Admin: {"/staff", "/staff/content", "/staff/payouts", "/staff/charities", "/staff/charity-pay", "/staff/hospitals", "/staff/bank", "/staff/custody", "/staff/reconcile", "/staff/refunds",
			"/staff/terminations", "/staff/complaints", "/staff/complaint-calendar", "/staff/wind-down", "/staff/approvals", "/staff/members", "/staff/rules", "/staff/reports", "/staff/retention"},
		staff.Auditor: {"/staff", "/staff/payouts", "/staff/charity-pay", "/staff/hospitals", "/staff/bank", "/staff/custody", "/staff/reconcile", "/staff/refunds", "/staff/terminations",
			"/staff/complaints", "/staff/complaint-calendar", "/staff/wind-down", "/staff/approvals",
			"/staff/members", "/staff/rules", "/staff/audit", "/staff/reports", "/staff/incidents", "/staff/retention", "/staff/conformance"},
		staff.SecurityAdmin: {"/staff", "/staff/approvals", "/staff/members", "/staff/audit", "/staff/incidents"},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		// The console's screens: its GET routes without path values, but
		// signing in and the member's own password page.
		var screens []string
		for _, rt := range f.s.routes() {
			url, ok := strings.CutPrefix(rt.pattern, "GET ")
			if ok && (url == "/staff" || strings.HasPrefix(url, "/staff/")) && !strings.ContainsAny(url, "{$") &&
				url != "/staff/signin" && url != "/staff/password" {
				screens = append(screens, url)
			}
		}
		if len(screens) < 9 {
			t.Fatalf("found only the screens %v", screens)
		}
		for _, role := range staff.Roles {
			t.Run(string(role), func(t *testing.T) {
				resp := f.as(string(role), "GET", "/staff", nil)
				body, _ := io.ReadAll(resp.Body)
				links, current, ok := navOf(string(body))
				if !ok {
					t.Fatalf("GET /staff: no navigation bar")
				}
				if !slices.Equal(links, want[role]) {
					t.Errorf("the bar shows %v, want %v", links, want[role])
				}
				if current != "/staff" {
					t.Errorf("the bar marks %q as the screen in use, want /staff", current)
				}
				// Every screen the role may open is in the bar, and the bar
				// is on it; every other screen is refused.
				for _, url := range screens {
					resp := f.as(string(role), "GET", url, nil)
					body, _ := io.ReadAll(resp.Body)
					shown := slices.Contains(links, url)
					switch {
					case shown && resp.StatusCode != http.StatusOK:
						t.Errorf("GET %s: %d, but the bar links to it", url, resp.StatusCode)
					case !shown && resp.StatusCode != http.StatusForbidden:
						t.Errorf("GET %s: %d, but the bar does not link to it", url, resp.StatusCode)
					case shown:
						got, cur, ok := navOf(string(body))
						if !ok || !slices.Equal(got, links) || cur != url {
							t.Errorf("GET %s: the bar shows %v marking %q, want %v marking %s", url, got, cur, links, url)
						}
					}
				}
			})
		}
		for _, who := range []string{"", "user"} {
			resp := f.as(who, "GET", "/", nil)
			body, _ := io.ReadAll(resp.Body)
			if _, _, ok := navOf(string(body)); ok {
				t.Errorf("the home page shows %q the console's bar", who)
			}
		}
	})
}
