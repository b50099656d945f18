package wechatpay

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/payment/wechatpay/wechatpaytest"
)

// FuzzParseQueryAnswer feeds the answer to an order query (GET
// /v3/pay/transactions/out-trade-no/…), past its signature check, to the
// decoding Query does. It never panics, and what it accepts is a payment
// with an order, a merchant and an amount in range, and when paid its
// transaction id and time (R-DON-1).
func FuzzParseQueryAnswer(f *testing.F) {
	for _, s := range []string{
		`{"appid":"wxd678efh567hg6787","mchid":"1900009191","out_trade_no":"fuzz-00001","transaction_id":"4200000985202306011234567890",` +
			`"trade_state":"SUCCESS","success_time":"2023-06-01T10:34:56+08:00","amount":{"total":100,"payer_total":100,"currency":"CNY"}}`,
		`{"mchid":"1900009191","out_trade_no":"fuzz-00001","trade_state":"NOTPAY","amount":{"total":100}}`,
		`{"mchid":"m","out_trade_no":"o","trade_state":"SUCCESS","amount":{"total":1},"success_time":"2023-06-01T10:34:56Z"}`,
		`{"mchid":"m","out_trade_no":"o","trade_state":"CLOSED","amount":{"total":-1}}`,
		`{"amount":{"total":9223372036854775807},"trade_state":"REFUND","mchid":"m","out_trade_no":"o"}`,
		`{"trade_state":"SUCCESS","amount":null}`, `[]`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var tx transaction
		if err := json.Unmarshal(body, &tx); err != nil {
			return
		}
		p, err := tx.toPayment()
		if err != nil {
			if !errors.Is(err, payment.ErrMalformed) {
				t.Fatalf("refusal is not ErrMalformed: %v", err)
			}
			return
		}
		if p.OrderID == "" || p.Merchant == "" || p.Amount < 0 || p.Amount > money.MaxFen || p.Provider != "wechatpay" {
			t.Fatalf("accepted an incomplete answer %+v", p)
		}
		if p.State == payment.Paid && (p.TransactionID == "" || p.PaidAt.IsZero() || p.Amount <= 0) {
			t.Fatalf("accepted a paid answer without its proof %+v", p)
		}
	})
}

// FuzzParseRefundAnswer feeds the answer to a refund, a refund query or
// an abnormal refund's application to the decoding they share. It never
// panics; what it accepts names both refund numbers and the order, an
// amount of at least a fen and at most the order's, and a success its
// time (R-REF-1: no refund is recorded that was not made).
func FuzzParseRefundAnswer(f *testing.F) {
	for _, s := range []string{
		`{"refund_id":"50000000382019052709732678859","out_refund_no":"RF-0001","transaction_id":"4200000985202306011234567890",` +
			`"out_trade_no":"fuzz-00001","channel":"ORIGINAL","user_received_account":"招商银行信用卡0403","success_time":"2020-12-01T16:18:12+08:00",` +
			`"create_time":"2020-12-01T16:18:12+08:00","status":"SUCCESS","funds_account":"AVAILABLE","amount":{"total":100,"refund":100,"currency":"CNY"}}`,
		`{"refund_id":"r","out_refund_no":"o","out_trade_no":"t","status":"PROCESSING","amount":{"total":100,"refund":1}}`,
		`{"refund_id":"r","out_refund_no":"o","out_trade_no":"t","status":"SUCCESS","amount":{"total":100,"refund":101}}`,
		`{"refund_id":"r","out_refund_no":"o","transaction_id":"t","status":"ABNORMAL","amount":{"total":1,"refund":1,"currency":"USD"}}`,
		`{"status":"CLOSED","amount":{}}`, `{}`, `[1]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var o refundObject
		if err := json.Unmarshal(body, &o); err != nil {
			return
		}
		res, err := o.toResult(o.Status)
		if err != nil {
			if !errors.Is(err, payment.ErrMalformed) {
				t.Fatalf("refusal is not ErrMalformed: %v", err)
			}
			return
		}
		if res.RefundID == "" || res.ProviderRefundID == "" || res.OrderID == "" && res.TransactionID == "" ||
			res.Amount <= 0 || res.Amount > res.Total || res.Total > money.MaxFen {
			t.Fatalf("accepted an incomplete refund %+v", res)
		}
		if res.State == payment.RefundSuccess && res.SucceededAt.IsZero() {
			t.Fatalf("accepted a success without its time %+v", res)
		}
	})
}

// recordingTransport answers every request with an error and records
// where it was going.
type recordingTransport struct{ hosts []string }

func (rt *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rt.hosts = append(rt.hosts, r.URL.Scheme+"://"+r.URL.Host)
	return nil, errors.New("no network in this test")
}

// FuzzBillDownloadURL feeds the download_url of a bill answer to the
// download: a signed request is sent to the API's own scheme and host
// only, whatever the URL says.
func FuzzBillDownloadURL(f *testing.F) {
	srv := fake(f, wechatpaytest.Options{})
	cl := client(f, config(f, srv))
	base, err := url.Parse(cl.baseURL)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		cl.baseURL + "/v3/billdownload/file?token=6XIv5TUPto7pByrTQKhd6kwvyKLG2uY2wMMR8cNXqaA_Cv_isgaUtBzp4QtiozLO",
		"https://evil.example/v3/billdownload/file", "//evil.example/x", "/v3/billdownload/file",
		" " + cl.baseURL + "/x ", cl.baseURL + "@evil.example/", "http://user:pass@" + base.Host + "/x",
		base.Scheme + "://" + base.Host + "\\@evil.example/", "", "%zz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		rt := &recordingTransport{}
		c := *cl
		c.http = &http.Client{Transport: rt}
		_, _ = c.download(context.Background(), raw)
		for _, h := range rt.hosts {
			if h != base.Scheme+"://"+base.Host {
				t.Fatalf("download URL %q sent a signed request to %s", raw, h)
			}
		}
	})
}
