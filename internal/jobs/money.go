package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/bank"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/payment/wechatpay"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/reconcile"
)

// The money jobs, by name: what comes into custody is posted, and what the
// bank says happened is held against the ledger, without anyone running a
// command (R-FUND-1, R-FUND-4).
const (
	// SettleProvidersJob books each payment provider's settlement of a
	// day into custody.
	SettleProvidersJob = "settle-providers"
	// ImportStatementsJob reconciles each custody statement the bank has
	// produced since the last one reconciled.
	ImportStatementsJob = "import-statements"
)

// MoneyEvery is how often the money jobs look for new settlements and
// statements. Both come once a day; a quarter of an hour after the bank or
// the provider has one is soon enough, and asking more often only costs
// requests to the provider.
const MoneyEvery = 15 * time.Minute

// MoneyLookback is how many days back the money jobs look when nothing has
// been reconciled yet, and how far back settlement always looks: a
// settlement already posted is a replay that posts nothing, so looking
// again is harmless, and a server that was down for a few days catches up.
const MoneyLookback = 7

// maxStatementDays bounds the statements one run of the import job
// reconciles; the next run goes on from the last.
const maxStatementDays = 40

// MoneyJobs returns the settlement and statement jobs.
func MoneyJobs(p *platform.Platform) []Job {
	return []Job{
		{Name: SettleProvidersJob, Every: MoneyEvery, Run: func(ctx context.Context) error {
			res, err := SettleProviders(ctx, p)
			if res.Posted+res.Quarantined > 0 {
				p.Log.Info("settled provider settlements into custody", "posted", res.Posted, "replayed", res.Replayed, "quarantined", res.Quarantined)
			}
			return err
		}},
		{Name: ImportStatementsJob, Every: MoneyEvery, Run: func(ctx context.Context) error {
			res, err := ImportStatements(ctx, p)
			if res.Runs > 0 {
				p.Log.Info("reconciled custody statements", "runs", res.Runs, "differences", res.Differences)
			}
			return err
		}},
	}
}

// SettleResult counts what one run of the settlement job did.
type SettleResult struct {
	// Days is how many provider-days were looked at.
	Days int
	// Posted, Replayed and Quarantined count the settlements found:
	// newly posted, posted before, and set aside because another file
	// was posted under their reference.
	Posted, Replayed, Quarantined int
}

// chinaDay is the calendar date of t in China, at midnight UTC, as the
// providers and the bank date their files.
func chinaDay(t time.Time) time.Time { return bank.Day(t) }

// SettleProviders books each provider's settlement of the last
// MoneyLookback days up to yesterday (China time) into custody: the money
// at the bank (the sandbox bank's Credit, idempotent by reference; a real
// bank receives it by itself), then the ledger entry custody:<ref>
// (reconcile.Service.Settle, exactly once). Every calendar day is looked
// at, weekends too: a donation paid on a Saturday is settled too. Running
// it twice, or on two nodes, posts nothing twice: the bank books a
// reference once and the ledger keys the entry by it. A second, different
// file under a posted reference is quarantined by Settle, counted, and
// shown in the reconciliation console as a difference.
func SettleProviders(ctx context.Context, p *platform.Platform) (SettleResult, error) {
	var res SettleResult
	if p.Reconcile == nil {
		return res, nil
	}
	today := chinaDay(p.Now())
	var wc *wechatpay.Client
	for _, pr := range p.Providers {
		if c, ok := pr.(*wechatpay.Client); ok {
			wc = c
		}
	}
	var errs []error
	for i := MoneyLookback; i >= 1; i-- {
		day := today.AddDate(0, 0, -i)
		if p.Sandbox != nil {
			res.Days++
			st, ok, err := p.Sandbox.Settlement(ctx, day)
			switch {
			case err != nil:
				errs = append(errs, fmt.Errorf("sandbox settlement of %s: %w", day.Format(time.DateOnly), err))
			case ok:
				if err := settle(ctx, p, st, &res); err != nil {
					errs = append(errs, err)
				}
			}
		}
		if wc != nil {
			res.Days++
			st, err := weChatSettlement(ctx, wc, day)
			switch {
			case errors.Is(err, errNoBill):
			case err != nil:
				errs = append(errs, fmt.Errorf("WeChat Pay settlement of %s: %w", day.Format(time.DateOnly), err))
			default:
				if err := settle(ctx, p, st, &res); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	return res, errors.Join(errs...)
}

// errNoBill: the provider has no bill for the day (yet, or ever).
var errNoBill = errors.New("no bill for the day")

// weChatSettlement downloads WeChat Pay's two bills of day and makes the
// settlement they describe.
func weChatSettlement(ctx context.Context, c *wechatpay.Client, day time.Time) (payment.Settlement, error) {
	trade, err := c.TradeBill(ctx, day)
	if err != nil {
		return payment.Settlement{}, noBill(err)
	}
	if len(trade.Lines) == 0 {
		// Nothing was paid or refunded that day: nothing was withdrawn
		// into custody either.
		return payment.Settlement{}, errNoBill
	}
	fund, err := c.FundFlowBill(ctx, day)
	if err != nil {
		return payment.Settlement{}, noBill(err)
	}
	return wechatpay.Settlement(day, trade, fund)
}

// noBill turns WeChat Pay's answer for a day with no bill (no payment that
// day, or not produced yet: bills are ready after 10:00 the next day) into
// errNoBill.
func noBill(err error) error {
	var ae *wechatpay.APIError
	if errors.As(err, &ae) && (ae.Code == "NO_STATEMENT_EXIST" || ae.Code == "STATEMENT_CREATING") {
		return errNoBill
	}
	return err
}

// settle books one settlement at the bank and in the ledger.
func settle(ctx context.Context, p *platform.Platform, st payment.Settlement, res *SettleResult) error {
	if p.Bank != nil && st.Net > 0 {
		err := p.Bank.Bank.Credit(ctx, bank.Credit{Reference: st.Ref, Amount: st.Net, From: st.Provider,
			Remittance: "settlement " + st.Ref})
		if err != nil && !errors.Is(err, bank.ErrUnsupported) {
			return fmt.Errorf("settlement %s at the bank: %w", st.Ref, err)
		}
	}
	out, err := p.Reconcile.Settle(ctx, st)
	switch {
	case errors.Is(err, reconcile.ErrSettlementQuarantined):
		res.Quarantined++
		p.Log.Warn("a settlement file conflicts with the one posted under its reference; set aside, not credited",
			"reference", st.Ref, "difference", out.Difference)
		return nil
	case err != nil:
		return fmt.Errorf("settlement %s: %w", st.Ref, err)
	case out.Replayed:
		res.Replayed++
	default:
		res.Posted++
	}
	return nil
}

// ImportResult counts what one run of the statement job did.
type ImportResult struct {
	// Runs is how many statements were reconciled (replays not counted),
	// Differences how many differences they opened.
	Runs, Differences int
}

// StatementActor is the audit log's actor of the statement job's imports.
const StatementActor = "system"

// ImportStatements reconciles (reconcile.Service.Import) the custody
// statement of each day that is over at the bank, from the day after the
// last reconciled statement's period (or MoneyLookback days ago) to
// yesterday, so that differences reach the console without anyone running
// a command (R-FUND-4). A day the bank has no statement for (a holiday, a
// sandbox day before it existed) is passed over: the next statement's run
// covers it, as runs chain. Running it twice, or on two nodes, reconciles
// nothing twice: a statement is known by the hash of its content, and a
// second import of it is a replay. It stops at the first refusal (another
// account's statement, another file under a known id), which the service
// records and the job's failure logs: later days must not be reconciled
// past a gap. The next run tries again, and records the refusal again,
// until the bank's file is put right.
func ImportStatements(ctx context.Context, p *platform.Platform) (ImportResult, error) {
	var res ImportResult
	if p.Reconcile == nil || p.Bank == nil {
		return res, nil
	}
	today := chinaDay(p.Now())
	if p.BankSandbox != nil {
		// The sandbox's clock may run ahead of the platform's (the
		// console's "advance" action): its days are over when it says.
		today = chinaDay(p.BankSandbox.Now())
	}
	from := today.AddDate(0, 0, -MoneyLookback)
	last, ok, err := p.Reconcile.LastReconciled(ctx)
	if err != nil {
		return res, err
	}
	if ok {
		from = last.To.AddDate(0, 0, 1)
	}
	for day, n := from, 0; day.Before(today) && n < maxStatementDays; day, n = day.AddDate(0, 0, 1), n+1 {
		st, err := p.Bank.Bank.Statement(ctx, day)
		if apperr.CodeOf(err) == apperr.NotFound {
			continue
		}
		if err != nil {
			return res, fmt.Errorf("statement of %s: %w", day.Format(time.DateOnly), err)
		}
		hash, err := StatementHash(st)
		if err != nil {
			return res, err
		}
		rec := audit.Record{Actor: StatementActor, Action: "reconcile.import", Result: audit.ResultOK, Detail: ImportStatementsJob}
		run, err := p.Reconcile.Import(ctx, rec, st, hash, nil)
		if err != nil {
			return res, fmt.Errorf("statement of %s: %w", day.Format(time.DateOnly), err)
		}
		if !run.Replayed {
			res.Runs++
			res.Differences += run.Differences
		}
	}
	return res, nil
}

// StatementHash identifies a statement the bank handed over as data
// rather than a file (the sandbox's): the SHA-256 of its content, so that
// the same statement asked for twice is the same import, and a statement
// that changed under its id is refused as a conflict.
func StatementHash(st any) (string, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
