package payment_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
)

// TestSandboxSettlement settles the sandbox's payments of a day: the file
// it writes reads back the same, and its figures add up (R-FUND-1).
func TestSandboxSettlement(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	sb := payment.NewSandbox(payment.SandboxConfig{Key: testKey, BaseURL: "http://127.0.0.1", ManualDelivery: true,
		Now: func() time.Time { return now }})
	defer sb.Close()
	ctx := context.Background()
	for i, amount := range []money.Fen{600_00, 400_00, 1} {
		o := payment.Order{ID: "settle-" + string(rune('a'+i)), Amount: amount, Description: "捐助", NotifyURL: "http://127.0.0.1/n", ClientIP: "203.0.113.1"}
		if _, err := sb.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
		if _, err := sb.Pay(ctx, o.ID); err != nil {
			t.Fatal(err)
		}
	}
	st, ok, err := sb.Settlement(ctx, time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC))
	if err != nil || !ok {
		t.Fatal("no settlement", err)
	}
	if st.Gross != 1000_01 || st.Fees != 3_60+2_40 || st.Net != st.Gross-st.Fees || len(st.Lines) != 3 || st.Ref != "CFST-sandbox-20261207" {
		t.Fatalf("settlement %+v", st)
	}
	var buf bytes.Buffer
	if err := payment.WriteSandboxSettlement(&buf, st); err != nil {
		t.Fatal(err)
	}
	back, err := payment.ParseSandboxSettlement(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if back.Ref != st.Ref || back.Net != st.Net || back.Gross != st.Gross || back.Fees != st.Fees || len(back.Lines) != 3 || !back.Date.Equal(st.Date) {
		t.Fatalf("read back %+v, wrote %+v", back, st)
	}
	if _, ok, err := sb.Settlement(ctx, time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)); ok || err != nil {
		t.Error("a settlement for a day without payments", err)
	}
}

// TestSandboxSettlementNetsRefunds: the sandbox pays refunds out of the
// day's money and nets them in the day's settlement; a refund the day's
// money does not cover is refused NOT_ENOUGH and nothing is booked, until
// a top-up from custody funds it; the top-up is in the day's settlement,
// which reads back the same (R-FUND-1, R-FUND-4, R-DON-2).
func TestSandboxSettlementNetsRefunds(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	sb := payment.NewSandbox(payment.SandboxConfig{Key: testKey, BaseURL: "http://127.0.0.1", ManualDelivery: true,
		Now: func() time.Time { return now }})
	defer sb.Close()
	ctx := context.Background()
	pay := func(id string, amount money.Fen) string {
		o := payment.Order{ID: id, Amount: amount, Description: "捐助", NotifyURL: "http://127.0.0.1/n", ClientIP: "203.0.113.1"}
		if _, err := sb.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
		n, err := sb.Pay(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		return n.TransactionID
	}
	refund := func(order, no string, amount, total money.Fen) error {
		_, err := sb.Refund(ctx, payment.Refund{OrderID: order, RefundID: no, Amount: amount, Total: total, Reason: "test"})
		return err
	}
	pay("netting-order-a", 600_00)
	pay("netting-order-b", 400_00)
	// The day's money: 1000.00 less 6.00 in fees.
	if b, err := sb.RefundBalance(ctx); err != nil || b != 994_00 {
		t.Fatalf("balance %s, %v", b, err)
	}
	if err := refund("netting-order-a", "netting-refund-a1", 600_00, 600_00); err != nil {
		t.Fatal(err)
	}
	// 394.00 left: a refund of 400.00 is refused, and not booked.
	if err := refund("netting-order-b", "netting-refund-b1", 400_00, 400_00); !errors.Is(err, payment.ErrNotEnough) {
		t.Fatalf("refund beyond the balance: %v, want ErrNotEnough", err)
	}
	if _, err := sb.QueryRefund(ctx, "netting-refund-b1"); !errors.Is(err, payment.ErrUnknownRefund) {
		t.Fatalf("a refused refund was booked: %v", err)
	}
	if err := sb.Fund(ctx, "CFRT1", 10_00); err != nil {
		t.Fatal(err)
	}
	if err := sb.Fund(ctx, "CFRT1", 10_00); err != nil {
		t.Fatal("the same top-up again:", err)
	}
	if err := sb.Fund(ctx, "CFRT1", 11_00); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("another amount under the same reference: %v", err)
	}
	if err := refund("netting-order-b", "netting-refund-b1", 400_00, 400_00); err != nil {
		t.Fatal("the same refund once funded:", err)
	}
	if b, err := sb.RefundBalance(ctx); err != nil || b != 4_00 {
		t.Fatalf("balance %s after the refunds, %v", b, err)
	}
	st, ok, err := sb.Settlement(ctx, time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC))
	if err != nil || !ok {
		t.Fatal("no settlement", err)
	}
	if st.Gross != 1000_00 || st.Fees != 6_00 || st.Refunds != 1000_00 || st.Funding != 10_00 || st.Net != 4_00 ||
		len(st.RefundLines) != 2 || len(st.FundingLines) != 1 {
		t.Fatalf("settlement %+v", st)
	}
	var buf bytes.Buffer
	if err := payment.WriteSandboxSettlement(&buf, st); err != nil {
		t.Fatal(err)
	}
	back, err := payment.ParseSandboxSettlement(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if back.Net != st.Net || back.Refunds != st.Refunds || back.Funding != st.Funding || len(back.RefundLines) != 2 || len(back.FundingLines) != 1 {
		t.Fatalf("read back %+v, wrote %+v", back, st)
	}
}

// TestSandboxSettlementOfRefundsOnly: a day with refunds and a top-up and
// no payment settles what the top-up left, and a day whose top-up was used
// whole has nothing to settle.
func TestSandboxSettlementOfRefundsOnly(t *testing.T) {
	day1 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	now := day1
	sb := payment.NewSandbox(payment.SandboxConfig{Key: testKey, BaseURL: "http://127.0.0.1", ManualDelivery: true,
		Now: func() time.Time { return now }})
	defer sb.Close()
	ctx := context.Background()
	o := payment.Order{ID: "only-order-a", Amount: 300_00, Description: "捐助", NotifyURL: "http://127.0.0.1/n", ClientIP: "203.0.113.1"}
	if _, err := sb.Create(ctx, o); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.Pay(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	now = day1.AddDate(0, 0, 1)
	if err := sb.Fund(ctx, "CFRT2", 300_00); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.Refund(ctx, payment.Refund{OrderID: o.ID, RefundID: "only-refund-a1", Amount: 100_00, Total: 300_00}); err != nil {
		t.Fatal(err)
	}
	st, ok, err := sb.Settlement(ctx, time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC))
	if err != nil || !ok || st.Net != 200_00 || len(st.Lines) != 0 || st.Refunds != 100_00 || st.Funding != 300_00 {
		t.Fatalf("settlement %+v, %v, %v", st, ok, err)
	}
	if _, err := sb.Refund(ctx, payment.Refund{OrderID: o.ID, RefundID: "only-refund-a2", Amount: 200_00, Total: 300_00}); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := sb.Settlement(ctx, time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)); ok || err != nil {
		t.Fatalf("a day whose top-up paid its refunds settled: %v", err)
	}
}

const seedSettlement = payment.SandboxSettlementHeader + "\n" +
	"settlement,CFST-sandbox-20261207,2026-12-07,1000.00,6.00,994.00,2\n" +
	"transaction,sbx20261207a1,,600.00,3.60,596.40,\n" +
	"transaction,sbx20261207a2,,400.00,2.40,397.60,\n"

// seedRefunds is a settlement that nets a refund and returns a top-up.
const seedRefunds = payment.SandboxSettlementHeader + "\n" +
	"settlement,CFST-sandbox-20261207,2026-12-07,1000.00,6.00,795.00,4\n" +
	"transaction,sbx20261207a1,,600.00,3.60,596.40,\n" +
	"transaction,sbx20261207a2,,400.00,2.40,397.60,\n" +
	"refund,R1D2A1abcdefgh,,300.00,,,\n" +
	"funding,CFRT7,,101.00,,,\n"

// TestParseSandboxSettlementRefuses refuses a file whose figures do not
// add up, whole.
func TestParseSandboxSettlementRefuses(t *testing.T) {
	if _, err := payment.ParseSandboxSettlement(strings.NewReader(seedSettlement)); err != nil {
		t.Fatal(err)
	}
	if st, err := payment.ParseSandboxSettlement(strings.NewReader(seedRefunds)); err != nil || st.Net != 795_00 || st.Refunds != 300_00 || st.Funding != 101_00 {
		t.Fatal(st, err)
	}
	for name, bad := range map[string]string{
		"net":            strings.Replace(seedSettlement, "994.00", "995.00", 1),
		"gross":          strings.Replace(seedSettlement, "1000.00", "1001.00", 1),
		"count":          strings.Replace(seedSettlement, "994.00,2", "994.00,3", 1),
		"line net":       strings.Replace(seedSettlement, "596.40", "596.41", 1),
		"twice":          strings.Replace(seedSettlement, "sbx20261207a2", "sbx20261207a1", 1),
		"three decimals": strings.Replace(seedSettlement, "600.00", "600.000", 1),
		"header":         strings.Replace(seedSettlement, "record", "kind", 1),
		"no settlement":  payment.SandboxSettlementHeader + "\n",
		"refund net":     strings.Replace(seedRefunds, "300.00,,,", "300.00,,300.00,", 1),
		"refund count":   strings.Replace(seedRefunds, "795.00,4", "795.00,3", 1),
		"refunds sum":    strings.Replace(seedRefunds, "refund,R1D2A1abcdefgh,,300.00", "refund,R1D2A1abcdefgh,,301.00", 1),
		"refund twice":   strings.Replace(seedRefunds, "funding,CFRT7", "refund,R1D2A1abcdefgh", 1),
		"negative net":   strings.Replace(strings.Replace(seedRefunds, "funding,CFRT7,,101.00", "refund,R1D2A2abcdefgh,,895.00", 1), "795.00", "0.00", 1),
	} {
		if _, err := payment.ParseSandboxSettlement(strings.NewReader(bad)); !errors.Is(err, payment.ErrSettlementInvalid) {
			t.Errorf("%s: %v, want ErrSettlementInvalid", name, err)
		}
	}
}

// FuzzParseSandboxSettlement: never a panic, and whatever is accepted
// adds up.
func FuzzParseSandboxSettlement(f *testing.F) {
	f.Add([]byte(seedSettlement))
	f.Add([]byte(seedRefunds))
	f.Add([]byte(strings.Replace(seedSettlement, "994.00", "995.00", 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := payment.ParseSandboxSettlement(bytes.NewReader(data))
		if err != nil {
			return
		}
		if err := st.Check(); err != nil {
			t.Fatalf("accepted a settlement that does not add up: %v", err)
		}
		var buf bytes.Buffer
		if err := payment.WriteSandboxSettlement(&buf, st); err != nil {
			t.Fatal(err)
		}
		back, err := payment.ParseSandboxSettlement(&buf)
		if err != nil || back.Net != st.Net || len(back.Lines) != len(st.Lines) {
			t.Fatalf("round trip: %+v %v", back, err)
		}
	})
}
