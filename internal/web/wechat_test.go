package web

import (
	"bytes"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/i18n"
)

func init() {
	samples = append(samples,
		WeChatPay{OrderNo: "abc123", Amount: "¥50.00", Title: "<script>alert(1)</script>", RequestID: 1, Receipt: "/donations/abc123",
			AppID: "wx1", TimeStamp: "1414561699", NonceStr: "n", Package: "prepay_id=wx1", SignType: "RSA", PaySign: "c2ln"},
		NativePay{OrderNo: "abc123", Amount: "¥50.00", Title: "t", RequestID: 1, Receipt: "/donations/abc123",
			QR: "data:image/svg+xml;base64,PHN2Zy8+", Status: "/api/v1/donations/abc123"},
	)
}

// TestJSSDKOnlyInsideWeChat: the JS-SDK's script is on a request page only
// when it carries the share configuration.
func TestJSSDKOnlyInsideWeChat(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, share := range []*WeChatShare{nil, {AppID: "wx1", Timestamp: 1, NonceStr: "n", Signature: "s", APIs: "a,b",
		Title: "<b>t</b>", Link: "https://carefund.example/requests/1?s=abc", ImgURL: "https://carefund.example/i.png"}} {
		var buf bytes.Buffer
		if err := r.Render(&buf, i18n.ZH, "/requests/1", Viewer{}, PublicRequest{ID: 1, WeChat: share}); err != nil {
			t.Fatal(err)
		}
		has := strings.Contains(buf.String(), JSSDKURL)
		if has != (share != nil) || strings.Contains(buf.String(), "wechat.js") != (share != nil) {
			t.Errorf("share %v: the JS-SDK on the page: %v", share != nil, has)
		}
		if share != nil && strings.Contains(buf.String(), "<b>t</b>") {
			t.Error("the title is not escaped")
		}
	}
}
