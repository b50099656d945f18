package server

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/rules"
	"github.com/carefund/carefund/internal/session"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestMajorRuleChangeAsksAgain: an admin drafts a major change of the
// privacy rules in the console; it cannot take effect before it is recorded
// as reported to the ministry (R-RULES-3); once in force, a user who agreed
// to the old version is asked again, with an unticked box, and an
// unticked submit is refused (R-RULES-2).
func TestMajorRuleChangeAsksAgain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		// The user agrees to every current rule (as verification does).
		var ids []int64
		if err := db.Write(ctx, func(tx *store.Tx) error {
			for _, k := range rules.Kinds {
				v, err := rules.Current(ctx, tx, k)
				if err != nil {
					return err
				}
				ids = append(ids, v.ID)
			}
			return rules.RecordConsent(ctx, tx, "user:"+itoa(f.userID), ids, "192.0.2.1")
		}); err != nil {
			t.Fatal(err)
		}
		if page := body(t, f.as("user", "GET", "/account", nil)); strings.Contains(page, `id="reconsent"`) {
			t.Fatal("asked to agree again before anything changed")
		}

		draft := url.Values{"kind": {"privacy"}, "major": {"yes"}, "title_zh": {"个人信息处理规则"}, "title_en": {"Personal information rules"},
			"summary_zh": {"增加保存期限说明"}, "summary_en": {"Adds the retention period"},
			"body_zh": {"## 保存期限\n\n求助完成后至少保存三年。"}, "body_en": {"## Retention\n\nKept at least three years after completion."}}
		if resp := f.as(string(staff.Admin), "POST", "/staff/rules", draft); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("draft: %d\n%s", resp.StatusCode, body(t, resp))
		}
		var pending rules.Version
		db.Read(ctx, func(tx *store.Tx) (err error) { pending, _, err = rules.Pending(ctx, tx, rules.Privacy); return err })
		id := itoa(pending.ID)
		// A second admin puts it in force: never whoever drafted it.
		if err := db.Write(ctx, func(tx *store.Tx) error {
			m, _, err := staff.Create(ctx, tx, f.s.platform.Sealer, "u-admin-two", staff.Admin, "correct horse battery staple")
			if err != nil {
				return err
			}
			f.staff["admin2"], _, err = session.Start(ctx, tx, session.Staff, m.ID, "192.0.2.12")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if resp := f.as("admin2", "POST", "/staff/rules/"+id+"/effective", url.Values{}); resp.StatusCode != http.StatusConflict {
			t.Errorf("a major change made effective before its report: %d, want 409", resp.StatusCode)
		}
		if resp := f.as(string(staff.Admin), "POST", "/staff/rules/"+id+"/report",
			url.Values{"reported_on": {time.Now().In(chinaTime).Format("2006-01-02")}, "ref": {"民政备〔2026〕12号"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("report: %d\n%s", resp.StatusCode, body(t, resp))
		}
		if resp := f.as(string(staff.Admin), "POST", "/staff/rules/"+id+"/effective", url.Values{}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("the drafter putting their own draft in force: %d, want 403", resp.StatusCode)
		}
		if resp := f.as("admin2", "POST", "/staff/rules/"+id+"/effective", url.Values{}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("effective after the report, by a second admin: %d", resp.StatusCode)
		}
		// The old version stays readable (R-RULES-1).
		if resp := f.as("", "GET", "/rules/privacy/versions/"+itoa(ids[2]), nil); resp.StatusCode != 200 {
			t.Errorf("the superseded version: %d", resp.StatusCode)
		}

		page := body(t, f.as("user", "GET", "/account", nil))
		if !strings.Contains(page, `id="reconsent"`) || regexp.MustCompile(`id="consent"[^>]*checked`).MatchString(page) {
			t.Fatalf("the account page does not ask again with an unticked box:\n%s", page)
		}
		ruleIDs := url.Values{"rule": {id}}
		resp := f.as("user", "POST", "/account/consent", ruleIDs)
		if got := body(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got, `id="consent-err"`) {
			t.Errorf("agreeing without the box: %d", resp.StatusCode)
		}
		ruleIDs.Set("consent", "yes")
		if resp := f.as("user", "POST", "/account/consent", ruleIDs); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("agreeing: %d\n%s", resp.StatusCode, body(t, resp))
		}
		if page := body(t, f.as("user", "GET", "/account", nil)); strings.Contains(page, `id="reconsent"`) {
			t.Error("still asked after agreeing")
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
