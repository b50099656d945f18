package demo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/bank"
	"github.com/carefund/carefund/internal/bank/iso20022"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/hospital"
	"github.com/carefund/carefund/internal/jobs"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/payout"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/reconcile"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// metaPayouts records that the demonstration payouts were made.
const metaPayouts = "demo_payouts_loaded_at"

// The demonstration payouts, by the state each is left in. The amounts'
// last two fen digits choose what the sandbox bank does with a transfer
// (bank.HabitOf): …01 account closed, …03 paid then returned, …04 held to
// the next working day; anything else is paid.
const (
	amountOverdue   money.Fen = 500_00    // paid five weeks ago, no usage update: overdue (R-DISB-4)
	amountUsage     money.Fen = 30_000_00 // paid, usage update posted
	amountHospital  money.Fen = 100_000_00
	amountBatch     money.Fen = 50_000_00 // a batch to the patient, expense list published (R-DISB-3)
	amountFailed    money.Fen = 5_000_01  // rejected by the bank: account closed
	amountReturned  money.Fen = 300_03    // paid, then returned by the payee's bank (退票)
	amountRejected  money.Fen = 300_00    // rejected by finance
	amountNeedsInfo money.Fen = 200_00
	amountRequested money.Fen = 150_00
	amountInReview  money.Fen = 8_000_00
	amountFirst     money.Fen = 6_000_00
	amountPaying    money.Fen = 2_000_04 // held by the bank to its next working day
	amountApproved  money.Fen = 20_000_00
)

// largeRaised is what the demonstration burns request raises with the
// large gifts of loadPayouts: above payout.LargeRaised, so its money goes to
// the hospital or in batches (R-DISB-3).
const largeRaised = payout.LargeRaised + 20_000_00

// world is one clock's view of the platform's payout side: the services
// built on a database handle whose transactions take the clock's time.
type world struct {
	db      *store.DB
	clock   func() time.Time
	ledger  *ledger.Ledger
	payouts *payout.Service
	bank    *bank.Service
	sandbox *bank.Sandbox
	recon   *reconcile.Service
}

func newWorld(db *store.DB, v *vault.Vault, l *ledger.Ledger, sb *bank.Sandbox, clock func() time.Time) *world {
	return &world{db: db, clock: clock, ledger: l, sandbox: sb,
		payouts: &payout.Service{DB: db, Ledger: l, Vault: v, Campaigns: campaign.Store{Vault: v},
			Materials: material.Store{Vault: v}, Hospitals: platform.HospitalDirectory(v), Now: clock},
		bank:  &bank.Service{DB: db, Bank: sb, Vault: v},
		recon: &reconcile.Service{DB: db, Ledger: l, Custody: sb.Account},
	}
}

// payoutLoader makes the demonstration payouts.
type payoutLoader struct {
	ctx                     context.Context
	v                       *vault.Vault
	finance, second, admin  staff.Staff
	reqs                    map[string]demoRequest // by publisher
	hospitalID, expenseList int64
	past, now               *world
	pastClock               *bank.Clock
	start                   time.Time // when the bank's history begins
	sealer                  staff.Sealer
}

// demoRequest is a demonstration request to pay out of: its id, its
// publisher's user id and, for the burns request, the patient's, who signs
// in to designate the hospital's account (R-DISB-2).
type demoRequest struct{ id, user, requester int64 }

// patientPhoneSeq puts the phone numbers of the patients who sign in after
// the publishers' and before the donors'.
const patientPhoneSeq = 300

// loadPayouts takes money out of the demonstration requests through the
// payout service, the bank jobs and the sandbox bank, as finance officers
// and the bank would, leaving a payout in every state (see the amounts
// above), and reconciles the custody account's statements.
//
// What the bank did in the past is played on a second sandbox bank over
// the same books whose clock starts five weeks ago and is moved on: its
// transfers, outcomes and statements, and the ledger entries and payout
// rows they cause, carry its time (a database handle on its clock, see
// store.DB.WithClock), so that a payout paid five weeks ago has its usage
// update overdue and every statement matches its day. Its clock stops days
// before now, whatever the hour or the day of the week; the last payout is
// sent to the platform's own sandbox at the real time, so it stays paying
// until the bank's next working day.
func loadPayouts(ctx context.Context, db *store.DB, sealer staff.Sealer, v *vault.Vault, donations *donation.Service) (bool, error) {
	var done bool
	if err := db.Read(ctx, func(tx *store.Tx) (err error) { done, err = hasMeta(ctx, tx, metaPayouts); return err }); err != nil || done {
		return false, err
	}
	l := &payoutLoader{ctx: ctx, v: v, sealer: sealer, reqs: map[string]demoRequest{}}
	if err := l.prepare(db); err != nil {
		return false, err
	}
	if err := l.largeGifts(db, donations); err != nil {
		return false, err
	}
	l.start = pastStart(time.Now())
	l.pastClock = bank.NewClock(l.start)
	pastDB := db.WithClock(l.pastClock.Now)
	pastLedger := donations.Ledger.On(pastDB)
	defer pastLedger.Close()
	l.past = newWorld(pastDB, v, pastLedger, bank.NewSandbox(pastDB, l.pastClock), l.pastClock.Now)
	l.now = newWorld(db, v, donations.Ledger, bank.NewSandbox(db, nil), time.Now)
	for _, step := range []func() error{l.custodyRecord, l.settle, l.paidLongAgo, l.paidAndFailed, l.returned, l.open, l.reconcile, l.current} {
		if err := step(); err != nil {
			return false, err
		}
	}
	err := db.Write(ctx, func(tx *store.Tx) error { return tx.SetMeta(ctx, metaPayouts, tx.Now.Format(time.RFC3339)) })
	return err == nil, err
}

// pastStart is when the demonstration bank's history begins: ten in the
// morning, bank time, of the working day 36 days before now or the first
// after it. The payouts it plays end about a week before now.
func pastStart(now time.Time) time.Time {
	d := now.In(bank.Zone).AddDate(0, 0, -36)
	return workingDayFrom(time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, bank.Zone))
}

// prepare finds the demonstration staff, requests, hospital and the burns
// request's published expense list.
func (l *payoutLoader) prepare(db *store.DB) error {
	return db.Write(l.ctx, func(tx *store.Tx) error {
		// The function may run twice: it starts afresh.
		l.reqs, l.expenseList, l.hospitalID = map[string]demoRequest{}, 0, 0
		byName, err := ensureStaff(l.ctx, tx, l.sealer)
		if err != nil {
			return err
		}
		l.finance, l.second, l.admin = byName[financeName], byName[secondFinanceName], byName[adminName]
		cs := campaign.Store{Vault: l.v}
		accounts := &account.Service{Vault: l.v}
		for i, sp := range specs {
			u, err := accounts.EnsureUser(l.ctx, tx, Phone(i+1))
			if err != nil {
				return err
			}
			rs, err := cs.ListByPublisher(l.ctx, tx, u.ID)
			if err != nil {
				return err
			}
			if len(rs) == 0 {
				continue
			}
			r := demoRequest{id: rs[0].ID, user: u.ID}
			if sp.publisher == pubLarge {
				// The patient, out of intensive care, signs in with his
				// verified identity: he is the requester.
				p, err := accounts.EnsureUser(l.ctx, tx, Phone(patientPhoneSeq+i+1))
				if err != nil {
					return err
				}
				_, err = accounts.VerifiedIdentity(l.ctx, tx, p.ID)
				if apperr.CodeOf(err) == apperr.NotFound {
					err = accounts.RecordDemoIdentity(l.ctx, tx, p.ID, sp.patient, demoID(patientSeq+i+1))
				}
				if err != nil {
					return err
				}
				r.requester = p.ID
			}
			l.reqs[sp.publisher] = r
		}
		for _, name := range []string{pubUsage, pubLarge, pubSmall, pubOther, pubOverdue} {
			if l.reqs[name].id == 0 {
				return fmt.Errorf("demo payouts: no request of %s", name)
			}
		}
		hs, err := hospital.Active(l.ctx, tx)
		if err != nil {
			return err
		}
		if len(hs) == 0 {
			return fmt.Errorf("demo payouts: no hospital in the directory")
		}
		l.hospitalID = hs[0].ID
		mats, err := material.Store{Vault: l.v}.List(l.ctx, tx, l.reqs[pubLarge].id)
		if err != nil {
			return err
		}
		for _, m := range mats {
			if m.Kind == material.ExpenseList && !m.ReviewedAt.IsZero() && !m.PublishedAt.IsZero() {
				l.expenseList = m.ID
			}
		}
		if l.expenseList != 0 {
			return nil
		}
		// The first batch's expense list, filed by the publisher, checked
		// and published by a reviewer before the batch may be paid
		// (R-DISB-3).
		ms := material.Store{Vault: l.v}
		id, rv := l.reqs[pubLarge].id, byName[reviewerName]
		m, err := ms.Add(l.ctx, tx, id, material.ExpenseList, bytes.NewReader(documentPNG(material.ExpenseList, "batch-1")),
			"file", "user:"+strconv.FormatInt(l.reqs[pubLarge].user, 10))
		if err != nil {
			return fmt.Errorf("the batch's expense list: %w", err)
		}
		if err := ms.MarkReviewed(l.ctx, tx, id, m.ID, rv.Actor()); err != nil {
			return err
		}
		if err := ms.Publicize(l.ctx, tx, id, m.ID, "【演示】第一批费用清单：第一次植皮手术、重症监护及换药费用合计 5 万元，医院已盖章（演示数据）。", rv.Actor()); err != nil {
			return err
		}
		l.expenseList = m.ID
		return nil
	})
}

// The publishers of the requests paid out of.
const (
	pubUsage   = "郭晓东" // closed at its target: paid, failed, in review, first approved, paying
	pubLarge   = "马超"  // burns, raised above ¥300,000: hospital, batch, approved
	pubSmall   = "张敏"  // returned, requested
	pubOther   = "林秀英" // rejected, needs info
	pubOverdue = "何静"  // paid five weeks ago, usage update overdue
)

// largeGifts takes the burns request above ¥300,000 raised, with large
// gifts (a company's and a hometown association's collections, say),
// through the donation service as loadDonations gives.
func (l *payoutLoader) largeGifts(db *store.DB, svc *donation.Service) error {
	s := *svc
	s.Merchant = map[string]string{demoProvider: demoMerchant}
	hi := s.Max
	if hi <= 0 {
		hi = donation.DefaultMax
	}
	id := l.reqs[pubLarge].id
	for i := range 100 {
		var raised money.Fen
		if err := db.Read(l.ctx, func(tx *store.Tx) (err error) { raised, _, err = donation.Totals(l.ctx, tx, id); return err }); err != nil {
			return err
		}
		if raised >= largeRaised {
			return nil
		}
		key := "demo-large-" + strconv.Itoa(i)
		o, err := s.CreateOrder(l.ctx, donation.OrderInput{RequestID: id, Amount: min(largeRaised-raised, hi).String(),
			Provider: demoProvider, ClientToken: key, Anonymous: true, Message: "单位同事和老乡会的集体捐款，祝早日康复。"})
		if err != nil {
			return fmt.Errorf("demo large gift %d: %w", i, err)
		}
		out, err := s.Confirm(l.ctx, payment.Payment{Provider: demoProvider, OrderID: o.OrderNo, TransactionID: key,
			Merchant: demoMerchant, Amount: o.Amount, State: payment.Paid, PaidAt: o.CreatedAt})
		if err == nil && out.Quarantined {
			err = fmt.Errorf("demo large gift %d was quarantined", i)
		}
		if err != nil {
			return err
		}
	}
	return fmt.Errorf("demo payouts: the large gifts did not reach %s", largeRaised)
}

// rec is the audit record of a finance officer's step.
func rec(by staff.Staff, action, object string) audit.Record {
	return audit.Record{Actor: by.Actor(), Action: action, Object: object, Result: audit.ResultOK, Detail: "demonstration data"}
}

// custodyRecord records the custody account (R-FUND-3): opened at the
// sandbox bank on finance's proposal, approved by an administrator,
// reported to the Ministry of Civil Affairs, then in effect.
func (l *payoutLoader) custodyRecord() error {
	w := l.past
	approvals := staff.NewApprovals()
	approvals.Register(staff.KindCustodyChange, bank.CustodyExecutor())
	bs := *w.bank
	bs.Approvals = approvals
	staffs := &staff.Service{DB: w.db, Approvals: approvals, Now: w.clock, Sealer: l.sealer}
	today := bank.Day(w.clock())
	changes, err := bs.CustodyChanges(l.ctx)
	if err != nil {
		return err
	}
	var ch bank.CustodyChange
	if len(changes) > 0 {
		// Recorded by a load that stopped half-way: taken on from there.
		ch = changes[0]
	} else {
		ch, err = bs.ProposeChange(l.ctx, rec(l.finance, "bank.custody.propose", "custody"), l.finance, bank.ChangeRequest{
			Action: bank.ActionOpen, BankName: "演示托管银行（沙箱）", Number: bank.SandboxAccount, EffectiveOn: today,
			Reason: "【演示】开立募捐款项专用托管账户，按托管协议由托管银行监督拨付。"})
		if err != nil {
			return fmt.Errorf("custody proposal: %w", err)
		}
	}
	obj := "custody_change:" + strconv.FormatInt(ch.ID, 10)
	steps := []struct {
		from bank.ChangeState
		do   func() error
	}{
		{bank.ChangeProposed, func() error {
			return staffs.Decide(l.ctx, rec(l.admin, "staff.proposal.approve", "proposal:"+strconv.FormatInt(ch.ProposalID, 10)),
				l.admin, ch.ProposalID, true, "核对托管协议无误")
		}},
		{bank.ChangeApproved, func() error {
			return bs.ReportToMinistry(l.ctx, rec(l.finance, "bank.custody.report", obj), ch.ID, today, "演示-民政备案-0001", l.finance)
		}},
		// Put into effect by another officer than the one who proposed it.
		{bank.ChangeReported, func() error {
			return bs.MakeEffective(l.ctx, rec(l.second, "bank.custody.effective", obj), ch.ID, l.second)
		}},
	}
	for i, st := range steps {
		if ch.State != st.from {
			continue
		}
		if err := st.do(); err != nil {
			return fmt.Errorf("custody change, step %d: %w", i+1, err)
		}
		if i+1 < len(steps) {
			ch.State = steps[i+1].from
		}
	}
	return nil
}

// settlementRef is the reference of the settlement of the demonstration
// donations into custody: the bank's credit line carries it, and the
// ledger posts it as custody:<ref>.
const settlementRef = "CFST-sandbox-demo"

// settle moves the donations from the payment provider into custody: the
// provider's settlement credited by the bank and posted to the ledger,
// under the same reference (R-FUND-1). The settlement covers the
// demonstration donations; its fees stay with the provider's account.
func (l *payoutLoader) settle() error {
	w := l.past
	var posted int
	if err := w.db.Read(l.ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(l.ctx, "SELECT count(*) FROM reconcile_settlements WHERE ref = $1 AND status = 'posted'",
			settlementRef).Scan(&posted)
	}); err != nil || posted > 0 {
		return err
	}
	f, err := l.settlement(w.db, bank.Day(w.clock()))
	if err != nil {
		return err
	}
	if err := w.sandbox.Credit(l.ctx, bank.Credit{Reference: f.Ref, Amount: f.Net, From: "沙箱支付（演示）",
		Remittance: "settlement " + f.Ref}); err != nil {
		return err
	}
	_, err = w.recon.Settle(l.ctx, f)
	return err
}

// settlement is the sandbox provider's settlement of the demonstration
// donations (their transaction ids start with "demo-"), dated day, with
// its fee of 0.6%.
func (l *payoutLoader) settlement(db *store.DB, day time.Time) (payment.Settlement, error) {
	f := payment.Settlement{Provider: demoProvider, Ref: settlementRef, Date: day}
	err := db.Read(l.ctx, func(tx *store.Tx) error {
		f.Lines = nil
		return store.Each(l.ctx, tx, func(rows *sql.Rows) error {
			var ln payment.SettlementLine
			if err := rows.Scan(&ln.TransactionID, &ln.Amount); err != nil {
				return err
			}
			ln.Fee = (ln.Amount*payment.SandboxFeePerMille + 500) / 1000
			f.Lines = append(f.Lines, ln)
			return nil
		}, `SELECT transaction_id, amount_fen FROM donations WHERE provider = $1 AND transaction_id LIKE 'demo-%'
			ORDER BY transaction_id`, demoProvider)
	})
	for _, ln := range f.Lines {
		f.Gross += ln.Amount
		f.Fees += ln.Fee
	}
	f.Net = f.Gross - f.Fees
	return f, err
}

// apply files a payout as the request's publisher.
func (l *payoutLoader) apply(w *world, pub, key string, a payout.Application) (int64, error) {
	r := l.reqs[pub]
	a.RequestID, a.Key = r.id, "demo-"+key
	if a.Payee == "" {
		a.Payee = payout.ToRequester
	}
	if a.Payee != payout.ToHospital && a.BankName == "" {
		a.BankName, a.AccountNumber = "中国农业银行演示支行", "62284800"+fmt.Sprintf("%011d", r.id*1000+int64(len(key)))
	}
	user := r.user
	if a.Payee == payout.ToHospital {
		// The requester designates the hospital's account himself.
		user, a.DesignatedBy = r.requester, payout.ByRequester
	}
	p, err := w.payouts.Apply(l.ctx, user, a)
	if err != nil {
		return 0, fmt.Errorf("demo payout %s: apply: %w", key, err)
	}
	return p.ID, nil
}

// review takes payout id through finance: claimed by the first officer,
// then approved by both (approvals 0, 1 or 2). Steps already taken (by a
// load that stopped half-way) are not taken again.
func (l *payoutLoader) review(w *world, id int64, approvals int) error {
	obj := "payout:" + strconv.FormatInt(id, 10)
	st, first, err := l.state(w, id)
	if err != nil {
		return err
	}
	if st == payout.Requested {
		if err := w.payouts.Claim(l.ctx, rec(l.finance, "payout.claim", obj), id, l.finance); err != nil {
			return fmt.Errorf("demo payout %d: claim: %w", id, err)
		}
		st = payout.InReview
	}
	if st != payout.InReview {
		return nil
	}
	officers := []staff.Staff{l.finance, l.second}
	if first {
		officers = officers[1:]
		approvals--
	}
	for _, by := range officers[:max(approvals, 0)] {
		if _, err := w.payouts.Approve(l.ctx, rec(by, "payout.approve", obj), id, by, "材料齐全，收款账户核对无误"); err != nil {
			return fmt.Errorf("demo payout %d: approval by %s: %w", id, by.Username, err)
		}
	}
	return nil
}

// state reads where payout id stands and whether it has a first approval.
func (l *payoutLoader) state(w *world, id int64) (st payout.State, first bool, err error) {
	err = w.db.Read(l.ctx, func(tx *store.Tx) error {
		var approver sql.NullInt64
		err := tx.QueryRowContext(l.ctx, "SELECT state, first_approver FROM payouts WHERE id = $1", id).Scan(&st, &approver)
		first = approver.Valid
		return err
	})
	return st, first, err
}

// pay files, reviews and approves the payouts of apps, then has the bank
// jobs send them and, once the sandbox has executed them, settle what it
// did.
func (l *payoutLoader) pay(apps map[string]payout.Application, order []string) error {
	w := l.past
	ids := map[int64]bool{}
	for _, key := range order {
		a := apps[key]
		id, err := l.apply(w, publisherOf[key], key, a)
		if err != nil {
			return err
		}
		if err := l.review(w, id, 2); err != nil {
			return err
		}
		// Sent unless a load that stopped half-way sent it already;
		// asking the payouts for what is ready unseals (and audits) every
		// approved payee account.
		if st, _, err := l.state(w, id); err != nil {
			return err
		} else if st == payout.Approved {
			ids[id] = true
		}
	}
	exec := only{jobs.PayoutsExecutor(w.payouts), ids}
	if len(ids) > 0 {
		if _, err := jobs.DispatchPayouts(l.ctx, exec, w.bank, 100); err != nil {
			return err
		}
	}
	l.pastClock.Advance(bank.Processing + 10*time.Minute)
	_, err := jobs.PollPayouts(l.ctx, exec, w.bank)
	return err
}

// only is the bank jobs' view of the payouts that offers as ready only the
// payouts in ids: the demonstration sends its own payouts at the moment it
// plays, and none other (not the one it leaves approved for the bank job,
// when a load that stopped half-way runs again).
type only struct {
	jobs.PayoutExecutor
	ids map[int64]bool
}

func (o only) Ready(ctx context.Context, limit int) ([]jobs.BankInstruction, error) {
	all, err := o.PayoutExecutor.Ready(ctx, 1000)
	var out []jobs.BankInstruction
	for _, in := range all {
		if o.ids[in.PayoutID] && len(out) < limit {
			out = append(out, in)
		}
	}
	return out, err
}

// publisherOf says whose request each demonstration payout is from.
var publisherOf = map[string]string{
	"overdue": pubOverdue, "usage": pubUsage, "hospital": pubLarge, "batch": pubLarge, "failed": pubUsage,
	"returned": pubSmall, "rejected": pubOther, "needs-info": pubOther, "requested": pubSmall,
	"in-review": pubUsage, "first": pubUsage, "paying": pubUsage, "approved": pubLarge,
}

// paidLongAgo pays the payout whose usage update is now overdue, on the
// first day of the bank's history.
func (l *payoutLoader) paidLongAgo() error {
	return l.pay(map[string]payout.Application{"overdue": {Amount: amountOverdue,
		Purpose: "第二次造血干细胞移植前的配型及检查费用（演示）"}}, []string{"overdue"})
}

// paidAndFailed pays, three weeks and a day later (payday), the payouts of the
// closed request and of the burns request (to the hospital, and a batch to
// the patient with its expense list published), and one the bank rejects
// because the account is closed; the next day the publishers post their
// usage updates.
func (l *payoutLoader) paidAndFailed() error {
	payday := payday(l.start)
	l.to(payday)
	err := l.pay(map[string]payout.Application{
		"usage": {Amount: amountUsage, Purpose: "第一至三疗程免疫化疗费用（演示）"},
		"hospital": {Amount: amountHospital, Payee: payout.ToHospital, HospitalID: l.hospitalID,
			Purpose: "直接支付医院：第二次植皮手术及重症监护费用（演示）"},
		"batch": {Amount: amountBatch, Batch: true, Materials: []int64{l.expenseList},
			Purpose: "第一批：按已公示的费用清单支付已垫付的住院费用（演示）"},
		"failed":   {Amount: amountFailed, Purpose: "复查及住院押金（演示）"},
		"returned": {Amount: amountReturned, Purpose: "化疗期间的检查费用（演示）"},
	}, []string{"usage", "hospital", "batch", "failed", "returned"})
	if err != nil {
		return err
	}
	l.to(payday.Add(24 * time.Hour))
	for key, text := range map[string]string{
		"usage":    "第一至三疗程的免疫化疗已完成，费用清单和发票已上传，复查结果显示肿瘤明显缩小。谢谢大家！（演示）",
		"hospital": "款项已由平台直接支付给医院，第二次植皮手术顺利完成，弟弟已转出重症监护室。（演示）",
	} {
		id, err := l.payoutID(key)
		if err != nil {
			return err
		}
		var posted int
		if err := l.past.db.Read(l.ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(l.ctx, "SELECT count(*) FROM payout_usage WHERE payout_id = $1", id).Scan(&posted)
		}); err != nil {
			return err
		}
		if posted > 0 {
			continue
		}
		if err := l.past.payouts.PostUsage(l.ctx, l.reqs[publisherOf[key]].user, id, payout.Usage{Text: text}); err != nil {
			return fmt.Errorf("demo payout %s: usage: %w", key, err)
		}
	}
	return nil
}

// payoutID returns the id of the demonstration payout filed under key.
func (l *payoutLoader) payoutID(key string) (int64, error) {
	var id int64
	err := l.past.db.Read(l.ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(l.ctx, "SELECT id FROM payouts WHERE request_id = $1 AND amount_fen = $2 ORDER BY id LIMIT 1",
			l.reqs[publisherOf[key]].id, int64(payoutAmounts[key])).Scan(&id)
	})
	return id, err
}

// payday is when the second round of payouts is paid: ten in the morning,
// 22 days after the bank's history began at start (or the first working
// day after), so that none of them is overdue yet (R-DISB-4).
func payday(start time.Time) time.Time { return workingDayFrom(start.AddDate(0, 0, 22)) }

// workingDayFrom is t, or the same time of the first working day after it.
func workingDayFrom(t time.Time) time.Time {
	for !bank.WorkingDay(t) {
		t = t.AddDate(0, 0, 1)
	}
	return t
}

// to moves the bank's clock on to t; a clock already past t stays.
func (l *payoutLoader) to(t time.Time) { l.pastClock.Advance(t.Sub(l.pastClock.Now())) }

// returned moves the bank's clock to when the payee's bank returns the
// payout sent to be returned, three working days after it was paid, and
// settles the return (退票).
func (l *payoutLoader) returned() error {
	due, err := l.returnDue()
	if err != nil {
		return err
	}
	l.to(due.Add(5 * time.Minute))
	_, err = jobs.PollPayouts(l.ctx, jobs.PayoutsExecutor(l.past.payouts), l.past.bank)
	return err
}

// returnDue is when the sandbox returns the payout sent to be returned:
// the schedule of its habit from the moment it was sent.
func (l *payoutLoader) returnDue() (time.Time, error) {
	id, err := l.payoutID("returned")
	if err != nil {
		return time.Time{}, err
	}
	var at int64
	if err := l.past.db.Read(l.ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(l.ctx, "SELECT sent_at FROM payouts WHERE id = $1", id).Scan(&at)
	}); err != nil {
		return time.Time{}, err
	}
	ev := bank.Schedule(bank.HabitReturn, time.UnixMicro(at))
	return ev[len(ev)-1].Due, nil
}

// openDay is when the payouts left with finance are filed: the working day
// after the return due at due.
func openDay(due time.Time) time.Time { return workingDayFrom(due.Add(24 * time.Hour)) }

// open leaves payouts with finance, the next day: one just filed, one
// claimed, one with a first approval waiting for the second officer, one
// waiting for the publisher's answer, and one rejected with its reason.
func (l *payoutLoader) open() error {
	w := l.past
	due, err := l.returnDue()
	if err != nil {
		return err
	}
	l.to(openDay(due))
	apps := map[string]payout.Application{
		"requested":  {Amount: amountRequested, Purpose: "骨髓穿刺复查费用（演示）"},
		"in-review":  {Amount: amountInReview, Purpose: "第四至五疗程免疫化疗费用（演示）"},
		"first":      {Amount: amountFirst, Purpose: "住院期间的营养支持和护理费用（演示）"},
		"needs-info": {Amount: amountNeedsInfo, Purpose: "介入治疗前的检查费用（演示）"},
		"rejected":   {Amount: amountRejected, Purpose: "家属往返医院的交通和住宿费用（演示）"},
	}
	ids := map[string]int64{}
	for _, key := range []string{"rejected", "needs-info", "first", "in-review", "requested"} {
		id, err := l.apply(w, publisherOf[key], key, apps[key])
		if err != nil {
			return err
		}
		ids[key] = id
	}
	if err := l.review(w, ids["first"], 1); err != nil {
		return err
	}
	if err := l.review(w, ids["in-review"], 0); err != nil {
		return err
	}
	for _, key := range []string{"needs-info", "rejected"} {
		if err := l.review(w, ids[key], 0); err != nil {
			return err
		}
	}
	steps := map[string]func(key string) error{
		"needs-info": func(key string) error {
			return w.payouts.AskMore(l.ctx, rec(l.finance, "payout.ask", "payout:"+strconv.FormatInt(ids[key], 10)), ids[key], l.finance,
				"请补充医院出具的介入治疗检查费用预估单，并说明与已拨付款项是否重复。")
		},
		"rejected": func(key string) error {
			return w.payouts.Reject(l.ctx, rec(l.finance, "payout.reject", "payout:"+strconv.FormatInt(ids[key], 10)), ids[key], l.finance,
				"交通和住宿费用不属于本求助公示的医疗费用用途（见资金用途清单），不能从本求助拨付；如有需要可在用途说明中补充后另行申请。")
		},
	}
	for _, key := range []string{"needs-info", "rejected"} {
		// Not again when a load that stopped half-way took the step.
		st, _, err := l.state(w, ids[key])
		if err != nil {
			return err
		}
		if st != payout.InReview {
			continue
		}
		if err := steps[key](key); err != nil {
			return fmt.Errorf("demo payout %s: %w", key, err)
		}
	}
	return nil
}

// reconcile imports the custody account's statement of every day of the
// bank's history, as finance would each morning (R-FUND-4), and then a
// second settlement file under a reference already settled, which is
// quarantined and leaves a difference open for finance to resolve.
func (l *payoutLoader) reconcile() error {
	w := l.past
	first := bank.Day(l.start)
	last := bank.Day(w.clock())
	runs, err := w.recon.Runs(l.ctx)
	if err != nil {
		return err
	}
	done := map[string]bool{}
	for _, r := range runs {
		done[r.StatementID] = true
	}
	for d := first; d.Before(last); d = d.AddDate(0, 0, 1) {
		var buf bytes.Buffer
		err := w.sandbox.WriteStatement(l.ctx, &buf, d)
		if apperr.CodeOf(err) == apperr.NotFound {
			continue
		}
		if err != nil {
			return fmt.Errorf("statement of %s: %w", d.Format(time.DateOnly), err)
		}
		st, err := iso20022.ParseCamt053(bytes.NewReader(buf.Bytes()))
		if err != nil {
			return fmt.Errorf("statement of %s: %w", d.Format(time.DateOnly), err)
		}
		if done[st.ID] {
			// Reconciled by a load that stopped half-way (the file
			// written again has another creation time, so another hash).
			continue
		}
		sum := sha256.Sum256(buf.Bytes())
		if _, err := w.recon.Import(l.ctx, rec(l.finance, "reconcile.import", "statement:"+st.ID), st, hex.EncodeToString(sum[:]), nil); err != nil {
			return fmt.Errorf("reconciling the statement of %s: %w", d.Format(time.DateOnly), err)
		}
	}
	// The provider sends its settlement file of the first day again, with
	// a line more: never credited, kept, and a difference opened.
	f, err := l.settlement(w.db, first)
	if err != nil {
		return err
	}
	f.Lines = append(f.Lines, payment.SettlementLine{TransactionID: "demo-unknown-0001", Amount: 100_00, Fee: 60})
	f.Gross, f.Fees = f.Gross+100_00, f.Fees+60
	f.Net = f.Gross - f.Fees
	var kept int
	if err := w.db.Read(l.ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(l.ctx, "SELECT count(*) FROM reconcile_settlements WHERE ref = $1 AND status = 'quarantined'", f.Ref).Scan(&kept)
	}); err != nil || kept > 0 {
		return err
	}
	if _, err := w.recon.Settle(l.ctx, f); !errors.Is(err, reconcile.ErrSettlementQuarantined) {
		return fmt.Errorf("the second settlement file was not quarantined: %v", err)
	}
	return nil
}

// current approves two payouts at the real time: the first is sent to the
// platform's sandbox bank at once and stays paying until the bank's next
// working day (its amount ends in 04); the second waits, approved, for the
// bank job.
func (l *payoutLoader) current() error {
	w := l.now
	id, err := l.apply(w, pubUsage, "paying", payout.Application{Amount: amountPaying, Purpose: "第四疗程前的住院押金（演示）"})
	if err != nil {
		return err
	}
	if err := l.review(w, id, 2); err != nil {
		return err
	}
	// Sent unless a load that stopped half-way sent it: the payout left
	// approved below must stay so.
	if st, _, err := l.state(w, id); err != nil {
		return err
	} else if st == payout.Approved {
		if _, err := jobs.DispatchPayouts(l.ctx, only{jobs.PayoutsExecutor(w.payouts), map[int64]bool{id: true}}, w.bank, 100); err != nil {
			return err
		}
	}
	id, err = l.apply(w, pubLarge, "approved", payout.Application{Amount: amountApproved, Payee: payout.ToHospital,
		HospitalID: l.hospitalID, Purpose: "直接支付医院：第三次植皮手术费用（演示）"})
	if err != nil {
		return err
	}
	return l.review(w, id, 2)
}

// payoutAmounts are the demonstration payouts' amounts by key.
var payoutAmounts = map[string]money.Fen{
	"overdue": amountOverdue, "usage": amountUsage, "hospital": amountHospital, "batch": amountBatch,
	"failed": amountFailed, "returned": amountReturned, "rejected": amountRejected, "needs-info": amountNeedsInfo,
	"requested": amountRequested, "in-review": amountInReview, "first": amountFirst, "paying": amountPaying,
	"approved": amountApproved,
}
