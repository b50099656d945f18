// Package identity checks a name against a resident identity card number
// with a licensed provider: Tencent Cloud FaceID IdCardVerification (API 3.0,
// version 2018-03-01) or Alibaba Cloud Cloudauth Id2MetaVerify (version
// 2019-03-07). Both implement account.Verifier.
//
// A match or a mismatch is an answer (ok, reason); a failure to get one —
// a timeout, throttling, the provider's own trouble — is an error, never a
// mismatch, so the caller records nothing and asks to try again later. The
// reason is a short code staff can read; it never holds the name, the number
// nor the provider's raw answer.
package identity

import (
	"context"
	"errors"
	"fmt"

	"github.com/carefund/carefund/internal/aliyun"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/tencentcloud"
)

// ErrUnavailable wraps every failure to get an answer.
var ErrUnavailable = errors.New("identity check unavailable")

// Tencent checks with Tencent Cloud FaceID.
type Tencent struct{ Client *tencentcloud.Client }

// Name implements account.Verifier.
func (Tencent) Name() string { return "tencent" }

// Verify implements account.Verifier.
func (v Tencent) Verify(ctx context.Context, name string, id idcard.ID) (bool, string, error) {
	var resp struct{ Result string }
	err := v.Client.Call(ctx, "faceid", "IdCardVerification", "2018-03-01", map[string]string{"IdCard": id.Number, "Name": name}, &resp)
	if err != nil {
		return false, "", fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return TencentResult(resp.Result)
}

// TencentResult maps IdCardVerification's Result.
func TencentResult(result string) (bool, string, error) {
	switch result {
	case "0":
		return true, "tencent: match (0)", nil
	case "-1":
		return false, "tencent: name and number do not match (-1)", nil
	case "-2":
		return false, "tencent: invalid number (-2)", nil
	case "-3":
		return false, "tencent: invalid name (-3)", nil
	case "-5":
		return false, "tencent: no such number on record (-5)", nil
	}
	// -4 (the card database's service), -6 (the authority's system being
	// upgraded), -7 (attempts exceeded) and anything new: no answer.
	return false, "", fmt.Errorf("%w: tencent result %q", ErrUnavailable, truncate(result))
}

// Aliyun checks with Alibaba Cloud Cloudauth.
type Aliyun struct{ Client *aliyun.Client }

// Name implements account.Verifier.
func (Aliyun) Name() string { return "aliyun" }

// Verify implements account.Verifier.
func (v Aliyun) Verify(ctx context.Context, name string, id idcard.ID) (bool, string, error) {
	var resp struct {
		Code         string
		ResultObject struct{ BizCode string }
	}
	err := v.Client.Call(ctx, "cloudauth.aliyuncs.com", "Id2MetaVerify", "2019-03-07",
		map[string]string{"ParamType": "normal", "IdentifyNum": id.Number, "UserName": name}, &resp)
	if err != nil {
		return false, "", fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if resp.Code != "200" {
		return false, "", fmt.Errorf("%w: aliyun code %q", ErrUnavailable, truncate(resp.Code))
	}
	return AliyunResult(resp.ResultObject.BizCode)
}

// AliyunResult maps Id2MetaVerify's ResultObject.BizCode.
func AliyunResult(biz string) (bool, string, error) {
	switch biz {
	case "1":
		return true, "aliyun: match (1)", nil
	case "2":
		return false, "aliyun: name and number do not match (2)", nil
	case "3":
		return false, "aliyun: no such number on record (3)", nil
	}
	return false, "", fmt.Errorf("%w: aliyun biz code %q", ErrUnavailable, truncate(biz))
}

func truncate(s string) string {
	if len(s) > 16 {
		return s[:16]
	}
	return s
}
