// Package sms sends sign-in codes through a real SMS gateway: Tencent Cloud
// SMS (SendSms, API 3.0, version 2021-01-11) or Alibaba Cloud SMS
// (Dysmsapi SendSms, version 2017-05-25). Both implement account.Sender.
//
// A provider's refusal becomes an *apperr.Error: the user's message (both
// languages) is the key, the cause (for the log) names the provider's code
// and request id, never the phone number nor the provider's own message.
package sms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/carefund/carefund/internal/aliyun"
	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/tencentcloud"
)

// Tencent sends through Tencent Cloud SMS.
type Tencent struct {
	Client   *tencentcloud.Client
	AppID    string // SmsSdkAppId
	SignName string // the approved signature (签名)
	Template string // the approved template id, with one parameter: the code
}

// Send implements account.Sender.
func (s *Tencent) Send(ctx context.Context, phone, code string) error {
	req := map[string]any{
		"PhoneNumberSet": []string{"+86" + phone}, "SmsSdkAppId": s.AppID, "SignName": s.SignName,
		"TemplateId": s.Template, "TemplateParamSet": []string{code},
	}
	var resp struct {
		SendStatusSet []struct{ Code string }
		RequestID     string `json:"RequestId"`
	}
	err := s.Client.Call(ctx, "sms", "SendSms", "2021-01-11", req, &resp)
	var te *tencentcloud.Error
	switch {
	case errors.As(err, &te):
		return refusal("tencent", te.Code, te.RequestID, te)
	case err != nil:
		return refusal("tencent", "", "", err)
	case len(resp.SendStatusSet) != 1:
		return refusal("tencent", "", resp.RequestID, fmt.Errorf("%d send statuses for one number", len(resp.SendStatusSet)))
	case resp.SendStatusSet[0].Code != "Ok":
		return refusal("tencent", resp.SendStatusSet[0].Code, resp.RequestID, nil)
	}
	return nil
}

// Aliyun sends through Alibaba Cloud SMS.
type Aliyun struct {
	Client   *aliyun.Client
	SignName string
	Template string // TemplateCode, SMS_…, with one variable ${code}
}

// Send implements account.Sender.
func (s *Aliyun) Send(ctx context.Context, phone, code string) error {
	param, _ := json.Marshal(map[string]string{"code": code})
	var resp struct {
		Code      string
		RequestID string `json:"RequestId"`
	}
	err := s.Client.Call(ctx, "dysmsapi.aliyuncs.com", "SendSms", "2017-05-25", map[string]string{
		"PhoneNumbers": phone, "SignName": s.SignName, "TemplateCode": s.Template, "TemplateParam": string(param),
	}, &resp)
	var ae *aliyun.Error
	switch {
	case errors.As(err, &ae):
		return refusal("aliyun", ae.Code, ae.RequestID, ae)
	case err != nil:
		return refusal("aliyun", "", "", err)
	case resp.Code != "OK":
		return refusal("aliyun", resp.Code, resp.RequestID, nil)
	}
	return nil
}

// Kind is what a provider's refusal means for the user.
type Kind int

// The kinds of refusal.
const (
	Retry      Kind = iota // a failure to reach the provider, throttling: try again shortly
	DailyLimit             // the number has had its day's messages
	BadNumber              // the number cannot receive messages
	Misconfig              // sign name, template, app id, credentials or balance: the platform's fault, staff must act
)

// tencentCodes and aliyunCodes map the providers' codes (per number or per
// request) to their meaning; an unknown code is Retry.
var tencentCodes = map[string]Kind{
	"LimitExceeded.PhoneNumberDailyLimit":                             DailyLimit,
	"LimitExceeded.PhoneNumberThirtySecondLimit":                      DailyLimit,
	"LimitExceeded.PhoneNumberOneHourLimit":                           DailyLimit,
	"LimitExceeded.PhoneNumberSameContentDailyLimit":                  DailyLimit,
	"LimitExceeded.DailyLimit":                                        Misconfig,
	"InvalidParameterValue.IncorrectPhoneNumber":                      BadNumber,
	"FailedOperation.PhoneNumberInBlacklist":                          BadNumber,
	"UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber": BadNumber,
	"FailedOperation.SignatureIncorrectOrUnapproved":                  Misconfig,
	"FailedOperation.TemplateIncorrectOrUnapproved":                   Misconfig,
	"FailedOperation.InsufficientBalanceInSmsPackage":                 Misconfig,
	"FailedOperation.MissingSignature":                                Misconfig,
	"FailedOperation.MissingTemplateToModify":                         Misconfig,
	"InvalidParameterValue.SdkAppIdNotExist":                          Misconfig,
	"InvalidParameterValue.TemplateParameterFormatError":              Misconfig,
	"UnauthorizedOperation.SmsSdkAppIdVerifyFail":                     Misconfig,
	"UnauthorizedOperation.IndividualUserMarketingSmsPermissionDeny":  Misconfig,
	"AuthFailure.SignatureFailure":                                    Misconfig,
	"AuthFailure.SecretIdNotFound":                                    Misconfig,
	"AuthFailure.UnauthorizedOperation":                               Misconfig,
}

var aliyunCodes = map[string]Kind{
	"isv.BUSINESS_LIMIT_CONTROL":      DailyLimit,
	"isv.DAY_LIMIT_CONTROL":           DailyLimit,
	"isv.MOBILE_NUMBER_ILLEGAL":       BadNumber,
	"isv.MOBILE_COUNT_OVER_LIMIT":     BadNumber,
	"isv.BLACK_KEY_CONTROL_LIMIT":     BadNumber,
	"isv.SMS_SIGNATURE_ILLEGAL":       Misconfig,
	"isv.SMS_TEMPLATE_ILLEGAL":        Misconfig,
	"isv.TEMPLATE_MISSING_PARAMETERS": Misconfig,
	"isv.INVALID_PARAMETERS":          Misconfig,
	"isv.INVALID_JSON_PARAM":          Misconfig,
	"isv.AMOUNT_NOT_ENOUGH":           Misconfig,
	"isv.OUT_OF_SERVICE":              Misconfig,
	"isv.ACCOUNT_NOT_EXISTS":          Misconfig,
	"isv.ACCOUNT_ABNORMAL":            Misconfig,
	"SignatureDoesNotMatch":           Misconfig,
	"InvalidAccessKeyId.NotFound":     Misconfig,
	"InvalidAccessKeyId.Inactive":     Misconfig,
	"Forbidden.RAM":                   Misconfig,
	"isp.RAM_PERMISSION_DENY":         Misconfig,
}

// KindOf returns what the provider's code means.
func KindOf(provider, code string) Kind {
	table := tencentCodes
	if provider == "aliyun" {
		table = aliyunCodes
	}
	return table[code]
}

// refusal builds the error for a provider's code: the user's message by
// kind, the cause for the log without the number.
func refusal(provider, code, requestID string, cause error) error {
	reason := fmt.Errorf("sms %s refused: code %q, request %q", provider, code, requestID)
	if code == "" {
		reason = fmt.Errorf("sms %s unreachable: %w", provider, cause)
	}
	switch KindOf(provider, code) {
	case DailyLimit:
		return &apperr.Error{Code: apperr.RateLimited, Key: "sms.daily_limit", Err: reason,
			Fields: []apperr.FieldError{{Field: "phone", Key: "sms.daily_limit"}}}
	case BadNumber:
		return &apperr.Error{Code: apperr.Invalid, Key: "sms.bad_number", Err: reason,
			Fields: []apperr.FieldError{{Field: "phone", Key: "sms.bad_number"}}}
	case Misconfig:
		return apperr.Wrap(fmt.Errorf("%w (the platform's SMS settings or account need attention)", reason), apperr.Unavailable, "signin.sms_failed")
	}
	return apperr.Wrap(reason, apperr.Unavailable, "signin.sms_failed")
}
