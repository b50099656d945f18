package console

// The custody bank's console page (issue 14): the outbox of transfers
// with the payee masked (R-PII-1), the outcomes the bank reported for
// transfers the platform never sent, and for finance the actions that run
// the money jobs once and, with the sandbox bank only, move its clock to
// the next working day's opening, so that a demonstration or a test sees
// transfers paid, returned and statements produced without waiting. Every
// action is in the audit log.

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/bank"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/web"
)

// MoneyJob runs one of the money jobs once and says what it did, for the
// audit log and the page (in words of the catalog: key and arguments).
type MoneyJob func(ctx context.Context) (key string, args []any, err error)

// transfersShown bounds the outbox's list to the newest transfers.
const transfersShown = 500

// fundingsShown bounds the list of refund top-ups to the newest.
const fundingsShown = 100

// bankNotices are the notices a redirect after an action may ask for.
var bankNotices = map[string]string{"advanced": "money.bank.notice.advanced"}

func (c *Console) bankPage(w http.ResponseWriter, r *http.Request) error {
	p, err := c.bankView(r)
	if err != nil {
		return err
	}
	if key, ok := bankNotices[site.Params(r).Get("done")]; ok {
		p.Notice = i18n.T(lang(r), key, p.SandboxNow)
	}
	return c.render(w, r, p)
}

func (c *Console) bankView(r *http.Request) (web.StaffBank, error) {
	l := lang(r)
	p := web.StaffBank{CanRun: c.may(r, "POST /staff/bank/settle")}
	if c.Bank == nil {
		return p, apperr.New(apperr.NotFound, "")
	}
	p.Bank = c.Bank.Bank.Name()
	if c.BankSandbox != nil {
		p.Sandbox, p.SandboxNow = true, site.Minute(c.BankSandbox.Now())
	}
	ts, err := c.Bank.Transfers(r.Context())
	if err != nil {
		return p, err
	}
	// Newest first: the day's work is at the top.
	first := 0
	if len(ts) > transfersShown {
		first = len(ts) - transfersShown
		p.OlderTransfers = first
	}
	for i := len(ts) - 1; i >= first; i-- {
		t := ts[i]
		status := string(t.Status)
		if !t.Status.Valid() {
			status = "none" // the bank has not answered yet
		}
		p.Transfers = append(p.Transfers, web.TransferRow{ID: t.ID, Payout: payoutOf(t.ID), Amount: money.Fen(t.Amount).Format(l),
			Payee: t.AccountMasked, Sent: t.Sent, Status: status})
	}
	qs, err := c.Bank.Quarantined(r.Context())
	if err != nil {
		return p, err
	}
	for _, o := range qs {
		p.Quarantined = append(p.Quarantined, web.OutcomeRow{Transfer: o.TransferID, Status: string(o.Status), Reason: o.Reason, At: site.Minute(o.At)})
	}
	if c.RefundFund != nil {
		fs, err := c.RefundFund.List(r.Context(), fundingsShown)
		if err != nil {
			return p, err
		}
		for _, f := range fs {
			at := f.CreatedAt
			if !f.EndedAt.IsZero() {
				at = f.EndedAt
			}
			p.Fundings = append(p.Fundings, web.FundingRow{Transfer: f.TransferID, Provider: f.Provider, Amount: f.Amount.Format(l),
				Due: f.Due.Format(l), Balance: f.Balance.Format(l), State: string(f.State), At: site.Minute(at)})
		}
	}
	return p, nil
}

// payoutOf reads the payout's number from a transfer id "CFPO<payout>A<attempt>".
func payoutOf(id string) string {
	rest, ok := strings.CutPrefix(id, "CFPO")
	if !ok {
		return ""
	}
	n, _, ok := strings.Cut(rest, "A")
	if !ok {
		return ""
	}
	return n
}

// advanceBank moves the sandbox bank's clock to the next working day's
// opening (09:00 China time): transfers due by then are executed when the
// bank is next asked, and the days passed have statements. A real bank
// has no such button: the route answers 404 there.
func (c *Console) advanceBank(w http.ResponseWriter, r *http.Request) error {
	if c.BankSandbox == nil {
		return apperr.New(apperr.NotFound, "")
	}
	if err := site.ReadForm(r); err != nil {
		return err
	}
	from := c.BankSandbox.Now()
	to := bank.NextWorkingOpening(from)
	err := c.Auditor.Act(r, "bank:sandbox", "", func(rec audit.Record) error {
		rec.Detail = "sandbox clock " + from.In(bank.Zone).Format(time.RFC3339) + " → " + to.In(bank.Zone).Format(time.RFC3339)
		if err := c.Log.Add(r.Context(), rec); err != nil {
			return err
		}
		c.BankSandbox.Advance(to.Sub(from))
		return nil
	})
	if err != nil {
		return err
	}
	return site.Redirect(w, r, "/staff/bank?done=advanced")
}

// settleNow runs the settlement job once.
func (c *Console) settleNow(w http.ResponseWriter, r *http.Request) error {
	return c.runMoneyJob(w, r, "job:settle-providers", c.SettleNow)
}

// fetchStatementsNow runs the statement job once.
func (c *Console) fetchStatementsNow(w http.ResponseWriter, r *http.Request) error {
	return c.runMoneyJob(w, r, "job:import-statements", c.ImportNow)
}

// runMoneyJob runs job once, records it, and shows the outbox page with
// what it did, or why it failed.
func (c *Console) runMoneyJob(w http.ResponseWriter, r *http.Request, object string, job MoneyJob) error {
	if job == nil {
		return apperr.New(apperr.NotFound, "")
	}
	if err := site.ReadForm(r); err != nil {
		return err
	}
	var key string
	var args []any
	err := c.Auditor.Act(r, object, "", func(rec audit.Record) error {
		var err error
		key, args, err = job(r.Context())
		if err != nil {
			return err
		}
		rec.Detail = site.AuditText(i18n.T(i18n.EN, key, args...), 200)
		return c.Log.Add(r.Context(), rec)
	})
	p, verr := c.bankView(r)
	if verr != nil {
		return verr
	}
	if err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) {
			// A job's failure is the bank's or the provider's: say so on
			// the page, and keep the details for the log.
			if c.Auditor.Logger != nil {
				c.Auditor.Logger.Error("running a money job from the console", "job", object, "err", err)
			}
			p.Message = i18n.T(lang(r), "money.bank.job_failed")
		} else {
			p.Message = i18n.T(lang(r), ae.Key, ae.Args...)
		}
		return c.Pages.RenderStatus(w, r, http.StatusServiceUnavailable, p)
	}
	p.Notice = i18n.T(lang(r), key, args...)
	return c.render(w, r, p)
}
