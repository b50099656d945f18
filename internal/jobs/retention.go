package jobs

import (
	"context"
	"time"

	"github.com/carefund/carefund/internal/retention"
)

// RetentionJob anonymizes the personal data of requests completed longer
// ago than the retention period (R-PII-2).
const RetentionJob = "anonymize-personal-data"

// RetentionEvery is how often the retention job runs: daily, as a request
// falls due on a day.
const RetentionEvery = 24 * time.Hour

// retentionRuns bounds how many batches one run of the job takes: a
// backlog larger than that is finished by the next day's run.
const retentionRuns = 50

// Anonymize runs the retention service in batches of retention.Batch
// until nothing more is due or retentionRuns batches are done. Each request
// is its own transaction; running it again, or on two nodes at once,
// anonymizes nothing twice.
func Anonymize(ctx context.Context, s *retention.Service) (retention.Result, error) {
	var total retention.Result
	for range retentionRuns {
		res, err := s.Run(ctx, retention.Batch)
		total.Anonymized += res.Anonymized
		total.Skipped += res.Skipped
		total.Complaints += res.Complaints
		if err != nil || res.Anonymized+res.Skipped < retention.Batch && res.Complaints < retention.Batch {
			return total, err
		}
	}
	return total, nil
}
