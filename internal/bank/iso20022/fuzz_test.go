package iso20022

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzParsePain002 feeds ParsePain002 any bytes, seeded with the sample
// reports and broken copies of them. It must never panic, and whatever it
// accepts must be a report the adapter can act on: an id, the original
// message's id, some status, only known statuses, a reason for every
// rejection, and each transfer filed under its own end-to-end id.
func FuzzParsePain002(f *testing.F) {
	for _, name := range []string{"pain002.xml", "pain002_v03.xml"} {
		b := readFile(f, name)
		f.Add([]byte(b))
		f.Add([]byte(strings.Replace(b, "PO-0003", "PO-0001", 1)))
		f.Add([]byte(b[:len(b)/2]))
	}
	f.Add([]byte(`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt/></Document>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParsePain002(bytes.NewReader(data))
		if err != nil {
			return
		}
		if r.MessageID == "" || r.OriginalMessageID == "" || r.GroupStatus == "" && len(r.Transactions) == 0 {
			t.Fatalf("accepted a report without ids or status: %+v", r)
		}
		if r.GroupStatus != "" && !knownStatus[r.GroupStatus] {
			t.Fatalf("accepted unknown group status %q", r.GroupStatus)
		}
		for id, tx := range r.Transactions {
			if id == "" || tx.EndToEndID != id || !knownStatus[tx.Status] || tx.Status == Rejected && tx.Reason == "" {
				t.Fatalf("accepted transaction %q: %+v", id, tx)
			}
		}
	})
}

// FuzzParseCamt053 feeds ParseCamt053 any bytes, seeded with the sample
// statements and broken copies of them. It must never panic, and every
// statement it accepts balances, in CNY fen, with each reference once
// (R-FUND-4: a statement that does not add up is never reconciled from).
func FuzzParseCamt053(f *testing.F) {
	for _, name := range []string{"camt053.xml", "camt053_v02.xml"} {
		b := readFile(f, name)
		f.Add([]byte(b))
		f.Add([]byte(strings.Replace(b, "<NtryRef>X2", "<NtryRef>X1", 1)))
		f.Add([]byte(strings.Replace(b, "448775.45", "448775.46", 1)))
		f.Add([]byte(b[:len(b)*2/3]))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := ParseCamt053(bytes.NewReader(data))
		if err != nil {
			return
		}
		if st.Opening == nil || st.Closing == nil || st.ID == "" || checkAccount(st.Account) != nil {
			t.Fatalf("accepted a statement without balances, id or account: %+v", st)
		}
		if !balanced(st) {
			t.Fatalf("accepted a statement that does not balance: %+v", st)
		}
		checkEntries(t, st)
	})
}

// FuzzParseCSVStatement feeds ParseCSVStatement any bytes, seeded with the
// sample statement and broken copies of it. It must never panic, and every
// statement it accepts has one account, lines, and each reference once.
func FuzzParseCSVStatement(f *testing.F) {
	b := readFile(f, "statement.csv")
	f.Add([]byte(b))
	f.Add([]byte(strings.Replace(b, "B240301000124", "PO-0001", 1)))
	f.Add([]byte(strings.Replace(b, "61234.56", "61234.567", 1)))
	f.Add([]byte(CSVHeader + "\n"))
	f.Add([]byte(CSVHeader + "\n1,2024-02-29,2024-02-29,0.01,CRDT,\"a\"\"b\",\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := ParseCSVStatement(bytes.NewReader(data))
		if err != nil {
			return
		}
		if len(st.Entries) == 0 || st.Opening != nil || st.Closing != nil || checkAccount(st.Account) != nil {
			t.Fatalf("accepted an empty statement, or one with balances or a bad account: %+v", st)
		}
		checkEntries(t, st)
	})
}

func checkEntries(t *testing.T, st Statement) {
	seen := map[string]bool{}
	for _, e := range st.Entries {
		if seen[e.Reference] || e.Reference == "" {
			t.Fatalf("accepted reference %q twice or empty", e.Reference)
		}
		seen[e.Reference] = true
		if e.Amount <= 0 || e.Direction != Credit && e.Direction != Debit || e.BookingDate.IsZero() || e.ValueDate.IsZero() {
			t.Fatalf("accepted entry %+v", e)
		}
	}
}
