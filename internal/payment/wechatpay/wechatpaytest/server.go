// Package wechatpaytest is a fake WeChat Pay API v3 server for tests. It
// holds its own platform key, knows the merchant's public key, and checks
// every merchant request's signature, serial, merchant id and timestamp the
// way WeChat Pay does; it signs its answers with the platform key; it keeps
// orders and refunds in memory; and when a test says an order was paid
// (Pay) it delivers the encrypted, signed notification on WeChat Pay's
// published retry schedule until the merchant acknowledges it, on a clock
// that can be compressed so the 24-hour schedule runs in milliseconds.
// Refunds (refunds.go) are kept, completed by a documented habit, queried,
// notified and rate-limited the same way.
//
// It is written from the published specification independently of package
// wechatpay, so a mistake in the client is not mirrored here.
package wechatpaytest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/payment"
)

// Fault is a way to spoil a notification, to test that the merchant refuses it.
type Fault int

// The faults. Each spoils one thing and keeps the rest genuine, so a
// merchant that accepts the notification has missed exactly that check.
const (
	NoFault          Fault = iota
	TamperCiphertext       // one bit of the ciphertext flipped, body signed after
	WrongAAD               // associated_data differs from what was encrypted, body signed after
	WrongKey               // encrypted with a key other than the APIv3 key
	WrongSerial            // Wechatpay-Serial names a key the merchant does not have
	Stale                  // signed genuinely, six minutes ago
	TamperBody             // the body changed after it was signed
)

// Faults are the misbehaviours the server can be asked for.
type Faults struct {
	// TamperResponses changes every API answer after signing it.
	TamperResponses bool
	// Notification spoils every delivered notification.
	Notification Fault
	// Duplicate delivers every notification twice in a row.
	Duplicate bool
	// NotEnough answers every new refund 403 NOT_ENOUGH, as WeChat Pay
	// does when the merchant's balance cannot cover it.
	NotEnough bool
}

// Options configure a Server; the zero value is usable.
type Options struct {
	MchID, AppID string
	// APIv3Key is the 32-byte key notifications are encrypted with.
	APIv3Key string
	// PublicKeyID identifies the platform key as a "WeChat Pay public key"
	// (PUB_KEY_ID_…) rather than by a platform certificate's serial.
	PublicKeyID bool
	// PlatformSerial is the platform certificate's serial number, as its
	// bytes; nil makes a random 20-byte one. A serial whose first byte is
	// below 0x10 is written with its leading zero ("0A1B…"), as WeChat Pay
	// and openssl x509 -serial write it.
	PlatformSerial []byte
	// Speedup compresses the clock (see NewClock); 0 runs on the wall clock.
	Speedup float64
	// Start is the compressed clock's starting time; zero means now.
	Start time.Time
	// RefundDelay is how long, on the server's clock, a refund stays
	// PROCESSING before it completes; zero means DefaultRefundDelay.
	RefundDelay time.Duration
	// HoldRefunds keeps every refund PROCESSING until CompleteRefund.
	HoldRefunds bool
	// RefundRateLimit is how many calls of the refund API (apply, query,
	// apply-abnormal-refund) the server answers per second of its clock;
	// the rest are answered 429 FREQUENCY_LIMITED. Zero means no limit.
	RefundRateLimit int
	// NotifyClient delivers the notifications; nil means a plain client
	// with a 10-second timeout. A test whose merchant is behind a TLS
	// proxy passes one that trusts the proxy's certificate.
	NotifyClient *http.Client
	// TLS serves https with httptest's certificate (see inapp.go's
	// CertPEM), for a merchant that speaks to WeChat Pay over https only.
	TLS bool
	Faults
}

// Delivery is one attempt to deliver a notification.
type Delivery struct {
	OutTradeNo string
	// OutRefundNo is set on the delivery of a refund notification.
	OutRefundNo    string
	NotificationID string
	Attempt        int // 1 for the first delivery
	At             time.Time
	Status         int // 0 when the request failed
}

// Order is what the server knows of an order.
type Order struct {
	OutTradeNo  string
	TradeType   string // JSAPI, NATIVE or MWEB (H5)
	Description string
	Total       int64
	OpenID      string
	ClientIP    string
	NotifyURL   string
	TimeExpire  time.Time
	PrepayID    string
	// CodeURL is a Native order's code_url, the QR code's content.
	CodeURL       string
	TradeState    string
	TransactionID string
	SuccessTime   time.Time
	Refunded      int64
}

// Server is a running fake WeChat Pay.
type Server struct {
	*httptest.Server
	MchID, AppID, APIv3Key string
	// MerchantSerial is the serial of the merchant's API certificate.
	MerchantSerial string
	// PlatformSerial names the platform key in Wechatpay-Serial.
	PlatformSerial string

	clock        *Clock
	merchant     *rsa.PublicKey
	merchantPEM  []byte
	platform     *rsa.PrivateKey
	platformCert []byte
	client       *http.Client
	ctx          context.Context
	cancel       context.CancelFunc
	wg           sync.WaitGroup

	mu         sync.Mutex
	faults     Faults
	orders     map[string]*Order
	refunds    map[string]*Refund // by out_refund_no; see refunds.go
	deliveries []Delivery
	refundOpts refundOptions
	lastRefund map[string]sentNotification // by out_refund_no: the last notification sent

	billsOnce sync.Once
	bills     *bills // see bills.go
}

// keys are made once per test binary: RSA key generation is the slowest
// thing a test would otherwise do.
var keys = sync.OnceValues(func() (*rsa.PrivateKey, *rsa.PrivateKey) {
	m, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	p, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return m, p
})

// New starts a fake server; it is closed when the test ends (tb may be nil,
// and then the caller closes it).
func New(tb testing.TB, opts Options) *Server {
	if tb != nil {
		tb.Helper()
	}
	merchantKey, platformKey := keys()
	s := &Server{
		MchID:          or(opts.MchID, "1900009191"),
		AppID:          or(opts.AppID, "wxd678efh567hg6787"),
		APIv3Key:       or(opts.APIv3Key, randomString(32)),
		MerchantSerial: randomHex(20),
		merchant:       &merchantKey.PublicKey,
		platform:       platformKey,
		faults:         opts.Faults,
		orders:         map[string]*Order{},
		refunds:        map[string]*Refund{},
		lastRefund:     map[string]sentNotification{},
		refundOpts:     refundOptions{delay: opts.RefundDelay, hold: opts.HoldRefunds, perSecond: opts.RefundRateLimit},
		client:         opts.NotifyClient,
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 10 * time.Second}
	}
	if len(s.APIv3Key) != 32 {
		panic("wechatpaytest: the APIv3 key must be 32 bytes")
	}
	der, err := x509.MarshalPKCS8PrivateKey(merchantKey)
	if err != nil {
		panic(err)
	}
	s.merchantPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	serialBytes := opts.PlatformSerial
	if serialBytes == nil {
		serialBytes = append([]byte{0x40}, randomBytes(19)...)
	}
	serial := new(big.Int).SetBytes(serialBytes)
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "Tenpay.com Root CA (test)", Organization: []string{"Tenpay.com"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(5 * 365 * 24 * time.Hour),
	}
	s.platformCert, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &platformKey.PublicKey, platformKey)
	if err != nil {
		panic(err)
	}
	// Whole bytes in upper-case hex, as WeChat Pay sends Wechatpay-Serial:
	// written from the bytes, not from the number, which has no leading
	// zero.
	s.PlatformSerial = fmt.Sprintf("%X", serial.Bytes())
	if opts.PublicKeyID {
		s.PlatformSerial = "PUB_KEY_ID_0119" + randomDigits(18)
	}
	if opts.Speedup > 0 || opts.Speedup < 0 || !opts.Start.IsZero() {
		start := opts.Start
		if start.IsZero() {
			start = time.Now()
		}
		s.clock = NewClock(start, opts.Speedup)
	} else {
		s.clock = RealClock()
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())

	mux := http.NewServeMux()
	mux.HandleFunc("POST /v3/pay/transactions/jsapi", s.api(s.createJSAPI))
	mux.HandleFunc("POST /v3/pay/transactions/h5", s.api(s.createH5))
	mux.HandleFunc("POST /v3/pay/transactions/native", s.api(s.createNative))
	mux.HandleFunc("GET /v3/pay/transactions/out-trade-no/{no}", s.api(s.query))
	s.routeRefunds(mux)
	mux.HandleFunc("GET /cgi-bin/mmpayweb-bin/checkmweb", s.h5Page)
	s.routeBills(mux)
	if opts.TLS {
		s.Server = httptest.NewTLSServer(mux)
	} else {
		s.Server = httptest.NewServer(mux)
	}
	if tb != nil {
		tb.Cleanup(s.Close)
	}
	return s
}

// Close stops deliveries, waits for them, and shuts the server down.
func (s *Server) Close() {
	s.cancel()
	s.wg.Wait()
	s.clock.stop()
	s.Server.Close()
}

// Clock returns the server's clock; a merchant under test reads its time
// from it (Config.Now) so both sides agree on "now".
func (s *Server) Clock() *Clock { return s.clock }

// MerchantKeyPEM returns the merchant's private key (PKCS #8 PEM, as in
// apiclient_key.pem), whose public half the server verifies requests with.
func (s *Server) MerchantKeyPEM() []byte { return bytes.Clone(s.merchantPEM) }

// PlatformPublicKey returns the key the server signs with.
func (s *Server) PlatformPublicKey() *rsa.PublicKey { return &s.platform.PublicKey }

// PlatformCertificatePEM returns the self-signed platform certificate whose
// serial is PlatformSerial (unless Options.PublicKeyID).
func (s *Server) PlatformCertificatePEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.platformCert})
}

// PlatformPublicKeyPEM returns the platform key as a "WeChat Pay public key"
// file (PKIX PEM).
func (s *Server) PlatformPublicKeyPEM() []byte {
	der, err := x509.MarshalPKIXPublicKey(&s.platform.PublicKey)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// SetFaults changes the server's misbehaviour from now on.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// Order returns what the server knows of an order.
func (s *Server) Order(outTradeNo string) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[outTradeNo]
	if !ok {
		return Order{}, false
	}
	return *o, true
}

// Deliveries returns the attempts to deliver the order's notification so far.
func (s *Server) Deliveries(outTradeNo string) []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ds []Delivery
	for _, d := range s.deliveries {
		if d.OutTradeNo == outTradeNo && d.OutRefundNo == "" {
			ds = append(ds, d)
		}
	}
	return ds
}

// Drain waits until every notification is acknowledged or its schedule has
// run out. On the wall clock that can take a day.
func (s *Server) Drain() { s.wg.Wait() }

// Pay simulates the payer paying the order: it becomes SUCCESS and its
// notification is delivered to notify_url on WeChat Pay's schedule.
func (s *Server) Pay(outTradeNo string) error {
	release := s.clock.hold()
	now := s.clock.Now()
	s.mu.Lock()
	o, ok := s.orders[outTradeNo]
	switch {
	case !ok:
		s.mu.Unlock()
		release()
		return fmt.Errorf("wechatpaytest: no order %q", outTradeNo)
	case o.TradeState != "NOTPAY" && o.TradeState != "USERPAYING":
		state := o.TradeState
		s.mu.Unlock()
		release()
		return fmt.Errorf("wechatpaytest: order %q is %s", outTradeNo, state)
	case !o.TimeExpire.IsZero() && now.After(o.TimeExpire):
		s.mu.Unlock()
		release()
		return fmt.Errorf("wechatpaytest: order %q has expired", outTradeNo)
	}
	o.TradeState = "SUCCESS"
	o.TransactionID = "4200" + randomDigits(24)
	o.SuccessTime = now
	if o.OpenID == "" {
		o.OpenID = "oUpF8u" + randomString(22)
	}
	s.mu.Unlock()
	s.wg.Add(1)
	go s.deliver(outTradeNo, release)
	return nil
}

// SetTradeState forces an order's trade_state (NOTPAY, CLOSED, PAYERROR,
// USERPAYING, REVOKED, …) without a notification, for query tests.
func (s *Server) SetTradeState(outTradeNo, state string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[outTradeNo]
	if !ok {
		return fmt.Errorf("wechatpaytest: no order %q", outTradeNo)
	}
	o.TradeState = state
	return nil
}

// deliver sends the order's notification on the schedule until a 2xx
// answer. The caller holds the clock for it; release gives the hold back.
func (s *Server) deliver(outTradeNo string, release func()) {
	defer s.wg.Done()
	defer release()
	s.mu.Lock()
	o := *s.orders[outTradeNo]
	s.mu.Unlock()
	plaintext := transactionJSON(s, o)
	id := newUUID()
	first := s.clock.Now()
	for i, offset := range payment.WeChatSchedule() {
		if i > 0 {
			if s.clock.sleepUntil(s.ctx, first.Add(offset)) != nil {
				return
			}
		}
		s.mu.Lock()
		f := s.faults
		s.mu.Unlock()
		body, header := s.notification(id, plaintext, f.Notification)
		d := Delivery{OutTradeNo: outTradeNo, NotificationID: id, Attempt: i + 1}
		ok := s.send(o.NotifyURL, body, header, d)
		if f.Duplicate {
			ok = s.send(o.NotifyURL, body, header, d) || ok
		}
		if ok {
			return
		}
	}
}

func (s *Server) send(to string, body []byte, header http.Header, d Delivery) bool {
	st := s.sendStatus(to, body, header, d)
	return st >= 200 && st < 300
}

// sendStatus delivers a notification once, records the delivery, and
// returns the status the merchant answered (0 if the request failed).
func (s *Server) sendStatus(to string, body []byte, header http.Header, d Delivery) int {
	d.At = s.clock.Now()
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, to, bytes.NewReader(body))
	if err == nil {
		req.Header = header.Clone()
		var resp *http.Response
		resp, err = s.client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			d.Status = resp.StatusCode
		}
	}
	s.mu.Lock()
	s.deliveries = append(s.deliveries, d)
	s.mu.Unlock()
	return d.Status
}

// Notification returns the notification of a paid order as the server
// would deliver it now, spoiled by fault, addressed to the order's notify_url.
func (s *Server) Notification(outTradeNo string, fault Fault) (*http.Request, error) {
	s.mu.Lock()
	o, ok := s.orders[outTradeNo]
	if !ok || o.TransactionID == "" {
		s.mu.Unlock()
		return nil, fmt.Errorf("wechatpaytest: order %q is not paid", outTradeNo)
	}
	copied := *o
	s.mu.Unlock()
	body, header := s.notification(newUUID(), transactionJSON(s, copied), fault)
	return request(copied.NotifyURL, body, header), nil
}

// NotificationFor wraps any plaintext as a transaction notification,
// encrypted and signed as the server would (spoiled by fault), for tests
// and fuzzing of the merchant's decoding.
func (s *Server) NotificationFor(plaintext []byte, fault Fault) *http.Request {
	body, header := s.notification(newUUID(), plaintext, fault)
	return request("https://merchant.example/notify", body, header)
}

// SignedRequest returns a POST of body signed with the platform key, as a
// notification's envelope would be, whatever body holds.
func (s *Server) SignedRequest(body []byte) *http.Request {
	header := http.Header{"Content-Type": {"application/json"}}
	s.sign(header, body, s.clock.Now())
	return request("https://merchant.example/notify", body, header)
}

func request(to string, body []byte, header http.Header) *http.Request {
	req := httptest.NewRequest(http.MethodPost, to, bytes.NewReader(body))
	req.Header = header
	return req
}

// notification builds a payment notification body and its headers.
func (s *Server) notification(id string, plaintext []byte, fault Fault) ([]byte, http.Header) {
	return s.envelope(paymentEvent, id, plaintext, fault)
}

// event is what tells one kind of notification from another.
type event struct {
	eventType, summary, originalType, associatedData string
}

// paymentEvent is TRANSACTION.SUCCESS, as WeChat Pay's payment
// notification example has it.
var paymentEvent = event{"TRANSACTION.SUCCESS", "支付成功", "transaction", "transaction"}

// envelope builds a notification of ev: the resource encrypted, the body
// signed, spoiled by fault.
func (s *Server) envelope(ev event, id string, plaintext []byte, fault Fault) ([]byte, http.Header) {
	now := s.clock.Now()
	key := []byte(s.APIv3Key)
	if fault == WrongKey {
		key = []byte(randomString(32))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	nonce := randomString(12)
	aad := ev.associatedData
	ciphertext := gcm.Seal(nil, []byte(nonce), plaintext, []byte(aad))
	if fault == TamperCiphertext {
		ciphertext[len(ciphertext)/3] ^= 0x01
	}
	if fault == WrongAAD {
		aad = "certificate"
	}
	body, err := json.Marshal(map[string]any{
		"id":            id,
		"create_time":   now.In(china).Format(time.RFC3339),
		"resource_type": "encrypt-resource",
		"event_type":    ev.eventType,
		"summary":       ev.summary,
		"resource": map[string]string{
			"original_type":   ev.originalType,
			"algorithm":       "AEAD_AES_256_GCM",
			"ciphertext":      base64.StdEncoding.EncodeToString(ciphertext),
			"associated_data": aad,
			"nonce":           nonce,
		},
	})
	if err != nil {
		panic(err)
	}
	header := http.Header{"Content-Type": {"application/json"}}
	at := now
	if fault == Stale {
		at = now.Add(-6 * time.Minute)
	}
	s.sign(header, body, at)
	if fault == WrongSerial {
		header.Set("Wechatpay-Serial", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1")
	}
	if fault == TamperBody {
		body = bytes.Replace(body, []byte(ev.summary), []byte(ev.summary+" "), 1)
	}
	return body, header
}

// transactionJSON is the decrypted resource of a notification: the order
// as a transaction.
func transactionJSON(s *Server, o Order) []byte {
	b, err := json.Marshal(map[string]any{
		"appid":            s.AppID,
		"mchid":            s.MchID,
		"out_trade_no":     o.OutTradeNo,
		"transaction_id":   o.TransactionID,
		"trade_type":       o.TradeType,
		"trade_state":      o.TradeState,
		"trade_state_desc": "支付成功",
		"bank_type":        "OTHERS",
		"attach":           "",
		"success_time":     o.SuccessTime.In(china).Format(time.RFC3339),
		"payer":            map[string]string{"openid": o.OpenID},
		"amount":           map[string]any{"total": o.Total, "payer_total": o.Total, "currency": "CNY", "payer_currency": "CNY"},
	})
	if err != nil {
		panic(err)
	}
	return b
}

// sign sets the Wechatpay-* headers for body, signed at the given time.
func (s *Server) sign(h http.Header, body []byte, at time.Time) {
	ts := strconv.FormatInt(at.Unix(), 10)
	nonce := randomString(32)
	digest := sha256.Sum256([]byte(ts + "\n" + nonce + "\n" + string(body) + "\n"))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.platform, crypto.SHA256, digest[:])
	if err != nil {
		panic(err)
	}
	h.Set("Wechatpay-Timestamp", ts)
	h.Set("Wechatpay-Nonce", nonce)
	h.Set("Wechatpay-Signature", base64.StdEncoding.EncodeToString(sig))
	h.Set("Wechatpay-Serial", s.PlatformSerial)
	h.Set("Request-ID", "08"+randomHex(16))
}

// apiError is an error answer of the API.
type apiError struct {
	status        int
	code, message string
}

func fail(status int, code, message string) (int, any, *apiError) {
	return 0, nil, &apiError{status, code, message}
}

type handler func(r *http.Request, body []byte) (int, any, *apiError)

// api wraps an endpoint: it holds the clock, checks the merchant's
// signature, and signs the answer, success or error, as WeChat Pay does.
func (s *Server) api(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		release := s.clock.hold()
		defer release()
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		var status int
		var answer any
		var e *apiError
		if err != nil {
			e = &apiError{http.StatusBadRequest, "PARAM_ERROR", "请求体读取失败"}
		} else if e = s.authenticate(r, body); e == nil {
			status, answer, e = h(r, body)
		}
		if e != nil {
			status, answer = e.status, map[string]string{"code": e.code, "message": e.message}
		}
		out, err := json.Marshal(answer)
		if err != nil {
			panic(err)
		}
		s.sign(w.Header(), out, s.clock.Now())
		s.mu.Lock()
		tamper := s.faults.TamperResponses
		s.mu.Unlock()
		if tamper {
			out = bytes.Replace(out, []byte(`":"`), []byte(`":"X`), 1)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(out)
	}
}

// authenticate checks the Authorization header as WeChat Pay does.
func (s *Server) authenticate(r *http.Request, body []byte) *apiError {
	const scheme = "WECHATPAY2-SHA256-RSA2048 "
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, scheme) {
		return &apiError{http.StatusUnauthorized, "SIGN_ERROR", "错误的签名认证方式"}
	}
	params := map[string]string{}
	for part := range strings.SplitSeq(strings.TrimPrefix(auth, scheme), ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return &apiError{http.StatusUnauthorized, "SIGN_ERROR", "Authorization 格式错误"}
		}
		params[k] = v[1 : len(v)-1]
	}
	for _, k := range []string{"mchid", "nonce_str", "signature", "timestamp", "serial_no"} {
		if params[k] == "" {
			return &apiError{http.StatusUnauthorized, "SIGN_ERROR", "Authorization 缺少 " + k}
		}
	}
	if params["mchid"] != s.MchID {
		return &apiError{http.StatusUnauthorized, "SIGN_ERROR", "商户号不存在或与证书不匹配"}
	}
	if params["serial_no"] != s.MerchantSerial {
		return &apiError{http.StatusUnauthorized, "SIGN_ERROR", "商户证书序列号有误"}
	}
	ts, err := strconv.ParseInt(params["timestamp"], 10, 64)
	if err != nil {
		return &apiError{http.StatusUnauthorized, "SIGN_ERROR", "时间戳格式错误"}
	}
	if skew := s.clock.Now().Sub(time.Unix(ts, 0)); skew > 5*time.Minute || skew < -5*time.Minute {
		return &apiError{http.StatusUnauthorized, "SIGN_ERROR", "请求时间戳已过期"}
	}
	sig, err := base64.StdEncoding.DecodeString(params["signature"])
	if err != nil {
		return &apiError{http.StatusUnauthorized, "SIGN_ERROR", "签名错误"}
	}
	msg := r.Method + "\n" + r.URL.RequestURI() + "\n" + params["timestamp"] + "\n" + params["nonce_str"] + "\n" + string(body) + "\n"
	digest := sha256.Sum256([]byte(msg))
	if rsa.VerifyPKCS1v15(s.merchant, crypto.SHA256, digest[:], sig) != nil {
		return &apiError{http.StatusUnauthorized, "SIGN_ERROR", "签名错误"}
	}
	return nil
}

type orderRequest struct {
	AppID       string `json:"appid"`
	MchID       string `json:"mchid"`
	Description string `json:"description"`
	OutTradeNo  string `json:"out_trade_no"`
	TimeExpire  string `json:"time_expire"`
	NotifyURL   string `json:"notify_url"`
	Amount      struct {
		Total    *int64 `json:"total"`
		Currency string `json:"currency"`
	} `json:"amount"`
	Payer *struct {
		OpenID string `json:"openid"`
	} `json:"payer"`
	SceneInfo *struct {
		PayerClientIP string `json:"payer_client_ip"`
		H5Info        *struct {
			Type string `json:"type"`
		} `json:"h5_info"`
	} `json:"scene_info"`
}

func (s *Server) createJSAPI(_ *http.Request, body []byte) (int, any, *apiError) {
	o, e := s.place(body, "JSAPI")
	if e != nil {
		return fail(e.status, e.code, e.message)
	}
	return http.StatusOK, map[string]string{"prepay_id": o.PrepayID}, nil
}

func (s *Server) createH5(_ *http.Request, body []byte) (int, any, *apiError) {
	o, e := s.place(body, "MWEB")
	if e != nil {
		return fail(e.status, e.code, e.message)
	}
	q := url.Values{"prepay_id": {o.PrepayID}, "package": {randomDigits(10)}}
	return http.StatusOK, map[string]string{"h5_url": s.URL + "/cgi-bin/mmpayweb-bin/checkmweb?" + q.Encode()}, nil
}

// place validates an order request and stores the order; placing the same
// order again returns the same prepay id, as WeChat Pay does.
func (s *Server) place(body []byte, tradeType string) (Order, *apiError) {
	var req orderRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		return Order{}, &apiError{http.StatusBadRequest, "PARAM_ERROR", "请求体不是合法的 JSON"}
	}
	if req.AppID != s.AppID || req.MchID != s.MchID {
		return Order{}, &apiError{http.StatusBadRequest, "APPID_MCHID_NOT_MATCH", "appid 和 mch_id 不匹配"}
	}
	o := Order{OutTradeNo: req.OutTradeNo, TradeType: tradeType, Description: req.Description, NotifyURL: req.NotifyURL}
	switch {
	case !payment.ValidOrderID(req.OutTradeNo):
		return Order{}, &apiError{http.StatusBadRequest, "PARAM_ERROR", "out_trade_no 格式错误"}
	case req.Description == "" || len(req.Description) > 127:
		return Order{}, &apiError{http.StatusBadRequest, "PARAM_ERROR", "description 长度错误"}
	case !strings.HasPrefix(req.NotifyURL, "https://") && !strings.HasPrefix(req.NotifyURL, "http://"):
		return Order{}, &apiError{http.StatusBadRequest, "PARAM_ERROR", "notify_url 格式错误"}
	case req.Amount.Total == nil || *req.Amount.Total <= 0:
		return Order{}, &apiError{http.StatusBadRequest, "PARAM_ERROR", "amount.total 必须大于 0"}
	case req.Amount.Currency != "" && req.Amount.Currency != "CNY":
		return Order{}, &apiError{http.StatusBadRequest, "PARAM_ERROR", "currency 只支持 CNY"}
	}
	o.Total = *req.Amount.Total
	if req.TimeExpire != "" {
		t, err := time.Parse(time.RFC3339, req.TimeExpire)
		if err != nil {
			return Order{}, &apiError{http.StatusBadRequest, "PARAM_ERROR", "time_expire 格式错误"}
		}
		o.TimeExpire = t
	}
	switch tradeType {
	case "JSAPI":
		if req.Payer == nil || req.Payer.OpenID == "" {
			return Order{}, &apiError{http.StatusBadRequest, "PARAM_ERROR", "缺少 payer.openid"}
		}
		o.OpenID = req.Payer.OpenID
	case "MWEB":
		if req.SceneInfo == nil || req.SceneInfo.PayerClientIP == "" || req.SceneInfo.H5Info == nil || req.SceneInfo.H5Info.Type == "" {
			return Order{}, &apiError{http.StatusBadRequest, "PARAM_ERROR", "缺少 scene_info"}
		}
		o.ClientIP = req.SceneInfo.PayerClientIP
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.orders[o.OutTradeNo]; ok {
		if old.TradeState == "SUCCESS" || old.TradeState == "REFUND" {
			return Order{}, &apiError{http.StatusBadRequest, "ORDERPAID", "该订单已支付"}
		}
		if old.TradeType != o.TradeType || old.Total != o.Total || old.Description != o.Description || old.OpenID != o.OpenID {
			return Order{}, &apiError{http.StatusBadRequest, "INVALID_REQUEST", "201 商户订单号重复"}
		}
		return *old, nil
	}
	o.PrepayID = "wx" + randomDigits(14) + randomHex(12)
	if tradeType == "NATIVE" {
		o.CodeURL = "weixin://wxpay/bizpayurl?pr=" + randomString(7)
	}
	o.TradeState = "NOTPAY"
	s.orders[o.OutTradeNo] = &o
	return o, nil
}

func (s *Server) query(r *http.Request, _ []byte) (int, any, *apiError) {
	if r.URL.Query().Get("mchid") != s.MchID {
		return fail(http.StatusBadRequest, "PARAM_ERROR", "mchid 与请求不匹配")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[r.PathValue("no")]
	if !ok {
		return fail(http.StatusNotFound, "ORDER_NOT_EXIST", "订单不存在")
	}
	answer := map[string]any{
		"appid":            s.AppID,
		"mchid":            s.MchID,
		"out_trade_no":     o.OutTradeNo,
		"trade_type":       o.TradeType,
		"trade_state":      o.TradeState,
		"trade_state_desc": o.TradeState,
		"amount":           map[string]any{"total": o.Total, "currency": "CNY"},
	}
	if o.TransactionID != "" {
		answer["transaction_id"] = o.TransactionID
		answer["success_time"] = o.SuccessTime.In(china).Format(time.RFC3339)
		answer["payer"] = map[string]string{"openid": o.OpenID}
		answer["amount"] = map[string]any{"total": o.Total, "payer_total": o.Total, "currency": "CNY", "payer_currency": "CNY"}
		answer["bank_type"] = "OTHERS"
	}
	return http.StatusOK, answer, nil
}

// h5Page stands for WeChat Pay's H5 cashier: opening h5_url pays the order
// and sends the browser to redirect_url, if any.
func (s *Server) h5Page(w http.ResponseWriter, r *http.Request) {
	prepay := r.URL.Query().Get("prepay_id")
	s.mu.Lock()
	var no string
	for _, o := range s.orders {
		if o.PrepayID == prepay && o.TradeType == "MWEB" {
			no = o.OutTradeNo
		}
	}
	s.mu.Unlock()
	if no == "" {
		http.Error(w, "unknown prepay_id", http.StatusNotFound)
		return
	}
	if err := s.Pay(no); err != nil {
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	if back := r.URL.Query().Get("redirect_url"); strings.HasPrefix(back, "https://") || strings.HasPrefix(back, "http://") {
		http.Redirect(w, r, back, http.StatusFound)
		return
	}
	_, _ = io.WriteString(w, "paid\n")
}

var china = time.FixedZone("CST", 8*3600)

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomString(n int) string {
	b := randomBytes(n)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

func randomDigits(n int) string {
	b := randomBytes(n)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}

func randomHex(n int) string { return fmt.Sprintf("%X", randomBytes(n)) }

func newUUID() string {
	b := randomBytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
