package server

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/complaint"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/upload/uploadtest"
)

// complaintPost sends the complaint form from address addr ("" for the
// test default), multipart, as a browser does: the fields, then the files;
// who is "" (anonymous) or "user".
func (f *fixture) complaintPost(t *testing.T, who, addr string, fields url.Values, files map[string][]byte) (int, string) {
	t.Helper()
	var order [][2]string
	for _, k := range complaintFields {
		if v, ok := fields[k]; ok {
			order = append(order, [2]string{k, v[0]})
		}
	}
	body, ct := complaintBody(t, order, files)
	req := httptest.NewRequest("POST", "/complaints", body)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Accept-Language", "zh-CN")
	if addr != "" {
		req.RemoteAddr = addr + ":5000"
	}
	if who == "user" {
		req.AddCookie(&http.Cookie{Name: userCookie, Value: f.user})
	}
	rec := httptest.NewRecorder()
	f.s.Handler().ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// complaintCount counts the complaints stored and their files.
func complaintCount(t *testing.T, db *store.DB) (complaints, files int) {
	t.Helper()
	if err := db.Read(context.Background(), func(tx *store.Tx) error {
		if err := tx.QueryRowContext(context.Background(), "SELECT count(*) FROM complaints").Scan(&complaints); err != nil {
			return err
		}
		return tx.QueryRowContext(context.Background(), "SELECT count(*) FROM complaint_evidence").Scan(&files)
	}); err != nil {
		t.Fatal(err)
	}
	return complaints, files
}

var (
	receiptNumber = regexp.MustCompile(`id="complaint-number">([^<]+)<`)
	receiptSecret = regexp.MustCompile(`id="complaint-secret">([^<]+)<`)
)

// receiptOf reads the tracking number and the secret from a receipt page.
func receiptOf(t *testing.T, body string) (number, secret string) {
	t.Helper()
	n, s := receiptNumber.FindStringSubmatch(body), receiptSecret.FindStringSubmatch(body)
	if n == nil || s == nil {
		t.Fatalf("no receipt on the page: %s", body)
	}
	return html.UnescapeString(n[1]), html.UnescapeString(s[1])
}

// fieldMessage reports whether body shows the message key (in Chinese)
// next to a field.
func fieldMessage(body, key string, args ...any) bool {
	return strings.Contains(body, `<p class="field-error" role="alert">`+html.EscapeString(i18n.T(i18n.ZH, key, args...))+`</p>`)
}

// TestComplaintsPage: /complaints, linked from every page and every
// request (R-PUB-3), publishes the channels and the clocks (R-COMP-2) and
// the dispute routes (R-DISP-1), names the request of ?request=N and
// chooses no category for the complainant.
func TestComplaintsPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.s.channels = complaint.Channels{Phone: "400-810-0000", Email: "complaints@carefund.example"}
		id := f.publish(t, campaigntest.Filing(), 0)
		code, body, _ := f.get(t, "/requests/"+strconv.FormatInt(id, 10))
		if code != 200 || !strings.Contains(body, `href="/complaints?request=`+strconv.FormatInt(id, 10)+`"`) {
			t.Fatalf("the request page (%d) has no complaint link naming it", code)
		}
		code, body, _ = f.get(t, "/complaints?request="+strconv.FormatInt(id, 10))
		if code != 200 {
			t.Fatalf("GET /complaints: %d", code)
		}
		title := campaigntest.Filing().Title
		for _, want := range []string{`href="tel:400-810-0000"`, `href="mailto:complaints@carefund.example"`,
			html.EscapeString(i18n.T(i18n.ZH, "complaintweb.clocks")), `name="request" inputmode="numeric" autocomplete="off" maxlength="20" value="` + strconv.FormatInt(id, 10) + `"`,
			html.EscapeString(i18n.T(i18n.ZH, "complaintweb.request.about", title)), `enctype="multipart/form-data"`, `type="file"`, `name="key" value="`} {
			if !strings.Contains(body, want) {
				t.Errorf("/complaints lacks %s", want)
			}
		}
		for _, d := range complaint.DisputeRoutes {
			if !strings.Contains(body, html.EscapeString(i18n.T(i18n.ZH, d.Key()))) {
				t.Errorf("/complaints lacks the dispute route %s", d)
			}
		}
		for _, c := range complaint.Categories {
			if !strings.Contains(body, `name="category" value="`+string(c)+`">`) {
				t.Errorf("the category %s is not offered, or is chosen already", c)
			}
		}
		// Signed in: the contact details may be left out.
		resp := f.as("user", "GET", "/complaints", nil)
		if b := readBody(t, resp); !strings.Contains(b, html.EscapeString(i18n.T(i18n.ZH, "complaintweb.contact.signed_in"))) {
			t.Errorf("a signed-in complainant is not told the contact details are optional")
		}
	})
}

// TestComplaintBadInput is the bad input at the HTTP level: each
// gets a clear answer next to its field, with everything typed kept, and
// nothing is saved, lost or doubled (R-COMP-1).
func TestComplaintBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.publish(t, campaigntest.Filing(), 0)
		req := strconv.FormatInt(id, 10)

		t.Run("NoContactNoRequest", func(t *testing.T) {
			// R-COMP-1: nobody to answer and nothing to check.
			code, body := f.complaintPost(t, "", "198.51.100.1", url.Values{"key": {"k-none"}, "category": {"false_info"},
				"text": {"这个求助是假的"}, "contact_name": {"王五"}}, nil)
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", code)
			}
			if !fieldMessage(body, complaint.KeyNoContact) || !fieldMessage(body, complaint.KeyNeedsRequest) {
				t.Errorf("the refusal does not say, next to the fields, that a contact and a request are missing")
			}
			for _, kept := range []string{"这个求助是假的", `value="王五"`, `value="false_info" checked`, `name="key" value="k-none"`} {
				if !strings.Contains(body, kept) {
					t.Errorf("the form lost %s", kept)
				}
			}
			if n, _ := complaintCount(t, db); n != 0 {
				t.Errorf("%d complaints saved", n)
			}
		})

		t.Run("FiftyMegabyteAttachment", func(t *testing.T) {
			// R-COMP-1: refused next to the file field before the body is
			// read whole, the typed text kept, nothing saved.
			var head bytes.Buffer
			w := multipart.NewWriter(&head)
			for _, kv := range [][2]string{{"key", "k-big"}, {"category", "misuse"}, {"request", req}, {"text", "证据在附件里"}, {"contact_phone", "13912345678"}} {
				w.WriteField(kv[0], kv[1])
			}
			fw, _ := w.CreateFormFile("evidence", "big.pdf")
			fw.Write([]byte("%PDF-1.4\n"))
			tail := "\r\n--" + w.Boundary() + "--\r\n"
			const size = 50 << 20
			read := &countingReader{r: io.MultiReader(&head, io.LimitReader(zeros{}, size), strings.NewReader(tail))}
			r := httptest.NewRequest("POST", "/complaints", read)
			r.ContentLength = int64(head.Len()) + size + int64(len(tail))
			r.Header.Set("Content-Type", w.FormDataContentType())
			r.Header.Set("Accept-Language", "zh-CN")
			rec := httptest.NewRecorder()
			f.s.Handler().ServeHTTP(rec, r)
			body := rec.Body.String()
			if rec.Code != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d, want 413", rec.Code)
			}
			if !fieldMessage(body, keyEvidenceTooLarge, complaintEvidenceLimit>>20) {
				t.Errorf("no message next to the file field: %s", body)
			}
			if !strings.Contains(body, "证据在附件里") || !strings.Contains(body, `value="13912345678"`) {
				t.Errorf("the form lost what was typed")
			}
			if read.n > complaintBodyLimit {
				t.Errorf("read %d bytes of the body, more than its limit %d", read.n, complaintBodyLimit)
			}
			if n, files := complaintCount(t, db); n != 0 || files != 0 {
				t.Errorf("%d complaints, %d files saved", n, files)
			}
		})

		t.Run("ScriptInText", func(t *testing.T) {
			// A script is text: shown back escaped, never run.
			script := `<script>alert("x")</script><img src=x onerror=alert(1)>`
			code, body := f.complaintPost(t, "", "198.51.100.2", url.Values{"category": {"other"}, "text": {script}}, nil)
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", code)
			}
			if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") ||
				!strings.Contains(body, html.EscapeString(script)) {
				t.Errorf("the text is not shown back escaped")
			}
			code, body = f.complaintPost(t, "", "198.51.100.2", url.Values{"category": {"other"}, "text": {script}, "contact_email": {"a@example.org"}}, nil)
			if code != 200 {
				t.Fatalf("a complaint with a script as text: %d", code)
			}
			number, secret := receiptOf(t, body)
			p, err := f.s.complaints.Track(context.Background(), number, secret, 0)
			if err != nil {
				t.Fatal(err)
			}
			if p.Number != number {
				t.Errorf("tracked %q, want %q", p.Number, number)
			}
		})

		t.Run("HundredTimesFromOneAddress", func(t *testing.T) {
			// R-COMP-1: the same complaint sent 100 times is one
			// complaint; a flood of different ones is refused (429) with
			// a clear message once over the hourly limit, nothing saved.
			before, _ := complaintCount(t, db)
			form := url.Values{"category": {"misuse"}, "request": {req}, "text": {"善款被挪作他用"}, "contact_phone": {"13712345678"}}
			var first string
			for i := range 100 {
				code, body := f.complaintPost(t, "", "203.0.113.9", form, nil)
				if code != 200 {
					t.Fatalf("send %d: %d", i, code)
				}
				n, _ := receiptOf(t, body)
				if first == "" {
					first = n
				} else if n != first {
					t.Fatalf("send %d filed %s, not the first complaint %s", i, n, first)
				}
			}
			if n, _ := complaintCount(t, db); n != before+1 {
				t.Fatalf("%d complaints saved, want 1", n-before)
			}
			limited := 0
			for i := range 100 {
				form.Set("text", fmt.Sprintf("第 %d 条不同的投诉", i))
				code, body := f.complaintPost(t, "", "203.0.113.9", form, nil)
				switch code {
				case 200:
				case http.StatusTooManyRequests:
					limited++
					if !strings.Contains(body, html.EscapeString(i18n.T(i18n.ZH, "complaintweb.rate_limited"))) ||
						!strings.Contains(body, fmt.Sprintf("第 %d 条不同的投诉", i)) {
						t.Fatalf("the refusal does not say why, or lost the text")
					}
				default:
					t.Fatalf("send %d: %d", i, code)
				}
			}
			if n, _ := complaintCount(t, db); n != before+complaint.MaxPerHour || limited != 100-(complaint.MaxPerHour-1) {
				t.Errorf("%d saved and %d refused; want %d saved", n-before, limited, complaint.MaxPerHour)
			}
			// Another address is not held back by this one.
			form.Set("text", "另一个地址的投诉")
			if code, _ := f.complaintPost(t, "", "203.0.113.10", form, nil); code != 200 {
				t.Errorf("another address: %d", code)
			}
		})

		t.Run("DoubleSubmit", func(t *testing.T) {
			// The same form sent twice (its token) files one complaint,
			// with its evidence once.
			before, beforeFiles := complaintCount(t, db)
			form := url.Values{"key": {"double-submit-token"}, "category": {"payout"}, "request": {req}, "text": {"拨付迟迟未到"}, "contact_phone": {"13612345678"}}
			files := map[string][]byte{"receipt.png": uploadtest.PNG(t, 4, 4)}
			code1, body1 := f.complaintPost(t, "", "198.51.100.3", form, files)
			code2, body2 := f.complaintPost(t, "", "198.51.100.3", form, files)
			if code1 != 200 || code2 != 200 {
				t.Fatalf("statuses %d, %d", code1, code2)
			}
			n1, s1 := receiptOf(t, body1)
			n2, s2 := receiptOf(t, body2)
			if n1 != n2 || s1 != s2 {
				t.Errorf("two receipts: %s, %s", n1, n2)
			}
			if n, files := complaintCount(t, db); n != before+1 || files != beforeFiles+1 {
				t.Errorf("%d complaints and %d files saved, want 1 and 1", n-before, files-beforeFiles)
			}
		})
	})
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// countingReader counts what was read of a body.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestComplaintTracked follows a complaint about a request from the form
// to its response: the status page shows both clocks (R-COMP-2) to the
// holder of the number and the secret, or to the signed-in account that
// filed it, and nothing to a wrong secret; once a handler resolves it with
// a published response, the response is on the request's page and its
// timeline and on the status page, each with the dispute routes (R-COMP-1,
// R-DISC-2, R-DISP-1).
func TestComplaintTracked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.publish(t, campaigntest.Filing(), 0)
		page := "/requests/" + strconv.FormatInt(id, 10)
		code, body := f.complaintPost(t, "user", "", url.Values{"category": {"false_info"}, "request": {strconv.FormatInt(id, 10)},
			"text": {"诊断证明与医院记录不符"}}, nil)
		if code != 200 {
			t.Fatalf("a signed-in complaint without contact details: %d %s", code, body)
		}
		number, secret := receiptOf(t, body)
		if !strings.Contains(body, html.EscapeString(i18n.T(i18n.ZH, "complaintweb.receipt.save"))) || !strings.Contains(body, `href="/complaints/track"`) {
			t.Errorf("the receipt does not say to save the secret, or does not link the status page")
		}

		track := func(who, number, secret string) (int, string) {
			resp := f.as(who, "POST", "/complaints/track", url.Values{"number": {number}, "secret": {secret}})
			return resp.StatusCode, readBody(t, resp)
		}
		code, body = track("", number, secret)
		if code != 200 || !strings.Contains(body, `id="clock-ack"`) || !strings.Contains(body, `id="clock-handle"`) ||
			!strings.Contains(body, html.EscapeString(i18n.T(i18n.ZH, complaint.StatusReceived.Key()))) {
			t.Fatalf("the status page (%d) lacks the status or the clocks: %s", code, body)
		}
		if strings.Contains(body, `id="outcome"`) {
			t.Errorf("an open complaint shows an outcome")
		}
		if code, body = track("", number, secret+"x"); code != http.StatusNotFound || strings.Contains(body, `id="complaint-status"`) {
			t.Errorf("a wrong secret: %d", code)
		}
		if code, _ = track("user", number, ""); code != 200 {
			t.Errorf("the signed-in complainant without the secret: %d", code)
		}
		if code, _ = track("", number, ""); code != http.StatusNotFound {
			t.Errorf("anyone without the secret: %d", code)
		}

		// A handler resolves it with a public response.
		const response = "经核实，诊断证明与医院记录一致，投诉不成立；已要求求助人补充住院记录。"
		ctx := context.Background()
		var handler staff.Staff
		var cid int64
		if err := db.Read(ctx, func(tx *store.Tx) (err error) {
			if handler, err = staff.Get(ctx, tx, f.ids[staff.Complaints]); err != nil {
				return err
			}
			return tx.QueryRowContext(ctx, "SELECT id FROM complaints WHERE number = $1", number).Scan(&cid)
		}); err != nil {
			t.Fatal(err)
		}
		rec := audit.Record{Actor: handler.Actor(), Action: "complaint.resolve", Object: "complaint:" + strconv.FormatInt(cid, 10), Result: audit.ResultOK}
		if err := f.s.complaints.Resolve(ctx, rec, cid, complaint.OutcomeNotUpheld, response, true, handler); err != nil {
			t.Fatal(err)
		}
		_, body, _ = f.get(t, page)
		section := body[strings.Index(body, `id="complaint-responses"`)+1:]
		if !strings.Contains(body, `id="complaint-responses"`) || !strings.Contains(section, response) ||
			!strings.Contains(section, html.EscapeString(i18n.T(i18n.ZH, complaint.OutcomeNotUpheld.Key()))) {
			t.Fatalf("the request page lacks the response (R-DISC-2)")
		}
		for _, d := range complaint.DisputeRoutes {
			if !strings.Contains(section, html.EscapeString(i18n.T(i18n.ZH, d.Key()))) {
				t.Errorf("the request page's response lacks the dispute route %s (R-DISP-1)", d)
			}
		}
		if tl := body[strings.Index(body, `id="timeline"`)+1:]; !strings.Contains(tl, html.EscapeString(i18n.T(i18n.ZH, "moneytrail.event.complaint"))) || !strings.Contains(tl, response) {
			t.Errorf("the timeline's complaint slot is empty")
		}
		code, body = track("", number, secret)
		if code != 200 || !strings.Contains(body, `id="outcome"`) || !strings.Contains(body, response) {
			t.Fatalf("the status page (%d) lacks the outcome", code)
		}
		for _, d := range complaint.DisputeRoutes {
			if !strings.Contains(body, html.EscapeString(i18n.T(i18n.ZH, d.Key()))) {
				t.Errorf("the status page lacks the dispute route %s (R-DISP-1)", d)
			}
		}
	})
}
