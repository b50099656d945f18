package payout

import (
	"context"
	"strings"

	"github.com/carefund/carefund/internal/store"
)

// publicStates are the payouts the public page lists: approved ones, the
// money committed, and what became of them. Open, rejected and failed
// applications moved no money out.
const publicStates = "('approved', 'paying', 'paid', 'returned')"

// ToKey is the i18n key of how the public page names payee kind k.
func ToKey(k PayeeKind) string { return "payout.public.to." + string(k) }

// Public lists the payouts of request requestID as its public page shows
// them: date, amount, to whom as a kind ("to the patient's own account")
// or the hospital's name, the batch's published expense list summary,
// state and usage updates (R-DISB-2, R-DISB-4). Never an account number
// nor a person's name (R-PII-1).
func (s *Service) Public(ctx context.Context, requestID int64) ([]PublicPayout, error) {
	var out []PublicPayout
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		out = nil
		rows, err := list(ctx, tx, "p.request_id = $1 AND p.state IN "+publicStates, requestID)
		if err != nil {
			return err
		}
		for _, r := range rows {
			pp := PublicPayout{ID: r.ID, Date: r.Clocks.Approved, Amount: r.Amount, State: r.State, ToKey: ToKey(r.Payee),
				Hospital: r.HospitalName}
			if !r.PaidAt.IsZero() {
				pp.Date = r.PaidAt
			}
			mats, err := materialsOf(ctx, tx, r.ID, "application")
			if err != nil {
				return err
			}
			for _, m := range mats {
				mt, err := s.Materials.Get(ctx, tx, requestID, m)
				if err != nil {
					return err
				}
				if !mt.PublishedAt.IsZero() && !mt.Withdrawn && strings.TrimSpace(mt.PublicSummary) != "" {
					pp.ExpenseList = append(pp.ExpenseList, mt.PublicSummary)
				}
			}
			if pp.Usage, err = usageOf(ctx, tx, r.ID); err != nil {
				return err
			}
			out = append(out, pp)
		}
		return nil
	})
	return out, err
}
