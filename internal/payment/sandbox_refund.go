package payment

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
)

// The sandbox's refund habits, by the last two digits of the amount in fen
// (like the sandbox bank's habits), for tests and the demo:
//
//   - …07: ABNORMAL — the money cannot go back (a closed card), every time;
//   - …08: CLOSED the first time a refund of the order is asked for, then
//     successful (a new refund number is a new attempt);
//   - …09: PROCESSING in the answer; the outcome (success) comes by
//     notification or query;
//   - anything else: success at once.
//
// Each outcome is also sent as a signed refund notification to the
// refund's NotifyURL (unless ManualDelivery), on the payment schedule.
const (
	SandboxRefundAbnormal   = 7
	SandboxRefundClosed     = 8
	SandboxRefundProcessing = 9
)

// The event types of sandbox refund notifications, as WeChat Pay names them.
const (
	SandboxRefundSuccessEvent  = "REFUND.SUCCESS"
	SandboxRefundAbnormalEvent = "REFUND.ABNORMAL"
	SandboxRefundClosedEvent   = "REFUND.CLOSED"
)

// SandboxRefundEntry is one refund in the sandbox's book.
type SandboxRefundEntry struct {
	RefundID, OrderID, TransactionID string
	Amount, Total                    money.Fen
	// Outcome is RefundSuccess, RefundAbnormal or RefundClosed.
	Outcome          string
	ProviderRefundID string
	ReceivedAt       time.Time
}

// SandboxRefundBook keeps the sandbox's refunds, and the top-ups of its
// balance that fund them. Book records e unless its RefundID is booked
// already (then it returns the booked entry), choosing the outcome with
// decide(closedBefore), closedBefore being how many refunds of the order
// were closed; it refuses (Invalid "payment.refund_too_much") a refund
// that would take the order's successful and pending refunds above its
// total, and (ErrNotEnough) a successful one that covered(refunded,
// funded) refuses, refunded and funded being the successful refunds and
// the top-ups already booked on the day of e.ReceivedAt (SandboxDay) —
// atomically: nothing is booked when it refuses. Find returns a booked
// refund, or ErrUnknownRefund. Fund records a top-up once by its
// reference (again: the first; with another amount: Conflict). Day
// returns the successful refunds and the top-ups received in [from, to).
type SandboxRefundBook interface {
	Book(ctx context.Context, e SandboxRefundEntry, decide func(closedBefore int) string, covered func(refunded, funded money.Fen) bool) (SandboxRefundEntry, error)
	Find(ctx context.Context, refundID string) (SandboxRefundEntry, error)
	Fund(ctx context.Context, f SandboxFunding) (SandboxFunding, error)
	Day(ctx context.Context, from, to time.Time) ([]SandboxRefundEntry, []SandboxFunding, error)
}

// SandboxFunding is one top-up of the sandbox's balance: the custody
// bank's transfer Ref paid Amount into it at ReceivedAt.
type SandboxFunding struct {
	Ref        string
	Amount     money.Fen
	ReceivedAt time.Time
}

// SandboxDay returns the instants that bound the day in China of t: the
// sandbox's business day, which its settlement covers.
func SandboxDay(t time.Time) (from, to time.Time) {
	y, m, d := t.In(chinaTime).Date()
	from = time.Date(y, m, d, 0, 0, 0, 0, chinaTime)
	return from, from.AddDate(0, 0, 1)
}

// memoryRefundBook is the book of a sandbox given none.
type memoryRefundBook struct {
	mu      sync.Mutex
	byNo    map[string]SandboxRefundEntry
	funding map[string]SandboxFunding
}

func (b *memoryRefundBook) Book(_ context.Context, e SandboxRefundEntry, decide func(int) string, covered func(refunded, funded money.Fen) bool) (SandboxRefundEntry, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if old, ok := b.byNo[e.RefundID]; ok {
		return old, nil
	}
	var used money.Fen
	closed := 0
	for _, x := range b.byNo {
		if x.OrderID != e.OrderID {
			continue
		}
		switch x.Outcome {
		case RefundClosed:
			closed++
		case RefundSuccess:
			used += x.Amount
		}
	}
	if e.Amount > e.Total-used {
		return SandboxRefundEntry{}, apperr.New(apperr.Invalid, "payment.refund_too_much")
	}
	e.Outcome = decide(closed)
	if e.Outcome == RefundSuccess {
		from, to := SandboxDay(e.ReceivedAt)
		refunded, funded := b.day(from, to)
		if !covered(refunded, funded) {
			return SandboxRefundEntry{}, ErrNotEnough
		}
	}
	b.byNo[e.RefundID] = e
	return e, nil
}

// day sums the successful refunds and the top-ups of [from, to); b.mu is
// held.
func (b *memoryRefundBook) day(from, to time.Time) (refunded, funded money.Fen) {
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	for _, x := range b.byNo {
		if x.Outcome == RefundSuccess && in(x.ReceivedAt) {
			refunded += x.Amount
		}
	}
	for _, f := range b.funding {
		if in(f.ReceivedAt) {
			funded += f.Amount
		}
	}
	return refunded, funded
}

func (b *memoryRefundBook) Find(_ context.Context, no string) (SandboxRefundEntry, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.byNo[no]
	if !ok {
		return SandboxRefundEntry{}, ErrUnknownRefund
	}
	return e, nil
}

func (b *memoryRefundBook) Fund(_ context.Context, f SandboxFunding) (SandboxFunding, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if old, ok := b.funding[f.Ref]; ok {
		if old.Amount != f.Amount {
			return SandboxFunding{}, apperr.New(apperr.Conflict, "payment.funding_conflict")
		}
		return old, nil
	}
	if b.funding == nil {
		b.funding = map[string]SandboxFunding{}
	}
	b.funding[f.Ref] = f
	return f, nil
}

func (b *memoryRefundBook) Day(_ context.Context, from, to time.Time) ([]SandboxRefundEntry, []SandboxFunding, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	var rs []SandboxRefundEntry
	var fs []SandboxFunding
	for _, x := range b.byNo {
		if x.Outcome == RefundSuccess && in(x.ReceivedAt) {
			rs = append(rs, x)
		}
	}
	for _, f := range b.funding {
		if in(f.ReceivedAt) {
			fs = append(fs, f)
		}
	}
	return rs, fs, nil
}

// sandboxHabit returns the outcome of a refund of amount, closedBefore
// refunds of its order having been closed.
func sandboxHabit(amount money.Fen, closedBefore int) string {
	switch amount % 100 {
	case SandboxRefundAbnormal:
		return RefundAbnormal
	case SandboxRefundClosed:
		if closedBefore == 0 {
			return RefundClosed
		}
	}
	return RefundSuccess
}

// Refund books a refund of a paid order and answers its outcome (see the
// habits above); the outcome is also notified. Like WeChat Pay, it pays
// refunds out of its balance for us, which is the day's payments net of
// its fee, plus the day's top-ups (Fund), less the day's refunds: the
// money of earlier days went to custody with their settlements. A refund
// that balance does not cover is refused with ErrNotEnough, and nothing
// is booked. A refund number used again
// returns the first result; with another amount it is a Conflict. It
// returns ErrUnknownOrder for an order it never saw (unless its book
// outlived the order: then it trusts the total it is given), Invalid for a
// refund that does not fit the order, Conflict for an unpaid order.
func (s *Sandbox) Refund(ctx context.Context, r Refund) (RefundResult, error) {
	var fields []apperr.FieldError
	if !ValidOrderID(r.RefundID) {
		fields = append(fields, apperr.FieldError{Field: "refund_id", Key: "payment.refund_id_invalid", Args: []any{MinOrderID, MaxOrderID}})
	}
	if r.Amount <= 0 {
		fields = append(fields, apperr.FieldError{Field: "amount", Key: "payment.amount_positive"})
	}
	if fields != nil {
		return RefundResult{}, &apperr.Error{Code: apperr.Invalid, Key: "payment.refund_invalid", Fields: fields}
	}
	if old, err := s.cfg.RefundBook.Find(ctx, r.RefundID); err == nil {
		if old.Amount != r.Amount || old.OrderID != r.OrderID {
			return RefundResult{}, apperr.New(apperr.Conflict, "payment.refund_conflict")
		}
		return s.refundAnswer(old), nil
	}
	s.mu.Lock()
	o, known := s.orders[r.OrderID]
	var txID string
	var total money.Fen
	if known {
		switch {
		case o.state != Paid && o.state != Refunded:
			s.mu.Unlock()
			return RefundResult{}, apperr.New(apperr.Conflict, "payment.order_not_paid")
		case r.TransactionID != "" && r.TransactionID != o.transactionID:
			s.mu.Unlock()
			return RefundResult{}, apperr.New(apperr.Invalid, "payment.refund_transaction")
		case r.Total != o.Amount:
			s.mu.Unlock()
			return RefundResult{}, apperr.New(apperr.Invalid, "payment.refund_total_mismatch")
		}
		txID, total = o.transactionID, o.Amount
	}
	_, memory := s.cfg.RefundBook.(*memoryRefundBook)
	s.mu.Unlock()
	if !known {
		if memory || r.TransactionID == "" || r.Total <= 0 {
			return RefundResult{}, ErrUnknownOrder
		}
		txID, total = r.TransactionID, r.Total
	}
	now := s.cfg.Now()
	payments := s.dayPayments(now)
	e, err := s.cfg.RefundBook.Book(ctx, SandboxRefundEntry{RefundID: r.RefundID, OrderID: r.OrderID, TransactionID: txID,
		Amount: r.Amount, Total: total, ProviderRefundID: "sbr" + randomHex(12), ReceivedAt: now},
		func(closed int) string { return sandboxHabit(r.Amount, closed) },
		func(refunded, funded money.Fen) bool { return payments+funded-refunded >= r.Amount })
	if err != nil {
		return RefundResult{}, err
	}
	if e.Amount != r.Amount || e.OrderID != r.OrderID {
		return RefundResult{}, apperr.New(apperr.Conflict, "payment.refund_conflict")
	}
	if known && e.Outcome == RefundSuccess {
		s.mu.Lock()
		o.state = Refunded
		s.mu.Unlock()
	}
	if r.NotifyURL != "" && !s.cfg.ManualDelivery {
		s.deliverRefund(r.NotifyURL, e.RefundID)
	}
	return s.refundAnswer(e), nil
}

// refundAnswer is the answer to Refund: the outcome, or processing for the
// …09 habit.
func (s *Sandbox) refundAnswer(e SandboxRefundEntry) RefundResult {
	res := s.refundResult(e)
	if e.Amount%100 == SandboxRefundProcessing {
		res.State, res.SucceededAt, res.Account = RefundProcessing, time.Time{}, ""
	}
	return res
}

func (s *Sandbox) refundResult(e SandboxRefundEntry) RefundResult {
	res := RefundResult{RefundID: e.RefundID, ProviderRefundID: e.ProviderRefundID, State: e.Outcome,
		OrderID: e.OrderID, TransactionID: e.TransactionID, Amount: e.Amount, Total: e.Total}
	if e.Outcome == RefundSuccess {
		res.SucceededAt = e.ReceivedAt.Truncate(time.Second)
		res.Account = "sandbox balance"
	}
	return res
}

// QueryRefund returns the outcome of a refund by our refund number, or
// ErrUnknownRefund.
func (s *Sandbox) QueryRefund(ctx context.Context, refundID string) (RefundResult, error) {
	e, err := s.cfg.RefundBook.Find(ctx, refundID)
	if err != nil {
		return RefundResult{}, err
	}
	return s.refundResult(e), nil
}

// sandboxRefundNotification is the JSON body of a refund notification.
type sandboxRefundNotification struct {
	ID         string                `json:"id"`
	CreateTime string                `json:"create_time"`
	EventType  string                `json:"event_type"`
	Resource   sandboxRefundResource `json:"resource"`
}

type sandboxRefundResource struct {
	OutRefundNo   string    `json:"out_refund_no"`
	RefundID      string    `json:"refund_id"`
	OutTradeNo    string    `json:"out_trade_no"`
	TransactionID string    `json:"transaction_id"`
	MchID         string    `json:"mchid"`
	AmountFen     money.Fen `json:"amount_fen"`
	TotalFen      money.Fen `json:"total_fen"`
	Status        string    `json:"refund_status"`
	SuccessTime   string    `json:"success_time,omitempty"`
	Account       string    `json:"user_received_account,omitempty"`
}

var refundEvents = map[string]string{
	RefundSuccess:  SandboxRefundSuccessEvent,
	RefundAbnormal: SandboxRefundAbnormalEvent,
	RefundClosed:   SandboxRefundClosedEvent,
}

// RefundNotificationRequest returns a freshly signed notification of a
// booked refund, addressed to url.
func (s *Sandbox) RefundNotificationRequest(ctx context.Context, url, refundID string) (*http.Request, error) {
	e, err := s.cfg.RefundBook.Find(ctx, refundID)
	if err != nil {
		return nil, err
	}
	res := s.refundResult(e)
	n := sandboxRefundNotification{
		ID:         "rn" + e.ProviderRefundID,
		CreateTime: s.cfg.Now().In(chinaTime).Format(time.RFC3339),
		EventType:  refundEvents[e.Outcome],
		Resource: sandboxRefundResource{OutRefundNo: e.RefundID, RefundID: e.ProviderRefundID, OutTradeNo: e.OrderID,
			TransactionID: e.TransactionID, MchID: s.cfg.Merchant, AmountFen: e.Amount, TotalFen: e.Total,
			Status: e.Outcome, Account: res.Account},
	}
	if !res.SucceededAt.IsZero() {
		n.Resource.SuccessTime = res.SucceededAt.In(chinaTime).Format(time.RFC3339)
	}
	return s.signedRequest(ctx, url, n)
}

// signedRequest returns a POST of v as JSON to url, signed as every sandbox
// notification is.
func (s *Sandbox) signedRequest(ctx context.Context, url string, v any) (*http.Request, error) {
	body, err := json.Marshal(v)
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

// DeliverRefund sends the notification of a booked refund to url once,
// now, and reports whether it was acknowledged (nil).
func (s *Sandbox) DeliverRefund(ctx context.Context, url, refundID string) error {
	req, err := s.RefundNotificationRequest(ctx, url, refundID)
	if err != nil {
		return err
	}
	return s.send(req)
}

// deliverRefund sends a refund's notification on the schedule until it is
// acknowledged, with Faults.Duplicates extra copies of each delivery.
func (s *Sandbox) deliverRefund(url, refundID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx.Err() != nil {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		sched := s.cfg.Schedule
		for i := range sched {
			wait := sched[i]
			if i > 0 {
				wait -= sched[i-1]
			} else {
				wait += s.cfg.Faults.Delay
			}
			if wait > 0 && s.cfg.Sleep(s.ctx, wait) != nil {
				return
			}
			acked := false
			for range 1 + s.cfg.Faults.Duplicates {
				if s.ctx.Err() != nil {
					return
				}
				if s.DeliverRefund(s.ctx, url, refundID) == nil {
					acked = true
				}
			}
			if acked {
				return
			}
		}
		s.cfg.Logger.Warn("sandbox refund notification never acknowledged", "refund", refundID)
	}()
}

// ParseRefundNotification verifies a sandbox refund notification as
// ParseNotification verifies a payment's (ErrBadSignature, ErrStale first,
// nothing of the body read before), then decodes it: ErrMalformed unless
// it is a REFUND.* event with every field in place.
func (s *Sandbox) ParseRefundNotification(r *http.Request) (RefundResult, error) {
	body, err := s.verified(r)
	if err != nil {
		return RefundResult{}, err
	}
	return parseSandboxRefund(body)
}

func parseSandboxRefund(body []byte) (RefundResult, error) {
	var n sandboxRefundNotification
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&n); err != nil || dec.More() {
		return RefundResult{}, fmt.Errorf("payment: the refund notification is not the expected JSON: %w", ErrMalformed)
	}
	res := n.Resource
	if refundEvents[res.Status] != n.EventType || n.EventType == "" {
		return RefundResult{}, fmt.Errorf("payment: the refund notification's event and status disagree: %w", ErrMalformed)
	}
	var at time.Time
	if res.Status == RefundSuccess {
		t, err := time.Parse(time.RFC3339, res.SuccessTime)
		if err != nil {
			return RefundResult{}, fmt.Errorf("payment: the refund notification's success_time is not RFC 3339: %w", ErrMalformed)
		}
		at = t
	}
	switch {
	case n.ID == "" || len(n.ID) > 64:
		return RefundResult{}, fmt.Errorf("payment: the refund notification has no id: %w", ErrMalformed)
	case !ValidOrderID(res.OutRefundNo) || !ValidOrderID(res.OutTradeNo):
		return RefundResult{}, fmt.Errorf("payment: the refund notification's numbers are not valid: %w", ErrMalformed)
	case res.RefundID == "" || len(res.RefundID) > 64 || res.TransactionID == "" || len(res.TransactionID) > 64:
		return RefundResult{}, fmt.Errorf("payment: the refund notification lacks an id: %w", ErrMalformed)
	case res.AmountFen <= 0 || res.TotalFen < res.AmountFen || res.TotalFen > money.MaxFen:
		return RefundResult{}, fmt.Errorf("payment: the refund notification's amounts are not valid: %w", ErrMalformed)
	case len(res.Account) > 64:
		return RefundResult{}, fmt.Errorf("payment: the refund notification's account is too long: %w", ErrMalformed)
	}
	return RefundResult{RefundID: res.OutRefundNo, ProviderRefundID: res.RefundID, State: res.Status,
		OrderID: res.OutTradeNo, TransactionID: res.TransactionID, Amount: res.AmountFen, Total: res.TotalFen,
		SucceededAt: at, Account: res.Account, NotificationID: n.ID}, nil
}
