package server

import (
	"net/http"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/refund"
)

// refundNotify receives a provider's refund notification (WeChat Pay's
// REFUND.SUCCESS / ABNORMAL / CLOSED, the sandbox's). A forged, stale or
// malformed one is refused by the provider's own check, logged and not
// acknowledged; a verified one is settled exactly once by the refund
// service, or quarantined when it names an unknown refund, another order
// or a wrong amount, and then acknowledged so the provider stops; if it
// could not be recorded, the provider is told to send it again.
func (s *Server) refundNotify(w http.ResponseWriter, r *http.Request) error {
	p, ok := s.providers[r.PathValue("provider")]
	if !ok || s.refunds == nil {
		return apperr.New(apperr.NotFound, "")
	}
	res, err := p.ParseRefundNotification(r)
	if err != nil {
		s.log.Warn("refused a refund notification", "provider", p.Name(), "remote", remoteIP(r), "err", err)
		p.Acknowledge(w, err)
		return nil
	}
	out, err := s.refunds.Settle(r.Context(), p.Name(), res)
	if err != nil {
		s.log.Error("settling a refund notification", "provider", p.Name(), "refund", res.RefundID, "err", err)
		p.Acknowledge(w, err)
		return nil
	}
	if out == refund.OutcomeQuarantined {
		s.log.Warn("quarantined a refund notification", "provider", p.Name(), "refund", res.RefundID)
	}
	p.Acknowledge(w, nil)
	return nil
}
