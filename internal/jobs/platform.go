package jobs

import (
	"context"
	"time"

	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/throttle"
	"github.com/carefund/carefund/internal/witness"
)

// The platform's jobs, by name.
const (
	// CloseExpiredJob closes the fundraising channels whose period ended
	// (R-PUB-4).
	CloseExpiredJob = "close-expired-channels"
	// QueryUnpaidJob asks the payment providers about orders whose
	// notification never came (R-DON-1).
	QueryUnpaidJob = "query-unpaid-orders"
	// PurgeThrottleJob deletes the rate limits' events older than any
	// window (package throttle).
	PurgeThrottleJob = "purge-throttle-events"
)

// ThrottleKeep is how long rate-limit events are kept: longer than the
// longest window in use (a day).
const ThrottleKeep = 48 * time.Hour

// PurgeThrottle deletes the rate-limit events older than ThrottleKeep.
func PurgeThrottle(ctx context.Context, db *store.DB) (int64, error) {
	var n int64
	err := db.Write(ctx, func(tx *store.Tx) error {
		var err error
		n, err = throttle.Purge(tx, tx.Now.Add(-ThrottleKeep))
		return err
	})
	return n, err
}

// QueryMargin is how long after an order's expiry the query job waits
// before asking the provider about it: a late notification usually comes
// first.
const QueryMargin = 5 * time.Minute

// queryPerRun bounds how many orders one run of the query job asks about.
const queryPerRun = 1000

// Platform returns the platform's jobs, each with its schedule. changed,
// when not nil, is called after a run changed what the public sees (a
// channel closed, a donation confirmed), so that the server on this node
// shows it at once rather than after its page cache expires.
//
// The jobs that the next capabilities bring (payouts, refunds, reminders,
// the publication of the transparency log) belong here, each with its
// name and schedule.
func Platform(p *platform.Platform, changed func()) []Job {
	if !p.Ready {
		return nil
	}
	if changed == nil {
		changed = func() {}
	}
	js := []Job{
		{Name: CloseExpiredJob, Every: time.Minute, Run: func(ctx context.Context) error {
			n, err := CloseExpired(ctx, p)
			if n > 0 {
				changed()
			}
			return err
		}},
		{Name: AuditAnchorJob, Every: AuditAnchorEvery, Run: func(ctx context.Context) error {
			_, _, err := AnchorAudit(ctx, p.DB)
			return err
		}},
		{Name: PurgeThrottleJob, Every: time.Hour, Run: func(ctx context.Context) error {
			_, err := PurgeThrottle(ctx, p.DB)
			return err
		}},
		{Name: QueryUnpaidJob, Every: time.Minute, Run: func(ctx context.Context) error {
			res, err := QueryUnpaid(ctx, p)
			if res.Asked > 0 {
				changed()
				p.Log.Info("asked providers about unpaid orders", "asked", res.Asked, "confirmed", res.Confirmed, "lapsed", res.Lapsed)
			}
			return err
		}},
	}
	if p.Translog != nil {
		js = append(js, Job{Name: TranslogJob, Every: TranslogEvery, Run: func(ctx context.Context) error {
			_, err := IntegrateLog(ctx, p.Translog)
			return err
		}})
	}
	if p.Payouts != nil {
		js = append(js, Job{Name: UsageRemindersJob, Every: UsageRemindEvery, Run: func(ctx context.Context) error {
			res, err := UsageReminders(ctx, p)
			if res.Sent > 0 || res.Failed > 0 {
				p.Log.Info("sent usage reminders", "sent", res.Sent, "failed", res.Failed)
			}
			return err
		}})
	}
	if p.Refunds != nil {
		js = append(js, Job{Name: RefundNoticesJob, Every: RefundNoticesEvery, Run: func(ctx context.Context) error {
			res, err := RefundNotices(ctx, p)
			if res.Sent > 0 || res.Failed > 0 || res.Unsure > 0 {
				p.Log.Info("told donors of their refunds", "sent", res.Sent, "failed", res.Failed, "unsure", res.Unsure)
			}
			return err
		}})
	}
	if p.Bank != nil && p.Payouts != nil {
		js = append(js, BankJobs(RouteFunding(RouteOutcomes(payoutExecutor{s: p.Payouts, changed: changed}, p.CharityPay), p.RefundFund), p.Bank, BankEvery)...)
	}
	if p.Bank != nil && p.CharityPay != nil {
		js = append(js, Job{Name: CharityDispatchJob, Every: BankEvery, Run: func(ctx context.Context) error {
			_, err := DispatchCharity(ctx, p.CharityPay, p.Bank, dispatchPerRun)
			return err
		}})
	}
	if p.Reconcile != nil {
		js = append(js, MoneyJobs(p)...)
		js = append(js, Job{Name: RecoveryRefundsJob, Every: MoneyEvery, Run: func(ctx context.Context) error {
			_, err := StartRecoveryRefunds(ctx, p.Reconcile)
			return err
		}})
	}
	if p.Terminations != nil {
		js = append(js, Job{Name: TerminationFollowUpJob, Every: TerminationFollowUpEvery, Run: func(ctx context.Context) error {
			n, err := TerminationFollowUp(ctx, p.Terminations)
			if n > 0 {
				changed()
			}
			return err
		}})
	}
	if p.Complaints != nil {
		js = append(js, Job{Name: ComplaintClocksJob, Every: ComplaintClocksEvery, Run: func(ctx context.Context) error {
			n, err := EscalateComplaints(ctx, p.Complaints)
			if n > 0 {
				p.Log.Info("escalated complaints whose clock ran out", "clocks", n)
			}
			return err
		}})
	}
	if p.Refunds != nil {
		js = append(js, RefundJobs(p.Refunds, p.Log, changed)...)
	}
	if len(p.Witnesses) > 0 {
		w := Witnesses{DB: p.DB, Client: &witness.Client{}, Witnesses: p.Witnesses, Log: p.Log}
		js = append(js, Job{Name: WitnessJob, Every: WitnessEvery, Run: func(ctx context.Context) error {
			_, err := w.Cosign(ctx)
			return err
		}})
	}
	if f, ok := PlatformFunding(p); ok {
		js = append(js, Job{Name: FundRefundsJob, Every: BankEvery, Run: func(ctx context.Context) error {
			res, err := FundRefunds(ctx, f, dispatchPerRun)
			if res.Planned+res.Credited > 0 {
				p.Log.Info("funded refunds from custody", "planned", res.Planned, "credited", res.Credited, "sent", res.Sent)
			}
			return err
		}})
	}
	return js
}

// BankEvery is how often approved payouts are sent to the custody bank and
// its outcomes read back.
const BankEvery = 10 * time.Second

// CloseExpired closes every fundraising channel whose period has ended
// (R-PUB-4), in one transaction, and returns how many it closed. Running
// it twice, or on two nodes at once, is safe: a channel closes once, and a
// second run finds nothing.
func CloseExpired(ctx context.Context, p *platform.Platform) (int, error) {
	var ids []int64
	now := p.Now()
	err := p.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		ids, err = p.Campaigns.CloseExpired(ctx, tx, now)
		return err
	})
	if err != nil {
		return 0, err
	}
	if len(ids) > 0 {
		p.Log.Info("closed fundraising channels whose period ended", "requests", ids)
	}
	return len(ids), nil
}

// QueryUnpaid asks the providers about orders whose notification never
// came, confirming the paid and giving up on the rest (R-DON-1). Each
// order is confirmed in its own transaction, exactly once however often it
// is asked about.
func QueryUnpaid(ctx context.Context, p *platform.Platform) (donation.ReconcileResult, error) {
	if p.Donations == nil {
		return donation.ReconcileResult{}, nil
	}
	return p.Donations.Reconcile(ctx, p.Providers, p.Now().Add(-QueryMargin), queryPerRun)
}
