package payment

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
)

// Settlement is one provider's settlement of one day into the custody
// account: the payments it covers, its fees, and the net it transferred,
// as the provider's settlement file states them. Ref is what the custody
// bank's statement carries as the credit line's end-to-end id, and the
// ledger posts the settlement under custody:<Ref>.
type Settlement struct {
	Provider string
	Ref      string
	// Date is the business day settled, midnight UTC of its date in China.
	Date time.Time
	// Gross is the sum of the lines' amounts, Fees of their fees; Refunds
	// what the provider paid back to payers that day out of the same
	// money (net of any fee it returned). Net, what reached the custody
	// account, is Gross less Fees less Refunds.
	Gross, Fees, Refunds, Net money.Fen
	Lines                     []SettlementLine
}

// SettlementLine is one payment a settlement covers.
type SettlementLine struct {
	// TransactionID is the provider's transaction id: with the provider,
	// the key of the donation's ledger entry.
	TransactionID string
	Amount        money.Fen
	Fee           money.Fen
}

// ErrSettlementInvalid is returned for a settlement file that cannot be
// read, or whose figures do not add up; the whole file is refused.
var ErrSettlementInvalid = apperr.New(apperr.Invalid, "payment.settlement_invalid")

// Check reports what is wrong with a settlement: a missing provider,
// reference or date; a line without a transaction id, with a non-positive
// amount or a fee outside [0, amount]; one transaction twice; a gross,
// fee total or net that is not what the lines make (less refunds); or a net that is not
// positive (a day without payments has no settlement).
func (s Settlement) Check() error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("settlement %.40q: %s: %w", s.Ref, fmt.Sprintf(format, args...), ErrSettlementInvalid)
	}
	switch {
	case s.Provider == "" || len(s.Provider) > 32:
		return fail("no provider")
	case !validRef(s.Ref):
		return fail("the reference must be 1 to 64 letters, digits, - or _")
	case s.Date.IsZero():
		return fail("no date")
	case len(s.Lines) == 0:
		return fail("no transactions")
	}
	var gross, fees money.Fen
	seen := make(map[string]bool, len(s.Lines))
	for i, l := range s.Lines {
		switch {
		case l.TransactionID == "" || len(l.TransactionID) > 64:
			return fail("line %d has no transaction id", i+1)
		case seen[l.TransactionID]:
			return fail("transaction %.40q appears twice", l.TransactionID)
		case l.Amount <= 0 || l.Amount > money.MaxFen:
			return fail("line %d: amount %s is not positive", i+1, l.Amount)
		case l.Fee < 0 || l.Fee > l.Amount:
			return fail("line %d: fee %s is not between 0 and the amount", i+1, l.Fee)
		}
		seen[l.TransactionID] = true
		gross += l.Amount
		fees += l.Fee
		if gross > money.MaxFen {
			return fail("the amounts add up to too much")
		}
	}
	switch {
	case gross != s.Gross:
		return fail("gross %s is not the lines' %s", s.Gross, gross)
	case fees != s.Fees:
		return fail("fees %s are not the lines' %s", s.Fees, fees)
	case s.Refunds < 0 || s.Refunds > money.MaxFen:
		return fail("refunds %s are negative", s.Refunds)
	case s.Net != s.Gross-s.Fees-s.Refunds:
		return fail("net %s is not gross %s less fees %s less refunds %s", s.Net, s.Gross, s.Fees, s.Refunds)
	case s.Net <= 0:
		return fail("net %s is not positive", s.Net)
	}
	return nil
}

// validRef reports whether ref can name a ledger entry (custody:<ref>) and
// a bank line: 1 to 64 letters, digits, '-' or '_'.
func validRef(ref string) bool {
	if ref == "" || len(ref) > 64 {
		return false
	}
	for i := 0; i < len(ref); i++ {
		c := ref[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// SandboxSettlementHeader is the first line of the sandbox's settlement
// file. The file is UTF-8 CSV (RFC 4180), one record per line, each record
// led by its type:
//
//	record,reference,date,amount,fee,net,count
//	settlement,CFST-sandbox-20261207,2026-12-07,1000.00,6.00,994.00,2
//	transaction,sbx20261207a1b2c3d4e5f6a7b8c9d0,,600.00,3.60,596.40,
//	transaction,sbx20261207ffeeddccbbaa99887766,,400.00,2.40,397.60,
//
// The settlement record comes first, once: its reference (what the bank
// line carries as end-to-end id), the business day, the gross, the fees,
// the net transferred and the number of transactions. Each transaction
// record gives the provider's transaction id, its amount, its fee and its
// net; date and count stay empty. Amounts are yuan with exactly two
// decimals, unsigned. The summary must agree with the lines (Check).
const SandboxSettlementHeader = "record,reference,date,amount,fee,net,count"

// SandboxFeePerMille is the fee the sandbox takes, per mille of each
// payment, rounded half up to the fen: WeChat Pay's usual 0.6%.
const SandboxFeePerMille = 6

// SandboxSettlementRef is the reference of the sandbox's settlement of a
// day.
func SandboxSettlementRef(day time.Time) string {
	return "CFST-sandbox-" + day.Format("20060102")
}

// Settlement returns the sandbox's settlement of the payments it took on
// day (a date in China), or ok false when there were none. Refunds are
// not netted: the sandbox refunds from its own balance.
func (s *Sandbox) Settlement(_ context.Context, day time.Time) (st Settlement, ok bool) {
	y, m, d := day.Date()
	date := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	s.mu.Lock()
	for _, o := range s.orders {
		if o.transactionID == "" || o.paidAt.IsZero() {
			continue
		}
		py, pm, pd := o.paidAt.In(chinaTime).Date()
		if py != y || pm != m || pd != d {
			continue
		}
		fee := (o.Amount*SandboxFeePerMille + 500) / 1000
		st.Lines = append(st.Lines, SettlementLine{TransactionID: o.transactionID, Amount: o.Amount, Fee: fee})
	}
	s.mu.Unlock()
	if len(st.Lines) == 0 {
		return Settlement{}, false
	}
	slices.SortFunc(st.Lines, func(a, b SettlementLine) int { return strings.Compare(a.TransactionID, b.TransactionID) })
	st.Provider, st.Ref, st.Date = s.Name(), SandboxSettlementRef(date), date
	for _, l := range st.Lines {
		st.Gross += l.Amount
		st.Fees += l.Fee
	}
	st.Net = st.Gross - st.Fees
	return st, true
}

// WriteSandboxSettlement writes st in the sandbox's settlement file format.
func WriteSandboxSettlement(w io.Writer, st Settlement) error {
	if err := st.Check(); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write(strings.Split(SandboxSettlementHeader, ","))
	cw.Write([]string{"settlement", st.Ref, st.Date.Format(time.DateOnly), yuan(st.Gross), yuan(st.Fees), yuan(st.Net), strconv.Itoa(len(st.Lines))})
	for _, l := range st.Lines {
		cw.Write([]string{"transaction", l.TransactionID, "", yuan(l.Amount), yuan(l.Fee), yuan(l.Amount - l.Fee), ""})
	}
	cw.Flush()
	return cw.Error()
}

func yuan(f money.Fen) string { return fmt.Sprintf("%d.%02d", f/100, f%100) }

// maxSettlementLines bounds the transactions of one settlement file, so
// that a hostile file is refused before it exhausts memory.
const maxSettlementLines = 5_000_000

// ParseSandboxSettlement reads a settlement file of the sandbox provider
// (see SandboxSettlementHeader). It refuses the whole file
// (ErrSettlementInvalid) when the header, a record's type or field count,
// a date or an amount is not valid, when the settlement record is missing,
// repeated or not first, when a transaction's net is not its amount less
// its fee, when the count is not the number of transactions, and when the
// summary does not agree with the lines (Check).
func ParseSandboxSettlement(r io.Reader) (Settlement, error) {
	bad := func(line int, format string, args ...any) (Settlement, error) {
		return Settlement{}, fmt.Errorf("sandbox settlement line %d: %s: %w", line, fmt.Sprintf(format, args...), ErrSettlementInvalid)
	}
	br := bufio.NewReader(r)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\uFEFF")) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = 7
	rec, err := cr.Read()
	if err != nil || strings.Join(rec, ",") != SandboxSettlementHeader {
		return bad(1, "the header is not %q", SandboxSettlementHeader)
	}
	var st Settlement
	count := -1
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return bad(pe.Line, "%v", pe.Err)
			}
			return bad(line, "%v", err)
		}
		switch {
		case rec[0] == "settlement" && line == 2:
			var errs [4]error
			st.Provider, st.Ref = "sandbox", rec[1]
			st.Date, errs[0] = time.Parse(time.DateOnly, rec[2])
			st.Gross, errs[1] = parseYuan(rec[3])
			st.Fees, errs[2] = parseYuan(rec[4])
			st.Net, errs[3] = parseYuan(rec[5])
			if err := errors.Join(errs[:]...); err != nil {
				return bad(line, "%v", err)
			}
			if count, err = strconv.Atoi(rec[6]); err != nil || count < 1 || count > maxSettlementLines || rec[6] != strconv.Itoa(count) {
				return bad(line, "the count %.20q is not a positive number", rec[6])
			}
		case rec[0] == "transaction" && count >= 0:
			if rec[2] != "" || rec[6] != "" {
				return bad(line, "a transaction has no date and no count")
			}
			if len(st.Lines) == count {
				return bad(line, "more transactions than the count %d", count)
			}
			amount, err1 := parseYuan(rec[3])
			fee, err2 := parseYuan(rec[4])
			net, err3 := parseYuan(rec[5])
			if err := errors.Join(err1, err2, err3); err != nil {
				return bad(line, "%v", err)
			}
			if net != amount-fee {
				return bad(line, "net %s is not the amount %s less the fee %s", net, amount, fee)
			}
			st.Lines = append(st.Lines, SettlementLine{TransactionID: rec[1], Amount: amount, Fee: fee})
		default:
			return bad(line, "unexpected record %.20q", rec[0])
		}
	}
	if count < 0 {
		return bad(2, "no settlement record")
	}
	if len(st.Lines) != count {
		return bad(0, "%d transactions, but the count says %d", len(st.Lines), count)
	}
	if err := st.Check(); err != nil {
		return Settlement{}, err
	}
	return st, nil
}

// parseYuan reads an amount as settlement files write it: digits, a point
// and exactly two more, unsigned, at most money.MaxFen.
func parseYuan(s string) (money.Fen, error) {
	whole, frac, ok := strings.Cut(s, ".")
	if !ok || whole == "" || len(frac) != 2 || len(whole) > 16 || !allDigits(whole) || !allDigits(frac) ||
		len(whole) > 1 && whole[0] == '0' {
		return 0, fmt.Errorf("amount %.40q is not yuan with two decimals", s)
	}
	var f money.Fen
	for _, c := range whole + frac {
		f = f*10 + money.Fen(c-'0')
	}
	if f > money.MaxFen {
		return 0, fmt.Errorf("amount %.40q is too large", s)
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
