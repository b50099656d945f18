package wechatpay

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/payment/wechatpay/wechatpaytest"
)

// TestNativeOrder: a desktop browser's order is a Native one, whose
// answer is the QR code's weixin:// content.
func TestNativeOrder(t *testing.T) {
	srv := fake(t, wechatpaytest.Options{})
	cl := client(t, config(t, srv))
	m := newMerchant(t, cl, 0)
	o := order("native-0001", m)
	o.Native = true
	o.ExpiresAt = srv.Clock().Now().Add(30 * time.Minute)
	co, err := cl.Create(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := srv.Order(o.ID)
	if !ok || got.TradeType != "NATIVE" {
		t.Fatalf("the fake has %+v", got)
	}
	if co.CodeURL != got.CodeURL || !strings.HasPrefix(co.CodeURL, "weixin://wxpay/bizpayurl?pr=") || co.RedirectURL != "" || co.JSAPI != nil {
		t.Fatalf("checkout %+v, fake's code_url %q", co, got.CodeURL)
	}
	if o2, ok := srv.OrderByCodeURL(co.CodeURL); !ok || o2.OutTradeNo != o.ID {
		t.Fatal("the fake does not know the code_url")
	}
	// An openid wins over Native: inside WeChat it is JSAPI.
	o = order("native-0002", m)
	o.Native, o.PayerRef = true, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
	if co, err = cl.Create(context.Background(), o); err != nil || co.JSAPI == nil {
		t.Fatalf("Native with an openid: %+v, %v", co, err)
	}
}

// TestJSAPIPaySignVerifiedByFake: the parameters Create gives the page
// pass the fake's check of getBrandWCPayRequest, which WeChat makes with
// the merchant's public key; any field changed after signing fails it.
func TestJSAPIPaySignVerifiedByFake(t *testing.T) {
	srv := fake(t, wechatpaytest.Options{})
	cl := client(t, config(t, srv))
	m := newMerchant(t, cl, 0)
	o := order("jsapi-sign-01", m)
	o.PayerRef = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
	co, err := cl.Create(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	got, err := srv.VerifyPaySign(co.JSAPI)
	if err != nil || got.OutTradeNo != o.ID {
		t.Fatalf("VerifyPaySign: %+v, %v", got, err)
	}
	for _, k := range []string{"appId", "timeStamp", "nonceStr", "package"} {
		p := map[string]string{}
		for k, v := range co.JSAPI {
			p[k] = v
		}
		p[k] += "0"
		if _, err := srv.VerifyPaySign(p); err == nil {
			t.Errorf("a paySign over a changed %s passed", k)
		}
	}
}

// TestFakeOverTLS: the fake serves https with a certificate it writes
// out, which is all a client needs to trust it.
func TestFakeOverTLS(t *testing.T) {
	srv := fake(t, wechatpaytest.Options{TLS: true})
	if !strings.HasPrefix(srv.URL, "https://") {
		t.Fatalf("URL %s", srv.URL)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(srv.CertPEM()) {
		t.Fatal("no certificate")
	}
	c := config(t, srv)
	c.HTTPClient = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	cl := client(t, c)
	m := newMerchant(t, cl, 0)
	o := order("tls-native-1", m)
	o.Native = true
	if _, err := cl.Create(context.Background(), o); err != nil {
		t.Fatal(err)
	}
}
