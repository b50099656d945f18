// Package wechattest is a fake of the WeChat official account's web API
// for tests: the silent OAuth2 web flow (authorize, then the code for the
// openid), the access_token and the JS-SDK's jsapi_ticket. It behaves with
// WeChat's habits: every answer is HTTP 200 with errcode/errmsg, a code
// works once (40163), a wrong AppSecret is 40125, an unknown access_token
// 40001 and an expired one 42001.
//
// It is written from the published documentation independently of
// package wechat, so a mistake in the client is not mirrored here. It can
// serve TLS, with its certificate written out for a child process
// (SSL_CERT_FILE).
package wechattest

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Options configure a Server; the zero value is usable.
type Options struct {
	AppID, Secret string
	// OpenID is the openid the authorize page gives every visitor;
	// empty means a random one.
	OpenID string
	// TLS serves https with a test certificate (see CertFile).
	TLS bool
	// TTL is the lifetime of tokens and tickets; zero means 7200 s.
	TTL time.Duration
}

// Server is a running fake official account API.
type Server struct {
	*httptest.Server
	AppID, Secret, OpenID string

	mu      sync.Mutex
	ttl     time.Duration
	codes   map[string]*code
	tokens  map[string]time.Time // access_token → expiry
	tickets map[string]time.Time // jsapi_ticket → expiry
	calls   map[string]int       // path → calls
	busy    int                  // the next busy calls of /cgi-bin/token answer -1
	quota   bool                 // /cgi-bin/token answers 45009
}

type code struct {
	openid string
	used   bool
	at     time.Time
}

// New starts a fake; it is closed when the test ends (tb may be nil, and
// then the caller closes it).
func New(tb testing.TB, opts Options) *Server {
	s := &Server{
		AppID:   or(opts.AppID, "wx2421b1c4370ec43b"),
		Secret:  or(opts.Secret, hex.EncodeToString(randomBytes(16))),
		OpenID:  or(opts.OpenID, "oUpF8u"+rand.Text()[:22]),
		ttl:     opts.TTL,
		codes:   map[string]*code{},
		tokens:  map[string]time.Time{},
		tickets: map[string]time.Time{},
		calls:   map[string]int{},
	}
	if s.ttl == 0 {
		s.ttl = 7200 * time.Second
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /connect/oauth2/authorize", s.authorize)
	mux.HandleFunc("GET /sns/oauth2/access_token", s.oauthToken)
	mux.HandleFunc("GET /cgi-bin/token", s.token)
	mux.HandleFunc("GET /cgi-bin/ticket/getticket", s.ticket)
	if opts.TLS {
		s.Server = httptest.NewTLSServer(mux)
	} else {
		s.Server = httptest.NewServer(mux)
	}
	if tb != nil {
		tb.Cleanup(s.Close)
	}
	return s
}

// CertPEM is the TLS server's certificate, PEM; nil without TLS.
func (s *Server) CertPEM() []byte {
	if s.Certificate() == nil || s.TLS == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
}

// WriteCertFile writes the certificate to path, for a child process to
// trust through SSL_CERT_FILE.
func (s *Server) WriteCertFile(path string) error {
	b := s.CertPEM()
	if b == nil {
		return fmt.Errorf("wechattest: not a TLS server")
	}
	return os.WriteFile(path, b, 0o644)
}

// Busy makes the next n calls for an access_token answer -1 ("system
// error, retry later"), as WeChat does under load.
func (s *Server) Busy(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.busy = n
}

// Quota makes every call for an access_token answer 45009 (the daily
// quota is used up) while on.
func (s *Server) Quota(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quota = on
}

// Calls is how many times path was called.
func (s *Server) Calls(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[path]
}

// Expire makes every access_token and ticket given so far expired, so
// the next use of a token is answered 42001.
func (s *Server) Expire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	past := time.Now().Add(-time.Second)
	for k := range s.tokens {
		s.tokens[k] = past
	}
	for k := range s.tickets {
		s.tickets[k] = past
	}
}

// Revoke forgets every access_token given so far, as WeChat does when a
// new one is asked for elsewhere: the next use is answered 40001.
func (s *Server) Revoke() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// Ticket reports whether t is a jsapi_ticket the fake gave and that has not
// expired.
func (s *Server) Ticket(t string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.tickets[t]
	return ok && time.Now().Before(exp)
}

// VerifySignature checks a wx.config signature as the JS-SDK does: the
// SHA-1 of jsapi_ticket, noncestr, timestamp and url (without "#…")
// joined as the documentation says, under one of the fake's live tickets.
func (s *Server) VerifySignature(nonce string, timestamp int64, pageURL, signature string) error {
	if i := strings.IndexByte(pageURL, '#'); i >= 0 {
		pageURL = pageURL[:i]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for t, exp := range s.tickets {
		if !time.Now().Before(exp) {
			continue
		}
		sum := sha1.Sum([]byte("jsapi_ticket=" + t + "&noncestr=" + nonce + "&timestamp=" + strconv.FormatInt(timestamp, 10) + "&url=" + pageURL))
		if hex.EncodeToString(sum[:]) == signature {
			return nil
		}
	}
	return fmt.Errorf("wechattest: invalid signature (config:invalid signature) for %s", pageURL)
}

func (s *Server) count(r *http.Request) {
	s.mu.Lock()
	s.calls[r.URL.Path]++
	s.mu.Unlock()
}

func answer(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, code int, msg string) {
	answer(w, map[string]any{"errcode": code, "errmsg": msg + " rid: " + hex.EncodeToString(randomBytes(6))})
}

// authorize stands for WeChat's authorize page with snsapi_base: silent,
// it sends the browser straight back to redirect_uri with a code and the
// state. A wrong appid or scope shows an error page, as WeChat does.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	s.count(r)
	q := r.URL.Query()
	if q.Get("appid") != s.AppID {
		http.Error(w, "appid 参数错误", http.StatusOK)
		return
	}
	if q.Get("response_type") != "code" || q.Get("scope") != "snsapi_base" {
		http.Error(w, "scope 参数错误或没有 scope 权限", http.StatusOK)
		return
	}
	to, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || (to.Scheme != "http" && to.Scheme != "https") || to.Host == "" {
		http.Error(w, "redirect_uri 参数错误", http.StatusOK)
		return
	}
	c := hex.EncodeToString(randomBytes(16))
	s.mu.Lock()
	s.codes[c] = &code{openid: s.OpenID, at: time.Now()}
	s.mu.Unlock()
	v := to.Query()
	v.Set("code", c)
	v.Set("state", q.Get("state"))
	to.RawQuery = v.Encode()
	http.Redirect(w, r, to.String(), http.StatusFound)
}

// oauthToken exchanges a code for the openid, once, within five minutes.
func (s *Server) oauthToken(w http.ResponseWriter, r *http.Request) {
	s.count(r)
	q := r.URL.Query()
	switch {
	case q.Get("appid") != s.AppID:
		fail(w, 40013, "invalid appid")
		return
	case q.Get("secret") != s.Secret:
		fail(w, 40125, "invalid appsecret")
		return
	case q.Get("grant_type") != "authorization_code":
		fail(w, 40002, "invalid grant_type")
		return
	}
	s.mu.Lock()
	c, ok := s.codes[q.Get("code")]
	var openid string
	switch {
	case !ok || time.Since(c.at) > 5*time.Minute:
		s.mu.Unlock()
		fail(w, 40029, "invalid code")
		return
	case c.used:
		s.mu.Unlock()
		fail(w, 40163, "code been used")
		return
	}
	c.used, openid = true, c.openid
	s.mu.Unlock()
	answer(w, map[string]any{"access_token": "oauth" + hex.EncodeToString(randomBytes(16)), "expires_in": 7200,
		"refresh_token": hex.EncodeToString(randomBytes(16)), "openid": openid, "scope": "snsapi_base"})
}

// token gives an access_token (client_credential).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.count(r)
	q := r.URL.Query()
	switch {
	case q.Get("grant_type") != "client_credential":
		fail(w, 40002, "invalid grant_type")
		return
	case q.Get("appid") != s.AppID:
		fail(w, 40013, "invalid appid")
		return
	case q.Get("secret") != s.Secret:
		fail(w, 40125, "invalid appsecret")
		return
	}
	s.mu.Lock()
	busy, quota := s.busy > 0, s.quota
	if busy {
		s.busy--
	}
	s.mu.Unlock()
	switch {
	case quota:
		fail(w, 45009, "reach max api daily quota limit")
		return
	case busy:
		fail(w, -1, "system error")
		return
	}
	t := "ACCESS" + hex.EncodeToString(randomBytes(24))
	s.mu.Lock()
	s.tokens[t] = time.Now().Add(s.ttl)
	s.mu.Unlock()
	answer(w, map[string]any{"access_token": t, "expires_in": int(s.ttl / time.Second)})
}

// ticket gives a jsapi_ticket for a live access_token.
func (s *Server) ticket(w http.ResponseWriter, r *http.Request) {
	s.count(r)
	q := r.URL.Query()
	s.mu.Lock()
	exp, ok := s.tokens[q.Get("access_token")]
	s.mu.Unlock()
	switch {
	case !ok:
		fail(w, 40001, "invalid credential, access_token is invalid or not latest")
		return
	case !time.Now().Before(exp):
		fail(w, 42001, "access_token expired")
		return
	case q.Get("type") != "jsapi":
		fail(w, 40097, "invalid args")
		return
	}
	t := "TICKET" + hex.EncodeToString(randomBytes(24))
	s.mu.Lock()
	s.tickets[t] = time.Now().Add(s.ttl)
	s.mu.Unlock()
	answer(w, map[string]any{"errcode": 0, "errmsg": "ok", "ticket": t, "expires_in": int(s.ttl / time.Second)})
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
