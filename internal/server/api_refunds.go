package server

import (
	"net/http"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
)

// The donor's refund API: ask for a refund of one's own donation under the
// published policy (P), and see the refunds of one's donations.

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
// 201).
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
	run, err := s.refunds.DonorRequest(r.Context(), user, id, key)
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
