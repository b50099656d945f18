package payout

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestLifeCycleAndLedger: an application goes requested → in review →
// approved → paying → paid, and the ledger moves request:R → payable:X at
// the second approval and payable:X → bank:custody at payment, under the
// keys reconciliation matches.
func TestLifeCycleAndLedger(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.fund(f.req, 40_000_00)
		p := f.apply(f.publisher, f.app(10_000_00))
		if p.State != Requested || p.AccountMasked == "" || strings.Contains(p.AccountMasked, account) {
			t.Fatalf("applied: %+v", p)
		}
		p = f.approve(p.ID)
		if p.State != Approved || p.FirstApprover != f.f1.ID || p.SecondApprover != f.f2.ID {
			t.Fatalf("approved: %+v", p)
		}
		if b := f.balance(requestAccount(f.req)); b != 30_000_00 {
			t.Errorf("request holds %s after approval", b)
		}
		if b := f.balance(payableAccount(p.ID)); b != 10_000_00 {
			t.Errorf("payable holds %s", b)
		}
		e, err := f.s.Ledger.EntryByKey(context.Background(), ApproveKey(p.ID))
		if err != nil || e.Kind != "payout" {
			t.Fatalf("approval entry: %+v %v", e, err)
		}
		ins, err := f.s.Ready(context.Background(), 10)
		if err != nil || len(ins) != 1 || ins[0].Account != account || ins[0].TransferID != "CFPO"+itoa(p.ID)+"A1" ||
			ins[0].Amount != 10_000_00 || ins[0].PayeeName != campaign.Example().PatientName || ins[0].BankName != "建设银行" {
			t.Fatalf("Ready = %+v, %v", ins, err)
		}
		// R-PII-1: the unsealing for the bank is on the record.
		if n := f.count("SELECT count(*) FROM audit_log WHERE action = 'payout.instruction' AND object = $1", "payout:"+itoa(p.ID)); n != 1 {
			t.Errorf("%d audit records of the instruction", n)
		}
		tid := f.pay(p.ID)
		if err := f.s.Sending(context.Background(), p.ID, tid); err != nil {
			t.Errorf("Sending again: %v", err)
		}
		if st := f.state(p.ID); st != Paid {
			t.Fatalf("state %s", st)
		}
		if e, err := f.s.Ledger.EntryByKey(context.Background(), "custody:"+tid); err != nil || e.Kind != "payout" {
			t.Fatalf("payment entry: %+v %v", e, err)
		}
		if b := f.balance(payableAccount(p.ID)); b != 0 {
			t.Errorf("payable holds %s after payment", b)
		}
		if ins, _ := f.s.Ready(context.Background(), 10); len(ins) != 0 {
			t.Errorf("Ready after payment: %+v", ins)
		}
		f.verify()
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// R-STAFF-1: four eyes. Only the claimant gives the first approval; the
// second comes from another finance officer; no one related to the
// request, nor anyone outside finance, takes any step; the first approver
// cannot also give the second.
func TestFourEyes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.fund(f.req, 40_000_00)
		p := f.apply(f.publisher, f.app(10_000_00))
		related := f.staff("related", staff.Finance)
		f.relate(related, f.publisher)
		reviewer := f.staff("reviewer", staff.Reviewer)

		wantErr(t, "reviewer claims", f.s.Claim(ctx, rec(reviewer, "c"), p.ID, reviewer), "forbidden "+KeyNotFinance)
		wantErr(t, "related claims", f.s.Claim(ctx, rec(related, "c"), p.ID, related), "forbidden "+KeyRelated)
		_, err := f.s.View(ctx, rec(related, "v"), p.ID, related)
		wantErr(t, "related views", err, "forbidden "+KeyRelated)
		_, err = f.s.Approve(ctx, rec(f.f1, "a"), p.ID, f.f1, "")
		wantErr(t, "approve unclaimed", err, "conflict "+KeyState)
		if err := f.s.Claim(ctx, rec(f.f1, "c"), p.ID, f.f1); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Approve(ctx, rec(f.f2, "a"), p.ID, f.f2, "")
		wantErr(t, "first approval by another than the claimant", err, "forbidden "+KeyNotClaimed)
		if _, err := f.s.Approve(ctx, rec(f.f1, "a"), p.ID, f.f1, "ok"); err != nil {
			t.Fatal(err)
		}
		if st := f.state(p.ID); st != InReview {
			t.Fatalf("one approval moved the payout to %s", st)
		}
		_, err = f.s.Approve(ctx, rec(f.f1, "a"), p.ID, f.f1, "")
		wantErr(t, "own second approval", err, "forbidden "+KeySameApprover)
		_, err = f.s.Approve(ctx, rec(related, "a"), p.ID, related, "")
		wantErr(t, "related second approval", err, "forbidden "+KeyRelated)
		if b := f.balance(requestAccount(f.req)); b != 40_000_00 {
			t.Fatalf("refused approvals moved money: request holds %s", b)
		}
		if _, err := f.s.Ledger.EntryByKey(ctx, ApproveKey(p.ID)); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("an approval entry after refusals: %v", err)
		}
		got, err := f.s.Approve(ctx, rec(f.f2, "payout.approve"), p.ID, f.f2, "")
		if err != nil || got.State != Approved {
			t.Fatalf("second approval: %+v %s", got, describe(err))
		}
		// Every step is in the audit log, the second approval with its entry.
		if n := f.count("SELECT count(*) FROM audit_log WHERE action = 'payout.approve' AND actor = $1", f.f2.Actor()); n != 1 {
			t.Errorf("%d audit records of the second approval", n)
		}
	})
}

// R-STAFF-1: a hospital's payout is refused to the staff who vouched for
// the hospital's directory entry.
func TestVoucherRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		h := f.hospital
		h.Vouchers = []int64{f.f3.ID}
		f.s.Hospitals = fakeHospitals{h.ID: h}
		f.fund(f.req, 40_000_00)
		a := f.app(10_000_00)
		a.Payee, a.HospitalID, a.DesignatedBy, a.AccountNumber, a.BankName = ToHospital, h.ID, ByGuardian, "", ""
		a.Materials = []int64{f.material(f.req, material.Relationship, true, "")}
		p := f.apply(f.publisher, a)
		if err := f.s.Claim(ctx, rec(f.f1, "c"), p.ID, f.f1); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Approve(ctx, rec(f.f1, "a"), p.ID, f.f1, ""); err != nil {
			t.Fatal(err)
		}
		_, err := f.s.Approve(ctx, rec(f.f3, "a"), p.ID, f.f3, "")
		wantErr(t, "voucher approves", err, "forbidden "+KeyVoucher)
	})
}

// The second approval of a payout the request can no longer cover is
// refused with a clear error and changes nothing.
func TestApproveInsufficientFunds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.fund(f.req, 10_000_00)
		p := f.apply(f.publisher, f.app(10_000_00))
		if err := f.s.Claim(ctx, rec(f.f1, "c"), p.ID, f.f1); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Approve(ctx, rec(f.f1, "a"), p.ID, f.f1, ""); err != nil {
			t.Fatal(err)
		}
		// A refund decided meanwhile takes part of the money.
		if _, err := f.s.Ledger.Post(ctx, ledger.Transfer("test:refund", "refund", requestAccount(f.req), "payable:refund:1", 1)); err != nil {
			t.Fatal(err)
		}
		audits := f.count("SELECT count(*) FROM audit_log")
		_, err := f.s.Approve(ctx, rec(f.f2, "a"), p.ID, f.f2, "")
		wantErr(t, "approve without funds", err, "conflict "+KeyInsufficient)
		if st := f.state(p.ID); st != InReview {
			t.Errorf("state %s", st)
		}
		if n := f.count("SELECT count(*) FROM audit_log"); n != audits {
			t.Errorf("the refused approval left %d audit records", n-audits)
		}
		if b := f.balance(requestAccount(f.req)); b != 10_000_00-1 {
			t.Errorf("request holds %s", b)
		}
		f.verify()
	})
}

// Bad input at Apply: above the balance, an unlisted payee kind, a
// hospital outside the directory, a second payout for money already in
// flight; none saves anything.
func TestApplyRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.fund(f.req, 40_000_00)

		_, err := f.s.Apply(ctx, f.publisher, f.app(40_000_01))
		wantErr(t, "above the balance", err, "invalid "+KeyInvalid+" amount:"+KeyAmountBalance)
		a := f.app(100)
		a.Payee = "partner"
		_, err = f.s.Apply(ctx, f.publisher, a)
		wantErr(t, "unlisted payee kind", err, "invalid "+KeyInvalid+" payee:"+KeyPayeeKind)
		a = f.app(100)
		a.Payee, a.HospitalID, a.DesignatedBy = ToHospital, 99, ByRequester
		_, err = f.s.Apply(ctx, f.publisher, a)
		// (and the publisher's word alone designates nothing)
		wantErr(t, "hospital outside the directory", err,
			"invalid "+KeyInvalid+" hospital:"+KeyPayeeHospital+" payee_designation:"+KeyPayeeDesignation)
		a = f.app(100)
		a.AccountNumber = "12ab"
		_, err = f.s.Apply(ctx, f.publisher, a)
		if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "account_number" {
			t.Errorf("bad account: %s", describe(err))
		}
		a = f.app(100)
		a.Materials = []int64{12345}
		_, err = f.s.Apply(ctx, f.publisher, a)
		wantErr(t, "foreign material", err, "invalid "+KeyInvalid+" materials:"+KeyMaterial)
		stranger := f.user("stranger")
		_, err = f.s.Apply(ctx, stranger, f.app(100))
		wantErr(t, "a stranger applies", err, "forbidden "+KeyNotYours)
		if n := f.count("SELECT count(*) FROM payouts"); n != 0 {
			t.Fatalf("%d payouts saved by refused applications", n)
		}

		// available = held − in progress
		f.apply(f.publisher, f.app(30_000_00))
		_, err = f.s.Apply(ctx, f.publisher, f.app(20_000_00))
		wantErr(t, "second payout for the same money", err, "conflict "+KeyAmountInFlight)
		o, err := f.s.Options(ctx, f.publisher, f.req)
		if err != nil || o.Held != 40_000_00 || o.InProgress != 30_000_00 || o.Available != 10_000_00 {
			t.Errorf("Options = %+v, %v", o, err)
		}
		f.apply(f.publisher, f.app(10_000_00))
		if n := f.count("SELECT count(*) FROM payouts"); n != 2 {
			t.Fatalf("%d payouts", n)
		}
	})
}

// Exactly-once: Apply replayed with the same key and content returns the
// first payout; the same key with other content is a conflict.
func TestApplyReplay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.fund(f.req, 40_000_00)
		a := f.app(10_000_00)
		p1 := f.apply(f.publisher, a)
		p2 := f.apply(f.publisher, a)
		if p1.ID != p2.ID {
			t.Fatalf("replay made payout %d after %d", p2.ID, p1.ID)
		}
		b := a
		b.Amount++
		_, err := f.s.Apply(ctx, f.publisher, b)
		wantErr(t, "same key, other content", err, "conflict "+KeyKeyReused)
		b = a
		b.AccountNumber = "6222021234567890136"
		_, err = f.s.Apply(ctx, f.publisher, b)
		wantErr(t, "same key, other account", err, "conflict "+KeyKeyReused)
		if n := f.count("SELECT count(*) FROM payouts"); n != 1 {
			t.Fatalf("%d payouts", n)
		}
		// A hospital's application replayed after the directory changed.
		h := f.app(100)
		h.Payee, h.HospitalID, h.DesignatedBy = ToHospital, f.hospital.ID, ByGuardian
		h.Materials = []int64{f.material(f.req, material.Relationship, true, "")}
		ph := f.apply(f.publisher, h)
		f.s.Hospitals = fakeHospitals{}
		if again := f.apply(f.publisher, h); again.ID != ph.ID {
			t.Fatalf("replay after the directory changed made payout %d", again.ID)
		}
	})
}

// R-DISB-2, R-REF-3: the payee is the requester, a guardian or a close
// relative with reviewed proof and a designation by the requester or the
// guardian (the publisher's word alone is none), or a directory hospital.
func TestPayeeRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.fund(f.req, 40_000_00)
		proof := f.material(f.req, material.Relationship, true, "")
		unreviewed := f.material(f.req, material.Relationship, false, "")
		rel := func(by Designator, mats ...int64) Application {
			a := f.app(100)
			a.Payee, a.PayeeName, a.Relationship, a.DesignatedBy, a.Materials = ToRelative, "王五", campaign.Sibling, by, mats
			return a
		}
		_, err := f.s.Apply(ctx, f.publisher, rel(ByRequester, unreviewed))
		// The publisher (the patient's parent) says the requester designated
		// it: the publisher's word alone, and the proof is not reviewed.
		wantErr(t, "relative, unreviewed proof, publisher's word", err,
			"invalid "+KeyInvalid+" payee_proof:"+KeyPayeeProof+" payee_designation:"+KeyPayeeDesignation)
		a := rel(ByRequester, proof)
		a.Relationship = campaign.OtherRelative
		_, err = f.s.Apply(ctx, f.publisher, a)
		wantErr(t, "not a close relative", err,
			"invalid "+KeyInvalid+" payee_relationship:"+KeyPayeeNotClose+" payee_designation:"+KeyPayeeDesignation)
		// The requester, signed in, designates the relative's account.
		patient := f.requester(f.req)
		if p, err := f.s.Apply(ctx, patient, rel(ByRequester, proof)); err != nil || p.DesignatedBy != ByRequester {
			t.Fatalf("the requester designates: %+v %s", p, describe(err))
		}
		// The guardian (the publisher is the patient's parent) with the
		// guardianship proof.
		g := f.app(100)
		g.Payee, g.PayeeName, g.DesignatedBy, g.Materials = ToGuardian, "李四", ByGuardian, []int64{proof}
		if _, err := f.s.Apply(ctx, f.publisher, g); err != nil {
			t.Fatalf("the guardian designates: %s", describe(err))
		}
		g = f.app(100)
		g.Payee, g.PayeeName, g.DesignatedBy = ToGuardian, "李四", ByGuardian
		_, err = f.s.Apply(ctx, f.publisher, g)
		wantErr(t, "guardian without proof", err,
			"invalid "+KeyInvalid+" payee_proof:"+KeyPayeeProof+" payee_designation:"+KeyPayeeDesignation)
		h := f.app(100)
		h.Payee, h.HospitalID, h.DesignatedBy, h.AccountNumber = ToHospital, f.hospital.ID, ByRequester, "ignored"
		p, err := f.s.Apply(ctx, patient, h)
		if err != nil || p.HospitalName != f.hospital.Name || p.BankName != f.hospital.BankName {
			t.Fatalf("hospital payee: %+v %s", p, describe(err))
		}
	})
}

// R-REF-3: one payee account across unrelated requests is flagged in the
// queue and the view; the same account on the same request is not.
func TestSharedAccountFlagged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.fund(f.req, 40_000_00)
		other := f.request(f.user("publisher2"))
		f.fund(other, 40_000_00)
		p1 := f.apply(f.publisher, f.app(100))
		p2 := f.apply(f.publisher, f.app(100))
		q, err := f.s.Queue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range q.Rows {
			if len(r.Flags) != 0 {
				t.Fatalf("flag before any other request used the account: %+v", r.Flags)
			}
		}
		a := f.app(100)
		a.RequestID = other
		var pub2 int64
		f.read(func(ctx context.Context, tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT publisher_user_id FROM requests WHERE id = $1", other).Scan(&pub2)
		})
		p3 := f.apply(pub2, a)
		q, err = f.s.Queue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		flagged := map[int64][]int64{}
		for _, r := range q.Rows {
			for _, fl := range r.Flags {
				if fl.Kind == FlagSharedAccount {
					flagged[r.ID] = fl.Requests
				}
			}
		}
		if len(flagged) != 3 || len(flagged[p1.ID]) != 1 || flagged[p1.ID][0] != other || flagged[p2.ID][0] != other ||
			flagged[p3.ID][0] != f.req {
			t.Fatalf("flags = %v", flagged)
		}
		v, err := f.s.View(ctx, rec(f.f1, "payout.view"), p3.ID, f.f1)
		if err != nil || len(v.Flags) != 1 {
			t.Fatalf("View flags: %+v %v", v.Flags, err)
		}
	})
}

// R-DISB-3: the mode is decided at Apply on what was raised and the
// disclosure; Options show it and why. At ¥300,000 a person is paid only
// in batches, each with its expense list reviewed and published; a
// directory hospital is paid directly.
func TestModeAtApply(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.fund(f.req, 40_000_00)
		o, err := f.s.Options(ctx, f.publisher, f.req)
		if err != nil || o.Mode.Mode != Direct || o.Mode.Key != KeyModeSmall || len(o.Hospitals) != 1 ||
			o.Hospitals[0].AccountMasked == f.hospital.Account || o.Blocked != nil {
			t.Fatalf("Options below ¥50,000 = %+v, %v", o, err)
		}
		f.fund(f.req, 260_000_00)
		o, err = f.s.Options(ctx, f.publisher, f.req)
		if err != nil || o.Mode.Mode != HospitalOrBatches || o.Mode.Key != KeyModeLarge {
			t.Fatalf("Options at ¥300,000 = %+v, %v", o, err)
		}
		_, err = f.s.Apply(ctx, f.publisher, f.app(100))
		wantErr(t, "requester directly at ¥300,000", err, "invalid "+KeyInvalid+" payee:"+KeyPayeeHospitalOnly)
		a := f.app(100)
		a.Batch = true
		unpublished := f.material(f.req, material.ExpenseList, true, "")
		a.Materials = []int64{unpublished}
		_, err = f.s.Apply(ctx, f.publisher, a)
		wantErr(t, "batch with its list unpublished", err, "conflict "+KeyBatchUnpublished)
		a = f.app(100)
		a.Batch = true
		a.Materials = []int64{f.material(f.req, material.ExpenseList, true, "第一批化疗费用清单 ¥1.00")}
		if _, err := f.s.Apply(ctx, f.publisher, a); err != nil {
			t.Fatalf("batch with its list published: %s", describe(err))
		}
		h := f.app(100)
		h.Payee, h.HospitalID, h.DesignatedBy = ToHospital, f.hospital.ID, ByGuardian
		h.Materials = []int64{f.material(f.req, material.Relationship, true, "")}
		if p, err := f.s.Apply(ctx, f.publisher, h); err != nil || p.Mode != HospitalOrBatches {
			t.Fatalf("hospital at ¥300,000: %+v %s", p, describe(err))
		}
	})
}

// R-DISB-1: a complete application is due for review within 2 working
// days, an approved one for payment within 1; the queue lists overdue
// ones first, and a request for more stops the review clock.
func TestClocksInQueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.fund(f.req, 40_000_00)
		late := f.apply(f.publisher, f.app(100)) // Monday 10:00
		f.now = t0.Add(24 * time.Hour)
		fresh := f.apply(f.publisher, f.app(100)) // Tuesday
		asked := f.apply(f.publisher, f.app(100))
		if err := f.s.Claim(ctx, rec(f.f1, "c"), asked.ID, f.f1); err != nil {
			t.Fatal(err)
		}
		if err := f.s.AskMore(ctx, rec(f.f1, "ask"), asked.ID, f.f1, "请补充发票"); err != nil {
			t.Fatal(err)
		}
		f.now = time.Date(2026, 3, 5, 0, 0, 0, 0, China) // Thursday 0:00: Monday's two working days are over
		q, err := f.s.Queue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(q.Rows) != 3 || q.Rows[0].ID != late.ID || q.Rows[0].Clock != ReviewClock {
			t.Fatalf("queue = %+v", q.Rows)
		}
		for _, r := range q.Rows[1:] {
			if r.Clock != NoClock {
				t.Errorf("payout %d (%s) overdue on its %s clock", r.ID, r.State, r.Clock)
			}
		}
		if q.Counts[Requested] != 2 || q.Counts[NeedsInfo] != 1 {
			t.Errorf("counts = %v", q.Counts)
		}
		// Approved on Thursday, due for payment by the end of Friday.
		f.approve(late.ID)
		f.now = time.Date(2026, 3, 7, 9, 0, 0, 0, China) // Saturday
		q, err = f.s.Queue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Both overdue, the one overdue longest first: fresh's review was
		// due at Friday 0:00, late's payment at Saturday 0:00.
		if len(q.Rows) != 3 || q.Rows[0].ID != fresh.ID || q.Rows[0].Clock != ReviewClock ||
			q.Rows[1].ID != late.ID || q.Rows[1].Clock != PaymentClock || q.Rows[2].Clock != NoClock {
			t.Fatalf("queue after approval = %+v", q.Rows)
		}
		// The answer restarts the review clock.
		if err := f.s.Answer(ctx, f.publisher, asked.ID, "已上传发票", nil); err != nil {
			t.Fatal(err)
		}
		p, err := f.s.Get(ctx, f.publisher, asked.ID)
		if err != nil || p.State != InReview || !p.ReviewDue.Equal(time.Date(2026, 3, 11, 0, 0, 0, 0, China)) {
			t.Fatalf("after the answer: %+v %v", p, err)
		}
	})
}

// R-DISB-4: a usage update is due 30 days after each payment; until it is
// posted the next application is refused; updates are public.
func TestUsageUpdate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.fund(f.req, 40_000_00)
		p := f.apply(f.publisher, f.app(10_000_00))
		f.approve(p.ID)
		f.pay(p.ID)
		got, err := f.s.Get(ctx, f.publisher, p.ID)
		if err != nil || !got.UsageDue.Equal(t0.AddDate(0, 0, 30)) {
			t.Fatalf("usage due %v, %v", got.UsageDue, err)
		}
		if rs, err := f.s.Reminders(ctx, 7*24*time.Hour); err != nil || len(rs) != 0 {
			t.Fatalf("reminders a month ahead: %+v %v", rs, err)
		}
		f.now = t0.AddDate(0, 0, 29)
		if rs, err := f.s.Reminders(ctx, 7*24*time.Hour); err != nil || len(rs) != 1 || rs[0].PayoutID != p.ID ||
			rs[0].Overdue || rs[0].PublisherUserID != f.publisher || !rs[0].Due.Equal(t0.AddDate(0, 0, 30)) {
			t.Fatalf("reminders before the due date: %+v %v", rs, err)
		}
		f.apply(f.publisher, f.app(100))
		f.now = t0.AddDate(0, 0, 30)
		_, err = f.s.Apply(ctx, f.publisher, f.app(100))
		wantErr(t, "apply with a usage update overdue", err, "conflict "+KeyUsageOverdue)
		if rs, err := f.s.Reminders(ctx, 0); err != nil || len(rs) != 1 || !rs[0].Overdue {
			t.Fatalf("reminders after the due date: %+v %v", rs, err)
		}
		o, err := f.s.Options(ctx, f.publisher, f.req)
		if err != nil || len(o.UsageOverdue) != 1 || o.UsageOverdue[0] != p.ID || describe(o.Blocked) != "conflict "+KeyUsageOverdue {
			t.Fatalf("Options = %+v, %v", o, err)
		}
		receipt := f.material(f.req, material.Other, false, "")
		if err := f.s.PostUsage(ctx, f.publisher, p.ID, Usage{Text: "已用于第一期化疗", Receipts: []int64{receipt}}); err != nil {
			t.Fatal(err)
		}
		f.apply(f.publisher, f.app(100))
		if rs, err := f.s.Reminders(ctx, 0); err != nil || len(rs) != 0 {
			t.Fatalf("reminders after the update: %+v %v", rs, err)
		}
		pub, err := f.s.Public(ctx, f.req)
		if err != nil || len(pub) != 1 || len(pub[0].Usage) != 1 || pub[0].Usage[0].Text != "已用于第一期化疗" ||
			pub[0].Usage[0].Receipts != 1 {
			t.Fatalf("Public = %+v, %v", pub, err)
		}
	})
}

// The bank's outcomes apply once: a replay does nothing, a contradicting
// outcome is quarantined and refused, a rejection reverses the approval
// (the money is back on the request), a return after payment posts
// bank:custody → request:R under custody:<transfer>:return.
func TestSettle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.fund(f.req, 40_000_00)
		// Settle needs custody money: the provider settled the donations.
		if _, err := f.s.Ledger.Post(ctx, ledger.Transfer("test:settle", "settlement", "bank:custody", "psp:sandbox", 40_000_00)); err != nil {
			t.Fatal(err)
		}
		p := f.apply(f.publisher, f.app(10_000_00))
		f.approve(p.ID)
		tid := f.pay(p.ID)
		if err := f.s.Settle(ctx, tid, Outcome{Status: StatusPaid, At: f.now}); err != nil {
			t.Errorf("replayed paid: %s", describe(err))
		}
		err := f.s.Settle(ctx, tid, Outcome{Status: StatusRejected, Reason: "AC04 closed account", At: f.now})
		wantErr(t, "rejected after paid", err, "conflict "+KeyOutcome)
		err = f.s.Settle(ctx, tid, Outcome{Status: StatusRejected, Reason: "AC04 closed account", At: f.now})
		wantErr(t, "the same contradiction again", err, "conflict "+KeyOutcome)
		if n := f.count("SELECT count(*) FROM payout_outcome_copies WHERE transfer_id = $1", tid); n != 1 {
			t.Errorf("%d quarantined copies", n)
		}
		if st := f.state(p.ID); st != Paid {
			t.Fatalf("state %s after a contradicting outcome", st)
		}
		if b := f.balance("bank:custody"); b != 30_000_00 {
			t.Fatalf("custody %s", b)
		}
		if err := f.s.Settle(ctx, tid, Outcome{Status: StatusReturned, Reason: "退票", At: f.now}); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Settle(ctx, tid, Outcome{Status: StatusReturned, Reason: "退票", At: f.now}); err != nil {
			t.Errorf("replayed return: %s", describe(err))
		}
		if e, err := f.s.Ledger.EntryByKey(ctx, "custody:"+tid+":return"); err != nil || e.Kind != "payout_return" {
			t.Fatalf("return entry %+v %v", e, err)
		}
		if st := f.state(p.ID); st != Returned {
			t.Fatalf("state %s", st)
		}
		if b := f.balance(requestAccount(f.req)); b != 40_000_00 {
			t.Errorf("request holds %s after the return", b)
		}

		// Rejected before payment: the approval is reversed.
		q := f.apply(f.publisher, f.app(5_000_00))
		f.approve(q.ID)
		qt := TransferID(q.ID, 1)
		if err := f.s.Sending(ctx, q.ID, qt); err != nil {
			t.Fatal(err)
		}
		wantErr(t, "another transfer of a sent payout", f.s.Sending(ctx, q.ID, TransferID(q.ID, 2)), "conflict "+KeyTransfer)
		if err := f.s.Settle(ctx, qt, Outcome{Status: StatusRejected, Reason: "AC01", At: f.now}); err != nil {
			t.Fatal(err)
		}
		if st := f.state(q.ID); st != Failed {
			t.Fatalf("state %s", st)
		}
		if b := f.balance(requestAccount(f.req)); b != 40_000_00 {
			t.Errorf("request holds %s after the rejection", b)
		}
		err = f.s.Settle(ctx, qt, Outcome{Status: StatusPaid, At: f.now})
		wantErr(t, "paid after rejected", err, "conflict "+KeyOutcome)
		if b := f.balance(payableAccount(q.ID)); b != 0 {
			t.Errorf("payable %s", b)
		}
		wantErr(t, "not a transfer id", f.s.Settle(ctx, "XYZ", Outcome{Status: StatusPaid}), "invalid "+KeyTransfer)
		wantErr(t, "no such payout", f.s.Settle(ctx, "CFPO999A1", Outcome{Status: StatusPaid}), "conflict "+KeyOutcome)
		if n := f.count("SELECT count(*) FROM payout_outcome_copies WHERE transfer_id = 'CFPO999A1'"); n != 1 {
			t.Errorf("%d copies of the unknown transfer's outcome", n)
		}
		// A reason that says "now" is text, not a time.
		r := f.apply(f.publisher, f.app(100))
		if err := f.s.Claim(ctx, rec(f.f1, "c"), r.ID, f.f1); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Reject(ctx, rec(f.f1, "r"), r.ID, f.f1, "now"); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.s.Get(ctx, f.publisher, r.ID); got.Reason != "now" {
			t.Errorf("reason %q", got.Reason)
		}
		f.verify()
	})
}

// A return reported before the payment it undoes applies both, once.
func TestSettleReturnBeforePaid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.fund(f.req, 40_000_00)
		if _, err := f.s.Ledger.Post(ctx, ledger.Transfer("test:settle", "settlement", "bank:custody", "psp:sandbox", 40_000_00)); err != nil {
			t.Fatal(err)
		}
		p := f.apply(f.publisher, f.app(10_000_00))
		f.approve(p.ID)
		tid := TransferID(p.ID, 1)
		if err := f.s.Sending(ctx, p.ID, tid); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Settle(ctx, tid, Outcome{Status: StatusReturned, At: f.now}); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Settle(ctx, tid, Outcome{Status: StatusPaid, At: f.now}); err != nil {
			t.Fatal(err)
		}
		if st := f.state(p.ID); st != Returned {
			t.Fatalf("state %s", st)
		}
		if b := f.balance(requestAccount(f.req)); b != 40_000_00 {
			t.Errorf("request holds %s", b)
		}
		if b := f.balance("bank:custody"); b != 40_000_00 {
			t.Errorf("custody holds %s", b)
		}
		f.verify()
	})
}

// R-PII-1: the account number is sealed at rest (its digits appear in no
// column of the payouts table), masked in Get, View, Queue and Public, and
// revealed only through RevealAccount, which is audited.
func TestAccountSealedMaskedAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.fund(f.req, 40_000_00)
		a := f.app(10_000_00)
		a.Payee, a.PayeeName, a.DesignatedBy = ToGuardian, "李大明", ByGuardian
		a.Materials = []int64{f.material(f.req, material.Relationship, true, "")}
		p := f.apply(f.publisher, a)
		f.read(func(ctx context.Context, tx *store.Tx) error {
			return store.Each(ctx, tx, func(rows *sql.Rows) error {
				cols, _ := rows.Columns()
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					return err
				}
				for i, v := range vals {
					var s string
					switch x := v.(type) {
					case []byte:
						s = string(x)
					case string:
						s = x
					}
					if strings.Contains(s, account) || strings.Contains(s, account[4:]) || strings.Contains(s, "李大明") {
						t.Errorf("column %s holds the account or the name in clear", cols[i])
					}
				}
				return nil
			}, "SELECT * FROM payouts")
		})
		masked := p.AccountMasked
		if masked == "" || strings.Contains(masked, account[:10]) {
			t.Fatalf("mask %q", masked)
		}
		v, err := f.s.View(ctx, rec(f.f1, "payout.view"), p.ID, f.f1)
		if err != nil || v.AccountMasked != masked {
			t.Fatalf("View: %+v %v", v, err)
		}
		q, _ := f.s.Queue(ctx)
		if len(q.Rows) != 1 || q.Rows[0].AccountMasked != masked {
			t.Fatalf("Queue: %+v", q.Rows)
		}
		full, err := f.s.RevealAccount(ctx, rec(f.f1, "payout.reveal_account"), p.ID, f.f1)
		if err != nil || full != account {
			t.Fatalf("RevealAccount = %q, %v", full, err)
		}
		if n := f.count("SELECT count(*) FROM audit_log WHERE action = 'payout.reveal_account' AND actor = $1", f.f1.Actor()); n != 1 {
			t.Errorf("%d audit records of the reveal", n)
		}
		other := f.staff("related", staff.Finance)
		f.relate(other, f.publisher)
		_, err = f.s.RevealAccount(ctx, rec(other, "payout.reveal_account"), p.ID, other)
		wantErr(t, "related staff reveal", err, "forbidden "+KeyRelated)
	})
}

// R-DISB-2: the public page says to whom as a kind or the hospital's
// name, with the batch's published expense list; never an account or a
// person's name.
func TestPublic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.fund(f.req, 40_000_00)
		p := f.apply(f.publisher, f.app(10_000_00))
		h := f.app(5_000_00)
		h.Payee, h.HospitalID, h.DesignatedBy = ToHospital, f.hospital.ID, ByGuardian
		h.Materials = []int64{f.material(f.req, material.Relationship, true, ""),
			f.material(f.req, material.ExpenseList, true, "三月住院费用清单")}
		ph := f.apply(f.publisher, h)
		open := f.apply(f.publisher, f.app(100))
		f.approve(p.ID)
		f.approve(ph.ID)
		pub, err := f.s.Public(ctx, f.req)
		if err != nil || len(pub) != 2 {
			t.Fatalf("Public = %+v, %v", pub, err)
		}
		if pub[0].ToKey != "payout.public.to.requester" || pub[1].Hospital != f.hospital.Name ||
			len(pub[1].ExpenseList) != 1 || pub[1].ExpenseList[0] != "三月住院费用清单" {
			t.Errorf("Public = %+v", pub)
		}
		for _, x := range pub {
			if x.ID == open.ID {
				t.Errorf("an open application is public")
			}
			if s := fmt.Sprintf("%+v", x); strings.Contains(s, account[len(account)-4:]) || strings.Contains(s, f.hospital.Account[len(f.hospital.Account)-4:]) {
				t.Errorf("public payout shows an account: %s", s)
			}
		}
		for _, k := range PayeeKinds {
			if !i18n.Has(ToKey(k)) {
				t.Errorf("%s not in the catalog", ToKey(k))
			}
		}
	})
}

// The publisher and the finance officer: asking for more, answering,
// rejecting with a reason the publisher reads.
func TestAskAnswerReject(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.fund(f.req, 40_000_00)
		p := f.apply(f.publisher, f.app(10_000_00))
		wantErr(t, "answer unasked", f.s.Answer(ctx, f.publisher, p.ID, "x", nil), "conflict "+KeyState)
		if err := f.s.Claim(ctx, rec(f.f1, "c"), p.ID, f.f1); err != nil {
			t.Fatal(err)
		}
		wantErr(t, "another asks", f.s.AskMore(ctx, rec(f.f2, "a"), p.ID, f.f2, "?"), "forbidden "+KeyNotClaimed)
		if err := f.s.AskMore(ctx, rec(f.f1, "a"), p.ID, f.f1, "请补充费用清单"); err != nil {
			t.Fatal(err)
		}
		got, _ := f.s.Get(ctx, f.publisher, p.ID)
		if got.State != NeedsInfo || got.Question != "请补充费用清单" {
			t.Fatalf("after asking: %+v", got)
		}
		stranger := f.user("stranger")
		_, err := f.s.Get(ctx, stranger, p.ID)
		wantErr(t, "a stranger reads", err, "forbidden "+KeyNotYours)
		wantErr(t, "a stranger answers", f.s.Answer(ctx, stranger, p.ID, "x", nil), "forbidden "+KeyNotYours)
		m := f.material(f.req, material.Other, false, "")
		if err := f.s.Answer(ctx, f.publisher, p.ID, "已上传", []int64{m}); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Reject(ctx, rec(f.f1, "r"), p.ID, f.f1, "费用与诊断不符"); err != nil {
			t.Fatal(err)
		}
		got, _ = f.s.Get(ctx, f.publisher, p.ID)
		if got.State != Rejected || got.Reason != "费用与诊断不符" {
			t.Fatalf("after rejecting: %+v", got)
		}
		mine, err := f.s.Mine(ctx, f.publisher, f.req)
		if err != nil || len(mine) != 1 {
			t.Fatalf("Mine = %+v %v", mine, err)
		}
		// A rejected application holds no money in progress.
		o, _ := f.s.Options(ctx, f.publisher, f.req)
		if o.InProgress != 0 || o.Available != 40_000_00 {
			t.Errorf("Options = %+v", o)
		}
	})
}

// A request suspended for investigation pays nothing: no application, no
// second approval, and an approved payout is not handed to the bank; nor
// once it is terminated (R-REV-4, R-REF-2).
func TestSuspendedRequestPaysNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.fund(f.req, 40_000_00)
		first := f.apply(f.publisher, f.app(10_000_00))
		second := f.apply(f.publisher, f.app(10_000_00))
		f.approve(first.ID)
		if err := f.s.Claim(ctx, rec(f.f1, "c"), second.ID, f.f1); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Approve(ctx, rec(f.f1, "a"), second.ID, f.f1, ""); err != nil {
			t.Fatal(err)
		}
		f.write(func(ctx context.Context, tx *store.Tx) error {
			_, err := f.s.Campaigns.Apply(ctx, tx, f.req, campaign.Suspend, "staff:1", "investigation")
			return err
		})
		_, err := f.s.Apply(ctx, f.publisher, f.app(100))
		wantErr(t, "apply while suspended", err, "conflict "+KeyNotPayable)
		_, err = f.s.Approve(ctx, rec(f.f2, "a"), second.ID, f.f2, "")
		wantErr(t, "second approval while suspended", err, "conflict "+KeyNotPayable)
		if ins, err := f.s.Ready(ctx, 10); err != nil || len(ins) != 0 {
			t.Fatalf("Ready while suspended = %+v, %v", ins, err)
		}
		if b := f.balance(requestAccount(f.req)); b != 30_000_00 {
			t.Errorf("request holds %s", b)
		}
		// Terminated for fraud (R-REF-2): still nothing paid out.
		f.write(func(ctx context.Context, tx *store.Tx) error {
			_, err := f.s.Campaigns.Apply(ctx, tx, f.req, campaign.Terminate, "staff:1", "fraud")
			return err
		})
		_, err = f.s.Approve(ctx, rec(f.f2, "a"), second.ID, f.f2, "")
		wantErr(t, "second approval when terminated", err, "conflict "+KeyNotPayable)
		if ins, err := f.s.Ready(ctx, 10); err != nil || len(ins) != 0 {
			t.Fatalf("Ready when terminated = %+v, %v", ins, err)
		}
	})
}

// The database keeps what was applied for fixed and the history append
// only, whatever the code does.
func TestDatabaseGuards(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.fund(f.req, 40_000_00)
		a := f.app(100)
		a.Materials = []int64{f.material(f.req, material.Other, false, "")}
		p := f.apply(f.publisher, a)
		id := itoa(p.ID)
		for _, q := range []string{
			"UPDATE payouts SET amount_fen = 1 WHERE id = " + id,
			"UPDATE payouts SET account_index = account_index WHERE id = " + id,
			"UPDATE payouts SET payee_kind = 'hospital' WHERE id = " + id,
			"DELETE FROM payouts WHERE id = " + id,
			"UPDATE payout_events SET text = 'x' WHERE payout_id = " + id,
			"DELETE FROM payout_events WHERE payout_id = " + id,
			"UPDATE payouts SET state = 'approved' WHERE id = " + id, // no approval entry
			"UPDATE payout_materials SET purpose = 'usage' WHERE payout_id = " + id,
			"DELETE FROM payout_materials WHERE payout_id = " + id,
		} {
			err := db.Write(context.Background(), func(tx *store.Tx) error {
				_, err := tx.ExecContext(context.Background(), q)
				return err
			})
			if err == nil {
				t.Errorf("%s: allowed", q)
			}
		}
	})
}
