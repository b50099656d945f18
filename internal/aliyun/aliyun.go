// Package aliyun calls Alibaba Cloud's RPC-style APIs with the standard
// library only, signing each request as the published "signature method
// V2 for RPC APIs" describes: the common parameters (Format=JSON, Version,
// AccessKeyId, SignatureMethod=HMAC-SHA1, Timestamp in ISO 8601 UTC,
// SignatureVersion=1.0, a unique SignatureNonce), the parameters sorted and
// percent-encoded per RFC 3986 (space as %20, * as %2A, ~ kept), the string
// to sign GET&%2F&percentEncode(canonicalized query), HMAC-SHA1 keyed with
// the secret and "&", base64.
//
// The client never logs: its errors carry the provider's code and request
// id, never the parameters (which may hold a phone or an ID number) nor the
// secret.
package aliyun

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Client calls RPC APIs with one AccessKey pair.
type Client struct {
	AccessKeyID     string
	AccessKeySecret string
	// Endpoint overrides https://<host>/ for every call, for a local fake.
	Endpoint string
	// HTTP is the client requests go through; nil: one with Timeout.
	HTTP *http.Client
	// Timeout bounds one call when HTTP is nil; 0: 10 seconds.
	Timeout time.Duration
	// Now is the clock of the Timestamp; nil: time.Now.
	Now func() time.Time
}

// Error is an error the API answered with, or a failure to reach it (Code
// empty, Err set).
type Error struct {
	Action    string
	Code      string // e.g. SignatureDoesNotMatch, isv.BUSINESS_LIMIT_CONTROL
	Message   string // the provider's words: may quote the request, never logged by callers
	RequestID string
	Status    int
	Err       error
}

func (e *Error) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("aliyun %s: %v", e.Action, e.Err)
	}
	return fmt.Sprintf("aliyun %s: %s (request %s)", e.Action, e.Code, e.RequestID)
}

func (e *Error) Unwrap() error { return e.Err }

// Temporary reports whether the call may succeed if made again later.
func (e *Error) Temporary() bool {
	switch {
	case e.Code == "":
		return true
	case e.Code == "Throttling" || strings.HasPrefix(e.Code, "Throttling."), e.Code == "ServiceUnavailable",
		e.Code == "InternalError", e.Code == "SignatureNonceUsed":
		return true
	}
	return false
}

// Call sends action at version to host (e.g. dysmsapi.aliyuncs.com) with
// params and decodes the JSON answer into resp. An HTTP error status, or a
// body whose Code is set and not success (per the API's own code), is an
// *Error; callers check business codes the API returns with HTTP 200.
func (c *Client) Call(ctx context.Context, host, action, version string, params map[string]string, resp any) error {
	nonce, err := newNonce()
	if err != nil {
		return &Error{Action: action, Err: err}
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	q := map[string]string{
		"Format": "JSON", "Version": version, "AccessKeyId": c.AccessKeyID, "SignatureMethod": "HMAC-SHA1",
		"Timestamp": now().UTC().Format("2006-01-02T15:04:05Z"), "SignatureVersion": "1.0", "SignatureNonce": nonce,
		"Action": action,
	}
	for k, v := range params {
		q[k] = v
	}
	q["Signature"] = Sign(c.AccessKeySecret, http.MethodGet, q)
	base := c.Endpoint
	if base == "" {
		base = "https://" + host + "/"
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return &Error{Action: action, Err: fmt.Errorf("bad endpoint %q", base)}
	}
	u.RawQuery = Canonicalize(q)
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return &Error{Action: action, Err: errors.New("cannot build the request")}
	}
	hc := c.HTTP
	if hc == nil {
		timeout := c.Timeout
		if timeout == 0 {
			timeout = 10 * time.Second
		}
		hc = &http.Client{Timeout: timeout}
	}
	res, err := hc.Do(hr)
	if err != nil {
		// The URL holds the parameters (a phone, an ID number): drop it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = fmt.Errorf("%s: %w", ue.Op, ue.Err)
		}
		return &Error{Action: action, Err: err}
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return &Error{Action: action, Status: res.StatusCode, Err: err}
	}
	return ParseResponse(action, res.StatusCode, body, resp)
}

// ParseResponse reads an RPC answer: on an HTTP error status the body is
// {"Code","Message","RequestId"}; on 200 it is decoded into resp.
func ParseResponse(action string, status int, body []byte, resp any) error {
	var head struct {
		Code      string
		Message   string
		RequestID string `json:"RequestId"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return &Error{Action: action, Status: status, Err: fmt.Errorf("HTTP %d: not a JSON answer", status)}
	}
	if status != http.StatusOK {
		code := head.Code
		if code == "" {
			return &Error{Action: action, Status: status, RequestID: head.RequestID, Err: fmt.Errorf("HTTP %d", status)}
		}
		return &Error{Action: action, Code: code, Message: head.Message, RequestID: head.RequestID, Status: status}
	}
	if resp != nil {
		if err := json.Unmarshal(body, resp); err != nil {
			return &Error{Action: action, Status: status, RequestID: head.RequestID, Err: err}
		}
	}
	return nil
}

// Sign returns the Signature of the parameters (Signature itself excluded).
func Sign(secret, method string, params map[string]string) string {
	m := hmac.New(sha1.New, []byte(secret+"&"))
	m.Write([]byte(StringToSign(method, params)))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// StringToSign is method&%2F&percentEncode(canonicalized query).
func StringToSign(method string, params map[string]string) string {
	return method + "&" + PercentEncode("/") + "&" + PercentEncode(Canonicalize(without(params, "Signature")))
}

// Canonicalize sorts the parameters by name and joins them as
// name=value&…, both percent-encoded.
func Canonicalize(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(PercentEncode(k) + "=" + PercentEncode(params[k]))
	}
	return b.String()
}

// PercentEncode encodes as RFC 3986 requires: every byte but A–Z a–z 0–9
// - _ . ~ as %XY with upper-case hex (so a space is %20, * is %2A).
func PercentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

func without(m map[string]string, key string) map[string]string {
	if _, ok := m[key]; !ok {
		return m
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

func newNonce() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
