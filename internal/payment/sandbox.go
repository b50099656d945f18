package payment

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/money"
)

// The sandbox's notification headers, modelled on WeChat Pay v3's
// Wechatpay-Timestamp, Wechatpay-Nonce and Wechatpay-Signature.
const (
	SandboxTimestampHeader = "Sandbox-Timestamp"
	SandboxNonceHeader     = "Sandbox-Nonce"
	SandboxSignatureHeader = "Sandbox-Signature"
)

// SandboxEvent is the event type of a sandbox payment notification, as
// WeChat Pay names a successful payment.
const SandboxEvent = "TRANSACTION.SUCCESS"

// MinSandboxKey is the shortest signing key the sandbox accepts: a key
// shorter than HMAC-SHA256's output would be its weakest part.
const MinSandboxKey = 32

// SandboxConfig configures a Sandbox. Only Key is required.
type SandboxConfig struct {
	// Merchant is the merchant id the sandbox reports payments went to.
	Merchant string
	// Key signs notifications (HMAC-SHA256); at least MinSandboxKey bytes.
	Key []byte
	// BaseURL is where the platform serves Handler, with no trailing slash;
	// checkout URLs are BaseURL + "/sandbox/checkout/<order id>?t=<token>".
	BaseURL string
	// Now is the clock; time.Now by default.
	Now func() time.Time
	// Sleep waits for d or until ctx is done, whichever is first; by default
	// a real timer. Tests pass one that returns at once (and moves their Now
	// on) so that the 24-hour re-send schedule runs in milliseconds.
	Sleep func(ctx context.Context, d time.Duration) error
	// Client sends notifications; by default a client with WeChat Pay's
	// 5-second limit on an answer.
	Client *http.Client
	// Schedule is when an unacknowledged notification is sent, as offsets
	// from the first delivery; WeChatSchedule() by default.
	Schedule []time.Duration
	// ManualDelivery turns off the notifications the sandbox sends by itself
	// after a payment; the caller sends them with Deliver (the benchmark does,
	// to time them).
	ManualDelivery bool
	// Faults switches on the habits of real providers.
	Faults Faults
	// Logger receives a line when a notification is given up; nil discards.
	Logger *slog.Logger
	// RefundBook keeps the sandbox's refunds; in memory when nil. The
	// platform gives it one in its database (sandbox_psp_refunds), so that
	// refunds survive a restart.
	RefundBook SandboxRefundBook
}

// Faults are the habits of real payment providers that the platform must
// survive (R-DON-1), switched on one by one for tests. The zero value is a
// well-behaved provider that still re-sends until acknowledged.
type Faults struct {
	// Duplicates is how many extra copies of each delivery are sent, one
	// after another, whatever the answer to the first: a provider may send a
	// notification again although it was acknowledged.
	Duplicates int
	// Reorder, when 2 or more, holds the first delivery of each paid order
	// until this many orders are waiting, then delivers them newest first, so
	// notifications of different orders arrive out of order. Flush sends
	// what is held.
	Reorder int
	// Delay is how late the first delivery of each notification comes.
	Delay time.Duration
}

// Validate reports whether the configuration can be used.
func (c SandboxConfig) Validate() error {
	if len(c.Key) < MinSandboxKey {
		return fmt.Errorf("payment: the sandbox key has %d bytes, needs at least %d", len(c.Key), MinSandboxKey)
	}
	if c.Faults.Duplicates < 0 || c.Faults.Reorder < 0 || c.Faults.Delay < 0 {
		return errors.New("payment: sandbox faults cannot be negative")
	}
	for i, d := range c.Schedule {
		if d < 0 || i > 0 && d < c.Schedule[i-1] {
			return errors.New("payment: a sandbox schedule is non-negative offsets in order")
		}
	}
	return nil
}

// Sandbox is a payment provider that simulates one: a hosted checkout page
// where the payer presses Pay, and signed asynchronous notifications sent the
// way WeChat Pay sends them, faults included. It speaks a small protocol of
// its own, WeChat Pay v3's shape signed with HMAC-SHA256 instead of RSA, so no
// certificates are needed.
//
// Its orders live in memory: the state is per process and is lost when the
// process ends. ParseNotification needs only the key, so a platform
// restarted after a crash still verifies the notifications of a sandbox that
// outlived it (the crash test runs it so).
type Sandbox struct {
	cfg      SandboxConfig
	checkout *template.Template

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	orders map[string]*sandboxOrder
	held   []*sandboxOrder // paid orders whose first delivery Faults.Reorder holds back
}

// sandboxOrder is an order the sandbox holds. Its fields are guarded by the
// Sandbox's mutex.
type sandboxOrder struct {
	Order
	state          State
	transactionID  string
	paidAt         time.Time
	notificationID string
	acknowledged   bool
}

// sandboxNotification is the JSON body of a sandbox notification.
type sandboxNotification struct {
	ID         string          `json:"id"`
	CreateTime string          `json:"create_time"`
	EventType  string          `json:"event_type"`
	Resource   sandboxResource `json:"resource"`
}

type sandboxResource struct {
	OutTradeNo    string    `json:"out_trade_no"`
	TransactionID string    `json:"transaction_id"`
	MchID         string    `json:"mchid"`
	AmountFen     money.Fen `json:"amount_fen"`
	SuccessTime   string    `json:"success_time"`
}

// chinaTime is the zone WeChat Pay writes its times in; the sandbox does the
// same so that parsers meet the offsets they will meet in production.
var chinaTime = time.FixedZone("CST", 8*60*60)

//go:embed sandbox_checkout.html
var checkoutHTML string

// NewSandbox returns a sandbox provider. It panics if cfg is not valid (see
// SandboxConfig.Validate), which configuration checks before this. Close
// stops its notifications.
func NewSandbox(cfg SandboxConfig) *Sandbox {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	cfg.Key = bytes.Clone(cfg.Key)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 5 * time.Second}
	}
	if cfg.Schedule == nil {
		cfg.Schedule = WeChatSchedule()
	}
	if cfg.Merchant == "" {
		cfg.Merchant = "sandbox"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.RefundBook == nil {
		cfg.RefundBook = &memoryRefundBook{byNo: map[string]SandboxRefundEntry{}, funding: map[string]SandboxFunding{}}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Sandbox{
		cfg:      cfg,
		checkout: template.Must(template.New("checkout").Parse(checkoutHTML)),
		ctx:      ctx,
		cancel:   cancel,
		orders:   make(map[string]*sandboxOrder),
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Name returns "sandbox".
func (s *Sandbox) Name() string { return "sandbox" }

// Close stops sending notifications, drops those Faults.Reorder holds, and
// waits for deliveries in flight to end.
func (s *Sandbox) Close() {
	// Cancelling under the lock means no Pay can start a delivery after it,
	// so the Wait below cannot race with a new one.
	s.mu.Lock()
	s.cancel()
	s.held = nil
	s.mu.Unlock()
	s.wg.Wait()
}

// Wait blocks until every notification the sandbox sends by itself has been
// acknowledged or given up, apart from those Faults.Reorder holds. Call it
// only when nothing is being paid.
func (s *Sandbox) Wait() { s.wg.Wait() }

// Create records the order and returns the URL of its checkout page. Creating
// the same order again returns the same checkout; reusing an order number
// for a different amount is a Conflict.
func (s *Sandbox) Create(ctx context.Context, o Order) (Checkout, error) {
	if err := o.Validate(); err != nil {
		return Checkout{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.orders[o.ID]; ok {
		if old.Amount != o.Amount || old.NotifyURL != o.NotifyURL {
			return Checkout{}, apperr.New(apperr.Conflict, "payment.order_conflict")
		}
	} else {
		s.orders[o.ID] = &sandboxOrder{Order: o, state: NotPaid}
	}
	return Checkout{RedirectURL: s.cfg.BaseURL + "/sandbox/checkout/" + o.ID + "?t=" + s.token(o.ID)}, nil
}

// token authorises the checkout page of one order, so that knowing an order
// number is not enough to pay or cancel it.
func (s *Sandbox) token(orderID string) string {
	m := hmac.New(sha256.New, s.cfg.Key)
	m.Write([]byte("checkout\n" + orderID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

func (s *Sandbox) validToken(orderID, token string) bool {
	return hmac.Equal([]byte(token), []byte(s.token(orderID)))
}

// expire closes an unpaid order past its ExpiresAt; the caller holds s.mu.
func (s *Sandbox) expire(o *sandboxOrder) {
	if o.state == NotPaid && !o.ExpiresAt.IsZero() && !s.cfg.Now().Before(o.ExpiresAt) {
		o.state = Closed
	}
}

// payment is the provider's word on o; the caller holds s.mu.
func (s *Sandbox) payment(o *sandboxOrder) Payment {
	return Payment{
		Provider:      s.Name(),
		OrderID:       o.ID,
		TransactionID: o.transactionID,
		Merchant:      s.cfg.Merchant,
		Amount:        o.Amount,
		State:         o.state,
		PaidAt:        o.paidAt,
	}
}

// Query returns the sandbox's state of the order: ErrUnknownOrder if it
// has none.
func (s *Sandbox) Query(ctx context.Context, orderID string) (Payment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[orderID]
	if !ok {
		return Payment{}, ErrUnknownOrder
	}
	s.expire(o)
	return s.payment(o), nil
}

// Pay pays the order as the payer does by pressing Pay on the checkout page:
// the order gets a new transaction id and its notification is sent (unless
// ManualDelivery). Paying a paid order again changes nothing, as a
// double-clicked button must not pay twice. It returns ErrUnknownOrder, or
// a Conflict if the order is closed.
func (s *Sandbox) Pay(ctx context.Context, orderID string) (Payment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[orderID]
	if !ok {
		return Payment{}, ErrUnknownOrder
	}
	s.expire(o)
	switch o.state {
	case NotPaid:
		now := s.cfg.Now()
		o.state = Paid
		o.paidAt = now.Truncate(time.Second)
		o.transactionID = "sbx" + now.In(chinaTime).Format("20060102") + randomHex(10)
		o.notificationID = randomHex(16)
		s.dispatch(o)
	case Paid, Refunded:
	default:
		return Payment{}, apperr.New(apperr.Conflict, "payment.order_closed")
	}
	return s.payment(o), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return hex.EncodeToString(b)
}

// Sign returns the signature of a notification:
// base64(HMAC-SHA256(key, timestamp + "\n" + nonce + "\n" + body + "\n")),
// the string WeChat Pay v3 signs, keyed instead of signed with RSA.
func (s *Sandbox) Sign(timestamp, nonce string, body []byte) string {
	m := hmac.New(sha256.New, s.cfg.Key)
	m.Write([]byte(timestamp + "\n" + nonce + "\n"))
	m.Write(body)
	m.Write([]byte("\n"))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// NotificationRequest returns a freshly signed notification of a paid order,
// addressed to its NotifyURL, for callers that send it themselves. It
// returns ErrUnknownOrder, or a Conflict if the order is not paid.
func (s *Sandbox) NotificationRequest(ctx context.Context, orderID string) (*http.Request, error) {
	s.mu.Lock()
	o, ok := s.orders[orderID]
	if !ok {
		s.mu.Unlock()
		return nil, ErrUnknownOrder
	}
	if o.transactionID == "" {
		s.mu.Unlock()
		return nil, apperr.New(apperr.Conflict, "payment.order_not_paid")
	}
	n := sandboxNotification{
		ID:         o.notificationID,
		CreateTime: s.cfg.Now().In(chinaTime).Format(time.RFC3339),
		EventType:  SandboxEvent,
		Resource: sandboxResource{
			OutTradeNo:    o.ID,
			TransactionID: o.transactionID,
			MchID:         s.cfg.Merchant,
			AmountFen:     o.Amount,
			SuccessTime:   o.paidAt.In(chinaTime).Format(time.RFC3339),
		},
	}
	url := o.NotifyURL
	s.mu.Unlock()
	body, err := json.Marshal(n)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	ts := strconv.FormatInt(s.cfg.Now().Unix(), 10)
	nonce := randomHex(16)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SandboxTimestampHeader, ts)
	req.Header.Set(SandboxNonceHeader, nonce)
	req.Header.Set(SandboxSignatureHeader, s.Sign(ts, nonce, body))
	return req, nil
}

// Deliver sends the notification of a paid order once, now, and waits for
// the answer: nil if the receiver acknowledged it, which also ends the
// sandbox's own re-sending. Tests and the crash test use it to make a
// notification arrive when they choose.
func (s *Sandbox) Deliver(ctx context.Context, orderID string) error {
	req, err := s.NotificationRequest(ctx, orderID)
	if err != nil {
		return err
	}
	if err := s.send(req); err != nil {
		return err
	}
	s.mu.Lock()
	s.orders[orderID].acknowledged = true
	s.mu.Unlock()
	return nil
}

// send posts one notification and reports whether it was acknowledged.
func (s *Sandbox) send(req *http.Request) error {
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxNotificationBody))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("payment: the notification was answered with status %d", resp.StatusCode)
	}
	return nil
}

// dispatch starts sending the notification of an order just paid; the
// caller holds s.mu.
func (s *Sandbox) dispatch(o *sandboxOrder) {
	if s.cfg.ManualDelivery || s.ctx.Err() != nil {
		return
	}
	if s.cfg.Faults.Reorder < 2 {
		s.wg.Add(1)
		go s.run(o, 0)
		return
	}
	s.held = append(s.held, o)
	if len(s.held) >= s.cfg.Faults.Reorder {
		s.release()
	}
}

// Flush sends the first deliveries Faults.Reorder is holding back, newest
// first, without waiting for more orders to be paid.
func (s *Sandbox) Flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx.Err() == nil {
		s.release()
	}
}

// release sends the held first deliveries newest first, one after another
// so that the order they arrive in is the order they were sent in; each
// order then goes on with its own schedule. The caller holds s.mu.
func (s *Sandbox) release() {
	batch := s.held
	s.held = nil
	if len(batch) == 0 {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if d := s.cfg.Faults.Delay; d > 0 {
			if s.cfg.Sleep(s.ctx, d) != nil {
				return
			}
		}
		for i := len(batch) - 1; i >= 0; i-- {
			if s.ctx.Err() != nil {
				return
			}
			if !s.deliverStep(batch[i]) && len(s.cfg.Schedule) > 1 {
				s.wg.Add(1)
				go s.run(batch[i], 1)
			}
		}
	}()
}

// run delivers an order's notification on the schedule, from step on, until
// it is acknowledged or the schedule ends.
func (s *Sandbox) run(o *sandboxOrder, step int) {
	defer s.wg.Done()
	sched := s.cfg.Schedule
	for i := step; i < len(sched); i++ {
		wait := sched[i]
		if i > 0 {
			wait -= sched[i-1]
		} else {
			wait += s.cfg.Faults.Delay
		}
		if wait > 0 {
			if s.cfg.Sleep(s.ctx, wait) != nil {
				return
			}
		}
		if s.ctx.Err() != nil {
			return
		}
		if s.deliverStep(o) {
			return
		}
	}
	s.mu.Lock()
	acked := o.acknowledged
	s.mu.Unlock()
	if !acked {
		s.cfg.Logger.Warn("sandbox payment notification never acknowledged", "order", o.ID, "deliveries", len(sched)-step)
	}
}

// deliverStep makes one scheduled delivery of an order's notification,
// 1 + Faults.Duplicates copies of it, unless it was acknowledged meanwhile,
// and reports whether the order's notification is now acknowledged.
func (s *Sandbox) deliverStep(o *sandboxOrder) bool {
	s.mu.Lock()
	acked := o.acknowledged
	s.mu.Unlock()
	if acked {
		return true
	}
	for range 1 + s.cfg.Faults.Duplicates {
		req, err := s.NotificationRequest(s.ctx, o.ID)
		if err != nil {
			return true // cannot happen for a paid order; nothing to re-send
		}
		if s.send(req) == nil {
			acked = true
		}
	}
	if acked {
		s.mu.Lock()
		o.acknowledged = true
		s.mu.Unlock()
	}
	return acked
}

// ParseNotification verifies a sandbox notification and decodes it. In
// order: a missing or unreadable signature, timestamp or nonce, or a
// signature that does not match the body, is ErrBadSignature; a timestamp
// more than MaxSkew from now is ErrStale; a verified body that does not say
// a payment succeeded, with every field in place, is ErrMalformed. Only
// then is anything in the body read.
func (s *Sandbox) ParseNotification(r *http.Request) (Payment, error) {
	body, err := s.verified(r)
	if err != nil {
		return Payment{}, err
	}
	var n sandboxNotification
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&n); err != nil || dec.More() {
		return Payment{}, fmt.Errorf("payment: the notification is not the expected JSON: %w", ErrMalformed)
	}
	res := n.Resource
	paidAt, err := time.Parse(time.RFC3339, res.SuccessTime)
	switch {
	case err != nil:
		return Payment{}, fmt.Errorf("payment: the notification's success_time is not RFC 3339: %w", ErrMalformed)
	case n.EventType != SandboxEvent:
		return Payment{}, fmt.Errorf("payment: the notification's event type is not %s: %w", SandboxEvent, ErrMalformed)
	case n.ID == "" || len(n.ID) > 64:
		return Payment{}, fmt.Errorf("payment: the notification has no id: %w", ErrMalformed)
	case !ValidOrderID(res.OutTradeNo):
		return Payment{}, fmt.Errorf("payment: the notification's order number is not valid: %w", ErrMalformed)
	case res.TransactionID == "" || len(res.TransactionID) > 64:
		return Payment{}, fmt.Errorf("payment: the notification has no transaction id: %w", ErrMalformed)
	case res.MchID == "":
		return Payment{}, fmt.Errorf("payment: the notification has no merchant: %w", ErrMalformed)
	case res.AmountFen <= 0:
		return Payment{}, fmt.Errorf("payment: the notification's amount is not positive: %w", ErrMalformed)
	}
	return Payment{
		Provider:       s.Name(),
		OrderID:        res.OutTradeNo,
		TransactionID:  res.TransactionID,
		Merchant:       res.MchID,
		Amount:         res.AmountFen,
		State:          Paid,
		PaidAt:         paidAt,
		NotificationID: n.ID,
	}, nil
}

// verified reads a notification's body (bounded) and checks its signature
// and freshness: ErrMalformed for an unreadable or oversized body,
// ErrBadSignature, ErrStale.
func (s *Sandbox) verified(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxNotificationBody+1))
	if err != nil {
		return nil, fmt.Errorf("payment: reading the notification: %w", ErrMalformed)
	}
	if len(body) > MaxNotificationBody {
		return nil, fmt.Errorf("payment: the notification is over %d bytes: %w", MaxNotificationBody, ErrMalformed)
	}
	ts := r.Header.Get(SandboxTimestampHeader)
	nonce := r.Header.Get(SandboxNonceHeader)
	sig := r.Header.Get(SandboxSignatureHeader)
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || nonce == "" || len(nonce) > 64 || sig == "" {
		return nil, fmt.Errorf("payment: the notification's signature headers are missing or unreadable: %w", ErrBadSignature)
	}
	if !hmac.Equal([]byte(sig), []byte(s.Sign(ts, nonce, body))) {
		return nil, fmt.Errorf("payment: the notification's signature does not match: %w", ErrBadSignature)
	}
	if skew := s.cfg.Now().Sub(time.Unix(unix, 0)); skew > MaxSkew || skew < -MaxSkew || unix < 0 || unix > 1<<40 {
		return nil, fmt.Errorf("payment: the notification's timestamp is %s from now: %w", skew.Round(time.Second), ErrStale)
	}
	return body, nil
}

// Acknowledge answers a notification: 204 No Content when err is nil;
// otherwise {"code":"FAIL","message":...} with the status of RefusalStatus
// (401 forged or stale, 400 malformed, 500 the platform's failure), which
// makes the sandbox send it again. The message is the error's catalog key,
// never its detail.
func (s *Sandbox) Acknowledge(w http.ResponseWriter, err error) {
	if err == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	msg := "error"
	if e := apperr.As(err); e != nil && e.Key != "" {
		msg = e.Key
	}
	body, _ := json.Marshal(map[string]string{"code": "FAIL", "message": msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(RefusalStatus(err))
	_, _ = w.Write(body)
}

// Handler serves the hosted checkout pages at /sandbox/checkout/{order id};
// the platform mounts it at the root of BaseURL. GET shows the order with
// Pay and Cancel buttons (plain HTML, no script or inline style, so the
// platform's content security policy holds); POST with action=pay pays the
// order and sends the payer back to its ReturnURL. Cancel leaves the order
// unpaid, as a payer closing WeChat's cashier does. Without the order's
// token a page is Not Found.
func (s *Sandbox) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sandbox/checkout/{id}", func(w http.ResponseWriter, r *http.Request) {
		s.servePage(w, r, r.PathValue("id"), r.URL.Query().Get("t"))
	})
	mux.HandleFunc("POST /sandbox/checkout/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, token := r.PathValue("id"), r.PostFormValue("t")
		if !s.validToken(id, token) {
			http.NotFound(w, r)
			return
		}
		s.mu.Lock()
		o, ok := s.orders[id]
		var back string
		if ok {
			back = o.ReturnURL
		}
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		if r.PostFormValue("action") == "pay" {
			if _, err := s.Pay(r.Context(), id); err != nil && apperr.CodeOf(err) != apperr.Conflict {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		}
		if back == "" {
			back = r.URL.Path + "?t=" + token
		}
		http.Redirect(w, r, back, http.StatusSeeOther)
	})
	return mux
}

// checkoutPage is the data of the checkout page.
type checkoutPage struct {
	Lang        i18n.Lang
	ID, Token   string
	Description string
	Amount      string
	State       string
	ReturnURL   string
}

// T returns the message with the key in the page's language.
func (p checkoutPage) T(key string) string { return i18n.T(p.Lang, key) }

func (s *Sandbox) servePage(w http.ResponseWriter, r *http.Request, id, token string) {
	if !s.validToken(id, token) {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	o, ok := s.orders[id]
	var p checkoutPage
	if ok {
		s.expire(o)
		lang := i18n.Match(r.Header.Get("Accept-Language"))
		p = checkoutPage{
			Lang: lang, ID: id, Token: token, Description: o.Description,
			Amount: o.Amount.Format(lang), State: string(o.state), ReturnURL: o.ReturnURL,
		}
	}
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	var buf bytes.Buffer
	if err := s.checkout.Execute(&buf, p); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}
