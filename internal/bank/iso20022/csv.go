package iso20022

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// CSVHeader is the header line a CSV statement must start with, naming its
// seven columns in this order:
//
//   - account: the custody account's number at the bank, the same on every
//     line;
//   - booking_date and value_date: YYYY-MM-DD;
//   - amount: in yuan, unsigned, at most two decimals, no grouping or
//     currency sign ("1234.56"); the layout is CNY only;
//   - direction: CRDT (money in) or DBIT (money out);
//   - reference: the line's unique reference at the bank; for a payout it
//     must be the end-to-end id the pain.001 sent, which is how the line
//     finds its payout (banks that export CSV print the customer's
//     reference in such a column);
//   - counterparty: the other side's name, possibly empty.
//
// The file is UTF-8 (a byte order mark, which spreadsheets add, is
// allowed), comma-separated with RFC 4180 quoting. It is the fallback for
// banks that export no camt.053, and carries no balances, so it cannot
// prove itself complete the way a camt.053 does: reconciliation checks it
// against the ledger's running balance instead.
const CSVHeader = "account,booking_date,value_date,amount,direction,reference,counterparty"

var csvColumns = strings.Split(CSVHeader, ",")

// ParseCSVStatement reads a CSV statement in the layout CSVHeader defines.
// It refuses the whole file (ErrMalformed) when the header is not exactly
// CSVHeader, a line has the wrong number of fields, bad quoting, invalid
// UTF-8, a date, amount or direction that is not valid, an empty
// reference, or another account than the first line's, and when the file
// has no lines at all (it would not even say which account it is for); it
// refuses it with ErrDuplicate when one reference appears twice. The
// Statement it returns has no ID and no balances.
func ParseCSVStatement(r io.Reader) (Statement, error) {
	br := bufio.NewReader(r)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\uFEFF")) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = len(csvColumns)
	cr.ReuseRecord = true
	rec, err := cr.Read()
	if err != nil {
		return Statement{}, csvError(err, "header")
	}
	if !slices.Equal(rec, csvColumns) {
		return Statement{}, fmt.Errorf("iso20022: CSV header is not %q: %w", CSVHeader, ErrMalformed)
	}
	var st Statement
	seen := map[string]bool{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Statement{}, csvError(err, "line")
		}
		// FieldPos panics after an error, so it is asked only now.
		line, _ := cr.FieldPos(0)
		e, acc, err := csvEntry(rec)
		if err != nil {
			return Statement{}, fmt.Errorf("iso20022: CSV line %d: %w", line, err)
		}
		if len(st.Entries) == 0 {
			st.Account = acc
		} else if acc != st.Account {
			return Statement{}, fmt.Errorf("iso20022: CSV line %d is for another account than line 2: %w", line, ErrMalformed)
		}
		if seen[e.Reference] {
			return Statement{}, fmt.Errorf("iso20022: CSV line %d: reference %q appears twice: %w", line, e.Reference, ErrDuplicate)
		}
		if len(st.Entries) >= maxEntries {
			return Statement{}, fmt.Errorf("iso20022: CSV statement has more than %d lines: %w", maxEntries, ErrMalformed)
		}
		seen[e.Reference] = true
		st.Entries = append(st.Entries, e)
	}
	if len(st.Entries) == 0 {
		return Statement{}, fmt.Errorf("iso20022: CSV statement has no lines: %w", ErrMalformed)
	}
	return st, nil
}

func csvError(err error, what string) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("iso20022: CSV line %d: %v: %w", pe.Line, pe.Err, ErrMalformed)
	}
	if err == io.EOF {
		return fmt.Errorf("iso20022: CSV file is empty: %w", ErrMalformed)
	}
	return fmt.Errorf("iso20022: reading CSV %s: %v: %w", what, err, ErrMalformed)
}

// csvEntry reads one line of a CSV statement.
func csvEntry(rec []string) (Entry, Account, error) {
	for _, f := range rec {
		if !utf8.ValidString(f) {
			return Entry{}, Account{}, fmt.Errorf("field is not UTF-8: %w", ErrMalformed)
		}
	}
	acc := Account{ID: rec[0]}
	if err := checkAccount(acc); err != nil {
		return Entry{}, Account{}, fmt.Errorf("%v: %w", err, ErrMalformed)
	}
	var e Entry
	var err error
	if e.BookingDate, err = parseDate(rec[1]); err != nil {
		return Entry{}, Account{}, err
	}
	if e.ValueDate, err = parseDate(rec[2]); err != nil {
		return Entry{}, Account{}, err
	}
	if e.Amount, err = parseAmount(rec[3]); err != nil {
		return Entry{}, Account{}, err
	}
	if e.Amount == 0 {
		return Entry{}, Account{}, fmt.Errorf("amount is zero: %w", ErrMalformed)
	}
	switch d := Direction(rec[4]); d {
	case Credit, Debit:
		e.Direction = d
	default:
		return Entry{}, Account{}, fmt.Errorf("direction %.8q is neither CRDT nor DBIT: %w", rec[4], ErrMalformed)
	}
	if !checkText(rec[5], 35, true) || strings.TrimSpace(rec[5]) != rec[5] {
		return Entry{}, Account{}, fmt.Errorf("reference %.40q is empty, over 35 characters, padded or has control characters: %w", rec[5], ErrMalformed)
	}
	e.Reference, e.EndToEndID = rec[5], rec[5]
	if !checkText(rec[6], 140, false) {
		return Entry{}, Account{}, fmt.Errorf("counterparty is over 140 characters or has control characters: %w", ErrMalformed)
	}
	e.Counterparty = strings.TrimSpace(rec[6])
	return e, acc, nil
}
