package console

import (
	"context"

	"github.com/carefund/carefund/internal/jobs"
	"github.com/carefund/carefund/internal/platform"
)

// SettleJob is the settlement job (jobs.SettleProviders) as the console's
// "settle now" runs it once. A run from the console and the scheduled run
// at the same moment are safe together, as the job's runs on two nodes are.
func SettleJob(p *platform.Platform) MoneyJob {
	return func(ctx context.Context) (string, []any, error) {
		res, err := jobs.SettleProviders(ctx, p)
		return "money.bank.notice.settled", []any{res.Posted, res.Replayed, res.Quarantined}, err
	}
}

// ImportJob is the statement job (jobs.ImportStatements) as the console's
// "fetch statements now" runs it once.
func ImportJob(p *platform.Platform) MoneyJob {
	return func(ctx context.Context) (string, []any, error) {
		res, err := jobs.ImportStatements(ctx, p)
		return "money.bank.notice.imported", []any{res.Runs, res.Differences}, err
	}
}
