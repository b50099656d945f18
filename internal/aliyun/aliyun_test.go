package aliyun_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/aliyun"
	"github.com/carefund/carefund/internal/aliyun/aliyuntest"
)

// TestAliyunSignature checks the signing against the worked example of the
// published signature method (ECS DescribeRegions, AccessKey testid /
// testsecret), the RFC 3986 encoding, and then against the fake, which
// verifies signatures and nonces as the provider does.
func TestAliyunSignature(t *testing.T) {
	params := map[string]string{
		"TimeStamp": "2016-02-23T12:46:24Z", "Format": "XML", "AccessKeyId": "testid", "Action": "DescribeRegions",
		"SignatureMethod": "HMAC-SHA1", "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", "Version": "2014-05-26",
		"SignatureVersion": "1.0",
	}
	// The example's string to sign as the spec defines it: the canonical
	// query percent-encoded whole, so its & are %26 (some copies of the
	// page show them unencoded; the published signature below settles it).
	wantSTS := "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1" +
		"%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26TimeStamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
	if got := aliyun.StringToSign("GET", params); got != wantSTS {
		t.Errorf("string to sign\n%s\nwant\n%s", got, wantSTS)
	}
	if got := aliyun.Sign("testsecret", "GET", params); got != "CT9X0VtwR86fNWSnsc6v8YGOjuE=" {
		t.Errorf("signature %s, want CT9X0VtwR86fNWSnsc6v8YGOjuE=", got)
	}
	for in, want := range map[string]string{"a b": "a%20b", "a*b": "a%2Ab", "a~b": "a~b", "a+b": "a%2Bb", "张": "%E5%BC%A0", `{"code":"1"}`: "%7B%22code%22%3A%221%22%7D"} {
		if got := aliyun.PercentEncode(in); got != want {
			t.Errorf("PercentEncode(%q) = %q, want %q", in, got, want)
		}
	}

	for _, tls := range []bool{false, true} {
		var f *aliyuntest.Server
		if tls {
			f = aliyuntest.NewTLS(t)
		} else {
			f = aliyuntest.New(t)
		}
		f.AddPerson("李 四*", "110101199003077777") // a space and a * in the signed value
		c := f.Client()
		var out struct{ ResultObject struct{ BizCode string } }
		if err := c.Call(context.Background(), "cloudauth.aliyuncs.com", "Id2MetaVerify", "2019-03-07",
			map[string]string{"ParamType": "normal", "IdentifyNum": "110101199003077777", "UserName": "李 四*"}, &out); err != nil || out.ResultObject.BizCode != "1" {
			t.Fatalf("tls=%v: signed call: %+v, %v", tls, out, err)
		}
		bad := *c
		bad.AccessKeySecret = "wrong"
		wantCode(t, bad.Call(context.Background(), "cloudauth.aliyuncs.com", "Id2MetaVerify", "2019-03-07", map[string]string{"ParamType": "normal"}, nil),
			"SignatureDoesNotMatch")
		skew := *c
		skew.Now = func() time.Time { return time.Now().Add(-20 * time.Minute) }
		wantCode(t, skew.Call(context.Background(), "cloudauth.aliyuncs.com", "Id2MetaVerify", "2019-03-07", map[string]string{"ParamType": "normal"}, nil),
			"InvalidTimeStamp.Expired")
		// A replayed request (same nonce) is refused.
		nonce := map[string]string{"ParamType": "normal", "IdentifyNum": "1", "UserName": "x", "SignatureNonce": "fixed-nonce"}
		c.Call(context.Background(), "cloudauth.aliyuncs.com", "Id2MetaVerify", "2019-03-07", nonce, nil)
		wantCode(t, c.Call(context.Background(), "cloudauth.aliyuncs.com", "Id2MetaVerify", "2019-03-07", nonce, nil), "SignatureNonceUsed")
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var e *aliyun.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Errorf("error %v, want code %s", err, code)
	}
}

func TestAliyunHabits(t *testing.T) {
	f := aliyuntest.New(t)
	c := f.Client()
	f.FailNext("Throttling")
	err := c.Call(context.Background(), "cloudauth.aliyuncs.com", "Id2MetaVerify", "2019-03-07", map[string]string{"ParamType": "normal"}, nil)
	var e *aliyun.Error
	if !errors.As(err, &e) || e.Code != "Throttling" || !e.Temporary() {
		t.Fatalf("throttled: %v", err)
	}
	f.StallNext()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for f.Calls("Id2MetaVerify") < 2 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	err = c.Call(ctx, "cloudauth.aliyuncs.com", "Id2MetaVerify", "2019-03-07", map[string]string{"ParamType": "normal", "IdentifyNum": "110101199003077777"}, nil)
	if !errors.As(err, &e) || e.Code != "" || !e.Temporary() {
		t.Fatalf("stalled: %v", err)
	}
	if s := err.Error(); len(s) > 0 && (strings.Contains(s, "110101199003077777") || strings.Contains(s, "IdentifyNum")) {
		t.Fatalf("a transport error quotes the request: %s", s)
	}
}

func FuzzParseResponse(f *testing.F) {
	f.Add(200, []byte(`{"Code":"OK","Message":"OK","BizId":"b","RequestId":"r"}`))
	f.Add(400, []byte(`{"Code":"SignatureDoesNotMatch","Message":"m","RequestId":"r"}`))
	f.Add(200, []byte(`{"Code":"200","ResultObject":{"BizCode":"1"}}`))
	f.Add(503, []byte(`<html/>`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		var out struct {
			Code         string
			ResultObject struct{ BizCode string }
		}
		err := aliyun.ParseResponse("X", status, body, &out)
		var e *aliyun.Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("error of another type %T", err)
		}
		if err == nil && status != 200 {
			t.Fatalf("HTTP %d accepted", status)
		}
	})
}
