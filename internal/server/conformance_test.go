package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/conformance"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestConformancePage: the auditor console lists every rule of the
// requirements with its source, what carefund does and the tests that
// prove it, and the pending rules as not yet proven; only the auditor
// opens it, read-only.
func TestConformancePage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		m, err := conformance.Embedded()
		if err != nil {
			t.Fatal(err)
		}
		rules, err := conformance.ParseRules(conformance.Requirements)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Entries) != len(rules) {
			t.Fatalf("the embedded matrix has %d rules, the requirements %d", len(m.Entries), len(rules))
		}
		resp := f.as(string(staff.Auditor), "GET", "/staff/conformance", nil)
		page := body(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("the auditor: %d\n%s", resp.StatusCode, page)
		}
		for _, e := range m.Entries {
			i := strings.Index(page, `<li id="`+e.ID+`" class="rule">`)
			if i < 0 {
				t.Errorf("%s is not on the page", e.ID)
				continue
			}
			li := page[i:]
			li = li[:strings.Index(li, "</li>\n")]
			if !strings.Contains(li, e.Source) {
				t.Errorf("%s: no source %q", e.ID, e.Source)
			}
			for _, tt := range e.Tests {
				if !strings.Contains(li, "<code>"+tt.String()+"</code>") {
					t.Errorf("%s: the test %s is not listed", e.ID, tt)
				}
			}
			if len(e.Tests) == 0 && !strings.Contains(li, `<span class="pending">尚未证明（`+e.Pending+` 交付）`) {
				t.Errorf("%s: not shown as pending (%s)", e.ID, e.Pending)
			}
		}
		for _, role := range []staff.Role{staff.Reviewer, staff.Finance, staff.Admin, staff.SecurityAdmin, staff.Complaints} {
			if resp := f.as(string(role), "GET", "/staff/conformance", nil); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s: %d, want 403", role, resp.StatusCode)
			}
		}
	})
}
