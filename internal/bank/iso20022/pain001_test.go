package iso20022

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/money"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func exampleBatch() Batch {
	cst := time.FixedZone("CST", 8*3600)
	return Batch{
		MessageID:     "PAY-20240301-01",
		Created:       time.Date(2024, 3, 1, 9, 30, 15, 123456789, cst),
		ExecutionDate: time.Date(2024, 3, 1, 0, 0, 0, 0, cst),
		Debtor: Party{
			Name:    "善款托管专户",
			Account: Account{ID: "0200001234567890123"},
			Bank:    Agent{BIC: "ICBKCNBJ", CNAPS: "102100000030", Name: "中国工商银行北京分行"},
		},
		Transfers: []Transfer{
			{
				ID: "PO-0001", Amount: 6123456,
				Creditor:   Party{Name: "北京协和医院", Account: Account{ID: "0200000709024567891"}, Bank: Agent{CNAPS: "102100000709"}},
				Remittance: "筹款 CF-1001 第1批",
			},
			{
				ID: "PO-0002", Amount: 1,
				Creditor: Party{Name: "张三", Account: Account{ID: "6222021234567890123"}, Bank: Agent{Name: "中国工商银行"}},
			},
			{
				ID: "PO-0003", Amount: 50000000,
				Creditor: Party{Name: "Li & <Sons>", Account: Account{IBAN: "DE89370400440532013000"}, Bank: Agent{BIC: "COBADEFFXXX"}},
			},
		},
	}
}

// TestWritePain001 compares the file with the reviewed golden copy
// (go test -update rewrites it) and checks that writing is deterministic.
func TestWritePain001(t *testing.T) {
	var a, b bytes.Buffer
	if err := WritePain001(&a, exampleBatch()); err != nil {
		t.Fatal(err)
	}
	if err := WritePain001(&b, exampleBatch()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two writes of one batch differ")
	}
	const golden = "testdata/pain001.golden.xml"
	if *update {
		if err := os.WriteFile(golden, a.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := a.String(); got != string(want) {
		t.Errorf("WritePain001 wrote\n%s\nwant\n%s", got, want)
	}
	for _, s := range []string{
		`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09">`,
		`<NbOfTxs>3</NbOfTxs>`, `<CtrlSum>561234.57</CtrlSum>`,
		`<CreDtTm>2024-03-01T09:30:15+08:00</CreDtTm>`, `<ReqdExctnDt>`, `<Dt>2024-03-01</Dt>`,
		`<BtchBookg>false</BtchBookg>`, `<EndToEndId>PO-0002</EndToEndId>`,
		`<InstdAmt Ccy="CNY">0.01</InstdAmt>`, `<Cd>CNAPS</Cd>`, `<MmbId>102100000709</MmbId>`,
		`<Nm>Li &amp; &lt;Sons&gt;</Nm>`, `<IBAN>DE89370400440532013000</IBAN>`,
	} {
		if !strings.Contains(a.String(), s) {
			t.Errorf("pain.001 lacks %s", s)
		}
	}
}

// TestWritePain001ControlSum reads the written file back and checks that
// the control sums are the exact sum of the amounts, in fen, for batches
// whose sums a float would get wrong.
func TestWritePain001ControlSum(t *testing.T) {
	tests := []struct {
		name    string
		amounts []money.Fen
	}{
		{"one fen", []money.Fen{1}},
		{"tenths", []money.Fen{10, 20, 30}},                           // 0.1+0.2+0.3 is not 0.6 in floats
		{"large", []money.Fen{money.MaxFen / 2, money.MaxFen / 2, 1}}, // beyond a float's 53 bits
		{"many", func() []money.Fen {
			var xs []money.Fen
			for i := range 1000 {
				xs = append(xs, money.Fen(i*7919%100003+1))
			}
			return xs
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := exampleBatch()
			tmpl := b.Transfers[0]
			b.Transfers = nil
			var want money.Fen
			for i, a := range tt.amounts {
				tr := tmpl
				tr.ID = fmt.Sprintf("PO-%04d", i)
				tr.Amount = a
				b.Transfers = append(b.Transfers, tr)
				want += a
			}
			var buf bytes.Buffer
			if err := WritePain001(&buf, b); err != nil {
				t.Fatal(err)
			}
			var doc pain001Doc
			if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			var sum money.Fen
			for _, tx := range doc.Initn.PmtInf.CdtTrfTxInf {
				f, err := parseAmount(tx.Amt.InstdAmt.Value)
				if err != nil {
					t.Fatal(err)
				}
				sum += f
			}
			for _, cs := range []string{doc.Initn.GrpHdr.CtrlSum, doc.Initn.PmtInf.CtrlSum} {
				got, err := parseAmount(cs)
				if err != nil || got != want || got != sum {
					t.Errorf("control sum %q = %d, %v; want %d (amounts sum to %d)", cs, got, err, want, sum)
				}
			}
			if n := doc.Initn.GrpHdr.NbOfTxs; n != len(tt.amounts) || doc.Initn.PmtInf.NbOfTxs != n {
				t.Errorf("NbOfTxs = %d, want %d", n, len(tt.amounts))
			}
		})
	}
}

func TestWritePain001Invalid(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Batch)
	}{
		{"no transfers", func(b *Batch) { b.Transfers = nil }},
		{"message id blank", func(b *Batch) { b.MessageID = "" }},
		{"message id too long", func(b *Batch) { b.MessageID = strings.Repeat("A", 36) }},
		{"message id with a space", func(b *Batch) { b.MessageID = "PAY 1" }},
		{"no creation time", func(b *Batch) { b.Created = time.Time{} }},
		{"no execution date", func(b *Batch) { b.ExecutionDate = time.Time{} }},
		{"debtor without account", func(b *Batch) { b.Debtor.Account = Account{} }},
		{"debtor with two accounts", func(b *Batch) { b.Debtor.Account.IBAN = "DE89370400440532013000" }},
		{"debtor without bank", func(b *Batch) { b.Debtor.Bank = Agent{} }},
		{"bad BIC", func(b *Batch) { b.Debtor.Bank.BIC = "ICBK1NBJ" }},
		{"bad CNAPS", func(b *Batch) { b.Debtor.Bank.CNAPS = "10210000003" }},
		{"zero amount", func(b *Batch) { b.Transfers[1].Amount = 0 }},
		{"negative amount", func(b *Batch) { b.Transfers[1].Amount = -100 }},
		{"amount too large", func(b *Batch) { b.Transfers[1].Amount = money.MaxFen + 1 }},
		{"sum too large", func(b *Batch) { b.Transfers[0].Amount, b.Transfers[1].Amount = money.MaxFen, money.MaxFen }},
		{"duplicate id", func(b *Batch) { b.Transfers[2].ID = b.Transfers[0].ID }},
		{"creditor without name", func(b *Batch) { b.Transfers[0].Creditor.Name = "  " }},
		{"creditor name with a control character", func(b *Batch) { b.Transfers[0].Creditor.Name = "张\x00三" }},
		{"creditor name too long", func(b *Batch) { b.Transfers[0].Creditor.Name = strings.Repeat("张", 141) }},
		{"creditor account bad", func(b *Batch) { b.Transfers[0].Creditor.Account = Account{ID: "0200 0007"} }},
		{"creditor IBAN bad", func(b *Batch) { b.Transfers[0].Creditor.Account = Account{IBAN: "de89370400440532013000"} }},
		{"remittance too long", func(b *Batch) { b.Transfers[0].Remittance = strings.Repeat("x", 141) }},
		{"remittance not UTF-8", func(b *Batch) { b.Transfers[0].Remittance = "\xff" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := exampleBatch()
			tt.change(&b)
			var buf bytes.Buffer
			err := WritePain001(&buf, b)
			if !errors.Is(err, ErrInvalidTransfer) {
				t.Errorf("WritePain001 = %v, want ErrInvalidTransfer", err)
			}
			if buf.Len() != 0 {
				t.Errorf("WritePain001 wrote %d bytes of a batch it refused", buf.Len())
			}
		})
	}
}
