package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
)

// The official account's endpoints.
const (
	DefaultAPIURL   = "https://api.weixin.qq.com"
	DefaultOAuthURL = "https://open.weixin.qq.com"
)

// maxAnswer bounds what is read of an answer; real ones are a few hundred
// bytes.
const maxAnswer = 64 << 10

// The error codes of the official account's API that the client acts on.
const (
	CodeInvalidCredential = 40001 // access_token invalid (or AppSecret wrong for /cgi-bin/token)
	CodeInvalidAppSecret  = 40125 // AppSecret wrong
	CodeInvalidCode       = 40029 // OAuth code invalid
	CodeCodeUsed          = 40163 // OAuth code already used
	CodeTokenExpired      = 42001 // access_token expired
	CodeRateLimited       = 45009 // daily quota reached
	CodeBusy              = -1    // system busy: try again
)

// APIError is an error answer of the official account's API: its errcode
// and errmsg. It never holds the request (the secret, the code).
type APIError struct {
	Code    int
	Message string
}

func (e *APIError) Error() string { return fmt.Sprintf("wechat: errcode %d: %s", e.Code, e.Message) }

// tokenInvalid reports whether err says the access_token used is no longer
// good (40001, 42001, 40014), so one refresh is due.
func tokenInvalid(err error) bool {
	var e *APIError
	return errors.As(err, &e) && (e.Code == CodeInvalidCredential || e.Code == CodeTokenExpired || e.Code == 40014)
}

// busy reports whether err is WeChat's "system busy, try again" (-1).
func busy(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.Code == CodeBusy
}

// Client speaks to the official account's API. It is safe for concurrent
// use and keeps nothing: caching is Service's.
type Client struct {
	AppID, Secret string
	// APIURL and OAuthURL default to DefaultAPIURL and DefaultOAuthURL.
	APIURL, OAuthURL string
	// HTTP defaults to a client with a 10-second timeout.
	HTTP *http.Client
}

// String shows the client without its secret.
func (c *Client) String() string {
	return fmt.Sprintf("wechat.Client{AppID:%s Secret:[redacted] APIURL:%s OAuthURL:%s}", c.AppID, c.APIURL, c.OAuthURL)
}

func (c *Client) apiURL() string   { return strings.TrimRight(or(c.APIURL, DefaultAPIURL), "/") }
func (c *Client) oauthURL() string { return strings.TrimRight(or(c.OAuthURL, DefaultOAuthURL), "/") }

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// AuthorizeURL is where a browser is sent for a silent openid
// (snsapi_base): WeChat sends it back to redirectURI with ?code=…&state=….
func (c *Client) AuthorizeURL(redirectURI, state string) string {
	// The parameters in the documented order: WeChat's page is known to
	// be particular about it, and the fragment must end the address.
	return c.oauthURL() + "/connect/oauth2/authorize?appid=" + url.QueryEscape(c.AppID) +
		"&redirect_uri=" + url.QueryEscape(redirectURI) + "&response_type=code&scope=snsapi_base&state=" +
		url.QueryEscape(state) + "#wechat_redirect"
}

// ExchangeCode exchanges an OAuth code for the payer's openid
// (/sns/oauth2/access_token). A code works once (40163) and for five
// minutes.
func (c *Client) ExchangeCode(ctx context.Context, code string) (string, error) {
	var out struct {
		OpenID string `json:"openid"`
	}
	q := url.Values{"appid": {c.AppID}, "secret": {c.Secret}, "code": {code}, "grant_type": {"authorization_code"}}
	if err := c.get(ctx, "/sns/oauth2/access_token", q, &out); err != nil {
		return "", err
	}
	if out.OpenID == "" || len(out.OpenID) > 128 {
		return "", fmt.Errorf("wechat: oauth answer without a usable openid: %w", errMalformed)
	}
	return out.OpenID, nil
}

// AccessToken asks for the official account's access_token
// (/cgi-bin/token, client_credential) and how long it lasts.
func (c *Client) AccessToken(ctx context.Context) (string, time.Duration, error) {
	var out struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	q := url.Values{"grant_type": {"client_credential"}, "appid": {c.AppID}, "secret": {c.Secret}}
	err := c.get(ctx, "/cgi-bin/token", q, &out)
	if busy(err) {
		// "System busy": WeChat asks to try again; once, at once.
		err = c.get(ctx, "/cgi-bin/token", q, &out)
	}
	if err != nil {
		return "", 0, err
	}
	if out.AccessToken == "" || out.ExpiresIn <= 0 {
		return "", 0, fmt.Errorf("wechat: token answer without access_token: %w", errMalformed)
	}
	return out.AccessToken, time.Duration(out.ExpiresIn) * time.Second, nil
}

// JSAPITicket asks for the JS-SDK's jsapi_ticket with an access_token
// (/cgi-bin/ticket/getticket?type=jsapi).
func (c *Client) JSAPITicket(ctx context.Context, accessToken string) (string, time.Duration, error) {
	var out struct {
		Ticket    string `json:"ticket"`
		ExpiresIn int64  `json:"expires_in"`
	}
	q := url.Values{"access_token": {accessToken}, "type": {"jsapi"}}
	err := c.get(ctx, "/cgi-bin/ticket/getticket", q, &out)
	if busy(err) {
		err = c.get(ctx, "/cgi-bin/ticket/getticket", q, &out)
	}
	if err != nil {
		return "", 0, err
	}
	if out.Ticket == "" || out.ExpiresIn <= 0 {
		return "", 0, fmt.Errorf("wechat: ticket answer without ticket: %w", errMalformed)
	}
	return out.Ticket, time.Duration(out.ExpiresIn) * time.Second, nil
}

var errMalformed = apperr.New(apperr.Unavailable, "wechat.malformed")

// get calls the API and decodes its answer. Failures to reach WeChat and
// its 5xx are apperr.Unavailable; an answer with a non-zero errcode is
// *APIError.
func (c *Client) get(ctx context.Context, path string, q url.Values, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.apiURL()+path+"?"+q.Encode(), nil)
	if err != nil {
		return fmt.Errorf("wechat: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		// The error holds the URL, and the URL the secret or code: say
		// only the path.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return apperr.Wrap(fmt.Errorf("wechat: GET %s: %w", path, err), apperr.Unavailable, "wechat.unavailable")
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil || resp.StatusCode >= 500 {
		return apperr.Wrap(fmt.Errorf("wechat: GET %s: HTTP %d %v", path, resp.StatusCode, err), apperr.Unavailable, "wechat.unavailable")
	}
	if err := ParseAnswer(data, out); err != nil {
		return fmt.Errorf("wechat: GET %s: %w", path, err)
	}
	return nil
}

// ParseAnswer decodes an answer of the official account's API into out:
// an *APIError when it carries a non-zero errcode (answers come as HTTP
// 200 either way), a malformed error when it is not a JSON object.
func ParseAnswer(data []byte, out any) error {
	if len(data) > maxAnswer {
		return errMalformed
	}
	var e struct {
		ErrCode *int   `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(data, &e); err != nil {
		return errMalformed
	}
	if e.ErrCode != nil && *e.ErrCode != 0 {
		msg := e.ErrMsg
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return &APIError{Code: *e.ErrCode, Message: msg}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return errMalformed
		}
	}
	return nil
}
