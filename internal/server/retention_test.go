package server

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestRetentionPage (R-PII-2): admins and auditors read what the retention
// job anonymized and what is due next, with the period in force; the page
// changes nothing and offers no form.
func TestRetentionPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, who := range []string{"admin", "auditor"} {
			resp := f.as(who, "GET", "/staff/retention", nil)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			page := string(body)
			if resp.StatusCode != http.StatusOK || !strings.Contains(page, "个人信息保存期限") || !strings.Contains(page, "满 3 年") {
				t.Fatalf("%s: %d\n%s", who, resp.StatusCode, page)
			}
			if strings.Contains(page, `method="post" action="/staff/retention`) {
				t.Errorf("%s: the retention page offers a form", who)
			}
		}
	})
}
