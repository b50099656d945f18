// Package aliyuntest is a local stand-in for Alibaba Cloud's RPC APIs, for
// tests: it verifies each request's signature exactly as the provider does
// (SignatureDoesNotMatch, SignatureNonceUsed on a replayed nonce,
// InvalidTimeStamp.Expired beyond 15 minutes of skew, InvalidAccessKeyId.NotFound),
// and implements Dysmsapi SendSms (recording the codes sent) and Cloudauth
// Id2MetaVerify (a table of known people), with the provider's habits:
// business errors with HTTP 200 and a Code, throttling, and a reply that
// never comes until the caller gives up.
package aliyuntest

import (
	"crypto/hmac"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/aliyun"
)

// The key pair the fake accepts.
const (
	AccessKeyID     = "LTAIcarefundtest"
	AccessKeySecret = "carefund-test-access-key-secret"
)

// SMS settings the fake accepts.
const (
	SignName = "善助平台"
	Template = "SMS_100001"
)

// DailyLimit is how many messages one number may receive in a day.
const DailyLimit = 10

// Message is one text message the fake "sent".
type Message struct {
	Phone    string
	Template string
	Code     string // from TemplateParam {"code": …}
}

// Server is the fake.
type Server struct {
	*httptest.Server
	CertPEM []byte
	Now     func() time.Time

	mu       sync.Mutex
	nonces   map[string]bool
	sent     []Message
	people   map[string]string
	noRecord map[string]bool
	fail     []string
	stall    int
	calls    map[string]int
	balance  int
}

// New starts a fake over plain HTTP; it is closed when the test ends.
func New(t testing.TB) *Server {
	s := newServer()
	s.Server = httptest.NewServer(s)
	t.Cleanup(s.Close)
	return s
}

// NewTLS starts a fake over HTTPS with its own certificate (CertPEM).
func NewTLS(t testing.TB) *Server {
	s := newServer()
	s.Server = httptest.NewTLSServer(s)
	s.CertPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
	t.Cleanup(s.Close)
	return s
}

func newServer() *Server {
	return &Server{nonces: map[string]bool{}, people: map[string]string{}, noRecord: map[string]bool{},
		calls: map[string]int{}, balance: -1}
}

// Client returns an API client configured for the fake.
func (s *Server) Client() *aliyun.Client {
	return &aliyun.Client{AccessKeyID: AccessKeyID, AccessKeySecret: AccessKeySecret, Endpoint: s.URL + "/", HTTP: s.Server.Client()}
}

// AddPerson makes name and number a match for Id2MetaVerify.
func (s *Server) AddPerson(name, number string) { s.mu.Lock(); s.people[number] = name; s.mu.Unlock() }

// NoRecord makes the ID number unknown to the identity database.
func (s *Server) NoRecord(number string) { s.mu.Lock(); s.noRecord[number] = true; s.mu.Unlock() }

// FailNext answers the next request with the error code (HTTP 400, or 503
// for Throttling and ServiceUnavailable; SMS business codes with HTTP 200).
func (s *Server) FailNext(code string) { s.mu.Lock(); s.fail = append(s.fail, code); s.mu.Unlock() }

// StallNext leaves the next request unanswered until the caller gives up.
func (s *Server) StallNext() { s.mu.Lock(); s.stall++; s.mu.Unlock() }

// SetBalance sets how many messages the account can still pay for.
func (s *Server) SetBalance(n int) { s.mu.Lock(); s.balance = n; s.mu.Unlock() }

// Calls returns how many signed requests for action arrived.
func (s *Server) Calls(action string) int { s.mu.Lock(); defer s.mu.Unlock(); return s.calls[action] }

// Sent returns the messages sent, oldest first.
func (s *Server) Sent() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.sent...)
}

// LastCode returns the code last sent to phone.
func (s *Server) LastCode(phone string) (string, bool) {
	sent := s.Sent()
	for i := len(sent) - 1; i >= 0; i-- {
		if sent[i].Phone == phone {
			return sent[i].Code, true
		}
	}
	return "", false
}

var versions = map[string]string{"SendSms": "2017-05-25", "Id2MetaVerify": "2019-03-07"}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := fmt.Sprintf("FAKE-%d", time.Now().UnixNano())
	reply := func(status int, v map[string]any) {
		v["RequestId"] = requestID
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
	}
	fail := func(status int, code, msg string) {
		reply(status, map[string]any{"Code": code, "Message": msg})
	}
	q := map[string]string{}
	for k, v := range r.URL.Query() {
		if len(v) != 1 {
			fail(400, "InvalidParameter", "parameter "+k+" given twice")
			return
		}
		q[k] = v[0]
	}
	if status, code, msg := s.verify(r.Method, q); code != "" {
		fail(status, code, msg)
		return
	}
	action := q["Action"]
	s.mu.Lock()
	stall := s.stall > 0
	if stall {
		s.stall--
	}
	var forced string
	if len(s.fail) > 0 {
		forced, s.fail = s.fail[0], s.fail[1:]
	}
	s.calls[action]++
	s.mu.Unlock()
	if stall {
		<-r.Context().Done()
		return
	}
	if forced != "" {
		switch {
		case forced == "Throttling" || forced == "ServiceUnavailable":
			fail(503, forced, "forced by the test")
		case action == "SendSms" && len(forced) > 4 && forced[:4] == "isv.":
			fail(200, forced, "forced by the test")
		default:
			fail(400, forced, "forced by the test")
		}
		return
	}
	switch action {
	case "SendSms":
		s.sendSMS(q, reply)
	case "Id2MetaVerify":
		s.id2meta(q, reply, fail)
	default:
		fail(404, "InvalidAction.NotFound", "the fake does not implement "+action)
	}
}

func (s *Server) verify(method string, q map[string]string) (int, string, string) {
	for _, k := range []string{"Action", "Version", "AccessKeyId", "Signature", "SignatureMethod", "SignatureVersion",
		"SignatureNonce", "Timestamp", "Format"} {
		if q[k] == "" {
			return 400, "MissingParameter", "missing " + k
		}
	}
	if q["SignatureMethod"] != "HMAC-SHA1" || q["SignatureVersion"] != "1.0" {
		return 400, "InvalidParameter", "SignatureMethod must be HMAC-SHA1, SignatureVersion 1.0"
	}
	if want := versions[q["Action"]]; want != "" && q["Version"] != want {
		return 400, "InvalidVersion", "the version is not supported"
	}
	if q["AccessKeyId"] != AccessKeyID {
		return 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
	}
	ts, err := time.Parse("2006-01-02T15:04:05Z", q["Timestamp"])
	if err != nil {
		return 400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted."
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	if d := now().Sub(ts); d > 15*time.Minute || d < -15*time.Minute {
		return 400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."
	}
	want := aliyun.Sign(AccessKeySecret, method, q)
	if !hmac.Equal([]byte(want), []byte(q["Signature"])) {
		return 400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation."
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.nonces[q["SignatureNonce"]] {
		return 400, "SignatureNonceUsed", "Specified signature nonce was used already."
	}
	s.nonces[q["SignatureNonce"]] = true
	return 0, "", ""
}

var mobile = regexp.MustCompile(`^1[3-9]\d{9}$`)

func (s *Server) sendSMS(q map[string]string, reply func(int, map[string]any)) {
	biz := func(code, msg string) { reply(200, map[string]any{"Code": code, "Message": msg}) }
	var param struct {
		Code string `json:"code"`
	}
	switch {
	case q["SignName"] != SignName:
		biz("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
		return
	case q["TemplateCode"] != Template:
		biz("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
		return
	case !mobile.MatchString(q["PhoneNumbers"]):
		biz("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
		return
	case json.Unmarshal([]byte(q["TemplateParam"]), &param) != nil || param.Code == "":
		biz("isv.INVALID_JSON_PARAM", "JSON参数不合法")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.balance == 0 {
		biz("isv.AMOUNT_NOT_ENOUGH", "账户余额不足")
		return
	}
	n := 0
	for _, m := range s.sent {
		if m.Phone == q["PhoneNumbers"] {
			n++
		}
	}
	if n >= DailyLimit {
		biz("isv.BUSINESS_LIMIT_CONTROL", "触发天级流控Permits:10")
		return
	}
	s.sent = append(s.sent, Message{Phone: q["PhoneNumbers"], Template: q["TemplateCode"], Code: param.Code})
	if s.balance > 0 {
		s.balance--
	}
	reply(200, map[string]any{"Code": "OK", "Message": "OK", "BizId": fmt.Sprintf("biz-%d", len(s.sent))})
}

func (s *Server) id2meta(q map[string]string, reply func(int, map[string]any), fail func(int, string, string)) {
	if q["ParamType"] != "normal" || q["IdentifyNum"] == "" || q["UserName"] == "" {
		fail(400, "MissingParameter", "ParamType=normal, IdentifyNum and UserName are required")
		return
	}
	s.mu.Lock()
	name, known := s.people[q["IdentifyNum"]]
	none := s.noRecord[q["IdentifyNum"]]
	s.mu.Unlock()
	biz := "2"
	switch {
	case none:
		biz = "3"
	case known && name == q["UserName"]:
		biz = "1"
	}
	reply(200, map[string]any{"Code": "200", "Message": "success", "ResultObject": map[string]string{"BizCode": biz}})
}
