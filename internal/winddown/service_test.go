package winddown

import (
	"fmt"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/refund"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestWindDownDrill runs a whole wind-down on a fake clock (R-WIND-1):
// requests with donations, one with a payout approved and not yet paid,
// the switch approved by a second admin, every channel closed that day, a
// payment that still arrives refunded whole, the payout executed, the
// refund runs of day 30, the refunds paid back through the sandbox
// provider, and everything out before day 60; the ledger verifies, every
// request account is zero and the figures tie out.
func TestWindDownDrill(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a, b, e := f.fundraising(), f.fundraising(), f.fundraising()
		c := f.fundraising()
		gifts := map[int64][]money.Fen{a: {100_00, 250_00, 33_33}, b: {500_00, 120_00}, c: {80_00, 20_00, 11_11}}
		var total money.Fen
		for req, gs := range gifts {
			for _, g := range gs {
				f.donate(req, g, false)
				total += g
			}
		}
		f.close(c, campaign.TargetReached) // closed before, still holding money
		payout := f.approvePayout(b, 300_00)
		if got := f.balance(refund.RequestAccount(b)); got != 320_00 {
			t.Fatalf("request b holds %d, want 32000", got)
		}

		// Day 0, an hour later: the switch, four eyes.
		f.mu.Lock()
		f.now = f.now.Add(time.Hour)
		f.mu.Unlock()
		w, err := f.s.Propose(f.ctx, rec(f.adm1, "winddown.propose"), f.adm1, proposal())
		if err != nil {
			t.Fatalf("Propose: %s", describe(err))
		}
		if st := f.state(a); st != campaign.Fundraising {
			t.Fatalf("a proposal alone closed request a: %s", st)
		}
		if _, err := f.s.Decide(f.ctx, rec(f.adm2, "winddown.decide"), f.adm2, w.ID, true, "核对民政部文件无误"); err != nil {
			t.Fatalf("Decide: %s", describe(err))
		}
		for _, req := range []int64{a, b, e} {
			if st := f.state(req); st != campaign.Closed {
				t.Errorf("request %d is %s after the wind-down, want closed", req, st)
			}
			if n := f.count("SELECT COUNT(*) FROM request_fundraising WHERE request_id = $1 AND close_reason = 'wind_down'", req); n != 1 {
				t.Errorf("request %d not closed with wind_down", req)
			}
		}
		banner, ok, err := f.s.Banner(f.ctx)
		if err != nil || !ok || banner.Notice != proposal().Notice {
			t.Fatalf("Banner = %+v, %v, %v; want the notice", banner, ok, err)
		}
		if want := NewSchedule(t0).Deadline; !banner.Deadline.Equal(want) || Zone != nil && banner.Deadline.In(Zone).Format("2006-01-02") != "2026-05-01" {
			t.Errorf("deadline %s, want %s (2026-05-01, day 60)", banner.Deadline, want)
		}
		p, err := f.s.Progress(f.ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		if p.HeldAtStart != total || p.Requests != 4 || p.Held != total {
			t.Fatalf("at the start: held %d of %d requests (now %d), want %d of 4", p.HeldAtStart, p.Requests, p.Held, total)
		}

		// A payment that still arrives for a closed channel is refunded
		// whole by its own run, as after any close.
		f.donate(a, 66_00, true)
		f.refundJobs(0)
		if got := f.advance(); got.Started != 0 || got.Done != 1 {
			t.Errorf("day 0 advance = %+v, want request e done and no refund yet", got)
		}

		// Day 10: the bank executes the payout approved before.
		f.at(10)
		f.payPayout(payout, 300_00)
		f.refundJobs(10)
		f.advance()

		// Day 29: requesters may still apply; nothing refunded yet.
		f.at(29)
		if got := f.advance(); got.Started != 0 {
			t.Fatalf("refunds started on day 29: %+v", got)
		}
		p, _ = f.s.Progress(f.ctx, true)
		for _, l := range p.Rows {
			if l.Step != StepApply || l.Late {
				t.Errorf("day 29, request %d: %s late %v, want apply, not late", l.RequestID, l.Step, l.Late)
			}
		}

		// Day 30: whatever is still held goes back pro rata; running the
		// job again starts nothing more.
		f.at(30)
		if got := f.advance(); got.Started != 3 {
			t.Fatalf("day 30 advance = %+v, want 3 refund runs", got)
		}
		if got := f.advance(); got.Started != 0 {
			t.Fatalf("second day 30 advance = %+v, want nothing new", got)
		}
		if n := f.count("SELECT COUNT(*) FROM refund_runs WHERE cause = 'wind_down'"); n != 3 {
			t.Fatalf("%d wind-down refund runs, want 3", n)
		}
		var completed bool
		for day := 30; day < DeadlineDays && !completed; day++ {
			f.at(day)
			f.refundJobs(day)
			completed = f.advance().Completed
		}
		if !completed {
			p, _ := f.s.Progress(f.ctx, true)
			t.Fatalf("not complete by day 60: %+v", p.Rows)
		}
		p, err = f.s.Progress(f.ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		if p.CompletedAt.IsZero() || !p.CompletedAt.Before(p.Schedule.Deadline) {
			t.Errorf("completed at %s, want before the deadline %s", p.CompletedAt, p.Schedule.Deadline)
		}
		if p.Held != 0 || p.Emptied != p.Requests || p.Late != 0 || len(p.Rows) != 0 {
			t.Errorf("at the end: held %d, %d of %d emptied, %d late, rows %v", p.Held, p.Emptied, p.Requests, p.Late, p.Rows)
		}
		if p.Other() != 0 || p.Received != 66_00 || p.PaidOut != 300_00 || p.Refunded+p.ToCharity != total-300_00+66_00 {
			t.Errorf("figures do not tie out: %+v (other %d)", p.Figures, p.Other())
		}
		for _, req := range []int64{a, b, c, e} {
			if got := f.balance(refund.RequestAccount(req)); got != 0 {
				t.Errorf("request %d still holds %d", req, got)
			}
		}
		if got := f.balance(payable(payout)); got != 0 {
			t.Errorf("payout still payable: %d", got)
		}
		if _, err := ledger.Verify(f.ctx, db); err != nil {
			t.Fatalf("ledger.Verify: %v", err)
		}
		if _, err := refund.Verify(f.ctx, db); err != nil {
			t.Fatalf("refund.Verify: %v", err)
		}
		if got := f.advance(); got.Changed() {
			t.Errorf("advance after completion changed %+v", got)
		}
		if n := f.count("SELECT COUNT(*) FROM audit_log WHERE action IN ('winddown.approve', 'winddown.complete')"); n != 2 {
			t.Errorf("%d audit records of approval and completion, want 2", n)
		}
	})
}

// TestWindDownFourEyes: the switch needs a second admin (R-WIND-1,
// R-STAFF-1): the proposer cannot approve it, finance cannot, and a
// proposal alone stops nothing.
func TestWindDownFourEyes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		req := f.fundraising()
		_, err := f.s.Propose(f.ctx, rec(f.fin, "winddown.propose"), f.fin, proposal())
		wantErr(t, "finance proposes", err, "forbidden staff.not_proposer")
		w, err := f.s.Propose(f.ctx, rec(f.adm1, "winddown.propose"), f.adm1, proposal())
		if err != nil {
			t.Fatal(describe(err))
		}
		_, err = f.s.Decide(f.ctx, rec(f.adm1, "winddown.decide"), f.adm1, w.ID, true, "")
		wantErr(t, "the proposer approves", err, "forbidden staff.own_proposal")
		_, err = f.s.Decide(f.ctx, rec(f.fin, "winddown.decide"), f.fin, w.ID, true, "")
		wantErr(t, "finance approves", err, "forbidden staff.not_approver")
		if _, ok, _ := f.s.Banner(f.ctx); ok {
			t.Error("a banner without a second approver")
		}
		if st := f.state(req); st != campaign.Fundraising {
			t.Errorf("request %s without a second approver", st)
		}
		if n := f.count("SELECT COUNT(*) FROM audit_log WHERE action = 'winddown.decide'"); n != 0 {
			t.Errorf("%d refused decisions recorded as done", n)
		}
		// Rejected, it can be proposed again.
		if _, err := f.s.Decide(f.ctx, rec(f.adm2, "winddown.decide"), f.adm2, w.ID, false, "文件待核实"); err != nil {
			t.Fatal(describe(err))
		}
		if _, err := f.s.Propose(f.ctx, rec(f.adm2, "winddown.propose"), f.adm2, proposal()); err != nil {
			t.Fatalf("proposing after a rejection: %s", describe(err))
		}
	})
}

// TestWindDownTwice: switched on twice, or approved twice, the answer is
// clear and nothing is doubled (R-WIND-1).
func TestWindDownTwice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		req := f.fundraising()
		f.donate(req, 100_00, false)
		w, err := f.s.Propose(f.ctx, rec(f.adm1, "winddown.propose"), f.adm1, proposal())
		if err != nil {
			t.Fatal(describe(err))
		}
		_, err = f.s.Propose(f.ctx, rec(f.adm2, "winddown.propose"), f.adm2, proposal())
		wantErr(t, "proposed twice", err, "conflict "+KeyLive)
		if _, err := f.s.Decide(f.ctx, rec(f.adm2, "winddown.decide"), f.adm2, w.ID, true, ""); err != nil {
			t.Fatal(describe(err))
		}
		adm3 := f.staff("adm3", "admin")
		_, err = f.s.Decide(f.ctx, rec(adm3, "winddown.decide"), adm3, w.ID, true, "")
		wantErr(t, "approved twice", err, "conflict staff.proposal_decided")
		_, err = f.s.Propose(f.ctx, rec(adm3, "winddown.propose"), adm3, proposal())
		wantErr(t, "proposed while under way", err, "conflict "+KeyLive)
		for q, want := range map[string]int{
			"SELECT COUNT(*) FROM wind_downs":                                           1,
			"SELECT COUNT(*) FROM wind_down_requests":                                   1,
			"SELECT COUNT(*) FROM staff_proposals WHERE kind = 'platform.wind_down'":    1,
			"SELECT COUNT(*) FROM request_fundraising WHERE close_reason = 'wind_down'": 1,
		} {
			if n := f.count(q); n != want {
				t.Errorf("%s = %d, want %d", q, n, want)
			}
		}
		// The job run twice at day 30 starts one run, with one key.
		f.at(30)
		f.advance()
		f.advance()
		if n := f.count("SELECT COUNT(*) FROM refund_runs WHERE idem_key = $1", RefundKey(req)); n != 1 {
			t.Errorf("%d refund runs, want 1", n)
		}
		_, err = f.s.Propose(f.ctx, rec(f.adm1, "winddown.propose"), f.adm1, Proposal{Notice: "x"})
		if got := describe(err); got != fmt.Sprintf("invalid %s reason:%s withdrawn_on:%s ministry_ref:%s", KeyInvalid, KeyText, KeyDate, KeyText) &&
			got != fmt.Sprintf("invalid %s reason:%s ministry_ref:%s withdrawn_on:%s", KeyInvalid, KeyText, KeyText, KeyDate) {
			t.Errorf("empty proposal: %s", got)
		}
	})
}

// TestWindDownEarlyRefund: a requester may ask for the refund before day
// 30 (R-WIND-1); only for their own request, once, and only when it holds
// money.
func TestWindDownEarlyRefund(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		req, empty := f.fundraising(), f.fundraising()
		f.donate(req, 100_00, false)
		f.donate(req, 50_00, false)
		w, err := f.s.Propose(f.ctx, rec(f.adm1, "winddown.propose"), f.adm1, proposal())
		if err != nil {
			t.Fatal(describe(err))
		}
		wantErr(t, "asked before approval", f.s.AskRefund(f.ctx, f.publisher, req), "conflict "+KeyNotStarted)
		if _, err := f.s.Decide(f.ctx, rec(f.adm2, "winddown.decide"), f.adm2, w.ID, true, ""); err != nil {
			t.Fatal(describe(err))
		}
		f.at(5)
		other := f.user("other")
		wantErr(t, "someone else asks", f.s.AskRefund(f.ctx, other, req), "not_found "+KeyNotFound)
		wantErr(t, "nothing held", f.s.AskRefund(f.ctx, f.publisher, empty), "conflict "+KeyNothing)
		if err := f.s.AskRefund(f.ctx, f.publisher, req); err != nil {
			t.Fatalf("AskRefund: %s", describe(err))
		}
		if err := f.s.AskRefund(f.ctx, f.publisher, req); err != nil && describe(err) != "conflict "+KeyNothing {
			t.Fatalf("asked twice: %s", describe(err))
		}
		if got := f.advance(); got.Started != 0 {
			t.Errorf("the job started %d more runs", got.Started)
		}
		if n := f.count("SELECT COUNT(*) FROM refund_runs WHERE cause = 'wind_down' AND request_id = $1", req); n != 1 {
			t.Fatalf("%d runs, want 1", n)
		}
		if got := f.balance(refund.RequestAccount(req)); got != 0 {
			t.Errorf("request holds %d after the early refund", got)
		}
		lines, _, err := f.s.Mine(f.ctx, f.publisher)
		if err != nil || len(lines) != 2 || lines[0].Step != StepRefunding || !lines[0].Asked {
			t.Errorf("Mine = %+v, %v; want the request refunding, asked", lines, err)
		}
	})
}
