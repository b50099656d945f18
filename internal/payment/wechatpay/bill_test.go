package wechatpay

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/payment/wechatpay/wechatpaytest"
)

// TestBills downloads a day's trade and fund-flow bills from the fake,
// checked against their hashes and summaries, and makes the day's
// settlement into custody of them (R-FUND-1); a damaged download and a
// bill whose summary its lines do not make are refused whole.
func TestBills(t *testing.T) {
	srv := fake(t, wechatpaytest.Options{})
	cl := client(t, config(t, srv))
	m := newMerchant(t, cl, 0)
	ctx := context.Background()
	for _, id := range []string{"bill-1", "bill-2"} {
		if _, err := cl.Create(ctx, order(id, m)); err != nil {
			t.Fatal(err)
		}
		if err := srv.Pay(id); err != nil {
			t.Fatal(err)
		}
	}
	srv.Drain()
	o, _ := srv.Order("bill-1")
	day := o.SuccessTime.In(china)
	date := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)

	trade, err := cl.TradeBill(ctx, date)
	if err != nil {
		t.Fatal(err)
	}
	if len(trade.Lines) != 2 || trade.Settled != 2*12345 || trade.Fees != 2*74 {
		t.Fatalf("trade bill: %+v", trade)
	}
	fund, err := cl.FundFlowBill(ctx, date)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Settlement(date, trade, fund)
	if err != nil {
		t.Fatal(err)
	}
	want := money.Fen(2*12345 - 2*74)
	if st.Ref != wechatpaytest.WithdrawalID(date.Format(time.DateOnly)) || st.Net != want || st.Gross != 2*12345 || len(st.Lines) != 2 {
		t.Fatalf("settlement: %+v, want net %s under the withdrawal's record id", st, want)
	}

	t.Run("HashMismatch", func(t *testing.T) {
		srv.CorruptBills(true)
		defer srv.CorruptBills(false)
		if _, err := cl.TradeBill(ctx, date); !errors.Is(err, ErrBillHash) {
			t.Fatalf("damaged download: %v, want ErrBillHash", err)
		}
	})
	t.Run("SummaryMismatch", func(t *testing.T) {
		raw := srv.TradeBillFor(date.Format(time.DateOnly))
		bad := bytes.Replace(raw, []byte("`2,`"), []byte("`3,`"), 1)
		if bytes.Equal(bad, raw) {
			t.Fatal("the summary was not changed")
		}
		srv.SetBill("trade", date.Format(time.DateOnly), bad)
		defer srv.SetBill("trade", date.Format(time.DateOnly), raw)
		if _, err := cl.TradeBill(ctx, date); !errors.Is(err, ErrBillMalformed) {
			t.Fatalf("bill whose summary its lines do not make: %v, want ErrBillMalformed", err)
		}
	})
	t.Run("WithdrawalNotNet", func(t *testing.T) {
		f := fund
		f.Lines = append([]FundFlowLine(nil), fund.Lines...)
		for i := range f.Lines {
			if f.Lines[i].Type == Withdrawal {
				f.Lines[i].Amount++
			}
		}
		if _, err := Settlement(date, trade, f); !errors.Is(err, ErrBillMalformed) {
			t.Fatalf("withdrawal that is not the day's net: %v, want ErrBillMalformed", err)
		}
	})
	t.Run("DownloadElsewhere", func(t *testing.T) {
		if _, err := cl.download(ctx, "https://attacker.example/v3/billdownload/file?token=x"); !errors.Is(err, payment.ErrMalformed) {
			t.Fatalf("download URL on another host: %v, want refused", err)
		}
	})
}

const seedTrade = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\r\n" +
	"`2026-12-07 10:00:00,`wx1,`1900009191,`0,`,`4200001,`o1,`openid,`JSAPI,`SUCCESS,`OTHERS,`CNY,`100.00,`0.00,`0,`0,`0.00,`0.00,`,`,`捐助,`,`0.60,`0.60%,`100.00,`0.00,`\r\n" +
	"`2026-12-07 11:00:00,`wx1,`1900009191,`0,`,`4200001,`o1,`openid,`JSAPI,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`5000001,`r1,`10.00,`0.00,`ORIGINAL,`SUCCESS,`捐助,`,`-0.06,`0.60%,`0.00,`10.00,`\r\n" +
	"总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n" +
	"`2,`100.00,`10.00,`0.00,`0.54,`100.00,`10.00\r\n"

const seedFund = "记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额（元）,账户结余（元）,资金变更提交申请人,备注,业务凭证号\r\n" +
	"`2026-12-07 10:00:00,`4200001,`42001I,`交易,`交易,`收入,`100.00,`100.00,`system,`,`o1\r\n" +
	"`2026-12-07 23:59:59,`,`42001W,`提现,`提现,`支出,`89.46,`10.54,`system,`自动提现,`\r\n" +
	"资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额\r\n" +
	"`2,`1,`100.00,`1,`89.46\r\n"

func TestParseBillSeeds(t *testing.T) {
	tb, err := ParseTradeBill(strings.NewReader(seedTrade))
	if err != nil {
		t.Fatal(err)
	}
	fb, err := ParseFundFlowBill(strings.NewReader(seedFund))
	if err != nil {
		t.Fatal(err)
	}
	st, err := Settlement(time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), tb, fb)
	if err != nil {
		t.Fatal(err)
	}
	if st.Gross != 100_00 || st.Fees != 60 || st.Refunds != 9_94 || st.Net != 89_46 || st.Ref != "42001W" {
		t.Fatalf("settlement %+v", st)
	}
}

// FuzzParseTradeBill feeds the trade bill parser outside input: it must
// never panic, and a bill it accepts must agree with its own summary.
func FuzzParseTradeBill(f *testing.F) {
	f.Add([]byte(seedTrade))
	f.Add([]byte(strings.Replace(seedTrade, "`2,`100.00", "`1,`100.00", 1)))
	f.Add([]byte("交易时间\r\n总交易单数\r\n`0\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tb, err := ParseTradeBill(bytes.NewReader(data))
		if err != nil {
			return
		}
		var settled, refund, fees money.Fen
		for _, l := range tb.Lines {
			settled, refund, fees = settled+l.Settled, refund+l.Refund, fees+l.Fee
		}
		if tb.Count != len(tb.Lines) || settled != tb.Settled || refund != tb.Refund || fees != tb.Fees {
			t.Fatalf("accepted a bill that disagrees with its summary: %+v", tb)
		}
	})
}

// FuzzParseFundFlowBill feeds the fund-flow bill parser outside input: it
// must never panic, and a bill it accepts must agree with its summary.
func FuzzParseFundFlowBill(f *testing.F) {
	f.Add([]byte(seedFund))
	f.Add([]byte(strings.Replace(seedFund, "`89.46\r\n", "`89.47\r\n", 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		fb, err := ParseFundFlowBill(bytes.NewReader(data))
		if err != nil {
			return
		}
		var in, out money.Fen
		for _, l := range fb.Lines {
			if l.Income {
				in += l.Amount
			} else {
				out += l.Amount
			}
		}
		if fb.Count != len(fb.Lines) || in != fb.Income || out != fb.Expense {
			t.Fatalf("accepted a bill that disagrees with its summary: %+v", fb)
		}
	})
}

// TestSettlementWithTopUp: a day whose refunds were funded by a top-up
// from custody (充值) settles the top-up's rest with the withdrawal, and
// a withdrawal that leaves the top-up out is refused (R-FUND-4).
func TestSettlementWithTopUp(t *testing.T) {
	tb, err := ParseTradeBill(strings.NewReader(seedTrade))
	if err != nil {
		t.Fatal(err)
	}
	fb, err := ParseFundFlowBill(strings.NewReader(seedFund))
	if err != nil {
		t.Fatal(err)
	}
	fb.Lines = append(fb.Lines, FundFlowLine{RecordID: "42001T", Business: "充值", Type: TopUp, Income: true, Amount: 20_00})
	if _, err := Settlement(time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), tb, fb); !errors.Is(err, ErrBillMalformed) {
		t.Fatalf("a withdrawal without the top-up's rest: %v", err)
	}
	for i := range fb.Lines {
		if fb.Lines[i].Type == Withdrawal {
			fb.Lines[i].Amount += 20_00
		}
	}
	st, err := Settlement(time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), tb, fb)
	if err != nil || st.Funding != 20_00 || st.Net != 109_46 {
		t.Fatalf("settlement %+v %v", st, err)
	}
}
