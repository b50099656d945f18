package console

// The finance console of payouts (拨付): the queue with the R-DISB-1 clocks,
// overdue applications first and accounts shared across unrelated requests
// flagged (R-REF-3); one application with its documents, the account masked
// unless an officer asks to see it, which is audited on its own (R-PII-1);
// and the decisions: take, ask for more, reject with a reason, and approve,
// first by the officer who took it and second by another (R-STAFF-1, four
// eyes). The rules and their refusals are package payout's; the handlers
// translate, and every action goes through Auditor.Act so that the service
// appends its record in the transaction that does it.

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/payout"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/web"
)

// payoutPattern is the route of an application's page: only who may open
// it is sent back to it after an action.
const payoutPattern = "GET /staff/payouts/{id}"

func payoutObject(id int64) string { return "payout:" + strconv.FormatInt(id, 10) }

// payoutDone returns the notice of a finished action named in the query.
func payoutDone(l i18n.Lang, r *http.Request) string {
	done := site.Params(r).Get("done")
	key := "payoutpages.done." + done
	if done == "" || !i18n.Has(key) {
		return ""
	}
	return i18n.T(l, key)
}

// staffNames maps staff ids to usernames, for who holds and approved what.
func (c *Console) staffNames(ctx context.Context) (map[int64]string, error) {
	if c.Staff == nil {
		return map[int64]string{}, nil
	}
	members, err := c.Staff.Members(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(members))
	for _, m := range members {
		names[m.ID] = m.Username
	}
	return names, nil
}

// flagTexts says each flag of an application in words.
func flagTexts(l i18n.Lang, flags []payout.Flag) []string {
	var out []string
	for _, f := range flags {
		if f.Kind == payout.FlagSharedAccount {
			reqs := make([]string, 0, len(f.Requests))
			for _, id := range f.Requests {
				reqs = append(reqs, "#"+strconv.FormatInt(id, 10))
			}
			out = append(out, i18n.T(l, "payoutpages.flag.shared", strings.Join(reqs, ", ")))
		}
	}
	return out
}

// clockKey names an R-DISB-1 clock.
func clockKey(k payout.Clock) string {
	if k == payout.NoClock {
		return ""
	}
	return "payoutpages.clock." + string(k)
}

// dueOf is when the running clock of p ends, as text, or "".
func dueOf(p payout.Payout) string {
	switch {
	case !p.PaymentDue.IsZero():
		return site.Minute(p.PaymentDue)
	case !p.ReviewDue.IsZero():
		return site.Minute(p.ReviewDue)
	}
	return ""
}

// payoutQueue lists the applications finance works on, overdue first. Who
// may not open an application (an admin or auditor reading the queue) sees
// no links.
func (c *Console) payoutQueue(w http.ResponseWriter, r *http.Request) error {
	l, self := lang(r), me(r)
	q, err := c.Payouts.Queue(r.Context())
	if err != nil {
		return err
	}
	names, err := c.staffNames(r.Context())
	if err != nil {
		return err
	}
	p := web.StaffPayouts{CanOpen: c.may(r, payoutPattern)}
	for _, st := range payout.States {
		if n := q.Counts[st]; n > 0 {
			p.Counts = append(p.Counts, web.CountRow{StateKey: st.NameKey(), N: n})
		}
	}
	for _, x := range q.Rows {
		row := web.StaffPayoutRow{ID: x.ID, RequestID: x.RequestID, Amount: x.Amount.Format(l), StateKey: x.State.NameKey(),
			PayeeKey: x.Payee.NameKey(), Hospital: x.HospitalName, AccountMasked: x.AccountMasked,
			Submitted: site.Minute(x.CreatedAt), Due: dueOf(x.Payout), Overdue: x.Clock != payout.NoClock,
			ClockKey: clockKey(x.Clock), Claimant: names[x.Claimant], Mine: x.Claimant != 0 && x.Claimant == self.ID,
			FirstDone: x.FirstApprover != 0 && x.State == payout.InReview, Paused: x.State == payout.NeedsInfo}
		if row.Overdue {
			row.Due = site.Minute(x.Due)
		}
		row.Shared = strings.Join(flagTexts(l, x.Flags), " ")
		p.Rows = append(p.Rows, row)
	}
	return c.render(w, r, p)
}

// payoutView reads application id for the signed-in officer with rec and
// builds its page.
func (c *Console) payoutView(r *http.Request, rec audit.Record, id int64) (web.StaffPayout, error) {
	l, self := lang(r), me(r)
	v, err := c.Payouts.View(r.Context(), rec, id, *self)
	if err != nil {
		return web.StaffPayout{}, err
	}
	names, err := c.staffNames(r.Context())
	if err != nil {
		return web.StaffPayout{}, err
	}
	more, err := c.Payouts.Attached(r.Context(), id)
	if err != nil {
		return web.StaffPayout{}, err
	}
	p := web.StaffPayout{ID: v.ID, RequestID: v.RequestID, RequestTitle: v.RequestTitle, StateKey: v.State.NameKey(),
		Amount: v.Amount.Format(l), Purpose: v.Purpose, PayeeKey: v.Payee.NameKey(), Hospital: v.HospitalName,
		BankName: v.BankName, AccountMasked: v.AccountMasked, Batch: v.Batch, ModeKey: v.Mode.NameKey(),
		ModeNowKey: v.ModeNow.Mode.NameKey(), ModeNowReason: i18n.T(l, v.ModeNow.Key, v.ModeNow.Args...),
		Question: v.Question, Reason: v.Reason, Flags: flagTexts(l, v.Flags), Submitted: site.Minute(v.CreatedAt),
		Due: dueOf(v.Payout), Overdue: v.Clock != payout.NoClock, ClockKey: clockKey(v.Clock),
		Claimant: names[v.Claimant], FirstApprover: names[v.FirstApprover], SecondApprover: names[v.SecondApprover]}
	if p.Overdue {
		p.Due = site.Minute(v.Due)
	}
	if v.Relationship != "" {
		p.RelationshipKey = v.Relationship.NameKey()
	}
	if v.DesignatedBy != "" {
		p.DesignatedKey = "payoutpages.designator." + string(v.DesignatedBy)
	}
	seen := map[int64]bool{}
	for _, m := range append(append([]int64{}, v.Materials...), more...) {
		if !seen[m] {
			seen[m] = true
			p.Documents = append(p.Documents, m)
		}
	}
	for _, e := range v.Events {
		row := web.PayoutEventRow{At: site.Minute(e.At), Actor: actorName(l, e.Actor, names), ToKey: e.To.NameKey(),
			Event: string(e.Event), Text: e.Text}
		if e.From != "" {
			row.FromKey = e.From.NameKey()
		}
		p.Events = append(p.Events, row)
	}
	inReview := v.State == payout.InReview
	p.Mine = v.Claimant != 0 && v.Claimant == self.ID
	p.CanClaim = v.State == payout.Requested
	p.CanDecide = inReview && p.Mine && v.FirstApprover == 0
	// The claimant may reject while the applicant owes an answer too.
	p.CanReject = p.CanDecide || v.State == payout.NeedsInfo && p.Mine
	p.FirstMine = inReview && v.FirstApprover == self.ID
	p.CanSecond = inReview && v.FirstApprover != 0 && !p.FirstMine && !p.Mine
	return p, nil
}

// actorName shows an actor of the payout's history: a staff member by
// username, a public user as the applicant.
func actorName(l i18n.Lang, actor string, names map[int64]string) string {
	if id, ok := strings.CutPrefix(actor, "staff:"); ok {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil && names[n] != "" {
			return names[n]
		}
	}
	if strings.HasPrefix(actor, "user:") {
		return i18n.T(l, "payoutpages.applicant")
	}
	return actor
}

// payoutPage shows one application, masked; the view is in the audit log
// in the transaction that read it.
func (c *Console) payoutPage(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	var p web.StaffPayout
	if err := c.Auditor.Act(r, payoutObject(id), "", func(rec audit.Record) (err error) {
		p, err = c.payoutView(r, rec, id)
		return err
	}); err != nil {
		return err
	}
	p.Notice = payoutDone(lang(r), r)
	return c.render(w, r, p)
}

// reshowPayout answers a refused action with the application's page and
// the message (a four-eyes refusal says who must act instead). The page is
// a view of its own in the audit log.
func (c *Console) reshowPayout(w http.ResponseWriter, r *http.Request, id int64, refusal error, values map[string]string) error {
	return reshow(c, w, r, refusal, values, func(f web.Form) (web.StaffPayout, error) {
		rec := c.Auditor.Record(r, c.Access.Action(payoutPattern), payoutObject(id), "after "+c.Access.Action(r.Pattern), nil)
		p, err := c.payoutView(r, rec, id)
		p.Form = f
		return p, err
	})
}

// payoutAction runs one decision on the application of the path: fn calls
// the payout service with the action's audit record; then back to the
// page with the notice done, or the page again with the refusal and what
// was typed (fields).
func (c *Console) payoutAction(w http.ResponseWriter, r *http.Request, detail string, fields []string,
	fn func(ctx context.Context, rec audit.Record, id int64, self staff.Staff, values map[string]string) (string, error)) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	values, err := site.Posted(r, fields...)
	if err != nil {
		return err
	}
	self := *me(r)
	var done string
	err = c.Auditor.Act(r, payoutObject(id), detail, func(rec audit.Record) (err error) {
		done, err = fn(r.Context(), rec, id, self, values)
		return err
	})
	if err != nil {
		return c.reshowPayout(w, r, id, err, values)
	}
	return site.Redirect(w, r, "/staff/payouts/"+strconv.FormatInt(id, 10)+"?done="+done)
}

// claimPayout makes the officer the application's reviewer; staff related
// to the request are refused (R-STAFF-1).
func (c *Console) claimPayout(w http.ResponseWriter, r *http.Request) error {
	return c.payoutAction(w, r, "claim", nil, func(ctx context.Context, rec audit.Record, id int64, self staff.Staff, _ map[string]string) (string, error) {
		return "claimed", c.Payouts.Claim(ctx, rec, id, self)
	})
}

// askPayout asks the applicant for more; the review clock stops until the
// answer (R-DISB-1).
func (c *Console) askPayout(w http.ResponseWriter, r *http.Request) error {
	return c.payoutAction(w, r, "ask", []string{"question"}, func(ctx context.Context, rec audit.Record, id int64, self staff.Staff, v map[string]string) (string, error) {
		return "asked", renameField(c.Payouts.AskMore(ctx, rec, id, self, v["question"]), "reason", "question")
	})
}

// rejectPayout rejects the application with a reason the applicant reads.
func (c *Console) rejectPayout(w http.ResponseWriter, r *http.Request) error {
	return c.payoutAction(w, r, "reject", []string{"reason"}, func(ctx context.Context, rec audit.Record, id int64, self staff.Staff, v map[string]string) (string, error) {
		return "rejected", c.Payouts.Reject(ctx, rec, id, self, v["reason"])
	})
}

// approvePayout gives the first approval (the claimant) or the second
// (another officer), which sets the money aside in the ledger. The same
// officer is refused the second (R-STAFF-1); the refusal shows on the page.
func (c *Console) approvePayout(w http.ResponseWriter, r *http.Request) error {
	return c.payoutAction(w, r, "approve", []string{"note"}, func(ctx context.Context, rec audit.Record, id int64, self staff.Staff, v map[string]string) (string, error) {
		p, err := c.Payouts.Approve(ctx, rec, id, self, v["note"])
		if err != nil {
			return "", err
		}
		if p.State == payout.Approved {
			return "approved", nil
		}
		return "first", nil
	})
}

// revealAccount shows the full account number of the application to the
// officer, in the page and nowhere else; the reveal is in the audit log
// before the number is sent, apart from the view of the page (R-PII-1).
func (c *Console) revealAccount(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	if err := site.ReadForm(r); err != nil {
		return err
	}
	var number string
	if err := c.Auditor.Act(r, payoutObject(id), "reveal account", func(rec audit.Record) (err error) {
		number, err = c.Payouts.RevealAccount(r.Context(), rec, id, *me(r))
		return err
	}); err != nil {
		return c.reshowPayout(w, r, id, err, nil)
	}
	rec := c.Auditor.Record(r, c.Access.Action(payoutPattern), payoutObject(id), "after reveal", nil)
	p, err := c.payoutView(r, rec, id)
	if err != nil {
		return err
	}
	p.Revealed = number
	w.Header().Set("Cache-Control", "no-store")
	return c.render(w, r, p)
}

// payoutMaterial sends one document of the application, decrypted, to the
// officer; the view is in the audit log before a byte is sent (R-PII-1).
func (c *Console) payoutMaterial(w http.ResponseWriter, r *http.Request) error {
	return c.sendMaterial(w, r, payoutObject, c.Payouts.OpenDocument)
}

// renameField moves a field error of err from one field to the form's
// name for it.
func renameField(err error, from, to string) error {
	if e := apperr.As(err); e != nil {
		for i, f := range e.Fields {
			if f.Field == from {
				e.Fields[i].Field = to
			}
		}
	}
	return err
}
