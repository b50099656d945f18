// Package tencentcloud calls Tencent Cloud API 3.0 with the standard library
// only, signing each request with TC3-HMAC-SHA256 as the published spec
// ("Signature v3") describes: a JSON POST whose canonical request covers the
// content-type and host headers and the payload's SHA-256, a string to sign
// over the UTC date/service scope, and a key derived from "TC3"+SecretKey
// through the date, the service and "tc3_request".
//
// The client never logs: its errors carry the provider's error code and
// request id, never the request body (which may hold a phone or an ID
// number) nor the secret.
package tencentcloud

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ContentType is the content type every request is sent and signed with.
const ContentType = "application/json; charset=utf-8"

// Algorithm names the signature method in the Authorization header.
const Algorithm = "TC3-HMAC-SHA256"

// Client calls the API with one key pair.
type Client struct {
	SecretID  string
	SecretKey string
	Region    string // X-TC-Region, e.g. ap-guangzhou; empty: not sent
	// Endpoint overrides https://<service>.tencentcloudapi.com, for a local
	// fake; the host header signed is the override's host.
	Endpoint string
	// HTTP is the client requests go through; nil: one with Timeout.
	HTTP *http.Client
	// Timeout bounds one call when HTTP is nil; 0: 10 seconds.
	Timeout time.Duration
	// Now is the clock the timestamp is taken from; nil: time.Now.
	Now func() time.Time
}

// Error is an error the API answered with (Response.Error), or a failure to
// reach it (Code empty, Err set).
type Error struct {
	Action    string
	Code      string // e.g. AuthFailure.SignatureFailure, LimitExceeded
	Message   string // the provider's words: may quote the request, so never logged by callers
	RequestID string
	Status    int   // HTTP status
	Err       error // a transport or decoding failure
}

func (e *Error) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("tencentcloud %s: %v", e.Action, e.Err)
	}
	// The message is left out: it may quote a phone or an ID number.
	return fmt.Sprintf("tencentcloud %s: %s (request %s)", e.Action, e.Code, e.RequestID)
}

func (e *Error) Unwrap() error { return e.Err }

// Temporary reports whether the call may succeed if made again later: a
// transport failure, throttling, or the provider's internal error.
func (e *Error) Temporary() bool {
	if e.Code == "" {
		return true
	}
	return strings.HasPrefix(e.Code, "RequestLimitExceeded") || strings.HasPrefix(e.Code, "InternalError") ||
		e.Code == "ResourceUnavailable" || strings.HasPrefix(e.Code, "FailedOperation.ServiceUnavailable") ||
		e.Code == "LimitExceeded"
}

// Endpoint returns the URL calls to service go to.
func (c *Client) endpoint(service string) string {
	if c.Endpoint != "" {
		return c.Endpoint
	}
	return "https://" + service + ".tencentcloudapi.com/"
}

// Call posts req as JSON to action of service at version and decodes the
// "Response" object into resp. A Response.Error becomes an *Error.
func (c *Client) Call(ctx context.Context, service, action, version string, req, resp any) error {
	payload, err := json.Marshal(req)
	if err != nil {
		return &Error{Action: action, Err: err}
	}
	u, err := url.Parse(c.endpoint(service))
	if err != nil || u.Host == "" {
		return &Error{Action: action, Err: fmt.Errorf("bad endpoint %q", c.endpoint(service))}
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	ts := now().Unix()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(payload))
	if err != nil {
		return &Error{Action: action, Err: err}
	}
	hr.Header.Set("Content-Type", ContentType)
	hr.Header.Set("X-TC-Action", action)
	hr.Header.Set("X-TC-Version", version)
	hr.Header.Set("X-TC-Timestamp", strconv.FormatInt(ts, 10))
	if c.Region != "" {
		hr.Header.Set("X-TC-Region", c.Region)
	}
	hr.Header.Set("Authorization", Authorization(c.SecretID, c.SecretKey, service, u.Host, ts, payload))
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
		return &Error{Action: action, Err: redactURL(err)}
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return &Error{Action: action, Status: res.StatusCode, Err: err}
	}
	return decode(action, res.StatusCode, body, resp)
}

// decode reads the API's answer: {"Response": {..., "Error": {...}, "RequestId": ...}}.
func decode(action string, status int, body []byte, resp any) error {
	var env struct {
		Response json.RawMessage
	}
	if err := json.Unmarshal(body, &env); err != nil || len(env.Response) == 0 {
		return &Error{Action: action, Status: status, Err: fmt.Errorf("HTTP %d: not an API 3.0 answer", status)}
	}
	var head struct {
		Error *struct {
			Code    string
			Message string
		}
		RequestID string `json:"RequestId"`
	}
	if err := json.Unmarshal(env.Response, &head); err != nil {
		return &Error{Action: action, Status: status, Err: fmt.Errorf("HTTP %d: %w", status, err)}
	}
	if head.Error != nil {
		code := head.Error.Code
		if code == "" {
			code = "UnknownError"
		}
		return &Error{Action: action, Code: code, Message: head.Error.Message, RequestID: head.RequestID, Status: status}
	}
	if status != http.StatusOK {
		return &Error{Action: action, Status: status, Err: fmt.Errorf("HTTP %d", status)}
	}
	if resp != nil {
		if err := json.Unmarshal(env.Response, resp); err != nil {
			return &Error{Action: action, Status: status, RequestID: head.RequestID, Err: err}
		}
	}
	return nil
}

// ParseResponse decodes an API answer as Call does; it is the parser the fuzz
// target exercises.
func ParseResponse(action string, status int, body []byte, resp any) error {
	return decode(action, status, body, resp)
}

// redactURL drops the URL from a transport error: it is the endpoint only,
// but keeping errors short keeps logs readable.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// Authorization returns the Authorization header of a request to service
// at host, sent at ts (Unix seconds) with payload.
func Authorization(secretID, secretKey, service, host string, ts int64, payload []byte) string {
	date := time.Unix(ts, 0).UTC().Format("2006-01-02")
	scope := date + "/" + service + "/tc3_request"
	return Algorithm + " Credential=" + secretID + "/" + scope + ", SignedHeaders=content-type;host, Signature=" +
		Signature(secretKey, service, host, ts, payload)
}

// Signature returns the hex signature of a request, per the spec's steps.
func Signature(secretKey, service, host string, ts int64, payload []byte) string {
	date := time.Unix(ts, 0).UTC().Format("2006-01-02")
	sts := StringToSign(service, host, ts, payload)
	key := hmacSHA256(hmacSHA256(hmacSHA256([]byte("TC3"+secretKey), date), service), "tc3_request")
	return hex.EncodeToString(hmacSHA256(key, sts))
}

// CanonicalRequest is step 1 of the spec for a JSON POST to "/".
func CanonicalRequest(host string, payload []byte) string {
	sum := sha256.Sum256(payload)
	return "POST\n/\n\n" +
		"content-type:" + ContentType + "\nhost:" + strings.ToLower(host) + "\n\n" +
		"content-type;host\n" + hex.EncodeToString(sum[:])
}

// StringToSign is step 2 of the spec.
func StringToSign(service, host string, ts int64, payload []byte) string {
	date := time.Unix(ts, 0).UTC().Format("2006-01-02")
	sum := sha256.Sum256([]byte(CanonicalRequest(host, payload)))
	return Algorithm + "\n" + strconv.FormatInt(ts, 10) + "\n" + date + "/" + service + "/tc3_request\n" + hex.EncodeToString(sum[:])
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
