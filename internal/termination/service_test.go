package termination

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// R-REV-4: a suspension pauses fundraising at once (the donation service
// refuses new orders, and a payment already on its way is kept for refund
// as one after closing, R-PUB-4), shows its notice on the public page, and resuming
// goes back to the state it was suspended from with a public note; only
// reviewers and admins not related to the request may do either.
func TestSuspendAndResume(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		donations := &donation.Service{DB: db, Ledger: f.s.Ledger, Campaigns: f.s.Campaigns, Merchant: map[string]string{"sandbox": "m1"}}
		var placed donation.Order
		order := func(token string) error {
			o, err := donations.CreateOrder(ctx, donation.OrderInput{RequestID: f.req, Amount: "50", Provider: "sandbox", ClientToken: token})
			placed = o
			return err
		}
		if err := order("before"); err != nil {
			t.Fatalf("order while fundraising: %s", describe(err))
		}
		pending := placed
		in := SuspendInput{RequestID: f.req, Notice: "平台核查中，暂停筹款", Reason: "举报"}
		_, err := f.s.Suspend(ctx, rec(f.fin, "request.suspend"), f.fin, in)
		wantErr(t, "finance suspends", err, "forbidden "+KeyRole)
		f.relate(f.rev2, f.publisher)
		_, err = f.s.Suspend(ctx, rec(f.rev2, "request.suspend"), f.rev2, in)
		wantErr(t, "related reviewer suspends", err, "forbidden "+KeyRelated)
		_, err = f.s.Suspend(ctx, rec(f.rev1, "request.suspend"), f.rev1, SuspendInput{RequestID: f.req})
		wantErr(t, "no texts", err, "invalid "+KeyInvalid+" notice:"+KeyText+" reason:"+KeyText)
		if f.state() != campaign.Fundraising {
			t.Fatalf("a refused suspension moved the request: %s", f.state())
		}

		f.suspend()
		if st := f.state(); st != campaign.Suspended {
			t.Fatalf("state after Suspend = %s", st)
		}
		wantErr(t, "order while suspended", order("during"), "conflict "+donation.KeyClosed)
		// R-PUB-4, R-DON-1: the payment of an order placed before the
		// suspension still arrives: recorded once, credited to the request
		// and marked for refund as after closing, never lost.
		out, err := donations.Confirm(ctx, payment.Payment{Provider: "sandbox", OrderID: pending.OrderNo, TransactionID: "T-late",
			Merchant: "m1", Amount: 50_00, State: payment.Paid, PaidAt: f.now})
		if err != nil || !out.AfterClose || out.DonationID == 0 || out.Quarantined {
			t.Fatalf("late payment while suspended = %+v, %v", out, err)
		}
		if got := f.balance(RequestAccount(f.req)); got != 50_00 {
			t.Errorf("request holds %s after the late payment, want it credited", got)
		}
		_, err = f.s.Suspend(ctx, rec(f.rev1, "request.suspend"), f.rev1, in)
		wantErr(t, "suspend twice", err, "conflict "+KeyNotSuspend)
		p, err := f.s.Public(ctx, f.req)
		if err != nil || !p.Suspended || p.Notice != "平台核查中，暂停筹款" || p.Terminated {
			t.Fatalf("Public while suspended = %+v, %v", p, err)
		}

		wantErr(t, "resume without a note", f.s.Resume(ctx, rec(f.rev1, "request.resume"), f.rev1, f.req, " "),
			"invalid "+KeyInvalid+" note:"+KeyText)
		wantErr(t, "related reviewer resumes", f.s.Resume(ctx, rec(f.rev2, "request.resume"), f.rev2, f.req, "核查无误"),
			"forbidden "+KeyRelated)
		if err := f.s.Resume(ctx, rec(f.adm1, "request.resume"), f.adm1, f.req, "核查无误，恢复筹款"); err != nil {
			t.Fatalf("Resume: %s", describe(err))
		}
		if st := f.state(); st != campaign.Fundraising {
			t.Fatalf("state after Resume = %s, want the state it was suspended from", st)
		}
		if err := order("after"); err != nil {
			t.Fatalf("order after resuming: %s", describe(err))
		}
		p, err = f.s.Public(ctx, f.req)
		if err != nil || p.Suspended || !p.Resumed || p.ResumeNote != "核查无误，恢复筹款" {
			t.Fatalf("Public after resuming = %+v, %v", p, err)
		}
		wantErr(t, "resume twice", f.s.Resume(ctx, rec(f.adm1, "request.resume"), f.adm1, f.req, "again"),
			"conflict "+KeyNotSuspended)
		if n := f.count("SELECT count(*) FROM audit_log WHERE action IN ('request.suspend', 'request.resume') AND result = 'ok'"); n != 2 {
			t.Errorf("audit records of the suspension and the resumption: %d, want 2", n)
		}
	})
}

// R-REF-2, R-STAFF-1, R-REV-3: a termination takes two different people:
// refused without a second approver, by the proposer, by a related staff
// member, by a role that may not approve, and for a request not suspended.
func TestTerminationNeedsFourEyes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		_, err := f.s.Propose(ctx, rec(f.adm1, "termination.propose"), f.adm1, f.proposal(), nil)
		wantErr(t, "propose while fundraising", err, "conflict "+KeyNotSuspended)
		f.suspend()
		_, err = f.s.Propose(ctx, rec(f.fin, "termination.propose"), f.fin, f.proposal(), nil)
		wantErr(t, "finance proposes", err, "forbidden "+KeyRole)
		bad := f.proposal()
		bad.Findings = []Finding{"gossip"}
		_, err = f.s.Propose(ctx, rec(f.adm1, "termination.propose"), f.adm1, bad, nil)
		wantErr(t, "unknown finding", err, "invalid "+KeyInvalid+" findings:"+KeyFinding)

		tm := f.propose(f.adm1)
		if tm.Status != Proposed || f.state() != campaign.Suspended {
			t.Fatalf("a proposal alone terminated: %+v, state %s", tm, f.state())
		}
		_, err = f.s.Propose(ctx, rec(f.rev1, "termination.propose"), f.rev1, f.proposal(), nil)
		wantErr(t, "second proposal", err, "conflict "+KeyPending)
		_, err = f.s.Decide(ctx, rec(f.adm1, "termination.decide"), f.adm1, tm.ID, true, "")
		wantErr(t, "proposer approves", err, "forbidden staff.own_proposal")
		_, err = f.s.Decide(ctx, rec(f.rev1, "termination.decide"), f.rev1, tm.ID, true, "")
		wantErr(t, "reviewer approves", err, "forbidden staff.not_approver")
		f.relate(f.adm2, f.publisher)
		_, err = f.s.Decide(ctx, rec(f.adm2, "termination.decide"), f.adm2, tm.ID, true, "")
		wantErr(t, "related admin approves", err, "forbidden "+KeyRelated)
		if f.state() != campaign.Suspended || f.refunder.count() != 0 || f.count("SELECT count(*) FROM terminations WHERE terminated_at IS NOT NULL") != 0 {
			t.Fatalf("a refused approval changed something: state %s, refunds %d", f.state(), f.refunder.count())
		}
		wantErr(t, "resume with a termination pending", f.s.Resume(ctx, rec(f.rev1, "request.resume"), f.rev1, f.req, "x"),
			"conflict "+KeyPending)

		// Rejected: the request stays suspended and may be proposed again.
		adm3 := f.staff("adm3", staff.Admin)
		got, err := f.s.Decide(ctx, rec(adm3, "termination.decide"), adm3, tm.ID, false, "证据不足")
		if err != nil || got.Status != Rejected || f.state() != campaign.Suspended {
			t.Fatalf("reject: %+v, %s, state %s", got, describe(err), f.state())
		}
		again := f.propose(f.rev1)
		got, err = f.s.Decide(ctx, rec(adm3, "termination.decide"), adm3, again.ID, true, "")
		if err != nil || got.Status != Terminated || f.state() != campaign.Terminated {
			t.Fatalf("approve: %+v, %s, state %s", got, describe(err), f.state())
		}
	})
}

// R-REF-2, R-BL-1: approving terminates the request in one transaction,
// proposes the blacklist entries (a proposal, not an entry), and the
// follow-up posts the recovery receivable once and starts one refund run,
// however many times it runs and even when a run fails half way.
func TestApprovalFollowsUpOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.fund(10_000_00)
		f.paid(3_000_00)
		f.suspend()
		p := f.proposal()
		p.PatientInvolved = true
		tm, err := f.s.Propose(ctx, rec(f.rev1, "termination.propose"), f.rev1, p, []Upload{{Field: "evidence", File: pngFile(t)}})
		if err != nil {
			t.Fatalf("Propose: %s", describe(err))
		}
		f.refunder.fail = errors.New("refund service down")
		_, err = f.s.Decide(ctx, rec(f.adm2, "termination.decide"), f.adm2, tm.ID, true, "证据确凿")
		if err == nil || !strings.Contains(err.Error(), "refund service down") {
			t.Fatalf("Decide with the refund service down = %v", err)
		}
		// The termination committed; the receivable is posted; the run is
		// left for the job.
		if f.state() != campaign.Terminated {
			t.Fatalf("state = %s", f.state())
		}
		if got := f.balance(ReceivableAccount(f.req)); got != 3_000_00 {
			t.Errorf("receivable = %s, want what was paid out", got)
		}
		if got := f.balance(RequestAccount(f.req)); got != 10_000_00 {
			t.Errorf("request = %s, want 7,000 held + 3,000 to recover", got)
		}
		pending, err := f.s.Pending(ctx, 10)
		if err != nil || !slices.Equal(pending, []int64{tm.ID}) {
			t.Fatalf("Pending = %v, %v", pending, err)
		}
		f.refunder.fail = nil
		for range 3 {
			if err := f.s.FollowUp(ctx, tm.ID); err != nil {
				t.Fatalf("FollowUp: %v", err)
			}
		}
		if n := f.refunder.count(); n != 1 {
			t.Fatalf("refund runs started: %d, want 1", n)
		}
		want := RefundInput{RequestID: f.req, Cause: CauseTerminated, Reason: p.PublicReason,
			Actor: f.adm2.Actor(), Key: RefundKey(tm.ID)}
		if got := f.refunder.calls[0]; got != want {
			t.Errorf("StartRun(%+v), want %+v", got, want)
		}
		if n := f.count("SELECT count(*) FROM ledger_entries WHERE kind = 'recovery_receivable'"); n != 1 {
			t.Errorf("receivable entries: %d, want 1", n)
		}
		if got := f.balance(ReceivableAccount(f.req)); got != 3_000_00 {
			t.Errorf("receivable after follow-ups = %s", got)
		}
		if pending, _ := f.s.Pending(ctx, 10); len(pending) != 0 {
			t.Errorf("Pending after the follow-up = %v", pending)
		}

		// Blacklist: proposals for the publisher and the patient, waiting
		// for an admin; approving one lists the person.
		var props []staff.Proposal
		f.read(func(ctx context.Context, tx *store.Tx) (err error) {
			props, err = staff.ListProposals(ctx, tx, staff.Pending)
			return err
		})
		if len(props) != 2 || props[0].Kind != staff.KindBlacklist || props[1].Kind != staff.KindBlacklist {
			t.Fatalf("pending proposals = %+v, want two blacklist proposals", props)
		}
		if n := f.count("SELECT count(*) FROM blacklist_entries"); n != 0 {
			t.Fatalf("blacklist entries before approval: %d", n)
		}
		for _, pr := range props {
			f.write(func(ctx context.Context, tx *store.Tx) error {
				_, err := f.s.Approvals.Decide(ctx, tx, f.adm1, pr.ID, true, "")
				return err
			})
		}
		for _, number := range []string{f.publisherID, f.patient} {
			idx := f.s.Vault.BlindIndex(campaign.PatientIndexDomain, number)
			if n := f.count("SELECT count(*) FROM blacklist_entries WHERE person_index = $1", idx); n != 1 {
				t.Errorf("%s listed %d times, want 1", number[:6], n)
			}
		}

		// A recovery arrives: outstanding goes down, recovered up.
		if _, err := f.s.Ledger.Post(ctx, ledger.Transfer("statement:test-1", "recovery", "bank:custody",
			ReceivableAccount(f.req), 1_000_00)); err != nil {
			t.Fatal(err)
		}
		d, err := f.s.Detail(ctx, f.rev2, tm.ID)
		if err != nil {
			t.Fatalf("Detail: %s", describe(err))
		}
		if d.Recovery != (Recovery{Receivable: 3_000_00, Outstanding: 2_000_00, Recovered: 1_000_00}) || len(d.Evidence) != 1 {
			t.Errorf("Detail = %+v", d)
		}
		pub, err := f.s.Public(ctx, f.req)
		if err != nil || !pub.Terminated || pub.PublicReason != p.PublicReason || pub.PaidOut != 3_000_00 ||
			pub.Recovery.Recovered != 1_000_00 || pub.Suspended {
			t.Errorf("Public = %+v, %v", pub, err)
		}
		f.verify()
	})
}

// R-PII-1, R-STAFF-1: a referral's officer is sealed at rest, masked on
// the page, and every unmasking and every document opened is in the audit
// log; several referrals per termination, each with documents.
func TestReferralSealedAndAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.suspend()
		tm := f.propose(f.rev1)
		in := ReferralInput{TerminationID: tm.ID, Station: "北京市公安局朝阳分局", ReferredOn: "2026-03-01",
			CaseNumber: "京朝公(刑)立字[2026]123号", Officer: "李警官 13800138000"}
		_, err := f.s.AddReferral(ctx, rec(f.rev1, "termination.referral"), f.rev1, in, nil)
		wantErr(t, "referral before approval", err, "conflict "+KeyNotTerminated)
		if _, err := f.s.Decide(ctx, rec(f.adm1, "termination.decide"), f.adm1, tm.ID, true, ""); err != nil {
			t.Fatal(describe(err))
		}
		bad := in
		bad.ReferredOn, bad.Station = "2026-03-03", ""
		_, err = f.s.AddReferral(ctx, rec(f.rev1, "termination.referral"), f.rev1, bad, nil)
		wantErr(t, "future date, no station", err, "invalid "+KeyInvalid+" station:"+KeyText+" referred_on:"+KeyDate)
		_, err = f.s.AddReferral(ctx, rec(f.fin, "termination.referral"), f.fin, in, nil)
		wantErr(t, "finance records a referral", err, "forbidden "+KeyRole)

		r, err := f.s.AddReferral(ctx, rec(f.rev1, "termination.referral"), f.rev1, in, []Upload{{Field: "file", File: pngFile(t)}})
		if err != nil {
			t.Fatalf("AddReferral: %s", describe(err))
		}
		in.CaseNumber = "京朝公(刑)立字[2026]124号"
		if _, err := f.s.AddReferral(ctx, rec(f.rev1, "termination.referral"), f.rev1, in, nil); err != nil {
			t.Fatalf("second AddReferral: %s", describe(err))
		}
		var sealed []byte
		f.read(func(ctx context.Context, tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT officer_sealed FROM police_referrals WHERE id = $1", r.ID).Scan(&sealed)
		})
		if bytes.Contains(sealed, []byte("13800138000")) || bytes.Contains(sealed, []byte("李警官")) {
			t.Fatal("the officer is stored in plain")
		}
		d, err := f.s.Detail(ctx, f.fin, tm.ID)
		if err != nil || len(d.Referrals) != 2 || len(d.Referrals[0].Documents) != 1 || len(d.Evidence) != 0 {
			t.Fatalf("Detail = %+v, %v", d, err)
		}
		if m := d.Referrals[0].OfficerMasked; strings.Contains(m, "13800138000") || !strings.HasSuffix(m, "8000") {
			t.Errorf("masked officer %q", m)
		}
		viewRec := audit.Record{Actor: f.rev2.Actor(), Action: "pii.view", Object: fmt.Sprintf("referral:%d", r.ID), Result: audit.ResultOK}
		_, err = f.s.RevealOfficer(ctx, audit.Record{Actor: f.fin.Actor(), Action: "pii.view", Result: audit.ResultOK}, f.fin, r.ID)
		wantErr(t, "finance unmasks", err, "forbidden "+KeyRole)
		got, err := f.s.RevealOfficer(ctx, viewRec, f.rev2, r.ID)
		if err != nil || got != "李警官 13800138000" {
			t.Fatalf("RevealOfficer = %q, %s", got, describe(err))
		}
		docRec := audit.Record{Actor: f.rev2.Actor(), Action: "termination.document.open", Object: Object(tm.ID), Result: audit.ResultOK}
		doc, content, err := f.s.OpenDocument(ctx, docRec, f.rev2, tm.ID, d.Referrals[0].Documents[0].ID)
		if err != nil || doc.ContentType != "image/png" || len(content) == 0 {
			t.Fatalf("OpenDocument = %+v, %d bytes, %s", doc, len(content), describe(err))
		}
		if n := f.count("SELECT count(*) FROM audit_log WHERE action = 'pii.view' AND actor = $1", f.rev2.Actor()); n != 1 {
			t.Errorf("audit records of the unmasking: %d, want 1", n)
		}
		if n := f.count("SELECT count(*) FROM audit_log WHERE action = 'termination.document.open'"); n != 1 {
			t.Errorf("audit records of the opening: %d, want 1", n)
		}
		pub, err := f.s.Public(ctx, f.req)
		if err != nil || len(pub.Referrals) != 2 || pub.Referrals[0] != (PublicReferral{Station: in.Station, ReferredOn: in.ReferredOn}) {
			t.Errorf("Public referrals = %+v, %v", pub.Referrals, err)
		}
	})
}

// R-REF-2: a termination of a request that paid nothing out posts no
// receivable and still starts one refund run.
func TestNothingPaidOutNoReceivable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.fund(500_00)
		f.suspend()
		tm := f.propose(f.rev1)
		if _, err := f.s.Decide(ctx, rec(f.adm1, "termination.decide"), f.adm1, tm.ID, true, ""); err != nil {
			t.Fatal(describe(err))
		}
		if err := f.s.FollowUp(ctx, tm.ID); err != nil {
			t.Fatal(err)
		}
		if n := f.count("SELECT count(*) FROM ledger_entries WHERE kind = 'recovery_receivable'"); n != 0 {
			t.Errorf("receivable entries: %d", n)
		}
		if f.refunder.count() != 1 || f.balance(RequestAccount(f.req)) != money.Fen(500_00) {
			t.Errorf("refunds %d, request %s", f.refunder.count(), f.balance(RequestAccount(f.req)))
		}
	})
}

// R-REF-2: follow-ups racing (the approving request's and the job's, on two
// nodes) post the receivable once and ask the refund service only under the
// termination's one key, so that it starts one run.
func TestConcurrentFollowUps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.fund(10_000_00)
		f.paid(2_500_00)
		f.suspend()
		tm := f.propose(f.rev1)
		f.refunder.fail = errors.New("down")
		if _, err := f.s.Decide(ctx, rec(f.adm1, "termination.decide"), f.adm1, tm.ID, true, ""); err == nil {
			t.Fatal("the follow-up ran with the refund service down")
		}
		f.refunder.fail = nil
		const n = 4
		errs := make(chan error, n)
		for range n {
			go func() { errs <- f.s.FollowUp(ctx, tm.ID) }()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Errorf("FollowUp: %v", err)
			}
		}
		if got := f.count("SELECT count(*) FROM ledger_entries WHERE kind = 'recovery_receivable'"); got != 1 {
			t.Errorf("receivable entries: %d, want 1", got)
		}
		if got := f.balance(ReceivableAccount(f.req)); got != 2_500_00 {
			t.Errorf("receivable = %s", got)
		}
		f.refunder.mu.Lock()
		for _, c := range f.refunder.calls {
			if c.Key != RefundKey(tm.ID) {
				t.Errorf("refund run asked under key %q", c.Key)
			}
		}
		f.refunder.mu.Unlock()
		if got := f.count("SELECT count(*) FROM terminations WHERE refund_run = $1 AND followed_up_at IS NOT NULL", "run-"+RefundKey(tm.ID)); got != 1 {
			t.Errorf("termination followed up: %d", got)
		}
		f.verify()
	})
}

// R-REV-4: a request suspended without a notice of its own (through the
// life cycle directly, as older data and the demo have it) still shows as
// paused, and resumes.
func TestSuspendedWithoutNotice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.write(func(ctx context.Context, tx *store.Tx) error {
			_, err := f.s.Campaigns.Apply(ctx, tx, f.req, campaign.Suspend, "staff:1", "old")
			return err
		})
		p, err := f.s.Public(ctx, f.req)
		if err != nil || !p.Suspended || p.Notice != "" || p.Title == "" {
			t.Fatalf("Public = %+v, %v", p, err)
		}
		if err := f.s.Resume(ctx, rec(f.rev1, "request.resume"), f.rev1, f.req, "核查无误"); err != nil {
			t.Fatalf("Resume: %s", describe(err))
		}
		if f.state() != campaign.Fundraising {
			t.Errorf("state = %s", f.state())
		}
	})
}
