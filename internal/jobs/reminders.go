package jobs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/payout"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/store"
)

// UsageRemindersJob reminds publishers of the usage updates due soon or
// overdue (R-DISB-4).
const UsageRemindersJob = "usage-reminders"

// UsageRemindAhead is how long before its due date a usage update is
// first reminded of.
const UsageRemindAhead = 3 * 24 * time.Hour

// UsageRemindEvery is how often the reminding job runs.
const UsageRemindEvery = 15 * time.Minute

// claimLease is how long a claimed reminder whose run died before it was
// marked sent waits before another run takes it again: long enough that a
// run still sending is not doubled, short enough that the publisher hears
// on the same day.
const claimLease = time.Hour

// The stages of a usage reminder: before the due date, and after it.
const (
	stageDue     = "due"
	stageOverdue = "overdue"
)

// RemindResult is what one run of the reminding job did.
type RemindResult struct {
	Sent   int // reminders sent by this run
	Failed int // reminders whose sending failed; they are tried again next run
}

// UsageReminders sends each publisher whose payout's usage update is due
// within UsageRemindAhead, or overdue, one SMS per payout and stage
// (R-DISB-4: reminded before and after), through the platform's SMS
// sender. Each reminder is claimed in the database before it is sent and
// marked sent after, so a second run, or the same job on a second node,
// sends nothing again. A send that fails gives its claim up for the next
// run; a run that dies between sending and marking leaves a claim that is
// taken again after claimLease, so such a reminder may, rarely, come twice,
// but is never lost.
func UsageReminders(ctx context.Context, p *platform.Platform) (RemindResult, error) {
	var res RemindResult
	if p.Payouts == nil {
		return res, nil
	}
	rs, err := p.Payouts.Reminders(ctx, UsageRemindAhead)
	if err != nil {
		return res, fmt.Errorf("usage reminders: %w", err)
	}
	var errs []error
	for _, r := range rs {
		stage := stageDue
		if r.Overdue {
			stage = stageOverdue
		}
		now := p.Now()
		phone, ok, err := claimReminder(ctx, p, r, stage, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("payout %d: %w", r.PayoutID, err))
			continue
		}
		if !ok {
			continue
		}
		// The network call happens outside any transaction. Its error may
		// quote the number, so only the payout is named.
		if err := p.SMS.Send(ctx, phone, reminderText(r, stage)); err != nil {
			res.Failed++
			p.Log.Warn("a usage reminder could not be sent; it is tried again next run", "payout", r.PayoutID, "stage", stage)
			if err := p.DB.Write(ctx, func(tx *store.Tx) error { return releaseReminder(ctx, tx, r.PayoutID, stage, now) }); err != nil {
				errs = append(errs, fmt.Errorf("payout %d: %w", r.PayoutID, err))
			}
			continue
		}
		if err := p.DB.Write(ctx, func(tx *store.Tx) error { return markReminderSent(ctx, tx, r.PayoutID, stage, now, p.Now()) }); err != nil {
			errs = append(errs, fmt.Errorf("payout %d: %w", r.PayoutID, err))
			continue
		}
		res.Sent++
	}
	return res, errors.Join(errs...)
}

// reminderText is the SMS of reminder r at stage, in the platform's
// default language: the publisher chose none for messages.
func reminderText(r payout.Reminder, stage string) string {
	due := r.Due.In(payout.China).Format("2006-01-02")
	return i18n.T(i18n.ZH, "jobs.usage_reminder."+stage, r.PayoutID, due)
}

// claimReminder claims reminder r at stage for this run, at now, and
// returns the publisher's phone number, unsealed for the SMS only (the
// unsealing is on the audit log, R-PII-1). It reports false when the
// reminder was sent, or another run holds a claim younger than claimLease.
func claimReminder(ctx context.Context, p *platform.Platform, r payout.Reminder, stage string, now time.Time) (string, bool, error) {
	var phone string
	var ok bool
	err := p.DB.Write(ctx, func(tx *store.Tx) error {
		phone, ok = "", false
		res, err := tx.ExecContext(ctx, `INSERT INTO usage_reminders (payout_id, stage, due_at, claimed_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT (payout_id, stage) DO NOTHING`,
			r.PayoutID, stage, r.Due.UnixMicro(), now.UnixMicro())
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			// Taken again only when its run died before marking it sent.
			res, err := tx.ExecContext(ctx, `UPDATE usage_reminders SET claimed_at = $1
				WHERE payout_id = $2 AND stage = $3 AND sent_at IS NULL AND claimed_at <= $4`,
				now.UnixMicro(), r.PayoutID, stage, now.Add(-claimLease).UnixMicro())
			if err != nil {
				return err
			}
			if n, err = res.RowsAffected(); err != nil || n == 0 {
				return err
			}
		}
		u, err := p.Accounts.Get(ctx, tx, r.PublisherUserID)
		if err != nil {
			return err
		}
		if _, err := audit.Append(ctx, tx, audit.Record{Actor: "system", Action: "payout.usage_reminder",
			Object: "payout:" + strconv.FormatInt(r.PayoutID, 10), Result: audit.ResultOK,
			Detail: "publisher's phone unsealed for the " + stage + " usage reminder"}); err != nil {
			return err
		}
		phone, ok = u.Phone, true
		return nil
	})
	return phone, ok, err
}

// releaseReminder gives up this run's claim (claimed at claimed) of a
// reminder it could not send, so that the next run sends it.
func releaseReminder(ctx context.Context, tx *store.Tx, payoutID int64, stage string, claimed time.Time) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM usage_reminders
		WHERE payout_id = $1 AND stage = $2 AND sent_at IS NULL AND claimed_at = $3`, payoutID, stage, claimed.UnixMicro())
	return err
}

// markReminderSent records that this run's claim (claimed at claimed) was
// sent at sent.
func markReminderSent(ctx context.Context, tx *store.Tx, payoutID int64, stage string, claimed, sent time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE usage_reminders SET sent_at = $1
		WHERE payout_id = $2 AND stage = $3 AND sent_at IS NULL AND claimed_at = $4`,
		sent.UnixMicro(), payoutID, stage, claimed.UnixMicro())
	return err
}
