package jobs

import "github.com/carefund/carefund/internal/payout"

// PayoutsExecutor adapts payout service s to the bank jobs, as the platform's
// jobs do, for DispatchPayouts and PollPayouts run outside the job runner
// (the demonstration data's payouts, on a clock of their own).
func PayoutsExecutor(s *payout.Service) PayoutExecutor {
	return payoutExecutor{s: s, changed: func() {}}
}
