// Package wechatpay is a payment.Provider for WeChat Pay API v3 in merchant
// mode, written from WeChat Pay's published v3 specification with the
// standard library only (WeChat's Go SDKs are not on the module proxy).
//
// Every request is signed with the merchant's API key
// (WECHATPAY2-SHA256-RSA2048); every answer and notification is believed
// only once its platform signature verifies under a key the merchant was
// given for that serial, and its timestamp is within payment.MaxSkew of
// now. A notification's resource is decrypted with the APIv3 key
// (AEAD_AES_256_GCM), which authenticates it a second time.
package wechatpay

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
)

// DefaultBaseURL is WeChat Pay's API endpoint.
const DefaultBaseURL = "https://api.mch.weixin.qq.com"

// maxResponse bounds what is read of an API answer; real answers are a
// few kilobytes.
const maxResponse = 1 << 20

// Config is what a merchant is given by WeChat Pay.
type Config struct {
	// MchID is the merchant id (商户号), AppID the id of the official
	// account or mini program the payer pays in.
	MchID, AppID string
	// PrivateKey is the merchant's API private key (apiclient_key.pem):
	// PEM, PKCS #8 or PKCS #1, RSA of at least 2048 bits.
	PrivateKey []byte
	// CertSerial is the serial number of the merchant's API certificate,
	// in hex; it is sent as WeChat Pay expects it (see CanonicalSerial).
	CertSerial string
	// APIv3Key is the 32-byte key notifications are encrypted with.
	APIv3Key string
	// PlatformKeys verify WeChat Pay's signatures, by the serial in the
	// Wechatpay-Serial header: platform certificates (see
	// ParseCertificate) and/or the WeChat Pay public key under its
	// PUB_KEY_ID_… (see ParsePublicKey).
	PlatformKeys map[string]*rsa.PublicKey
	// EncryptSerial names the platform key (one of PlatformKeys) that
	// sensitive request fields are encrypted with, such as the card of an
	// abnormal refund. Empty means the WeChat Pay public key (PUB_KEY_ID_…)
	// if one is given, else the last platform certificate serial in
	// sorted order.
	EncryptSerial string
	// RefundFundsAccount is the refund request's funds_account: empty
	// (WeChat Pay's default, the unsettled funds of merchants on the old
	// funds flow) or "AVAILABLE" (the available balance).
	RefundFundsAccount string
	// BaseURL defaults to DefaultBaseURL.
	BaseURL string
	// HTTPClient defaults to a client with a 10-second timeout.
	HTTPClient *http.Client
	// Now defaults to time.Now.
	Now func() time.Time
}

// String describes the configuration without its secrets, so a Config
// that reaches a log or an error shows no key.
func (c Config) String() string {
	serials := make([]string, 0, len(c.PlatformKeys))
	for s := range c.PlatformKeys {
		serials = append(serials, s)
	}
	slices.Sort(serials)
	return fmt.Sprintf("wechatpay.Config{MchID:%s AppID:%s CertSerial:%s PrivateKey:[redacted] APIv3Key:[redacted] PlatformKeys:%v BaseURL:%s}",
		c.MchID, c.AppID, c.CertSerial, serials, c.BaseURL)
}

// Client talks to WeChat Pay. It is safe for concurrent use.
type Client struct {
	mchID, appID string
	key          *rsa.PrivateKey
	serial       string
	apiv3Key     []byte
	platform     map[string]*rsa.PublicKey
	baseURL      string
	http         *http.Client
	now          func() time.Time
	// encryptSerial names the platform key sensitive fields are
	// encrypted with; fundsAccount is the refunds' funds_account.
	encryptSerial, fundsAccount string
}

var _ payment.Provider = (*Client)(nil)

// New checks the configuration and returns a client.
func New(c Config) (*Client, error) {
	var problems []string
	if c.MchID == "" {
		problems = append(problems, "MchID is empty")
	}
	if c.AppID == "" {
		problems = append(problems, "AppID is empty")
	}
	serial, serialOK := CanonicalSerial(c.CertSerial)
	switch {
	case strings.TrimSpace(c.CertSerial) == "":
		problems = append(problems, "CertSerial is empty")
	case !serialOK:
		problems = append(problems, "CertSerial is not a hexadecimal serial number")
	}
	if len(c.APIv3Key) != 32 {
		problems = append(problems, "APIv3Key is not 32 bytes")
	}
	if len(c.PlatformKeys) == 0 {
		problems = append(problems, "no PlatformKeys")
	}
	for serial, k := range c.PlatformKeys {
		if serial == "" || k == nil || k.N.BitLen() < 2048 {
			problems = append(problems, "a platform key is empty or shorter than 2048 bits")
			break
		}
	}
	if _, ok := c.PlatformKeys[c.EncryptSerial]; c.EncryptSerial != "" && !ok {
		problems = append(problems, "EncryptSerial names none of PlatformKeys")
	}
	if c.RefundFundsAccount != "" && c.RefundFundsAccount != "AVAILABLE" {
		problems = append(problems, `RefundFundsAccount is neither empty nor "AVAILABLE"`)
	}
	key, err := ParsePrivateKey(c.PrivateKey)
	if err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return nil, errors.New("wechatpay: bad configuration: " + strings.Join(problems, "; "))
	}
	cl := &Client{
		mchID:    c.MchID,
		appID:    c.AppID,
		key:      key,
		serial:   serial,
		apiv3Key: []byte(c.APIv3Key),
		platform: make(map[string]*rsa.PublicKey, len(c.PlatformKeys)),
		baseURL:  strings.TrimRight(c.BaseURL, "/"),
		http:     c.HTTPClient,
		now:      c.Now,

		encryptSerial: c.EncryptSerial,
		fundsAccount:  c.RefundFundsAccount,
	}
	for serial, k := range c.PlatformKeys {
		cl.platform[serial] = k
	}
	if cl.baseURL == "" {
		cl.baseURL = DefaultBaseURL
	}
	if cl.encryptSerial == "" {
		serials := make([]string, 0, len(cl.platform))
		for s := range cl.platform {
			serials = append(serials, s)
		}
		slices.Sort(serials)
		cl.encryptSerial = serials[len(serials)-1]
		for _, s := range serials {
			if strings.HasPrefix(s, "PUB_KEY_ID_") {
				cl.encryptSerial = s
			}
		}
	}
	if cl.http == nil {
		cl.http = &http.Client{Timeout: 10 * time.Second}
	}
	if cl.now == nil {
		cl.now = time.Now
	}
	return cl, nil
}

// Name returns "wechatpay".
func (c *Client) Name() string { return "wechatpay" }

// CheckoutOrigins are where an H5 checkout sends the payer: the platform's
// pages must allow a form to lead there (CSP form-action), since the
// donation form's answer redirects to it.
func (c *Client) CheckoutOrigins() []string { return []string{"https://wx.tenpay.com"} }

// china is the time zone WeChat Pay writes its times in.
var china = time.FixedZone("CST", 8*3600)

type amountJSON struct {
	Total    int64  `json:"total"`
	Currency string `json:"currency"`
}

type orderRequest struct {
	AppID       string     `json:"appid"`
	MchID       string     `json:"mchid"`
	Description string     `json:"description"`
	OutTradeNo  string     `json:"out_trade_no"`
	TimeExpire  string     `json:"time_expire,omitempty"`
	NotifyURL   string     `json:"notify_url"`
	Amount      amountJSON `json:"amount"`
	Payer       *payerJSON `json:"payer,omitempty"`
	SceneInfo   *sceneJSON `json:"scene_info,omitempty"`
}

type payerJSON struct {
	OpenID string `json:"openid"`
}

type sceneJSON struct {
	PayerClientIP string `json:"payer_client_ip"`
	H5Info        struct {
		Type string `json:"type"`
	} `json:"h5_info"`
}

// Create places a JSAPI order when o.PayerRef (the payer's openid) is set,
// a Native order (a QR code's content) when o.Native, and an H5 order
// otherwise. A JSAPI checkout carries the parameters of
// WeixinJSBridge's getBrandWCPayRequest, signed; an H5 checkout a URL to
// send the payer's browser to.
func (c *Client) Create(ctx context.Context, o payment.Order) (payment.Checkout, error) {
	if err := o.Validate(); err != nil {
		return payment.Checkout{}, err
	}
	req := orderRequest{
		AppID:       c.appID,
		MchID:       c.mchID,
		Description: o.Description,
		OutTradeNo:  o.ID,
		NotifyURL:   o.NotifyURL,
		Amount:      amountJSON{Total: int64(o.Amount), Currency: "CNY"},
	}
	if !o.ExpiresAt.IsZero() {
		req.TimeExpire = o.ExpiresAt.In(china).Format(time.RFC3339)
	}
	if o.PayerRef != "" {
		req.Payer = &payerJSON{OpenID: o.PayerRef}
		var resp struct {
			PrepayID string `json:"prepay_id"`
		}
		if err := c.call(ctx, http.MethodPost, "/v3/pay/transactions/jsapi", nil, req, &resp); err != nil {
			return payment.Checkout{}, err
		}
		if resp.PrepayID == "" {
			return payment.Checkout{}, fmt.Errorf("wechatpay: jsapi answer without prepay_id: %w", payment.ErrMalformed)
		}
		params, err := c.jsapiParams(resp.PrepayID)
		if err != nil {
			return payment.Checkout{}, err
		}
		return payment.Checkout{JSAPI: params}, nil
	}
	if o.Native {
		var resp struct {
			CodeURL string `json:"code_url"`
		}
		if err := c.call(ctx, http.MethodPost, "/v3/pay/transactions/native", nil, req, &resp); err != nil {
			return payment.Checkout{}, err
		}
		if !strings.HasPrefix(resp.CodeURL, "weixin://") {
			return payment.Checkout{}, fmt.Errorf("wechatpay: native answer without a weixin:// code_url: %w", payment.ErrMalformed)
		}
		return payment.Checkout{CodeURL: resp.CodeURL}, nil
	}
	if o.ClientIP == "" {
		return payment.Checkout{}, &apperr.Error{Code: apperr.Invalid, Key: "payment.order_invalid",
			Fields: []apperr.FieldError{{Field: "client_ip", Key: "wechatpay.client_ip_required"}}}
	}
	req.SceneInfo = &sceneJSON{PayerClientIP: o.ClientIP}
	req.SceneInfo.H5Info.Type = "Wap"
	var resp struct {
		H5URL string `json:"h5_url"`
	}
	if err := c.call(ctx, http.MethodPost, "/v3/pay/transactions/h5", nil, req, &resp); err != nil {
		return payment.Checkout{}, err
	}
	if resp.H5URL == "" {
		return payment.Checkout{}, fmt.Errorf("wechatpay: h5 answer without h5_url: %w", payment.ErrMalformed)
	}
	redirect := resp.H5URL
	if o.ReturnURL != "" {
		// WeChat Pay sends the payer back to redirect_url after the
		// cashier, as its H5 guide says to append it.
		sep := "&"
		if !strings.Contains(redirect, "?") {
			sep = "?"
		}
		redirect += sep + "redirect_url=" + url.QueryEscape(o.ReturnURL)
	}
	return payment.Checkout{RedirectURL: redirect}, nil
}

// jsapiParams returns what the page passes to getBrandWCPayRequest.
func (c *Client) jsapiParams(prepayID string) (map[string]string, error) {
	ts := strconv.FormatInt(c.now().Unix(), 10)
	nonce, err := nonceString()
	if err != nil {
		return nil, err
	}
	pkg := "prepay_id=" + prepayID
	sig, err := sign(c.key, c.appID+"\n"+ts+"\n"+nonce+"\n"+pkg+"\n")
	if err != nil {
		return nil, err
	}
	return map[string]string{
		"appId":     c.appID,
		"timeStamp": ts,
		"nonceStr":  nonce,
		"package":   pkg,
		"signType":  "RSA",
		"paySign":   sig,
	}, nil
}

// transaction is WeChat Pay's transaction object, in query answers and in
// decrypted notifications.
type transaction struct {
	AppID         string `json:"appid"`
	MchID         string `json:"mchid"`
	OutTradeNo    string `json:"out_trade_no"`
	TransactionID string `json:"transaction_id"`
	TradeState    string `json:"trade_state"`
	SuccessTime   string `json:"success_time"`
	Amount        *struct {
		Total      *int64 `json:"total"`
		PayerTotal *int64 `json:"payer_total"`
		Currency   string `json:"currency"`
	} `json:"amount"`
	Payer *payerJSON `json:"payer"`
}

// states maps trade_state to the platform's states. USERPAYING (the payer
// is entering a password) is not paid yet; REVOKED (a cancelled
// payment-code order) is closed.
var states = map[string]payment.State{
	"SUCCESS":    payment.Paid,
	"NOTPAY":     payment.NotPaid,
	"USERPAYING": payment.NotPaid,
	"CLOSED":     payment.Closed,
	"REVOKED":    payment.Closed,
	"REFUND":     payment.Refunded,
	"PAYERROR":   payment.Failed,
}

// toPayment checks a transaction and converts it. A paid transaction must
// have its id, amount and time; the caller still compares order, merchant
// and amount with its own records.
func (t transaction) toPayment() (payment.Payment, error) {
	state, ok := states[t.TradeState]
	if !ok {
		return payment.Payment{}, fmt.Errorf("wechatpay: unknown trade_state: %w", payment.ErrMalformed)
	}
	if t.OutTradeNo == "" || t.MchID == "" || t.Amount == nil || t.Amount.Total == nil {
		return payment.Payment{}, fmt.Errorf("wechatpay: transaction lacks out_trade_no, mchid or amount: %w", payment.ErrMalformed)
	}
	if *t.Amount.Total < 0 || *t.Amount.Total > int64(money.MaxFen) || t.Amount.Currency != "" && t.Amount.Currency != "CNY" {
		return payment.Payment{}, fmt.Errorf("wechatpay: transaction amount out of range: %w", payment.ErrMalformed)
	}
	p := payment.Payment{
		Provider:      "wechatpay",
		OrderID:       t.OutTradeNo,
		TransactionID: t.TransactionID,
		Merchant:      t.MchID,
		Amount:        money.Fen(*t.Amount.Total),
		State:         state,
	}
	if t.SuccessTime != "" {
		at, err := time.Parse(time.RFC3339, t.SuccessTime)
		if err != nil {
			return payment.Payment{}, fmt.Errorf("wechatpay: bad success_time: %w", payment.ErrMalformed)
		}
		p.PaidAt = at
	}
	if state == payment.Paid && (p.TransactionID == "" || p.PaidAt.IsZero() || p.Amount <= 0) {
		return payment.Payment{}, fmt.Errorf("wechatpay: paid transaction lacks transaction_id, success_time or amount: %w", payment.ErrMalformed)
	}
	return p, nil
}

// Query asks for the order's state (GET
// /v3/pay/transactions/out-trade-no/{out_trade_no}). An order WeChat Pay
// does not know is payment.ErrUnknownOrder.
func (c *Client) Query(ctx context.Context, orderID string) (payment.Payment, error) {
	if !payment.ValidOrderID(orderID) {
		return payment.Payment{}, payment.ErrUnknownOrder
	}
	var t transaction
	err := c.call(ctx, http.MethodGet, "/v3/pay/transactions/out-trade-no/"+url.PathEscape(orderID),
		url.Values{"mchid": {c.mchID}}, nil, &t)
	if err != nil {
		return payment.Payment{}, err
	}
	if t.OutTradeNo != orderID {
		return payment.Payment{}, fmt.Errorf("wechatpay: query answered for another order: %w", payment.ErrMalformed)
	}
	return t.toPayment()
}

// APIError is an error answer of WeChat Pay: the HTTP status and the
// answer's code and message. It never holds the request.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("wechatpay: HTTP %d %s: %s", e.Status, e.Code, e.Message)
}

// Is makes an answer that the order does not exist match
// payment.ErrUnknownOrder.
func (e *APIError) Is(target error) bool {
	return target == payment.ErrUnknownOrder && (e.Code == "ORDER_NOT_EXIST" || e.Code == "RESOURCE_NOT_EXISTS")
}

// call sends a signed request and decodes the verified answer into out.
// Answers of 5xx and failures to reach WeChat Pay are apperr.Unavailable
// (try later); other error answers are *APIError.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, in, out any) error {
	return c.callWith(ctx, method, path, query, nil, in, out)
}

// callWith is call with extra request headers (Wechatpay-Serial, when the
// request carries fields encrypted with a platform key).
func (c *Client) callWith(ctx context.Context, method, path string, query url.Values, extra http.Header, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("wechatpay: encoding request: %w", err)
		}
	}
	canonical := path
	if len(query) > 0 {
		canonical += "?" + query.Encode()
	}
	auth, err := c.authorization(method, canonical, body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+canonical, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("wechatpay: %w", err)
	}
	for k, vs := range extra {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "carefund-wechatpay/1 (+https://github.com/carefund/carefund)")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return apperr.Wrap(fmt.Errorf("wechatpay: %s %s: %w", method, path, err), apperr.Unavailable, "wechatpay.unavailable")
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return apperr.Wrap(fmt.Errorf("wechatpay: reading answer to %s %s: %w", method, path, err), apperr.Unavailable, "wechatpay.unavailable")
	}
	if len(data) > maxResponse {
		return fmt.Errorf("wechatpay: answer to %s %s over %d bytes: %w", method, path, maxResponse, payment.ErrMalformed)
	}
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	// A success must be signed; an error answer is checked when signed, so
	// a forged "no such order" cannot pass either.
	if ok || resp.Header.Get("Wechatpay-Signature") != "" {
		if err := c.verify(resp.Header, data); err != nil {
			return fmt.Errorf("wechatpay: answer to %s %s: %w", method, path, err)
		}
	}
	if !ok {
		var e struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(data, &e)
		apiErr := &APIError{Status: resp.StatusCode, Code: e.Code, Message: e.Message}
		if resp.StatusCode >= 500 {
			return apperr.Wrap(apiErr, apperr.Unavailable, "wechatpay.unavailable")
		}
		return apiErr
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("wechatpay: decoding answer to %s %s: %w", method, path, payment.ErrMalformed)
		}
	}
	return nil
}
