package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/carefund/carefund/internal/termination"
)

// TerminationFollowUpJob carries out what an approved termination does
// after its commit, when the process that approved it died before (or the
// refund service refused): the recovery receivable and the refund run, each
// once by its key (R-REF-2).
const TerminationFollowUpJob = "termination-follow-up"

// TerminationFollowUpEvery is how often the job looks for terminations
// whose follow-up is not done.
const TerminationFollowUpEvery = time.Minute

// followUpsPerRun bounds the terminations one run follows up.
const followUpsPerRun = 100

// TerminationFollowUp follows up to followUpsPerRun approved terminations
// not yet followed up, and returns how many it completed without error. A
// failure of one does not stop the others; the errors are returned joined.
func TerminationFollowUp(ctx context.Context, s *termination.Service) (int, error) {
	ids, err := s.Pending(ctx, followUpsPerRun)
	if err != nil {
		return 0, err
	}
	var errs []error
	done := 0
	for _, id := range ids {
		if err := s.FollowUp(ctx, id); err != nil {
			errs = append(errs, err)
			continue
		}
		done++
	}
	return done, errors.Join(errs...)
}
