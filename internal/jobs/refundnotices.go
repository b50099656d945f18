package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/store"
)

// RefundNoticesJob tells donors by SMS when their refund was sent to the
// payment provider and when it arrived, or went to charity (R-DON-2).
const RefundNoticesJob = "refund-notices"

// RefundNoticesEvery is how often the job runs.
const RefundNoticesEvery = time.Minute

// Limits of one run of the job.
const (
	// noticesFound bounds the notices one run writes for refunds whose
	// state changed; the rest wait for the next run.
	noticesFound = 5000
	// noticesSent bounds the notices one run sends: a scandal's 30,000
	// donors are told within a quarter of an hour, at the gateway's pace.
	noticesSent = 2000
	// noticesClaimed is how many one claim takes: few enough that they are
	// sent well within noticeLease whatever the gateway's pace.
	noticesClaimed = 200
	// noticeAttempts is how many times a notice the gateway refused is
	// tried before it is given up (failed).
	noticeAttempts = 3
	// noticeLease is how long a claim may wait for its send to be
	// recorded; a claim older than that was left by a run that died, and
	// is marked unsure, never sent again.
	noticeLease = 10 * time.Minute
)

// The events a donor is told of.
const (
	noticeSent      = "sent"
	noticeSucceeded = "succeeded"
	noticeCharity   = "to_charity"
)

// NoticeResult is what one run of the refund-notices job did.
type NoticeResult struct {
	Found  int // notices written for refunds whose state changed
	Sent   int // SMS sent by this run
	Failed int // sends the gateway refused (tried again, up to noticeAttempts)
	Unsure int // claims left by a run that died, never sent again
}

// notice is one claimed notice, with the phone number it goes to.
type notice struct {
	refund    int64
	event     string
	request   int64
	amount    money.Fen
	phone     string
	claimedAt int64
}

// RefundNotices tells donors of their refunds, once per refund and event
// (R-DON-2): sent to the provider, paid back, or given to charity. In one
// transaction it writes a notice row for each refund whose state changed
// and was not yet told (a refund already final when first seen is told
// only its end); then, up to noticesSent, it claims noticesClaimed at a
// time, unsealing their donors' phones (audited), and outside any
// transaction sends each SMS through the platform's sender and records
// it. A send the gateway refuses is released for the next run, which the
// rest then waits for; a claim whose run died before recording it is
// marked unsure after noticeLease and never sent again, so no donor is
// told twice. Donations made without signing in
// have no phone, and no notice.
func RefundNotices(ctx context.Context, p *platform.Platform) (NoticeResult, error) {
	var res NoticeResult
	if p.Refunds == nil {
		return res, nil
	}
	now := p.Now().UnixMicro()
	err := p.DB.Write(ctx, func(tx *store.Tx) error {
		res.Found, res.Unsure = 0, 0
		n, err := findNotices(ctx, tx, now)
		if err != nil {
			return err
		}
		res.Found = n
		u, err := tx.ExecContext(ctx, `UPDATE refund_notices SET state = 'unsure'
			WHERE state = 'claimed' AND claimed_at <= $1`, now-noticeLease.Microseconds())
		if err != nil {
			return err
		}
		m, err := u.RowsAffected()
		res.Unsure = int(m)
		return err
	})
	if err != nil {
		return res, fmt.Errorf("refund notices: %w", err)
	}
	if res.Unsure > 0 {
		p.Log.Warn("refund notices whose sending was never recorded are not sent again", "notices", res.Unsure)
	}
	var errs []error
	for res.Sent+res.Failed < noticesSent && ctx.Err() == nil {
		var ns []notice
		err = p.DB.Write(ctx, func(tx *store.Tx) (err error) {
			ns, err = claimNotices(ctx, tx, p, p.Now().UnixMicro(), noticesClaimed)
			return err
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("refund notices: %w", err))
			break
		}
		if len(ns) == 0 {
			break
		}
		for _, n := range ns {
			// The network call happens outside any transaction; its error
			// may quote the number, so only the refund is named. A notice
			// claimed and not sent (the context ended) stays claimed, and
			// is never sent twice.
			sendErr := p.SMS.Send(ctx, n.phone, noticeText(n))
			err := p.DB.Write(ctx, func(tx *store.Tx) error { return recordNotice(ctx, tx, n, sendErr == nil, p.Now()) })
			if err != nil {
				errs = append(errs, fmt.Errorf("refund %d: %w", n.refund, err))
			}
			if sendErr != nil {
				res.Failed++
				p.Log.Warn("a refund notice could not be sent", "refund", n.refund, "event", n.event)
				continue
			}
			res.Sent++
		}
		if res.Failed > 0 {
			// The gateway is refusing: the rest waits for the next run.
			break
		}
	}
	return res, errors.Join(errs...)
}

// noticeText is the SMS of n, in the platform's default language: the
// request's number and the amount, and nothing of anyone else.
func noticeText(n notice) string {
	return i18n.T(i18n.ZH, "refundui.sms."+n.event, n.request, n.amount.String())
}

// findNotices writes a pending notice for each refund whose state changed
// and was not yet told: sent (the provider has it) for a refund under
// way, and its end for one paid back or given to charity.
func findNotices(ctx context.Context, tx *store.Tx, now int64) (int, error) {
	total := 0
	for _, q := range []string{
		// A refund on its way, not yet told anything.
		`INSERT INTO refund_notices (refund_id, event, user_id, request_id, amount_fen, state, created_at)
		SELECT r.id, 'sent', d.donor_user_id, r.request_id, r.amount_fen, 'pending', $1
		FROM refunds r JOIN donations d ON d.id = r.donation_id
		WHERE r.state IN ('sending', 'processing', 'retrying', 'abnormal') AND d.donor_user_id IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM refund_notices n WHERE n.refund_id = r.id)
		ORDER BY r.id LIMIT $2
		ON CONFLICT (refund_id, event) DO NOTHING`,
		// A refund at its end, not yet told of it.
		`INSERT INTO refund_notices (refund_id, event, user_id, request_id, amount_fen, state, created_at)
		SELECT r.id, CASE WHEN r.state = 'succeeded' THEN 'succeeded' ELSE 'to_charity' END, d.donor_user_id,
			r.request_id, r.amount_fen, 'pending', $1
		FROM refunds r JOIN donations d ON d.id = r.donation_id
		WHERE r.state IN ('succeeded', 'to_charity') AND d.donor_user_id IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM refund_notices n WHERE n.refund_id = r.id AND n.event IN ('succeeded', 'to_charity'))
		ORDER BY r.id LIMIT $2
		ON CONFLICT (refund_id, event) DO NOTHING`,
	} {
		res, err := tx.ExecContext(ctx, q, now, noticesFound)
		if err != nil {
			return total, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += int(n)
	}
	return total, nil
}

// claimNotices claims up to limit pending notices at now and unseals the
// phone of each one's donor, for the SMS only (audited, R-PII-1).
func claimNotices(ctx context.Context, tx *store.Tx, p *platform.Platform, now int64, limit int) ([]notice, error) {
	ns, err := store.All(ctx, tx, func(rows *sql.Rows) (notice, error) {
		var n notice
		var user, amount int64
		err := rows.Scan(&n.refund, &n.event, &user, &n.request, &amount)
		n.amount, n.claimedAt = money.Fen(amount), now
		// The phone is read below; the user id rides in phone meanwhile.
		n.phone = strconv.FormatInt(user, 10)
		return n, err
	}, `SELECT refund_id, event, user_id, request_id, amount_fen FROM refund_notices
		WHERE state = 'pending' ORDER BY created_at, refund_id, event LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	out := ns[:0]
	for _, n := range ns {
		res, err := tx.ExecContext(ctx, `UPDATE refund_notices SET state = 'claimed', claimed_at = $1, attempts = attempts + 1
			WHERE refund_id = $2 AND event = $3 AND state = 'pending'`, now, n.refund, n.event)
		if err != nil {
			return nil, err
		}
		if k, err := res.RowsAffected(); err != nil || k == 0 {
			if err != nil {
				return nil, err
			}
			continue
		}
		user, _ := strconv.ParseInt(n.phone, 10, 64)
		u, err := p.Accounts.Get(ctx, tx, user)
		if err != nil {
			return nil, err
		}
		if _, err := audit.Append(ctx, tx, audit.Record{Actor: "system", Action: "refund.notice",
			Object: "refund:" + strconv.FormatInt(n.refund, 10), Result: audit.ResultOK,
			Detail: "donor's phone unsealed for the " + n.event + " refund notice"}); err != nil {
			return nil, err
		}
		n.phone = u.Phone
		out = append(out, n)
	}
	return out, nil
}

// recordNotice records this run's send of n: sent, or released for the
// next run (failed after noticeAttempts).
func recordNotice(ctx context.Context, tx *store.Tx, n notice, sent bool, at time.Time) error {
	q := `UPDATE refund_notices SET state = 'sent', sent_at = $1
		WHERE refund_id = $2 AND event = $3 AND state = 'claimed' AND claimed_at = $4`
	args := []any{at.UnixMicro(), n.refund, n.event, n.claimedAt}
	if !sent {
		q = `UPDATE refund_notices SET state = CASE WHEN attempts >= $1 THEN 'failed' ELSE 'pending' END
			WHERE refund_id = $2 AND event = $3 AND state = 'claimed' AND claimed_at = $4`
		args[0] = noticeAttempts
	}
	_, err := tx.ExecContext(ctx, q, args...)
	return err
}
