package payment_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/payment"
)

// R-DON-1: the platform must keep accepting the re-sends of a notification it
// failed to acknowledge, so the schedule it is tested against must be WeChat
// Pay's own: 15 re-sends after the first delivery, the last 24 h 4 min after it.
func TestWeChatSchedule(t *testing.T) {
	s := payment.WeChatSchedule()
	if got, want := len(s), 1+15; got != want {
		t.Fatalf("len(WeChatSchedule()) = %d, want %d (the first delivery and 15 re-sends)", got, want)
	}
	if s[0] != 0 {
		t.Errorf("first delivery at %v, want 0", s[0])
	}
	if got, want := s[len(s)-1], 24*time.Hour+4*time.Minute; got != want {
		t.Errorf("last delivery at %v, want %v", got, want)
	}
	var total time.Duration
	for i := 1; i < len(s); i++ {
		gap := s[i] - s[i-1]
		if gap <= 0 {
			t.Errorf("delivery %d at %v is not after delivery %d at %v", i, s[i], i-1, s[i-1])
		}
		total += gap
	}
	if total != 24*time.Hour+4*time.Minute {
		t.Errorf("the gaps add up to %v, want 24h4m", total)
	}
	wantGaps := []time.Duration{15 * time.Second, 15 * time.Second, 30 * time.Second, 3 * time.Minute, 10 * time.Minute}
	for i, want := range wantGaps {
		if got := s[i+1] - s[i]; got != want {
			t.Errorf("gap %d = %v, want %v", i+1, got, want)
		}
	}
	// A caller that changes its copy must not change the next caller's.
	s[1] = time.Hour
	if payment.WeChatSchedule()[1] != 15*time.Second {
		t.Error("WeChatSchedule returns a shared slice")
	}
}

func validOrder() payment.Order {
	return payment.Order{
		ID:          "don_20260101-000001",
		Amount:      5000,
		Description: "为患者捐款",
		NotifyURL:   "http://127.0.0.1/notify",
		ReturnURL:   "http://127.0.0.1/thanks",
	}
}

// Create refuses an order a provider would refuse, field by field, with
// messages in the catalog.
func TestCreateValidatesOrder(t *testing.T) {
	sb := newTestSandbox(t, payment.SandboxConfig{ManualDelivery: true})
	tests := []struct {
		name   string
		change func(*payment.Order)
		fields []string
	}{
		{"ZeroAmount", func(o *payment.Order) { o.Amount = 0 }, []string{"amount"}},
		{"NegativeAmount", func(o *payment.Order) { o.Amount = -500 }, []string{"amount"}},
		{"ShortID", func(o *payment.Order) { o.ID = "ab123" }, []string{"id"}},
		{"LongID", func(o *payment.Order) { o.ID = strings.Repeat("a", 33) }, []string{"id"}},
		{"IDWithSpace", func(o *payment.Order) { o.ID = "abc 12345" }, []string{"id"}},
		{"IDWithSlash", func(o *payment.Order) { o.ID = "abc/../12345" }, []string{"id"}},
		{"IDNotASCII", func(o *payment.Order) { o.ID = "订单123456" }, []string{"id"}},
		{"NoDescription", func(o *payment.Order) { o.Description = "" }, []string{"description"}},
		{"LongDescription", func(o *payment.Order) { o.Description = strings.Repeat("捐", 43) }, []string{"description"}}, // 129 bytes
		{"NoNotifyURL", func(o *payment.Order) { o.NotifyURL = "" }, []string{"notify_url"}},
		{"Several", func(o *payment.Order) { o.ID, o.Amount = "", 0 }, []string{"id", "amount"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := validOrder()
			tt.change(&o)
			_, err := sb.Create(context.Background(), o)
			e := apperr.As(err)
			if e == nil || e.Code != apperr.Invalid {
				t.Fatalf("Create: err = %v, want an Invalid *apperr.Error", err)
			}
			var got []string
			for _, f := range e.Fields {
				got = append(got, f.Field)
				if !i18n.Has(f.Key) {
					t.Errorf("field %s: key %q is not in the catalog", f.Field, f.Key)
				}
			}
			if !slices.Equal(got, tt.fields) {
				t.Errorf("field errors on %v, want %v", got, tt.fields)
			}
			if !i18n.Has(e.Key) {
				t.Errorf("key %q is not in the catalog", e.Key)
			}
		})
	}
	t.Run("Valid", func(t *testing.T) {
		for _, id := range []string{"abc123", strings.Repeat("Z", 32), "A-b_9-0"} {
			o := validOrder()
			o.ID = id
			if _, err := sb.Create(context.Background(), o); err != nil {
				t.Errorf("Create(%q): %v", id, err)
			}
		}
	})
}

// The sentinel errors carry catalog keys, so the HTTP layer can show them.
func TestErrorsInCatalog(t *testing.T) {
	for _, err := range []error{payment.ErrBadSignature, payment.ErrStale, payment.ErrMalformed, payment.ErrUnknownOrder} {
		if e := apperr.As(err); e == nil || !i18n.Has(e.Key) {
			t.Errorf("%v: not an *apperr.Error with a catalog key", err)
		}
	}
}

// A refused notification is answered 4xx when the sender is at fault
// (forged, stale, malformed), so it stays out of the server's error count,
// and 500 only when the platform failed (issue 13, 8c).
func TestRefusalStatus(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"BadSignature", fmt.Errorf("wechatpay: notification: %w", payment.ErrBadSignature), http.StatusUnauthorized},
		{"Stale", fmt.Errorf("timestamp 400 s from now: %w", payment.ErrStale), http.StatusUnauthorized},
		{"Malformed", fmt.Errorf("not JSON: %w", payment.ErrMalformed), http.StatusBadRequest},
		{"OurFailure", errors.New("database is locked"), http.StatusInternalServerError},
		{"Unavailable", apperr.New(apperr.Unavailable, "payment.stale"), http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := payment.RefusalStatus(tt.err); got != tt.want {
				t.Errorf("RefusalStatus = %d, want %d", got, tt.want)
			}
		})
	}
}
