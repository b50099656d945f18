package wechatpay

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
)

// The bills of WeChat Pay API v3 (申请交易账单 /v3/bill/tradebill, 申请资金账单
// /v3/bill/fundflowbill, then 下载账单 from the download_url they return).
// A bill is CSV in UTF-8: a header line, the detail lines, a summary header
// and one summary line. Every detail and summary field is prefixed with a
// backtick (`), which WeChat Pay adds so that spreadsheets keep long
// numbers as text. Amounts are yuan with up to two decimals.
//
// Columns are found by their names in the header, so that a column WeChat
// Pay adds later does not break the parser; the columns read must be
// there. The summary is checked against the lines: a bill whose lines do
// not make its summary is refused whole, like a bank statement whose lines
// do not make its closing balance.

// ErrBillMalformed: a bill that cannot be read, or whose summary is not
// what its lines make.
var ErrBillMalformed = apperr.New(apperr.Invalid, "wechatpay.bill_malformed")

// ErrBillHash: a downloaded bill whose digest is not the one the bill
// request answered; it is refused before it is read.
var ErrBillHash = apperr.New(apperr.Invalid, "wechatpay.bill_hash")

// TradeLine is one line of a trade bill (交易账单): a payment, or a refund
// of one.
type TradeLine struct {
	Time          time.Time
	TransactionID string // 微信订单号
	OutTradeNo    string // 商户订单号
	State         string // 交易状态: SUCCESS, REFUND, REVOKED
	// Settled is 应结订单金额: what the payer paid, less coupons the
	// merchant does not receive.
	Settled money.Fen
	// RefundID and Refund are 微信退款单号 and 退款金额, on refund lines;
	// OutRefundNo (商户退款单号) is the platform's refund number and
	// RefundStatus (退款状态) the refund's state, SUCCESS on a bill's
	// refund line, when the bill has those columns.
	RefundID     string
	Refund       money.Fen
	OutRefundNo  string
	RefundStatus string
	// Fee is 手续费; negative on a refund line, where WeChat Pay returns
	// the fee of the money refunded.
	Fee money.Fen
}

// TradeBill is a day's trade bill, checked against its summary.
type TradeBill struct {
	Lines []TradeLine
	// The summary: 总交易单数, 应结订单总金额, 退款总金额, 手续费总金额.
	Count                 int
	Settled, Refund, Fees money.Fen
}

// FundFlowLine is one line of a fund-flow bill (资金账单): money into or
// out of the merchant's basic account.
type FundFlowLine struct {
	Time          time.Time
	TransactionID string // 微信支付业务单号
	RecordID      string // 资金流水单号
	Business      string // 业务名称
	Type          string // 业务类型: 交易, 退款, 提现, 扣除交易手续费…
	Income        bool   // 收支类型: 收入 (true) or 支出
	Amount        money.Fen
	Balance       money.Fen // 账户结余
}

// FundFlowBill is a day's fund-flow bill, checked against its summary.
type FundFlowBill struct {
	Lines []FundFlowLine
	// The summary: 资金流水总笔数, 收入笔数, 收入金额, 支出笔数, 支出金额.
	Count, IncomeCount, ExpenseCount int
	Income, Expense                  money.Fen
}

// maxBillLines bounds a bill's lines, so that a hostile file is refused
// before it exhausts memory.
const maxBillLines = 5_000_000

// billCSV is a bill split into its detail and summary parts, each as the
// header's column index by name and the rows with their backticks removed.
type billCSV struct {
	cols        map[string]int
	rows        [][]string
	summaryCols map[string]int
	summary     []string
}

// readBill splits a bill. summaryFirst names the first column of the
// summary header, which tells it from a detail line.
func readBill(r io.Reader, summaryFirst string) (billCSV, error) {
	var b billCSV
	br := bufio.NewReader(r)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\uFEFF")) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	header, err := cr.Read()
	if err != nil {
		return b, fmt.Errorf("wechatpay: bill header: %w", ErrBillMalformed)
	}
	if b.cols, err = columns(header); err != nil {
		return b, err
	}
	inSummary := false
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return b, fmt.Errorf("wechatpay: bill line %d: %v: %w", line, err, ErrBillMalformed)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		switch {
		case b.summaryCols == nil && strings.TrimSpace(rec[0]) == summaryFirst:
			if b.summaryCols, err = columns(rec); err != nil {
				return b, err
			}
			inSummary = true
		case inSummary && b.summary == nil:
			if len(rec) != len(b.summaryCols) {
				return b, fmt.Errorf("wechatpay: bill summary has %d fields, its header %d: %w", len(rec), len(b.summaryCols), ErrBillMalformed)
			}
			if b.summary, err = unquote(rec, line); err != nil {
				return b, err
			}
		case inSummary:
			return b, fmt.Errorf("wechatpay: bill line %d after the summary: %w", line, ErrBillMalformed)
		default:
			if len(rec) != len(b.cols) {
				return b, fmt.Errorf("wechatpay: bill line %d has %d fields, the header %d: %w", line, len(rec), len(b.cols), ErrBillMalformed)
			}
			if len(b.rows) == maxBillLines {
				return b, fmt.Errorf("wechatpay: bill has more than %d lines: %w", maxBillLines, ErrBillMalformed)
			}
			row, err := unquote(rec, line)
			if err != nil {
				return b, err
			}
			b.rows = append(b.rows, row)
		}
	}
	if b.summary == nil {
		return b, fmt.Errorf("wechatpay: bill has no summary: %w", ErrBillMalformed)
	}
	return b, nil
}

func columns(header []string) (map[string]int, error) {
	cols := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.TrimSpace(h)
		if !utf8.ValidString(h) {
			return nil, fmt.Errorf("wechatpay: bill header is not UTF-8: %w", ErrBillMalformed)
		}
		if _, dup := cols[h]; dup {
			return nil, fmt.Errorf("wechatpay: bill header names %.40q twice: %w", h, ErrBillMalformed)
		}
		cols[h] = i
	}
	return cols, nil
}

// unquote removes the backtick every field of a detail or summary line
// starts with; a field without one is refused (an edited or foreign file).
func unquote(rec []string, line int) ([]string, error) {
	out := make([]string, len(rec))
	for i, f := range rec {
		v, ok := strings.CutPrefix(f, "`")
		if !ok || !utf8.ValidString(v) {
			return nil, fmt.Errorf("wechatpay: bill line %d field %d does not start with a backtick: %w", line, i+1, ErrBillMalformed)
		}
		out[i] = strings.TrimSpace(v)
	}
	return out, nil
}

// field returns the named column of row, or an error when the header has
// no such column.
func field(cols map[string]int, row []string, name string) (string, error) {
	i, ok := cols[name]
	if !ok {
		return "", fmt.Errorf("wechatpay: bill has no column %s: %w", name, ErrBillMalformed)
	}
	return row[i], nil
}

// yuan reads an amount of a bill: an optional minus, digits, and at most
// two decimals.
func yuan(s string) (money.Fen, error) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || dot && (frac == "" || len(frac) > 2) || len(whole) > 16 || !digits(whole) || !digits(frac) {
		return 0, fmt.Errorf("wechatpay: bill amount %.40q is not yuan: %w", s, ErrBillMalformed)
	}
	var f money.Fen
	for _, c := range whole + (frac + "00")[:2] {
		f = f*10 + money.Fen(c-'0')
	}
	if f > money.MaxFen {
		return 0, fmt.Errorf("wechatpay: bill amount %.40q is too large: %w", s, ErrBillMalformed)
	}
	if neg {
		f = -f
	}
	return f, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func count(s string) (int, error) {
	if s == "" || len(s) > 9 || !digits(s) {
		return 0, fmt.Errorf("wechatpay: bill count %.20q is not a number: %w", s, ErrBillMalformed)
	}
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n, nil
}

// billTime reads a bill's time, China time without a zone.
func billTime(s string) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateTime, s, china)
	if err != nil {
		return time.Time{}, fmt.Errorf("wechatpay: bill time %.40q: %w", s, ErrBillMalformed)
	}
	return t, nil
}

// fields reads several named columns of one row at once.
func fields(cols map[string]int, row []string, names ...string) ([]string, error) {
	out := make([]string, len(names))
	for i, n := range names {
		v, err := field(cols, row, n)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// ParseTradeBill reads a trade bill (bill_type ALL, SUCCESS or REFUND) and
// checks it: every line's time, ids, state and amounts must be valid, the
// currency CNY, and the summary's count, settled total, refund total and
// fee total must be what the lines make; otherwise the whole bill is
// refused (ErrBillMalformed).
func ParseTradeBill(r io.Reader) (TradeBill, error) {
	b, err := readBill(r, "总交易单数")
	if err != nil {
		return TradeBill{}, err
	}
	var tb TradeBill
	var settled, refund, fees money.Fen
	for i, row := range b.rows {
		f, err := fields(b.cols, row, "交易时间", "微信订单号", "商户订单号", "交易状态", "应结订单金额", "微信退款单号", "退款金额", "手续费", "货币种类")
		if err != nil {
			return TradeBill{}, err
		}
		var l TradeLine
		var errs [4]error
		l.Time, errs[0] = billTime(f[0])
		l.TransactionID, l.OutTradeNo, l.State, l.RefundID = f[1], f[2], f[3], f[5]
		l.Settled, errs[1] = yuan(f[4])
		l.Refund, errs[2] = yuan(f[6])
		l.Fee, errs[3] = yuan(f[7])
		if err := errors.Join(errs[:]...); err != nil {
			return TradeBill{}, fmt.Errorf("wechatpay: trade bill line %d: %w", i+2, err)
		}
		if j, ok := b.cols["商户退款单号"]; ok {
			l.OutRefundNo = row[j]
		}
		if j, ok := b.cols["退款状态"]; ok {
			l.RefundStatus = row[j]
		}
		switch {
		case l.TransactionID == "" || len(l.TransactionID) > 64:
			return TradeBill{}, fmt.Errorf("wechatpay: trade bill line %d has no transaction id: %w", i+2, ErrBillMalformed)
		case f[8] != "CNY":
			return TradeBill{}, fmt.Errorf("wechatpay: trade bill line %d is in %.8q, not CNY: %w", i+2, f[8], ErrBillMalformed)
		case l.State != "SUCCESS" && l.State != "REFUND" && l.State != "REVOKED":
			return TradeBill{}, fmt.Errorf("wechatpay: trade bill line %d has state %.20q: %w", i+2, l.State, ErrBillMalformed)
		case l.Settled < 0 || l.Refund < 0:
			return TradeBill{}, fmt.Errorf("wechatpay: trade bill line %d has a negative amount: %w", i+2, ErrBillMalformed)
		case l.State == "REFUND" && (l.Refund <= 0 || l.RefundID == "" || l.RefundID == "0" || len(l.RefundID) > 64):
			// A refund line names its refund and what it paid back, or
			// reconciliation could not tell which refund it settles.
			return TradeBill{}, fmt.Errorf("wechatpay: trade bill line %d is a refund without its refund id or amount: %w", i+2, ErrBillMalformed)
		}
		settled += l.Settled
		refund += l.Refund
		fees += l.Fee
		if settled > money.MaxFen || refund > money.MaxFen || fees > money.MaxFen || fees < -money.MaxFen {
			return TradeBill{}, fmt.Errorf("wechatpay: trade bill amounts add up to too much: %w", ErrBillMalformed)
		}
		tb.Lines = append(tb.Lines, l)
	}
	s, err := fields(b.summaryCols, b.summary, "总交易单数", "应结订单总金额", "退款总金额", "手续费总金额")
	if err != nil {
		return TradeBill{}, err
	}
	var errs [4]error
	tb.Count, errs[0] = count(s[0])
	tb.Settled, errs[1] = yuan(s[1])
	tb.Refund, errs[2] = yuan(s[2])
	tb.Fees, errs[3] = yuan(s[3])
	if err := errors.Join(errs[:]...); err != nil {
		return TradeBill{}, fmt.Errorf("wechatpay: trade bill summary: %w", err)
	}
	if tb.Count != len(tb.Lines) || tb.Settled != settled || tb.Refund != refund || tb.Fees != fees {
		return TradeBill{}, fmt.Errorf("wechatpay: trade bill summary (%d lines, settled %s, refunded %s, fees %s) is not what its lines make (%d, %s, %s, %s): %w",
			tb.Count, tb.Settled, tb.Refund, tb.Fees, len(tb.Lines), settled, refund, fees, ErrBillMalformed)
	}
	return tb, nil
}

// ParseFundFlowBill reads a fund-flow bill of the basic account and checks
// it: every line's time, record id, direction (收入 or 支出) and amount
// must be valid, no record id may appear twice, and the summary's counts
// and totals of income and expense must be what the lines make; otherwise
// the whole bill is refused (ErrBillMalformed).
func ParseFundFlowBill(r io.Reader) (FundFlowBill, error) {
	b, err := readBill(r, "资金流水总笔数")
	if err != nil {
		return FundFlowBill{}, err
	}
	var fb FundFlowBill
	var income, expense money.Fen
	var nIncome, nExpense int
	seen := make(map[string]bool, len(b.rows))
	for i, row := range b.rows {
		f, err := fields(b.cols, row, "记账时间", "微信支付业务单号", "资金流水单号", "业务名称", "业务类型", "收支类型", "收支金额（元）", "账户结余（元）")
		if err != nil {
			return FundFlowBill{}, err
		}
		var l FundFlowLine
		var errs [3]error
		l.Time, errs[0] = billTime(f[0])
		l.TransactionID, l.RecordID, l.Business, l.Type = f[1], f[2], f[3], f[4]
		l.Amount, errs[1] = yuan(f[6])
		l.Balance, errs[2] = yuan(f[7])
		if err := errors.Join(errs[:]...); err != nil {
			return FundFlowBill{}, fmt.Errorf("wechatpay: fund-flow bill line %d: %w", i+2, err)
		}
		switch {
		case l.RecordID == "" || len(l.RecordID) > 64:
			return FundFlowBill{}, fmt.Errorf("wechatpay: fund-flow bill line %d has no record id: %w", i+2, ErrBillMalformed)
		case seen[l.RecordID]:
			return FundFlowBill{}, fmt.Errorf("wechatpay: fund-flow bill record %.40q appears twice: %w", l.RecordID, ErrBillMalformed)
		case l.Amount < 0:
			return FundFlowBill{}, fmt.Errorf("wechatpay: fund-flow bill line %d has a negative amount: %w", i+2, ErrBillMalformed)
		}
		seen[l.RecordID] = true
		switch f[5] {
		case "收入":
			l.Income = true
			income += l.Amount
			nIncome++
		case "支出":
			expense += l.Amount
			nExpense++
		default:
			return FundFlowBill{}, fmt.Errorf("wechatpay: fund-flow bill line %d is neither 收入 nor 支出: %w", i+2, ErrBillMalformed)
		}
		if income > money.MaxFen || expense > money.MaxFen {
			return FundFlowBill{}, fmt.Errorf("wechatpay: fund-flow bill amounts add up to too much: %w", ErrBillMalformed)
		}
		fb.Lines = append(fb.Lines, l)
	}
	s, err := fields(b.summaryCols, b.summary, "资金流水总笔数", "收入笔数", "收入金额", "支出笔数", "支出金额")
	if err != nil {
		return FundFlowBill{}, err
	}
	var errs [5]error
	fb.Count, errs[0] = count(s[0])
	fb.IncomeCount, errs[1] = count(s[1])
	fb.Income, errs[2] = yuan(s[2])
	fb.ExpenseCount, errs[3] = count(s[3])
	fb.Expense, errs[4] = yuan(s[4])
	if err := errors.Join(errs[:]...); err != nil {
		return FundFlowBill{}, fmt.Errorf("wechatpay: fund-flow bill summary: %w", err)
	}
	if fb.Count != len(fb.Lines) || fb.IncomeCount != nIncome || fb.ExpenseCount != nExpense || fb.Income != income || fb.Expense != expense {
		return FundFlowBill{}, fmt.Errorf("wechatpay: fund-flow bill summary (%d lines, %d in %s, %d out %s) is not what its lines make (%d, %d in %s, %d out %s): %w",
			fb.Count, fb.IncomeCount, fb.Income, fb.ExpenseCount, fb.Expense, len(fb.Lines), nIncome, income, nExpense, expense, ErrBillMalformed)
	}
	return fb, nil
}

// Withdrawal is the fund-flow bill's business type of a transfer from the
// merchant's WeChat Pay balance to its bank account: for carefund, the
// settlement into the custody account.
const Withdrawal = "提现"

// TopUp is the fund-flow bill's business type of money the merchant paid
// into its WeChat Pay balance from its bank account: for carefund, refund
// funding from the custody account (package refundfund).
const TopUp = "充值"

// Settlement makes the settlement of a day from its trade bill and the
// fund-flow bill that carries the withdrawal of that day's money into the
// custody account: the payments (SUCCESS lines, and REFUND lines' original
// payments are not counted again) with their fees, the refunds net of the
// fees returned, the day's top-ups (TopUp) as Funding, and as Ref and
// Net the withdrawal's record id and amount. It refuses (ErrBillMalformed) a fund-flow bill with no
// withdrawal or several, and a withdrawal that is not the trade bill's
// net: the two bills would disagree about the money.
func Settlement(day time.Time, trade TradeBill, fund FundFlowBill) (payment.Settlement, error) {
	st := payment.Settlement{Provider: "wechatpay", Date: day}
	var withdrawals []FundFlowLine
	for _, l := range fund.Lines {
		if l.Type == Withdrawal && !l.Income {
			withdrawals = append(withdrawals, l)
		}
	}
	if len(withdrawals) != 1 {
		return st, fmt.Errorf("wechatpay: the fund-flow bill has %d withdrawals to the custody account, not one: %w", len(withdrawals), ErrBillMalformed)
	}
	st.Ref, st.Net = withdrawals[0].RecordID, withdrawals[0].Amount
	for _, l := range trade.Lines {
		switch l.State {
		case "SUCCESS":
			st.Lines = append(st.Lines, payment.SettlementLine{TransactionID: l.TransactionID, Amount: l.Settled, Fee: l.Fee})
			st.Gross += l.Settled
			st.Fees += l.Fee
		case "REFUND", "REVOKED":
			// The fee on a refund line is negative: WeChat Pay returns it.
			st.Refunds += l.Refund + l.Fee
		}
	}
	// The merchant's top-ups of the day (the platform's refund funding
	// from custody) paid refunds; what they left goes out with the
	// withdrawal.
	for _, l := range fund.Lines {
		if l.Type == TopUp && l.Income {
			st.Funding += l.Amount
		}
	}
	if st.Net != st.Gross-st.Fees-st.Refunds+st.Funding {
		return st, fmt.Errorf("wechatpay: the withdrawal %s of %s is not the trade bill's net %s (payments %s less fees %s less refunds %s plus top-ups %s): %w",
			st.Ref, st.Net, st.Gross-st.Fees-st.Refunds+st.Funding, st.Gross, st.Fees, st.Refunds, st.Funding, ErrBillMalformed)
	}
	if err := st.Check(); err != nil {
		return st, err
	}
	return st, nil
}
