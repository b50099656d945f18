package ledger

import (
	"errors"

	"github.com/carefund/carefund/internal/metrics"
)

type ledgerMetrics struct {
	posted, replayed, refused *metrics.CounterVec
	batches, batchRetries     *metrics.CounterVec
	batchSize, commitSeconds  *metrics.HistogramVec
}

func newLedgerMetrics(reg *metrics.Registry) ledgerMetrics {
	if reg == nil {
		reg = metrics.NewRegistry()
	}
	return ledgerMetrics{
		posted:   reg.Counter("carefund_ledger_entries_posted_total", "Ledger entries written."),
		replayed: reg.Counter("carefund_ledger_entries_replayed_total", "Posts of a key already written, answered with the first entry."),
		refused: reg.Counter("carefund_ledger_entries_refused_total",
			"Ledger entries refused, by reason.", "reason"),
		batches: reg.Counter("carefund_ledger_batches_total", "Group-commit transactions committed."),
		batchRetries: reg.Counter("carefund_ledger_batch_retries_total",
			"Batches whose transaction failed and whose entries were retried one by one."),
		batchSize: reg.Histogram("carefund_ledger_batch_entries", "Entries per group-commit transaction.",
			[]float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512}),
		commitSeconds: reg.Histogram("carefund_ledger_commit_seconds",
			"Time to write and commit one batch, sync included.", metrics.DefaultLatencyBuckets),
	}
}

func (m ledgerMetrics) count(r result) {
	switch {
	case r.err == nil && r.posted.Replayed:
		m.replayed.With().Inc()
	case r.err == nil:
		m.posted.With().Inc()
	case errors.Is(r.err, ErrInsufficientFunds):
		m.refused.With("insufficient_funds").Inc()
	case errors.Is(r.err, ErrKeyReused):
		m.refused.With("key_reused").Inc()
	case errors.Is(r.err, ErrAlreadyReversed):
		m.refused.With("already_reversed").Inc()
	case errors.Is(r.err, ErrInvalid):
		m.refused.With("invalid").Inc()
	default:
		m.refused.With("error").Inc()
	}
}
