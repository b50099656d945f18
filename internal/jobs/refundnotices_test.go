package jobs

import (
	"context"
	"crypto/rand"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/refund"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// donorRules returns the ids of the rules versions in force a donor agrees
// to (R-RULES-2).
func donorRules(t testing.TB, p *platform.Platform) []int64 {
	t.Helper()
	current, err := p.Rules.Current(context.Background(), donation.ConsentKinds...)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, v := range current {
		ids = append(ids, v.ID)
	}
	return ids
}

// giveAt places and pays an order of amount (yuan) by donor (0: not signed
// in) at the platform's sandbox and confirms it, returning the donation.
func giveAt(t *testing.T, p *platform.Platform, req, donor int64, amount string) int64 {
	t.Helper()
	ctx := context.Background()
	placed, err := p.Donations.Place(ctx, p.Providers, donation.PlaceInput{
		OrderInput: donation.OrderInput{RequestID: req, Amount: amount, DonorUserID: donor, Provider: "sandbox",
			ClientToken: "rn-" + rand.Text()},
		NotifyURL: func(string) string { return "http://127.0.0.1:9/pay/notify/sandbox" },
		ReturnURL: func(no string) string { return "http://127.0.0.1:9/donations/" + no },
		ClientIP:  "192.0.2.1",
		Agreement: donation.Agreement{Rules: donorRules(t, p), Source: "test"},
	})
	if err != nil {
		t.Fatal(err)
	}
	pay, err := p.Sandbox.Pay(ctx, placed.Order.OrderNo)
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Donations.Confirm(ctx, pay)
	if err != nil || out.DonationID == 0 {
		t.Fatalf("confirming: %+v, %v", out, err)
	}
	return out.DonationID
}

// TestRefundNotices: a donor is told by SMS, once per refund and event,
// when the refund was sent to the provider and when it arrived (or went to
// charity), with the request's number and the amount; a refund already
// paid back when first seen is told only that; a send the gateway refused
// is sent by the next run; a claim left by a run that died is never sent
// again; a donation made without signing in has nobody to tell (R-DON-2).
//
// R-DON-2
func TestRefundNotices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := &clock{}
		box := &smsBox{}
		p, err := platform.New(ctx, platform.Config{DB: db, Keys: crashKeys(), Now: c.now, SMS: box})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		const phone, phone2, phone3 = "13900139200", "13900139201", "13900139202"
		donor := userWithPhone(t, p, phone)
		donor2 := userWithPhone(t, p, phone2)
		donor3 := userWithPhone(t, p, phone3)
		req := fundraising(t, p, campaigntest.PatientID)
		reqNo := strconv.FormatInt(req, 10)
		d1 := giveAt(t, p, req, donor, "100")
		d2 := giveAt(t, p, req, donor, "50.09") // the sandbox answers processing
		giveAt(t, p, req, 0, "10")
		giveAt(t, p, req, donor2, "30")
		giveAt(t, p, req, donor3, "40")

		run := func(want NoticeResult) {
			t.Helper()
			res, err := RefundNotices(ctx, p)
			if err != nil || res.Sent != want.Sent || res.Failed != want.Failed || res.Unsure != want.Unsure {
				t.Fatalf("RefundNotices = %+v, %v; want %+v", res, err, want)
			}
		}
		expect := func(to, event, amount string) {
			t.Helper()
			got := box.take()
			word := map[string]string{"sent": "已提交支付渠道", "succeeded": "已原路退回"}[event]
			if len(got) != 1 || got[0].phone != to || !strings.Contains(got[0].text, word) {
				t.Fatalf("sent %+v, want one %s notice to %s", got, event, to)
			}
			if !strings.Contains(got[0].text, reqNo) || !strings.Contains(got[0].text, amount) {
				t.Fatalf("the SMS %q lacks the request's number or the amount", got[0].text)
			}
		}
		// The donations were confirmed here, not taken by the sandbox:
		// before each dispatch the sandbox is funded with what is due, as
		// the fund-refunds job does through the custody bank.
		funded := 0
		dispatch := func() {
			t.Helper()
			funded++
			if err := p.Refunds.FundSandbox(ctx, p.Sandbox, "CFRTN"+strconv.Itoa(funded)); err != nil {
				t.Fatal(err)
			}
			if _, err := p.Refunds.Dispatch(ctx, 1000); err != nil {
				t.Fatal(err)
			}
		}

		// Decided, not yet sent: nothing to tell.
		if _, err := p.Refunds.DonorRequest(ctx, donor, d1, "k1"); err != nil {
			t.Fatal(err)
		}
		run(NoticeResult{})
		if len(box.take()) != 0 {
			t.Fatal("told of a refund not yet sent")
		}
		// Paid back before the job saw it: told once that it arrived.
		dispatch()
		run(NoticeResult{Sent: 1})
		expect(phone, "succeeded", "100.00")
		run(NoticeResult{})
		run(NoticeResult{})

		// Processing at the provider: told it was sent; the gateway
		// refuses once, the next run sends it; then told it arrived.
		if _, err := p.Refunds.DonorRequest(ctx, donor, d2, "k2"); err != nil {
			t.Fatal(err)
		}
		dispatch()
		box.mu.Lock()
		box.fail = 1
		box.mu.Unlock()
		run(NoticeResult{Failed: 1})
		if len(box.take()) != 0 {
			t.Fatal("a refused send was recorded as sent")
		}
		run(NoticeResult{Sent: 1})
		expect(phone, "sent", "50.09")
		run(NoticeResult{})
		c.advance(11 * time.Minute)
		if _, err := p.Refunds.Poll(ctx, 100); err != nil {
			t.Fatal(err)
		}
		run(NoticeResult{Sent: 1})
		expect(phone, "succeeded", "50.09")
		run(NoticeResult{})

		// The rest refunded pro rata: a donation made without signing in
		// has nobody to tell; a run that dies after claiming a notice
		// leaves it unsure, never sent again; the other is sent.
		if _, err := p.Refunds.StartRun(ctx, refund.RunInput{RequestID: req, Cause: refund.CausePurposeEnded,
			Actor: "system", Key: "rest"}); err != nil {
			t.Fatal(err)
		}
		dispatch()
		var claimed []notice
		if err := p.DB.Write(ctx, func(tx *store.Tx) error {
			if _, err := findNotices(ctx, tx, c.now().UnixMicro()); err != nil {
				return err
			}
			claimed, err = claimNotices(ctx, tx, p, c.now().UnixMicro(), 1)
			return err
		}); err != nil || len(claimed) != 1 {
			t.Fatalf("claiming one: %v, %v", claimed, err)
		}
		c.advance(noticeLease + time.Minute)
		run(NoticeResult{Sent: 1, Unsure: 1})
		got := box.take()
		if len(got) != 1 || got[0].phone == claimed[0].phone || (got[0].phone != phone2 && got[0].phone != phone3) {
			t.Fatalf("after the dead run: sent %+v; the claimed one went to %s", got, claimed[0].phone)
		}
		for range 3 {
			run(NoticeResult{})
		}
		var n, unsure int
		if err := p.DB.Read(ctx, func(tx *store.Tx) error {
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM refund_notices WHERE state = 'sent'").Scan(&n); err != nil {
				return err
			}
			return tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM refund_notices WHERE state = 'unsure'").Scan(&unsure)
		}); err != nil {
			t.Fatal(err)
		}
		if n != 4 || unsure != 1 {
			t.Errorf("%d notices sent and %d unsure, want 4 and 1", n, unsure)
		}
	})
}

// TestRefundNoticeTexts: each event's SMS names the request and the
// amount, in Chinese, and nothing else (R-DON-2).
func TestRefundNoticeTexts(t *testing.T) {
	for event, word := range map[string]string{noticeSent: "已提交支付渠道", noticeSucceeded: "已原路退回", noticeCharity: "慈善"} {
		s := noticeText(notice{event: event, request: 4711, amount: 1234, phone: "13900139200"})
		if !strings.Contains(s, "4711") || !strings.Contains(s, "12.34") || !strings.Contains(s, word) || strings.Contains(s, "139") {
			t.Errorf("%s: %q", event, s)
		}
	}
}
