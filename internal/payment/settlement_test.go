package payment_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

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
	st, ok := sb.Settlement(ctx, time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC))
	if !ok {
		t.Fatal("no settlement")
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
	if _, ok := sb.Settlement(ctx, time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)); ok {
		t.Error("a settlement for a day without payments")
	}
}

const seedSettlement = payment.SandboxSettlementHeader + "\n" +
	"settlement,CFST-sandbox-20261207,2026-12-07,1000.00,6.00,994.00,2\n" +
	"transaction,sbx20261207a1,,600.00,3.60,596.40,\n" +
	"transaction,sbx20261207a2,,400.00,2.40,397.60,\n"

// TestParseSandboxSettlementRefuses refuses a file whose figures do not
// add up, whole.
func TestParseSandboxSettlementRefuses(t *testing.T) {
	if _, err := payment.ParseSandboxSettlement(strings.NewReader(seedSettlement)); err != nil {
		t.Fatal(err)
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
