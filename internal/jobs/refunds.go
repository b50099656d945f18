package jobs

import (
	"context"
	"time"

	"github.com/carefund/carefund/internal/refund"
)

// The refund jobs, by name.
const (
	// RefundLedgerJob finishes the refund runs left half-ledgered (a crash
	// during StartRun): only the missing entries are posted.
	RefundLedgerJob = "refund-ledger"
	// RefundDispatchJob sends due refunds to their providers at the
	// providers' rate, and starts the runs of payments that arrived after
	// their channel closed (R-PUB-4).
	RefundDispatchJob = "refund-dispatch"
	// RefundPollJob asks the providers about refunds processing too long.
	RefundPollJob = "refund-poll"
)

// The refund jobs' schedules and batch sizes.
const (
	RefundLedgerEvery   = time.Minute
	RefundDispatchEvery = 5 * time.Second
	RefundPollEvery     = time.Minute
	refundDispatchBatch = 500
	refundPollBatch     = 500
)

// RefundJobs returns the refund jobs on s; changed is called when money
// went back (the public figures moved).
func RefundJobs(s *refund.Service, log interface {
	Info(msg string, args ...any)
}, changed func()) []Job {
	return []Job{
		{Name: RefundLedgerJob, Every: RefundLedgerEvery, Run: func(ctx context.Context) error {
			n, err := s.Resume(ctx)
			if n > 0 {
				log.Info("finished ledgering refund runs", "runs", n)
				changed()
			}
			return err
		}},
		{Name: RefundDispatchJob, Every: RefundDispatchEvery, Run: func(ctx context.Context) error {
			runs, err := s.RefundAfterClose(ctx)
			if len(runs) > 0 {
				log.Info("started refunds of payments after closing", "runs", len(runs))
			}
			if err != nil {
				return err
			}
			res, err := s.Dispatch(ctx, refundDispatchBatch)
			if res.Sent > 0 {
				log.Info("sent refunds", "sent", res.Sent, "succeeded", res.Succeeded, "processing", res.Processing,
					"retry", res.Retry, "charity", res.Charity, "quarantined", res.Quarantined, "failed", res.Failed)
				changed()
			}
			return err
		}},
		{Name: RefundPollJob, Every: RefundPollEvery, Run: func(ctx context.Context) error {
			n, err := s.Poll(ctx, refundPollBatch)
			if n > 0 {
				changed()
			}
			return err
		}},
	}
}
