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
	// Funding is what the platform paid into the provider's balance that
	// day to fund refunds (the merchant's top-up, 充值, from custody):
	// what was not used by the day's refunds goes back with the day's
	// net, so Net is Gross less Fees less Refunds plus Funding.
	Funding money.Fen
	// RefundLines and FundingLines itemise Refunds and Funding when the
	// provider's file does (the sandbox's); WeChat Pay's bills give the
	// totals only, and then they are empty.
	RefundLines  []SettlementRefund
	FundingLines []SettlementFunding
}

// SettlementRefund is one refund a settlement nets: the provider paid it
// back to the payer out of the day's money.
type SettlementRefund struct {
	// RefundID is our refund number (out_refund_no).
	RefundID string
	Amount   money.Fen
}

// SettlementFunding is one top-up of the provider's balance from custody
// that a settlement accounts for: Ref is the custody bank transfer's id.
type SettlementFunding struct {
	Ref    string
	Amount money.Fen
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
// amount or a fee outside [0, amount]; one transaction, refund or funding
// twice; a gross, fee total, refund total or funding total that is not
// what its lines make (when they are itemised); a net that is not gross
// less fees less refunds plus funding; or a net that is not positive (a
// day whose refunds took all its money has nothing to settle: the
// platform funds refunds beyond that by a separate top-up, which comes
// back, if unused, in a later settlement's Funding).
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
	case len(s.Lines) == 0 && s.Refunds == 0 && s.Funding == 0:
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
	var refunds, funding money.Fen
	seenRefund := make(map[string]bool, len(s.RefundLines))
	seenFunding := make(map[string]bool, len(s.FundingLines))
	for i, r := range s.RefundLines {
		switch {
		case !ValidOrderID(r.RefundID):
			return fail("refund %d has no valid refund number", i+1)
		case seenRefund[r.RefundID]:
			return fail("refund %.40q appears twice", r.RefundID)
		case r.Amount <= 0 || r.Amount > money.MaxFen:
			return fail("refund %d: amount %s is not positive", i+1, r.Amount)
		}
		seenRefund[r.RefundID] = true
		if refunds += r.Amount; refunds > money.MaxFen {
			return fail("the refunds add up to too much")
		}
	}
	for i, f := range s.FundingLines {
		switch {
		case !validRef(f.Ref):
			return fail("funding %d has no reference", i+1)
		case seenFunding[f.Ref]:
			return fail("funding %.40q appears twice", f.Ref)
		case f.Amount <= 0 || f.Amount > money.MaxFen:
			return fail("funding %d: amount %s is not positive", i+1, f.Amount)
		}
		seenFunding[f.Ref] = true
		if funding += f.Amount; funding > money.MaxFen {
			return fail("the funding adds up to too much")
		}
	}
	switch {
	case gross != s.Gross:
		return fail("gross %s is not the lines' %s", s.Gross, gross)
	case fees != s.Fees:
		return fail("fees %s are not the lines' %s", s.Fees, fees)
	case s.Refunds < 0 || s.Refunds > money.MaxFen:
		return fail("refunds %s are negative", s.Refunds)
	case s.Funding < 0 || s.Funding > money.MaxFen:
		return fail("funding %s is negative", s.Funding)
	case len(s.RefundLines) > 0 && refunds != s.Refunds:
		return fail("refunds %s are not the refund lines' %s", s.Refunds, refunds)
	case len(s.FundingLines) > 0 && funding != s.Funding:
		return fail("funding %s is not the funding lines' %s", s.Funding, funding)
	case s.Net != s.Gross-s.Fees-s.Refunds+s.Funding:
		return fail("net %s is not gross %s less fees %s less refunds %s plus funding %s", s.Net, s.Gross, s.Fees, s.Refunds, s.Funding)
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
//	settlement,CFST-sandbox-20261207,2026-12-07,1000.00,6.00,794.00,4
//	transaction,sbx20261207a1b2c3d4e5f6a7b8c9d0,,600.00,3.60,596.40,
//	transaction,sbx20261207ffeeddccbbaa99887766,,400.00,2.40,397.60,
//	refund,R12D345A1xxxxxxx,,300.00,,,
//	funding,CFRT7,,100.00,,,
//
// The settlement record comes first, once: its reference (what the bank
// line carries as end-to-end id), the business day, the gross, the fees,
// the net transferred and the number of records after it. Each
// transaction record gives the provider's transaction id, its amount, its
// fee and its net; date and count stay empty. Each refund record gives our
// refund number and the amount the sandbox paid back that day out of the
// day's money; each funding record the custody transfer's id and the
// amount the platform paid into the sandbox's balance that day to fund
// refunds; their date, fee, net and count stay empty. The net is the
// gross less the fees less the refunds plus the funding. Amounts are yuan
// with exactly two decimals, unsigned. The summary must agree with the
// lines (Check).
const SandboxSettlementHeader = "record,reference,date,amount,fee,net,count"

// SandboxFeePerMille is the fee the sandbox takes, per mille of each
// payment, rounded half up to the fen: WeChat Pay's usual 0.6%.
const SandboxFeePerMille = 6

// SandboxSettlementRef is the reference of the sandbox's settlement of a
// day.
func SandboxSettlementRef(day time.Time) string {
	return "CFST-sandbox-" + day.Format("20060102")
}

// Settlement returns the sandbox's settlement of day (a date in China):
// the payments it took that day, net of its fee, less the refunds it paid
// back that day out of that money, plus what the platform paid into its
// balance that day to fund refunds (Fund). ok is false when nothing
// happened that day, or when the day's refunds used all of its money
// (nothing to transfer). It fails when its book cannot be read, and when
// the day's refunds took more than it had: the sandbox keeps its payments
// in memory, and one restarted since has lost the day's.
func (s *Sandbox) Settlement(ctx context.Context, day time.Time) (st Settlement, ok bool, err error) {
	y, m, d := day.Date()
	date := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	from := time.Date(y, m, d, 0, 0, 0, 0, chinaTime)
	st.Lines = s.dayLines(from)
	refunds, funding, err := s.cfg.RefundBook.Day(ctx, from, from.AddDate(0, 0, 1))
	if err != nil {
		return Settlement{}, false, err
	}
	for _, r := range refunds {
		st.RefundLines = append(st.RefundLines, SettlementRefund{RefundID: r.RefundID, Amount: r.Amount})
		st.Refunds += r.Amount
	}
	for _, f := range funding {
		st.FundingLines = append(st.FundingLines, SettlementFunding{Ref: f.Ref, Amount: f.Amount})
		st.Funding += f.Amount
	}
	slices.SortFunc(st.RefundLines, func(a, b SettlementRefund) int { return strings.Compare(a.RefundID, b.RefundID) })
	slices.SortFunc(st.FundingLines, func(a, b SettlementFunding) int { return strings.Compare(a.Ref, b.Ref) })
	st.Provider, st.Ref, st.Date = s.Name(), SandboxSettlementRef(date), date
	for _, l := range st.Lines {
		st.Gross += l.Amount
		st.Fees += l.Fee
	}
	st.Net = st.Gross - st.Fees - st.Refunds + st.Funding
	switch {
	case st.Net < 0:
		return Settlement{}, false, fmt.Errorf("sandbox settlement of %s: refunds %s exceed the day's money %s: %w",
			date.Format(time.DateOnly), st.Refunds, st.Gross-st.Fees+st.Funding, ErrSettlementInvalid)
	case st.Net == 0:
		return Settlement{}, false, nil
	}
	return st, true, nil
}

// dayLines returns the payments the sandbox took in the day in China
// starting at from, by transaction id, each with its fee.
func (s *Sandbox) dayLines(from time.Time) []SettlementLine {
	to := from.AddDate(0, 0, 1)
	var lines []SettlementLine
	s.mu.Lock()
	for _, o := range s.orders {
		if o.transactionID == "" || o.paidAt.IsZero() || o.paidAt.Before(from) || !o.paidAt.Before(to) {
			continue
		}
		lines = append(lines, SettlementLine{TransactionID: o.transactionID, Amount: o.Amount, Fee: SandboxFee(o.Amount)})
	}
	s.mu.Unlock()
	slices.SortFunc(lines, func(a, b SettlementLine) int { return strings.Compare(a.TransactionID, b.TransactionID) })
	return lines
}

// SandboxFee is the sandbox's fee on a payment of amount:
// SandboxFeePerMille of it, rounded half up to the fen.
func SandboxFee(amount money.Fen) money.Fen { return (amount*SandboxFeePerMille + 500) / 1000 }

// dayPayments returns the day's payments net of fees, for the day in
// China of t.
func (s *Sandbox) dayPayments(t time.Time) money.Fen {
	from, _ := SandboxDay(t)
	var sum money.Fen
	for _, l := range s.dayLines(from) {
		sum += l.Amount - l.Fee
	}
	return sum
}

// RefundBalance returns what the sandbox holds for us now to pay refunds
// from (see Refund): today's payments net of fees, plus today's top-ups,
// less today's refunds.
func (s *Sandbox) RefundBalance(ctx context.Context) (money.Fen, error) {
	now := s.cfg.Now()
	from, to := SandboxDay(now)
	payments := s.dayPayments(now)
	refunds, funding, err := s.cfg.RefundBook.Day(ctx, from, to)
	if err != nil {
		return 0, err
	}
	for _, r := range refunds {
		payments -= r.Amount
	}
	for _, f := range funding {
		payments += f.Amount
	}
	return payments, nil
}

// Fund records that the custody bank's transfer ref paid amount into the
// sandbox's balance (the merchant's top-up), now; the same ref again is
// the first top-up, with another amount a Conflict.
func (s *Sandbox) Fund(ctx context.Context, ref string, amount money.Fen) error {
	if !validRef(ref) || amount <= 0 || amount > money.MaxFen {
		return apperr.New(apperr.Invalid, "payment.funding_invalid")
	}
	_, err := s.cfg.RefundBook.Fund(ctx, SandboxFunding{Ref: ref, Amount: amount, ReceivedAt: s.cfg.Now()})
	return err
}

// WriteSandboxSettlement writes st in the sandbox's settlement file format.
func WriteSandboxSettlement(w io.Writer, st Settlement) error {
	if err := st.Check(); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write(strings.Split(SandboxSettlementHeader, ","))
	if st.Refunds > 0 && len(st.RefundLines) == 0 || st.Funding > 0 && len(st.FundingLines) == 0 {
		return fmt.Errorf("settlement %.40q: the sandbox's file itemises refunds and funding: %w", st.Ref, ErrSettlementInvalid)
	}
	n := len(st.Lines) + len(st.RefundLines) + len(st.FundingLines)
	cw.Write([]string{"settlement", st.Ref, st.Date.Format(time.DateOnly), yuan(st.Gross), yuan(st.Fees), yuan(st.Net), strconv.Itoa(n)})
	for _, l := range st.Lines {
		cw.Write([]string{"transaction", l.TransactionID, "", yuan(l.Amount), yuan(l.Fee), yuan(l.Amount - l.Fee), ""})
	}
	for _, r := range st.RefundLines {
		cw.Write([]string{"refund", r.RefundID, "", yuan(r.Amount), "", "", ""})
	}
	for _, f := range st.FundingLines {
		cw.Write([]string{"funding", f.Ref, "", yuan(f.Amount), "", "", ""})
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
// its fee, when a refund or funding record has a date, fee, net or count,
// when the count is not the number of records after the settlement
// record, and when the summary does not agree with the lines (Check).
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
	count, records := -1, 0
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
		case (rec[0] == "refund" || rec[0] == "funding") && count >= 0:
			if rec[2] != "" || rec[4] != "" || rec[5] != "" || rec[6] != "" {
				return bad(line, "a %s has no date, fee, net or count", rec[0])
			}
			if records == count {
				return bad(line, "more records than the count %d", count)
			}
			records++
			amount, err := parseYuan(rec[3])
			if err != nil {
				return bad(line, "%v", err)
			}
			if rec[0] == "refund" {
				st.RefundLines = append(st.RefundLines, SettlementRefund{RefundID: rec[1], Amount: amount})
				st.Refunds += amount
			} else {
				st.FundingLines = append(st.FundingLines, SettlementFunding{Ref: rec[1], Amount: amount})
				st.Funding += amount
			}
			if st.Refunds > money.MaxFen || st.Funding > money.MaxFen {
				return bad(line, "the amounts add up to too much")
			}
		case rec[0] == "transaction" && count >= 0:
			if rec[2] != "" || rec[6] != "" {
				return bad(line, "a transaction has no date and no count")
			}
			if records == count {
				return bad(line, "more records than the count %d", count)
			}
			records++
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
	if records != count {
		return bad(0, "%d records, but the count says %d", records, count)
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
