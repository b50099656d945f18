package sms_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/aliyun/aliyuntest"
	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/sms"
	"github.com/carefund/carefund/internal/tencentcloud/tencentcloudtest"
)

const phone = "13800138000"

type sender interface {
	Send(ctx context.Context, phone, code string) error
}

// TestSMSTencent sends codes end to end through the Tencent fake, which
// checks the signature, and maps its refusals.
func TestSMSTencent(t *testing.T) {
	f := tencentcloudtest.New(t)
	s := &sms.Tencent{Client: f.Client(), AppID: tencentcloudtest.AppID, SignName: tencentcloudtest.SignName, Template: tencentcloudtest.Template}
	if err := s.Send(context.Background(), phone, "123456"); err != nil {
		t.Fatal(err)
	}
	if code, ok := f.LastCode(phone); !ok || code != "123456" {
		t.Fatalf("fake received %q, %v", code, ok)
	}
	refusals(t, s, func(k string) { f.FailNext(k) }, map[string]apperr.Code{
		"FailedOperation.SignatureIncorrectOrUnapproved":  apperr.Unavailable,
		"FailedOperation.InsufficientBalanceInSmsPackage": apperr.Unavailable,
		"AuthFailure.SignatureFailure":                    apperr.Unavailable,
		"RequestLimitExceeded":                            apperr.Unavailable,
	})
	// Per-number answers: the daily limit, a wrong number.
	for range tencentcloudtest.DailyLimit {
		s.Send(context.Background(), "13900139000", "111111")
	}
	wantRefusal(t, s.Send(context.Background(), "13900139000", "111111"), apperr.RateLimited, "sms.daily_limit", "13900139000")
	wantRefusal(t, s.Send(context.Background(), "10000000000", "111111"), apperr.Invalid, "sms.bad_number", "10000000000")
	bad := *s
	bad.Template = "999"
	wantRefusal(t, bad.Send(context.Background(), phone, "111111"), apperr.Unavailable, "signin.sms_failed", phone)
}

// TestSMSAliyun does the same through the Alibaba Cloud fake.
func TestSMSAliyun(t *testing.T) {
	f := aliyuntest.NewTLS(t)
	s := &sms.Aliyun{Client: f.Client(), SignName: aliyuntest.SignName, Template: aliyuntest.Template}
	if err := s.Send(context.Background(), phone, "654321"); err != nil {
		t.Fatal(err)
	}
	if code, ok := f.LastCode(phone); !ok || code != "654321" {
		t.Fatalf("fake received %q, %v", code, ok)
	}
	refusals(t, s, func(k string) { f.FailNext(k) }, map[string]apperr.Code{
		"isv.AMOUNT_NOT_ENOUGH":      apperr.Unavailable,
		"isv.BUSINESS_LIMIT_CONTROL": apperr.RateLimited,
		"Throttling":                 apperr.Unavailable,
		"SignatureDoesNotMatch":      apperr.Unavailable,
	})
	wantRefusal(t, s.Send(context.Background(), "1380013800", "111111"), apperr.Invalid, "sms.bad_number", "1380013800")
	bad := *s
	bad.SignName = "别的签名"
	wantRefusal(t, bad.Send(context.Background(), phone, "111111"), apperr.Unavailable, "signin.sms_failed", phone)
}

func refusals(t *testing.T, s sender, failNext func(string), want map[string]apperr.Code) {
	t.Helper()
	for code, c := range want {
		failNext(code)
		err := s.Send(context.Background(), phone, "222222")
		if apperr.CodeOf(err) != c {
			t.Errorf("%s: %v, want %s", code, err, c)
		}
		if err != nil && !strings.Contains(err.Error(), code) {
			t.Errorf("%s: the log line %q does not name the provider's code", code, err)
		}
		if err != nil && strings.Contains(err.Error(), phone) {
			t.Errorf("%s: the error quotes the phone: %v", code, err)
		}
	}
}

func wantRefusal(t *testing.T, err error, code apperr.Code, key, number string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != code || e.Key != key {
		t.Errorf("got %v, want %s %s", err, code, key)
		return
	}
	if strings.Contains(err.Error(), number) {
		t.Errorf("the error quotes the phone: %v", err)
	}
	if code != apperr.Unavailable && (len(e.Fields) != 1 || e.Fields[0].Field != "phone") {
		t.Errorf("%s: the message is not next to the phone field: %+v", key, e.Fields)
	}
}

// TestSMSErrorTable checks the mapping table itself.
func TestSMSErrorTable(t *testing.T) {
	for _, c := range []struct {
		provider, code string
		want           sms.Kind
	}{
		{"tencent", "LimitExceeded.PhoneNumberDailyLimit", sms.DailyLimit},
		{"tencent", "InvalidParameterValue.IncorrectPhoneNumber", sms.BadNumber},
		{"tencent", "FailedOperation.TemplateIncorrectOrUnapproved", sms.Misconfig},
		{"tencent", "FailedOperation.InsufficientBalanceInSmsPackage", sms.Misconfig},
		{"tencent", "AuthFailure.SecretIdNotFound", sms.Misconfig},
		{"tencent", "InternalError.Timeout", sms.Retry},
		{"aliyun", "isv.BUSINESS_LIMIT_CONTROL", sms.DailyLimit},
		{"aliyun", "isv.MOBILE_NUMBER_ILLEGAL", sms.BadNumber},
		{"aliyun", "isv.SMS_SIGNATURE_ILLEGAL", sms.Misconfig},
		{"aliyun", "isv.AMOUNT_NOT_ENOUGH", sms.Misconfig},
		{"aliyun", "InvalidAccessKeyId.NotFound", sms.Misconfig},
		{"aliyun", "Throttling", sms.Retry},
	} {
		if got := sms.KindOf(c.provider, c.code); got != c.want {
			t.Errorf("%s %s: %d, want %d", c.provider, c.code, got, c.want)
		}
	}
}
