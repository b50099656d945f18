package server

import (
	"net/http"
	"strconv"

	"github.com/carefund/carefund/internal/disclosure"
	"github.com/carefund/carefund/internal/i18n"
)

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
	return disclosure.LedgerCSV(lang, lines)
}
