package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/refund"
)

// The donor's refunds in the JSON API (R-DON-2): their donations with the
// refunds of each, and a refund of one under the published policy, made
// exactly once by the client's Idempotency-Key.

// apiDonationRefund is what became of refunds of one donation.
type apiDonationRefund struct {
	// State: none, asked, on_its_way, refunded, to_charity.
	State        string `json:"state"`
	AmountFen    int64  `json:"amount_fen"`
	RefundedFen  int64  `json:"refunded_fen"`
	ToCharityFen int64  `json:"to_charity_fen"`
	RefundedAt   string `json:"refunded_at,omitempty"`
	// Account is where the money went back, in the provider's words.
	Account string `json:"account,omitempty"`
	// MayAsk: the signed-in donor may ask for a refund now; Refusal is
	// the reason's code otherwise.
	MayAsk  bool   `json:"may_ask"`
	Refusal string `json:"refusal,omitempty"`
}

func apiRefundOf(v refund.DonationRefunds) *apiDonationRefund {
	out := &apiDonationRefund{State: string(v.State), AmountFen: int64(v.Amount), RefundedFen: int64(v.Refunded),
		ToCharityFen: int64(v.ToCharity), Account: v.Account, MayAsk: v.MayAsk, Refusal: v.Refusal}
	if !v.SettledAt.IsZero() {
		out.RefundedAt = v.SettledAt.Format(time.RFC3339)
	}
	return out
}

// apiMyDonation is one of the donor's donations.
type apiMyDonation struct {
	OrderNo    string             `json:"order_no"`
	DonationID int64              `json:"donation_id,omitempty"`
	RequestID  int64              `json:"request_id"`
	AmountFen  int64              `json:"amount_fen"`
	Amount     string             `json:"amount"`
	State      string             `json:"state"`
	PaidAt     string             `json:"paid_at,omitempty"`
	Refund     *apiDonationRefund `json:"refund,omitempty"`
}

// apiMyDonations lists the signed-in donor's donations, newest first, each
// with its refunds: GET /api/v1/my/donations.
func (s *Server) apiMyDonations(w http.ResponseWriter, r *http.Request) error {
	if s.donations == nil || s.refunds == nil {
		return apperr.New(apperr.Unavailable, "error.unavailable")
	}
	user := callerOf(r).user.Subject
	rcs, _, err := s.donations.ByDonor(r.Context(), user, myDonationsShown)
	if err != nil {
		return err
	}
	var ids []int64
	for _, rc := range rcs {
		if rc.DonationID != 0 {
			ids = append(ids, rc.DonationID)
		}
	}
	refunds, err := s.refunds.ForDonations(r.Context(), user, ids)
	if err != nil {
		return err
	}
	out := struct {
		Donations []apiMyDonation `json:"donations"`
	}{Donations: []apiMyDonation{}}
	for _, rc := range rcs {
		d := apiMyDonation{OrderNo: rc.OrderNo, DonationID: rc.DonationID, RequestID: rc.RequestID,
			AmountFen: int64(rc.Amount), Amount: rc.Amount.String(), State: rc.State}
		if !rc.PaidAt.IsZero() {
			d.PaidAt = rc.PaidAt.Format(time.RFC3339)
		}
		if v, ok := refunds[rc.DonationID]; ok && rc.DonationID != 0 {
			d.Refund = apiRefundOf(v)
		}
		out.Donations = append(out.Donations, d)
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, out)
}

// apiRefundRun is a donor's refund as the API answers it.
type apiRefundRun struct {
	RunID      int64  `json:"run_id"`
	DonationID int64  `json:"donation_id"`
	RequestID  int64  `json:"request_id"`
	AmountFen  int64  `json:"amount_fen"`
	Amount     string `json:"amount"`
	State      string `json:"state"`
	Replayed   bool   `json:"replayed"`
}

// apiRefund asks for a refund of one of the donor's donations, under the
// published policy: POST /api/v1/my/donations/{id}/refund with an
// Idempotency-Key header and an optional body {"amount_fen": N}, which
// must be the whole of what the donation can get back. 201 with the
// refund; the same key again answers the first refund (200, replayed).
// Refused: someone else's donation 404, asked before or money paid out
// 409, an amount other than the whole 422 on amount_fen.
func (s *Server) apiRefund(w http.ResponseWriter, r *http.Request) error {
	user, id, err := own(r)
	if err != nil {
		return err
	}
	if s.refunds == nil {
		return apperr.New(apperr.Unavailable, "error.unavailable")
	}
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if key == "" || len(key) > 100 {
		return &apperr.Error{Code: apperr.Invalid, Key: "refund.input_invalid",
			Fields: []apperr.FieldError{{Field: "Idempotency-Key", Key: "refundui.key_required"}}}
	}
	var in struct {
		AmountFen int64 `json:"amount_fen"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
	}
	if in.AmountFen < 0 || in.AmountFen > int64(money.MaxFen) {
		return &apperr.Error{Code: apperr.Invalid, Key: "refund.input_invalid",
			Fields: []apperr.FieldError{{Field: "amount_fen", Key: refund.KeyTooMuch}}}
	}
	run, err := s.refunds.DonorRefund(r.Context(), user, id, money.Fen(in.AmountFen), key)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if run.Replayed {
		status = http.StatusOK
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, status, apiRefundRun{RunID: run.ID, DonationID: id, RequestID: run.RequestID,
		AmountFen: int64(run.Amount), Amount: run.Amount.String(), State: string(refund.DonorAsked), Replayed: run.Replayed})
}
