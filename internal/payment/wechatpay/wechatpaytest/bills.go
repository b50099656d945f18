package wechatpaytest

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// bills is the fake's state for the bill endpoints.
type bills struct {
	mu sync.Mutex
	// files are the bills handed out, by download token.
	files map[string][]byte
	// override replaces the generated bill of a kind ("trade" or "fund")
	// and date.
	override map[string][]byte
	// corrupt makes every download differ from the hash announced.
	corrupt bool
}

func (s *Server) billState() *bills {
	s.billsOnce.Do(func() {
		s.bills = &bills{files: map[string][]byte{}, override: map[string][]byte{}}
	})
	return s.bills
}

// routeBills adds the bill endpoints to the fake: 申请交易账单, 申请资金账单
// and 下载账单.
func (s *Server) routeBills(mux *http.ServeMux) {
	mux.HandleFunc("GET /v3/bill/tradebill", s.api(s.tradeBill))
	mux.HandleFunc("GET /v3/bill/fundflowbill", s.api(s.fundFlowBill))
	mux.HandleFunc("GET /v3/billdownload/file", s.downloadBill)
}

// SetBill makes the fake serve body as the bill of kind ("trade" or
// "fund") for date (YYYY-MM-DD), instead of the one it would generate.
func (s *Server) SetBill(kind, date string, body []byte) {
	b := s.billState()
	b.mu.Lock()
	b.override[kind+" "+date] = body
	b.mu.Unlock()
}

// CorruptBills makes every bill downloaded from now on differ from the
// hash the bill request announced, as a download damaged on the way.
func (s *Server) CorruptBills(on bool) {
	b := s.billState()
	b.mu.Lock()
	b.corrupt = on
	b.mu.Unlock()
}

// WithdrawalID is the fund-flow record id of the fake's withdrawal of a
// day's net into the merchant's bank account.
func WithdrawalID(date string) string {
	return "4200" + strings.ReplaceAll(date, "-", "") + "0001"
}

// FeePerMille is the fee the fake takes of each payment, rounded half up
// to the fen: 0.6%.
const FeePerMille = 6

func (s *Server) tradeBill(r *http.Request, _ []byte) (int, any, *apiError) {
	q := r.URL.Query()
	date := q.Get("bill_date")
	if _, err := time.Parse(time.DateOnly, date); err != nil || q.Get("bill_type") != "ALL" {
		return fail(http.StatusBadRequest, "PARAM_ERROR", "bill_date 或 bill_type 格式错误")
	}
	return s.offer("trade", date, s.generateTrade)
}

func (s *Server) fundFlowBill(r *http.Request, _ []byte) (int, any, *apiError) {
	q := r.URL.Query()
	date := q.Get("bill_date")
	if _, err := time.Parse(time.DateOnly, date); err != nil || q.Get("account_type") != "BASIC" {
		return fail(http.StatusBadRequest, "PARAM_ERROR", "bill_date 或 account_type 格式错误")
	}
	return s.offer("fund", date, s.generateFund)
}

// offer keeps the bill under a new token and answers its hash and where
// to download it.
func (s *Server) offer(kind, date string, generate func(date string) []byte) (int, any, *apiError) {
	b := s.billState()
	b.mu.Lock()
	body, ok := b.override[kind+" "+date]
	b.mu.Unlock()
	if !ok {
		body = generate(date)
	}
	token := randomString(32)
	sum := sha1.Sum(body)
	b.mu.Lock()
	b.files[token] = body
	b.mu.Unlock()
	return http.StatusOK, map[string]string{
		"hash_type":    "SHA1",
		"hash_value":   hex.EncodeToString(sum[:]),
		"download_url": s.URL + "/v3/billdownload/file?token=" + url.QueryEscape(token),
	}, nil
}

// downloadBill serves a bill: the request must be signed, the answer is
// not, as WeChat Pay's download is.
func (s *Server) downloadBill(w http.ResponseWriter, r *http.Request) {
	if e := s.authenticate(r, nil); e != nil {
		http.Error(w, e.message, e.status)
		return
	}
	b := s.billState()
	b.mu.Lock()
	body, ok := b.files[r.URL.Query().Get("token")]
	corrupt := b.corrupt
	b.mu.Unlock()
	if !ok {
		http.Error(w, "no such bill", http.StatusNotFound)
		return
	}
	if corrupt {
		body = append([]byte(nil), body...)
		body = append(body, '\n')
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write(body)
}

// paidOn returns the orders paid on date (China time), by transaction id.
func (s *Server) paidOn(date string) []Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Order
	for _, o := range s.orders {
		if o.TransactionID != "" && !o.SuccessTime.IsZero() && o.SuccessTime.In(china).Format(time.DateOnly) == date {
			out = append(out, *o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TransactionID < out[j].TransactionID })
	return out
}

func fee(total int64) int64 { return (total*FeePerMille + 500) / 1000 }

func yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

// line writes fields as a bill does: each prefixed with a backtick.
func line(b *strings.Builder, fields ...string) {
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('`')
		b.WriteString(f)
	}
	b.WriteString("\r\n")
}

// generateTrade writes the trade bill (ALL) of date: the payments of the
// day, then the refunds that succeeded that day, each on a line of its own
// as WeChat Pay's bill has them: 交易状态 REFUND, 应结订单金额 0.00, the
// refund's 微信退款单号, 商户退款单号, 退款金额 and 退款状态, and as
// 手续费 the fee returned on the money refunded, negative.
func (s *Server) generateTrade(date string) []byte {
	var b strings.Builder
	b.WriteString("交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\r\n")
	var settled, fees, refunded int64
	orders := s.paidOn(date)
	for _, o := range orders {
		f := fee(o.Total)
		settled += o.Total
		fees += f
		line(&b, o.SuccessTime.In(china).Format(time.DateTime), s.AppID, s.MchID, "0", "", o.TransactionID, o.OutTradeNo,
			o.OpenID, o.TradeType, "SUCCESS", "OTHERS", "CNY", yuan(o.Total), "0.00", "0", "0", "0.00", "0.00", "", "",
			o.Description, "", yuan(f), "0.60%", yuan(o.Total), "0.00", "")
	}
	refunds := s.refundedOn(date)
	for _, r := range refunds {
		o, _ := s.Order(r.OutTradeNo)
		f := -fee(r.Amount)
		fees += f
		refunded += r.Amount
		line(&b, r.SuccessTime.In(china).Format(time.DateTime), s.AppID, s.MchID, "0", "", r.TransactionID, r.OutTradeNo,
			o.OpenID, o.TradeType, "REFUND", "OTHERS", "CNY", "0.00", "0.00", r.RefundID, r.OutRefundNo, yuan(r.Amount), "0.00",
			r.Channel, r.Status, o.Description, "", yuan(f), "0.60%", "0.00", yuan(r.Amount), "")
	}
	b.WriteString("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n")
	line(&b, fmt.Sprint(len(orders)+len(refunds)), yuan(settled), yuan(refunded), "0.00", yuan(fees), yuan(settled), yuan(refunded))
	return []byte(b.String())
}

// generateFund writes the fund-flow bill of the basic account for date:
// each payment in, its fee out, each refund that succeeded that day out
// and its fee returned in, and the withdrawal of the day's net to the
// merchant's bank account. A day whose refunds exceed its payments has no
// withdrawal.
func (s *Server) generateFund(date string) []byte {
	var b strings.Builder
	b.WriteString("记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额（元）,账户结余（元）,资金变更提交申请人,备注,业务凭证号\r\n")
	var balance, in, out int64
	var nIn, nOut, n int
	orders := s.paidOn(date)
	for i, o := range orders {
		at := o.SuccessTime.In(china).Format(time.DateTime)
		f := fee(o.Total)
		balance += o.Total
		in += o.Total
		nIn++
		line(&b, at, o.TransactionID, fmt.Sprintf("4200%s%04dI", strings.ReplaceAll(date, "-", ""), i), "交易", "交易", "收入", yuan(o.Total), yuan(balance), "system", "", o.OutTradeNo)
		balance -= f
		out += f
		nOut++
		line(&b, at, o.TransactionID, fmt.Sprintf("4200%s%04dF", strings.ReplaceAll(date, "-", ""), i), "扣除交易手续费", "扣除交易手续费", "支出", yuan(f), yuan(balance), "system", "", o.OutTradeNo)
		n += 2
	}
	for i, r := range s.refundedOn(date) {
		at := r.SuccessTime.In(china).Format(time.DateTime)
		f := fee(r.Amount)
		balance -= r.Amount
		out += r.Amount
		nOut++
		line(&b, at, r.RefundID, fmt.Sprintf("4200%s%04dR", strings.ReplaceAll(date, "-", ""), i), "退款", "退款", "支出", yuan(r.Amount), yuan(balance), "system", "", r.OutRefundNo)
		if f > 0 {
			balance += f
			in += f
			nIn++
			n++
			line(&b, at, r.RefundID, fmt.Sprintf("4200%s%04dB", strings.ReplaceAll(date, "-", ""), i), "退还手续费", "退还手续费", "收入", yuan(f), yuan(balance), "system", "", r.OutRefundNo)
		}
		n++
	}
	if balance > 0 {
		out += balance
		nOut++
		n++
		line(&b, date+" 23:59:59", "", WithdrawalID(date), "提现", "提现", "支出", yuan(balance), "0.00", "system", "自动提现", "")
	}
	b.WriteString("资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额\r\n")
	line(&b, fmt.Sprint(n), fmt.Sprint(nIn), yuan(in), fmt.Sprint(nOut), yuan(out))
	return []byte(b.String())
}

// TradeBillFor returns the trade bill the fake would serve for date now.
func (s *Server) TradeBillFor(date string) []byte { return s.generateTrade(date) }
