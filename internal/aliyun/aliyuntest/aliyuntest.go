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
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/aliyun"
	"github.com/carefund/carefund/internal/cloudfake"
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

	cloudfake.Habits[Message]

	mu     sync.Mutex
	nonces map[string]bool
}

// New starts a fake over plain HTTP; it is closed when the test ends.
func New(t testing.TB) *Server { return start(t, false) }

// NewTLS starts a fake over HTTPS with its own certificate (CertPEM).
func NewTLS(t testing.TB) *Server { return start(t, true) }

func start(t testing.TB, tls bool) *Server {
	s := &Server{nonces: map[string]bool{}}
	s.Server, s.CertPEM = cloudfake.Start(t, s, tls)
	return s
}

// Client returns an API client configured for the fake.
func (s *Server) Client() *aliyun.Client {
	return &aliyun.Client{AccessKeyID: AccessKeyID, AccessKeySecret: AccessKeySecret, Endpoint: s.URL + "/", HTTP: s.Server.Client()}
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
	if stall, forced := s.Next(action); stall {
		<-r.Context().Done()
		return
	} else if forced != "" {
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
	m := Message{Phone: q["PhoneNumbers"], Template: q["TemplateCode"], Code: param.Code}
	switch outcome, total := s.Send(m.Phone, m, DailyLimit, func(m Message) string { return m.Phone }); outcome {
	case cloudfake.NoBalance:
		biz("isv.AMOUNT_NOT_ENOUGH", "账户余额不足")
	case cloudfake.DailyLimit:
		biz("isv.BUSINESS_LIMIT_CONTROL", "触发天级流控Permits:10")
	default:
		reply(200, map[string]any{"Code": "OK", "Message": "OK", "BizId": fmt.Sprintf("biz-%d", total)})
	}
}

func (s *Server) id2meta(q map[string]string, reply func(int, map[string]any), fail func(int, string, string)) {
	if q["ParamType"] != "normal" || q["IdentifyNum"] == "" || q["UserName"] == "" {
		fail(400, "MissingParameter", "ParamType=normal, IdentifyNum and UserName are required")
		return
	}
	name, known, none := s.Person(q["IdentifyNum"])
	biz := "2"
	switch {
	case none:
		biz = "3"
	case known && name == q["UserName"]:
		biz = "1"
	}
	reply(200, map[string]any{"Code": "200", "Message": "success", "ResultObject": map[string]string{"BizCode": biz}})
}
