package server

import (
	"crypto/rsa"
	"net/http"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/payment/wechatpay"
	"github.com/carefund/carefund/internal/payment/wechatpay/wechatpaytest"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestCheckoutOriginInCSP checks that the answer to the donation form may
// lead to WeChat Pay's H5 checkout: browsers apply form-action to that
// redirect. Without a provider of another origin, forms stay on the site.
func TestCheckoutOriginInCSP(t *testing.T) {
	fake := wechatpaytest.New(t, wechatpaytest.Options{MchID: "1900000109", AppID: "wx0000000000000001",
		APIv3Key: "0123456789abcdef0123456789abcdef"})
	serial, key, err := wechatpay.ParseCertificate(fake.PlatformCertificatePEM())
	if err != nil {
		t.Fatal(err)
	}
	wc, err := wechatpay.New(wechatpay.Config{MchID: fake.MchID, AppID: fake.AppID, PrivateKey: fake.MerchantKeyPEM(),
		CertSerial: fake.MerchantSerial, APIv3Key: fake.APIv3Key, PlatformKeys: map[string]*rsa.PublicKey{serial: key},
		BaseURL: fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name      string
		providers []payment.Provider
		want      string
	}{
		{"sandbox", nil, "form-action 'self';"},
		{"wechatpay", []payment.Provider{wc}, "form-action 'self' https://wx.tenpay.com;"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(Options{Platform: newPlatform(t, platform.Config{DB: storetest.Open(t, storetest.SQLiteDSN(t)),
				Payments: tt.providers, Merchants: map[string]string{"wechatpay": fake.MchID}})})
			if err != nil {
				t.Fatal(err)
			}
			csp := do(s.Handler(), http.MethodGet, "/", nil).Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, tt.want) {
				t.Errorf("CSP %q lacks %q", csp, tt.want)
			}
		})
	}
}
