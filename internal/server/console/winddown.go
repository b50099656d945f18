package console

// The console's screen of the platform's wind-down (R-WIND-1): an admin
// proposes it, another admin approves it here (or on the approvals page);
// once approved, every request still holding money with what is left, its
// next step and whether it is late. The figures are the ledger's.

import (
	"net/http"
	"strconv"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/web"
	"github.com/carefund/carefund/internal/winddown"
)

// windDownNotices are the notices a redirect after an action may ask for.
var windDownNotices = map[string]string{"proposed": "winddown.staff.done.proposed",
	"approved": "winddown.staff.done.approved", "rejected": "winddown.staff.done.rejected"}

// windDownPage shows the wind-down's screen.
func (c *Console) windDownPage(w http.ResponseWriter, r *http.Request) error {
	p, err := c.windDownView(r, web.Form{}, web.Form{})
	if err != nil {
		return err
	}
	if key, ok := windDownNotices[site.Params(r).Get("done")]; ok {
		p.Notice = i18n.T(lang(r), key)
	}
	return c.render(w, r, p)
}

// windDownView builds the screen with the refused forms shown again.
func (c *Console) windDownView(r *http.Request, propose, decide web.Form) (web.StaffWindDown, error) {
	if c.WindDown == nil {
		return web.StaffWindDown{}, apperr.New(apperr.NotFound, "")
	}
	p := web.StaffWindDown{CanPropose: c.may(r, "POST /staff/wind-down"), CanDecide: c.may(r, "POST /staff/wind-down/{id}/decide"),
		Propose: propose, Decide: decide}
	v, err := c.WindDown.Console(r.Context())
	if err != nil {
		return p, err
	}
	if v.Pending {
		names, err := c.staffNames(r.Context())
		if err != nil {
			return p, err
		}
		l := v.Live
		p.Pending = web.WindDownProposal{ID: l.ID, Reason: l.Reason, Notice: l.Notice, WithdrawnOn: l.WithdrawnOn,
			Ministry: l.MinistryRef, ProposedBy: names[l.ProposedBy], ProposedAt: site.Minute(l.ProposedAt)}
	}
	if v.Live.Approved() {
		p.Progress = WindDownProgress(lang(r), v.Progress)
		for _, row := range v.Progress.Rows {
			p.Rows = append(p.Rows, web.WindDownRow{RequestID: row.RequestID, StateKey: row.StateAtStart.NameKey(),
				HeldAtStart: fen(r, row.HeldAtStart), Held: fen(r, row.Held()), Request: fen(r, row.Request),
				Payouts: fen(r, row.Payouts), Refunds: fen(r, row.Refunds), StepKey: row.Step.NameKey(), Late: row.Late,
				RefundRun: row.RefundRun})
		}
	}
	if (propose.Message != "" || decide.Message != "") && !p.CanPropose && p.Pending.ID == 0 {
		p.Message = propose.Message + decide.Message
	}
	return p, nil
}

// WindDownProgress formats a wind-down's progress for the public page and
// the console.
func WindDownProgress(l i18n.Lang, p winddown.Progress) web.WindDownPublic {
	out := web.WindDownPublic{Active: true, Notice: p.Notice, WithdrawnOn: p.WithdrawnOn, Ministry: p.MinistryRef,
		Start: site.Day(p.ApprovedAt), RefundFrom: site.Day(p.Schedule.RefundFrom), Deadline: p.Schedule.LastDay(),
		Day: p.Day, HeldAtStart: p.HeldAtStart.Format(l), Received: p.Received.Format(l), PaidOut: p.PaidOut.Format(l),
		Refunded: p.Refunded.Format(l), ToCharity: p.ToCharity.Format(l), Held: p.Held.Format(l),
		Requests: p.Requests, Emptied: p.Emptied, Late: p.Late}
	if !p.CompletedAt.IsZero() {
		out.Completed = site.Day(p.CompletedAt)
	}
	return out
}

// proposeWindDown proposes the wind-down (an admin; four eyes).
func (c *Console) proposeWindDown(w http.ResponseWriter, r *http.Request) error {
	if c.WindDown == nil {
		return apperr.New(apperr.NotFound, "")
	}
	values, err := site.Posted(r, "reason", "notice", "withdrawn_on", "ministry_ref")
	if err != nil {
		return err
	}
	err = c.Auditor.Act(r, "platform", "", func(rec audit.Record) error {
		_, err := c.WindDown.Propose(r.Context(), rec, *me(r), winddown.Proposal{Reason: values["reason"], Notice: values["notice"],
			WithdrawnOn: values["withdrawn_on"], MinistryRef: values["ministry_ref"]})
		return err
	})
	if err != nil {
		return reshow(c, w, r, err, values, func(f web.Form) (web.StaffWindDown, error) {
			return c.windDownView(r, f, web.Form{})
		})
	}
	return site.Redirect(w, r, "/staff/wind-down?done=proposed")
}

// decideWindDown approves or rejects wind-down {id} (another admin).
func (c *Console) decideWindDown(w http.ResponseWriter, r *http.Request) error {
	if c.WindDown == nil {
		return apperr.New(apperr.NotFound, "")
	}
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	values, err := site.Posted(r, "note", "decision")
	if err != nil {
		return err
	}
	approve := values["decision"] == "approve"
	err = c.Auditor.Act(r, "wind_down:"+strconv.FormatInt(id, 10), values["decision"], func(rec audit.Record) error {
		if !approve && values["decision"] != "reject" {
			return apperr.New(apperr.Invalid, winddown.KeyInvalid)
		}
		_, err := c.WindDown.Decide(r.Context(), rec, *me(r), id, approve, values["note"])
		return err
	})
	if err != nil {
		return reshow(c, w, r, err, values, func(f web.Form) (web.StaffWindDown, error) {
			return c.windDownView(r, web.Form{}, f)
		})
	}
	done := "rejected"
	if approve {
		done = "approved"
	}
	return site.Redirect(w, r, "/staff/wind-down?done="+done)
}
