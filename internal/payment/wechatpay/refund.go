package wechatpay

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
)

// Refunds by the original route (R-DON-2): WeChat Pay pays the money back
// the way the payer paid it, to their balance or card, and says so in a
// signed, encrypted notification. The platform's refund number is
// out_refund_no: WeChat Pay refunds once per number, so a refund asked
// again after a crash or a timeout is the same refund, never a second one.
//
//   - Refund:              POST /v3/refund/domestic/refunds (申请退款)
//   - QueryRefund:         GET  /v3/refund/domestic/refunds/{out_refund_no}
//   - ParseRefundNotification: REFUND.SUCCESS, REFUND.ABNORMAL, REFUND.CLOSED
//   - ApplyAbnormalRefund: POST /v3/refund/domestic/refunds/{refund_id}/apply-abnormal-refund
//
// WeChat Pay's error answers to these calls become errors the caller can
// act on by their apperr code (the *APIError stays in the chain for the
// logs and errors.As):
//
//	HTTP  code                   apperr code  what the caller does
//	429   FREQUENCY_LIMITED      rate_limited payment.ErrRateLimited: slow down, ask again with the same number
//	403   NOT_ENOUGH             unavailable  payment.ErrNotEnough: the merchant's balance is short: ask again after the top-up, same number
//	500   SYSTEM_ERROR (any 5xx) unavailable  ask again later with the same number; the refund may exist (query it)
//	403   USER_ACCOUNT_ABNORMAL  conflict     the payer's account cannot take money: no retry; refund another way
//	400   INVALID_REQUEST        conflict     the order's state forbids it (refunded past what was paid, a number
//	                                          reused for another amount, an order over a year old): no retry
//	400   PARAM_ERROR            invalid      the request is wrong: a bug or bad data, no retry
//	404   RESOURCE_NOT_EXISTS    not_found    no such order (payment.ErrUnknownOrder) or, from QueryRefund,
//	                                          no such refund (payment.ErrUnknownRefund)
//	403   NO_AUTH                forbidden    the merchant may not refund (a contract matter): no retry
//	401   SIGN_ERROR             internal     the merchant's key or serial is wrong: fix the configuration
//	400   MCH_NOT_EXISTS,        internal     the configuration names the wrong merchant or app
//	      APPID_MCHID_NOT_MATCH
//
// Anything else keeps the *APIError alone (apperr code internal).

// refundErrors maps the refund API's error codes to what the caller does.
var refundErrors = map[string]struct {
	code apperr.Code
	key  string
}{
	"NOT_ENOUGH":            {apperr.Unavailable, "wechatpay.refund_not_enough"},
	"SYSTEM_ERROR":          {apperr.Unavailable, "wechatpay.unavailable"},
	"USER_ACCOUNT_ABNORMAL": {apperr.Conflict, "wechatpay.refund_user_abnormal"},
	"INVALID_REQUEST":       {apperr.Conflict, "wechatpay.refund_refused"},
	"PARAM_ERROR":           {apperr.Invalid, "wechatpay.refund_param"},
	"RESOURCE_NOT_EXISTS":   {apperr.NotFound, "payment.unknown_order"},
	"ORDER_NOT_EXIST":       {apperr.NotFound, "payment.unknown_order"},
	"NO_AUTH":               {apperr.Forbidden, "wechatpay.no_auth"},
	"SIGN_ERROR":            {apperr.Internal, "wechatpay.misconfigured"},
	"MCH_NOT_EXISTS":        {apperr.Internal, "wechatpay.misconfigured"},
	"APPID_MCHID_NOT_MATCH": {apperr.Internal, "wechatpay.misconfigured"},
}

// refundError turns an error answer of the refund API into one the caller
// can act on (see the table above); other errors pass unchanged.
func refundError(err error) error {
	var apiErr *APIError
	if err == nil || !errors.As(err, &apiErr) {
		return err
	}
	if apiErr.Status == http.StatusTooManyRequests || apiErr.Code == "FREQUENCY_LIMITED" {
		return fmt.Errorf("wechatpay: %w: %w", payment.ErrRateLimited, apiErr)
	}
	if apiErr.Code == "NOT_ENOUGH" {
		// The merchant's balance is short: the refund waits for the
		// top-up from custody (package refundfund), same number.
		return fmt.Errorf("wechatpay: %w: %w", payment.ErrNotEnough, apiErr)
	}
	if m, ok := refundErrors[apiErr.Code]; ok {
		return apperr.Wrap(apiErr, m.code, m.key)
	}
	return err
}

// refundStates maps a refund's status to the platform's.
var refundStates = map[string]string{
	"SUCCESS":    payment.RefundSuccess,
	"PROCESSING": payment.RefundProcessing,
	"CLOSED":     payment.RefundClosed,
	"ABNORMAL":   payment.RefundAbnormal,
}

// refundAmount is the amount object of a refund answer or notification.
type refundAmount struct {
	Total            *int64 `json:"total"`
	Refund           *int64 `json:"refund"`
	PayerTotal       *int64 `json:"payer_total"`
	PayerRefund      *int64 `json:"payer_refund"`
	SettlementRefund *int64 `json:"settlement_refund"`
	SettlementTotal  *int64 `json:"settlement_total"`
	DiscountRefund   *int64 `json:"discount_refund"`
	Currency         string `json:"currency"`
}

// refundObject is WeChat Pay's refund: the answer to a refund, its query
// and an abnormal refund's application, and (with refund_status for
// status and mchid) the decrypted resource of a refund notification.
type refundObject struct {
	MchID               string        `json:"mchid"`
	RefundID            string        `json:"refund_id"`
	OutRefundNo         string        `json:"out_refund_no"`
	TransactionID       string        `json:"transaction_id"`
	OutTradeNo          string        `json:"out_trade_no"`
	Channel             string        `json:"channel"`
	UserReceivedAccount string        `json:"user_received_account"`
	SuccessTime         string        `json:"success_time"`
	CreateTime          string        `json:"create_time"`
	Status              string        `json:"status"`
	RefundStatus        string        `json:"refund_status"`
	FundsAccount        string        `json:"funds_account"`
	Amount              *refundAmount `json:"amount"`
}

// toResult checks a refund object and converts it: a known status, both
// refund numbers, the order named, an amount in CNY of at least a fen and
// at most the order's, and for a success its time.
func (o refundObject) toResult(status string) (payment.RefundResult, error) {
	state, ok := refundStates[status]
	if !ok {
		return payment.RefundResult{}, fmt.Errorf("wechatpay: unknown refund status %.32q: %w", status, payment.ErrMalformed)
	}
	if o.RefundID == "" || o.OutRefundNo == "" || o.OutTradeNo == "" && o.TransactionID == "" {
		return payment.RefundResult{}, fmt.Errorf("wechatpay: refund lacks refund_id, out_refund_no or the order: %w", payment.ErrMalformed)
	}
	a := o.Amount
	if a == nil || a.Refund == nil || a.Total == nil || *a.Refund <= 0 || *a.Total <= 0 || *a.Refund > *a.Total ||
		*a.Total > int64(money.MaxFen) || a.Currency != "" && a.Currency != "CNY" {
		return payment.RefundResult{}, fmt.Errorf("wechatpay: refund amount missing or out of range: %w", payment.ErrMalformed)
	}
	res := payment.RefundResult{
		RefundID:         o.OutRefundNo,
		ProviderRefundID: o.RefundID,
		State:            state,
		OrderID:          o.OutTradeNo,
		TransactionID:    o.TransactionID,
		Amount:           money.Fen(*a.Refund),
		Total:            money.Fen(*a.Total),
		Account:          o.UserReceivedAccount,
	}
	if o.SuccessTime != "" {
		at, err := time.Parse(time.RFC3339, o.SuccessTime)
		if err != nil {
			return payment.RefundResult{}, fmt.Errorf("wechatpay: bad refund success_time: %w", payment.ErrMalformed)
		}
		res.SucceededAt = at
	}
	if state == payment.RefundSuccess && res.SucceededAt.IsZero() {
		return payment.RefundResult{}, fmt.Errorf("wechatpay: successful refund without success_time: %w", payment.ErrMalformed)
	}
	return res, nil
}

// Refund asks for a refund (POST /v3/refund/domestic/refunds), naming the
// order by its transaction id when known, else by its order number.
// WeChat Pay refunds once per out_refund_no, so a retry is safe: asked
// again, it answers the same refund as it is now (R-DON-2, R-REF-1).
// The answer is usually PROCESSING; the outcome comes as a notification
// to r.NotifyURL, or from QueryRefund.
func (c *Client) Refund(ctx context.Context, r payment.Refund) (payment.RefundResult, error) {
	var fields []apperr.FieldError
	if !payment.ValidOrderID(r.RefundID) {
		fields = append(fields, apperr.FieldError{Field: "refund_id", Key: "payment.refund_id_invalid", Args: []any{payment.MinOrderID, payment.MaxOrderID}})
	}
	if r.TransactionID == "" && !payment.ValidOrderID(r.OrderID) {
		fields = append(fields, apperr.FieldError{Field: "order_id", Key: "payment.order_id_invalid", Args: []any{payment.MinOrderID, payment.MaxOrderID}})
	}
	if r.Amount <= 0 || r.Total <= 0 || r.Amount > r.Total {
		fields = append(fields, apperr.FieldError{Field: "amount", Key: "payment.refund_too_much"})
	}
	if fields != nil {
		return payment.RefundResult{}, &apperr.Error{Code: apperr.Invalid, Key: "payment.refund_invalid", Fields: fields}
	}
	req := struct {
		TransactionID string `json:"transaction_id,omitempty"`
		OutTradeNo    string `json:"out_trade_no,omitempty"`
		OutRefundNo   string `json:"out_refund_no"`
		Reason        string `json:"reason,omitempty"`
		NotifyURL     string `json:"notify_url,omitempty"`
		FundsAccount  string `json:"funds_account,omitempty"`
		Amount        struct {
			Refund   int64  `json:"refund"`
			Total    int64  `json:"total"`
			Currency string `json:"currency"`
		} `json:"amount"`
	}{TransactionID: r.TransactionID, OutRefundNo: r.RefundID, Reason: truncate(r.Reason, 80), NotifyURL: r.NotifyURL,
		FundsAccount: c.fundsAccount}
	if r.TransactionID == "" {
		req.OutTradeNo = r.OrderID
	}
	req.Amount.Refund, req.Amount.Total, req.Amount.Currency = int64(r.Amount), int64(r.Total), "CNY"
	var resp refundObject
	if err := c.call(ctx, http.MethodPost, "/v3/refund/domestic/refunds", nil, req, &resp); err != nil {
		return payment.RefundResult{}, refundError(err)
	}
	res, err := resp.toResult(resp.Status)
	if err != nil {
		return payment.RefundResult{}, err
	}
	// The answer must be about this refund, of this amount.
	if res.RefundID != r.RefundID || res.Amount != r.Amount || r.TransactionID != "" && res.TransactionID != r.TransactionID {
		return payment.RefundResult{}, fmt.Errorf("wechatpay: refund answer is about another refund: %w", payment.ErrMalformed)
	}
	return res, nil
}

// truncate cuts s to at most n bytes at a character boundary: WeChat Pay
// takes a reason of at most 80 bytes.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// QueryRefund asks for a refund by our number (GET
// /v3/refund/domestic/refunds/{out_refund_no}): for when its notification
// never comes. A number WeChat Pay does not know is payment.ErrUnknownRefund.
func (c *Client) QueryRefund(ctx context.Context, refundID string) (payment.RefundResult, error) {
	if !payment.ValidOrderID(refundID) {
		return payment.RefundResult{}, payment.ErrUnknownRefund
	}
	var resp refundObject
	err := c.call(ctx, http.MethodGet, "/v3/refund/domestic/refunds/"+url.PathEscape(refundID), nil, nil, &resp)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
		return payment.RefundResult{}, fmt.Errorf("wechatpay: refund %s: %w", refundID, payment.ErrUnknownRefund)
	}
	if err != nil {
		return payment.RefundResult{}, refundError(err)
	}
	res, err := resp.toResult(resp.Status)
	if err != nil {
		return payment.RefundResult{}, err
	}
	if res.RefundID != refundID {
		return payment.RefundResult{}, fmt.Errorf("wechatpay: refund query answered for another refund: %w", payment.ErrMalformed)
	}
	return res, nil
}

// refundEvents are the refund notifications' event types and the status
// each must carry.
var refundEvents = map[string]string{
	"REFUND.SUCCESS":  "SUCCESS",
	"REFUND.ABNORMAL": "ABNORMAL",
	"REFUND.CLOSED":   "CLOSED",
}

// ParseRefundNotification verifies a refund notification as
// ParseNotification does a payment's — the signature and freshness of
// the envelope (payment.ErrBadSignature, payment.ErrStale), then the
// resource decrypted with the APIv3 key, which authenticates it again
// (payment.ErrBadSignature) — and returns the refund it carries. It must
// be a REFUND.SUCCESS, REFUND.ABNORMAL or REFUND.CLOSED notification of
// an encrypted refund resource for our merchant id, whose refund_status
// is its event's; anything else is payment.ErrMalformed. The caller still
// compares the refund number and amount with its own records (R-REF-1).
func (c *Client) ParseRefundNotification(r *http.Request) (payment.RefundResult, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, payment.MaxNotificationBody+1))
	if err != nil {
		return payment.RefundResult{}, fmt.Errorf("wechatpay: reading refund notification: %w", payment.ErrMalformed)
	}
	if len(body) > payment.MaxNotificationBody {
		return payment.RefundResult{}, fmt.Errorf("wechatpay: refund notification over %d bytes: %w", payment.MaxNotificationBody, payment.ErrMalformed)
	}
	if err := c.verify(r.Header, body); err != nil {
		return payment.RefundResult{}, fmt.Errorf("wechatpay: refund notification: %w", err)
	}
	return c.decodeRefundNotification(body)
}

// decodeRefundNotification decodes and decrypts a refund notification
// whose signature has been checked.
func (c *Client) decodeRefundNotification(body []byte) (payment.RefundResult, error) {
	var n notification
	if err := json.Unmarshal(body, &n); err != nil {
		return payment.RefundResult{}, fmt.Errorf("wechatpay: refund notification is not JSON: %w", payment.ErrMalformed)
	}
	if n.ID == "" || n.ResourceType != "encrypt-resource" || n.Resource == nil {
		return payment.RefundResult{}, fmt.Errorf("wechatpay: refund notification lacks id or encrypted resource: %w", payment.ErrMalformed)
	}
	status, ok := refundEvents[n.EventType]
	if !ok {
		return payment.RefundResult{}, fmt.Errorf("wechatpay: notification event %.32q is not a refund's: %w", n.EventType, payment.ErrMalformed)
	}
	res := n.Resource
	if res.OriginalType != "refund" {
		return payment.RefundResult{}, fmt.Errorf("wechatpay: notification of a %.32q, not a refund: %w", res.OriginalType, payment.ErrMalformed)
	}
	if res.Algorithm != "AEAD_AES_256_GCM" {
		return payment.RefundResult{}, fmt.Errorf("wechatpay: notification algorithm %.32q: %w", res.Algorithm, payment.ErrMalformed)
	}
	// associated_data is whatever WeChat Pay put there (the
	// specification's example leaves it empty); it is authenticated with
	// the ciphertext, so it is taken as given.
	plaintext, err := c.decrypt(res.Ciphertext, res.Nonce, res.AssociatedData)
	if err != nil {
		return payment.RefundResult{}, err
	}
	var o refundObject
	if err := json.Unmarshal(plaintext, &o); err != nil {
		return payment.RefundResult{}, fmt.Errorf("wechatpay: notification resource is not a refund: %w", payment.ErrMalformed)
	}
	if o.MchID != c.mchID {
		return payment.RefundResult{}, fmt.Errorf("wechatpay: refund notification for merchant %.32q, not ours: %w", o.MchID, payment.ErrMalformed)
	}
	if o.RefundStatus != status {
		return payment.RefundResult{}, fmt.Errorf("wechatpay: %s notification with refund_status %.32q: %w", n.EventType, o.RefundStatus, payment.ErrMalformed)
	}
	out, err := o.toResult(o.RefundStatus)
	if err != nil {
		return payment.RefundResult{}, err
	}
	if out.OrderID == "" {
		return payment.RefundResult{}, fmt.Errorf("wechatpay: refund notification lacks out_trade_no: %w", payment.ErrMalformed)
	}
	out.NotificationID = n.ID
	return out, nil
}

// BankCard is the payer's debit card an abnormal refund is sent to.
type BankCard = payment.BankCard

var _ payment.AbnormalRefunder = (*Client)(nil)

// ApplyAbnormalRefund asks WeChat Pay to send an ABNORMAL refund (the
// payer's account on the original route is closed or frozen) another way
// (POST /v3/refund/domestic/refunds/{refund_id}/apply-abnormal-refund):
// to the merchant's bank account when toMerchant (MERCHANT_BANK_CARD),
// else to card (USER_BANK_CARD), whose number and holder's name are
// encrypted with the platform key (RSA-OAEP) named in Wechatpay-Serial,
// so they cross the wire readable by WeChat Pay alone. The answer is the
// refund, PROCESSING again; it ends in a REFUND.SUCCESS notification.
//
// The refund service sends to the merchant when it cannot reach the
// donor: the money comes back to the custody account and goes on to
// charity (R-REF-1, R-CHAR-1).
func (c *Client) ApplyAbnormalRefund(ctx context.Context, refundID, providerRefundID string, toMerchant bool, card *BankCard) (payment.RefundResult, error) {
	if !payment.ValidOrderID(refundID) || providerRefundID == "" || len(providerRefundID) > 64 {
		return payment.RefundResult{}, payment.ErrUnknownRefund
	}
	req := struct {
		OutRefundNo string `json:"out_refund_no"`
		Type        string `json:"type"`
		BankType    string `json:"bank_type,omitempty"`
		BankAccount string `json:"bank_account,omitempty"`
		RealName    string `json:"real_name,omitempty"`
	}{OutRefundNo: refundID, Type: "MERCHANT_BANK_CARD"}
	var header http.Header
	if !toMerchant {
		if card == nil || card.BankType == "" || card.Account == "" || card.Name == "" {
			return payment.RefundResult{}, &apperr.Error{Code: apperr.Invalid, Key: "payment.refund_invalid",
				Fields: []apperr.FieldError{{Field: "card", Key: "wechatpay.card_required"}}}
		}
		req.Type, req.BankType = "USER_BANK_CARD", card.BankType
		var err error
		if req.BankAccount, err = c.encryptField(card.Account); err != nil {
			return payment.RefundResult{}, err
		}
		if req.RealName, err = c.encryptField(card.Name); err != nil {
			return payment.RefundResult{}, err
		}
		header = http.Header{"Wechatpay-Serial": {c.encryptSerial}}
	}
	var resp refundObject
	path := "/v3/refund/domestic/refunds/" + url.PathEscape(providerRefundID) + "/apply-abnormal-refund"
	if err := c.callWith(ctx, http.MethodPost, path, nil, header, req, &resp); err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
			return payment.RefundResult{}, fmt.Errorf("wechatpay: refund %s: %w", refundID, payment.ErrUnknownRefund)
		}
		return payment.RefundResult{}, refundError(err)
	}
	res, err := resp.toResult(resp.Status)
	if err != nil {
		return payment.RefundResult{}, err
	}
	if res.RefundID != refundID || res.ProviderRefundID != providerRefundID {
		return payment.RefundResult{}, fmt.Errorf("wechatpay: abnormal refund answered for another refund: %w", payment.ErrMalformed)
	}
	return res, nil
}

// encryptField encrypts a sensitive request field as WeChat Pay's 敏感信息
// 加密 specifies: RSA-OAEP with SHA-1 under the platform key, base64.
func (c *Client) encryptField(plain string) (string, error) {
	key := c.platform[c.encryptSerial]
	out, err := rsa.EncryptOAEP(sha1.New(), rand.Reader, key, []byte(plain), nil)
	if err != nil {
		return "", fmt.Errorf("wechatpay: encrypting a sensitive field: %w", err)
	}
	return base64.StdEncoding.EncodeToString(out), nil
}
