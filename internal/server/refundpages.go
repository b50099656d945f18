package server

import (
	"crypto/rand"
	"net/http"
	"strconv"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/disclosure"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/refund"
	"github.com/carefund/carefund/internal/web"
)

// What donors and publishers see of refunds (R-REF-1, R-DON-2): the state
// of each donation's refunds on "my donations" and the receipt, the
// donor's refund under the published policy with a confirmation step, the
// publisher's "no more payouts: refund the rest" with its confirmation and
// the runs' progress, and the public figures from the ledger (R-DISC-1).
//
// Each step's form carries a fresh key (one per rendering), given to the
// refund service as the idempotency key: a double tap starts one refund.

// refundView is what the donor sees of v.
func refundView(lang i18n.Lang, v refund.DonationRefunds) *web.RefundView {
	out := &web.RefundView{State: string(v.State)}
	if v.State != refund.DonorNone {
		out.Amount = v.Amount.Format(lang)
	}
	if v.Refunded > 0 {
		out.Refunded, out.Date, out.Account = v.Refunded.Format(lang), day(v.SettledAt), v.Account
	}
	if v.ToCharity > 0 {
		out.ToCharity = v.ToCharity.Format(lang)
	}
	if v.MayAsk {
		out.Ask = donorRefundPath(v.DonationID)
	} else if v.Refusal != "" && v.State == refund.DonorNone {
		out.Refusal = i18n.T(lang, v.Refusal)
	}
	return out
}

func donorRefundPath(donation int64) string {
	return "/my/donations/" + strconv.FormatInt(donation, 10) + "/refund"
}

// refundAskPage is the donor's confirmation step:
// GET /my/donations/{id}/refund. A donation that is not theirs is 404; one
// the policy refuses shows why, with no button (409).
func (s *Server) refundAskPage(w http.ResponseWriter, r *http.Request) error {
	user, id, err := own(r)
	if err != nil {
		return err
	}
	if s.refunds == nil {
		return apperr.New(apperr.Unavailable, "error.unavailable")
	}
	ask, err := s.refunds.DonorCheck(r.Context(), user, id)
	w.Header().Set("Cache-Control", "no-store")
	return s.renderRefundAsk(w, r, ask, err)
}

// renderRefundAsk writes the donor's step for ask, or its refusal err.
func (s *Server) renderRefundAsk(w http.ResponseWriter, r *http.Request, ask refund.DonorAsk, err error) error {
	lang := s.lang(r)
	page := web.RefundConfirm{DonationID: ask.DonationID, RequestID: ask.RequestID, Token: rand.Text()}
	status := http.StatusOK
	switch code := apperr.CodeOf(err); {
	case err == nil:
		page.Amount = ask.Amount.Format(lang)
	case code == apperr.NotFound:
		// Someone else's donation is as good as none.
		return err
	case code == apperr.Conflict || code == apperr.Invalid:
		page.Refused = i18n.T(lang, apperr.As(err).Key, apperr.As(err).Args...)
		status = statusOf[code]
	default:
		return err
	}
	return s.renderStatus(w, r, status, page)
}

// refundAsk asks for the donor's refund: POST /my/donations/{id}/refund,
// with the step's key. A refusal (asked before, money paid out) shows the
// step again with why (409); done, the donor's list says so.
func (s *Server) refundAsk(w http.ResponseWriter, r *http.Request) error {
	user, id, err := own(r)
	if err != nil {
		return err
	}
	if err := form(r); err != nil {
		return err
	}
	if s.refunds == nil {
		return apperr.New(apperr.Unavailable, "error.unavailable")
	}
	_, err = s.refunds.DonorRequest(r.Context(), user, id, limit(r.PostFormValue("key"), 200))
	if err != nil {
		ask, _ := s.refunds.DonorCheck(r.Context(), user, id)
		return s.renderRefundAsk(w, r, refund.DonorAsk{DonationID: id, RequestID: ask.RequestID, Amount: ask.Amount}, err)
	}
	http.Redirect(w, r, "/my/donations?done=refund", http.StatusSeeOther)
	return nil
}

// withRefunds adds the refund section to the publisher's request page.
func (s *Server) withRefunds(r *http.Request, p *web.RequestStatus, user int64) error {
	if s.refunds == nil || !p.Published {
		return nil
	}
	v, err := s.refunds.ForPublisher(r.Context(), user, p.ID)
	if err != nil {
		return err
	}
	lang := s.lang(r)
	out := &web.PublisherRefunds{MayEnd: v.MayEnd, Refundable: v.Refundable.Format(lang), Donors: v.Donors}
	if v.Refusal != "" && v.Refusal != refund.KeyNotEnded {
		out.Refusal = i18n.T(lang, v.Refusal)
	}
	for _, run := range v.Runs {
		out.Runs = append(out.Runs, runRow(lang, run))
	}
	p.Refunds = out
	return nil
}

// runRow is a run with its progress, for the publisher.
func runRow(lang i18n.Lang, run refund.Run) web.PublisherRunRow {
	pr := run.Progress
	row := web.PublisherRunRow{ID: run.ID, CauseKey: "refundui.cause." + string(run.Cause),
		StateKey: "refundui.run." + string(run.State), Amount: run.Amount.Format(lang), Refunds: pr.Planned.N,
		Succeeded: pr.Succeeded.N, OnItsWay: pr.Ledgered.N - pr.Succeeded.N - pr.ToCharity.N, ToCharity: pr.ToCharity.N}
	if pr.Planned.N > 0 {
		row.Percent = int((pr.Succeeded.N + pr.ToCharity.N) * 100 / pr.Planned.N)
	}
	if !run.FinishedAt.IsZero() {
		row.Done = day(run.FinishedAt)
	}
	return row
}

// refundRestPage is the publisher's confirmation step (R-REF-1):
// GET /my/requests/{id}/refund-rest: what can be given back, to how many
// donations. Not allowed yet (not closed as purpose achieved or gone, a
// payout under way, nothing left), it says why (409).
func (s *Server) refundRestPage(w http.ResponseWriter, r *http.Request) error {
	user, id, err := own(r)
	if err != nil {
		return err
	}
	if s.refunds == nil {
		return apperr.New(apperr.Unavailable, "error.unavailable")
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.renderRefundRest(w, r, user, id, nil)
}

// renderRefundRest writes the publisher's step for request id, with the
// refusal failed of a submission, if any.
func (s *Server) renderRefundRest(w http.ResponseWriter, r *http.Request, user, id int64, failed error) error {
	v, err := s.refunds.ForPublisher(r.Context(), user, id)
	if err != nil {
		return err
	}
	lang := s.lang(r)
	page := web.RefundConfirm{RequestID: id, Publisher: true, Amount: v.Refundable.Format(lang), Donors: v.Donors,
		Token: rand.Text()}
	status := http.StatusOK
	switch {
	case failed != nil:
		e := apperr.As(failed)
		if e == nil || statusOf[e.Code] >= 500 || e.Code == apperr.NotFound {
			return failed
		}
		page.Refused, status = i18n.T(lang, e.Key, e.Args...), statusOf[e.Code]
	case !v.MayEnd:
		page.Refused, status = i18n.T(lang, v.Refusal), http.StatusConflict
	}
	return s.renderStatus(w, r, status, page)
}

// refundRest declares the purpose ended and refunds the rest (R-REF-1):
// POST /my/requests/{id}/refund-rest, with the step's key; then the
// request's page shows the run's progress.
func (s *Server) refundRest(w http.ResponseWriter, r *http.Request) error {
	user, id, err := own(r)
	if err != nil {
		return err
	}
	if err := form(r); err != nil {
		return err
	}
	if s.refunds == nil {
		return apperr.New(apperr.Unavailable, "error.unavailable")
	}
	if _, err := s.refunds.DeclarePurposeEnded(r.Context(), user, id, limit(r.PostFormValue("key"), 200)); err != nil {
		return s.renderRefundRest(w, r, user, id, err)
	}
	http.Redirect(w, r, "/my/requests/"+strconv.FormatInt(id, 10)+"?done=refunding", http.StatusSeeOther)
	return nil
}

// publicFigures are f as the public page of request id shows them
// (R-DISC-1), with the identity they satisfy said in words.
func publicFigures(lang i18n.Lang, id int64, f disclosure.Figures) *web.PublicFigures {
	out := &web.PublicFigures{Raised: f.Raised.Format(lang), PaidOut: f.PaidOut.Format(lang),
		Refunded: f.Refunded.Format(lang), ToCharity: f.ToCharity.Format(lang), Held: f.Held.Format(lang),
		Ledger: requestPath(id) + "/ledger.csv"}
	if f.Refunding != 0 {
		out.Refunding = f.Refunding.Format(lang)
	}
	if f.Fees != 0 {
		out.Fees = f.Fees.Format(lang)
	}
	if f.Recovered != 0 {
		out.Recovered = f.Recovered.Format(lang)
	}
	args := []any{f.Raised.Format(lang), f.Fees.Format(lang), f.PaidOut.Format(lang), f.Refunded.Format(lang),
		f.Refunding.Format(lang), f.ToCharity.Format(lang), f.Held.Format(lang)}
	switch {
	case !f.Balanced():
		// Never shown as if it held: verify names the request.
		out.Identity = i18n.T(lang, "moneytrail.identity.broken")
	case f.Recovered != 0:
		out.Identity = i18n.T(lang, "moneytrail.identity.recovered", append([]any{f.Raised.Format(lang), f.Recovered.Format(lang)}, args[1:]...)...)
	default:
		out.Identity = i18n.T(lang, "moneytrail.identity", args...)
	}
	return out
}
