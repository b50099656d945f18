package tencentcloud_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/tencentcloud"
	"github.com/carefund/carefund/internal/tencentcloud/tencentcloudtest"
)

// TestTencentCloudSignature checks the signing against the worked example of
// the published spec ("Signature v3": CVM DescribeInstances at 1551113065),
// step by step, and then against the fake, which verifies it as the provider
// does.
func TestTencentCloudSignature(t *testing.T) {
	payload := []byte(`{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`)
	const host = "cvm.tencentcloudapi.com"
	const ts = 1551113065
	wantCanon := "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\ncontent-type;host\n" +
		"35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
	if got := tencentcloud.CanonicalRequest(host, payload); got != wantCanon {
		t.Errorf("canonical request\n%q\nwant\n%q", got, wantCanon)
	}
	wantSTS := "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
	if got := tencentcloud.StringToSign("cvm", host, ts, payload); got != wantSTS {
		t.Errorf("string to sign\n%q\nwant\n%q", got, wantSTS)
	}
	wantAuth := "TC3-HMAC-SHA256 Credential=AKID**********************0123456789EXAMPLE/2019-02-25/cvm/tc3_request, " +
		"SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
	if got := tencentcloud.Authorization("AKID**********************0123456789EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
		"cvm", host, ts, payload); got != wantAuth {
		t.Errorf("authorization\n%s\nwant\n%s", got, wantAuth)
	}

	for _, tls := range []bool{false, true} {
		var f *tencentcloudtest.Server
		if tls {
			f = tencentcloudtest.NewTLS(t)
			if len(f.CertPEM) == 0 {
				t.Fatal("TLS fake without a certificate PEM")
			}
		} else {
			f = tencentcloudtest.New(t)
		}
		f.AddPerson("张三", "110101199003077777")
		c := f.Client()
		var out struct{ Result string }
		if err := c.Call(context.Background(), "faceid", "IdCardVerification", "2018-03-01",
			map[string]string{"IdCard": "110101199003077777", "Name": "张三"}, &out); err != nil || out.Result != "0" {
			t.Fatalf("tls=%v: signed call: %+v, %v", tls, out, err)
		}
		// A wrong key, a clock more than five minutes off, and the wrong
		// service in the scope are refused as the provider refuses them.
		bad := *c
		bad.SecretKey = "another-key"
		wantCode(t, bad.Call(context.Background(), "faceid", "IdCardVerification", "2018-03-01", map[string]string{"IdCard": "x", "Name": "y"}, nil),
			"AuthFailure.SignatureFailure")
		skew := *c
		skew.Now = func() time.Time { return time.Now().Add(-6 * time.Minute) }
		wantCode(t, skew.Call(context.Background(), "faceid", "IdCardVerification", "2018-03-01", map[string]string{"IdCard": "x", "Name": "y"}, nil),
			"AuthFailure.SignatureExpire")
		wantCode(t, c.Call(context.Background(), "sms", "IdCardVerification", "2018-03-01", map[string]string{"IdCard": "x", "Name": "y"}, nil),
			"AuthFailure.SignatureFailure")
		id := *c
		id.SecretID = "AKIDother"
		wantCode(t, id.Call(context.Background(), "faceid", "IdCardVerification", "2018-03-01", map[string]string{"IdCard": "x", "Name": "y"}, nil),
			"AuthFailure.SecretIdNotFound")
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var e *tencentcloud.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Errorf("error %v, want code %s", err, code)
	}
}

// TestTencentCloudHabits: throttling comes back as an error the caller can
// tell is temporary; a reply that never comes ends with the timeout.
func TestTencentCloudHabits(t *testing.T) {
	f := tencentcloudtest.New(t)
	c := f.Client()
	f.FailNext("RequestLimitExceeded")
	err := c.Call(context.Background(), "faceid", "IdCardVerification", "2018-03-01", map[string]string{"IdCard": "x", "Name": "y"}, nil)
	var e *tencentcloud.Error
	if !errors.As(err, &e) || e.Code != "RequestLimitExceeded" || !e.Temporary() {
		t.Fatalf("throttled: %v", err)
	}
	f.StallNext()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Give up once the fake has the request (bounded by progress,
		// not by time).
		for f.Calls("IdCardVerification") < 2 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	err = c.Call(ctx, "faceid", "IdCardVerification", "2018-03-01", map[string]string{"IdCard": "x", "Name": "y"}, nil)
	if !errors.As(err, &e) || e.Code != "" || !e.Temporary() {
		t.Fatalf("stalled reply: %v, want a temporary transport error", err)
	}
}

func FuzzParseResponse(f *testing.F) {
	f.Add(200, []byte(`{"Response":{"Result":"0","RequestId":"r"}}`))
	f.Add(200, []byte(`{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"m"},"RequestId":"r"}}`))
	f.Add(502, []byte(`<html>bad gateway</html>`))
	f.Add(200, []byte(`{"Response":{"SendStatusSet":[{"Code":"Ok","PhoneNumber":"+8613800000000"}]}}`))
	f.Add(200, []byte(`{"Response":null}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		var out struct {
			Result        string
			SendStatusSet []struct{ Code string }
		}
		err := tencentcloud.ParseResponse("X", status, body, &out)
		var e *tencentcloud.Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("error of another type: %T", err)
		}
		if err == nil && status != 200 {
			t.Fatalf("HTTP %d accepted", status)
		}
	})
}
