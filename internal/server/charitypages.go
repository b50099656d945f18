package server

import (
	"net/http"

	"github.com/carefund/carefund/internal/charitypay"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/web"
)

// charityPage is the public account of money to charity (R-CHAR-1,
// R-DISC-2): every transfer, to whom, how much, when and from what, and
// totals read with the ledger in one transaction.
func (s *Server) charityPage(w http.ResponseWriter, r *http.Request) error {
	if s.platform == nil || s.platform.CharityPay == nil {
		return s.render(w, r, web.CharityPublic{})
	}
	sum, err := s.platform.CharityPay.Public(r.Context())
	if err != nil {
		return err
	}
	return s.render(w, r, CharityPublicView(s.lang(r), sum))
}

// CharityPublicView formats the public account in the reader's language.
func CharityPublicView(l i18n.Lang, sum charitypay.Summary) web.CharityPublic {
	p := web.CharityPublic{Interest: sum.Interest.Format(l), Unrefundable: sum.Unrefundable.Format(l),
		Paid: sum.Paid.Format(l), Held: sum.Held.Format(l)}
	for i := len(sum.Transfers) - 1; i >= 0; i-- {
		t := sum.Transfers[i]
		row := web.CharityTransferRow{ID: t.ID, Recipient: t.Recipient, CreditCode: t.CreditCode, Amount: t.Amount.Format(l),
			PaidOn: day(t.PaidOn), Returned: t.Returned}
		for _, src := range t.Sources {
			row.Sources = append(row.Sources, SourceText(l, src))
		}
		p.Transfers = append(p.Transfers, row)
	}
	return p
}

// SourceText says in words what part of a transfer came from.
func SourceText(l i18n.Lang, s charitypay.Source) string {
	if s.Kind == charitypay.SourceRefund {
		return i18n.T(l, "charity.source.refund", s.RequestID, s.Period, s.Amount.Format(l))
	}
	return i18n.T(l, "charity.source.interest", s.Period, s.Amount.Format(l))
}
