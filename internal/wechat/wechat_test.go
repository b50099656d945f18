package wechat

import (
	"errors"
	"testing"
)

// TestJSSDKSignatureDocumentedExample: the signature of the JS-SDK
// documentation's own example (附录1-JS-SDK使用权限签名算法).
func TestJSSDKSignatureDocumentedExample(t *testing.T) {
	const ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
	got := Signature(ticket, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value")
	if want := "0f9de62fce790f9a083d5c99e95740ceb90c27ed"; got != want {
		t.Fatalf("Signature = %s, want %s", got, want)
	}
	// The fragment is not signed.
	if again := Signature(ticket, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value#top"); again != got {
		t.Fatalf("the #fragment changed the signature: %s", again)
	}
}

func TestDetectAndWay(t *testing.T) {
	for _, c := range []struct {
		ua  string
		way Way
	}{
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN", JSAPI},
		{"Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64", JSAPI},
		{"Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.138 Safari/537.36 NetType/WIFI MicroMessenger/7.0.20.1781(0x6700143B) WindowsWechat(0x63090a13) XWEB/9129", JSAPI},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", H5},
		{"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36", H5},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", Native},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15", Native},
		{"", Native},
	} {
		if got := WayFor(Detect(c.ua)); got != c.way {
			t.Errorf("WayFor(%q) = %s, want %s", c.ua, got, c.way)
		}
	}
}

// TestLocalPath: OAuth goes back only to a path on this site.
func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/requests/7/donate?s=abc": "/requests/7/donate?s=abc",
		"/":                        "/",
		"":                         "/",
		"//evil.example/x":         "/",
		"/\\evil.example":          "/",
		"https://evil.example/":    "/",
		"javascript:alert(1)":      "/",
		"/a\r\nLocation: x":        "/",
		"evil.example":             "/",
		"/%2F%2Fevil.example":      "/%2F%2Fevil.example",
	} {
		if got := LocalPath(in); got != want {
			t.Errorf("LocalPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/", "/requests/1", "//x", "/\\x", "http://x", "/\t/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := LocalPath(s)
		if p[0] != '/' || len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
			t.Fatalf("LocalPath(%q) = %q leaves the site", s, p)
		}
	})
}

func FuzzParseAnswer(f *testing.F) {
	for _, s := range []string{`{"errcode":0,"errmsg":"ok","ticket":"x","expires_in":7200}`, `{"errcode":40001,"errmsg":"invalid"}`,
		`{"access_token":"a","expires_in":7200}`, `[]`, `null`, `{"errcode":"x"}`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var out struct {
			Ticket    string `json:"ticket"`
			ExpiresIn int64  `json:"expires_in"`
		}
		err := ParseAnswer(data, &out)
		var e *APIError
		if errors.As(err, &e) && e.Code == 0 {
			t.Fatalf("an APIError with errcode 0 from %q", data)
		}
	})
}

func FuzzDetect(f *testing.F) {
	for _, s := range []string{"", "MicroMessenger", "Mozilla/5.0 (iPhone) MicroMessenger/8.0.47", "Mozilla/5.0 (Windows NT 10.0)", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ua string) {
		b := Detect(ua)
		w := WayFor(b)
		if b.InWeChat != (w == JSAPI) {
			t.Fatalf("Detect(%q) = %+v, way %s", ua, b, w)
		}
	})
}
