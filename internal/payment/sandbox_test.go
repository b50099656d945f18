package payment_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

// fakeClock is a clock whose Sleep returns at once and moves Now on, so the
// 24-hour re-send schedule runs in milliseconds.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.slept = append(c.slept, d)
	c.mu.Unlock()
	return ctx.Err()
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

// newTestSandbox returns a sandbox with the test key and, unless cfg has
// them, a fake clock, closed when the test ends.
func newTestSandbox(t testing.TB, cfg payment.SandboxConfig) *payment.Sandbox {
	t.Helper()
	if cfg.Key == nil {
		cfg.Key = testKey
	}
	if cfg.Now == nil {
		c := newFakeClock()
		cfg.Now, cfg.Sleep = c.Now, c.Sleep
	}
	if cfg.Merchant == "" {
		cfg.Merchant = "1900000001"
	}
	sb := payment.NewSandbox(cfg)
	t.Cleanup(sb.Close)
	return sb
}

// receipt is one notification as the platform's receiver saw it.
type receipt struct {
	payment.Payment
	err error
}

// receiver is the platform's side: it verifies each notification with its
// own sandbox (same key, same clock) and acknowledges it, or answers 500 for
// as long as refuse says so.
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []receipt
	refuse func(n int, p payment.Payment) bool // n counts from 0
}

func newReceiver(t *testing.T, verifier *payment.Sandbox, refuse func(int, payment.Payment) bool) *receiver {
	rc := &receiver{refuse: refuse}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := verifier.ParseNotification(r)
		rc.mu.Lock()
		n := len(rc.got)
		rc.got = append(rc.got, receipt{p, err})
		rc.mu.Unlock()
		if err == nil && rc.refuse != nil && rc.refuse(n, p) {
			err = apperr.New(apperr.Unavailable, "test.busy")
		}
		verifier.Acknowledge(w, err)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) receipts() []receipt {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]receipt(nil), rc.got...)
}

// faultSandbox returns a sandbox with the faults and the fake clock, and the
// receiver its notifications go to.
func faultSandbox(t *testing.T, f payment.Faults, refuse func(int, payment.Payment) bool) (*payment.Sandbox, *receiver, *fakeClock) {
	t.Helper()
	c := newFakeClock()
	sb := newTestSandbox(t, payment.SandboxConfig{Now: c.Now, Sleep: c.Sleep, Faults: f})
	return sb, newReceiver(t, sb, refuse), c
}

func createAndPay(t *testing.T, sb *payment.Sandbox, id string, amount money.Fen, notify string) payment.Payment {
	t.Helper()
	o := validOrder()
	o.ID, o.Amount, o.NotifyURL = id, amount, notify
	ctx := context.Background()
	if _, err := sb.Create(ctx, o); err != nil {
		t.Fatalf("Create(%s): %v", id, err)
	}
	p, err := sb.Pay(ctx, id)
	if err != nil {
		t.Fatalf("Pay(%s): %v", id, err)
	}
	return p
}

// R-DON-1: a notification the sandbox signs verifies, and says exactly what
// the provider recorded, transaction id (the idempotency key) included.
func TestSandboxSignatureRoundTrip(t *testing.T) {
	sb := newTestSandbox(t, payment.SandboxConfig{ManualDelivery: true})
	paid := createAndPay(t, sb, "order-000001", 12345, "http://127.0.0.1/notify")
	if paid.State != payment.Paid || paid.TransactionID == "" {
		t.Fatalf("Pay = %+v, want paid with a transaction id", paid)
	}
	req, err := sb.NotificationRequest(context.Background(), "order-000001")
	if err != nil {
		t.Fatal(err)
	}
	got, err := sb.ParseNotification(req)
	if err != nil {
		t.Fatalf("ParseNotification: %v", err)
	}
	if got.NotificationID == "" {
		t.Error("no notification id")
	}
	got.NotificationID = ""
	if !got.PaidAt.Equal(paid.PaidAt) {
		t.Errorf("PaidAt = %v, want %v", got.PaidAt, paid.PaidAt)
	}
	got.PaidAt, paid.PaidAt = time.Time{}, time.Time{}
	if got != paid {
		t.Errorf("notification says %+v, want %+v", got, paid)
	}
	q, err := sb.Query(context.Background(), "order-000001")
	if err != nil || q.TransactionID != paid.TransactionID || q.State != payment.Paid {
		t.Errorf("Query = %+v, %v; want the paid order", q, err)
	}
	// A platform process that never saw the order (restarted after a crash)
	// verifies it too: only the key is needed.
	req, _ = sb.NotificationRequest(context.Background(), "order-000001")
	other := newTestSandbox(t, payment.SandboxConfig{})
	if _, err := other.ParseNotification(req); err != nil {
		t.Errorf("a fresh sandbox with the same key: %v", err)
	}
}

// signed returns a request for body signed by sb at its clock's now.
func signed(sb *payment.Sandbox, ts int64, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/notify", bytes.NewReader(body))
	t := strconv.FormatInt(ts, 10)
	r.Header.Set(payment.SandboxTimestampHeader, t)
	r.Header.Set(payment.SandboxNonceHeader, "nonce-1")
	r.Header.Set(payment.SandboxSignatureHeader, sb.Sign(t, "nonce-1", body))
	return r
}

// R-DON-1: a forged notification never reaches the ledger: a changed body, a
// signature by another key, a signature over other headers, or no signature.
func TestSandboxRefusesForgery(t *testing.T) {
	c := newFakeClock()
	sb := newTestSandbox(t, payment.SandboxConfig{Now: c.Now, Sleep: c.Sleep, ManualDelivery: true})
	forger := newTestSandbox(t, payment.SandboxConfig{Now: c.Now, Key: []byte(strings.Repeat("k", 32))})
	createAndPay(t, sb, "order-000002", 1000, "http://127.0.0.1/notify")
	genuine := func() (*http.Request, []byte) {
		req, err := sb.NotificationRequest(context.Background(), "order-000002")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		return req, body
	}
	tests := []struct {
		name   string
		forge  func(r *http.Request, body []byte) *http.Request
		reason string
	}{
		{"AmountChanged", func(r *http.Request, body []byte) *http.Request {
			b := bytes.Replace(body, []byte(`"amount_fen":1000`), []byte(`"amount_fen":100000`), 1)
			if bytes.Equal(b, body) {
				t.Fatal("the amount is not in the body")
			}
			r.Body = io.NopCloser(bytes.NewReader(b))
			return r
		}, "body changed after signing"},
		{"OtherKey", func(r *http.Request, body []byte) *http.Request {
			ts := r.Header.Get(payment.SandboxTimestampHeader)
			r.Header.Set(payment.SandboxSignatureHeader, forger.Sign(ts, r.Header.Get(payment.SandboxNonceHeader), body))
			return r
		}, "signed by another key"},
		{"NonceChanged", func(r *http.Request, body []byte) *http.Request {
			r.Header.Set(payment.SandboxNonceHeader, "another-nonce")
			return r
		}, "nonce is signed"},
		{"TimestampChanged", func(r *http.Request, body []byte) *http.Request {
			ts, _ := strconv.ParseInt(r.Header.Get(payment.SandboxTimestampHeader), 10, 64)
			r.Header.Set(payment.SandboxTimestampHeader, strconv.FormatInt(ts+1, 10))
			return r
		}, "timestamp is signed"},
		{"NoSignature", func(r *http.Request, body []byte) *http.Request {
			r.Header.Del(payment.SandboxSignatureHeader)
			return r
		}, "unsigned"},
		{"NoTimestamp", func(r *http.Request, body []byte) *http.Request {
			r.Header.Del(payment.SandboxTimestampHeader)
			return r
		}, "no timestamp"},
		{"GarbageSignature", func(r *http.Request, body []byte) *http.Request {
			r.Header.Set(payment.SandboxSignatureHeader, "!!!")
			return r
		}, "not base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := genuine()
			_, err := sb.ParseNotification(tt.forge(r, body))
			if !errors.Is(err, payment.ErrBadSignature) {
				t.Errorf("%s: err = %v, want ErrBadSignature", tt.reason, err)
			}
		})
	}
	t.Run("Genuine", func(t *testing.T) {
		r, _ := genuine()
		if _, err := sb.ParseNotification(r); err != nil {
			t.Errorf("the untouched notification: %v", err)
		}
	})
}

// R-DON-1: a notification signed more than 5 minutes from now, either way, is
// refused as a possible replay; within 5 minutes it is accepted.
func TestSandboxRefusesStale(t *testing.T) {
	c := newFakeClock()
	sb := newTestSandbox(t, payment.SandboxConfig{Now: c.Now, Sleep: c.Sleep, ManualDelivery: true})
	createAndPay(t, sb, "order-000003", 1000, "http://127.0.0.1/notify")
	req, _ := sb.NotificationRequest(context.Background(), "order-000003")
	body, _ := io.ReadAll(req.Body)
	now := c.Now().Unix()
	for _, tt := range []struct {
		skew time.Duration
		want error
	}{
		{-6 * time.Minute, payment.ErrStale},
		{-5*time.Minute - time.Second, payment.ErrStale},
		{-4 * time.Minute, nil},
		{0, nil},
		{4 * time.Minute, nil},
		{6 * time.Minute, payment.ErrStale},
		{-30 * 24 * time.Hour, payment.ErrStale},
	} {
		_, err := sb.ParseNotification(signed(sb, now+int64(tt.skew/time.Second), body))
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("signed %v from now: err = %v, want %v", tt.skew, err, tt.want)
		}
	}
	// A replay of a genuine notification, ten minutes later.
	req, _ = sb.NotificationRequest(context.Background(), "order-000003")
	c.Add(10 * time.Minute)
	if _, err := sb.ParseNotification(req); !errors.Is(err, payment.ErrStale) {
		t.Errorf("replayed 10 minutes later: err = %v, want ErrStale", err)
	}
}

// A correctly signed body that is not a successful payment with every field
// in place is malformed, and an oversized body is refused before anything.
func TestSandboxRefusesMalformed(t *testing.T) {
	c := newFakeClock()
	sb := newTestSandbox(t, payment.SandboxConfig{Now: c.Now, ManualDelivery: true})
	good := map[string]any{
		"id": "n1", "create_time": "2026-03-01T18:00:00+08:00", "event_type": "TRANSACTION.SUCCESS",
		"resource": map[string]any{"out_trade_no": "order-000004", "transaction_id": "sbx1", "mchid": "1900000001",
			"amount_fen": 500, "success_time": "2026-03-01T18:00:00+08:00"},
	}
	encode := func(change func(m map[string]any)) []byte {
		b, _ := json.Marshal(good)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		change(m)
		b, _ = json.Marshal(m)
		return b
	}
	res := func(m map[string]any) map[string]any { return m["resource"].(map[string]any) }
	tests := map[string][]byte{
		"NotJSON":       []byte("not json"),
		"Empty":         nil,
		"Trailing":      append(encode(func(map[string]any) {}), []byte(" {}")...),
		"EventType":     encode(func(m map[string]any) { m["event_type"] = "REFUND.SUCCESS" }),
		"NoID":          encode(func(m map[string]any) { delete(m, "id") }),
		"ZeroAmount":    encode(func(m map[string]any) { res(m)["amount_fen"] = 0 }),
		"NegAmount":     encode(func(m map[string]any) { res(m)["amount_fen"] = -5 }),
		"FloatAmount":   encode(func(m map[string]any) { res(m)["amount_fen"] = 12.5 }),
		"BadOrder":      encode(func(m map[string]any) { res(m)["out_trade_no"] = "a b" }),
		"NoTransaction": encode(func(m map[string]any) { delete(res(m), "transaction_id") }),
		"NoMerchant":    encode(func(m map[string]any) { delete(res(m), "mchid") }),
		"BadTime":       encode(func(m map[string]any) { res(m)["success_time"] = "yesterday" }),
		"UnknownField":  encode(func(m map[string]any) { m["amount_yuan"] = 5 }),
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := sb.ParseNotification(signed(sb, c.Now().Unix(), body))
			if !errors.Is(err, payment.ErrMalformed) {
				t.Errorf("err = %v, want ErrMalformed", err)
			}
		})
	}
	t.Run("Good", func(t *testing.T) {
		p, err := sb.ParseNotification(signed(sb, c.Now().Unix(), encode(func(map[string]any) {})))
		if err != nil || p.Amount != 500 || p.OrderID != "order-000004" || p.TransactionID != "sbx1" {
			t.Errorf("ParseNotification = %+v, %v", p, err)
		}
	})
	t.Run("TooLarge", func(t *testing.T) {
		body := encode(func(m map[string]any) { m["pad"] = strings.Repeat("x", payment.MaxNotificationBody) })
		_, err := sb.ParseNotification(signed(sb, c.Now().Unix(), body))
		if !errors.Is(err, payment.ErrMalformed) {
			t.Errorf("err = %v, want ErrMalformed", err)
		}
	})
}

// R-DON-1: with duplicates switched on, every delivery arrives more than
// once, each copy genuine, with the same notification and transaction id —
// and once a delivery is acknowledged, nothing more is sent.
func TestSandboxDuplicates(t *testing.T) {
	sb, rc, c := faultSandbox(t, payment.Faults{Duplicates: 2}, nil)
	paid := createAndPay(t, sb, "order-dup-01", 700, rc.srv.URL)
	sb.Wait()
	got := rc.receipts()
	if len(got) != 3 {
		t.Fatalf("%d notifications arrived, want 3 (the delivery and 2 duplicates)", len(got))
	}
	for i, r := range got {
		if r.err != nil {
			t.Fatalf("copy %d: %v", i, r.err)
		}
		if r.TransactionID != paid.TransactionID || r.NotificationID != got[0].NotificationID {
			t.Errorf("copy %d = %+v, want the same transaction %s and notification %s", i, r.Payment, paid.TransactionID, got[0].NotificationID)
		}
	}
	if s := c.Slept(); len(s) != 0 {
		t.Errorf("the sandbox waited %v after an acknowledged delivery, want no re-send", s)
	}
}

// R-DON-1: an unacknowledged notification is sent again on WeChat Pay's
// schedule until acknowledged, and not after.
func TestSandboxResendsUntilAcknowledged(t *testing.T) {
	const refusals = 4
	sb, rc, c := faultSandbox(t, payment.Faults{}, func(n int, _ payment.Payment) bool { return n < refusals })
	createAndPay(t, sb, "order-retry1", 900, rc.srv.URL)
	sb.Wait()
	if got := len(rc.receipts()); got != refusals+1 {
		t.Fatalf("%d deliveries, want %d (refused %d times, then acknowledged)", got, refusals+1, refusals)
	}
	sched := payment.WeChatSchedule()
	slept := c.Slept()
	if len(slept) != refusals {
		t.Fatalf("waited %d times, want %d", len(slept), refusals)
	}
	for i, d := range slept {
		if want := sched[i+1] - sched[i]; d != want {
			t.Errorf("wait %d = %v, want %v", i, d, want)
		}
	}
	// Later notifications are not stale: each is signed when it is sent.
	for i, r := range rc.receipts() {
		if r.err != nil {
			t.Errorf("delivery %d: %v", i, r.err)
		}
	}
}

// R-DON-1: a notification never acknowledged is sent on the whole schedule:
// 16 deliveries over 24 h 4 min, then the sandbox gives up.
func TestSandboxWholeSchedule(t *testing.T) {
	sb, rc, c := faultSandbox(t, payment.Faults{}, func(int, payment.Payment) bool { return true })
	createAndPay(t, sb, "order-never1", 900, rc.srv.URL)
	sb.Wait()
	if got, want := len(rc.receipts()), len(payment.WeChatSchedule()); got != want {
		t.Errorf("%d deliveries, want %d", got, want)
	}
	var total time.Duration
	for _, d := range c.Slept() {
		total += d
	}
	if total != 24*time.Hour+4*time.Minute {
		t.Errorf("deliveries spread over %v, want 24h4m", total)
	}
}

// R-DON-1: with reordering switched on, notifications of different orders
// arrive in another order than the orders were paid; each still arrives.
func TestSandboxOutOfOrder(t *testing.T) {
	sb, rc, _ := faultSandbox(t, payment.Faults{Reorder: 3}, nil)
	ids := []string{"order-ooo-01", "order-ooo-02", "order-ooo-03", "order-ooo-04"}
	for _, id := range ids {
		createAndPay(t, sb, id, 100, rc.srv.URL)
	}
	sb.Wait()
	var got []string
	for _, r := range rc.receipts() {
		got = append(got, r.OrderID)
	}
	want := []string{"order-ooo-03", "order-ooo-02", "order-ooo-01"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("arrived in order %v, want %v (the fourth is still held)", got, want)
	}
	sb.Flush()
	sb.Wait()
	if r := rc.receipts(); len(r) != 4 || r[3].OrderID != "order-ooo-04" {
		t.Errorf("after Flush: %d receipts, want the fourth order's too", len(r))
	}
}

// Late notifications: the first delivery waits Faults.Delay.
func TestSandboxLate(t *testing.T) {
	sb, rc, c := faultSandbox(t, payment.Faults{Delay: 3 * time.Minute}, nil)
	createAndPay(t, sb, "order-late01", 100, rc.srv.URL)
	sb.Wait()
	if s := c.Slept(); len(s) != 1 || s[0] != 3*time.Minute {
		t.Errorf("waited %v, want one wait of 3m before the first delivery", s)
	}
	if r := rc.receipts(); len(r) != 1 || r[0].err != nil {
		t.Errorf("receipts = %+v, want one genuine", r)
	}
}

// Deliver sends a paid order's notification now and reports whether it was
// acknowledged; an acknowledged Deliver ends the sandbox's own re-sending.
func TestSandboxDeliver(t *testing.T) {
	refuse := true
	var mu sync.Mutex
	c := newFakeClock()
	sb := newTestSandbox(t, payment.SandboxConfig{Now: c.Now, Sleep: c.Sleep, ManualDelivery: true})
	rc := newReceiver(t, sb, func(int, payment.Payment) bool { mu.Lock(); defer mu.Unlock(); return refuse })
	ctx := context.Background()
	o := validOrder()
	o.NotifyURL = rc.srv.URL
	if _, err := sb.Create(ctx, o); err != nil {
		t.Fatal(err)
	}
	if err := sb.Deliver(ctx, o.ID); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("Deliver of an unpaid order: err = %v, want Conflict", err)
	}
	if err := sb.Deliver(ctx, "no-such-order"); !errors.Is(err, payment.ErrUnknownOrder) {
		t.Errorf("Deliver of an unknown order: err = %v, want ErrUnknownOrder", err)
	}
	if _, err := sb.Pay(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(rc.receipts()); n != 0 {
		t.Errorf("ManualDelivery: %d notifications sent by themselves", n)
	}
	if err := sb.Deliver(ctx, o.ID); err == nil {
		t.Error("Deliver refused by the receiver: err = nil")
	}
	mu.Lock()
	refuse = false
	mu.Unlock()
	if err := sb.Deliver(ctx, o.ID); err != nil {
		t.Errorf("Deliver acknowledged: %v", err)
	}
	if n := len(rc.receipts()); n != 2 {
		t.Errorf("%d notifications, want 2", n)
	}
}

// Acknowledge answers success with 204, the platform's failure with 500, a
// refused notification with 4xx, each failure with WeChat Pay's
// {"code":"FAIL"} body, whose message is a key, never the error's detail.
func TestSandboxAcknowledge(t *testing.T) {
	sb := newTestSandbox(t, payment.SandboxConfig{})
	w := httptest.NewRecorder()
	sb.Acknowledge(w, nil)
	if w.Code != http.StatusNoContent {
		t.Errorf("success: status %d, want 204", w.Code)
	}
	w = httptest.NewRecorder()
	sb.Acknowledge(w, errors.Join(errors.New("database at 10.0.0.5 is down"), apperr.New(apperr.Unavailable, "payment.stale")))
	var body struct{ Code, Message string }
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if w.Code != http.StatusInternalServerError || body.Code != "FAIL" || body.Message == "" {
		t.Errorf("failure: %d %+v, want 500 FAIL with a message", w.Code, body)
	}
	if strings.Contains(w.Body.String(), "10.0.0.5") {
		t.Errorf("failure body leaks the error's detail: %s", w.Body)
	}
	// A refused notification is the sender's fault: 4xx.
	for _, c := range []struct {
		err  error
		want int
	}{{payment.ErrBadSignature, http.StatusUnauthorized}, {payment.ErrStale, http.StatusUnauthorized},
		{payment.ErrMalformed, http.StatusBadRequest}} {
		w := httptest.NewRecorder()
		sb.Acknowledge(w, fmt.Errorf("sandbox: %w", c.err))
		if w.Code != c.want || !strings.Contains(w.Body.String(), `"FAIL"`) {
			t.Errorf("%v: %d %s, want %d FAIL", c.err, w.Code, w.Body, c.want)
		}
	}
}

var (
	inlineScript = regexp.MustCompile(`(?i)<script|<style|\sstyle\s*=|\son[a-z]+\s*=|javascript:`)
)

// R-DON-1: the hosted checkout page shows the order, passes the content
// security policy (no script, no inline style), and a double-clicked Pay
// pays once.
func TestSandboxCheckout(t *testing.T) {
	sb := newTestSandbox(t, payment.SandboxConfig{ManualDelivery: true, BaseURL: "http://pay.example"})
	o := validOrder()
	co, err := sb.Create(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(co.RedirectURL)
	if err != nil || u.Host != "pay.example" || u.Path != "/sandbox/checkout/"+o.ID || u.Query().Get("t") == "" {
		t.Fatalf("RedirectURL = %q", co.RedirectURL)
	}
	h := sb.Handler()
	get := func(target, lang string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		r.Header.Set("Accept-Language", lang)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	post := func(token, action string) *httptest.ResponseRecorder {
		form := url.Values{"t": {token}, "action": {action}}
		r := httptest.NewRequest(http.MethodPost, u.Path, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	token := u.Query().Get("t")
	for _, lang := range []i18n.Lang{i18n.ZH, i18n.EN} {
		w := get(u.RequestURI(), string(lang))
		page := w.Body.String()
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", lang, w.Code)
		}
		for _, want := range []string{o.Amount.Format(lang), i18n.T(lang, "payment.sandbox_pay"), i18n.T(lang, "payment.sandbox_cancel"), `value="` + token + `"`} {
			if !strings.Contains(page, want) {
				t.Errorf("%s page lacks %q", lang, want)
			}
		}
		if m := inlineScript.FindString(page); m != "" {
			t.Errorf("%s page has inline script or style: %q", lang, m)
		}
	}
	if w := get(u.Path+"?t=wrong", "en"); w.Code != http.StatusNotFound {
		t.Errorf("GET with a wrong token: %d, want 404", w.Code)
	}
	if w := post("wrong", "pay"); w.Code != http.StatusNotFound {
		t.Errorf("POST with a wrong token: %d, want 404", w.Code)
	}
	if w := post(token, "cancel"); w.Code != http.StatusSeeOther {
		t.Errorf("Cancel: %d, want 303", w.Code)
	}
	if p, _ := sb.Query(context.Background(), o.ID); p.State != payment.NotPaid {
		t.Errorf("after Cancel: %s, want not paid", p.State)
	}
	w := post(token, "pay")
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != o.ReturnURL {
		t.Errorf("Pay: %d to %q, want 303 to %q", w.Code, w.Header().Get("Location"), o.ReturnURL)
	}
	first, _ := sb.Query(context.Background(), o.ID)
	post(token, "pay") // the double click
	second, _ := sb.Query(context.Background(), o.ID)
	if first.State != payment.Paid || first.TransactionID == "" || second.TransactionID != first.TransactionID {
		t.Errorf("after two clicks: %+v then %+v, want one payment", first, second)
	}
	if page := get(u.RequestURI(), "en").Body.String(); !strings.Contains(page, i18n.T(i18n.EN, "payment.sandbox_paid")) || strings.Contains(page, "<form") {
		t.Errorf("a paid order's page still offers to pay:\n%s", page)
	}
}

// Query and Refund follow the simulator's state; a refund number used twice
// refunds once, and refunds never add up to more than the order.
func TestSandboxQueryAndRefund(t *testing.T) {
	ctx := context.Background()
	sb := newTestSandbox(t, payment.SandboxConfig{ManualDelivery: true})
	if _, err := sb.Query(ctx, "order-none01"); !errors.Is(err, payment.ErrUnknownOrder) {
		t.Errorf("Query unknown: %v, want ErrUnknownOrder", err)
	}
	o := validOrder()
	if _, err := sb.Create(ctx, o); err != nil {
		t.Fatal(err)
	}
	refund := payment.Refund{OrderID: o.ID, RefundID: "refund-0001", Amount: 2000, Total: o.Amount}
	if _, err := sb.Refund(ctx, refund); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("Refund of an unpaid order: %v, want Conflict", err)
	}
	paid, err := sb.Pay(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	refund.TransactionID = paid.TransactionID
	res, err := sb.Refund(ctx, refund)
	if err != nil || res.State != payment.RefundSuccess || res.RefundID != refund.RefundID || res.ProviderRefundID == "" {
		t.Fatalf("Refund = %+v, %v", res, err)
	}
	again, err := sb.Refund(ctx, refund)
	if err != nil || again != res {
		t.Errorf("the same refund again = %+v, %v; want the first result %+v", again, err, res)
	}
	if p, _ := sb.Query(ctx, o.ID); p.State != payment.Refunded {
		t.Errorf("after a refund: %s, want refunded", p.State)
	}
	for name, r := range map[string]payment.Refund{
		"TooMuch":        {OrderID: o.ID, RefundID: "refund-0002", Amount: o.Amount - 2000 + 1, Total: o.Amount},
		"WrongTotal":     {OrderID: o.ID, RefundID: "refund-0003", Amount: 1, Total: o.Amount + 1},
		"WrongTx":        {OrderID: o.ID, TransactionID: "sbxother", RefundID: "refund-0004", Amount: 1, Total: o.Amount},
		"ZeroAmount":     {OrderID: o.ID, RefundID: "refund-0005", Amount: 0, Total: o.Amount},
		"BadRefundID":    {OrderID: o.ID, RefundID: "r", Amount: 1, Total: o.Amount},
		"ReusedRefundID": {OrderID: o.ID, RefundID: "refund-0001", Amount: 1, Total: o.Amount},
	} {
		if _, err := sb.Refund(ctx, r); err == nil {
			t.Errorf("%s: refunded", name)
		} else if e := apperr.As(err); e == nil || !i18n.Has(e.Key) {
			t.Errorf("%s: %v, want an *apperr.Error with a catalog key", name, err)
		}
	}
	rest := payment.Refund{OrderID: o.ID, RefundID: "refund-0006", Amount: o.Amount - 2000, Total: o.Amount}
	// The rest is more than the day's money net of the fee: refused until
	// the balance is topped up (R-DON-2).
	if _, err := sb.Refund(ctx, rest); !errors.Is(err, payment.ErrNotEnough) {
		t.Errorf("refunding the rest beyond the balance: %v, want ErrNotEnough", err)
	}
	if err := sb.Fund(ctx, "CFRT1", payment.SandboxFee(o.Amount)); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.Refund(ctx, rest); err != nil {
		t.Errorf("refunding the rest: %v", err)
	}
}

// Creating an order twice is harmless; reusing its number for another amount
// is a conflict; an expired order closes and cannot be paid.
func TestSandboxCreateAgainAndExpiry(t *testing.T) {
	ctx := context.Background()
	c := newFakeClock()
	sb := newTestSandbox(t, payment.SandboxConfig{Now: c.Now, ManualDelivery: true})
	o := validOrder()
	o.ExpiresAt = c.Now().Add(30 * time.Minute)
	a, err := sb.Create(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sb.Create(ctx, o)
	if err != nil || b.RedirectURL != a.RedirectURL {
		t.Errorf("Create again = %+v, %v; want %+v", b, err, a)
	}
	o2 := o
	o2.Amount++
	if _, err := sb.Create(ctx, o2); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("Create with another amount: %v, want Conflict", err)
	}
	c.Add(31 * time.Minute)
	if _, err := sb.Pay(ctx, o.ID); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("Pay after expiry: %v, want Conflict", err)
	}
	if p, _ := sb.Query(ctx, o.ID); p.State != payment.Closed {
		t.Errorf("after expiry: %s, want closed", p.State)
	}
}

// A short key is refused: it would be the weakest part of the signature.
func TestSandboxConfigValidate(t *testing.T) {
	if err := (payment.SandboxConfig{Key: make([]byte, 31)}).Validate(); err == nil {
		t.Error("a 31-byte key was accepted")
	}
	if err := (payment.SandboxConfig{Key: testKey, Faults: payment.Faults{Duplicates: -1}}).Validate(); err == nil {
		t.Error("negative duplicates were accepted")
	}
	if err := (payment.SandboxConfig{Key: testKey}).Validate(); err != nil {
		t.Errorf("a good config: %v", err)
	}
}

// R-DON-1: whatever body arrives, ParseNotification never panics; unsigned it
// is ErrBadSignature, and signed it is either a complete payment or
// ErrMalformed.
func FuzzSandboxNotification(f *testing.F) {
	c := newFakeClock()
	sb := newTestSandbox(f, payment.SandboxConfig{Now: c.Now, ManualDelivery: true})
	o := validOrder()
	o.NotifyURL = "http://127.0.0.1/notify"
	if _, err := sb.Create(context.Background(), o); err != nil {
		f.Fatal(err)
	}
	if _, err := sb.Pay(context.Background(), o.ID); err != nil {
		f.Fatal(err)
	}
	req, _ := sb.NotificationRequest(context.Background(), o.ID)
	genuine, _ := io.ReadAll(req.Body)
	f.Add(genuine)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"resource":{"amount_fen":1e30}}`))
	f.Add([]byte(`{"id":"x","event_type":"TRANSACTION.SUCCESS","resource":null}`))
	f.Add([]byte("\x00\xff"))
	f.Add(bytes.Repeat([]byte("["), 10000))
	f.Fuzz(func(t *testing.T, body []byte) {
		unsigned := httptest.NewRequest(http.MethodPost, "/notify", bytes.NewReader(body))
		unsigned.Header.Set(payment.SandboxTimestampHeader, strconv.FormatInt(c.Now().Unix(), 10))
		unsigned.Header.Set(payment.SandboxNonceHeader, "n")
		unsigned.Header.Set(payment.SandboxSignatureHeader, "c2lnbmF0dXJl")
		if _, err := sb.ParseNotification(unsigned); !errors.Is(err, payment.ErrBadSignature) {
			t.Fatalf("unsigned: err = %v, want ErrBadSignature", err)
		}
		p, err := sb.ParseNotification(signed(sb, c.Now().Unix(), body))
		if err != nil {
			if !errors.Is(err, payment.ErrMalformed) {
				t.Fatalf("signed: err = %v, want nil or ErrMalformed", err)
			}
			return
		}
		if p.State != payment.Paid || p.Amount <= 0 || !payment.ValidOrderID(p.OrderID) || p.TransactionID == "" || p.Merchant == "" || p.NotificationID == "" || p.PaidAt.IsZero() {
			t.Fatalf("signed: accepted an incomplete payment %+v", p)
		}
	})
}
