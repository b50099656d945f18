package server

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/jobs"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/payment/wechatpay/wechatpaytest"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// The donation tests run the real server on a real listener, so that a
// provider's notifications come over HTTP to /pay/notify/{provider} as they
// would in production.

// payClock is a clock whose Sleep returns at once and moves Now on: the
// sandbox's 24-hour re-send schedule runs in milliseconds.
type payClock struct {
	mu  sync.Mutex
	now time.Time
}

func newPayClock() *payClock { return &payClock{now: time.Now().UTC()} }

func (c *payClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *payClock) Sleep(ctx context.Context, d time.Duration) error {
	c.Add(d)
	return ctx.Err()
}

func (c *payClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// logBuffer collects the server's log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// count returns how many logged lines have the message msg.
func (b *logBuffer) count(msg string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for line := range strings.SplitSeq(b.buf.String(), "\n") {
		var rec struct {
			Msg string `json:"msg"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == msg {
			n++
		}
	}
	return n
}

// levelCount returns how many logged lines have the level level.
func (b *logBuffer) levelCount(level string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for line := range strings.SplitSeq(b.buf.String(), "\n") {
		var rec struct {
			Level string `json:"level"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Level == level {
			n++
		}
	}
	return n
}

// payEnv is a server on a real listener with a sandbox provider.
type payEnv struct {
	s      *Server
	ts     *httptest.Server
	db     *store.DB
	sb     *payment.Sandbox
	clock  *payClock // the sandbox's
	offset time.Duration
	mu     sync.Mutex // guards offset
	logs   *logBuffer
	sms    *account.LogSender
	url    string
}

// payOptions are what a test changes of the sandbox.
type payOptions struct {
	faults payment.Faults
	manual bool
	// transport, when set, carries the sandbox's notifications.
	transport http.RoundTripper
}

func newPayEnv(t *testing.T, db *store.DB, po payOptions) *payEnv {
	t.Helper()
	keys := &keyring.Keys{}
	rand.Read(keys.Master[:])
	rand.Read(keys.Index[:])
	rand.Read(keys.Session[:])
	e := &payEnv{db: db, clock: newPayClock(), logs: &logBuffer{}, sms: &account.LogSender{}}
	e.ts = httptest.NewUnstartedServer(nil)
	e.url = "http://" + e.ts.Listener.Addr().String()
	client := &http.Client{Timeout: 10 * time.Second, Transport: po.transport}
	e.sb = payment.NewSandbox(payment.SandboxConfig{Key: platform.SandboxKey(keys), BaseURL: e.url, Merchant: "sandbox",
		Now: e.clock.Now, Sleep: e.clock.Sleep, Client: client, Faults: po.faults, ManualDelivery: po.manual})
	s, err := New(Options{Platform: newPlatform(t, platform.Config{DB: db, Keys: keys, PublicURL: e.url, SMS: e.sms,
		Payments: []payment.Provider{e.sb}, Merchants: map[string]string{"sandbox": "sandbox"}, Now: e.now}),
		Version: "test", Logger: slog.New(slog.NewJSONHandler(e.logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	e.s = s
	checkAPI(t, s)
	e.ts.Config.Handler = s.Handler()
	e.ts.Start()
	// Cleanups run last first: the sandbox stops sending, then the
	// listener closes, then the platform's writers stop (newPlatform).
	t.Cleanup(e.ts.Close)
	t.Cleanup(e.sb.Close)
	return e
}

// now is the server's clock: the wall clock moved on by what the test says.
func (e *payEnv) now() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return time.Now().Add(e.offset)
}

func (e *payEnv) advance(d time.Duration) {
	e.mu.Lock()
	e.offset += d
	e.mu.Unlock()
}

var publisherSeq struct {
	sync.Mutex
	n int
}

// fundraising publishes a request for target (campaigntest.Filing's when
// zero) and opens its channel.
func (e *payEnv) fundraising(t *testing.T, target money.Fen) int64 {
	t.Helper()
	f := campaigntest.Filing()
	if target != 0 {
		f.Target, f.EstimatedCosts = target, target
		f.Use = []campaign.UseItem{{Label: "药费", Amount: target}}
	}
	publisherSeq.Lock()
	publisherSeq.n++
	name := "publisher-" + strconv.Itoa(publisherSeq.n)
	publisherSeq.Unlock()
	ctx := context.Background()
	var id int64
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		u, err := campaigntest.User(ctx, tx, e.s.vault, name)
		if err != nil {
			return err
		}
		id, err = campaigntest.Fundraising(ctx, tx, e.s.campaigns, u, f, 0)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// signIn signs a phone number in through the public pages and returns the
// session token and the user's id.
func (e *payEnv) signIn(t *testing.T, phone string) (string, int64) {
	t.Helper()
	f := &fixture{s: e.s, db: e.db, sms: e.sms}
	return f.signInUser(t, phone)
}

// apiCall sends a JSON request to the server over HTTP, as the signed-in
// user when token is set, and returns the status and the decoded answer.
func (e *payEnv) apiCall(t *testing.T, method, path string, body any, token string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", "en")
	if token != "" {
		req.AddCookie(&http.Cookie{Name: userCookie, Value: token})
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

var clientTokens struct {
	sync.Mutex
	n int
}

func newClientToken() string {
	clientTokens.Lock()
	defer clientTokens.Unlock()
	clientTokens.n++
	return "tok-" + strconv.Itoa(clientTokens.n) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
}

// order places an order through the API and returns its number.
func (e *payEnv) order(t *testing.T, requestID int64, amount string) string {
	t.Helper()
	st, out := e.apiCall(t, "POST", "/api/v1/requests/"+itoa(requestID)+"/donations",
		map[string]any{"amount": amount, "client_token": newClientToken(), "agree_rules": donorRules(t, e.s)}, "")
	no, _ := out["order_no"].(string)
	if st != http.StatusCreated || no == "" {
		t.Fatalf("placing an order of %s: %d %v", amount, st, out)
	}
	if co, _ := out["checkout_url"].(string); !strings.HasPrefix(co, e.url+"/sandbox/checkout/"+no) {
		t.Errorf("checkout_url = %q, want the sandbox's checkout of the order", co)
	}
	return no
}

// pay pays an order at the sandbox, as the donor pressing Pay does.
func (e *payEnv) pay(t *testing.T, orderNo string) payment.Payment {
	t.Helper()
	p, err := e.sb.Pay(context.Background(), orderNo)
	if err != nil {
		t.Fatalf("paying %s: %v", orderNo, err)
	}
	return p
}

// receiptState is the order's state as GET /api/v1/donations/{no} says.
func (e *payEnv) receiptState(t *testing.T, orderNo string) string {
	t.Helper()
	st, out := e.apiCall(t, "GET", "/api/v1/donations/"+orderNo, nil, "")
	if st != http.StatusOK {
		t.Fatalf("GET the receipt of %s: %d %v", orderNo, st, out)
	}
	s, _ := out["state"].(string)
	return s
}

// donationsOf counts the donations recorded for an order.
func (e *payEnv) donationsOf(t *testing.T, orderNo string) int {
	t.Helper()
	return e.count(t, `SELECT count(*) FROM donations d JOIN donation_orders o ON o.id = d.order_id
		WHERE o.order_no = $1`, orderNo)
}

func (e *payEnv) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	ctx := context.Background()
	if err := e.db.Read(ctx, func(tx *store.Tx) error { return tx.QueryRowContext(ctx, query, args...).Scan(&n) }); err != nil {
		t.Fatal(err)
	}
	return n
}

// totals returns what the request raised and from how many donations.
func (e *payEnv) totals(t *testing.T, requestID int64) (money.Fen, int) {
	t.Helper()
	ctx := context.Background()
	var raised money.Fen
	var n int
	err := e.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		raised, n, err = donation.Totals(ctx, tx, requestID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return raised, n
}

// balance is the ledger balance of the request's account.
func (e *payEnv) balance(t *testing.T, requestID int64) money.Fen {
	t.Helper()
	b, err := e.s.ledger.Balance(context.Background(), "request:"+itoa(requestID))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkBooks checks that the request raised want from n donations, that
// its ledger account holds the same, and that the ledger verifies.
func (e *payEnv) checkBooks(t *testing.T, requestID int64, want money.Fen, n int) {
	t.Helper()
	if raised, got := e.totals(t, requestID); raised != want || got != n {
		t.Errorf("request %d raised %s from %d donations, want %s from %d", requestID, raised, got, want, n)
	}
	if b := e.balance(t, requestID); b != want {
		t.Errorf("request %d's ledger account holds %s, want %s", requestID, b, want)
	}
	if _, err := ledger.Verify(context.Background(), e.db); err != nil {
		t.Errorf("ledger.Verify: %v", err)
	}
}

// post sends a notification to the server as a provider would.
func (e *payEnv) post(t *testing.T, provider string, body []byte, header http.Header) int {
	t.Helper()
	req, err := http.NewRequest("POST", e.url+"/pay/notify/"+provider, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// serverErrors is how many answers of the notification endpoint the
// metrics count as server errors (5xx).
func (e *payEnv) serverErrors(t *testing.T) int {
	t.Helper()
	w := httptest.NewRecorder()
	e.s.MetricsHandler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	n := 0
	for line := range strings.SplitSeq(w.Body.String(), "\n") {
		if !strings.HasPrefix(line, `carefund_http_requests_total{route="POST /pay/notify/{provider}"`) ||
			!strings.Contains(line, `code="5`) {
			continue
		}
		_, v, _ := strings.Cut(line, "} ")
		k, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			t.Fatalf("metrics line %q", line)
		}
		n += k
	}
	return n
}

// sandboxBody is a sandbox notification's JSON, written here from its
// documented shape so a test can say anything in it.
func sandboxBody(orderNo, txID, merchant string, amount money.Fen, at time.Time) []byte {
	b, _ := json.Marshal(map[string]any{
		"id": "n-" + txID, "create_time": at.Format(time.RFC3339), "event_type": payment.SandboxEvent,
		"resource": map[string]any{"out_trade_no": orderNo, "transaction_id": txID, "mchid": merchant,
			"amount_fen": int64(amount), "success_time": at.Format(time.RFC3339)},
	})
	return b
}

// signedHeader signs body as the sandbox does, at the time ts.
func (e *payEnv) signedHeader(body []byte, ts time.Time) http.Header {
	t := strconv.FormatInt(ts.Unix(), 10)
	nonce := "nonce-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	return http.Header{"Content-Type": {"application/json"}, payment.SandboxTimestampHeader: {t},
		payment.SandboxNonceHeader: {nonce}, payment.SandboxSignatureHeader: {e.sb.Sign(t, nonce, body)}}
}

// orderOf reads the order number of a sandbox notification body.
func orderOf(body []byte) string {
	var n struct {
		Resource struct {
			OutTradeNo string `json:"out_trade_no"`
		} `json:"resource"`
	}
	json.Unmarshal(body, &n)
	return n.Resource.OutTradeNo
}

// faultyTransport carries notifications, except that drop decides, for the
// n-th delivery of an order (from 1), to lose it before it arrives
// ("before") or to lose the answer after the server handled it ("after").
type faultyTransport struct {
	drop func(orderNo string, n int) string
	mu   sync.Mutex
	seen map[string]int
}

func (f *faultyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		return nil, err
	}
	no := orderOf(body)
	f.mu.Lock()
	if f.seen == nil {
		f.seen = map[string]int{}
	}
	f.seen[no]++
	n := f.seen[no]
	f.mu.Unlock()
	what := f.drop(no, n)
	if what == "before" {
		return nil, errors.New("test: the notification was lost on its way")
	}
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	resp, err := http.DefaultTransport.RoundTrip(r2)
	if err != nil || what != "after" {
		return resp, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return nil, errors.New("test: the answer was lost on its way back")
}

func (f *faultyTransport) deliveries(no string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen[no]
}

// R-DON-1: whatever habits the provider has — copies of every notification,
// notifications of different orders out of order, late ones, and the whole
// re-send schedule when the first deliveries or their answers are lost —
// every paid order is exactly one donation, the totals are right and the
// ledger verifies.
func TestNotificationHabits(t *testing.T) {
	amounts := []string{"10", "25.50", "100", "7", "66.60", "200", "1"}
	var sum money.Fen
	for _, a := range amounts {
		f, err := money.Parse(a)
		if err != nil {
			t.Fatal(err)
		}
		sum += f
	}
	cases := []struct {
		name   string
		faults payment.Faults
	}{
		{"duplicates", payment.Faults{Duplicates: 3}},
		{"reordered", payment.Faults{Reorder: 5}},
		{"late", payment.Faults{Delay: 10 * time.Minute}},
		{"all together", payment.Faults{Duplicates: 2, Reorder: 3, Delay: 3 * time.Minute}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				e := newPayEnv(t, db, payOptions{faults: c.faults})
				id := e.fundraising(t, 0)
				var nos []string
				for _, a := range amounts {
					no := e.order(t, id, a)
					nos = append(nos, no)
					e.pay(t, no)
				}
				e.sb.Flush()
				e.sb.Wait()
				for i, no := range nos {
					if n := e.donationsOf(t, no); n != 1 {
						t.Errorf("order %d (%s): %d donations, want 1", i, amounts[i], n)
					}
					if st := e.receiptState(t, no); st != donation.StatePaid {
						t.Errorf("order %d: receipt state %q, want paid", i, st)
					}
				}
				e.checkBooks(t, id, sum, len(amounts))
				if n := e.count(t, "SELECT count(*) FROM donation_quarantine"); n != 0 {
					t.Errorf("%d payments quarantined, want none", n)
				}
			})
		})
	}
}

// R-DON-1: a notification is sent on WeChat Pay's whole schedule while it
// is not acknowledged: one lost on the way fifteen times arrives at the
// sixteenth delivery, 24 h 4 min later; one whose answers are lost after
// the server recorded it is sent again and counted once.
func TestNotificationResendSchedule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		sched := payment.WeChatSchedule()
		var lostAll, lostAnswers string
		tr := &faultyTransport{drop: func(no string, n int) string {
			switch {
			case no == lostAll && n < len(sched):
				return "before"
			case no == lostAnswers && n <= 3:
				return "after"
			}
			return ""
		}}
		e := newPayEnv(t, db, payOptions{transport: tr})
		id := e.fundraising(t, 0)
		lostAll = e.order(t, id, "88")
		lostAnswers = e.order(t, id, "12")
		// One order at a time, so that the clock's moves are each one's
		// own, and the quick one first: after the whole schedule the
		// other's order would have expired at the sandbox.
		e.pay(t, lostAnswers)
		e.sb.Wait()
		if n := tr.deliveries(lostAnswers); n != 4 {
			t.Errorf("the notification whose answers were lost was delivered %d times, want 4", n)
		}
		start := e.clock.Now()
		e.pay(t, lostAll)
		e.sb.Wait()
		if n := tr.deliveries(lostAll); n != len(sched) {
			t.Errorf("the lost notification was delivered %d times, want the whole schedule's %d", n, len(sched))
		}
		if waited := e.clock.Now().Sub(start); waited != sched[len(sched)-1] {
			t.Errorf("the deliveries spread over %v, want %v", waited, sched[len(sched)-1])
		}
		for _, no := range []string{lostAll, lostAnswers} {
			if n := e.donationsOf(t, no); n != 1 {
				t.Errorf("order %s: %d donations, want 1", no, n)
			}
		}
		e.checkBooks(t, id, 100_00, 2)
	})
}

// R-DON-1: a notification with a bad signature, a stale timestamp or a
// malformed body is refused (not 2xx, so a real provider would send it
// again), logged, and changes nothing; the genuine one then counts.
func TestNotificationRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newPayEnv(t, db, payOptions{manual: true})
		id := e.fundraising(t, 0)
		no := e.order(t, id, "50")
		paid := e.pay(t, no)
		genuine, err := e.sb.NotificationRequest(context.Background(), no)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(genuine.Body)
		now := e.clock.Now()

		forged := genuine.Header.Clone()
		other := payment.NewSandbox(payment.SandboxConfig{Key: []byte(strings.Repeat("x", 32)), ManualDelivery: true})
		defer other.Close()
		forged.Set(payment.SandboxSignatureHeader, other.Sign(forged.Get(payment.SandboxTimestampHeader),
			forged.Get(payment.SandboxNonceHeader), body))
		tampered := bytes.Replace(body, []byte(`"amount_fen":5000`), []byte(`"amount_fen":500000`), 1)
		if bytes.Equal(tampered, body) {
			t.Fatalf("the notification body has no amount_fen 5000: %s", body)
		}
		malformed := []byte(`{"id":"x","event_type":"TRANSACTION.SUCCESS","resource":`)
		cases := []struct {
			name   string
			body   []byte
			header http.Header
		}{
			{"signed by another key", body, forged},
			{"body changed after signing", tampered, genuine.Header},
			{"unsigned", body, http.Header{"Content-Type": {"application/json"}}},
			{"stale", body, e.signedHeader(body, now.Add(-10*time.Minute))},
			{"from the future", body, e.signedHeader(body, now.Add(10*time.Minute))},
			{"malformed", malformed, e.signedHeader(malformed, now)},
			{"not JSON", []byte("total=5000"), e.signedHeader([]byte("total=5000"), now)},
		}
		for _, c := range cases {
			before := e.logs.count("refused a payment notification")
			// The sender's fault: a 4xx, never a server error (issue 13, 8c).
			if st := e.post(t, "sandbox", c.body, c.header); st != http.StatusUnauthorized && st != http.StatusBadRequest {
				t.Errorf("%s: answered %d, want 400 or 401", c.name, st)
			}
			if after := e.logs.count("refused a payment notification"); after != before+1 {
				t.Errorf("%s: %d refusals logged, want %d", c.name, after, before+1)
			}
			if n := e.count(t, "SELECT count(*) FROM donations") + e.count(t, "SELECT count(*) FROM donation_quarantine"); n != 0 {
				t.Fatalf("%s: %d payments recorded, want none", c.name, n)
			}
		}
		if st := e.receiptState(t, no); st != donation.StatePending {
			t.Errorf("after the refusals the order is %q, want pending", st)
		}
		if n := e.logs.levelCount("ERROR"); n != 0 {
			t.Errorf("%d error lines logged for refused notifications, want none (warnings)", n)
		}
		if n := e.serverErrors(t); n != 0 {
			t.Errorf("the metrics count %d server errors for refused notifications, want none", n)
		}
		e.checkBooks(t, id, 0, 0)
		// Unknown providers are Not Found.
		if st := e.post(t, "alipay", body, genuine.Header); st != http.StatusNotFound {
			t.Errorf("a notification for an unknown provider: %d, want 404", st)
		}
		// The genuine notification, sent now, counts once.
		if err := e.sb.Deliver(context.Background(), no); err != nil {
			t.Fatalf("the genuine notification: %v", err)
		}
		if n := e.donationsOf(t, no); n != 1 {
			t.Errorf("%d donations after the genuine notification, want 1", n)
		}
		var txID string
		ctx := context.Background()
		e.db.Read(ctx, func(tx *store.Tx) error {
			rc, err := donation.ReceiptByOrder(ctx, tx, no)
			txID = rc.TransactionID
			return err
		})
		if txID != paid.TransactionID {
			t.Errorf("the donation's transaction is %q, want the sandbox's %q", txID, paid.TransactionID)
		}
		e.checkBooks(t, id, 50_00, 1)
	})
}

// R-DON-1: a verified notification that does not match its order — another
// amount, another merchant, an order we never placed — is answered 2xx, so
// the provider stops sending it, and quarantined with its reason; it is
// never credited, however often it comes.
func TestNotificationQuarantined(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newPayEnv(t, db, payOptions{manual: true})
		id := e.fundraising(t, 0)
		// One genuine donation first, so "unchanged" is not just zero.
		first := e.order(t, id, "30")
		e.pay(t, first)
		if err := e.sb.Deliver(context.Background(), first); err != nil {
			t.Fatal(err)
		}
		e.checkBooks(t, id, 30_00, 1)

		wrongAmount := e.order(t, id, "40")
		wrongMerchant := e.order(t, id, "40")
		now := e.clock.Now()
		cases := []struct {
			name, order, txID, merchant string
			amount                      money.Fen
			reason, state               string
		}{
			{"wrong amount", wrongAmount, "sbx-amount-1", "sandbox", 4_00, donation.AmountMismatch, donation.StateHeld},
			{"wrong merchant", wrongMerchant, "sbx-merchant-1", "1900000099", 40_00, donation.MerchantMismatch, donation.StateHeld},
			{"unknown order", "NoSuchOrder0000000000001", "sbx-unknown-1", "sandbox", 40_00, donation.UnknownOrder, ""},
		}
		for _, c := range cases {
			body := sandboxBody(c.order, c.txID, c.merchant, c.amount, now)
			for range 2 { // the second time is a replay
				if st := e.post(t, "sandbox", body, e.signedHeader(body, now)); st/100 != 2 {
					t.Errorf("%s: answered %d, want 2xx so the provider stops", c.name, st)
				}
			}
			var reason string
			var rows int
			ctx := context.Background()
			err := e.db.Read(ctx, func(tx *store.Tx) error {
				if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM donation_quarantine WHERE transaction_id = $1",
					c.txID).Scan(&rows); err != nil {
					return err
				}
				return tx.QueryRowContext(ctx, "SELECT reason FROM donation_quarantine WHERE transaction_id = $1",
					c.txID).Scan(&reason)
			})
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if rows != 1 || reason != c.reason {
				t.Errorf("%s: %d quarantine rows with reason %q, want 1 with %q", c.name, rows, reason, c.reason)
			}
			if c.state != "" {
				if st := e.receiptState(t, c.order); st != c.state {
					t.Errorf("%s: the order's receipt is %q, want %q", c.name, st, c.state)
				}
				if n := e.donationsOf(t, c.order); n != 0 {
					t.Errorf("%s: %d donations, want none", c.name, n)
				}
			}
		}
		if got := e.logs.count("quarantined a payment"); got != len(cases) {
			t.Errorf("%d quarantines logged, want %d (the replays are not new)", got, len(cases))
		}
		e.checkBooks(t, id, 30_00, 1)
	})
}

// R-DON-1 (issue 13, 8c): a notification that reuses a transaction id with
// another amount or merchant is compared with what was recorded for that
// transaction and quarantined — never dropped, never credited — whether it
// comes after the genuine one or before it; the genuine one is credited
// exactly once either way, and every copy, duplicates included, is
// answered 2xx only once it is recorded.
func TestNotificationReusedTransaction(t *testing.T) {
	for _, conflict := range []string{"amount", "merchant"} {
		for _, conflictFirst := range []bool{false, true} {
			name := conflict + "/genuine first"
			if conflictFirst {
				name = conflict + "/conflict first"
			}
			t.Run(name, func(t *testing.T) {
				storetest.Each(t, func(t *testing.T, db *store.DB) {
					e := newPayEnv(t, db, payOptions{manual: true})
					id := e.fundraising(t, 0)
					no := e.order(t, id, "50")
					paid := e.pay(t, no)
					now := e.clock.Now()
					genuine := sandboxBody(no, paid.TransactionID, "sandbox", 50_00, now)
					amount, merchant, reason := money.Fen(50_00), "sandbox", donation.AmountMismatch
					if conflict == "amount" {
						amount = 5_00
					} else {
						merchant, reason = "1900000099", donation.MerchantMismatch
					}
					copy := sandboxBody(no, paid.TransactionID, merchant, amount, now)
					bodies := [][]byte{genuine, copy}
					if conflictFirst {
						bodies = [][]byte{copy, genuine}
					}
					// Each, then duplicates of each, in both orders.
					for _, b := range append(bodies, bodies[1], bodies[0], bodies[0], bodies[1]) {
						if st := e.post(t, "sandbox", b, e.signedHeader(b, now)); st/100 != 2 {
							t.Fatalf("answered %d, want 2xx", st)
						}
					}
					if n := e.donationsOf(t, no); n != 1 {
						t.Errorf("%d donations, want 1", n)
					}
					if st := e.receiptState(t, no); st != donation.StatePaid {
						t.Errorf("the order's receipt is %q, want paid", st)
					}
					if n := e.count(t, `SELECT count(*) FROM donation_quarantine WHERE transaction_id = $1 AND amount_fen = $2
						AND merchant = $3 AND reason = $4`, paid.TransactionID, int64(amount), merchant, reason); n != 1 {
						t.Errorf("%d quarantine rows of the conflicting copy, want 1", n)
					}
					if n := e.count(t, "SELECT count(*) FROM donation_quarantine"); n != 1 {
						t.Errorf("%d quarantine rows, want 1", n)
					}
					if got := e.logs.count("quarantined a payment"); got != 1 {
						t.Errorf("%d quarantines logged, want 1", got)
					}
					e.checkBooks(t, id, 50_00, 1)
				})
			})
		}
	}
}

// R-DON-1: when a notification never comes, the query job asks the
// provider after the order's expiry: a paid order is confirmed once, an
// unpaid one lapses and is not asked about again, and the notification
// that finally arrives for the paid one is a replay.
func TestQueryWhenNotificationNeverComes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newPayEnv(t, db, payOptions{manual: true})
		id := e.fundraising(t, 0)
		paid := e.order(t, id, "45")
		unpaid := e.order(t, id, "60")
		e.pay(t, paid)
		ctx := context.Background()
		res, err := jobs.QueryUnpaid(ctx, e.s.platform)
		if err != nil || res.Asked != 0 {
			t.Fatalf("before the orders expired: %+v, %v; want nothing asked", res, err)
		}
		if st := e.receiptState(t, paid); st != donation.StatePending {
			t.Errorf("before the query the paid order is %q, want pending", st)
		}
		e.advance(donation.OrderTTL + queryMargin + time.Minute)
		res, err = jobs.QueryUnpaid(ctx, e.s.platform)
		if err != nil || res.Asked != 2 || res.Confirmed != 1 || res.Lapsed != 1 {
			t.Fatalf("after expiry: %+v, %v; want 2 asked, 1 confirmed, 1 lapsed", res, err)
		}
		if st := e.receiptState(t, paid); st != donation.StatePaid {
			t.Errorf("the paid order is %q, want paid", st)
		}
		if st := e.receiptState(t, unpaid); st != donation.StateLapsed {
			t.Errorf("the unpaid order is %q, want lapsed", st)
		}
		e.advance(time.Hour)
		if res, err = jobs.QueryUnpaid(ctx, e.s.platform); err != nil || res.Asked != 0 {
			t.Errorf("the next run: %+v, %v; want nothing asked again", res, err)
		}
		// The notification arrives at last: acknowledged, counted once.
		if err := e.sb.Deliver(ctx, paid); err != nil {
			t.Fatalf("the late notification: %v", err)
		}
		if n := e.donationsOf(t, paid); n != 1 {
			t.Errorf("%d donations, want 1", n)
		}
		e.checkBooks(t, id, 45_00, 1)
	})
}

// R-PUB-4: the donation that reaches the target closes the channel in its
// own transaction; a payment for an order placed before that, arriving
// after, is recorded once, waits for its refund and is not raised; new
// orders are refused with a clear 409.
func TestClosingAtTarget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newPayEnv(t, db, payOptions{faults: payment.Faults{Duplicates: 2}})
		id := e.fundraising(t, campaign.MinTarget) // ¥1,000
		a := e.order(t, id, "600")
		b := e.order(t, id, "500")
		late := e.order(t, id, "300")
		e.pay(t, a)
		e.sb.Wait()
		if st := e.requestState(t, id); st != campaign.Fundraising {
			t.Fatalf("after ¥600 of ¥1,000 the request is %s, want fundraising", st)
		}
		e.pay(t, b)
		e.sb.Wait()
		ctx := context.Background()
		var ch campaign.Channel
		var donated int64
		err := db.Read(ctx, func(tx *store.Tx) error {
			var err error
			if ch, err = e.s.campaigns.Fundraising(ctx, tx, id); err != nil {
				return err
			}
			return tx.QueryRowContext(ctx, `SELECT d.created_at FROM donations d JOIN donation_orders o ON o.id = d.order_id
				WHERE o.order_no = $1`, b).Scan(&donated)
		})
		if err != nil {
			t.Fatal(err)
		}
		if st := e.requestState(t, id); st != campaign.Closed || !ch.Closed || ch.Closing.Reason != campaign.TargetReached {
			t.Fatalf("after reaching the target: state %s, channel %+v; want closed, target reached", st, ch)
		}
		// One transaction writes one timestamp.
		if ch.ClosedAt.UnixMicro() != donated {
			t.Errorf("the channel closed at %v, the donation that reached the target was written at %v: not one transaction",
				ch.ClosedAt, time.UnixMicro(donated).UTC())
		}
		e.pay(t, late)
		e.sb.Wait()
		if n := e.donationsOf(t, late); n != 1 {
			t.Errorf("the late payment: %d records, want 1", n)
		}
		if st := e.receiptState(t, late); st != donation.StateRefundPending {
			t.Errorf("the late payment's receipt is %q, want refund_pending", st)
		}
		if raised, n := e.totals(t, id); raised != 1_100_00 || n != 2 {
			t.Errorf("raised %s from %d, want ¥1,100 from 2: the late payment is not raised", raised, n)
		}
		if _, err := ledger.Verify(ctx, db); err != nil {
			t.Errorf("ledger.Verify: %v", err)
		}
		st, out := e.apiCall(t, "POST", "/api/v1/requests/"+itoa(id)+"/donations",
			map[string]any{"amount": "10", "client_token": newClientToken(), "agree_rules": donorRules(t, e.s)}, "")
		if want := i18n.T(i18n.EN, donation.KeyClosed); st != http.StatusConflict || out["detail"] != want {
			t.Errorf("an order after closing: %d %v; want 409 %q", st, out, want)
		}
	})
}

func (e *payEnv) requestState(t *testing.T, id int64) campaign.State {
	t.Helper()
	ctx := context.Background()
	var st campaign.State
	err := e.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		st, err = e.s.campaigns.State(ctx, tx, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// Bad input to POST /api/v1/requests/{id}/donations gets a clear answer
// and places nothing; a double click places one order (R-DON-1); an
// anonymous donor who is signed in is still recorded (R-DON-2).
func TestDonationAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newPayEnv(t, db, payOptions{})
		id := e.fundraising(t, 0)
		path := "/api/v1/requests/" + itoa(id) + "/donations"
		for _, amount := range []string{"0", "-5", "1e9", "12.345", "¥", "", "abc", "1e2"} {
			st, out := e.apiCall(t, "POST", path, map[string]any{"amount": amount, "client_token": newClientToken(), "agree_rules": donorRules(t, e.s)}, "")
			if st != http.StatusUnprocessableEntity || !hasFieldError(out, "amount") {
				t.Errorf("amount %q: %d %v; want 422 with an error on amount", amount, st, out)
			}
		}
		// Above the maximum.
		st, out := e.apiCall(t, "POST", path, map[string]any{"amount": "50000.01", "client_token": newClientToken(), "agree_rules": donorRules(t, e.s)}, "")
		if st != http.StatusUnprocessableEntity || !hasFieldError(out, "amount") {
			t.Errorf("above the maximum: %d %v; want 422 on amount", st, out)
		}
		if n := e.count(t, "SELECT count(*) FROM donation_orders"); n != 0 {
			t.Errorf("%d orders placed by bad input, want none", n)
		}
		if st, out := e.apiCall(t, "POST", "/api/v1/requests/999999/donations",
			map[string]any{"amount": "10", "client_token": newClientToken(), "agree_rules": donorRules(t, e.s)}, ""); st != http.StatusNotFound {
			t.Errorf("an unknown request: %d %v; want 404", st, out)
		}

		// A double click: the same client token, the same order.
		tok := newClientToken()
		_, first := e.apiCall(t, "POST", path, map[string]any{"amount": "20", "client_token": tok, "agree_rules": donorRules(t, e.s)}, "")
		st, again := e.apiCall(t, "POST", path, map[string]any{"amount": "20", "client_token": tok, "agree_rules": donorRules(t, e.s)}, "")
		if st != http.StatusCreated || first["order_no"] == nil || again["order_no"] != first["order_no"] {
			t.Errorf("the same client token twice: %v then %d %v; want the same order", first, st, again)
		}

		// R-DON-2: anonymous to the public, known to the platform.
		token, userID := e.signIn(t, "13800138123")
		st, anon := e.apiCall(t, "POST", path, map[string]any{"amount": "35", "anonymous": true, "message": "加油",
			"client_token": newClientToken(), "agree_rules": donorRules(t, e.s)}, token)
		no, _ := anon["order_no"].(string)
		if st != http.StatusCreated || no == "" || anon["anonymous"] != true {
			t.Fatalf("an anonymous order: %d %v", st, anon)
		}
		e.pay(t, no)
		e.sb.Wait()
		ctx := context.Background()
		var rc donation.Receipt
		var donor int64
		var recent []donation.Public
		err := db.Read(ctx, func(tx *store.Tx) error {
			var err error
			if rc, err = donation.ReceiptByOrder(ctx, tx, no); err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, "SELECT donor_user_id FROM donations WHERE id = $1", rc.DonationID).Scan(&donor); err != nil {
				return err
			}
			recent, err = donation.Recent(ctx, tx, id, 10)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if rc.DonorUserID != userID || donor != userID || !rc.Anonymous {
			t.Errorf("the anonymous order records donor %d (donation %d), anonymous %v; want %d", rc.DonorUserID, donor, rc.Anonymous, userID)
		}
		if len(recent) != 1 || recent[0].DonorUserID != 0 || !recent[0].Anonymous {
			t.Errorf("the public sees %+v; want one anonymous donation without its donor", recent)
		}

		// Closed and suspended requests take no orders.
		closed := e.fundraising(t, 0)
		suspended := e.fundraising(t, 0)
		err = db.Write(ctx, func(tx *store.Tx) error {
			if _, err := e.s.campaigns.Close(ctx, tx, closed, campaign.Closing{Reason: campaign.ClosedByStaff}, "test", "staff:1"); err != nil {
				return err
			}
			_, err := e.s.campaigns.Apply(ctx, tx, suspended, campaign.Suspend, "staff:1", "reported")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		want := i18n.T(i18n.EN, donation.KeyClosed)
		for name, rid := range map[string]int64{"closed": closed, "suspended": suspended} {
			st, out := e.apiCall(t, "POST", "/api/v1/requests/"+itoa(rid)+"/donations",
				map[string]any{"amount": "10", "client_token": newClientToken(), "agree_rules": donorRules(t, e.s)}, "")
			if st != http.StatusConflict || out["detail"] != want {
				t.Errorf("a %s request: %d %v; want 409 %q", name, st, out, want)
			}
		}
	})
}

func hasFieldError(problem map[string]any, field string) bool {
	errs, _ := problem["errors"].([]any)
	for _, e := range errs {
		if m, _ := e.(map[string]any); m["field"] == field && m["detail"] != "" {
			return true
		}
	}
	return false
}

// R-DON-1 with WeChat Pay: an order placed through the API is paid at the
// (fake) WeChat Pay, whose encrypted, RSA-signed notification comes to
// /pay/notify/wechatpay and makes one donation; the same notification
// again is a replay; one signed by another key is refused.
func TestWeChatPayEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWeChatPayEnv(t, db, wechatpaytest.Options{}, false)
		e, fake := w.payEnv, w.pay
		checkAPI(t, e.s)

		id := e.fundraising(t, 0)
		st, out := e.apiCall(t, "POST", "/api/v1/requests/"+itoa(id)+"/donations",
			map[string]any{"amount": "88.80", "client_token": newClientToken(), "agree_rules": donorRules(t, e.s)}, "")
		no, _ := out["order_no"].(string)
		if st != http.StatusCreated || no == "" {
			t.Fatalf("placing the order: %d %v", st, out)
		}
		if o, ok := fake.Order(no); !ok || o.Total != 88_80 || o.NotifyURL != e.url+"/pay/notify/wechatpay" {
			t.Fatalf("WeChat Pay has %+v (%v); want the order of ¥88.80 notifying /pay/notify/wechatpay", o, ok)
		}
		if err := fake.Pay(no); err != nil {
			t.Fatal(err)
		}
		fake.Drain()
		if d := fake.Deliveries(no); len(d) != 1 || d[0].Status/100 != 2 {
			t.Errorf("deliveries %+v; want one, acknowledged", d)
		}
		if n := e.donationsOf(t, no); n != 1 {
			t.Fatalf("%d donations, want 1", n)
		}
		if st := e.receiptState(t, no); st != donation.StatePaid {
			t.Errorf("receipt %q, want paid", st)
		}

		// The same notification again.
		replay, err := fake.Notification(no, wechatpaytest.NoFault)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(replay.Body)
		if st := e.post(t, "wechatpay", body, replay.Header); st/100 != 2 {
			t.Errorf("the replayed notification: %d, want 2xx", st)
		}
		if n := e.donationsOf(t, no); n != 1 {
			t.Errorf("after the replay %d donations, want 1", n)
		}

		// A second order, paid, whose notifications the fake spoils: the
		// genuine one signed again by another key is refused, the genuine
		// one counts.
		fake.SetFaults(wechatpaytest.Faults{Notification: wechatpaytest.TamperBody})
		st, out = e.apiCall(t, "POST", "/api/v1/requests/"+itoa(id)+"/donations",
			map[string]any{"amount": "20", "client_token": newClientToken(), "agree_rules": donorRules(t, e.s)}, "")
		second, _ := out["order_no"].(string)
		if st != http.StatusCreated || second == "" {
			t.Fatalf("placing the second order: %d %v", st, out)
		}
		if err := fake.Pay(second); err != nil {
			t.Fatal(err)
		}
		genuine, err := fake.Notification(second, wechatpaytest.NoFault)
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(genuine.Body)
		forger, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		forged := genuine.Header.Clone()
		digest := sha256.Sum256([]byte(forged.Get("Wechatpay-Timestamp") + "\n" + forged.Get("Wechatpay-Nonce") + "\n" + string(body) + "\n"))
		sig, err := rsa.SignPKCS1v15(rand.Reader, forger, crypto.SHA256, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		forged.Set("Wechatpay-Signature", base64.StdEncoding.EncodeToString(sig))
		before := e.logs.count("refused a payment notification")
		if st := e.post(t, "wechatpay", body, forged); st/100 == 2 {
			t.Errorf("a notification signed by another key: %d, want a refusal", st)
		}
		if e.logs.count("refused a payment notification") <= before {
			t.Error("the forged notification was not logged")
		}
		if n := e.donationsOf(t, second); n != 0 {
			t.Fatalf("the forged notification made %d donations", n)
		}
		if st := e.post(t, "wechatpay", body, genuine.Header); st/100 != 2 {
			t.Errorf("the genuine notification: %d, want 2xx", st)
		}
		if n := e.donationsOf(t, second); n != 1 {
			t.Errorf("after the genuine notification %d donations, want 1", n)
		}
		e.checkBooks(t, id, 108_80, 2)
		if n := e.count(t, "SELECT count(*) FROM donation_quarantine"); n != 0 {
			t.Errorf("%d payments quarantined, want none", n)
		}
	})
}

// donorRules returns the ids of the rules versions in force that a donor
// agrees to (R-RULES-2), as the form and the API send them.
func donorRules(t testing.TB, s *Server) []int64 {
	t.Helper()
	current, err := s.rules.Current(context.Background(), donation.ConsentKinds...)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, 0, len(current))
	for _, v := range current {
		ids = append(ids, v.ID)
	}
	return ids
}

// agreeJSON is donorRules as a JSON array.
func agreeJSON(t testing.TB, s *Server) string {
	b, err := json.Marshal(donorRules(t, s))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
