package payout

import (
	"context"
	"database/sql"
	"strings"
	"time"

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
				Hospital: r.HospitalName, Payee: r.Payee}
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

// Reminder is a paid payout whose usage update is not posted and is due
// soon or overdue (R-DISB-4), for the job that reminds the publisher.
type Reminder struct {
	PayoutID, RequestID int64
	PublisherUserID     int64
	Due                 time.Time
	Overdue             bool // the next application waits until it is posted
}

// Reminders lists the paid payouts without a usage update that are due
// within ahead of now or overdue, the earliest due first: reminded before
// the due date and after it.
func (s *Service) Reminders(ctx context.Context, ahead time.Duration) ([]Reminder, error) {
	now := s.now()
	var out []Reminder
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		out = nil
		// paid_at + UsageDays ≤ now + ahead, in microseconds; the calendar
		// arithmetic is redone below on the rows, the bound only narrows.
		bound := now.Add(ahead).AddDate(0, 0, -UsageDays).Add(24 * time.Hour).UnixMicro()
		return store.Each(ctx, tx, func(rows *sql.Rows) error {
			var r Reminder
			var paid int64
			if err := rows.Scan(&r.PayoutID, &r.RequestID, &r.PublisherUserID, &paid); err != nil {
				return err
			}
			r.Due = UsageDueBy(time.UnixMicro(paid).UTC())
			if r.Due.After(now.Add(ahead)) {
				return nil
			}
			r.Overdue = !now.Before(r.Due)
			out = append(out, r)
			return nil
		}, `SELECT p.id, p.request_id, r.publisher_user_id, p.paid_at FROM payouts p JOIN requests r ON r.id = p.request_id
			WHERE p.state = 'paid' AND p.paid_at <= $1
			AND NOT EXISTS (SELECT 1 FROM payout_usage u WHERE u.payout_id = p.id)
			ORDER BY p.paid_at, p.id`, bound)
	})
	return out, err
}
