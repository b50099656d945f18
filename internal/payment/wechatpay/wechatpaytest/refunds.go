package wechatpaytest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/payment"
)

// Refunds, as WeChat Pay API v3 has them for direct merchants:
//
//   - POST /v3/refund/domestic/refunds (申请退款): one refund per
//     out_refund_no. The same number with the same order and amount
//     answers the refund as it is now; with another order or amount it is
//     400 INVALID_REQUEST. A refund that would take the order's refunds
//     past what was paid is 400 INVALID_REQUEST; Faults.NotEnough makes a
//     new refund 403 NOT_ENOUGH (the merchant's balance is short).
//   - GET /v3/refund/domestic/refunds/{out_refund_no} (查询单笔退款): the
//     refund now, or 404 RESOURCE_NOT_EXISTS.
//   - POST /v3/refund/domestic/refunds/{refund_id}/apply-abnormal-refund
//     (发起异常退款): for an ABNORMAL refund only, to the user's bank card
//     (bank_account and real_name encrypted with the platform key, named
//     in the Wechatpay-Serial header) or to the merchant's bank account.
//
// A refund starts PROCESSING and completes RefundDelay later on the
// server's clock (or when CompleteRefund is called, with HoldRefunds).
// How it completes is the server's habit, chosen by the refund amount's
// last two fen digits, the same habit as the sandbox provider's:
//
//	…07 fen → ABNORMAL (the payer's card is closed or frozen)
//	…08 fen → CLOSED   (WeChat Pay closed the refund; nothing was paid back)
//	anything else → SUCCESS, to the payer's balance (支付用户零钱)
//
// An abnormal refund applied for again completes SUCCESS to the card it
// names. Every completion is notified (when the refund named a
// notify_url; WeChat Pay would otherwise use the one set on the merchant
// platform, which the fake does not have) (REFUND.SUCCESS, REFUND.ABNORMAL,
// REFUND.CLOSED) to the refund's notify_url, encrypted and signed, on
// WeChat Pay's schedule (payment.WeChatSchedule) until acknowledged;
// Faults spoil and duplicate them as they do payment notifications, and
// ReplayRefundNotification sends the last one again.
//
// The refund endpoints answer at most RefundRateLimit calls per second of
// the server's clock, the rest 429 FREQUENCY_LIMITED. On a compressed
// clock time moves only when a notification is due, so a test sees the
// limit as a number of calls.

// DefaultRefundDelay is how long a refund stays PROCESSING by default.
const DefaultRefundDelay = 10 * time.Second

// The refund amounts' last two fen digits that choose how a refund ends.
const (
	AbnormalFen = 7
	ClosedFen   = 8
)

// Refund is what the server knows of a refund.
type Refund struct {
	OutRefundNo   string
	RefundID      string
	OutTradeNo    string
	TransactionID string
	Reason        string
	NotifyURL     string
	FundsAccount  string
	// Amount is the refund, Total the order's amount, in fen.
	Amount, Total int64
	// Status is PROCESSING, SUCCESS, ABNORMAL or CLOSED.
	Status              string
	Channel             string
	UserReceivedAccount string
	CreateTime          time.Time
	SuccessTime         time.Time
	// Abnormal is how an abnormal refund was applied for:
	// USER_BANK_CARD or MERCHANT_BANK_CARD; empty if it was not.
	Abnormal string
	// CardName and CardTail are the name and the last four digits of the
	// card an abnormal refund was sent to, as decrypted.
	CardName, CardTail, BankType string
}

type refundOptions struct {
	delay     time.Duration
	hold      bool
	perSecond int
	second    int64 // the clock's second counted
	calls     int   // the calls in it
}

// sentNotification is a refund notification as last sent, for replays.
type sentNotification struct {
	to     string
	id     string
	body   []byte
	header http.Header
}

// refundEvents are the notifications of a refund's final states.
var refundEvents = map[string]event{
	// The specification's example of a refund notification has an empty
	// associated_data; the merchant authenticates whatever it says.
	"SUCCESS":  {"REFUND.SUCCESS", "退款成功", "refund", ""},
	"ABNORMAL": {"REFUND.ABNORMAL", "退款异常", "refund", ""},
	"CLOSED":   {"REFUND.CLOSED", "退款关闭", "refund", ""},
}

func (s *Server) routeRefunds(mux *http.ServeMux) {
	mux.HandleFunc("POST /v3/refund/domestic/refunds", s.api(s.limited(s.refund)))
	mux.HandleFunc("GET /v3/refund/domestic/refunds/{no}", s.api(s.limited(s.queryRefund)))
	mux.HandleFunc("POST /v3/refund/domestic/refunds/{id}/apply-abnormal-refund", s.api(s.limited(s.applyAbnormal)))
}

// SetRefundRateLimit changes the refund API's limit from now on (0: none).
func (s *Server) SetRefundRateLimit(perSecond int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refundOpts.perSecond, s.refundOpts.calls = perSecond, 0
}

// limited answers 429 FREQUENCY_LIMITED past the refund API's rate limit.
func (s *Server) limited(h handler) handler {
	return func(r *http.Request, body []byte) (int, any, *apiError) {
		sec := s.clock.Now().Unix()
		s.mu.Lock()
		o := &s.refundOpts
		if o.second != sec {
			o.second, o.calls = sec, 0
		}
		o.calls++
		over := o.perSecond > 0 && o.calls > o.perSecond
		s.mu.Unlock()
		if over {
			return fail(http.StatusTooManyRequests, "FREQUENCY_LIMITED", "频率超限")
		}
		return h(r, body)
	}
}

// RefundByNo returns what the server knows of a refund.
func (s *Server) RefundByNo(outRefundNo string) (Refund, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.refunds[outRefundNo]
	if !ok {
		return Refund{}, false
	}
	return *r, true
}

// Refunds returns the refunds of an order, by out_refund_no.
func (s *Server) Refunds(outTradeNo string) []Refund {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Refund
	for _, r := range s.refunds {
		if r.OutTradeNo == outTradeNo {
			out = append(out, *r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OutRefundNo < out[j].OutRefundNo })
	return out
}

// RefundDeliveries returns the attempts to deliver a refund's notifications.
func (s *Server) RefundDeliveries(outRefundNo string) []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ds []Delivery
	for _, d := range s.deliveries {
		if d.OutRefundNo == outRefundNo {
			ds = append(ds, d)
		}
	}
	return ds
}

// CompleteRefund completes a PROCESSING refund now, by the server's habit,
// and starts delivering its notification; for tests with HoldRefunds.
func (s *Server) CompleteRefund(outRefundNo string) error {
	release := s.clock.hold()
	s.mu.Lock()
	r, ok := s.refunds[outRefundNo]
	if !ok || r.Status != "PROCESSING" {
		s.mu.Unlock()
		release()
		return fmt.Errorf("wechatpaytest: no refund %q processing", outRefundNo)
	}
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer release()
		s.finish(outRefundNo)
	}()
	return nil
}

// ReplayRefundNotification sends the refund's last notification again,
// the same id and body newly signed, as WeChat Pay's duplicate delivery
// does, and returns the status the merchant answered (0 if the request
// failed).
func (s *Server) ReplayRefundNotification(outRefundNo string) (int, error) {
	release := s.clock.hold()
	defer release()
	s.mu.Lock()
	n, ok := s.lastRefund[outRefundNo]
	r := s.refunds[outRefundNo]
	s.mu.Unlock()
	if !ok || r == nil {
		return 0, fmt.Errorf("wechatpaytest: no notification of refund %q yet", outRefundNo)
	}
	header := http.Header{"Content-Type": {"application/json"}}
	s.sign(header, n.body, s.clock.Now())
	d := Delivery{OutTradeNo: r.OutTradeNo, OutRefundNo: outRefundNo, NotificationID: n.id}
	return s.sendStatus(n.to, n.body, header, d), nil
}

// RefundNotification returns the notification of a refund in its current
// final state as the server would deliver it now, spoiled by fault.
func (s *Server) RefundNotification(outRefundNo string, fault Fault) (*http.Request, error) {
	s.mu.Lock()
	r, ok := s.refunds[outRefundNo]
	if !ok || r.Status == "PROCESSING" {
		s.mu.Unlock()
		return nil, fmt.Errorf("wechatpaytest: refund %q has not completed", outRefundNo)
	}
	copied := *r
	s.mu.Unlock()
	body, header := s.envelope(refundEvents[copied.Status], newUUID(), refundNotificationJSON(s.MchID, copied), fault)
	return request(or(copied.NotifyURL, "https://merchant.example/refund"), body, header), nil
}

// RefundNotificationFor wraps any plaintext as a refund notification of
// eventType (REFUND.SUCCESS, or anything, for tests of refusal), encrypted
// and signed as the server would, spoiled by fault.
func (s *Server) RefundNotificationFor(eventType string, plaintext []byte, fault Fault) *http.Request {
	ev := event{eventType, "退款通知", "refund", ""}
	body, header := s.envelope(ev, newUUID(), plaintext, fault)
	return request("https://merchant.example/refund", body, header)
}

type refundRequest struct {
	TransactionID string `json:"transaction_id"`
	OutTradeNo    string `json:"out_trade_no"`
	OutRefundNo   string `json:"out_refund_no"`
	Reason        string `json:"reason"`
	NotifyURL     string `json:"notify_url"`
	FundsAccount  string `json:"funds_account"`
	Amount        *struct {
		Refund   *int64 `json:"refund"`
		Total    *int64 `json:"total"`
		Currency string `json:"currency"`
	} `json:"amount"`
}

func (s *Server) refund(_ *http.Request, body []byte) (int, any, *apiError) {
	var req refundRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return fail(http.StatusBadRequest, "PARAM_ERROR", "请求体不是合法的 JSON")
	}
	switch {
	case req.TransactionID == "" && req.OutTradeNo == "":
		return fail(http.StatusBadRequest, "PARAM_ERROR", "transaction_id 和 out_trade_no 不能同时为空")
	case !validRefundNo(req.OutRefundNo):
		return fail(http.StatusBadRequest, "PARAM_ERROR", "out_refund_no 格式错误")
	case req.Amount == nil || req.Amount.Refund == nil || req.Amount.Total == nil:
		return fail(http.StatusBadRequest, "PARAM_ERROR", "缺少 amount.refund 或 amount.total")
	case *req.Amount.Refund <= 0 || *req.Amount.Total <= 0:
		return fail(http.StatusBadRequest, "PARAM_ERROR", "退款金额必须大于 0")
	case req.Amount.Currency != "CNY":
		return fail(http.StatusBadRequest, "PARAM_ERROR", "currency 只支持 CNY")
	case req.FundsAccount != "" && req.FundsAccount != "AVAILABLE":
		return fail(http.StatusBadRequest, "PARAM_ERROR", "funds_account 只支持 AVAILABLE")
	case len(req.Reason) > 80:
		return fail(http.StatusBadRequest, "PARAM_ERROR", "reason 长度超过 80 字节")
	case req.NotifyURL != "" && !strings.HasPrefix(req.NotifyURL, "https://") && !strings.HasPrefix(req.NotifyURL, "http://"):
		return fail(http.StatusBadRequest, "PARAM_ERROR", "notify_url 格式错误")
	}
	amount, total := *req.Amount.Refund, *req.Amount.Total
	s.mu.Lock()
	defer s.mu.Unlock()
	var o *Order
	for _, c := range s.orders {
		if req.TransactionID != "" && c.TransactionID == req.TransactionID || req.TransactionID == "" && c.OutTradeNo == req.OutTradeNo {
			o = c
		}
	}
	if o == nil {
		return fail(http.StatusNotFound, "RESOURCE_NOT_EXISTS", "订单不存在")
	}
	if req.TransactionID != "" && req.OutTradeNo != "" && req.OutTradeNo != o.OutTradeNo {
		return fail(http.StatusBadRequest, "PARAM_ERROR", "transaction_id 与 out_trade_no 不匹配")
	}
	if old, ok := s.refunds[req.OutRefundNo]; ok {
		// 同一退款单号多次请求只退一笔: the same request answers the
		// refund as it is now; another one under the same number is refused.
		if old.OutTradeNo != o.OutTradeNo || old.Amount != amount {
			return fail(http.StatusBadRequest, "INVALID_REQUEST", "退款单号已存在，且与原退款请求参数不一致")
		}
		return http.StatusOK, refundObject(*old), nil
	}
	switch {
	case o.TransactionID == "" || o.TradeState != "SUCCESS" && o.TradeState != "REFUND":
		return fail(http.StatusBadRequest, "INVALID_REQUEST", "订单未支付，无法退款")
	case total != o.Total:
		return fail(http.StatusBadRequest, "PARAM_ERROR", "订单金额与原订单不符")
	case o.Refunded+amount > o.Total:
		return fail(http.StatusBadRequest, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
	case s.faults.NotEnough:
		return fail(http.StatusForbidden, "NOT_ENOUGH", "基本账户余额不足，请充值后重新发起")
	}
	now := s.clock.Now()
	r := &Refund{
		OutRefundNo: req.OutRefundNo, RefundID: "50" + randomDigits(27), OutTradeNo: o.OutTradeNo,
		TransactionID: o.TransactionID, Reason: req.Reason, NotifyURL: req.NotifyURL,
		FundsAccount: or(req.FundsAccount, "UNSETTLED"), Amount: amount, Total: o.Total,
		Status: "PROCESSING", Channel: "ORIGINAL", UserReceivedAccount: "支付用户零钱", CreateTime: now,
	}
	s.refunds[r.OutRefundNo] = r
	o.Refunded += amount
	o.TradeState = "REFUND"
	s.scheduleLocked(r.OutRefundNo)
	return http.StatusOK, refundObject(*r), nil
}

// scheduleLocked completes the refund RefundDelay from now, unless refunds
// are held. The caller holds s.mu and the clock.
func (s *Server) scheduleLocked(outRefundNo string) {
	if s.refundOpts.hold {
		return
	}
	delay := s.refundOpts.delay
	if delay <= 0 {
		delay = DefaultRefundDelay
	}
	at := s.clock.Now().Add(delay)
	release := s.clock.hold()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer release()
		if s.clock.sleepUntil(s.ctx, at) != nil {
			return
		}
		s.finish(outRefundNo)
	}()
}

// finish completes a PROCESSING refund by the habit and delivers its
// notification until it is acknowledged. The caller holds the clock.
func (s *Server) finish(outRefundNo string) {
	now := s.clock.Now()
	s.mu.Lock()
	r, ok := s.refunds[outRefundNo]
	if !ok || r.Status != "PROCESSING" {
		s.mu.Unlock()
		return
	}
	switch {
	case r.Abnormal != "":
		r.Status = "SUCCESS"
	case r.Amount%100 == AbnormalFen:
		r.Status = "ABNORMAL"
		r.UserReceivedAccount = "招商银行借记卡0403"
	case r.Amount%100 == ClosedFen:
		r.Status = "CLOSED"
		// A closed refund pays nothing back: the order may be refunded again.
		if o := s.orders[r.OutTradeNo]; o != nil {
			o.Refunded -= r.Amount
		}
	default:
		r.Status = "SUCCESS"
	}
	if r.Status == "SUCCESS" {
		r.SuccessTime = now
	}
	copied := *r
	s.mu.Unlock()
	if copied.NotifyURL != "" {
		s.deliverRefund(copied)
	}
}

// deliverRefund sends a refund's notification on WeChat Pay's schedule
// until it is acknowledged. The caller holds the clock.
func (s *Server) deliverRefund(r Refund) {
	plaintext := refundNotificationJSON(s.MchID, r)
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
		body, header := s.envelope(refundEvents[r.Status], id, plaintext, f.Notification)
		s.mu.Lock()
		s.lastRefund[r.OutRefundNo] = sentNotification{to: r.NotifyURL, id: id, body: body, header: header}
		s.mu.Unlock()
		d := Delivery{OutTradeNo: r.OutTradeNo, OutRefundNo: r.OutRefundNo, NotificationID: id, Attempt: i + 1}
		ok := s.send(r.NotifyURL, body, header, d)
		if f.Duplicate {
			ok = s.send(r.NotifyURL, body, header, d) || ok
		}
		if ok {
			return
		}
	}
}

func (s *Server) queryRefund(r *http.Request, _ []byte) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rf, ok := s.refunds[r.PathValue("no")]
	if !ok {
		return fail(http.StatusNotFound, "RESOURCE_NOT_EXISTS", "退款单不存在")
	}
	return http.StatusOK, refundObject(*rf), nil
}

// banks are the bank_type values an abnormal refund to the user's card
// accepts: the debit cards of the banks the specification lists.
var banks = map[string]string{
	"CMB_DEBIT": "招商银行", "COMM_DEBIT": "交通银行", "ABC_DEBIT": "农业银行", "CCB_DEBIT": "建设银行",
	"ICBC_DEBIT": "工商银行", "BOC_DEBIT": "中国银行", "SPABANK_DEBIT": "平安银行", "SPDB_DEBIT": "浦发银行",
	"CITIC_DEBIT": "中信银行", "CEB_DEBIT": "光大银行", "CMBC_DEBIT": "民生银行", "CIB_DEBIT": "兴业银行",
	"GDB_DEBIT": "广发银行", "PSBC_DEBIT": "邮储银行", "NBCB_DEBIT": "宁波银行",
}

func (s *Server) applyAbnormal(r *http.Request, body []byte) (int, any, *apiError) {
	var req struct {
		OutRefundNo string `json:"out_refund_no"`
		Type        string `json:"type"`
		BankType    string `json:"bank_type"`
		BankAccount string `json:"bank_account"`
		RealName    string `json:"real_name"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return fail(http.StatusBadRequest, "PARAM_ERROR", "请求体不是合法的 JSON")
	}
	var name, account string
	switch req.Type {
	case "MERCHANT_BANK_CARD":
		if req.BankType != "" || req.BankAccount != "" || req.RealName != "" {
			return fail(http.StatusBadRequest, "PARAM_ERROR", "退款至商户银行账户时无需银行卡信息")
		}
	case "USER_BANK_CARD":
		if _, ok := banks[req.BankType]; !ok {
			return fail(http.StatusBadRequest, "PARAM_ERROR", "bank_type 不支持")
		}
		// Sensitive fields are encrypted with the key the header names.
		if r.Header.Get("Wechatpay-Serial") != s.PlatformSerial {
			return fail(http.StatusBadRequest, "PARAM_ERROR", "Wechatpay-Serial 与加密所用的平台证书或公钥不符")
		}
		var err error
		if account, err = s.decryptField(req.BankAccount); err != nil || len(account) < 8 || !isDigits(account) {
			return fail(http.StatusBadRequest, "PARAM_ERROR", "bank_account 解密失败或格式错误")
		}
		if name, err = s.decryptField(req.RealName); err != nil || name == "" {
			return fail(http.StatusBadRequest, "PARAM_ERROR", "real_name 解密失败")
		}
	default:
		return fail(http.StatusBadRequest, "PARAM_ERROR", "type 只支持 USER_BANK_CARD、MERCHANT_BANK_CARD")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var rf *Refund
	for _, c := range s.refunds {
		if c.RefundID == r.PathValue("id") {
			rf = c
		}
	}
	switch {
	case rf == nil:
		return fail(http.StatusNotFound, "RESOURCE_NOT_EXISTS", "退款单不存在")
	case rf.OutRefundNo != req.OutRefundNo:
		return fail(http.StatusBadRequest, "PARAM_ERROR", "out_refund_no 与退款单不符")
	case rf.Abnormal == req.Type && rf.Status != "ABNORMAL":
		// The same application again: answered as the refund is now.
		return http.StatusOK, refundObject(*rf), nil
	case rf.Status != "ABNORMAL":
		return fail(http.StatusBadRequest, "INVALID_REQUEST", "退款单状态不是退款异常，无法发起异常退款")
	}
	rf.Abnormal, rf.Status, rf.Channel = req.Type, "PROCESSING", "OTHER_BANKCARD"
	if req.Type == "USER_BANK_CARD" {
		rf.CardName, rf.CardTail, rf.BankType = name, account[len(account)-4:], req.BankType
		rf.UserReceivedAccount = banks[req.BankType] + "借记卡" + rf.CardTail
	} else {
		rf.UserReceivedAccount = "商户结算银行账户"
	}
	s.scheduleLocked(rf.OutRefundNo)
	return http.StatusOK, refundObject(*rf), nil
}

// decryptField opens a sensitive field: RSA-OAEP (SHA-1) under the
// platform key, base64, as WeChat Pay's 敏感信息加密 specifies.
func (s *Server) decryptField(text string) (string, error) {
	data, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return "", err
	}
	out, err := rsa.DecryptOAEP(crypto.SHA1.New(), rand.Reader, s.platform, data, nil)
	if err != nil {
		return "", err
	}
	return string(out), nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validRefundNo: 1 to 64 of letters, digits and _-|*@.
func validRefundNo(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_-|*@", c) >= 0) {
			return false
		}
	}
	return true
}

// refundObject is a refund as the refund API answers it.
func refundObject(r Refund) map[string]any {
	m := map[string]any{
		"refund_id":             r.RefundID,
		"out_refund_no":         r.OutRefundNo,
		"transaction_id":        r.TransactionID,
		"out_trade_no":          r.OutTradeNo,
		"channel":               r.Channel,
		"user_received_account": r.UserReceivedAccount,
		"create_time":           r.CreateTime.In(china).Format(time.RFC3339),
		"status":                r.Status,
		"funds_account":         r.FundsAccount,
		"amount": map[string]any{
			"total": r.Total, "refund": r.Amount, "payer_total": r.Total, "payer_refund": r.Amount,
			"settlement_total": r.Total, "settlement_refund": r.Amount, "discount_refund": 0, "currency": "CNY",
			"from": []any{},
		},
		"promotion_detail": []any{},
	}
	if !r.SuccessTime.IsZero() {
		m["success_time"] = r.SuccessTime.In(china).Format(time.RFC3339)
	}
	return m
}

// refundNotificationJSON is the decrypted resource of a refund
// notification.
func refundNotificationJSON(mchID string, r Refund) []byte {
	m := map[string]any{
		"mchid":                 mchID,
		"out_trade_no":          r.OutTradeNo,
		"transaction_id":        r.TransactionID,
		"out_refund_no":         r.OutRefundNo,
		"refund_id":             r.RefundID,
		"refund_status":         r.Status,
		"user_received_account": r.UserReceivedAccount,
		"amount":                map[string]any{"total": r.Total, "refund": r.Amount, "payer_total": r.Total, "payer_refund": r.Amount},
	}
	if !r.SuccessTime.IsZero() {
		m["success_time"] = r.SuccessTime.In(china).Format(time.RFC3339)
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// refundedOn returns the refunds that succeeded on date (China time), for
// the trade bill.
func (s *Server) refundedOn(date string) []Refund {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Refund
	for _, r := range s.refunds {
		if r.Status == "SUCCESS" && r.SuccessTime.In(china).Format(time.DateOnly) == date {
			out = append(out, *r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].RefundID < out[j].RefundID })
	return out
}
