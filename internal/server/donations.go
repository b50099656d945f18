package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/jobs"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/platform"
)

// The payment side of the server: the providers, and the order and
// notification endpoints. The pages of the donation flow are in
// donationpages.go; the job that asks providers about orders whose
// notification never came is in package jobs.

// setUpDonations takes the payment side from the platform: the ledger,
// the donation service and the payment providers.
func (s *Server) setUpDonations(p *platform.Platform) {
	s.publicURL = p.PublicURL
	s.ledger = p.Ledger
	s.donations = p.Donations
	s.providers = p.Providers
	s.provider = p.Provider
	s.sandbox = p.Sandbox
	s.refunds = p.Refunds
	s.wechat = p.WeChat
}

// orderForm is a donation as a page or the API sends it.
type orderForm struct {
	Amount      string `json:"amount"`
	Anonymous   bool   `json:"anonymous"`
	Message     string `json:"message"`
	Share       string `json:"share"`
	ClientToken string `json:"client_token"`
	// way is how the donor's browser pays (wechatpages.go): the payer's
	// openid inside WeChat, or a QR code on a desktop.
	way payWay
	// AgreeRules are the ids of the rules versions the donor was shown and
	// agreed to (R-RULES-2): the form's ticked box, the API's agree_rules.
	AgreeRules []int64 `json:"agree_rules"`
	// source says where the order came from, "web" or "api"; not decoded.
	source string
}

// placeOrder places a donor's order with the payment provider new orders
// go to (donation.Place) and returns how to pay it. A signed-in donor is
// recorded even when anonymous to the public (R-DON-2).
func (s *Server) placeOrder(r *http.Request, requestID int64, f orderForm) (donation.Placed, error) {
	if s.donations == nil {
		return donation.Placed{}, apperr.New(apperr.Unavailable, "error.unavailable")
	}
	var donor int64
	if u := callerOf(r).user; u != nil {
		donor = u.Subject
	}
	placed, err := s.donations.Place(r.Context(), s.providers, donation.PlaceInput{
		OrderInput: donation.OrderInput{RequestID: requestID, Amount: f.Amount, DonorUserID: donor,
			Anonymous: f.Anonymous, Message: f.Message, ShareToken: f.Share, Provider: s.provider.Name(),
			ClientToken: f.ClientToken},
		NotifyURL: func(provider string) string { return s.publicURL + "/pay/notify/" + provider },
		ReturnURL: func(no string) string { return s.publicURL + receiptPath(no) },
		ClientIP:  s.clientIP(r),
		PayerRef:  f.way.openid, Native: f.way.native,
		Agreement: donation.Agreement{Rules: f.AgreeRules, Source: f.source},
	})
	if e := apperr.As(err); e != nil && e.Key == donation.KeyProviderUnavailable {
		s.log.Warn("placing an order with the provider", "err", err)
	}
	return placed, err
}

func receiptPath(orderNo string) string { return "/donations/" + orderNo }

// payNotify receives a provider's asynchronous notification. It is believed
// only after the provider's own check of signature and freshness; a forged,
// stale or malformed one is refused with a 4xx, logged as a warning and not
// acknowledged. A verified one is confirmed exactly once (R-DON-1), compared
// with what was recorded for its transaction, and acknowledged, even when
// it is quarantined, so the provider stops sending it; if it could not be
// recorded, the provider is told to send it again (500).
func (s *Server) payNotify(w http.ResponseWriter, r *http.Request) error {
	p, ok := s.providers[r.PathValue("provider")]
	if !ok {
		return apperr.New(apperr.NotFound, "")
	}
	pay, err := p.ParseNotification(r)
	if err != nil {
		// Forged, stale or malformed: the sender's fault, answered 4xx
		// (payment.RefusalStatus), so it stays out of the error count.
		s.log.Warn("refused a payment notification", "provider", p.Name(), "remote", remoteIP(r), "err", err)
		p.Acknowledge(w, err)
		return nil
	}
	pay.Provider = p.Name()
	out, err := s.donations.Confirm(r.Context(), pay)
	if apperr.CodeOf(err) == apperr.Invalid {
		// Verified, but without a usable transaction id: malformed.
		s.log.Warn("refused a payment notification", "provider", p.Name(), "remote", remoteIP(r), "err", err)
		p.Acknowledge(w, errors.Join(payment.ErrMalformed, err))
		return nil
	}
	if err != nil {
		// Not recorded: the provider is asked to send it again.
		s.log.Error("confirming a payment", "provider", p.Name(), "order", pay.OrderID, "transaction", pay.TransactionID, "err", err)
		p.Acknowledge(w, err)
		return nil
	}
	switch {
	case out.Quarantined && !out.Replayed:
		s.log.Warn("quarantined a payment", "provider", p.Name(), "order", pay.OrderID, "transaction", pay.TransactionID)
	case out.AfterClose && !out.Replayed:
		s.log.Info("a payment came after its request closed; it waits for its refund", "order", pay.OrderID)
	}
	p.Acknowledge(w, nil)
	return nil
}

// sandboxCheckout serves the sandbox provider's hosted checkout, as if it
// were the provider's site; only when the sandbox is configured.
func (s *Server) sandboxCheckout(w http.ResponseWriter, r *http.Request) error {
	if s.sandbox == nil {
		return apperr.New(apperr.NotFound, "")
	}
	s.sandbox.Handler().ServeHTTP(w, r)
	return nil
}

// apiOrder is a placed order in the API.
type apiOrder struct {
	OrderNo     string            `json:"order_no"`
	RequestID   int64             `json:"request_id"`
	AmountFen   int64             `json:"amount_fen"`
	Amount      string            `json:"amount"`
	Anonymous   bool              `json:"anonymous"`
	State       string            `json:"state"`
	ReceiptURL  string            `json:"receipt_url"`
	CheckoutURL string            `json:"checkout_url,omitempty"`
	JSAPI       map[string]string `json:"jsapi,omitempty"`
	ExpiresAt   string            `json:"expires_at"`
	PaidAt      string            `json:"paid_at,omitempty"`
	// TransactionID is the provider's, once the payment is confirmed.
	TransactionID string `json:"transaction_id,omitempty"`
	// Refund is what became of refunds of the donation, once paid.
	Refund *apiDonationRefund `json:"refund,omitempty"`
}

// apiDonate places an order: POST /api/v1/requests/{id}/donations.
func (s *Server) apiDonate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var f orderForm
	if err := decodeJSON(r, &f); err != nil {
		return err
	}
	f.source = "api"
	placed, err := s.placeOrder(r, id, f)
	if err != nil {
		return err
	}
	o, co := placed.Order, placed.Checkout
	// A double click on an order already settled says what became of it.
	out := apiOrder{OrderNo: o.OrderNo, RequestID: o.RequestID, AmountFen: int64(o.Amount), Amount: o.Amount.String(),
		Anonymous: o.Anonymous, State: placed.State, ReceiptURL: receiptPath(o.OrderNo),
		CheckoutURL: co.RedirectURL, JSAPI: co.JSAPI, ExpiresAt: o.ExpiresAt.Format(time.RFC3339)}
	w.Header().Set("Location", "/api/v1/donations/"+o.OrderNo)
	return writeJSON(w, http.StatusCreated, out)
}

// apiDonation returns an order and what became of it:
// GET /api/v1/donations/{no}. The order number is the capability: it is
// random and only its donor was given it.
func (s *Server) apiDonation(w http.ResponseWriter, r *http.Request) error {
	if s.donations == nil {
		return apperr.New(apperr.Unavailable, "error.unavailable")
	}
	rc, err := s.donations.Receipt(r.Context(), r.PathValue("no"))
	if err != nil {
		return err
	}
	out := apiOrder{OrderNo: rc.OrderNo, RequestID: rc.RequestID, AmountFen: int64(rc.Amount), Amount: rc.Amount.String(),
		Anonymous: rc.Anonymous, State: rc.State, ReceiptURL: receiptPath(rc.OrderNo),
		ExpiresAt: rc.ExpiresAt.Format(time.RFC3339), TransactionID: rc.TransactionID}
	if !rc.PaidAt.IsZero() {
		out.PaidAt = rc.PaidAt.Format(time.RFC3339)
	}
	if rc.DonationID != 0 && s.refunds != nil {
		var user int64
		if u := callerOf(r).user; u != nil {
			user = u.Subject
		}
		rs, err := s.refunds.ForDonations(r.Context(), user, []int64{rc.DonationID})
		if err != nil {
			return err
		}
		if v, ok := rs[rc.DonationID]; ok {
			out.Refund = apiRefundOf(v)
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

// queryMargin is how long after an order's expiry the query job asks the
// provider about it; until then a pending receipt keeps reloading itself.
const queryMargin = jobs.QueryMargin
