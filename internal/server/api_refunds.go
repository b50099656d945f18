package server

import (
	"net/http"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/refund"
)

// The donor's refund API: ask for a refund of one's own donation under the
// published policy (P), see the refunds of one's donations, and one's
// donations each with what became of its refunds (R-DON-2).

// apiRefundRun is a refund run as the donor who started it sees it.
type apiRefundRun struct {
	ID        int64     `json:"id"`
	RequestID int64     `json:"request_id"`
	Cause     string    `json:"cause"`
	Amount    pubAmount `json:"amount"`
	Refunds   int64     `json:"refunds"`
	State     string    `json:"state"`
	CreatedAt time.Time `json:"created_at"`
}

// apiRefund is one refund of a donor's donation.
type apiRefund struct {
	ID         int64      `json:"id"`
	DonationID int64      `json:"donation_id"`
	RequestID  int64      `json:"request_id"`
	Cause      string     `json:"cause"`
	Amount     pubAmount  `json:"amount"`
	State      string     `json:"state"`
	StateName  string     `json:"state_name"`
	SettledAt  *time.Time `json:"settled_at,omitempty"`
}

// apiDonorRefund answers POST /api/v1/my/donations/{id}/refund: the
// signed-in donor's refund of their own donation, exactly once per
// Idempotency-Key (the same key returns the first run, 200; a new run is
// 201). An optional body {"amount_fen": N} must name the whole of what the
// donation can get back: more is refused on amount_fen as more than the
// donation, less as not in full (422).
func (s *Server) apiDonorRefund(w http.ResponseWriter, r *http.Request) error {
	if s.refunds == nil {
		return apperr.New(apperr.Unavailable, "error.unavailable")
	}
	user, id, err := own(r)
	if err != nil {
		return err
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" || len(key) > 100 {
		return &apperr.Error{Code: apperr.Invalid, Key: "refund.input_invalid",
			Fields: []apperr.FieldError{{Field: "Idempotency-Key", Key: "refund.key_invalid", Args: []any{100}}}}
	}
	// An amount, if named, must be the whole of what the donation can
	// get back: policy P refunds in full (DonorRefund).
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
	return writeJSON(w, status, apiRefundRun{ID: run.ID, RequestID: run.RequestID, Cause: string(run.Cause),
		Amount: pubAmountOf(s.lang(r), run.Amount), Refunds: run.Refunds, State: string(run.State), CreatedAt: run.CreatedAt.UTC()})
}

// apiMyRefunds answers GET /api/v1/my/refunds: the refunds of the
// signed-in donor's donations, newest first, with their state.
func (s *Server) apiMyRefunds(w http.ResponseWriter, r *http.Request) error {
	if s.refunds == nil {
		return apperr.New(apperr.Unavailable, "error.unavailable")
	}
	rs, err := s.refunds.Mine(r.Context(), callerOf(r).user.Subject)
	if err != nil {
		return err
	}
	lang := s.lang(r)
	out := struct {
		Refunds []apiRefund `json:"refunds"`
	}{Refunds: []apiRefund{}}
	for _, f := range rs {
		out.Refunds = append(out.Refunds, apiRefund{ID: f.ID, DonationID: f.DonationID, RequestID: f.RequestID,
			Cause: string(f.Cause), Amount: pubAmountOf(lang, f.Amount), State: string(f.State),
			StateName: i18n.T(lang, "refund.state."+string(f.State)), SettledAt: optTime(f.SettledAt)})
	}
	return writeJSON(w, http.StatusOK, out)
}

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
