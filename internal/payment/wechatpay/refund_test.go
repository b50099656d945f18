package wechatpay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/payment/wechatpay/wechatpaytest"
)

// refundDesk is the platform's refund notification endpoint: it parses
// each refund notification with the client and acknowledges it, failing
// the first failFirst it accepts as if its database were busy.
type refundDesk struct {
	*httptest.Server
	mu        sync.Mutex
	failFirst int
	got       []payment.RefundResult
	errs      []error
}

func newRefundDesk(t *testing.T, c *Client, failFirst int) *refundDesk {
	d := &refundDesk{failFirst: failFirst}
	d.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, err := c.ParseRefundNotification(r)
		d.mu.Lock()
		if err != nil {
			d.errs = append(d.errs, err)
		} else {
			d.got = append(d.got, res)
			if len(d.got) <= d.failFirst {
				err = errors.New("database busy")
			}
		}
		d.mu.Unlock()
		c.Acknowledge(w, err)
	}))
	t.Cleanup(d.Close)
	return d
}

func (d *refundDesk) results() ([]payment.RefundResult, []error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]payment.RefundResult(nil), d.got...), append([]error(nil), d.errs...)
}

// refundSetup is a paid order of 123.45 yuan at the fake, a client and a
// refund desk.
type refundSetup struct {
	srv   *wechatpaytest.Server
	cl    *Client
	desk  *refundDesk
	order wechatpaytest.Order
}

func newRefundSetup(t *testing.T, opts wechatpaytest.Options, orderID string) refundSetup {
	t.Helper()
	srv := fake(t, opts)
	cl := client(t, config(t, srv))
	m := newMerchant(t, cl, 0)
	if _, err := cl.Create(context.Background(), order(orderID, m)); err != nil {
		t.Fatal(err)
	}
	if err := srv.Pay(orderID); err != nil {
		t.Fatal(err)
	}
	srv.Drain()
	o, ok := srv.Order(orderID)
	if !ok || o.TransactionID == "" {
		t.Fatalf("order %s not paid", orderID)
	}
	return refundSetup{srv: srv, cl: cl, desk: newRefundDesk(t, cl, 0), order: o}
}

func (s refundSetup) refund(no string, amount money.Fen) payment.Refund {
	return payment.Refund{OrderID: s.order.OutTradeNo, TransactionID: s.order.TransactionID, RefundID: no,
		Amount: amount, Total: money.Fen(s.order.Total), Reason: "求助终止，善款原路退回", NotifyURL: s.desk.URL + "/refund"}
}

// R-DON-2, R-REF-1: a refund goes back by the original route: PROCESSING
// when asked, then SUCCESS in a signed, encrypted notification that says
// exactly which refund, of which order, for how much, when and where to;
// the query agrees; asking again with the same number is the same refund.
func TestRefundProcessingThenSuccess(t *testing.T) {
	s := newRefundSetup(t, wechatpaytest.Options{HoldRefunds: true}, "life-00001")
	ctx := context.Background()
	r := s.refund("rf-life-0001", 4321)
	res, err := s.cl.Refund(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	want := payment.RefundResult{RefundID: r.RefundID, ProviderRefundID: res.ProviderRefundID, State: payment.RefundProcessing,
		OrderID: r.OrderID, TransactionID: r.TransactionID, Amount: 4321, Total: 12345, Account: "支付用户零钱"}
	if res.ProviderRefundID == "" || res != want {
		t.Fatalf("refund answer %+v, want %+v", res, want)
	}
	if q, err := s.cl.QueryRefund(ctx, r.RefundID); err != nil || q != want {
		t.Fatalf("query while processing: %+v, %v", q, err)
	}
	if err := s.srv.CompleteRefund(r.RefundID); err != nil {
		t.Fatal(err)
	}
	s.srv.Drain()
	got, errs := s.desk.results()
	ds := s.srv.RefundDeliveries(r.RefundID)
	if len(got) != 1 || len(errs) != 0 || len(ds) != 1 || ds[0].Status != http.StatusNoContent {
		t.Fatalf("desk got %+v, errors %v, deliveries %+v", got, errs, ds)
	}
	fr, _ := s.srv.RefundByNo(r.RefundID)
	n := got[0]
	want.State, want.SucceededAt, want.NotificationID = payment.RefundSuccess, n.SucceededAt, ds[0].NotificationID
	if n != want || !n.SucceededAt.Equal(fr.SuccessTime.Truncate(time.Second)) {
		t.Fatalf("notification %+v, want %+v", n, want)
	}
	q, err := s.cl.QueryRefund(ctx, r.RefundID)
	want.NotificationID = ""
	if err != nil || q != want {
		t.Fatalf("query after success: %+v, %v; want %+v", q, err, want)
	}

	// A replayed request (a retry after a timeout or a crash) is the same
	// refund, as it is now: nothing is paid twice.
	again, err := s.cl.Refund(ctx, r)
	if err != nil || again != q {
		t.Fatalf("replayed refund: %+v, %v; want %+v", again, err, q)
	}
	if o, _ := s.srv.Order(s.order.OutTradeNo); o.Refunded != 4321 || len(s.srv.Refunds(s.order.OutTradeNo)) != 1 {
		t.Fatalf("order refunded %d fen in %d refunds, want 4321 in one", o.Refunded, len(s.srv.Refunds(s.order.OutTradeNo)))
	}
}

// R-REF-1: WeChat Pay delivers a refund notification more than once — on
// its schedule until acknowledged, twice in a row, replayed — and every
// copy is the same refund under the same notification id, so the platform
// can count it once.
func TestRefundDuplicateNotification(t *testing.T) {
	s := newRefundSetup(t, wechatpaytest.Options{Faults: wechatpaytest.Faults{Duplicate: true}}, "dupr-00001")
	s.desk.failFirst = 2 // the first delivery (sent twice) is refused
	ctx := context.Background()
	r := s.refund("rf-dup-0001", 100)
	if _, err := s.cl.Refund(ctx, r); err != nil {
		t.Fatal(err)
	}
	s.srv.Drain()
	status, err := s.srv.ReplayRefundNotification(r.RefundID)
	if err != nil || status != http.StatusNoContent {
		t.Fatalf("replay: %d, %v", status, err)
	}
	got, errs := s.desk.results()
	ds := s.srv.RefundDeliveries(r.RefundID)
	// Attempt 1 twice (refused), attempt 2 twice (accepted), the replay.
	if len(got) != 5 || len(errs) != 0 || len(ds) != 5 {
		t.Fatalf("desk got %d (errors %v) in %d deliveries, want 5", len(got), errs, len(ds))
	}
	schedule := payment.WeChatSchedule()
	if ds[2].Attempt != 2 || ds[2].At.Sub(ds[0].At) != schedule[1] {
		t.Fatalf("second attempt %+v, want at +%v", ds[2], schedule[1])
	}
	for _, g := range got {
		if g != got[0] || g.NotificationID == "" || g.NotificationID != ds[0].NotificationID || g.State != payment.RefundSuccess {
			t.Fatalf("copies differ: %+v and %+v", g, got[0])
		}
	}
}

// R-REF-1: a refund notification never acknowledged is delivered on
// WeChat Pay's published schedule, the same notification every time, and
// then no more.
func TestRefundNotificationSchedule(t *testing.T) {
	s := newRefundSetup(t, wechatpaytest.Options{}, "rsch-00001")
	s.desk.failFirst = math.MaxInt
	if _, err := s.cl.Refund(context.Background(), s.refund("rf-rsch-0001", 100)); err != nil {
		t.Fatal(err)
	}
	s.srv.Drain()
	schedule := payment.WeChatSchedule()
	ds := s.srv.RefundDeliveries("rf-rsch-0001")
	got, errs := s.desk.results()
	if len(ds) != len(schedule) || len(got) != len(schedule) || len(errs) != 0 {
		t.Fatalf("%d deliveries, %d parsed, errors %v; want %d", len(ds), len(got), errs, len(schedule))
	}
	for i, d := range ds {
		if d.At.Sub(ds[0].At) != schedule[i] || d.Attempt != i+1 || d.Status != http.StatusInternalServerError ||
			d.NotificationID != ds[0].NotificationID || got[i] != got[0] {
			t.Fatalf("delivery %d: %+v at +%v, want +%v", i+1, d, d.At.Sub(ds[0].At), schedule[i])
		}
	}
}

// R-REF-1: a refund number reused for another amount is refused, as WeChat
// Pay refuses it, and the first refund stands unchanged.
func TestRefundConflictingAmount(t *testing.T) {
	s := newRefundSetup(t, wechatpaytest.Options{HoldRefunds: true}, "conf-00001")
	ctx := context.Background()
	r := s.refund("rf-conf-0001", 500)
	first, err := s.cl.Refund(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	r.Amount = 600
	_, err = s.cl.Refund(ctx, r)
	var apiErr *APIError
	if apperr.CodeOf(err) != apperr.Conflict || !errors.As(err, &apiErr) || apiErr.Code != "INVALID_REQUEST" {
		t.Fatalf("conflicting amount: %v, want conflict INVALID_REQUEST", err)
	}
	if fr, _ := s.srv.RefundByNo(r.RefundID); fr.Amount != 500 || fr.RefundID != first.ProviderRefundID {
		t.Fatalf("the first refund changed: %+v", fr)
	}
	if o, _ := s.srv.Order(s.order.OutTradeNo); o.Refunded != 500 {
		t.Fatalf("refunded %d, want 500", o.Refunded)
	}
}

// R-REF-1: refunds never add up to more than was paid: the refund past it
// is refused (INVALID_REQUEST) and changes nothing; a merchant balance too
// low is "try later" (NOT_ENOUGH), not a refusal.
func TestRefundTooMuch(t *testing.T) {
	s := newRefundSetup(t, wechatpaytest.Options{HoldRefunds: true}, "much-00001")
	ctx := context.Background()
	if _, err := s.cl.Refund(ctx, s.refund("rf-much-0001", 12000)); err != nil {
		t.Fatal(err)
	}
	_, err := s.cl.Refund(ctx, s.refund("rf-much-0002", 346))
	var apiErr *APIError
	if apperr.CodeOf(err) != apperr.Conflict || !errors.As(err, &apiErr) || apiErr.Code != "INVALID_REQUEST" {
		t.Fatalf("refund past the order: %v, want conflict INVALID_REQUEST", err)
	}
	if _, ok := s.srv.RefundByNo("rf-much-0002"); ok {
		t.Fatal("the fake kept a refused refund")
	}
	if _, err := s.cl.Refund(ctx, s.refund("rf-much-0003", 345)); err != nil {
		t.Fatalf("the last 345 fen: %v", err)
	}
	if o, _ := s.srv.Order(s.order.OutTradeNo); o.Refunded != o.Total {
		t.Fatalf("refunded %d of %d", o.Refunded, o.Total)
	}

	s2 := newRefundSetup(t, wechatpaytest.Options{Faults: wechatpaytest.Faults{NotEnough: true}}, "poor-00001")
	_, err = s2.cl.Refund(ctx, s2.refund("rf-poor-0001", 100))
	if apperr.CodeOf(err) != apperr.Unavailable || !errors.Is(err, payment.ErrNotEnough) || !errors.As(err, &apiErr) || apiErr.Code != "NOT_ENOUGH" {
		t.Fatalf("merchant balance short: %v, want unavailable NOT_ENOUGH", err)
	}
}

// R-DON-2, R-REF-1, R-CHAR-1: a refund the payer's account cannot take
// ends ABNORMAL (the fake's habit: an amount ending in 07 fen); the
// platform then has it sent to the merchant's bank account — the money
// comes back to custody, bound for charity when no donor can be reached —
// or to a debit card the donor gives, encrypted for WeChat Pay alone.
func TestRefundAbnormal(t *testing.T) {
	for _, toMerchant := range []bool{true, false} {
		name := "ToUserCard"
		if toMerchant {
			name = "ToMerchant"
		}
		t.Run(name, func(t *testing.T) {
			s := newRefundSetup(t, wechatpaytest.Options{}, "abn-"+name)
			ctx := context.Background()
			r := s.refund("rf-abn-"+name, 1007)
			first, err := s.cl.Refund(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			s.srv.Drain()
			got, errs := s.desk.results()
			if len(got) != 1 || len(errs) != 0 || got[0].State != payment.RefundAbnormal || got[0].Amount != 1007 {
				t.Fatalf("desk got %+v, %v; want one abnormal refund", got, errs)
			}
			if q, err := s.cl.QueryRefund(ctx, r.RefundID); err != nil || q.State != payment.RefundAbnormal {
				t.Fatalf("query: %+v, %v", q, err)
			}
			var card *BankCard
			if !toMerchant {
				card = &BankCard{BankType: "ICBC_DEBIT", Account: "6222021234567890123", Name: "张三"}
			}
			var ar payment.AbnormalRefunder = s.cl
			res, err := ar.ApplyAbnormalRefund(ctx, r.RefundID, first.ProviderRefundID, toMerchant, card)
			if err != nil {
				t.Fatal(err)
			}
			if res.State != payment.RefundProcessing || res.ProviderRefundID != first.ProviderRefundID {
				t.Fatalf("apply-abnormal-refund answered %+v", res)
			}
			s.srv.Drain()
			got, _ = s.desk.results()
			if len(got) != 2 || got[1].State != payment.RefundSuccess || got[1].Amount != 1007 {
				t.Fatalf("desk got %+v; want the refund to succeed", got)
			}
			fr, _ := s.srv.RefundByNo(r.RefundID)
			if toMerchant {
				if fr.Abnormal != "MERCHANT_BANK_CARD" || got[1].Account != "商户结算银行账户" {
					t.Fatalf("refund %+v, account %q", fr, got[1].Account)
				}
			} else if fr.Abnormal != "USER_BANK_CARD" || fr.CardName != "张三" || fr.CardTail != "0123" || got[1].Account != "工商银行借记卡0123" {
				t.Fatalf("refund %+v (WeChat Pay must have decrypted the card), account %q", fr, got[1].Account)
			}
			// Applied again (a retry): answered as it is, not applied twice.
			if again, err := ar.ApplyAbnormalRefund(ctx, r.RefundID, first.ProviderRefundID, toMerchant, card); err != nil || again.State != payment.RefundSuccess {
				t.Fatalf("applied again: %+v, %v", again, err)
			}
		})
	}
	t.Run("Refused", func(t *testing.T) {
		s := newRefundSetup(t, wechatpaytest.Options{HoldRefunds: true}, "abn-refused")
		ctx := context.Background()
		first, err := s.cl.Refund(ctx, s.refund("rf-abn-normal", 100))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.cl.ApplyAbnormalRefund(ctx, "rf-abn-normal", first.ProviderRefundID, true, nil); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("a refund that is not abnormal: %v, want conflict", err)
		}
		if _, err := s.cl.ApplyAbnormalRefund(ctx, "rf-abn-nosuch", "50000000000000000000000000001", true, nil); !errors.Is(err, payment.ErrUnknownRefund) {
			t.Fatalf("an unknown refund: %v, want ErrUnknownRefund", err)
		}
		if _, err := s.cl.ApplyAbnormalRefund(ctx, "rf-abn-normal", first.ProviderRefundID, false, &BankCard{BankType: "ICBC_DEBIT"}); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("a card without number or name: %v, want invalid", err)
		}
	})
}

// R-REF-1: a refund WeChat Pay closes (the fake's habit: an amount ending
// in 08 fen) paid nothing back: the notification says so, and the order
// can be refunded again in full.
func TestRefundClosed(t *testing.T) {
	s := newRefundSetup(t, wechatpaytest.Options{}, "clos-00001")
	ctx := context.Background()
	if _, err := s.cl.Refund(ctx, s.refund("rf-clos-0001", 12308)); err != nil {
		t.Fatal(err)
	}
	s.srv.Drain()
	got, errs := s.desk.results()
	if len(got) != 1 || len(errs) != 0 || got[0].State != payment.RefundClosed || !got[0].SucceededAt.IsZero() {
		t.Fatalf("desk got %+v, %v; want one closed refund", got, errs)
	}
	if q, err := s.cl.QueryRefund(ctx, "rf-clos-0001"); err != nil || q.State != payment.RefundClosed {
		t.Fatalf("query: %+v, %v", q, err)
	}
	if _, err := s.cl.Refund(ctx, s.refund("rf-clos-0002", 12345)); err != nil {
		t.Fatalf("refund in full after a closed one: %v", err)
	}
}

// WeChat Pay's rate limit (429 FREQUENCY_LIMITED) is payment.ErrRateLimited:
// the caller slows down and asks again with the same number, and nothing
// was refunded by the refused call.
func TestRefundRateLimited(t *testing.T) {
	s := newRefundSetup(t, wechatpaytest.Options{HoldRefunds: true, RefundRateLimit: 2}, "rate-00001")
	ctx := context.Background()
	for _, no := range []string{"rf-rate-0001", "rf-rate-0002"} {
		if _, err := s.cl.Refund(ctx, s.refund(no, 100)); err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.cl.Refund(ctx, s.refund("rf-rate-0003", 100))
	var apiErr *APIError
	if !errors.Is(err, payment.ErrRateLimited) || apperr.CodeOf(err) != apperr.RateLimited ||
		!errors.As(err, &apiErr) || apiErr.Status != http.StatusTooManyRequests || apiErr.Code != "FREQUENCY_LIMITED" {
		t.Fatalf("over the limit: %v, want ErrRateLimited", err)
	}
	if _, err := s.cl.QueryRefund(ctx, "rf-rate-0001"); !errors.Is(err, payment.ErrRateLimited) {
		t.Fatalf("query over the limit: %v, want ErrRateLimited", err)
	}
	if _, ok := s.srv.RefundByNo("rf-rate-0003"); ok {
		t.Fatal("a rate-limited refund was kept")
	}
	s.srv.SetRefundRateLimit(0)
	if _, err := s.cl.Refund(ctx, s.refund("rf-rate-0003", 100)); err != nil {
		t.Fatalf("the same refund later: %v", err)
	}
}

// QueryRefund reports each state a refund can be in, and an unknown
// number as payment.ErrUnknownRefund.
func TestQueryRefundStates(t *testing.T) {
	s := newRefundSetup(t, wechatpaytest.Options{HoldRefunds: true}, "qrs-000001")
	ctx := context.Background()
	for _, c := range []struct {
		no     string
		amount money.Fen
		want   string
	}{
		{"rf-qrs-proc", 100, payment.RefundProcessing},
		{"rf-qrs-succ", 200, payment.RefundSuccess},
		{"rf-qrs-abnl", 307, payment.RefundAbnormal},
		{"rf-qrs-clos", 408, payment.RefundClosed},
	} {
		if _, err := s.cl.Refund(ctx, s.refund(c.no, c.amount)); err != nil {
			t.Fatal(err)
		}
		if c.want != payment.RefundProcessing {
			if err := s.srv.CompleteRefund(c.no); err != nil {
				t.Fatal(err)
			}
		}
		s.srv.Drain()
		q, err := s.cl.QueryRefund(ctx, c.no)
		if err != nil || q.State != c.want || q.RefundID != c.no || q.Amount != c.amount || q.OrderID != s.order.OutTradeNo ||
			q.TransactionID != s.order.TransactionID || q.Total != 12345 || (c.want == payment.RefundSuccess) == q.SucceededAt.IsZero() {
			t.Fatalf("%s: %+v, %v; want %s", c.no, q, err, c.want)
		}
	}
	for _, no := range []string{"rf-qrs-none", "x", "../../v3/pay"} {
		if _, err := s.cl.QueryRefund(ctx, no); !errors.Is(err, payment.ErrUnknownRefund) || apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("%q: %v, want ErrUnknownRefund", no, err)
		}
	}
}

// R-REF-1: a forged, altered, stale, misaddressed or misread refund
// notification is refused with the sentinel that says why, answered so
// WeChat Pay sends it again, and nothing in it is believed.
func TestRefundNotificationRefused(t *testing.T) {
	s := newRefundSetup(t, wechatpaytest.Options{}, "rnr-000001")
	if _, err := s.cl.Refund(context.Background(), s.refund("rf-rnr-0001", 500)); err != nil {
		t.Fatal(err)
	}
	s.srv.Drain()
	for _, tt := range []struct {
		name  string
		fault wechatpaytest.Fault
		want  error
	}{
		{"Genuine", wechatpaytest.NoFault, nil},
		{"TamperedCiphertext", wechatpaytest.TamperCiphertext, payment.ErrBadSignature},
		{"WrongAAD", wechatpaytest.WrongAAD, payment.ErrBadSignature},
		{"WrongAPIv3Key", wechatpaytest.WrongKey, payment.ErrBadSignature},
		{"WrongSerial", wechatpaytest.WrongSerial, payment.ErrBadSignature},
		{"Stale", wechatpaytest.Stale, payment.ErrStale},
		{"TamperedBody", wechatpaytest.TamperBody, payment.ErrBadSignature},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := s.srv.RefundNotification("rf-rnr-0001", tt.fault)
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.cl.ParseRefundNotification(r)
			if tt.want == nil {
				if err != nil || res.RefundID != "rf-rnr-0001" || res.State != payment.RefundSuccess || res.Amount != 500 {
					t.Fatalf("genuine: %+v, %v", res, err)
				}
				return
			}
			if !errors.Is(err, tt.want) || res != (payment.RefundResult{}) {
				t.Fatalf("got %+v, %v; want %v", res, err, tt.want)
			}
			w := httptest.NewRecorder()
			s.cl.Acknowledge(w, err)
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("acknowledged %d", w.Code)
			}
		})
	}

	fr, _ := s.srv.RefundByNo("rf-rnr-0001")
	resource := func(change func(m map[string]any)) []byte {
		m := map[string]any{
			"mchid": s.srv.MchID, "out_trade_no": fr.OutTradeNo, "transaction_id": fr.TransactionID,
			"out_refund_no": fr.OutRefundNo, "refund_id": fr.RefundID, "refund_status": "SUCCESS",
			"success_time": "2026-12-07T10:00:00+08:00", "user_received_account": "支付用户零钱",
			"amount": map[string]any{"total": 12345, "refund": 500, "payer_total": 12345, "payer_refund": 500},
		}
		change(m)
		b, _ := json.Marshal(m)
		return b
	}
	for _, tt := range []struct {
		name, event string
		plaintext   []byte
	}{
		{"WrongMchID", "REFUND.SUCCESS", resource(func(m map[string]any) { m["mchid"] = "1900000001" })},
		{"NoMchID", "REFUND.SUCCESS", resource(func(m map[string]any) { delete(m, "mchid") })},
		{"UnknownEventType", "REFUND.REVERSED", resource(func(map[string]any) {})},
		{"PaymentEventType", "TRANSACTION.SUCCESS", resource(func(map[string]any) {})},
		{"EventDisagreesWithStatus", "REFUND.SUCCESS", resource(func(m map[string]any) { m["refund_status"] = "CLOSED" })},
		{"UnknownStatus", "REFUND.SUCCESS", resource(func(m map[string]any) { m["refund_status"] = "DONE" })},
		{"SuccessWithoutTime", "REFUND.SUCCESS", resource(func(m map[string]any) { delete(m, "success_time") })},
		{"MoreThanTheOrder", "REFUND.SUCCESS", resource(func(m map[string]any) {
			m["amount"] = map[string]any{"total": 100, "refund": 500}
		})},
		{"NoAmount", "REFUND.SUCCESS", resource(func(m map[string]any) { delete(m, "amount") })},
		{"NoRefundNumber", "REFUND.SUCCESS", resource(func(m map[string]any) { delete(m, "out_refund_no") })},
		{"NotJSON", "REFUND.SUCCESS", []byte("退款成功")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := s.cl.ParseRefundNotification(s.srv.RefundNotificationFor(tt.event, tt.plaintext, wechatpaytest.NoFault))
			if !errors.Is(err, payment.ErrMalformed) || res != (payment.RefundResult{}) {
				t.Fatalf("got %+v, %v; want ErrMalformed", res, err)
			}
			w := httptest.NewRecorder()
			s.cl.Acknowledge(w, err)
			if w.Code != http.StatusBadRequest {
				t.Fatalf("acknowledged %d", w.Code)
			}
		})
	}
	t.Run("PaymentNotificationIsNotARefund", func(t *testing.T) {
		r, err := s.srv.Notification(s.order.OutTradeNo, wechatpaytest.NoFault)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.cl.ParseRefundNotification(r); !errors.Is(err, payment.ErrMalformed) {
			t.Fatalf("a payment notification parsed as a refund: %v", err)
		}
		r, _ = s.srv.RefundNotification("rf-rnr-0001", wechatpaytest.NoFault)
		if _, err := s.cl.ParseNotification(r); !errors.Is(err, payment.ErrMalformed) {
			t.Fatalf("a refund notification parsed as a payment: %v", err)
		}
	})
	t.Run("Oversized", func(t *testing.T) {
		r := s.srv.SignedRequest(bytes.Repeat([]byte(" "), payment.MaxNotificationBody+1))
		if _, err := s.cl.ParseRefundNotification(r); !errors.Is(err, payment.ErrMalformed) {
			t.Fatalf("got %v, want ErrMalformed", err)
		}
	})
}

// The refund API's documented error codes become apperr codes the refund
// service acts on (the table in refund.go), with WeChat Pay's answer kept
// for the logs.
func TestRefundErrorCodes(t *testing.T) {
	srv := fake(t, wechatpaytest.Options{})
	for _, tt := range []struct {
		status int
		code   string
		want   apperr.Code
	}{
		{http.StatusTooManyRequests, "FREQUENCY_LIMITED", apperr.RateLimited},
		{http.StatusForbidden, "NOT_ENOUGH", apperr.Unavailable},
		{http.StatusInternalServerError, "SYSTEM_ERROR", apperr.Unavailable},
		{http.StatusForbidden, "USER_ACCOUNT_ABNORMAL", apperr.Conflict},
		{http.StatusBadRequest, "INVALID_REQUEST", apperr.Conflict},
		{http.StatusBadRequest, "PARAM_ERROR", apperr.Invalid},
		{http.StatusNotFound, "RESOURCE_NOT_EXISTS", apperr.NotFound},
		{http.StatusForbidden, "NO_AUTH", apperr.Forbidden},
		{http.StatusUnauthorized, "SIGN_ERROR", apperr.Internal},
		{http.StatusBadRequest, "MCH_NOT_EXISTS", apperr.Internal},
		{http.StatusBadRequest, "SOMETHING_NEW", apperr.Internal},
	} {
		t.Run(tt.code, func(t *testing.T) {
			stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, `{"code":"`+tt.code+`","message":"说明"}`)
			}))
			defer stub.Close()
			c := config(t, srv)
			c.BaseURL = stub.URL
			_, err := client(t, c).Refund(context.Background(), payment.Refund{OrderID: "errs-00001", RefundID: "rf-errs-0001", Amount: 1, Total: 2})
			var apiErr *APIError
			if apperr.CodeOf(err) != tt.want || !errors.As(err, &apiErr) || apiErr.Code != tt.code {
				t.Fatalf("%d %s: %v (code %s), want %s", tt.status, tt.code, err, apperr.CodeOf(err), tt.want)
			}
			if e := apperr.As(err); e != nil && e.Key != "" && !strings.HasPrefix(e.Key, "wechatpay.") && !strings.HasPrefix(e.Key, "payment.") {
				t.Fatalf("message key %q", e.Key)
			}
		})
	}
}

// R-FUND-1: the fake's trade bill carries each refund that succeeded that
// day on a refund line, as WeChat Pay's does; the parser reads its refund
// id, our refund number, amount and status, and the day still settles:
// the withdrawal is the payments less fees less refunds net of the fees
// returned.
func TestBillRefundLines(t *testing.T) {
	// Paid and refunded on one day, China time.
	s := newRefundSetup(t, wechatpaytest.Options{Start: time.Date(2026, 12, 7, 10, 0, 0, 0, china)}, "billr-0001")
	ctx := context.Background()
	first, err := s.cl.Refund(ctx, s.refund("rf-billr-001", 2000))
	if err != nil {
		t.Fatal(err)
	}
	// A closed refund is not on the bill: it paid nothing back.
	if _, err := s.cl.Refund(ctx, s.refund("rf-billr-002", 1008)); err != nil {
		t.Fatal(err)
	}
	s.srv.Drain()
	fr, _ := s.srv.RefundByNo("rf-billr-001")
	if fr.Status != "SUCCESS" || fr.SuccessTime.In(china).Format(time.DateOnly) != "2026-12-07" {
		t.Fatalf("refund %+v, want a success on 2026-12-07", fr)
	}
	day := s.order.SuccessTime.In(china)
	date := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	trade, err := s.cl.TradeBill(ctx, date)
	if err != nil {
		t.Fatal(err)
	}
	if len(trade.Lines) != 2 || trade.Refund != 2000 {
		t.Fatalf("trade bill %+v, want a payment and one refund of 20.00", trade)
	}
	rl := trade.Lines[1]
	if rl.State != "REFUND" || rl.RefundID != first.ProviderRefundID || rl.OutRefundNo != "rf-billr-001" || rl.Refund != 2000 ||
		rl.RefundStatus != "SUCCESS" || rl.Settled != 0 || rl.Fee != -12 || rl.TransactionID != s.order.TransactionID {
		t.Fatalf("refund line %+v", rl)
	}
	fund, err := s.cl.FundFlowBill(ctx, date)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Settlement(date, trade, fund)
	if err != nil {
		t.Fatal(err)
	}
	if want := money.Fen(12345 - 74 - (2000 - 12)); st.Net != want || st.Refunds != 2000-12 {
		t.Fatalf("settlement %+v, want net %s", st, want)
	}
	t.Run("RefundLineWithoutRefundID", func(t *testing.T) {
		bad := strings.Replace(seedTrade, "`5000001,", "`,", 1)
		if _, err := ParseTradeBill(strings.NewReader(bad)); !errors.Is(err, ErrBillMalformed) {
			t.Fatalf("got %v, want ErrBillMalformed", err)
		}
	})
}

// FuzzParseRefundNotification feeds refund notification parsing outside
// input: as a whole request with any signature headers, which must always
// be refused; as an envelope past the signature check; and as the
// resource of an envelope encrypted with the right key. It must never
// panic, and whatever it accepts must be a complete refund of ours in a
// known state (R-REF-1: only a genuine, complete refund result can move
// money in the ledger).
func FuzzParseRefundNotification(f *testing.F) {
	srv := fake(f, wechatpaytest.Options{})
	cl := client(f, config(f, srv))
	rf := []byte(`{"mchid":"` + srv.MchID + `","out_trade_no":"fuzz-00001","transaction_id":"4200000985202306011234567890",` +
		`"out_refund_no":"rf-fuzz-0001","refund_id":"50000000382019052709732678859","refund_status":"SUCCESS",` +
		`"success_time":"2023-06-01T10:34:56+08:00","user_received_account":"支付用户零钱",` +
		`"amount":{"total":100,"refund":40,"payer_total":100,"payer_refund":40}}`)
	envelope, err := io.ReadAll(srv.RefundNotificationFor("REFUND.SUCCESS", rf, wechatpaytest.NoFault).Body)
	if err != nil {
		f.Fatal(err)
	}
	// The genuine envelope must pass, or the fuzzing below tests nothing.
	if r, err := cl.decodeRefundNotification(envelope); err != nil || r.RefundID != "rf-fuzz-0001" || r.Amount != 40 {
		f.Fatalf("seed envelope: %+v, %v", r, err)
	}
	f.Add(envelope, rf, "REFUND.SUCCESS", srv.PlatformSerial)
	f.Add(envelope, bytes.Replace(rf, []byte(`"SUCCESS"`), []byte(`"ABNORMAL"`), 1), "REFUND.ABNORMAL", "")
	f.Add([]byte(`{"id":"x","event_type":"REFUND.CLOSED","resource_type":"encrypt-resource","resource":{"original_type":"refund","algorithm":"AEAD_AES_256_GCM","ciphertext":"AAAAAAAAAAAAAAAAAAAAAA==","nonce":"123456789012"}}`),
		[]byte(`{"refund_status":"CLOSED","amount":{"total":-1,"refund":-1}}`), "REFUND.CLOSED", "x")
	f.Add([]byte(`{"resource":null}`), []byte(`{"mchid":"`+srv.MchID+`","refund_status":"SUCCESS","amount":{"total":9223372036854775807,"refund":1}}`), "TRANSACTION.SUCCESS", "")
	f.Add([]byte(`[]`), []byte(`null`), "", srv.PlatformSerial)

	check := func(t *testing.T, r payment.RefundResult, err error) {
		if err != nil {
			return
		}
		if r.RefundID == "" || r.ProviderRefundID == "" || r.OrderID == "" || r.NotificationID == "" ||
			r.Amount <= 0 || r.Total < r.Amount || r.Total > money.MaxFen ||
			(r.State != payment.RefundSuccess && r.State != payment.RefundAbnormal && r.State != payment.RefundClosed) ||
			r.State == payment.RefundSuccess && r.SucceededAt.IsZero() {
			t.Fatalf("accepted an incomplete refund %+v", r)
		}
	}
	key := []byte(srv.APIv3Key)
	f.Fuzz(func(t *testing.T, body, plaintext []byte, eventType, serial string) {
		r := httptest.NewRequest(http.MethodPost, "/refund", bytes.NewReader(body))
		r.Header.Set("Wechatpay-Timestamp", "1700000000")
		r.Header.Set("Wechatpay-Serial", serial)
		r.Header.Set("Wechatpay-Nonce", "fuzz")
		r.Header.Set("Wechatpay-Signature", "c2lnbmF0dXJl")
		if res, err := cl.ParseRefundNotification(r); err == nil {
			t.Fatalf("accepted a refund notification not signed by WeChat Pay: %+v", res)
		}
		res, err := cl.decodeRefundNotification(body)
		check(t, res, err)
		res, err = cl.decodeRefundNotification(sealRefund(t, key, eventType, plaintext))
		check(t, res, err)
	})
}

// sealRefund wraps plaintext in a refund notification envelope of
// eventType encrypted with key.
func sealRefund(t *testing.T, key []byte, eventType string, plaintext []byte) []byte {
	var env map[string]any
	if err := json.Unmarshal(seal(t, key, plaintext), &env); err != nil {
		t.Fatal(err)
	}
	// seal authenticates "transaction" as associated data; keep it, since
	// the parser takes associated_data as given, and make it a refund's.
	env["event_type"] = eventType
	env["resource"].(map[string]any)["original_type"] = "refund"
	b, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The fake checks a refund request's signature as it does a payment's: a
// refund signed with another key is refused 401 SIGN_ERROR and never kept.
func TestRefundRequestSignature(t *testing.T) {
	s := newRefundSetup(t, wechatpaytest.Options{HoldRefunds: true}, "rsig-00001")
	c := config(t, s.srv)
	c.Now = func() time.Time { return s.srv.Clock().Now().Add(-6 * time.Minute) }
	_, err := client(t, c).Refund(context.Background(), s.refund("rf-rsig-0001", 100))
	var apiErr *APIError
	if !errors.As(err, &apiErr) && !errors.Is(err, payment.ErrStale) {
		t.Fatalf("stale refund request: %v, want refused", err)
	}
	if apiErr != nil && (apiErr.Status != http.StatusUnauthorized || apiErr.Code != "SIGN_ERROR") {
		t.Fatalf("got %d %s, want 401 SIGN_ERROR", apiErr.Status, apiErr.Code)
	}
	c = config(t, s.srv)
	c.HTTPClient = &http.Client{Transport: rewriteRefund{}}
	_, err = client(t, c).Refund(context.Background(), s.refund("rf-rsig-0002", 100))
	if !errors.As(err, &apiErr) || apiErr.Code != "SIGN_ERROR" || apperr.CodeOf(err) != apperr.Internal {
		t.Fatalf("refund whose body changed after signing: %v, want SIGN_ERROR", err)
	}
	if refunds := s.srv.Refunds(s.order.OutTradeNo); len(refunds) != 0 {
		t.Fatalf("the fake kept refunds it should have refused: %+v", refunds)
	}
}

// rewriteRefund changes a refund request's amount after it was signed.
type rewriteRefund struct{}

func (rewriteRefund) RoundTrip(r *http.Request) (*http.Response, error) {
	b, _ := io.ReadAll(r.Body)
	b = bytes.Replace(b, []byte(`"refund":100,`), []byte(`"refund":1,`), 1)
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(b))
	r2.ContentLength = int64(len(b))
	return http.DefaultTransport.RoundTrip(r2)
}
