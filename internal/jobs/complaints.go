package jobs

import (
	"context"
	"time"

	"github.com/carefund/carefund/internal/complaint"
)

// ComplaintClocksJob escalates the complaints whose clock ran out
// (R-COMP-2): not acknowledged within 1 working day, or not handled within
// 7. Each clock escalates once; running the job twice changes nothing more.
const ComplaintClocksJob = "complaint-clocks"

// ComplaintClocksEvery is how often the job looks: a clock runs out at
// midnight in Shanghai, and a minute late is still that day.
const ComplaintClocksEvery = time.Minute

// EscalateComplaints runs one round of the escalation and returns how many
// clocks it escalated.
func EscalateComplaints(ctx context.Context, s *complaint.Service) (int, error) {
	return s.Escalate(ctx)
}
