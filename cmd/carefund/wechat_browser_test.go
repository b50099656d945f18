package main

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/security"
	"github.com/chromedp/chromedp"

	"github.com/carefund/carefund/internal/browsertest"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/payment/wechatpay/wechatpaytest"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/testprog"
	"github.com/carefund/carefund/internal/wechat/wechattest"
)

// fakeBridge stands for WeChat's in-app WeixinJSBridge: it records each
// getBrandWCPayRequest and keeps its callback for the test to answer, as
// the donor would by paying or cancelling.
const fakeBridge = `window.__wxCalls = [];
window.WeixinJSBridge = { invoke: function (name, params, cb) { window.__wxCalls.push({ name: name, params: params }); window.__wxCallback = cb; } };`

// fakeJSSDK is served for the JS-SDK's script (res.wx.qq.com): it records
// wx.config and the share data, for the test to check against the fake
// official account.
const fakeJSSDK = `window.wx = {
  config: function (c) { window.__wxConfig = c; },
  ready: function (f) { window.setTimeout(f, 0); },
  updateAppMessageShareData: function (d) { window.__wxShare = d; },
  updateTimelineShareData: function (d) { window.__wxTimeline = d; }
};`

// TestWeChatInAppDonation is a donor inside WeChat on an iPhone
// (MicroMessenger user agent) with carefund behind TLS, on WeChat Pay's
// fake and the official account's: the request page carries a JS-SDK
// configuration whose signature WeChat accepts and a share card with the
// request's title and the sharer's own link; the donation form first
// passes through the silent OAuth (snsapi_base) and comes back with the
// donor's openid; the Pay page hands getBrandWCPayRequest parameters whose
// paySign verifies under the merchant's key; cancelling says so and leaves
// the order payable; paying again, WeChat Pay's notification makes the
// receipt say paid, which the page's word alone never does (R-DON-1).
func TestWeChatInAppDonation(t *testing.T) {
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) {
			keysDir, keys, db := installation(t, d.DSN)
			id, _ := donateFixture(t, db, keys)

			// WeChat Pay notifies https addresses only: a TLS proxy in
			// front of the program is its public address.
			var target atomic.Pointer[url.URL]
			proxy := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
					pr.SetURL(target.Load())
					pr.Out.Host = pr.In.Host
				}}).ServeHTTP(w, r)
			}))
			// Chromium tries the test certificate before it is told to
			// accept it: those refusals are not the test's business.
			proxy.Config.ErrorLog = log.New(io.Discard, "", 0)
			proxy.StartTLS()
			t.Cleanup(proxy.Close)
			public := proxy.URL

			pay := wechatpaytest.New(t, wechatpaytest.Options{NotifyClient: proxy.Client()})
			oa := wechattest.New(t, wechattest.Options{AppID: pay.AppID})
			dir := t.TempDir()
			file := func(name string, b []byte) string {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, b, 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			}
			p := testprog.Start(t, "--database", d.DSN, "--keys-dir", keysDir, "--public-url", public,
				"--payment", "wechatpay", "--wechatpay-mchid", pay.MchID, "--wechatpay-appid", pay.AppID,
				"--wechatpay-cert-serial", pay.MerchantSerial, "--wechatpay-key-file", file("apiclient_key.pem", pay.MerchantKeyPEM()),
				"--wechatpay-apiv3-key-file", file("apiv3.key", []byte(pay.APIv3Key)),
				"--wechatpay-platform-certs", file("platform.pem", pay.PlatformCertificatePEM()), "--wechatpay-url", pay.URL,
				"--wechat-appsecret-file", file("appsecret", []byte(oa.Secret+"\n")), "--wechat-api-url", oa.URL, "--wechat-oauth-url", oa.URL)
			u, err := url.Parse(p.URL)
			if err != nil {
				t.Fatal(err)
			}
			target.Store(u)

			phone := browsertest.New(t, browsertest.Phone(), browsertest.AcceptLanguage("zh-CN"), browsertest.WithTimeout(3*time.Minute))
			do(t, phone,
				chromedp.EmulateViewport(375, 667, chromedp.EmulateScale(2), chromedp.EmulateMobile),
				chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					if _, err := cdp.Call(ctx, tg, security.SetIgnoreCertificateErrors, security.SetIgnoreCertificateErrorsParams{Ignore: true}); err != nil {
						return err
					}
					if _, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: fakeBridge}); err != nil {
						return err
					}
					_, err := cdp.Call(ctx, tg, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "https://res.wx.qq.com/*"}}})
					return err
				}),
			)
			// The JS-SDK's script, from the fake.
			var sdkServed atomic.Int32
			go func() {
				for ev, err := range chromedp.Events(phone, fetch.RequestPaused) {
					if err != nil {
						return
					}
					sdkServed.Add(1)
					_ = chromedp.Do(phone, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
						_, err := cdp.Call(ctx, tg, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: ev.RequestID, ResponseCode: 200,
							ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "application/javascript"}}, Body: []byte(fakeJSSDK)})
						return err
					}))
				}
			}()

			// The request page: the share configuration.
			request := public + "/requests/" + strconv.FormatInt(id, 10)
			do(t, phone, chromedp.Navigate(request), chromedp.WaitVisible("h1"))
			if _, err := chromedp.Run(phone, chromedp.Poll[bool](`!!window.__wxShare && !!window.__wxTimeline`, chromedp.WithPollingTimeout(time.Minute))); err != nil {
				t.Fatalf("the share card was never set (JS-SDK script served %d times): %v", sdkServed.Load(), err)
			}
			type wxConfig struct {
				AppID     string   `json:"appId"`
				Timestamp int64    `json:"timestamp"`
				NonceStr  string   `json:"nonceStr"`
				Signature string   `json:"signature"`
				JSAPIList []string `json:"jsApiList"`
				Debug     bool     `json:"debug"`
			}
			cfg := get1(t, phone, chromedp.Evaluate[wxConfig](`window.__wxConfig`))
			href := get1(t, phone, chromedp.Evaluate[string](`location.href.split("#")[0]`))
			if err := oa.VerifySignature(cfg.NonceStr, cfg.Timestamp, href, cfg.Signature); err != nil {
				t.Errorf("wx.config %+v for %s: %v", cfg, href, err)
			}
			if cfg.AppID != oa.AppID || cfg.Debug || strings.Join(cfg.JSAPIList, ",") != "updateAppMessageShareData,updateTimelineShareData" {
				t.Errorf("wx.config %+v", cfg)
			}
			type shareData struct {
				Title, Desc, Link, ImgURL string
			}
			share := get1(t, phone, chromedp.Evaluate[shareData](`({Title: __wxShare.title, Desc: __wxShare.desc, Link: __wxShare.link, ImgURL: __wxShare.imgUrl})`))
			title := get1(t, phone, chromedp.Text("h1"))
			if share.Title != title || !strings.HasPrefix(share.Link, request+"?s=") || !strings.HasPrefix(share.ImgURL, public+"/static/") {
				t.Errorf("the share card %+v; want the title %q and a share link of %s", share, title, request)
			}
			if tl := get1(t, phone, chromedp.Evaluate[string](`__wxTimeline.link`)); tl != share.Link {
				t.Errorf("the moments card links %q, want %q", tl, share.Link)
			}

			// Without the JS-SDK (its script cannot load) the page is
			// whole and no script of ours throws.
			bare := browsertest.New(t, browsertest.Phone(), browsertest.AcceptLanguage("zh-CN"), browsertest.AllowConsoleErrors())
			do(t, bare, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				if _, err := cdp.Call(ctx, tg, security.SetIgnoreCertificateErrors, security.SetIgnoreCertificateErrorsParams{Ignore: true}); err != nil {
					return err
				}
				if _, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
					Source: `window.__errors = []; window.addEventListener("error", function (e) { if (e.message) window.__errors.push(e.message); });`}); err != nil {
					return err
				}
				_, err := cdp.Call(ctx, tg, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "https://res.wx.qq.com/*"}}})
				return err
			}))
			go func() {
				for ev, err := range chromedp.Events(bare, fetch.RequestPaused) {
					if err != nil {
						return
					}
					_ = chromedp.Do(bare, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
						_, err := cdp.Call(ctx, tg, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
						return err
					}))
				}
			}()
			do(t, bare, chromedp.Navigate(request), chromedp.WaitVisible("h1"))
			if _, err := chromedp.Run(bare, chromedp.Poll[bool](`document.readyState === "complete"`, chromedp.WithPollingTimeout(time.Minute))); err != nil {
				t.Fatal(err)
			}
			if errs := get1(t, bare, chromedp.Evaluate[[]string](`window.__errors`)); len(errs) != 0 || get1(t, bare, chromedp.Text("h1")) != title {
				t.Errorf("without the JS-SDK: errors %q", errs)
			}

			// The form: the silent OAuth first, then back.
			do(t, phone, chromedp.Navigate(request+"/donate"), chromedp.WaitVisible("#amount"))
			if path := get1(t, phone, chromedp.Evaluate[string](`location.pathname`)); !strings.HasSuffix(path, "/donate") {
				t.Fatalf("after OAuth the donor is at %s", path)
			}
			if a, c := oa.Calls("/connect/oauth2/authorize"), oa.Calls("/sns/oauth2/access_token"); a != 1 || c != 1 {
				t.Fatalf("OAuth: %d authorize, %d code exchanges; want 1 each", a, c)
			}
			// The donor agrees to the donation terms (R-RULES-2).
			do(t, phone, chromedp.SendKeys("#amount", "50"), chromedp.Click("#agree", chromedp.NodeVisible), chromedp.Click("#pay", chromedp.NodeVisible), chromedp.WaitVisible("#pay-button"))

			// The page asks the bridge to pay; the parameters are WeChat Pay's.
			bridgeCall := func(n int) map[string]string {
				t.Helper()
				if _, err := chromedp.Run(phone, chromedp.Poll[bool](`window.__wxCalls.length >= `+strconv.Itoa(n), chromedp.WithPollingTimeout(time.Minute))); err != nil {
					t.Fatalf("the page did not call getBrandWCPayRequest (%d): %v", n, err)
				}
				if name := get1(t, phone, chromedp.Evaluate[string](`window.__wxCalls[`+strconv.Itoa(n-1)+`].name`)); name != "getBrandWCPayRequest" {
					t.Fatalf("the page invoked %q", name)
				}
				return get1(t, phone, chromedp.Evaluate[map[string]string](`window.__wxCalls[`+strconv.Itoa(n-1)+`].params`))
			}
			params := bridgeCall(1)
			order, err := pay.VerifyPaySign(params)
			if err != nil {
				t.Fatal(err)
			}
			if order.OpenID != oa.OpenID || order.Total != 50_00 {
				t.Fatalf("the JSAPI order %+v; want ¥50 for openid %s", order, oa.OpenID)
			}
			browsertest.Screenshot(t, phone, "wechat-pay-phone-zh-CN")

			// Cancelled: said so, and the order stays payable.
			get1(t, phone, chromedp.Evaluate[bool](`window.__wxCallback({err_msg: "get_brand_wcpay_request:cancel"}), true`))
			if msg := get1(t, phone, chromedp.Text("#pay-status")); msg != i18n.T(i18n.ZH, "wechat.pay.cancelled") {
				t.Errorf("after cancelling the page says %q", msg)
			}
			if o, _ := pay.Order(order.OutTradeNo); o.TradeState != "NOTPAY" {
				t.Fatalf("after cancelling the order is %s", o.TradeState)
			}
			// Paying: the bridge is asked again, WeChat Pay notifies, and
			// only then does the receipt say paid.
			do(t, phone, chromedp.Click("#pay-button", chromedp.NodeVisible))
			again := bridgeCall(2)
			if again["package"] != params["package"] {
				t.Fatalf("the retry pays %q, the first try %q", again["package"], params["package"])
			}
			if _, err := pay.VerifyPaySign(again); err != nil {
				t.Fatal(err)
			}
			if err := pay.Pay(order.OutTradeNo); err != nil {
				t.Fatal(err)
			}
			pay.Drain()
			get1(t, phone, chromedp.Evaluate[bool](`window.__wxCallback({err_msg: "get_brand_wcpay_request:ok"}), true`))
			do(t, phone, chromedp.WaitVisible("#receipt-state"))
			waitReceiptPaid(t, phone)
			if no := get1(t, phone, chromedp.Text("#receipt-order")); no != order.OutTradeNo {
				t.Errorf("the receipt is of order %q, want %q", no, order.OutTradeNo)
			}
			browsertest.NoHorizontalOverflow(t, phone)
			browsertest.Screenshot(t, phone, "wechat-receipt-phone-zh-CN")

			// A desktop browser pays Native: a QR code, and the page goes
			// on to the receipt by itself once WeChat Pay has notified.
			desk := browsertest.New(t, browsertest.Desktop(), browsertest.AcceptLanguage("zh-CN"), browsertest.WithTimeout(3*time.Minute))
			do(t, desk, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, security.SetIgnoreCertificateErrors, security.SetIgnoreCertificateErrorsParams{Ignore: true})
				return err
			}))
			do(t, desk, chromedp.Navigate(request+"/donate"), chromedp.WaitVisible("#amount"),
				chromedp.SendKeys("#amount", "20"), chromedp.Click("#agree", chromedp.NodeVisible), chromedp.Click("#pay", chromedp.NodeVisible), chromedp.WaitVisible("#pay-qr"))
			no := get1(t, desk, chromedp.Text("#pay-order"))
			if o, ok := pay.Order(no); !ok || o.TradeType != "NATIVE" || o.CodeURL == "" {
				t.Fatalf("the desktop's order %s: %+v", no, o)
			}
			if w := get1(t, desk, chromedp.Evaluate[int](`document.querySelector("#pay-qr").naturalWidth`)); w == 0 {
				t.Error("the QR code did not render")
			}
			browsertest.Screenshot(t, desk, "wechat-native-desktop-zh-CN")
			if err := pay.Pay(no); err != nil {
				t.Fatal(err)
			}
			pay.Drain()
			// The receipt's state, as the page finds it by itself.
			waitReceiptPaid(t, desk)
			if path := get1(t, desk, chromedp.Evaluate[string](`location.pathname`)); path != "/donations/"+no {
				t.Fatalf("the QR page went on to %s", path)
			}
		})
	}
}
