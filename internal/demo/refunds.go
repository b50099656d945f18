package demo

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/charitypay"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/hospital"
	"github.com/carefund/carefund/internal/jobs"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/refund"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/termination"
)

// metaRefunds records that the demonstration refunds, the termination and
// the charity transfer were made.
const metaRefunds = "demo_refunds_loaded_at"

// The requests the refunds are made on, by publisher.
const (
	pubFraud   = pubOverdue // suspended, terminated for fraud: its payout becomes a recovery receivable
	pubPurpose = "郑晓燕"      // purpose achieved: its donors refunded, one abnormal given to charity; a payment after closing
	pubDonor   = "冯建军"      // a donor asks for their own donation back
)

// The demonstration payments refunds.go makes itself. The sandbox cannot
// pay back an amount ending in 07 fen (payment.SandboxRefundAbnormal):
// that refund goes to charity.
const (
	amountAbnormal  money.Fen = 88_07
	amountLate      money.Fen = 50_00
	purposeKey                = "demo-purpose-ended"
	donorRefundKey            = "demo-donor-refund"
	charityName               = "【演示】某市慈善总会"
	referralStation           = "【演示】成都市公安局武侯区分局"
)

// LoadRefunds makes, once, every way money goes back, through the
// platform's own services as staff, donors and the jobs would (issue 15):
//   - the fraud request is suspended with a public notice, its termination
//     proposed by a reviewer and approved by an administrator (R-REF-2), with
//     a police referral; the blacklist proposal follows from the approval,
//     the payout it had paid becomes a recovery receivable, and its donors
//     are refunded what it still holds;
//   - the purpose request gets one payment of an amount the sandbox cannot
//     refund and one order paid after it closed; its publisher closes it,
//     purpose achieved, and declares it (R-REF-1): the late payment is
//     refunded whole, the rest pro rata, and the abnormal refund is given
//     to charity by finance (R-CHAR-1);
//   - a signed-in donor of the donor request asks for their donation back
//     under policy P;
//   - a charitable organisation is registered and the money owed to
//     charity transferred to it, each on two finance officers' word.
//
// The refunds are dispatched to the sandbox provider until none is left
// to send. Loading again changes nothing (metaRefunds, and every step has
// a fixed idempotency key or is skipped when done).
func LoadRefunds(ctx context.Context, p *platform.Platform) (bool, error) {
	db := p.DB
	var done bool
	if err := db.Read(ctx, func(tx *store.Tx) (err error) { done, err = hasMeta(ctx, tx, metaRefunds); return err }); err != nil || done {
		return false, err
	}
	l := &refundLoader{ctx: ctx, p: p}
	if err := l.prepare(); errors.Is(err, errNoRequests) {
		// Demonstration requests loaded by an earlier version, without
		// the two this needs: nothing to show them on.
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("demo refunds: %w", err)
	}
	for _, step := range []func() error{l.terminate, l.purposeEnded, l.donorRefund, l.dispatch, l.charity} {
		if err := step(); err != nil {
			return false, fmt.Errorf("demo refunds: %w", err)
		}
	}
	err := db.Write(ctx, func(tx *store.Tx) error { return tx.SetMeta(ctx, metaRefunds, tx.Now.Format(time.RFC3339)) })
	return err == nil, err
}

// errNoRequests: the demonstration requests refunds are made on are not
// there (no demo data, or demo data of an earlier version).
var errNoRequests = errors.New("demo: the demonstration requests are missing")

type refundLoader struct {
	ctx                              context.Context
	p                                *platform.Platform
	reviewer, admin, finance, second staff.Staff
	fraud, purpose, donor            demoRequest
	purposeRun                       int64
}

// prepare finds the staff and the three requests.
func (l *refundLoader) prepare() error {
	return l.p.DB.Write(l.ctx, func(tx *store.Tx) error {
		byName, err := ensureStaff(l.ctx, tx, l.p.Sealer)
		if err != nil {
			return err
		}
		l.reviewer, l.admin, l.finance, l.second = byName[reviewerName], byName[adminName], byName[financeName], byName[secondFinanceName]
		accounts := &account.Service{Vault: l.p.Vault}
		cs := campaign.Store{Vault: l.p.Vault}
		for i, sp := range specs {
			var into *demoRequest
			switch sp.publisher {
			case pubFraud:
				into = &l.fraud
			case pubPurpose:
				into = &l.purpose
			case pubDonor:
				into = &l.donor
			default:
				continue
			}
			u, err := accounts.EnsureUser(l.ctx, tx, Phone(i+1))
			if err != nil {
				return err
			}
			rs, err := cs.ListByPublisher(l.ctx, tx, u.ID)
			if err != nil {
				return err
			}
			if len(rs) == 0 {
				return errNoRequests // the transaction, and the user, are undone
			}
			*into = demoRequest{id: rs[0].ID, user: u.ID}
		}
		return nil
	})
}

func (l *refundLoader) state(id int64) (campaign.State, error) {
	var st campaign.State
	err := l.p.DB.Read(l.ctx, func(tx *store.Tx) error {
		r, err := campaign.Store{Vault: l.p.Vault}.Get(l.ctx, tx, id)
		st = r.State
		return err
	})
	return st, err
}

// terminate suspends the fraud request, proposes and approves its
// termination and records the police referral.
func (l *refundLoader) terminate() error {
	t, ctx, id := l.p.Terminations, l.ctx, l.fraud.id
	obj := "request:" + strconv.FormatInt(id, 10)
	st, err := l.state(id)
	if err != nil {
		return err
	}
	if st == campaign.Fundraising {
		if _, err := t.Suspend(ctx, rec(l.reviewer, "request.suspend", obj), l.reviewer, termination.SuspendInput{RequestID: id,
			Notice: "【演示】平台收到举报，称求助人隐瞒了已获得的商业保险理赔。平台已暂停筹款并在核实，核实期间不接受捐款。",
			Reason: "举报附有保险公司的理赔通知书照片，需向保险公司和医院核实（演示）"}); err != nil {
			return fmt.Errorf("suspend: %w", err)
		}
	}
	var termID, proposal int64
	var status string
	err = l.p.DB.Read(ctx, func(tx *store.Tx) error {
		err := tx.QueryRowContext(ctx, "SELECT t.id, t.proposal_id, p.status FROM terminations t JOIN staff_proposals p ON p.id = t.proposal_id WHERE t.request_id = $1 ORDER BY t.id DESC LIMIT 1", id).
			Scan(&termID, &proposal, &status)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	if termID == 0 {
		tm, err := t.Propose(ctx, rec(l.reviewer, "termination.propose", obj), l.reviewer, termination.Proposal{RequestID: id,
			Reason:       "保险公司书面确认已理赔 12 万元，求助人在“商业保险”一项中填写“无重疾保障”，医院费用清单与求助金额不符（演示）",
			PublicReason: "【演示】经核实，求助人隐瞒了已获得的商业保险理赔，并虚报了治疗费用。平台终止本求助，尚未拨付的善款原路退还捐款人，已拨付的款项依法追回后退还。",
			Findings:     []termination.Finding{termination.Concealment, termination.Fabrication}},
			[]termination.Upload{{Field: "evidence", File: bytes.NewReader(documentPNG(material.CostEstimate, "fraud-evidence"))}})
		if err != nil {
			return fmt.Errorf("propose the termination: %w", err)
		}
		termID, status = tm.ID, string(tm.Status)
	}
	if status != string(termination.Terminated) && status != "approved" {
		if _, err := t.Decide(ctx, rec(l.admin, "termination.decide", "termination:"+strconv.FormatInt(termID, 10)), l.admin, termID, true,
			"证据充分，同意终止（演示）"); err != nil {
			return fmt.Errorf("approve the termination: %w", err)
		}
	} else if err := t.FollowUp(ctx, termID); err != nil {
		return err
	}
	var referrals int
	if err := l.p.DB.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM police_referrals WHERE termination_id = $1", termID).Scan(&referrals)
	}); err != nil || referrals > 0 {
		return err
	}
	_, err = t.AddReferral(ctx, rec(l.reviewer, "termination.referral", "termination:"+strconv.FormatInt(termID, 10)), l.reviewer,
		termination.ReferralInput{TerminationID: termID, Station: referralStation, ReferredOn: time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly),
			CaseNumber: "演示-2026-0001", Officer: "王警官（演示） 17000009999"},
		[]termination.Upload{{Field: "file", File: bytes.NewReader(documentPNG(material.CostEstimate, "referral"))}})
	if err != nil {
		return fmt.Errorf("police referral: %w", err)
	}
	return nil
}

// give makes one sandbox payment of amount to request id, under the fixed
// token; confirm false leaves the order unpaid.
func (l *refundLoader) order(id int64, token string, amount money.Fen) (donation.Order, error) {
	s := *l.p.Donations
	s.Merchant = map[string]string{demoProvider: demoMerchant}
	o, err := s.CreateOrder(l.ctx, donation.OrderInput{RequestID: id, Amount: amount.String(), Provider: demoProvider, ClientToken: token})
	return o, err
}

func (l *refundLoader) confirm(o donation.Order, token string) (donation.Outcome, error) {
	s := *l.p.Donations
	s.Merchant = map[string]string{demoProvider: demoMerchant}
	return s.Confirm(l.ctx, payment.Payment{Provider: demoProvider, OrderID: o.OrderNo, TransactionID: token, Merchant: demoMerchant,
		Amount: o.Amount, State: payment.Paid, PaidAt: time.Now()})
}

// purposeEnded gives the purpose request its abnormal payment and its
// late one, closes it (purpose achieved) and declares it.
func (l *refundLoader) purposeEnded() error {
	ctx, id := l.ctx, l.purpose.id
	st, err := l.state(id)
	if err != nil {
		return err
	}
	var late donation.Order
	if st == campaign.Fundraising {
		o, err := l.order(id, "demo-refund-abnormal", amountAbnormal)
		if err != nil {
			return err
		}
		if _, err := l.confirm(o, "demo-refund-abnormal"); err != nil {
			return err
		}
		// Ordered while the channel is open, paid after it closed.
		if late, err = l.order(id, "demo-refund-late", amountLate); err != nil {
			return err
		}
		if err := l.p.DB.Write(ctx, func(tx *store.Tx) error {
			_, err := campaign.Store{Vault: l.p.Vault}.Close(ctx, tx, id, campaign.Closing{Reason: campaign.PurposeAchieved},
				"【演示】孩子感染已控制，康复出院，医保报销后费用比预计少。剩余善款按规则原路退还捐款人。", "user:"+strconv.FormatInt(l.purpose.user, 10))
			return err
		}); err != nil {
			return fmt.Errorf("close: %w", err)
		}
		out, err := l.confirm(late, "demo-refund-late")
		if err != nil {
			return err
		}
		if !out.AfterClose {
			return fmt.Errorf("the late payment was not marked after closing: %+v", out)
		}
	}
	if _, err := l.p.Refunds.RefundAfterClose(ctx); err != nil {
		return fmt.Errorf("after-close refunds: %w", err)
	}
	run, err := l.p.Refunds.DeclarePurposeEnded(ctx, l.purpose.user, id, purposeKey)
	if err != nil {
		return fmt.Errorf("purpose ended: %w", err)
	}
	l.purposeRun = run.ID
	return nil
}

// donorRefund has the first signed-in donor of the donor request ask for
// their donation back.
func (l *refundLoader) donorRefund() error {
	var user, donationID int64
	if err := l.p.DB.Read(l.ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(l.ctx, `SELECT id, donor_user_id FROM donations
			WHERE request_id = $1 AND donor_user_id IS NOT NULL ORDER BY id LIMIT 1`, l.donor.id).Scan(&donationID, &user)
	}); err != nil {
		return fmt.Errorf("a signed-in donor of request %d: %w", l.donor.id, err)
	}
	_, err := l.p.Refunds.DonorRequest(l.ctx, user, donationID, donorRefundKey)
	return err
}

// dispatch sends every refund to the sandbox, as the refund jobs would,
// and gives the one the sandbox cannot pay back to charity.
//
// The demo's donations were confirmed by the loader, not taken by this
// process's sandbox, so the sandbox holds nothing to pay refunds from;
// its balance is funded with what is due, as the custody bank's top-up
// would do (the fund-refunds job, which in a live demo waits for the
// sandbox bank's next working day: see /staff/bank).
func (l *refundLoader) dispatch() error {
	r := l.p.Refunds
	if _, err := r.Resume(l.ctx); err != nil {
		return err
	}
	if sb := l.p.Sandbox; sb != nil {
		if err := r.FundSandbox(l.ctx, sb, "CFRTDEMO"+l.p.Now().Format("20060102")); err != nil && apperr.CodeOf(err) != apperr.Conflict {
			return err
		}
	}
	for range 50 {
		res, err := r.Dispatch(l.ctx, 500)
		if err != nil {
			return fmt.Errorf("dispatch: %w", err)
		}
		if res.Sent == 0 {
			break
		}
	}
	if l.purposeRun == 0 {
		return nil
	}
	att, err := r.Attention(l.ctx, l.purposeRun, 100)
	if err != nil {
		return err
	}
	for _, f := range att {
		if f.State != refund.Abnormal && f.State != refund.Retrying {
			continue
		}
		if err := r.GiveToCharity(l.ctx, rec(l.finance, "refund.to_charity", "refund:"+strconv.FormatInt(f.ID, 10)), l.purposeRun, f.ID,
			"原支付账户已注销，微信支付退款异常，无法原路退回（演示）"); err != nil {
			return fmt.Errorf("refund %d to charity: %w", f.ID, err)
		}
	}
	return nil
}

// charity registers the demonstration charity and transfers to it what is
// owed to charity, each proposed by one finance officer and approved by
// the other, and hands the transfer to the custody bank.
func (l *refundLoader) charity() error {
	c, ctx := l.p.CharityPay, l.ctx
	rs, err := c.Recipients(ctx)
	if err != nil {
		return err
	}
	var recipient int64
	for _, r := range rs {
		if r.Name == charityName {
			recipient = r.ID
		}
	}
	if recipient == 0 {
		prop, err := c.ProposeRecipient(ctx, rec(l.finance, "charity.recipient.propose", "charity"), l.finance, charitypay.Draft{
			Name: charityName, CreditCode: hospital.DemoCode("53", "110000", "50000303"), CertificateRef: "【演示】民政慈善组织登记证书 演示-0001",
			BankName: "中国工商银行演示支行", Account: "6222020000000000001", Reason: "本市登记认定的慈善组织，承接医疗救助项目（演示）"})
		if err != nil {
			return fmt.Errorf("propose the recipient: %w", err)
		}
		if err := l.p.Staff.Decide(ctx, rec(l.second, "staff.proposal.decide", "proposal:"+strconv.FormatInt(prop.ID, 10)), l.second, prop.ID, true, "核对登记证书无误（演示）"); err != nil {
			return fmt.Errorf("approve the recipient: %w", err)
		}
		if rs, err = c.Recipients(ctx); err != nil {
			return err
		}
		for _, r := range rs {
			if r.Name == charityName {
				recipient = r.ID
			}
		}
	}
	ts, err := c.Transfers(ctx)
	if err != nil || len(ts) > 0 {
		return err
	}
	av, err := c.Available(ctx)
	if err != nil || av.Free() <= 0 {
		return err
	}
	var sources []charitypay.Source
	var sum money.Fen
	for key, amount := range av.BySource {
		kind, period, _ := strings.Cut(key, "/")
		if amount <= 0 || kind != charitypay.SourceRefund || period != strconv.FormatInt(l.purposeRun, 10) {
			continue // only the demonstration's own: the money its abnormal refund left
		}
		sources = append(sources, charitypay.Source{Kind: kind, Period: period, RequestID: l.purpose.id, Amount: amount})
		sum += amount
	}
	if sum == 0 || sum > av.Free() {
		// Nothing the demonstration left to charity: the payments are the
		// sandbox's, and a platform configured with another provider
		// cannot send their refunds at all.
		return nil
	}
	t, err := c.Propose(ctx, rec(l.finance, "charity.transfer.propose", "charity"), l.finance, charitypay.Proposal{RecipientID: recipient,
		Amount: sum, Sources: sources, Note: "无法原路退回的退款，转入慈善组织（演示）"})
	if err != nil {
		return fmt.Errorf("propose the transfer: %w", err)
	}
	if err := l.p.Staff.Decide(ctx, rec(l.second, "staff.proposal.decide", "proposal:"+strconv.FormatInt(t.ProposalID, 10)), l.second, t.ProposalID, true, "金额与来源核对无误（演示）"); err != nil {
		return fmt.Errorf("approve the transfer: %w", err)
	}
	if _, err := jobs.DispatchCharity(ctx, c, l.p.Bank, 10); err != nil && apperr.CodeOf(err) != apperr.Conflict {
		return fmt.Errorf("send the transfer: %w", err)
	}
	return nil
}
