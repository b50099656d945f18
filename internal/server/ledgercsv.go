package server

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

	"github.com/carefund/carefund/internal/disclosure"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/server/site"
)

// ledgerCSVColumns are the message keys of the public ledger's columns.
var ledgerCSVColumns = []string{"ledgercsv.at", "ledgercsv.entry", "ledgercsv.kind", "ledgercsv.account",
	"ledgercsv.direction", "ledgercsv.amount", "ledgercsv.counterparty"}

// requestLedgerCSV is a request's public ledger as CSV (R-RPT-1, R-DISC-1):
// each posting on the request's own accounts, oldest first, with its
// ledger entry's number (as the transparency log has it), kind, the
// account's class, in or out, the amount in yuan and the classes of the
// other accounts. The headers are in the reader's language, the values
// codes, so that the file reads the same in both; UTF-8 with a byte order
// mark, for Excel. No donor, payee, account number or key (R-PII-1).
func (s *Server) requestLedgerCSV(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	m, err := s.disclosure.Ledger(r.Context(), id)
	if err != nil {
		return err
	}
	body, err := ledgerCSV(s.lang(r), m.Lines)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="request-`+strconv.FormatInt(id, 10)+`-ledger.csv"`)
	w.Header().Set("Cache-Control", "no-cache")
	_, err = w.Write(body)
	return err
}

// ledgerCSV writes lines as the public ledger's CSV in lang.
func ledgerCSV(lang i18n.Lang, lines []disclosure.Line) ([]byte, error) {
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
		rec := []string{l.At.In(site.ChinaTime).Format("2006-01-02 15:04:05"), strconv.FormatInt(l.Entry, 10), l.Kind,
			l.Account, dir, l.Amount.String(), strings.Join(l.Counterparty, " ")}
		if err := cw.Write(rec); err != nil {
			return nil, err
		}
	}
	cw.Flush()
	return buf.Bytes(), cw.Error()
}
