package server

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/content"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/session"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// contentStaff signs in a reviewer and an admin for the donation fixture.
func (d *dpFixture) contentStaff(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for _, role := range []staff.Role{staff.Reviewer, staff.Admin} {
		err := d.db.Write(ctx, func(tx *store.Tx) error {
			m, _, err := staff.Create(ctx, tx, d.s.platform.Sealer, "c-"+string(role), role, fixturePassword)
			if err != nil {
				return err
			}
			d.staff[role], _, err = session.Start(ctx, tx, session.Staff, m.ID, "192.0.2.20")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// donateMessage posts the donation form with message and returns the
// status, the body and, when an order was placed, its number.
func (d *dpFixture) donateMessage(t *testing.T, message string) (int, string, string) {
	t.Helper()
	form := d.dpForm(t, d.id, "")
	form.Set("amount", "20")
	form.Set("message", message)
	st, body, h := d.dpDo(t, "", "POST", donateURL(d.id), form)
	if st != http.StatusSeeOther {
		return st, body, ""
	}
	u, err := url.Parse(h.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	no := strings.TrimPrefix(u.Path, "/sandbox/checkout/")
	if i := strings.IndexByte(no, '/'); i >= 0 {
		no = no[:i]
	}
	_, page, _ := d.dpDo(t, "", "GET", u.RequestURI(), nil)
	m := checkoutRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the checkout page of %s has no token", u)
	}
	if st, _, _ := d.dpDo(t, "", "POST", u.Path, url.Values{"t": {m[1]}, "action": {"pay"}}); st != http.StatusSeeOther {
		t.Fatalf("paying: %d", st)
	}
	return st, body, no
}

// paid waits until the order's donation is recorded, a bounded number of
// looks.
func (d *dpFixture) paid(t *testing.T, no string) {
	t.Helper()
	ctx := context.Background()
	for range 2000 {
		var rc donation.Receipt
		err := d.db.Read(ctx, func(tx *store.Tx) (err error) {
			rc, err = donation.ReceiptByOrder(ctx, tx, no)
			return err
		})
		if err == nil && rc.State == donation.StatePaid {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("order %s was never paid", no)
}

// TestContentScreenDonationMessages proves the content screen on donation
// messages end to end (R-CONT-1): an illegal message is refused next to
// its field in the donor's language without naming the word, and nothing
// is stored but the handling record; a rumour is held off the public page
// until a reviewer clears it; a script in a message is shown escaped,
// never run; and a reviewer takes a message down with a public reason
// that the page shows in its place, the message kept for the record.
func TestContentScreenDonationMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// R-CONT-1
		d := newDonationFixture(t, db)
		d.contentStaff(t)

		st, body, _ := d.donateMessage(t, "有人出 售 枪 支，联系我")
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="message-error"`) ||
			!strings.Contains(body, html.EscapeString(i18n.T(i18n.ZH, content.KeyRefused))) {
			t.Fatalf("an illegal message: %d\n%.800s", st, body)
		}
		if strings.Contains(body, "content-term") || strings.Contains(body, ">枪支<") {
			t.Error("the refusal names the word")
		}
		if n := d.orders(t); n != 0 {
			t.Fatalf("%d orders stored for a refused message", n)
		}

		const held = "<script>alert('held')</script>紧急扩散！"
		_, _, heldNo := d.donateMessage(t, held)
		const kept = "<script>alert('kept')</script>早日康复"
		_, _, keptNo := d.donateMessage(t, kept)
		if heldNo == "" || keptNo == "" {
			t.Fatal("the held or the harmless message placed no order")
		}
		d.paid(t, heldNo)
		d.paid(t, keptNo)

		public := func() string {
			st, body, _ := d.dpDo(t, "", "GET", requestURL(d.id), nil)
			if st != http.StatusOK {
				t.Fatalf("the public page: %d", st)
			}
			return body
		}
		page := public()
		if strings.Contains(page, "<script>alert(") {
			t.Fatal("a script in a message reached the page unescaped")
		}
		if !strings.Contains(page, html.EscapeString(kept)) {
			t.Errorf("the harmless message is not shown, escaped")
		}
		if strings.Contains(page, "紧急扩散") {
			t.Errorf("the held message is public before staff cleared it")
		}

		// The reviewer's queue shows the held message, escaped.
		st, queue, _ := d.dpDo(t, string(staff.Reviewer), "GET", "/staff/content", nil)
		if st != http.StatusOK || !strings.Contains(queue, html.EscapeString(held)) || strings.Contains(queue, "<script>alert(") {
			t.Fatalf("the content screen: %d\n%.800s", st, queue)
		}
		var recordID string
		if m := strings.SplitN(queue, `action="/staff/content/records/`, 2); len(m) == 2 {
			recordID = m[1][:strings.IndexByte(m[1], '/')]
		}
		if recordID == "" {
			t.Fatal("the queue has no clear button")
		}
		// An admin keeps the list but does not handle texts.
		if st, _, _ := d.dpDo(t, string(staff.Admin), "POST", "/staff/content/records/"+recordID+"/clear", url.Values{}); st != http.StatusForbidden {
			t.Errorf("an admin cleared a text: %d", st)
		}
		if st, _, _ := d.dpDo(t, string(staff.Reviewer), "POST", "/staff/content/records/"+recordID+"/clear",
			url.Values{"note": {"a plea to share, not a rumour"}}); st != http.StatusSeeOther {
			t.Fatalf("clearing: %d", st)
		}
		if page := public(); !strings.Contains(page, html.EscapeString(held)) || strings.Contains(page, "<script>alert(") {
			t.Errorf("the cleared message is not shown, escaped")
		}

		// A takedown without a reason is refused next to the field.
		st, body, _ = d.dpDo(t, string(staff.Reviewer), "POST", "/staff/content/takedown",
			url.Values{"place": {string(content.PlaceDonationMessage)}, "ref": {keptNo}, "reason": {" "}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="td-reason-err"`) {
			t.Fatalf("a takedown without a reason: %d", st)
		}
		const reason = "与求助无关的广告"
		if st, _, _ := d.dpDo(t, string(staff.Reviewer), "POST", "/staff/content/takedown",
			url.Values{"place": {string(content.PlaceDonationMessage)}, "ref": {keptNo}, "reason": {reason}}); st != http.StatusSeeOther {
			t.Fatalf("taking down: %d", st)
		}
		page = public()
		if strings.Contains(page, "早日康复") || !strings.Contains(page, i18n.T(i18n.ZH, content.KeyTakenDown, reason)) {
			t.Errorf("the taken-down message is shown, or its reason is not")
		}
		// The text stays for the record.
		ctx := context.Background()
		var msg string
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT message FROM donation_orders WHERE order_no = $1", keptNo).Scan(&msg)
		}); err != nil || msg != kept {
			t.Errorf("the taken-down message is gone: %q, %v", msg, err)
		}
	})
}

// TestContentScreenUpdates proves the content screen on a publisher's
// updates (R-CONT-1): an illegal update is refused next to its field and
// not stored; a hyped one is stored but held off the public page until a
// reviewer checks it in the patrol; and a script in an update is shown
// escaped, never run.
func TestContentScreenUpdates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// R-CONT-1
		f := newFixture(t, db)
		id := f.publish(t, testFiling(), 0)
		ctx := context.Background()
		count := func() int {
			var n int
			if err := db.Read(ctx, func(tx *store.Tx) error {
				return tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM request_updates WHERE request_id = $1", id).Scan(&n)
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		post := func(body string) (int, string) {
			resp := f.as("user", "POST", "/my"+requestURL(id)+"/updates", url.Values{"body": {body}})
			return resp.StatusCode, readBody(t, resp)
		}
		before := count()
		st, body := post("有人愿意代 开 发 票，我们就能报销")
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, html.EscapeString(i18n.T(i18n.ZH, content.KeyRefused))) {
			t.Fatalf("an illegal update: %d\n%.800s", st, body)
		}
		if count() != before {
			t.Fatal("a refused update was stored")
		}

		const held = "<script>alert('held')</script>我们请了水军帮忙转发"
		if st, body := post(held); st >= 400 {
			t.Fatalf("a held update: %d %.500s", st, body)
		}
		const clean = "<script>alert('clean')</script>今天开始第二轮化疗"
		if st, body := post(clean); st >= 400 {
			t.Fatalf("a clean update: %d %.500s", st, body)
		}
		page := func() string {
			_, body, _ := f.get(t, requestURL(id))
			if strings.Contains(body, "<script>alert(") {
				t.Fatal("a script in an update reached the page unescaped")
			}
			return body
		}
		p := page()
		if !strings.Contains(p, html.EscapeString(clean)) {
			t.Error("the clean update is not shown, escaped")
		}
		if strings.Contains(p, "水军") {
			t.Error("the held update is public before a reviewer checked it")
		}
		var uid int64
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT MIN(id) FROM request_updates WHERE request_id = $1 AND id > 0 AND screen_level = 'flagged'", id).Scan(&uid)
		}); err != nil {
			t.Fatal(err)
		}
		resp := f.as(string(staff.Reviewer), "POST", "/staff/patrol/"+itoa(id)+"/updates/"+itoa(uid)+"/check", url.Values{})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("checking the update: %d", resp.StatusCode)
		}
		if !strings.Contains(page(), html.EscapeString(held)) {
			t.Error("the checked update is not shown, escaped")
		}
	})
}

// TestContentScreenRequests proves the content screen on a request's
// public text (R-CONT-1): a story with an illegal word is refused next to
// the story, nothing is submitted, and the refusal is in the handling
// record; a story with a rumour is submitted to review and held in the
// content queue.
func TestContentScreenRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// R-CONT-1
		f := newFixture(t, db)
		f.verify(t, f.userID, "李四", "11010519491231002X")
		ctx := context.Background()
		records := func(state string) int {
			var n int
			if err := db.Read(ctx, func(tx *store.Tx) error {
				return tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM content_records WHERE place = 'request' AND state = $1", state).Scan(&n)
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		fl := testFiling()
		fl.Story += "实在没有办法，亲戚说可以去卖肾。"
		id := f.startDraft(t)
		page := "/my/requests/" + strconv.FormatInt(id, 10)
		for _, k := range []material.Kind{material.Diagnosis, material.IDDocument, material.CostEstimate, material.Relationship} {
			values := f.formOfFiling(t, fl, f.request(t, id).Revision)
			values.Set("kind", string(k))
			if resp := f.postMultipart(t, page+"/materials", values, testPNG(t)); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("uploading %s: %d", k, resp.StatusCode)
			}
		}
		resp := f.postMultipart(t, page+"/submit", f.formOfFiling(t, fl, f.request(t, id).Revision), nil)
		b := body(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(b, html.EscapeString(i18n.T(i18n.ZH, content.KeyRefused))) {
			t.Fatalf("an illegal story: %d\n%.800s", resp.StatusCode, b)
		}
		if st := f.request(t, id).State; st != campaign.Draft {
			t.Errorf("the refused request is %s, want a draft", st)
		}
		if n := records(content.StateRefused); n != 1 {
			t.Errorf("refusals recorded: %d, want 1", n)
		}

		fl = testFiling()
		fl.Story += "医院内部消息说这种药马上停产。"
		held := f.fileComplete(t, fl)
		if st := f.request(t, held).State; st == campaign.Draft {
			t.Errorf("the held request was not submitted")
		}
		if n := records(content.StateHeld); n != 1 {
			t.Errorf("held requests: %d, want 1", n)
		}
	})
}
