package wechatpay

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/payment/wechatpay/wechatpaytest"
)

// fake starts a fake WeChat Pay on a compressed clock: time stands still
// while either side works, so signatures never go stale by accident and
// the notification schedule runs in milliseconds.
func fake(t testing.TB, opts wechatpaytest.Options) *wechatpaytest.Server {
	t.Helper()
	if opts.Speedup == 0 {
		opts.Speedup = math.Inf(1)
	}
	return wechatpaytest.New(t, opts)
}

// config is the merchant configuration the fake issued, with the platform
// key read from its certificate or public-key file as an operator would.
func config(t testing.TB, srv *wechatpaytest.Server) Config {
	t.Helper()
	var key *rsa.PublicKey
	serial := srv.PlatformSerial
	if strings.HasPrefix(serial, "PUB_KEY_ID_") {
		k, err := ParsePublicKey(srv.PlatformPublicKeyPEM())
		if err != nil {
			t.Fatal(err)
		}
		key = k
	} else {
		s, k, err := ParseCertificate(srv.PlatformCertificatePEM())
		if err != nil {
			t.Fatal(err)
		}
		if s != serial {
			t.Fatalf("certificate serial %s, fake says %s", s, serial)
		}
		key = k
	}
	return Config{
		MchID:        srv.MchID,
		AppID:        srv.AppID,
		PrivateKey:   srv.MerchantKeyPEM(),
		CertSerial:   srv.MerchantSerial,
		APIv3Key:     srv.APIv3Key,
		PlatformKeys: map[string]*rsa.PublicKey{serial: key},
		BaseURL:      srv.URL,
		Now:          srv.Clock().Now,
	}
}

func client(t testing.TB, c Config) *Client {
	t.Helper()
	cl, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// merchant is the platform's notification endpoint: it parses each
// notification with the client and acknowledges it, failing the first
// failFirst deliveries as if its database were busy.
type merchant struct {
	*httptest.Server
	mu        sync.Mutex
	failFirst int
	got       []payment.Payment
	errs      []error
}

// results returns what the merchant has parsed and refused so far.
func (m *merchant) results() ([]payment.Payment, []error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]payment.Payment(nil), m.got...), append([]error(nil), m.errs...)
}

func newMerchant(t *testing.T, c *Client, failFirst int) *merchant {
	m := &merchant{failFirst: failFirst}
	m.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := c.ParseNotification(r)
		m.mu.Lock()
		if err != nil {
			m.errs = append(m.errs, err)
		} else {
			m.got = append(m.got, p)
			if len(m.got) <= m.failFirst {
				err = errors.New("database busy")
			}
		}
		m.mu.Unlock()
		c.Acknowledge(w, err)
	}))
	t.Cleanup(m.Close)
	return m
}

func order(id string, m *merchant) payment.Order {
	return payment.Order{
		ID:          id,
		Amount:      12345,
		Description: "爱心捐助-求助123",
		NotifyURL:   m.URL + "/notify",
		ClientIP:    "203.0.113.7",
	}
}

// A merchant request is accepted only with the merchant's own signature,
// serial, merchant id and a fresh timestamp, as WeChat Pay checks them.
func TestRequestSignatureVerifiedByFake(t *testing.T) {
	srv := fake(t, wechatpaytest.Options{})
	good := config(t, srv)
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(otherKey)
	otherPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})

	tests := []struct {
		name   string
		change func(*Config)
		ok     bool
	}{
		{"Good", func(*Config) {}, true},
		{"OtherKey", func(c *Config) { c.PrivateKey = otherPEM }, false},
		{"UnknownSerial", func(c *Config) { c.CertSerial = "0123456789ABCDEF0123456789ABCDEF01234567" }, false},
		{"WrongMchID", func(c *Config) { c.MchID = "1900000001" }, false},
		{"StaleTimestamp", func(c *Config) {
			c.Now = func() time.Time { return srv.Clock().Now().Add(-6 * time.Minute) }
		}, false},
		{"BodyChangedAfterSigning", func(c *Config) {
			c.HTTPClient = &http.Client{Transport: rewriteBody{}}
		}, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.change(&c)
			cl := client(t, c)
			o := payment.Order{ID: "sig-" + tt.name, Amount: 100, Description: "d", NotifyURL: "https://example.com/n", ClientIP: "203.0.113.1"}
			_, err := cl.Create(context.Background(), o)
			if tt.ok {
				if err != nil {
					t.Fatalf("Create: %v", err)
				}
				return
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				if tt.name == "StaleTimestamp" && errors.Is(err, payment.ErrStale) {
					// The fake's refusal is signed at its own time, which
					// this client's slow clock in turn calls stale.
					if _, ok := srv.Order(o.ID); ok {
						t.Fatal("the fake placed an order with a stale signature")
					}
					return
				}
				t.Fatalf("case %d: got %v, want a SIGN_ERROR answer", i, err)
			}
			if apiErr.Status != http.StatusUnauthorized || apiErr.Code != "SIGN_ERROR" {
				t.Fatalf("got %d %s, want 401 SIGN_ERROR", apiErr.Status, apiErr.Code)
			}
			if _, ok := srv.Order(o.ID); ok {
				t.Fatal("the fake placed an order with a bad signature")
			}
		})
	}
}

// rewriteBody changes a request's body after it was signed.
type rewriteBody struct{}

func (rewriteBody) RoundTrip(r *http.Request) (*http.Response, error) {
	b, _ := io.ReadAll(r.Body)
	b = bytes.Replace(b, []byte(`"total":100`), []byte(`"total":1`), 1)
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(b))
	r2.ContentLength = int64(len(b))
	return http.DefaultTransport.RoundTrip(r2)
}

// R-DON-1: an answer changed on the way, or signed by a key the merchant
// does not hold, is refused, so nobody can fake "paid".
func TestTamperedResponseRefused(t *testing.T) {
	srv := fake(t, wechatpaytest.Options{})
	cl := client(t, config(t, srv))
	m := newMerchant(t, cl, 0)
	ctx := context.Background()
	if _, err := cl.Create(ctx, order("tamper-1", m)); err != nil {
		t.Fatal(err)
	}

	srv.SetFaults(wechatpaytest.Faults{TamperResponses: true})
	if _, err := cl.Query(ctx, "tamper-1"); !errors.Is(err, payment.ErrBadSignature) {
		t.Fatalf("Query with a tampered answer: got %v, want ErrBadSignature", err)
	}
	if _, err := cl.Create(ctx, order("tamper-2", m)); !errors.Is(err, payment.ErrBadSignature) {
		t.Fatalf("Create with a tampered answer: got %v, want ErrBadSignature", err)
	}
	srv.SetFaults(wechatpaytest.Faults{})

	c := config(t, srv)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	c.PlatformKeys = map[string]*rsa.PublicKey{"5157F09EFDC096DE15EBE81A47057A7232F1B8E1": &other.PublicKey}
	if _, err := client(t, c).Query(ctx, "tamper-1"); !errors.Is(err, payment.ErrBadSignature) {
		t.Fatalf("Query answered under an unknown serial: got %v, want ErrBadSignature", err)
	}
	c.PlatformKeys = map[string]*rsa.PublicKey{srv.PlatformSerial: &other.PublicKey}
	if _, err := client(t, c).Query(ctx, "tamper-1"); !errors.Is(err, payment.ErrBadSignature) {
		t.Fatalf("Query answered with the wrong key under a known serial: got %v, want ErrBadSignature", err)
	}
}

func TestJSAPIOrder(t *testing.T) {
	srv := fake(t, wechatpaytest.Options{})
	cl := client(t, config(t, srv))
	m := newMerchant(t, cl, 0)
	o := order("jsapi-0001", m)
	o.PayerRef = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
	o.ExpiresAt = srv.Clock().Now().Add(30 * time.Minute)
	co, err := cl.Create(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := srv.Order(o.ID)
	if !ok {
		t.Fatal("the fake has no order")
	}
	if got.TradeType != "JSAPI" || got.OpenID != o.PayerRef || got.Total != int64(o.Amount) ||
		got.Description != o.Description || got.NotifyURL != o.NotifyURL || !got.TimeExpire.Equal(o.ExpiresAt.Truncate(time.Second)) {
		t.Fatalf("the fake got %+v from %+v", got, o)
	}
	p := co.JSAPI
	if co.RedirectURL != "" || p["appId"] != srv.AppID || p["package"] != "prepay_id="+got.PrepayID || p["signType"] != "RSA" || len(p["nonceStr"]) != 32 {
		t.Fatalf("JSAPI parameters %v", p)
	}
	// The in-app bridge checks paySign with the merchant's public key over
	// appId, timeStamp, nonceStr and package.
	key, err := ParsePrivateKey(srv.MerchantKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	sig, err := base64.StdEncoding.DecodeString(p["paySign"])
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte(p["appId"] + "\n" + p["timeStamp"] + "\n" + p["nonceStr"] + "\n" + p["package"] + "\n"))
	if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
		t.Fatalf("paySign does not verify: %v", err)
	}

	// Placing the same order again is harmless; reusing its number for a
	// different order is refused by WeChat Pay.
	if _, err := cl.Create(context.Background(), o); err != nil {
		t.Fatalf("the same order again: %v", err)
	}
	o.Amount++
	var apiErr *APIError
	if _, err := cl.Create(context.Background(), o); !errors.As(err, &apiErr) || apiErr.Code != "INVALID_REQUEST" {
		t.Fatalf("a different order under the same number: got %v", err)
	}
}

func TestH5Order(t *testing.T) {
	srv := fake(t, wechatpaytest.Options{})
	cl := client(t, config(t, srv))
	m := newMerchant(t, cl, 0)
	o := order("h5-000001", m)
	o.ReturnURL = "https://carefund.example/d/thanks?o=h5-000001"
	co, err := cl.Create(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := srv.Order(o.ID)
	if got.TradeType != "MWEB" || got.ClientIP != o.ClientIP || co.JSAPI != nil {
		t.Fatalf("fake got %+v, checkout %+v", got, co)
	}
	u, err := url.Parse(co.RedirectURL)
	if err != nil || !strings.HasPrefix(co.RedirectURL, srv.URL+"/") || u.Query().Get("redirect_url") != o.ReturnURL {
		t.Fatalf("RedirectURL %q", co.RedirectURL)
	}
	// Opening the cashier pays, sends the browser back, and notifies.
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(co.RedirectURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != o.ReturnURL {
		t.Fatalf("cashier answered %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	srv.Drain()
	if got, errs := m.results(); len(got) != 1 || got[0].OrderID != o.ID {
		t.Fatalf("merchant got %+v, errors %v", got, errs)
	}

	t.Run("ClientIPRequired", func(t *testing.T) {
		o := order("h5-000002", m)
		o.ClientIP = ""
		_, err := cl.Create(context.Background(), o)
		e := apperr.As(err)
		if e == nil || e.Code != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "client_ip" {
			t.Fatalf("got %v", err)
		}
		if _, ok := srv.Order(o.ID); ok {
			t.Fatal("order placed without the payer's IP")
		}
	})
	t.Run("InvalidOrder", func(t *testing.T) {
		o := order("h5-000003", m)
		o.Amount = 0
		if _, err := cl.Create(context.Background(), o); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("got %v", err)
		}
		if _, ok := srv.Order(o.ID); ok {
			t.Fatal("an invalid order reached WeChat Pay")
		}
	})
}

// Query maps every trade_state; the platform asks when a notification
// never comes (R-DON-1: paid orders are not lost).
func TestQueryStates(t *testing.T) {
	srv := fake(t, wechatpaytest.Options{})
	cl := client(t, config(t, srv))
	m := newMerchant(t, cl, 0)
	ctx := context.Background()
	tests := []struct {
		state string
		want  payment.State
	}{
		{"NOTPAY", payment.NotPaid},
		{"USERPAYING", payment.NotPaid},
		{"CLOSED", payment.Closed},
		{"REVOKED", payment.Closed},
		{"PAYERROR", payment.Failed},
		{"REFUND", payment.Refunded},
	}
	for _, tt := range tests {
		t.Run(tt.state, func(t *testing.T) {
			id := "q-" + tt.state
			if _, err := cl.Create(ctx, order(id, m)); err != nil {
				t.Fatal(err)
			}
			if err := srv.SetTradeState(id, tt.state); err != nil {
				t.Fatal(err)
			}
			p, err := cl.Query(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if p.State != tt.want || p.OrderID != id || p.Amount != 12345 || p.Merchant != srv.MchID {
				t.Fatalf("got %+v, want state %s", p, tt.want)
			}
		})
	}
	t.Run("SUCCESS", func(t *testing.T) {
		if _, err := cl.Create(ctx, order("q-paid", m)); err != nil {
			t.Fatal(err)
		}
		if err := srv.Pay("q-paid"); err != nil {
			t.Fatal(err)
		}
		srv.Drain()
		o, _ := srv.Order("q-paid")
		p, err := cl.Query(ctx, "q-paid")
		if err != nil {
			t.Fatal(err)
		}
		want := payment.Payment{Provider: "wechatpay", OrderID: "q-paid", TransactionID: o.TransactionID,
			Merchant: srv.MchID, Amount: 12345, State: payment.Paid, PaidAt: o.SuccessTime.Truncate(time.Second)}
		if !p.PaidAt.Equal(want.PaidAt) || p.TransactionID == "" {
			t.Fatalf("got %+v, want %+v", p, want)
		}
		p.PaidAt = want.PaidAt
		if p != want {
			t.Fatalf("got %+v, want %+v", p, want)
		}
	})
	t.Run("Unknown", func(t *testing.T) {
		_, err := cl.Query(ctx, "no-such-order")
		if !errors.Is(err, payment.ErrUnknownOrder) {
			t.Fatalf("got %v, want ErrUnknownOrder", err)
		}
	})
}

// R-DON-2: refunds go back by the original route (the transaction), and
// R-DON-1: asking twice under one refund number refunds once.
func TestRefund(t *testing.T) {
	// Refunds stay PROCESSING, so the same refund asked again answers the same.
	srv := fake(t, wechatpaytest.Options{HoldRefunds: true})
	cl := client(t, config(t, srv))
	m := newMerchant(t, cl, 0)
	ctx := context.Background()
	if _, err := cl.Create(ctx, order("refund-01", m)); err != nil {
		t.Fatal(err)
	}
	if err := srv.Pay("refund-01"); err != nil {
		t.Fatal(err)
	}
	srv.Drain()
	o, _ := srv.Order("refund-01")
	r := payment.Refund{OrderID: o.OutTradeNo, TransactionID: o.TransactionID, RefundID: "rf-000001",
		Amount: 3000, Total: 12345, Reason: "筹款结束后退回", NotifyURL: m.URL + "/refund"}
	res, err := cl.Refund(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if res.RefundID != r.RefundID || res.ProviderRefundID == "" || res.State != payment.RefundProcessing {
		t.Fatalf("got %+v", res)
	}
	again, err := cl.Refund(ctx, r)
	if err != nil || again != res {
		t.Fatalf("the same refund again: %+v, %v; first %+v", again, err, res)
	}
	if o, _ := srv.Order("refund-01"); o.Refunded != 3000 {
		t.Fatalf("refunded %d fen, want 3000", o.Refunded)
	}
	if p, err := cl.Query(ctx, "refund-01"); err != nil || p.State != payment.Refunded {
		t.Fatalf("after refund: %+v, %v", p, err)
	}

	t.Run("ByOrderNumber", func(t *testing.T) {
		r := r
		r.TransactionID, r.RefundID, r.Amount = "", "rf-000002", 345
		if _, err := cl.Refund(ctx, r); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("TooMuch", func(t *testing.T) {
		r := r
		r.RefundID, r.Amount = "rf-000003", 9001
		var apiErr *APIError
		if _, err := cl.Refund(ctx, r); !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		for _, bad := range []payment.Refund{
			{OrderID: "refund-01", RefundID: "x", Amount: 1, Total: 2},
			{OrderID: "refund-01", RefundID: "rf-000004", Amount: 3, Total: 2},
			{OrderID: "refund-01", RefundID: "rf-000004", Amount: 0, Total: 2},
		} {
			if _, err := cl.Refund(ctx, bad); apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("%+v: got %v", bad, err)
			}
		}
	})
}

// Error answers carry WeChat Pay's code and message, never the request;
// 5xx and transport failures mean "try later"; answers are bounded.
func TestErrorAnswers(t *testing.T) {
	srv := fake(t, wechatpaytest.Options{})
	c := config(t, srv)
	c.AppID = "wx0000000000000000"
	cl := client(t, c)
	o := payment.Order{ID: "err-0001", Amount: 100, Description: "SECRET-DESCRIPTION", NotifyURL: "https://example.com/n", ClientIP: "203.0.113.9"}
	_, err := cl.Create(context.Background(), o)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "APPID_MCHID_NOT_MATCH" || apiErr.Message == "" || apiErr.Status != http.StatusBadRequest {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "203.0.113.9") {
		t.Fatalf("the error repeats the request: %v", err)
	}

	tests := []struct {
		name    string
		handler http.HandlerFunc
		check   func(error) bool
	}{
		{"ServerError", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"code":"SYSTEM_ERROR","message":"系统错误"}`)
		}, func(err error) bool {
			var e *APIError
			return apperr.CodeOf(err) == apperr.Unavailable && errors.As(err, &e) && e.Code == "SYSTEM_ERROR"
		}},
		{"Oversized", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write(bytes.Repeat([]byte(" "), maxResponse+10))
		}, func(err error) bool { return errors.Is(err, payment.ErrMalformed) }},
		{"UnsignedSuccess", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, `{"h5_url":"https://evil.example/"}`)
		}, func(err error) bool { return errors.Is(err, payment.ErrBadSignature) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := httptest.NewServer(tt.handler)
			defer bad.Close()
			c := config(t, srv)
			c.BaseURL = bad.URL
			_, err := client(t, c).Create(context.Background(), o)
			if !tt.check(err) {
				t.Fatalf("got %v", err)
			}
		})
	}
	t.Run("Unreachable", func(t *testing.T) {
		c := config(t, srv)
		c.BaseURL = "http://127.0.0.1:1"
		if _, err := client(t, c).Query(context.Background(), "err-0001"); apperr.CodeOf(err) != apperr.Unavailable {
			t.Fatalf("got %v", err)
		}
	})
}

// R-DON-1, R-FUND-1: a genuine notification decrypts to exactly the
// transaction WeChat Pay holds, to the fen, with its transaction id as the
// idempotency key; the acknowledgement is 204 with no body.
func TestNotificationRoundTrip(t *testing.T) {
	for _, pubKey := range []bool{false, true} {
		name := "Certificate"
		if pubKey {
			name = "PublicKeyID"
		}
		t.Run(name, func(t *testing.T) {
			srv := fake(t, wechatpaytest.Options{PublicKeyID: pubKey})
			cl := client(t, config(t, srv))
			m := newMerchant(t, cl, 0)
			o := order("rt-000001", m)
			o.PayerRef = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
			if _, err := cl.Create(context.Background(), o); err != nil {
				t.Fatal(err)
			}
			if err := srv.Pay(o.ID); err != nil {
				t.Fatal(err)
			}
			srv.Drain()
			so, _ := srv.Order(o.ID)
			got, errs := m.results()
			if len(got) != 1 || len(errs) != 0 {
				t.Fatalf("merchant got %+v, errors %v", got, errs)
			}
			p := got[0]
			ds := srv.Deliveries(o.ID)
			want := payment.Payment{Provider: "wechatpay", OrderID: o.ID, TransactionID: so.TransactionID,
				Merchant: srv.MchID, Amount: money.Fen(so.Total), State: payment.Paid,
				PaidAt: p.PaidAt, NotificationID: ds[0].NotificationID}
			if p != want || !p.PaidAt.Equal(so.SuccessTime.Truncate(time.Second)) || p.Amount != o.Amount {
				t.Fatalf("got %+v, want %+v", p, want)
			}
			if len(ds) != 1 || ds[0].Status != http.StatusNoContent {
				t.Fatalf("deliveries %+v, want one answered 204", ds)
			}
		})
	}
	t.Run("AcknowledgeSuccess", func(t *testing.T) {
		w := httptest.NewRecorder()
		(&Client{}).Acknowledge(w, nil)
		if w.Code != http.StatusNoContent || w.Body.Len() != 0 {
			t.Fatalf("got %d %q", w.Code, w.Body)
		}
	})
}

// R-DON-1: a forged, altered, misaddressed or stale notification is
// refused with the sentinel that says why, and answered so that WeChat Pay
// sends it again: 401 with {"code":"FAIL"}, the sender's fault.
func TestNotificationRefused(t *testing.T) {
	srv := fake(t, wechatpaytest.Options{})
	cl := client(t, config(t, srv))
	m := newMerchant(t, cl, 0)
	if _, err := cl.Create(context.Background(), order("bad-000001", m)); err != nil {
		t.Fatal(err)
	}
	if err := srv.Pay("bad-000001"); err != nil {
		t.Fatal(err)
	}
	srv.Drain()

	tests := []struct {
		name  string
		fault wechatpaytest.Fault
		want  error
	}{
		{"Genuine", wechatpaytest.NoFault, nil},
		{"TamperedCiphertext", wechatpaytest.TamperCiphertext, payment.ErrBadSignature},
		{"WrongAAD", wechatpaytest.WrongAAD, payment.ErrBadSignature},
		{"WrongAPIv3Key", wechatpaytest.WrongKey, payment.ErrBadSignature},
		{"WrongSerial", wechatpaytest.WrongSerial, payment.ErrBadSignature},
		{"StaleTimestamp", wechatpaytest.Stale, payment.ErrStale},
		{"TamperedBody", wechatpaytest.TamperBody, payment.ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := srv.Notification("bad-000001", tt.fault)
			if err != nil {
				t.Fatal(err)
			}
			p, err := cl.ParseNotification(r)
			if tt.want == nil {
				if err != nil || p.OrderID != "bad-000001" {
					t.Fatalf("genuine notification: %+v, %v", p, err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if p != (payment.Payment{}) {
				t.Fatalf("a refused notification returned %+v", p)
			}
			w := httptest.NewRecorder()
			cl.Acknowledge(w, err)
			var body struct{ Code, Message string }
			// A refusal is the sender's fault: 401, not a server error.
			if w.Code != http.StatusUnauthorized || json.Unmarshal(w.Body.Bytes(), &body) != nil || body.Code != "FAIL" || body.Message == "" {
				t.Fatalf("acknowledged %d %q", w.Code, w.Body)
			}
		})
	}
	t.Run("ClientWithOtherAPIv3Key", func(t *testing.T) {
		c := config(t, srv)
		c.APIv3Key = strings.Repeat("k", 32)
		r, _ := srv.Notification("bad-000001", wechatpaytest.NoFault)
		if _, err := client(t, c).ParseNotification(r); !errors.Is(err, payment.ErrBadSignature) {
			t.Fatalf("got %v, want ErrBadSignature", err)
		}
	})
	t.Run("FromTheFuture", func(t *testing.T) {
		c := config(t, srv)
		c.Now = func() time.Time { return srv.Clock().Now().Add(-6 * time.Minute) }
		r, _ := srv.Notification("bad-000001", wechatpaytest.NoFault)
		if _, err := client(t, c).ParseNotification(r); !errors.Is(err, payment.ErrStale) {
			t.Fatalf("got %v, want ErrStale", err)
		}
	})
	t.Run("Oversized", func(t *testing.T) {
		r := srv.SignedRequest(bytes.Repeat([]byte(" "), payment.MaxNotificationBody+1))
		if _, err := cl.ParseNotification(r); !errors.Is(err, payment.ErrMalformed) {
			t.Fatalf("got %v, want ErrMalformed", err)
		}
	})
	t.Run("NotPaid", func(t *testing.T) {
		r := srv.NotificationFor([]byte(`{"mchid":"1","out_trade_no":"bad-000001","transaction_id":"42","trade_state":"NOTPAY","amount":{"total":1}}`), wechatpaytest.NoFault)
		if _, err := cl.ParseNotification(r); !errors.Is(err, payment.ErrMalformed) {
			t.Fatalf("got %v, want ErrMalformed", err)
		}
	})
}

// R-DON-1: WeChat Pay delivers until acknowledged, on its published
// schedule, then gives up; the platform must cope with every delivery.
func TestDeliverySchedule(t *testing.T) {
	schedule := payment.WeChatSchedule()
	if last := schedule[len(schedule)-1]; last != 24*time.Hour+4*time.Minute || len(schedule) != 16 {
		t.Fatalf("schedule ends at %v after %d deliveries, want 24h4m after the first and 15 re-sends", last, len(schedule)-1)
	}

	t.Run("NeverAcknowledged", func(t *testing.T) {
		srv := fake(t, wechatpaytest.Options{})
		cl := client(t, config(t, srv))
		m := newMerchant(t, cl, math.MaxInt)
		if _, err := cl.Create(context.Background(), order("never-0001", m)); err != nil {
			t.Fatal(err)
		}
		if err := srv.Pay("never-0001"); err != nil {
			t.Fatal(err)
		}
		srv.Drain()
		ds := srv.Deliveries("never-0001")
		if len(ds) != len(schedule) {
			t.Fatalf("%d deliveries, want %d", len(ds), len(schedule))
		}
		for i, d := range ds {
			if got := d.At.Sub(ds[0].At); got != schedule[i] || d.Attempt != i+1 || d.Status != http.StatusInternalServerError || d.NotificationID != ds[0].NotificationID {
				t.Fatalf("delivery %d: %+v at +%v, want +%v", i+1, d, got, schedule[i])
			}
		}
		// Every delivery was genuine and the same transaction.
		got, errs := m.results()
		if len(errs) != 0 || len(got) != len(schedule) {
			t.Fatalf("merchant parsed %d, errors %v", len(got), errs)
		}
		for _, p := range got {
			if p != got[0] {
				t.Fatalf("deliveries differ: %+v and %+v", p, got[0])
			}
		}
	})
	t.Run("AcknowledgedFourth", func(t *testing.T) {
		srv := fake(t, wechatpaytest.Options{})
		cl := client(t, config(t, srv))
		m := newMerchant(t, cl, 3)
		if _, err := cl.Create(context.Background(), order("ack4-00001", m)); err != nil {
			t.Fatal(err)
		}
		if err := srv.Pay("ack4-00001"); err != nil {
			t.Fatal(err)
		}
		srv.Drain()
		ds := srv.Deliveries("ack4-00001")
		if len(ds) != 4 || ds[3].Status != http.StatusNoContent || ds[3].At.Sub(ds[0].At) != schedule[3] {
			t.Fatalf("deliveries %+v, want 4, the last acknowledged at +%v", ds, schedule[3])
		}
	})
	t.Run("Duplicates", func(t *testing.T) {
		srv := fake(t, wechatpaytest.Options{Faults: wechatpaytest.Faults{Duplicate: true}})
		cl := client(t, config(t, srv))
		m := newMerchant(t, cl, 0)
		if _, err := cl.Create(context.Background(), order("dup-000001", m)); err != nil {
			t.Fatal(err)
		}
		if err := srv.Pay("dup-000001"); err != nil {
			t.Fatal(err)
		}
		srv.Drain()
		if got, _ := m.results(); len(got) != 2 || got[0] != got[1] {
			t.Fatalf("merchant got %+v; want the same payment twice", got)
		}
	})
	t.Run("TamperedEveryTime", func(t *testing.T) {
		srv := fake(t, wechatpaytest.Options{Faults: wechatpaytest.Faults{Notification: wechatpaytest.TamperCiphertext}})
		cl := client(t, config(t, srv))
		m := newMerchant(t, cl, 0)
		if _, err := cl.Create(context.Background(), order("tamp-00001", m)); err != nil {
			t.Fatal(err)
		}
		if err := srv.Pay("tamp-00001"); err != nil {
			t.Fatal(err)
		}
		srv.Drain()
		got, errs := m.results()
		if len(got) != 0 || len(errs) != len(schedule) {
			t.Fatalf("merchant accepted %d and refused %d, want 0 and %d", len(got), len(errs), len(schedule))
		}
		for _, err := range errs {
			if !errors.Is(err, payment.ErrBadSignature) {
				t.Fatalf("refused with %v", err)
			}
		}
	})
}

func TestConfig(t *testing.T) {
	srv := fake(t, wechatpaytest.Options{})
	good := config(t, srv)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	big, _ := ParsePrivateKey(srv.MerchantKeyPEM())
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(big)})
	smallPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(small)})
	tests := []struct {
		name   string
		change func(*Config)
		ok     bool
	}{
		{"Good", func(*Config) {}, true},
		{"PKCS1Key", func(c *Config) { c.PrivateKey = pkcs1 }, true},
		{"ShortKey", func(c *Config) { c.PrivateKey = smallPEM }, false},
		{"NotPEM", func(c *Config) { c.PrivateKey = []byte("key") }, false},
		{"APIv3KeyLength", func(c *Config) { c.APIv3Key = "short" }, false},
		{"NoPlatformKeys", func(c *Config) { c.PlatformKeys = nil }, false},
		{"ShortPlatformKey", func(c *Config) { c.PlatformKeys = map[string]*rsa.PublicKey{"S": &small.PublicKey} }, false},
		{"NoMchID", func(c *Config) { c.MchID = "" }, false},
		{"NoAppID", func(c *Config) { c.AppID = "" }, false},
		{"NoSerial", func(c *Config) { c.CertSerial = "" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.change(&c)
			_, err := New(c)
			if (err == nil) != tt.ok {
				t.Fatalf("New: %v, want ok=%v", err, tt.ok)
			}
			if err != nil && strings.Contains(err.Error(), srv.APIv3Key) {
				t.Fatal("the error shows the APIv3 key")
			}
		})
	}
	if s := fmt.Sprintf("%v %+v", good, good); strings.Contains(s, srv.APIv3Key) || strings.Contains(s, "PRIVATE KEY") || !strings.Contains(s, srv.MchID) {
		t.Fatalf("Config prints as %s", s)
	}
	if _, err := ParsePublicKey(srv.PlatformCertificatePEM()); err == nil {
		t.Fatal("ParsePublicKey took a certificate")
	}
	if _, _, err := ParseCertificate(srv.PlatformPublicKeyPEM()); err == nil {
		t.Fatal("ParseCertificate took a public key")
	}
}
