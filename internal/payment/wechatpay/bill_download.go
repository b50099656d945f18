package wechatpay

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/payment"
)

// maxBill bounds a downloaded bill: far above a day of a large merchant,
// and a hostile answer is cut off before it exhausts memory.
const maxBill = 512 << 20

// billAnswer is the answer of 申请交易账单 and 申请资金账单.
type billAnswer struct {
	HashType    string `json:"hash_type"`
	HashValue   string `json:"hash_value"`
	DownloadURL string `json:"download_url"`
}

// TradeBill downloads and reads the trade bill (bill_type ALL) of day, a
// date in China: GET /v3/bill/tradebill, then the file at the
// download_url it answers, whose SHA-1 must be the hash_value answered
// with it (ErrBillHash), then ParseTradeBill.
func (c *Client) TradeBill(ctx context.Context, day time.Time) (TradeBill, error) {
	raw, err := c.bill(ctx, "/v3/bill/tradebill", url.Values{"bill_date": {day.Format(time.DateOnly)}, "bill_type": {"ALL"}})
	if err != nil {
		return TradeBill{}, err
	}
	return ParseTradeBill(bytes.NewReader(raw))
}

// FundFlowBill downloads and reads the fund-flow bill of the basic
// account (account_type BASIC) of day, as TradeBill does.
func (c *Client) FundFlowBill(ctx context.Context, day time.Time) (FundFlowBill, error) {
	raw, err := c.bill(ctx, "/v3/bill/fundflowbill", url.Values{"bill_date": {day.Format(time.DateOnly)}, "account_type": {"BASIC"}})
	if err != nil {
		return FundFlowBill{}, err
	}
	return ParseFundFlowBill(bytes.NewReader(raw))
}

// bill asks for a bill and downloads it, checked against its hash.
func (c *Client) bill(ctx context.Context, path string, query url.Values) ([]byte, error) {
	var a billAnswer
	if err := c.call(ctx, http.MethodGet, path, query, nil, &a); err != nil {
		return nil, err
	}
	if a.HashType != "SHA1" {
		return nil, fmt.Errorf("wechatpay: bill hash type %.20q, not SHA1: %w", a.HashType, ErrBillHash)
	}
	want, err := hex.DecodeString(strings.ToLower(a.HashValue))
	if err != nil || len(want) != sha1.Size {
		return nil, fmt.Errorf("wechatpay: bill hash %.60q is not a SHA-1: %w", a.HashValue, ErrBillHash)
	}
	raw, err := c.download(ctx, a.DownloadURL)
	if err != nil {
		return nil, err
	}
	got := sha1.Sum(raw)
	if subtle.ConstantTimeCompare(got[:], want) != 1 {
		return nil, fmt.Errorf("wechatpay: the downloaded bill's SHA-1 %x is not %s: refused unread: %w", got, a.HashValue, ErrBillHash)
	}
	return raw, nil
}

// download fetches a bill file. The request is signed like every other
// (the download URL's path and query are what is signed); the answer is
// not signed, which is why its hash is checked. The URL must be on the
// API's own host: a signed request is never sent elsewhere.
func (c *Client) download(ctx context.Context, raw string) ([]byte, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	base, berr := url.Parse(c.baseURL)
	if err != nil || berr != nil || u.Scheme != base.Scheme || u.Host != base.Host || u.User != nil {
		return nil, fmt.Errorf("wechatpay: bill download URL is not on %s: %w", c.baseURL, payment.ErrMalformed)
	}
	canonical := u.EscapedPath()
	if u.RawQuery != "" {
		canonical += "?" + u.RawQuery
	}
	auth, err := c.authorization(http.MethodGet, canonical, nil)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base.Scheme+"://"+base.Host+canonical, nil)
	if err != nil {
		return nil, fmt.Errorf("wechatpay: %w", err)
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("User-Agent", "carefund-wechatpay/1 (+https://github.com/carefund/carefund)")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, apperr.Wrap(fmt.Errorf("wechatpay: downloading a bill: %w", err), apperr.Unavailable, "wechatpay.unavailable")
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBill+1))
	if err != nil {
		return nil, apperr.Wrap(fmt.Errorf("wechatpay: reading a bill: %w", err), apperr.Unavailable, "wechatpay.unavailable")
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &APIError{Status: resp.StatusCode, Code: "BILL_DOWNLOAD", Message: http.StatusText(resp.StatusCode)}
	}
	if len(data) > maxBill {
		return nil, fmt.Errorf("wechatpay: bill over %d bytes: %w", maxBill, payment.ErrMalformed)
	}
	return data, nil
}
