package jobs

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payout"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// smsBox is an SMS sender that keeps what it sent, and fails while fail
// is above zero.
type smsBox struct {
	mu   sync.Mutex
	sent []sms
	fail int
}

type sms struct{ phone, text string }

func (b *smsBox) Send(_ context.Context, phone, text string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail > 0 {
		b.fail--
		return errors.New("the gateway is down")
	}
	b.sent = append(b.sent, sms{phone, text})
	return nil
}

func (b *smsBox) take() []sms {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.sent
	b.sent = nil
	return s
}

// userWithPhone inserts a user whose phone number is sealed as package
// account seals it, so that the account service opens it.
func userWithPhone(t testing.TB, p *platform.Platform, phone string) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := p.DB.Write(ctx, func(tx *store.Tx) error {
		key, err := p.Vault.NewKey(ctx, tx)
		if err != nil {
			return err
		}
		index := p.Vault.BlindIndex("phone", phone)
		return tx.QueryRowContext(ctx, `INSERT INTO users (phone_index, key_id, phone_sealed, created_at, signed_in_at)
			VALUES ($1, $2, $3, $4, $4) RETURNING id`, index, key.ID, key.SealString("users.phone:"+index, phone),
			tx.Now.UnixMicro()).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// paidPayouts makes n payouts of a funded request of publisher, approved
// by two finance officers and paid by the bank, with the real services.
func paidPayouts(t *testing.T, p *platform.Platform, publisher int64, patientID string, n int) []int64 {
	t.Helper()
	f := campaigntest.Filing()
	f.PatientID = patientID
	return paidPayoutsOf(t, p, publisher, f, "6222021234567890128", n, nil)
}

// paidPayoutsOf is paidPayouts of a request filed as f, paid to account;
// give, when not nil, gives the request its 40,000 yuan as donors would.
func paidPayoutsOf(t *testing.T, p *platform.Platform, publisher int64, f campaign.Filing, account string, n int, give func(req int64)) []int64 {
	t.Helper()
	ctx := context.Background()
	patientID := f.PatientID
	var req int64
	var f1, f2 staff.Staff
	err := p.DB.Write(ctx, func(tx *store.Tx) (err error) {
		if req, err = campaigntest.Fundraising(ctx, tx, p.Campaigns, publisher, f, 0); err != nil {
			return err
		}
		if f1, _, err = staff.Create(ctx, tx, p.Sealer, "fin1-"+patientID, staff.Finance, "correct horse battery"); err != nil {
			return err
		}
		f2, _, err = staff.Create(ctx, tx, p.Sealer, "fin2-"+patientID, staff.Finance, "correct horse battery")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	const donated money.Fen = 40_000_00
	r := strconv.FormatInt(req, 10)
	if give != nil {
		give(req)
	} else if _, err := p.Ledger.Post(ctx, ledger.Transfer("test:donation:"+r, "donation", "psp:sandbox", "request:"+r, donated)); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Ledger.Post(ctx, ledger.Transfer("test:settle:"+r, "settlement", "bank:custody", "psp:sandbox", donated)); err != nil {
		t.Fatal(err)
	}
	if give == nil {
		storetest.Exec(t, p.DB, "INSERT INTO request_totals (request_id, raised_fen, donations) VALUES ("+r+", 4000000, 1)")
	}
	rec := func(s staff.Staff) audit.Record {
		return audit.Record{Actor: s.Actor(), Action: "payout.approve", Object: "payout", Result: audit.ResultOK, Source: "192.0.2.1"}
	}
	var ids []int64
	for i := range n {
		x, err := p.Payouts.Apply(ctx, publisher, payout.Application{RequestID: req, Key: "form-" + strconv.Itoa(i),
			Amount: 1_000_00, Purpose: "化疗费用", Payee: payout.ToRequester, BankName: "建设银行", AccountNumber: account})
		if err != nil {
			t.Fatalf("Apply: %v", err)
		}
		if err := p.Payouts.Claim(ctx, rec(f1), x.ID, f1); err != nil {
			t.Fatalf("Claim: %v", err)
		}
		if _, err := p.Payouts.Approve(ctx, rec(f1), x.ID, f1, ""); err != nil {
			t.Fatalf("Approve: %v", err)
		}
		if _, err := p.Payouts.Approve(ctx, rec(f2), x.ID, f2, ""); err != nil {
			t.Fatalf("Approve: %v", err)
		}
		tid := payout.TransferID(x.ID, 1)
		if err := p.Payouts.Sending(ctx, x.ID, tid); err != nil {
			t.Fatal(err)
		}
		if err := p.Payouts.Settle(ctx, tid, payout.Outcome{Status: payout.StatusPaid}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, x.ID)
	}
	return ids
}

// TestUsageReminders (R-DISB-4: reminded before and after): a paid
// payout's publisher gets one SMS when the usage update comes due within
// UsageRemindAhead and one when it is overdue, each once, however often
// the job runs and on however many nodes; a payout whose update was posted
// is reminded of nothing; a send that failed is sent by the next run.
func TestUsageReminders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := &clock{}
		box := &smsBox{}
		p, err := platform.New(ctx, platform.Config{DB: db, Keys: crashKeys(), Now: c.now, SMS: box})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		// A second node: its own platform on the same database and keys.
		box2 := &smsBox{}
		p2, err := platform.New(ctx, platform.Config{DB: db, Keys: crashKeys(), Now: c.now, SMS: box2})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p2.Close)
		const phone = "13800138000"
		publisher := userWithPhone(t, p, phone)
		ids := paidPayouts(t, p, publisher, campaigntest.PatientID, 2)
		remind, posted := ids[0], ids[1]
		if err := p.Payouts.PostUsage(ctx, publisher, posted, payout.Usage{Text: "化疗费用已支付，票据见附件。"}); err != nil {
			t.Fatalf("PostUsage: %v", err)
		}
		run := func(p *platform.Platform, wantSent int) {
			t.Helper()
			res, err := UsageReminders(ctx, p)
			if err != nil || res.Sent != wantSent {
				t.Fatalf("UsageReminders = %+v, %v; want %d sent", res, err, wantSent)
			}
		}
		expect := func(box *smsBox, stage string) {
			t.Helper()
			got := box.take()
			want := "第" + strconv.FormatInt(remind, 10) + "笔"
			if len(got) != 1 || got[0].phone != phone || !strings.Contains(got[0].text, want) ||
				!strings.Contains(got[0].text, map[string]string{"due": "到期", "overdue": "逾期"}[stage]) {
				t.Fatalf("sent %+v, want one %s reminder of payout %d to %s", got, stage, remind, phone)
			}
		}

		// Paid today: nothing is due yet.
		run(p, 0)
		if got := box.take(); len(got) != 0 {
			t.Fatalf("sent %+v before anything was due", got)
		}

		// Due in two days: reminded once, before.
		c.advance((payout.UsageDays-2)*24*time.Hour + time.Minute)
		box.fail = 1
		res, err := UsageReminders(ctx, p)
		if err != nil || res.Sent != 0 || res.Failed != 1 {
			t.Fatalf("with the gateway down: %+v, %v", res, err)
		}
		run(p, 1)
		expect(box, "due")
		run(p, 0)
		run(p2, 0)
		if got := append(box.take(), box2.take()...); len(got) != 0 {
			t.Fatalf("sent again: %+v", got)
		}

		// Overdue: reminded once, after.
		c.advance(3 * 24 * time.Hour)
		run(p2, 1)
		expect(box2, "overdue")
		run(p, 0)
		run(p2, 0)
		if got := append(box.take(), box2.take()...); len(got) != 0 {
			t.Fatalf("sent again: %+v", got)
		}
		var rows, sent int
		err = db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT count(*), count(sent_at) FROM usage_reminders WHERE payout_id = $1", remind).Scan(&rows, &sent)
		})
		if err != nil || rows != 2 || sent != 2 {
			t.Errorf("%d reminders recorded, %d sent (%v); want 2 and 2", rows, sent, err)
		}
		var others int
		err = db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT count(*) FROM usage_reminders WHERE payout_id <> $1", remind).Scan(&others)
		})
		if err != nil || others != 0 {
			t.Errorf("%d reminders of the payout whose usage was posted (%v)", others, err)
		}
	})
}

// TestUsageReminderClaimLease (R-DISB-4): a reminder claimed by a run that
// died before marking it sent is taken again, once, after claimLease, and
// not before: a reminder is never lost, and a run still sending is not
// doubled.
func TestUsageReminderClaimLease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := &clock{}
		box := &smsBox{}
		p, err := platform.New(ctx, platform.Config{DB: db, Now: c.now, SMS: box})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		publisher := userWithPhone(t, p, "13900139000")
		id := paidPayouts(t, p, publisher, campaigntest.PatientID, 1)[0]
		c.advance((payout.UsageDays - 1) * 24 * time.Hour)
		// A run claimed it just now and died.
		storetest.Exec(t, db, "INSERT INTO usage_reminders (payout_id, stage, due_at, claimed_at) VALUES ("+
			strconv.FormatInt(id, 10)+", 'due', 0, "+strconv.FormatInt(c.now().UnixMicro(), 10)+")")
		if res, err := UsageReminders(ctx, p); err != nil || res.Sent != 0 {
			t.Fatalf("within the lease: %+v, %v", res, err)
		}
		c.advance(claimLease + time.Minute)
		if res, err := UsageReminders(ctx, p); err != nil || res.Sent != 1 {
			t.Fatalf("after the lease: %+v, %v", res, err)
		}
		if res, err := UsageReminders(ctx, p); err != nil || res.Sent != 0 {
			t.Fatalf("again: %+v, %v", res, err)
		}
		if got := box.take(); len(got) != 1 {
			t.Errorf("sent %+v, want one reminder", got)
		}
	})
}

// TestPlatformJobsRemind: the reminding job is among the platform's jobs.
func TestPlatformJobsRemind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPlatform(t, db, &clock{})
		for _, j := range Platform(p, nil) {
			if j.Name == UsageRemindersJob {
				return
			}
		}
		t.Errorf("no %s job", UsageRemindersJob)
	})
}
