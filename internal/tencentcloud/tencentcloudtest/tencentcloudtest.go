// Package tencentcloudtest is a local stand-in for Tencent Cloud API 3.0, for
// tests: it verifies each request's TC3-HMAC-SHA256 signature exactly as the
// provider does (AuthFailure.SignatureFailure, AuthFailure.SignatureExpire
// beyond five minutes of skew, AuthFailure.SecretIdNotFound), and implements
// SMS SendSms (recording the codes sent) and FaceID IdCardVerification (a
// table of known people), with the provider's habits: HTTP 200 with
// Response.Error, throttling, per-number daily limits, and a reply that never
// comes until the caller gives up.
package tencentcloudtest

import (
	"crypto/hmac"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/cloudfake"
	"github.com/carefund/carefund/internal/tencentcloud"
)

// The key pair the fake accepts.
const (
	SecretID  = "AKIDcarefundtest0000000000000000"
	SecretKey = "carefund-test-secret-key-0000000"
)

// SMS settings the fake accepts; others are "not approved".
const (
	AppID    = "1400000001"
	SignName = "善助平台"
	Template = "100001"
)

// DailyLimit is how many messages one number may receive in a day.
const DailyLimit = 10

// Message is one text message the fake "sent".
type Message struct {
	Phone    string // as sent: +86…
	Template string
	Params   []string
}

// Server is the fake.
type Server struct {
	*httptest.Server
	// CertPEM is the TLS certificate (NewTLS), for SSL_CERT_FILE of a child
	// process.
	CertPEM []byte
	// Now is the provider's clock; nil: time.Now.
	Now func() time.Time

	cloudfake.Habits[Message]
}

// New starts a fake over plain HTTP; it is closed when the test ends.
func New(t testing.TB) *Server { return start(t, false) }

// NewTLS starts a fake over HTTPS with its own certificate (CertPEM).
func NewTLS(t testing.TB) *Server { return start(t, true) }

func start(t testing.TB, tls bool) *Server {
	s := &Server{}
	s.Server, s.CertPEM = cloudfake.Start(t, s, tls)
	return s
}

// Client returns an API client configured for the fake.
func (s *Server) Client() *tencentcloud.Client {
	return &tencentcloud.Client{SecretID: SecretID, SecretKey: SecretKey, Region: "ap-guangzhou",
		Endpoint: s.URL + "/", HTTP: s.Server.Client()}
}

// LastCode returns the code last sent to the 11-digit number phone.
func (s *Server) LastCode(phone string) (string, bool) {
	sent := s.Sent()
	for i := len(sent) - 1; i >= 0; i-- {
		if sent[i].Phone == "+86"+phone && len(sent[i].Params) > 0 {
			return sent[i].Params[0], true
		}
	}
	return "", false
}

var services = map[string]string{"SendSms": "sms", "IdCardVerification": "faceid"}

var credential = regexp.MustCompile(`^TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/([a-z]+)/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$`)

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := fmt.Sprintf("fake-%d", time.Now().UnixNano())
	answer := func(v map[string]any) {
		v["RequestId"] = requestID
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"Response": v})
	}
	fail := func(code, msg string) {
		answer(map[string]any{"Error": map[string]string{"Code": code, "Message": msg}})
	}
	if r.Method != http.MethodPost {
		fail("InvalidParameter", "only POST is used in this fake")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return
	}
	action := r.Header.Get("X-TC-Action")
	if code, msg := s.verify(r, action, body); code != "" {
		fail(code, msg)
		return
	}
	if stall, forced := s.Next(action); stall {
		<-r.Context().Done()
		return
	} else if forced != "" {
		fail(forced, "forced by the test")
		return
	}
	switch action {
	case "SendSms":
		s.sendSMS(body, answer, fail)
	case "IdCardVerification":
		s.idCard(body, answer, fail)
	default:
		fail("InvalidAction", "the fake does not implement "+action)
	}
}

// verify checks the signature as the provider does.
func (s *Server) verify(r *http.Request, action string, body []byte) (code, msg string) {
	for _, h := range []string{"X-TC-Action", "X-TC-Version", "X-TC-Timestamp", "Authorization"} {
		if r.Header.Get(h) == "" {
			return "MissingParameter", "missing header " + h
		}
	}
	m := credential.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		return "AuthFailure.InvalidAuthorization", "Authorization is not TC3-HMAC-SHA256"
	}
	id, date, service, signed, sig := m[1], m[2], m[3], m[4], m[5]
	if id != SecretID {
		return "AuthFailure.SecretIdNotFound", "the SecretId is not found"
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil {
		return "InvalidParameter", "bad X-TC-Timestamp"
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	if d := now().Unix() - ts; d > 300 || d < -300 {
		return "AuthFailure.SignatureExpire", "the signature expired: the timestamp is more than five minutes off"
	}
	if want := services[action]; want != "" && service != want {
		return "AuthFailure.SignatureFailure", "the credential scope names another service"
	}
	if date != time.Unix(ts, 0).UTC().Format("2006-01-02") {
		return "AuthFailure.SignatureFailure", "the credential date is not the timestamp's UTC date"
	}
	if !strings.Contains(";"+signed+";", ";content-type;") || !strings.Contains(";"+signed+";", ";host;") {
		return "AuthFailure.SignatureFailure", "content-type and host must be signed"
	}
	// Recompute over what was actually sent.
	if signed != "content-type;host" || r.Header.Get("Content-Type") != tencentcloud.ContentType {
		// The client signs only these two with this value: anything
		// else is a different request than the one signed.
		return "AuthFailure.SignatureFailure", "the signature does not match the request"
	}
	want := tencentcloud.Signature(SecretKey, service, r.Host, ts, body)
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return "AuthFailure.SignatureFailure", "the signature does not match the request"
	}
	return "", ""
}

var e164 = regexp.MustCompile(`^\+861[3-9]\d{9}$`)

func (s *Server) sendSMS(body []byte, answer func(map[string]any), fail func(string, string)) {
	var req struct {
		PhoneNumberSet   []string
		SmsSdkAppId      string
		SignName         string
		TemplateId       string
		TemplateParamSet []string
	}
	if err := json.Unmarshal(body, &req); err != nil {
		fail("InvalidParameter", "the body is not JSON")
		return
	}
	switch {
	case req.SmsSdkAppId != AppID:
		fail("InvalidParameterValue.SdkAppIdNotExist", "SmsSdkAppId does not exist")
		return
	case req.SignName != SignName:
		fail("FailedOperation.SignatureIncorrectOrUnapproved", "the signature is not approved")
		return
	case req.TemplateId != Template:
		fail("FailedOperation.TemplateIncorrectOrUnapproved", "the template is not approved")
		return
	case len(req.PhoneNumberSet) == 0:
		fail("MissingParameter", "PhoneNumberSet is empty")
		return
	}
	if s.UsedUp() {
		fail("FailedOperation.InsufficientBalanceInSmsPackage", "the SMS package is used up")
		return
	}
	var status []map[string]any
	for _, p := range req.PhoneNumberSet {
		st := map[string]any{"PhoneNumber": p, "SerialNo": "", "Fee": 0, "Code": "Ok", "Message": "send success", "IsoCode": "CN"}
		if !e164.MatchString(p) {
			st["Code"], st["Message"] = "InvalidParameterValue.IncorrectPhoneNumber", "the phone number is wrong"
			status = append(status, st)
			continue
		}
		m := Message{Phone: p, Template: req.TemplateId, Params: req.TemplateParamSet}
		switch outcome, total := s.Send(p, m, DailyLimit, func(m Message) string { return m.Phone }); outcome {
		case cloudfake.NoBalance:
			// The package ran out part way: the rest are not sent.
			st["Code"], st["Message"] = "FailedOperation.InsufficientBalanceInSmsPackage", "the SMS package is used up"
		case cloudfake.DailyLimit:
			st["Code"], st["Message"] = "LimitExceeded.PhoneNumberDailyLimit", "the number reached its daily limit"
		default:
			st["Fee"], st["SerialNo"] = 1, fmt.Sprintf("serial-%d", total)
		}
		status = append(status, st)
	}
	answer(map[string]any{"SendStatusSet": status})
}

func (s *Server) idCard(body []byte, answer func(map[string]any), fail func(string, string)) {
	var req struct{ IdCard, Name string }
	if err := json.Unmarshal(body, &req); err != nil || req.IdCard == "" || req.Name == "" {
		fail("InvalidParameter", "IdCard and Name are required")
		return
	}
	name, known, none := s.Person(req.IdCard)
	result, desc := "-1", "姓名和身份证号不一致"
	switch {
	case len(req.IdCard) != 18:
		result, desc = "-2", "非法身份证号"
	case none:
		result, desc = "-5", "证件库中无此身份证记录"
	case known && name == req.Name:
		result, desc = "0", "姓名和身份证号一致"
	}
	answer(map[string]any{"Result": result, "Description": desc})
}
