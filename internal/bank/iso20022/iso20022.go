// Package iso20022 speaks to the custody bank in the banking industry's own
// file formats: it writes payment instructions as ISO 20022 pain.001 credit
// transfers, and reads the bank's answers: pain.002 payment status reports
// and camt.053 account statements, with a plain CSV statement for banks that
// export nothing else. It is pure: files in, values out, no database and no
// network; the bank adapter moves the files and the ledger applies them.
//
// # Versions
//
// It writes pain.001.001.09, the credit transfer of the 2019 release of the
// ISO 20022 catalogue. That release is the one the large payment systems
// moved to (SWIFT's CBPR+, the euro systems, and CIPS, which follows the same
// catalogue), so it is what a bank's host-to-host gateway expects of a new
// customer today; the 2009 version (pain.001.001.03) is still accepted by
// many banks but is being retired. For the answers it reads the matching
// versions, pain.002.001.10 and camt.053.001.08, and also their 2009
// forerunners pain.002.001.03 and camt.053.001.02, which many banks still
// send whatever version they are given. A file of any other message or
// version is refused (ErrWrongMessage).
//
// # Strictness
//
// A file from the bank is outside input that moves money in the ledger, so
// every parser refuses the whole file, never part of it, when anything is
// wrong: malformed XML or CSV, a missing required element, an amount that is
// not an exact non-negative number of fen, a currency other than CNY, one
// reference twice, or a statement whose closing balance is not its opening
// balance plus its credits less its debits. A refused file is never
// half-applied; the finance officer gets the reason and asks the bank for a
// correct one. Amounts are integer fen (money.Fen) from first byte to last:
// no floats anywhere.
package iso20022

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
)

// The errors of this package, checked with errors.Is. Each is wrapped with
// the detail of what was wrong (which element, which reference), for the
// finance officer and the logs; the detail never holds an account number.
var (
	// ErrMalformed means the file cannot be read as the message it claims
	// to be: not well-formed, a required element missing or repeated, or a
	// value (amount, date, code) that is not valid.
	ErrMalformed = apperr.New(apperr.Invalid, "bank.file_malformed")
	// ErrWrongMessage means the file is well-formed but is another message
	// or a version this package does not read (a camt.052 where a camt.053
	// was expected, say).
	ErrWrongMessage = apperr.New(apperr.Invalid, "bank.file_wrong_message")
	// ErrDuplicate means one reference appears twice in a file: a status
	// report with two statuses for one transfer, or a statement with one
	// line twice, which would count the same yuan twice.
	ErrDuplicate = apperr.New(apperr.Invalid, "bank.file_duplicate")
	// ErrCurrency means an amount or account in the file is not in CNY.
	ErrCurrency = apperr.New(apperr.Invalid, "bank.file_currency")
	// ErrUnbalanced means a statement's closing balance is not its opening
	// balance plus its credits less its debits: some line is missing or
	// wrong, so none of them can be trusted.
	ErrUnbalanced = apperr.New(apperr.Invalid, "bank.statement_unbalanced")
	// ErrInvalidTransfer means a batch handed to WritePain001 cannot be
	// written: an empty batch, a transfer without an amount, a name or
	// identifier the bank would refuse, or one instruction id twice.
	ErrInvalidTransfer = apperr.New(apperr.Invalid, "bank.transfer_invalid")
)

// Currency is the only currency the custody account holds.
const Currency = "CNY"

// Account identifies a bank account: by IBAN, or, as Chinese banks do, by
// the bank's own account number (ISO 20022's Othr/Id). Exactly one is set.
type Account struct {
	IBAN string
	ID   string
}

// String returns the account's identifier, whichever kind it is. It is an
// account number: callers mask it before showing or logging it (R-PII-1).
func (a Account) String() string {
	if a.IBAN != "" {
		return a.IBAN
	}
	return a.ID
}

// Agent identifies a bank: by its BIC, its CNAPS participant code (the
// 12-digit 联行号 of China's National Advanced Payment System, which is how
// a domestic transfer is routed), its name, or several of them. At least
// one is set.
type Agent struct {
	BIC   string
	CNAPS string
	Name  string
}

// Direction says whether an entry or balance is money in or money out.
type Direction string

// The two directions, spelled as ISO 20022's credit/debit indicator.
const (
	Credit Direction = "CRDT"
	Debit  Direction = "DBIT"
)

// parseAmount reads an amount as ISO 20022 and the CSV layout write it: one
// or more digits, optionally a point and one or two more. It refuses what
// money.Parse lets a person type (currency signs, thousands separators,
// full-width digits), any sign, an exponent, a third decimal even when it is
// zero (the bank would then be stating fractions of a fen), and amounts above
// money.MaxFen. money.Parse is not used for that reason: it is built to be
// forgiving with people, and a bank file must be exact.
func parseAmount(s string) (money.Fen, error) {
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || dot && frac == "" {
		return 0, fmt.Errorf("amount %.40q is not a decimal number: %w", s, ErrMalformed)
	}
	if !allDigits(whole) || !allDigits(frac) {
		return 0, fmt.Errorf("amount %.40q is not a plain unsigned decimal number: %w", s, ErrMalformed)
	}
	if len(frac) > 2 {
		return 0, fmt.Errorf("amount %.40q has more than two decimals: %w", s, ErrMalformed)
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 16 {
		return 0, fmt.Errorf("amount %.40q is too large: %w", s, ErrMalformed)
	}
	var f money.Fen
	for _, c := range whole + (frac + "00")[:2] {
		f = f*10 + money.Fen(c-'0')
	}
	if f > money.MaxFen {
		return 0, fmt.Errorf("amount %.40q is too large: %w", s, ErrMalformed)
	}
	return f, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// add returns a+b, or an error when the sum leaves ±money.MaxFen: sums of
// many bank lines must not wrap around silently.
func add(a, b money.Fen) (money.Fen, error) {
	if b > 0 && a > money.MaxFen-b || b < 0 && a < -money.MaxFen-b {
		return 0, fmt.Errorf("amounts add up to more than %s: %w", money.MaxFen, ErrMalformed)
	}
	return a + b, nil
}

// parseDate reads an ISO date, 2006-01-02, as midnight UTC.
func parseDate(s string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("date %.40q is not YYYY-MM-DD: %w", s, ErrMalformed)
	}
	return d, nil
}

// dateOf reads an ISO 20022 DateAndDateTime2Choice, either a Dt or a DtTm,
// as a date at midnight UTC. A DtTm keeps the calendar date it was written
// with, in its own offset: the date the bank booked on.
func dateOf(dt, dtTm string) (time.Time, error) {
	switch {
	case dt != "" && dtTm == "":
		return parseDate(dt)
	case dt == "" && dtTm != "":
		t, err := parseDateTime(dtTm)
		if err != nil {
			return time.Time{}, err
		}
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	}
	return time.Time{}, fmt.Errorf("a date needs exactly one of Dt and DtTm: %w", ErrMalformed)
}

// parseDateTime reads an ISO 20022 ISODateTime. One without an offset is
// local time at the bank, which for a Chinese custody bank is UTC+8.
func parseDateTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, bankZone); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("date and time %.40q is not ISO 8601: %w", s, ErrMalformed)
}

// bankZone is China Standard Time, fixed: the zone has had no daylight
// saving since 1991, and a fixed zone needs no time zone database.
var bankZone = time.FixedZone("CST", 8*3600)

// checkText reports whether s is text a bank will carry: valid UTF-8 of at
// most max characters, with no control characters, and not blank when
// required.
func checkText(s string, max int, required bool) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return false
	}
	if required && strings.TrimSpace(s) == "" {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return false
		}
	}
	return true
}

// checkID reports whether s is an identifier every bank in a payment chain
// passes through unchanged: 1 to 35 characters (ISO's Max35Text) of SWIFT's
// character set without the space, since the id comes back in the status
// report and the statement and must match exactly.
func checkID(s string) bool {
	if s == "" || len(s) > 35 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("/-?:().,'+", c) >= 0) {
			return false
		}
	}
	return true
}

// checkAccount reports what is wrong with an account, or nil: exactly one
// of IBAN (two letters, two digits, up to 30 letters or digits) and ID (1 to
// 34 letters, digits or hyphens, as Chinese account numbers are written).
func checkAccount(a Account) error {
	switch {
	case a.IBAN != "" && a.ID != "":
		return errors.New("account has both an IBAN and another id")
	case a.IBAN != "":
		s := a.IBAN
		if len(s) < 5 || len(s) > 34 || !upper(s[:2]) || !allDigits(s[2:4]) || !alnum(s[4:]) {
			return errors.New("account IBAN is not valid")
		}
	case a.ID != "":
		if len(a.ID) > 34 || !alnum(strings.ReplaceAll(a.ID, "-", "")) || strings.Trim(a.ID, "-") == "" {
			return errors.New("account number is not valid")
		}
	default:
		return errors.New("account is missing")
	}
	return nil
}

func upper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// maxEntries bounds the lines of one statement and the transfers of one
// batch, far above a day of the custody account (the benchmark's statement
// has a million lines), so that a hostile file is refused before it
// exhausts memory.
const maxEntries = 5_000_000
