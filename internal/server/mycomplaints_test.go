package server

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/complaint"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// R-COMP-2: a signed-in complainant's account page lists the complaints
// they filed — number, category, status, when received and both clocks'
// due times, a clock that ran out marked late — and each opens its status
// page without the secret; nobody else's complaint is listed there, and
// nobody else opens theirs without it.
func TestAccountListsMyComplaints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, time.December, 8, 10, 0, 0, 0, chinaTime) // a Tuesday
		db.SetClock(func() time.Time { return now })
		f := newFixture(t, db)
		other, otherID := f.signInUser(t, "13900139000")

		code, body := f.complaintPost(t, "user", "", url.Values{"category": {"privacy"}, "text": {"我的病历被公开了"}}, nil)
		if code != http.StatusOK {
			t.Fatalf("a signed-in complaint: %d %s", code, body)
		}
		mine, _ := receiptOf(t, body)
		code, body = f.complaintPost(t, "", "192.0.2.9", url.Values{"category": {"other"}, "text": {"匿名投诉"},
			"contact_phone": {"13812345678"}}, nil)
		if code != http.StatusOK {
			t.Fatalf("an anonymous complaint: %d %s", code, body)
		}
		anonymous, _ := receiptOf(t, body)
		theirs, err := f.s.complaints.Submit(ctx, complaint.Input{Category: complaint.CategoryOther, Text: "另一位用户的投诉",
			AccountID: otherID}, complaint.SubmitMeta{ClientKey: "other"})
		if err != nil {
			t.Fatal(err)
		}

		// Two days on, the acknowledgement clock has run out.
		now = now.Add(48 * time.Hour)
		want, err := f.s.complaints.Track(ctx, mine, "", f.userID)
		if err != nil {
			t.Fatal(err)
		}
		if !want.AckOverdue || want.HandleOverdue {
			t.Fatalf("the clocks as of %s: %+v, want the acknowledgement late and handling not", now, want)
		}
		account := func(token string) string {
			t.Helper()
			req := httptest.NewRequest("GET", "/account", nil)
			req.Header.Set("Accept-Language", "zh-CN")
			req.AddCookie(&http.Cookie{Name: userCookie, Value: token})
			rec := httptest.NewRecorder()
			f.s.Handler().ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET /account: %d", rec.Code)
			}
			b := rec.Body.String()
			i := strings.Index(b, `id="my-complaints"`)
			if i < 0 {
				t.Fatalf("the account page has no complaints section")
			}
			b = b[i:]
			return b[:strings.Index(b, "</section>")]
		}
		section := account(f.user)
		esc := func(key string, args ...any) string { return html.EscapeString(i18n.T(i18n.ZH, key, args...)) }
		for what, s := range map[string]string{
			"number": mine, "category": esc(complaint.CategoryPrivacy.Key()), "status": esc(complaint.StatusReceived.Key()),
			"received": minute(want.ReceivedAt), "ack due": esc("complaintweb.clock.due", minute(want.AckDue)),
			"handle due": esc("complaintweb.clock.due", minute(want.HandleDue)), "late": esc("complaintweb.clock.late"),
			"link": `<input type="hidden" name="number" value="` + mine + `">`,
		} {
			if !strings.Contains(section, s) {
				t.Errorf("the account page's complaints lack the %s (%q):\n%s", what, s, section)
			}
		}
		if !strings.Contains(section, `action="/complaints/track"`) {
			t.Errorf("the complaint does not link its status page")
		}
		for _, n := range []string{anonymous, theirs.Number} {
			if strings.Contains(section, n) {
				t.Errorf("the account page lists %s, not the user's", n)
			}
		}
		if s := account(other); !strings.Contains(s, theirs.Number) || strings.Contains(s, mine) {
			t.Errorf("the other user's account page:\n%s", s)
		}

		// The link: the owner's status page, without the secret.
		resp := f.as("user", "POST", "/complaints/track", url.Values{"number": {mine}})
		if b := readBody(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(b, `id="status-number">`+mine) ||
			!strings.Contains(b, esc("complaintweb.clock.due", minute(want.AckDue))) {
			t.Errorf("the owner's status page without the secret: %d", resp.StatusCode)
		}
		if resp := f.as("user", "POST", "/complaints/track", url.Values{"number": {theirs.Number}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another's complaint without the secret: %d, want 404", resp.StatusCode)
		}
	})
}
