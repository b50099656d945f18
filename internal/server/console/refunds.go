package console

// The refund console (issue 15): every refund run with its progress, a
// run's detail that reloads itself while the run goes on, the refunds a
// provider could not pay back with the form that gives one to charity
// (R-CHAR-1), the providers' answers that were set aside, and for finance
// the form that records a request's purpose as achieved or gone so that
// its unspent balance goes back to its donors pro rata (R-REF-1). Only
// finance acts (R-STAFF-1); admins and auditors read.

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/refund"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/web"
)

// runsListed bounds the list of runs to the newest; attentionShown the
// refunds of a run that need a look; quarantineShown the answers set aside.
const (
	runsListed      = 100
	attentionShown  = 200
	quarantineShown = 100
)

var refundNotices = map[string]string{"started": "refund.console.notice.started", "given": "refund.console.notice.given"}

// newRunKey returns the one-time key of a form that starts a run: a
// second submission of the same form returns the first run.
func newRunKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func percent(n, of int64) int {
	if of <= 0 {
		return 0
	}
	return int(n * 100 / of)
}

func (c *Console) runRow(l i18n.Lang, run refund.Run) web.StaffRunRow {
	p := run.Progress
	done := p.Succeeded.N + p.ToCharity.N
	return web.StaffRunRow{ID: run.ID, Request: run.RequestID, Cause: string(run.Cause), State: string(run.State),
		Amount: run.Amount.Format(l), Refunds: run.Refunds, Done: done, Total: run.Refunds, Percent: percent(done, run.Refunds),
		Failing: p.Retrying.N, Actor: run.Actor, At: site.Minute(run.CreatedAt)}
}

func (c *Console) refundsPage(w http.ResponseWriter, r *http.Request) error {
	p, err := c.refundsView(r, web.Form{}, newRunKey())
	if err != nil {
		return err
	}
	if key, ok := refundNotices[site.Params(r).Get("done")]; ok {
		p.Notice = i18n.T(lang(r), key, site.Params(r).Get("run"))
	}
	return c.render(w, r, p)
}

func (c *Console) refundsView(r *http.Request, start web.Form, key string) (web.StaffRefunds, error) {
	if c.Refunds == nil {
		return web.StaffRefunds{}, apperr.New(apperr.NotFound, "")
	}
	l := lang(r)
	p := web.StaffRefunds{CanStart: c.may(r, "POST /staff/refunds"), Start: start, Key: key}
	runs, err := c.Refunds.Runs(r.Context(), refund.RunFilter{Limit: runsListed})
	if err != nil {
		return p, err
	}
	for _, run := range runs {
		// The list shows each run's progress: one read per run, for at
		// most runsListed runs.
		full, err := c.Refunds.Run(r.Context(), run.ID)
		if err != nil {
			return p, err
		}
		p.Runs = append(p.Runs, c.runRow(l, full))
	}
	qs, err := c.Refunds.Quarantined(r.Context(), quarantineShown)
	if err != nil {
		return p, err
	}
	for _, q := range qs {
		p.Quarantined = append(p.Quarantined, web.RefundQuarantineRow{Provider: q.Provider, RefundNo: q.RefundNo, Reason: q.Reason,
			State: q.State, Amount: q.Amount.Format(l), Order: q.OrderNo, At: site.Minute(q.ReceivedAt)})
	}
	return p, nil
}

// startRun records, for finance, that a request's purpose was achieved or
// is gone, and starts the run that refunds its unspent balance pro rata
// (R-REF-1). The form's one-time key makes a double submission one run.
func (c *Console) startRun(w http.ResponseWriter, r *http.Request) error {
	values, err := site.Posted(r, "request", "reason", "key")
	if err != nil {
		return err
	}
	key := values["key"]
	if key == "" || len(key) > 64 {
		key = newRunKey()
	}
	again := func(refusal error) error {
		return reshow(c, w, r, refusal, values, func(f web.Form) (web.StaffRefunds, error) { return c.refundsView(r, f, key) })
	}
	id, perr := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(values["request"]), "#")), 10, 64)
	var fields []apperr.FieldError
	if perr != nil || id <= 0 {
		fields = append(fields, apperr.FieldError{Field: "request", Key: "refund.console.request_invalid"})
	}
	reason := strings.TrimSpace(values["reason"])
	if reason == "" {
		fields = append(fields, apperr.FieldError{Field: "reason", Key: "refund.console.reason_required"})
	}
	if fields != nil {
		return again(&apperr.Error{Code: apperr.Invalid, Key: "refund.input_invalid", Fields: fields})
	}
	var run refund.Run
	err = c.Auditor.Act(r, "request:"+strconv.FormatInt(id, 10), "purpose ended: "+site.AuditText(reason, 200), func(rec audit.Record) error {
		if c.Refunds == nil {
			return apperr.New(apperr.NotFound, "")
		}
		run, err = c.Refunds.StaffDeclarePurposeEnded(r.Context(), rec.Actor, id, reason, "staff:"+key)
		return err
	})
	if err != nil {
		if e := apperr.As(err); e != nil && e.Code == apperr.NotFound {
			err = &apperr.Error{Code: apperr.Invalid, Key: "refund.input_invalid",
				Fields: []apperr.FieldError{{Field: "request", Key: "refund.console.request_unknown"}}}
		}
		return again(err)
	}
	return site.Redirect(w, r, "/staff/refunds/"+strconv.FormatInt(run.ID, 10)+"?done=started")
}

func (c *Console) refundRunPage(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	p, err := c.refundRunView(r, id, 0, web.Form{})
	if err != nil {
		return err
	}
	if key, ok := refundNotices[site.Params(r).Get("done")]; ok {
		p.Notice = i18n.T(lang(r), key, id)
	}
	return c.render(w, r, p)
}

func (c *Console) refundRunView(r *http.Request, id, refused int64, f web.Form) (web.StaffRefundRun, error) {
	if c.Refunds == nil {
		return web.StaffRefundRun{}, apperr.New(apperr.NotFound, "")
	}
	l := lang(r)
	run, err := c.Refunds.Run(r.Context(), id)
	if err != nil {
		return web.StaffRefundRun{}, err
	}
	p := web.StaffRefundRun{Run: c.runRow(l, run), Reason: run.Reason, Live: run.State != refund.RunFinished,
		CanGive: c.may(r, "POST /staff/refunds/{id}/charity")}
	if !run.LedgeredAt.IsZero() {
		p.Ledgered = site.Minute(run.LedgeredAt)
	}
	if !run.FinishedAt.IsZero() {
		p.Finished = site.Minute(run.FinishedAt)
	}
	pr := run.Progress
	for _, s := range []struct {
		key string
		c   refund.Count
	}{
		{"refund.step.planned", pr.Planned}, {"refund.step.ledgered", pr.Ledgered}, {"refund.step.sent", pr.Sent},
		{"refund.step.processing", pr.Processing}, {"refund.step.succeeded", pr.Succeeded},
		{"refund.step.retrying", pr.Retrying}, {"refund.step.to_charity", pr.ToCharity},
	} {
		p.Steps = append(p.Steps, web.RefundStep{Key: s.key, N: s.c.N, Amount: s.c.Fen.Format(l), Percent: percent(s.c.N, run.Refunds)})
	}
	rs, err := c.Refunds.Attention(r.Context(), id, attentionShown)
	if err != nil {
		return p, err
	}
	for _, x := range rs {
		row := web.RefundAttentionRow{ID: x.ID, Donation: x.DonationID, Provider: x.Provider, Amount: x.Amount.Format(l),
			State: string(x.State), Attempt: x.Attempt, RefundNo: x.RefundNo, LastError: x.LastError,
			CanGive: x.State == refund.Abnormal || x.State == refund.Retrying}
		if !x.NextAt.IsZero() && (x.State == refund.Abnormal || x.State == refund.Retrying) {
			row.NextAt = site.Minute(x.NextAt)
		}
		if x.ID == refused {
			row.Give = f
		}
		p.Attention = append(p.Attention, row)
	}
	return p, nil
}

// giveToCharity is a finance officer deciding that a refund the provider
// could not pay back will not be tried again, and giving its money to
// charity now (R-CHAR-1), with a reason, audited.
func (c *Console) giveToCharity(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	values, err := site.Posted(r, "refund", "reason")
	if err != nil {
		return err
	}
	rid, _ := strconv.ParseInt(values["refund"], 10, 64)
	again := func(refusal error) error {
		return reshow(c, w, r, refusal, values, func(f web.Form) (web.StaffRefundRun, error) { return c.refundRunView(r, id, rid, f) })
	}
	reason := strings.TrimSpace(values["reason"])
	if reason == "" {
		return again(&apperr.Error{Code: apperr.Invalid, Key: "refund.input_invalid",
			Fields: []apperr.FieldError{{Field: "reason", Key: "refund.console.reason_required"}}})
	}
	err = c.Auditor.Act(r, "refund:"+strconv.FormatInt(rid, 10), site.AuditText(reason, 200), func(rec audit.Record) error {
		if c.Refunds == nil {
			return apperr.New(apperr.NotFound, "")
		}
		return c.Refunds.GiveToCharity(r.Context(), rec, id, rid, reason)
	})
	if err != nil {
		return again(err)
	}
	return site.Redirect(w, r, "/staff/refunds/"+strconv.FormatInt(id, 10)+"?done=given")
}
