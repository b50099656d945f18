package payment

import (
	"context"
	"errors"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/money"
)

// A sandbox refund notification is verified before it is read, and a
// verified one decodes to what the book holds; the habits decide outcomes.
func TestSandboxRefundNotification(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	sb := NewSandbox(SandboxConfig{Key: []byte(strings.Repeat("k", 32)), ManualDelivery: true, Now: func() time.Time { return now }})
	defer sb.Close()
	// Whole payments are refunded: more than the day's money net of fees,
	// so the balance is topped up first.
	if err := sb.Fund(ctx, "CFRT1", 100_00); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		amount money.Fen
		want   []string // outcome of the first and the second attempt
	}{{1000, []string{RefundSuccess}}, {1007, []string{RefundAbnormal, RefundAbnormal}}, {1008, []string{RefundClosed, RefundSuccess}}} {
		order := "order-" + strconv.FormatInt(int64(c.amount), 10)
		o := Order{ID: order, Amount: c.amount, Description: "x", NotifyURL: "http://x/n"}
		if _, err := sb.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
		p, err := sb.Pay(ctx, order)
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range c.want {
			no := "refund-" + strconv.FormatInt(int64(c.amount), 10) + "-" + string(rune('a'+i))
			res, err := sb.Refund(ctx, Refund{OrderID: order, TransactionID: p.TransactionID, RefundID: no, Amount: c.amount, Total: c.amount})
			if err != nil || res.State != want {
				t.Fatalf("amount %d attempt %d: %+v, %v; want %s", c.amount, i+1, res, err, want)
			}
			req, err := sb.RefundNotificationRequest(ctx, "http://x/notify", no)
			if err != nil {
				t.Fatal(err)
			}
			got, err := sb.ParseRefundNotification(req)
			if err != nil || got.State != want || got.RefundID != no || got.Amount != c.amount || got.OrderID != order {
				t.Fatalf("parsed %+v, %v", got, err)
			}
			// A forged copy is refused.
			req, _ = sb.RefundNotificationRequest(ctx, "http://x/notify", no)
			req.Header.Set(SandboxSignatureHeader, "AAAA")
			if _, err := sb.ParseRefundNotification(req); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("forged: %v", err)
			}
		}
	}
	if _, err := sb.QueryRefund(ctx, "refund-none"); !errors.Is(err, ErrUnknownRefund) {
		t.Fatalf("QueryRefund of an unknown number: %v", err)
	}
}

func FuzzSandboxRefundNotification(f *testing.F) {
	f.Add([]byte(`{"id":"n1","create_time":"2026-03-02T18:00:00+08:00","event_type":"REFUND.SUCCESS","resource":{"out_refund_no":"CF1D2A1","refund_id":"sbr1","out_trade_no":"order-1","transaction_id":"sbx1","mchid":"m","amount_fen":100,"total_fen":100,"refund_status":"success","success_time":"2026-03-02T18:00:00+08:00"}}`))
	f.Add([]byte(`{"id":"n1","event_type":"REFUND.ABNORMAL","resource":{"refund_status":"abnormal"}}`))
	f.Add([]byte(`[]`))
	sb := NewSandbox(SandboxConfig{Key: []byte(strings.Repeat("k", 32)), ManualDelivery: true})
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := parseSandboxRefund(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		if res.Amount <= 0 || res.Total < res.Amount || !ValidOrderID(res.RefundID) {
			t.Fatalf("accepted %+v", res)
		}
		// Unsigned, the same body is refused before it is read.
		req := httptest.NewRequest("POST", "/notify", strings.NewReader(string(body)))
		if _, err := sb.ParseRefundNotification(req); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("unsigned: %v", err)
		}
	})
}
