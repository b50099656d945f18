package iso20022

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/money"
)

func readFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// badCase is a valid sample file with one change: replace old (which must
// occur in the file) by new.
type badCase struct {
	name     string
	old, new string
	want     error
}

func apply(t *testing.T, file string, c badCase) string {
	t.Helper()
	if !strings.Contains(file, c.old) {
		t.Fatalf("%s: sample lacks %q", c.name, c.old)
	}
	return strings.Replace(file, c.old, c.new, 1)
}

func TestParsePain002(t *testing.T) {
	got, err := ParsePain002(strings.NewReader(readFile(t, "pain002.xml")))
	if err != nil {
		t.Fatal(err)
	}
	if got.MessageID != "STS-20240301-0001" || got.OriginalMessageID != "PAY-20240301-01" || got.GroupStatus != PartiallyAccepted {
		t.Errorf("header = %q %q %q", got.MessageID, got.OriginalMessageID, got.GroupStatus)
	}
	want := map[string]TransactionStatus{
		"PO-0001": {EndToEndID: "PO-0001", Status: AcceptedSettled},
		"PO-0002": {EndToEndID: "PO-0002", Status: Rejected, Reason: "AC04", Info: "收款账户已销户"},
		"PO-0003": {EndToEndID: "PO-0003", Status: Pending},
	}
	if len(got.Transactions) != len(want) {
		t.Errorf("got %d transactions, want %d", len(got.Transactions), len(want))
	}
	for id, w := range want {
		if g := got.Transactions[id]; g != w {
			t.Errorf("transaction %s = %+v, want %+v", id, g, w)
		}
	}
	if !got.Transactions["PO-0001"].Status.Settled() || !got.Transactions["PO-0002"].Status.Failed() ||
		got.Transactions["PO-0003"].Status.Settled() || got.Transactions["PO-0003"].Status.Failed() {
		t.Error("Settled or Failed misclassify ACSC, RJCT or PDNG")
	}

	old, err := ParsePain002(strings.NewReader(readFile(t, "pain002_v03.xml")))
	if err != nil {
		t.Fatal(err)
	}
	if old.GroupStatus != Rejected || old.GroupReason != "DUPL-FILE" || len(old.Transactions) != 0 {
		t.Errorf("pain.002.001.03 = %+v", old)
	}
}

func TestParsePain002Bad(t *testing.T) {
	file := readFile(t, "pain002.xml")
	tests := []badCase{
		{"not XML", "<?xml", "{not xml", ErrMalformed},
		{"truncated", "</Document>", "", ErrMalformed},
		{"garbage after the document", "</Document>", "</Document><Document/>", ErrMalformed},
		{"DOCTYPE", "<Document ", "<!DOCTYPE Document [<!ENTITY x \"y\">]><Document ", ErrMalformed},
		{"not ISO 20022", `xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"`, `xmlns="urn:example"`, ErrWrongMessage},
		{"a camt.053", "pain.002.001.10", "camt.053.001.08", ErrWrongMessage},
		{"an unknown version", "pain.002.001.10", "pain.002.001.99", ErrWrongMessage},
		{"answers a camt", "<OrgnlMsgNmId>pain.001.001.09", "<OrgnlMsgNmId>camt.060.001.05", ErrWrongMessage},
		{"no message id", "<MsgId>STS-20240301-0001</MsgId>", "", ErrMalformed},
		{"two message ids", "<MsgId>STS-20240301-0001</MsgId>", "<MsgId>A</MsgId><MsgId>B</MsgId>", ErrMalformed},
		{"no original message id", "<OrgnlMsgId>PAY-20240301-01</OrgnlMsgId>", "", ErrMalformed},
		{"blank original message id", "<OrgnlMsgId>PAY-20240301-01</OrgnlMsgId>", "<OrgnlMsgId> </OrgnlMsgId>", ErrMalformed},
		{"two reports", "</CstmrPmtStsRpt>", "</CstmrPmtStsRpt><CstmrPmtStsRpt></CstmrPmtStsRpt>", ErrMalformed},
		{"unknown group status", "<GrpSts>PART</GrpSts>", "<GrpSts>OKAY</GrpSts>", ErrMalformed},
		{"unknown transfer status", "<TxSts>PDNG</TxSts>", "<TxSts>DONE</TxSts>", ErrMalformed},
		{"PART on a transfer", "<TxSts>PDNG</TxSts>", "<TxSts>PART</TxSts>", ErrMalformed},
		{"transfer without status", "<TxSts>PDNG</TxSts>", "", ErrMalformed},
		{"transfer with two statuses", "<TxSts>PDNG</TxSts>", "<TxSts>PDNG</TxSts><TxSts>ACSC</TxSts>", ErrMalformed},
		{"transfer without end-to-end id", "<OrgnlEndToEndId>PO-0003</OrgnlEndToEndId>", "", ErrMalformed},
		{"rejection without reason", "<Rsn><Cd>AC04</Cd></Rsn>", "", ErrMalformed},
		{"reason with code and proprietary", "<Cd>AC04</Cd>", "<Cd>AC04</Cd><Prtry>X</Prtry>", ErrMalformed},
		{"duplicate end-to-end id", "<OrgnlEndToEndId>PO-0003</OrgnlEndToEndId>", "<OrgnlEndToEndId>PO-0001</OrgnlEndToEndId>", ErrDuplicate},
		{"no status at all", "<GrpSts>PART</GrpSts>", "", nil}, // still has transactions: valid
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePain002(strings.NewReader(apply(t, file, tt)))
			if tt.want == nil {
				if err != nil {
					t.Errorf("ParsePain002 = %v, want success", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("ParsePain002 = %v, want %v", err, tt.want)
			}
		})
	}
	empty := strings.Replace(readFile(t, "pain002_v03.xml"), "<GrpSts>RJCT</GrpSts>", "", 1)
	if _, err := ParsePain002(strings.NewReader(empty)); !errors.Is(err, ErrMalformed) {
		t.Errorf("a report without any status: %v, want ErrMalformed", err)
	}
}

func day(d int) time.Time { return time.Date(2024, 3, d, 0, 0, 0, 0, time.UTC) }

func TestParseCamt053(t *testing.T) {
	got, err := ParseCamt053(strings.NewReader(readFile(t, "camt053.xml")))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "STMT-20240301-001" || got.Account != (Account{ID: "0200001234567890123"}) {
		t.Errorf("statement %q of %+v", got.ID, got.Account)
	}
	if *got.Opening != (Balance{50000000, day(1)}) || *got.Closing != (Balance{44877545, day(1)}) {
		t.Errorf("balances %+v %+v", *got.Opening, *got.Closing)
	}
	want := []Entry{
		{Reference: "E1", BankReference: "B240301000123", EndToEndID: "PO-0001", Amount: 6123456, Direction: Debit,
			BookingDate: day(1), ValueDate: day(1), Counterparty: "北京协和医院",
			CounterpartyAccount: Account{ID: "0200000709024567891"}, Remittance: "筹款 CF-1001 第1批"},
		{Reference: "E2", BankReference: "B240301000124", Amount: 1001000, Direction: Credit,
			BookingDate: day(1), ValueDate: day(1), Counterparty: "财付通支付科技有限公司", Remittance: "结算 2024-02-29"},
		{Reference: "B240301000125", BankReference: "B240301000125", Amount: 1, Direction: Credit, Reversal: true,
			BookingDate: day(1), ValueDate: day(1)},
	}
	if len(got.Entries) != len(want) {
		t.Fatalf("got %d entries, want %d", len(got.Entries), len(want))
	}
	for i := range want {
		if got.Entries[i] != want[i] {
			t.Errorf("entry %d = %+v\nwant %+v", i, got.Entries[i], want[i])
		}
	}

	old, err := ParseCamt053(strings.NewReader(readFile(t, "camt053_v02.xml")))
	if err != nil {
		t.Fatal(err)
	}
	if old.Account.IBAN != "DE89370400440532013000" || old.Opening.Amount != 0 || old.Closing.Amount != 9950 ||
		len(old.Entries) != 2 || old.Entries[0].Counterparty != "Sandbox PSP" || old.Entries[0].EndToEndID != "SETTLE-1" {
		t.Errorf("camt.053.001.02 = %+v", old)
	}
}

// TestParseCamt053Bad proves that a statement the ledger cannot be
// reconciled against is refused whole, with a reason (R-FUND-4): a line
// twice, a wrong closing balance, a foreign currency, a pending line.
func TestParseCamt053Bad(t *testing.T) {
	file := readFile(t, "camt053.xml")
	tests := []badCase{
		{"not XML", "<?xml", "<<", ErrMalformed},
		{"truncated", "</Stmt>", "", ErrMalformed},
		{"a pain.002", "camt.053.001.08", "pain.002.001.10", ErrWrongMessage},
		{"a camt.052", "camt.053.001.08", "camt.052.001.08", ErrWrongMessage},
		{"an intraday report inside", "<BkToCstmrStmt>", "<BkToCstmrAcctRpt></BkToCstmrAcctRpt><BkToCstmrStmt>", ErrWrongMessage},
		{"no statement", "<Stmt>", "<Skipped>", ErrMalformed}, // and no </Skipped>: malformed either way
		{"two statements", "</Stmt>", "</Stmt><Stmt></Stmt>", ErrMalformed},
		{"no statement id", "<Id>STMT-20240301-001</Id>", "", ErrMalformed},
		{"two statement ids", "<Id>STMT-20240301-001</Id>", "<Id>A</Id><Id>B</Id>", ErrMalformed},
		{"no account", "<Id><Othr><Id>0200001234567890123</Id></Othr></Id>", "", ErrMalformed},
		{"account with IBAN and Othr", "<Othr><Id>0200001234567890123</Id></Othr>", "<IBAN>DE89370400440532013000</IBAN><Othr><Id>0200001234567890123</Id></Othr>", ErrMalformed},
		{"account in USD", "<Ccy>CNY</Ccy>", "<Ccy>USD</Ccy>", ErrCurrency},
		{"balance in USD", `<Amt Ccy="CNY">500000.00</Amt>`, `<Amt Ccy="USD">500000.00</Amt>`, ErrCurrency},
		{"entry in HKD", `<Amt Ccy="CNY">61234.56</Amt>`, `<Amt Ccy="HKD">61234.56</Amt>`, ErrCurrency},
		{"entry without currency", `<Amt Ccy="CNY">61234.56</Amt>`, `<Amt>61234.56</Amt>`, ErrCurrency},
		{"no opening balance", "<Cd>OPBD</Cd>", "<Cd>ITBD</Cd>", ErrMalformed},
		{"two closing balances", "<Cd>CLAV</Cd>", "<Cd>CLBD</Cd>", ErrMalformed},
		{"balance without indicator", "<CdtDbtInd>CRDT</CdtDbtInd>", "", ErrMalformed},
		{"balance without date", "<Dt><Dt>2024-03-01</Dt></Dt>", "", ErrMalformed},
		{"balance with a bad date", "<Dt><Dt>2024-03-01</Dt></Dt>", "<Dt><Dt>2024-02-30</Dt></Dt>", ErrMalformed},
		{"three decimals", "61234.56", "61234.560", ErrMalformed},
		{"negative amount", "61234.56", "-61234.56", ErrMalformed},
		{"exponent", "61234.56", "6.123456E4", ErrMalformed},
		{"zero entry", "<Amt Ccy=\"CNY\">0.01</Amt>", "<Amt Ccy=\"CNY\">0.00</Amt>", ErrMalformed},
		{"bad indicator", "<CdtDbtInd>DBIT</CdtDbtInd>", "<CdtDbtInd>D</CdtDbtInd>", ErrMalformed},
		{"pending entry", "<Sts><Cd>BOOK</Cd></Sts>", "<Sts><Cd>PDNG</Cd></Sts>", ErrMalformed},
		{"entry without status", "<Sts><Cd>BOOK</Cd></Sts>", "", ErrMalformed},
		{"entry without booking date", "<BookgDt><Dt>2024-03-01</Dt></BookgDt>", "", ErrMalformed},
		{"booking date with Dt and DtTm", "<BookgDt><Dt>2024-03-01</Dt>", "<BookgDt><Dt>2024-03-01</Dt><DtTm>2024-03-01T00:00:00Z</DtTm>", ErrMalformed},
		{"bad reversal indicator", "<RvslInd>true</RvslInd>", "<RvslInd>yes</RvslInd>", ErrMalformed},
		{"entry without reference", "<AcctSvcrRef>B240301000125</AcctSvcrRef>", "", ErrMalformed},
		{"batch booking", "</TxDtls>", "</TxDtls><TxDtls></TxDtls>", ErrMalformed},
		{"two end-to-end ids", "<EndToEndId>PO-0001</EndToEndId>", "<EndToEndId>PO-0001</EndToEndId><EndToEndId>PO-0002</EndToEndId>", ErrMalformed},
		{"text in the statement", "<ElctrncSeqNb>", "stray<ElctrncSeqNb>", ErrMalformed},
		{"line twice", "<NtryRef>E2</NtryRef>", "<NtryRef>E1</NtryRef>", ErrDuplicate},
		{"wrong closing balance", "<Amt Ccy=\"CNY\">448775.45</Amt>", "<Amt Ccy=\"CNY\">448775.44</Amt>", ErrUnbalanced},
		{"entry amount changed", "61234.56", "61234.65", ErrUnbalanced},
		{"entry direction flipped", "<CdtDbtInd>DBIT</CdtDbtInd>", "<CdtDbtInd>CRDT</CdtDbtInd>", ErrUnbalanced},
		{"opening a debit", "<CdtDbtInd>CRDT</CdtDbtInd>\n        <Dt><Dt>2024-03-01</Dt></Dt>", "<CdtDbtInd>DBIT</CdtDbtInd>\n        <Dt><Dt>2024-03-01</Dt></Dt>", ErrUnbalanced},
		{"a line missing", "<Ntry>\n        <NtryRef>E2</NtryRef>", "<Skipped>\n        <NtryRef>E2</NtryRef>", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := apply(t, file, tt)
			if tt.name == "a line missing" {
				// Drop the whole second entry, leaving the XML well-formed.
				start := strings.Index(file, "<Ntry>\n        <NtryRef>E2</NtryRef>")
				end := strings.Index(file[start:], "</Ntry>") + start + len("</Ntry>")
				in, tt.want = file[:start]+file[end:], ErrUnbalanced
			}
			_, err := ParseCamt053(strings.NewReader(in))
			if !errors.Is(err, tt.want) {
				t.Errorf("ParseCamt053 = %v, want %v", err, tt.want)
			}
		})
	}
	start, end := strings.Index(file, "<Stmt>"), strings.Index(file, "</Stmt>")+len("</Stmt>")
	if _, err := ParseCamt053(strings.NewReader(file[:start] + file[end:])); !errors.Is(err, ErrMalformed) {
		t.Errorf("a camt.053 without a statement: %v, want ErrMalformed", err)
	}
}

func TestParseCSVStatement(t *testing.T) {
	got, err := ParseCSVStatement(strings.NewReader(readFile(t, "statement.csv")))
	if err != nil {
		t.Fatal(err)
	}
	want := Statement{Account: Account{ID: "0200001234567890123"}, Entries: []Entry{
		{Reference: "PO-0001", EndToEndID: "PO-0001", Amount: 6123456, Direction: Debit, BookingDate: day(1), ValueDate: day(1), Counterparty: "北京协和医院"},
		{Reference: "B240301000124", EndToEndID: "B240301000124", Amount: 1001000, Direction: Credit, BookingDate: day(1), ValueDate: day(2), Counterparty: "财付通支付科技有限公司, 结算"},
	}}
	if got.ID != "" || got.Opening != nil || got.Closing != nil || got.Account != want.Account || len(got.Entries) != 2 {
		t.Fatalf("ParseCSVStatement = %+v", got)
	}
	for i := range want.Entries {
		if got.Entries[i] != want.Entries[i] {
			t.Errorf("line %d = %+v\nwant %+v", i, got.Entries[i], want.Entries[i])
		}
	}
}

// TestParseCSVStatementBad proves that a CSV statement with a line twice,
// a line for another account or a line that cannot be read is refused
// whole (R-FUND-4).
func TestParseCSVStatementBad(t *testing.T) {
	file := readFile(t, "statement.csv")
	const line1 = "0200001234567890123,2024-03-01,2024-03-01,61234.56,DBIT,PO-0001,北京协和医院"
	tests := []badCase{
		{"empty", file, "", ErrMalformed},
		{"header only", file, "\uFEFF" + CSVHeader + "\r\n", ErrMalformed},
		{"no header", CSVHeader + "\r\n", "", ErrMalformed},
		{"other header", "counterparty", "payee", ErrMalformed},
		{"columns reordered", "amount,direction", "direction,amount", ErrMalformed},
		{"missing field", ",北京协和医院", "", ErrMalformed},
		{"extra field", ",北京协和医院", ",北京协和医院,x", ErrMalformed},
		{"bad quoting", "\"财付通", "财\"付通", ErrMalformed},
		{"not UTF-8", "北京协和医院", "\xb1\xb1\xbe\xa9", ErrMalformed},
		{"line for another account", "0200001234567890123,2024-03-01,2024-03-02", "0200009999999999999,2024-03-01,2024-03-02", ErrMalformed},
		{"bad account", "0200001234567890123,", "02000 01234,", ErrMalformed},
		{"bad booking date", "2024-03-01,2024-03-01", "2024/03/01,2024-03-01", ErrMalformed},
		{"bad value date", "2024-03-01,2024-03-02", "2024-03-01,2024-13-02", ErrMalformed},
		{"three decimals", "61234.56", "61234.567", ErrMalformed},
		{"sign", "61234.56", "-61234.56", ErrMalformed},
		{"exponent", "10010,", "1.001e4,", ErrMalformed},
		{"grouping", "61234.56", "\"61,234.56\"", ErrMalformed},
		{"zero", "61234.56", "0.00", ErrMalformed},
		{"bad direction", "DBIT", "D", ErrMalformed},
		{"empty reference", "PO-0001", "", ErrMalformed},
		{"padded reference", "PO-0001", " PO-0001", ErrMalformed},
		{"line twice", "B240301000124", "PO-0001", ErrDuplicate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := apply(t, file, tt)
			if tt.name == "line twice" && !strings.Contains(in, line1) {
				t.Fatal("sample changed")
			}
			_, err := ParseCSVStatement(strings.NewReader(in))
			if !errors.Is(err, tt.want) {
				t.Errorf("ParseCSVStatement = %v, want %v", err, tt.want)
			}
		})
	}
}

// balanced reports whether a parsed camt.053 statement balances, the
// invariant every accepted statement must keep.
func balanced(st Statement) bool {
	sum := st.Opening.Amount
	for _, e := range st.Entries {
		if e.Amount <= 0 || e.Amount > money.MaxFen {
			return false
		}
		if e.Direction == Debit {
			sum -= e.Amount
		} else {
			sum += e.Amount
		}
	}
	return sum == st.Closing.Amount
}
