package disclosure

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/i18n"
)

// ledgerCSVColumns are the message keys of the public ledger's columns.
var ledgerCSVColumns = []string{"ledgercsv.at", "ledgercsv.entry", "ledgercsv.kind", "ledgercsv.account",
	"ledgercsv.direction", "ledgercsv.amount", "ledgercsv.counterparty"}

// beijing is China's time, in which the ledger's times are written.
var beijing = time.FixedZone("CST", 8*3600)

// LedgerCSV writes a request's public ledger lines as CSV in lang (R-RPT-1,
// R-DISC-1), for its page's download and the auditors' export alike: each
// posting on the request's own accounts with its ledger entry's number, the
// time in Beijing, kind, the account's class, in or out, the amount in yuan
// and the classes of the other accounts. The headers are in lang, the
// values codes; UTF-8 with a byte order mark, for Excel. No donor, payee,
// account number or key (R-PII-1).
func LedgerCSV(lang i18n.Lang, lines []Line) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true
	head := make([]string, len(ledgerCSVColumns))
	for i, k := range ledgerCSVColumns {
		head[i] = i18n.T(lang, k)
	}
	if err := cw.Write(head); err != nil {
		return nil, err
	}
	for _, l := range lines {
		dir := "out"
		if l.In {
			dir = "in"
		}
		rec := []string{l.At.In(beijing).Format("2006-01-02 15:04:05"), strconv.FormatInt(l.Entry, 10), l.Kind,
			l.Account, dir, l.Amount.String(), strings.Join(l.Counterparty, " ")}
		if err := cw.Write(rec); err != nil {
			return nil, err
		}
	}
	cw.Flush()
	return buf.Bytes(), cw.Error()
}
