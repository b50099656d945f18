package demo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/complaint"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// metaHistory marks the demonstration's earlier history as loaded.
const metaHistory = "demo_history_loaded_at"

// historySeq numbers the earlier history's publisher (Phone, demoID) after
// the specs' and before the patients'.
const historySeq = 40

// historySpec is the request of the earlier history: filed, published and
// taken to its target by donations across the turn of 2025 and 2026, so
// that the six-monthly reports of 2025-h2 and 2026-h1 and the annual
// report of 2025 have figures (R-DISC-3, R-DISC-4).
var historySpec = spec{
	state: campaign.Fundraising, publisher: "周立新", patient: "周小雨", rel: campaign.Parent,
	title: "女儿急性阑尾炎穿孔，术后感染需再次手术", diagnosis: "急性化脓性阑尾炎穿孔并发腹腔感染", hospital: "四川大学华西医院", city: "成都",
	story: "女儿今年九岁，腹痛两天后在县医院确诊阑尾炎穿孔，转到华西医院做了手术，术后腹腔感染又做了一次引流手术。" +
		"我和妻子在镇上开一家小面馆，两次手术和住院的费用已经花掉了家里的积蓄，后续的抗感染治疗还差一些。",
	use: []campaign.UseItem{
		{Label: "二次手术及住院费用", Amount: yuan(4_000)},
		{Label: "抗感染治疗", Amount: yuan(2_000)},
	},
	means: answers{
		campaign.MedicalInsurance: insured,
		campaign.Income:           {Detail: "面馆的经营收入", Amount: yuan(60_000)},
	},
	closing:     campaign.Closing{Reason: campaign.TargetReached},
	byDonations: true,
}

// historyAt is a moment of the earlier history, Beijing time.
func historyAt(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, time.FixedZone("CST", 8*3600))
}

// The earlier history's moments.
var (
	historyFiled     = historyAt(2025, time.December, 10, 10) // filed and published
	historyComplaint = historyAt(2025, time.December, 22, 9)  // a complaint received
	historyResolved  = historyAt(2025, time.December, 24, 16) // and resolved
)

// historyGift is one donation of the earlier history.
type historyGift struct {
	at     time.Time
	amount money.Fen
}

// historyGifts are the earlier history's donations: ¥3,000 in 2025-h2 and
// the last ¥3,000 in 2026-h1, which reach the target and close the request
// (R-PUB-4).
var historyGifts = []historyGift{
	{historyAt(2025, time.December, 12, 10), yuan(1_000)},
	{historyAt(2025, time.December, 12, 11), yuan(500)},
	{historyAt(2025, time.December, 15, 20), yuan(200)},
	{historyAt(2025, time.December, 20, 21), yuan(1_300)},
	{historyAt(2026, time.January, 5, 9), yuan(2_000)},
	{historyAt(2026, time.January, 8, 15), yuan(1_000)},
}

// historyRaised is what the earlier history raised in [from, to), and in
// how many donations: the figures the reports of that period show.
func historyRaised(from, to time.Time) (raised money.Fen, donors int) {
	for _, g := range historyGifts {
		if !g.at.Before(from) && g.at.Before(to) {
			raised += g.amount
			donors++
		}
	}
	return raised, donors
}

// The earlier history's complaint and its response.
const (
	historyComplaintText  = "求助页面说孩子做了两次手术，但没有看到第二次手术的费用说明，请平台核实。"
	historyComplaintReply = "经核查，第二次引流手术的费用预估单已由医院出具并经审核，已在求助页面的证明材料中公示。感谢您的监督。"
)

// loadHistory plays a small earlier history on a database handle whose
// transactions take its moments' time (store.DB.WithClock), through the
// same functions and the same ledger path as the rest of the
// demonstration (the ledger on that handle, so its entries are logged as
// every entry is): a request filed and published in December 2025,
// donated to on either side of the new year until its target closes it,
// and a complaint about it received and resolved in December 2025. The
// reports then list 2025-h2 and 2026-h1 with figures, and the console
// offers the 2025 annual report. Fixed keys make a second run give and
// file nothing.
func loadHistory(ctx context.Context, db *store.DB, sealer staff.Sealer, v *vault.Vault, donations *donation.Service) (bool, error) {
	var done bool
	if err := db.Read(ctx, func(tx *store.Tx) (err error) { done, err = hasMeta(ctx, tx, metaHistory); return err }); err != nil || done {
		return false, err
	}
	now := historyFiled
	pastDB := db.WithClock(func() time.Time { return now })
	pastLedger := donations.Ledger.On(pastDB)
	defer pastLedger.Close()

	var id int64
	var handler staff.Staff
	err := pastDB.Write(ctx, func(tx *store.Tx) error {
		id = 0
		byName, err := ensureStaff(ctx, tx, sealer)
		if err != nil {
			return err
		}
		handler = byName["demo-complaints"]
		u, err := (&account.Service{Vault: v}).EnsureUser(ctx, tx, Phone(historySeq))
		if err != nil {
			return err
		}
		rs, err := campaign.Store{Vault: v}.ListByPublisher(ctx, tx, u.ID)
		if err != nil || len(rs) > 0 {
			if len(rs) > 0 {
				id = rs[0].ID
			}
			return err
		}
		l, err := newLoader(ctx, tx, v, byName)
		if err != nil {
			return err
		}
		if id, err = l.load(historySeq, historySpec); err != nil {
			return fmt.Errorf("demo history request: %w", err)
		}
		_, err = audit.Append(ctx, tx, audit.Record{Actor: campaign.SystemActor, Action: "demo.load",
			Result: audit.ResultOK, Detail: "demonstration data: an earlier history"})
		return err
	})
	if err != nil {
		return false, err
	}
	if handler.ID == 0 {
		return false, fmt.Errorf("demo history: no demo-complaints account")
	}

	s := *donations
	s.DB, s.Ledger, s.Orders = pastDB, pastLedger, nil
	s.Merchant = map[string]string{demoProvider: demoMerchant}
	for i, g := range historyGifts {
		if i == 4 {
			// The complaint of December 2025, between the years' gifts.
			now = historyComplaint
			if err := historyComplaintFiled(ctx, pastDB, v, id, handler, &now); err != nil {
				return false, err
			}
		}
		now = g.at
		key := "demo-history-" + strconv.Itoa(i)
		var given int
		if err := pastDB.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT count(*) FROM donations WHERE transaction_id = $1", key).Scan(&given)
		}); err != nil {
			return false, err
		}
		if given > 0 {
			continue
		}
		in := donation.OrderInput{RequestID: id, Amount: g.amount.String(), Provider: demoProvider, ClientToken: key,
			Anonymous: i%2 == 1}
		if i == 0 {
			in.Message = messages[0]
		}
		o, err := s.CreateOrder(ctx, in)
		if err != nil {
			return false, fmt.Errorf("demo history gift %d: %w", i, err)
		}
		out, err := s.Confirm(ctx, payment.Payment{Provider: demoProvider, OrderID: o.OrderNo, TransactionID: key,
			Merchant: demoMerchant, Amount: o.Amount, State: payment.Paid, PaidAt: o.CreatedAt})
		if err == nil && out.Quarantined {
			err = fmt.Errorf("demo history gift %d was quarantined", i)
		}
		if err != nil {
			return false, err
		}
	}
	err = db.Write(ctx, func(tx *store.Tx) error { return tx.SetMeta(ctx, metaHistory, tx.Now.Format(time.RFC3339)) })
	return err == nil, err
}

// historyComplaintFiled files the earlier history's complaint through the
// complaint service at historyComplaint and resolves it, with a public
// response, at historyResolved (moving *now, the handle's clock).
func historyComplaintFiled(ctx context.Context, pastDB *store.DB, v *vault.Vault, requestID int64, handler staff.Staff, now *time.Time) error {
	s := &complaint.Service{DB: pastDB, Vault: v}
	r, err := s.Submit(ctx, complaint.Input{Category: complaint.CategoryFalseInfo, RequestID: requestID, Text: historyComplaintText,
		ContactName: "李先生", ContactPhone: Phone(901)}, complaint.SubmitMeta{ClientKey: "demo", IdempotencyKey: "demo-history-complaint"})
	if err != nil {
		return fmt.Errorf("demo history complaint: %w", err)
	}
	var id int64
	if err := pastDB.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT id FROM complaints WHERE number = $1", r.Number).Scan(&id)
	}); err != nil {
		return err
	}
	*now = historyResolved
	rec := audit.Record{Actor: handler.Actor(), Action: "complaint.resolve", Object: "complaint:" + strconv.FormatInt(id, 10),
		Result: audit.ResultOK, Detail: "demonstration data"}
	err = s.Resolve(ctx, rec, id, complaint.OutcomeNotUpheld, historyComplaintReply, true, handler)
	if err != nil && apperr.CodeOf(err) != apperr.Conflict {
		return fmt.Errorf("demo history complaint: %w", err)
	}
	return nil
}
