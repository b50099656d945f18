package server

import (
	"crypto/rand"
	"crypto/rsa"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/payment/wechatpay"
	"github.com/carefund/carefund/internal/payment/wechatpay/wechatpaytest"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/wechat"
	"github.com/carefund/carefund/internal/wechat/wechattest"
)

// The User-Agents of the browsers the payment way follows.
const (
	uaWeChatIPhone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"
	uaDesktop      = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)

// weChatEnv is a server on WeChat Pay's fake and the official account's.
type weChatEnv struct {
	*payEnv
	pay *wechatpaytest.Server
	oa  *wechattest.Server
}

func newWeChatEnv(t *testing.T, db *store.DB) *weChatEnv {
	t.Helper()
	return newWeChatPayEnv(t, db, wechatpaytest.Options{}, true)
}

// newWeChatPayEnv is a server whose only payment provider is WeChat Pay's
// fake, with fakeOpts; withOA adds the official account's fake, which the
// pages inside WeChat need. The server's clock is the env's (advance).
func newWeChatPayEnv(t *testing.T, db *store.DB, fakeOpts wechatpaytest.Options, withOA bool) *weChatEnv {
	t.Helper()
	fake := wechatpaytest.New(t, fakeOpts)
	serial, platformKey, err := wechatpay.ParseCertificate(fake.PlatformCertificatePEM())
	if err != nil {
		t.Fatal(err)
	}
	wc, err := wechatpay.New(wechatpay.Config{MchID: fake.MchID, AppID: fake.AppID, PrivateKey: fake.MerchantKeyPEM(),
		CertSerial: fake.MerchantSerial, APIv3Key: fake.APIv3Key,
		PlatformKeys: map[string]*rsa.PublicKey{serial: platformKey}, BaseURL: fake.URL, Now: fake.Clock().Now})
	if err != nil {
		t.Fatal(err)
	}
	keys := &keyring.Keys{}
	rand.Read(keys.Master[:])
	rand.Read(keys.Index[:])
	rand.Read(keys.Session[:])
	e := &payEnv{db: db, logs: &logBuffer{}, sms: &account.LogSender{}}
	e.ts = httptest.NewUnstartedServer(nil)
	e.url = "http://" + e.ts.Listener.Addr().String()
	cfg := platform.Config{DB: db, Keys: keys, PublicURL: e.url, SMS: e.sms,
		Payments: []payment.Provider{wc}, Merchants: map[string]string{"wechatpay": fake.MchID}, Now: e.now}
	var oa *wechattest.Server
	if withOA {
		oa = wechattest.New(t, wechattest.Options{AppID: fake.AppID})
		cfg.WeChat = &wechat.Client{AppID: oa.AppID, Secret: oa.Secret, APIURL: oa.URL, OAuthURL: oa.URL}
	}
	s, err := New(Options{Platform: newPlatform(t, cfg), Version: "test", Logger: slog.New(slog.NewJSONHandler(e.logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	e.s = s
	e.ts.Config.Handler = s.Handler()
	e.ts.Start()
	t.Cleanup(e.ts.Close)
	t.Cleanup(fake.Close) // deliveries stop before the listener closes
	return &weChatEnv{payEnv: e, pay: fake, oa: oa}
}

// browser is a cookie-keeping client with a User-Agent; it records the
// URLs it was redirected through.
type browser struct {
	*http.Client
	ua    string
	trail []string
}

func newBrowser(t *testing.T, ua string) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{ua: ua}
	b.Client = &http.Client{Jar: jar, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		r.Header.Set("User-Agent", ua)
		b.trail = append(b.trail, r.URL.String())
		return nil
	}}
	return b
}

func (b *browser) do(t *testing.T, method, u string, form url.Values) (int, http.Header, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", b.ua)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(data)
}

var attrRE = regexp.MustCompile(`data-([a-z-]+)="([^"]*)"`)

// attrs returns the data- attributes of the element with id in page.
func attrs(t *testing.T, page, id string) map[string]string {
	t.Helper()
	i := strings.Index(page, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no #%s in the page:\n%s", id, page)
	}
	start := strings.LastIndex(page[:i], "<")
	end := start + strings.Index(page[start:], ">")
	out := map[string]string{}
	for _, m := range attrRE.FindAllStringSubmatch(page[start:end], -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

func formToken(t *testing.T, page string) string {
	t.Helper()
	m := regexp.MustCompile(`name="client_token" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no client token in the form:\n%s", page)
	}
	return m[1]
}

// TestWeChatInAppServer: inside WeChat the donation form first gets the
// donor's openid through the official account's silent OAuth, then pays
// with JSAPI: the page carries getBrandWCPayRequest's parameters, whose
// paySign WeChat Pay verifies with the merchant's key, and the receipt
// shows the payment only once WeChat Pay's notification came (R-DON-1). A
// forged or replayed OAuth state is refused with a page in the donor's
// language and keeps nothing. The request page carries a JS-SDK
// configuration WeChat accepts, with the sharer's own link, and allows
// the JS-SDK's script there only. On a desktop the order is Native: a QR
// code.
func TestWeChatInAppServer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newWeChatEnv(t, db)
		id := e.fundraising(t, 0)
		b := newBrowser(t, uaWeChatIPhone)

		// The request page inside WeChat: the share configuration.
		st, h, page := b.do(t, "GET", e.url+requestPath(id), nil)
		if st != http.StatusOK {
			t.Fatalf("request page: %d", st)
		}
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self' https://res.wx.qq.com;") {
			t.Fatalf("the CSP inside WeChat: %s", csp)
		}
		share := attrs(t, page, "wechat-share")
		ts, _ := strconv.ParseInt(share["timestamp"], 10, 64)
		if err := e.oa.VerifySignature(share["nonce-str"], ts, e.url+requestPath(id), share["signature"]); err != nil {
			t.Fatal(err)
		}
		if share["app-id"] != e.oa.AppID || !strings.HasPrefix(share["link"], e.url+requestPath(id)+"?s=") ||
			share["title"] == "" || share["img-url"] == "" || share["apis"] != "updateAppMessageShareData,updateTimelineShareData" {
			t.Fatalf("share card %v", share)
		}
		// The same browser shares the same link; outside WeChat there is
		// no JS-SDK.
		_, _, again := b.do(t, "GET", e.url+requestPath(id), nil)
		if attrs(t, again, "wechat-share")["link"] != share["link"] {
			t.Fatal("the browser's share link changed")
		}
		_, h2, plain := newBrowser(t, uaDesktop).do(t, "GET", e.url+requestPath(id), nil)
		if strings.Contains(h2.Get("Content-Security-Policy"), "res.wx.qq.com") || strings.Contains(plain, "wechat-share") {
			t.Fatal("the JS-SDK outside WeChat")
		}

		// The form: silent OAuth first, back to the form.
		st, _, page = b.do(t, "GET", e.url+requestPath(id)+"/donate", nil)
		if st != http.StatusOK || len(b.trail) != 3 || !strings.HasPrefix(b.trail[0], e.oa.URL+"/connect/oauth2/authorize?") ||
			!strings.HasPrefix(b.trail[1], e.url+"/wechat/oauth?") || b.trail[2] != e.url+requestPath(id)+"/donate" {
			t.Fatalf("the way to the form: %d %q", st, b.trail)
		}
		callback := b.trail[1]
		// Replayed: the same callback again is refused, in Chinese.
		st, _, msg := b.do(t, "GET", callback, nil)
		if st != http.StatusUnprocessableEntity || !strings.Contains(msg, "已经用过") {
			t.Fatalf("a replayed state: %d", st)
		}
		// Forged: a state no one made.
		st, _, msg = b.do(t, "GET", e.url+"/wechat/oauth?code=abc&state=forged", nil)
		if st != http.StatusUnprocessableEntity || !strings.Contains(msg, "无效") {
			t.Fatalf("a forged state: %d", st)
		}
		// In the donor's language.
		req, _ := http.NewRequest("GET", e.url+"/wechat/oauth?code=abc&state=forged", nil)
		req.Header.Set("Accept-Language", "en")
		req.Header.Set("User-Agent", uaWeChatIPhone)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		en, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(en), "sign-in link is not valid") {
			t.Fatalf("a forged state in English: %d", resp.StatusCode)
		}
		if e.logs.count("refused a WeChat OAuth callback") < 2 {
			t.Fatal("the refusals are not logged")
		}
		if e.oa.Calls("/sns/oauth2/access_token") != 1 {
			t.Fatal("a refused callback asked WeChat for the openid")
		}

		// Pay with JSAPI.
		st, _, page = b.do(t, "POST", e.url+requestPath(id)+"/donate", agreed(page, url.Values{"amount": {"50"}, "client_token": {formToken(t, page)}}))
		if st != http.StatusOK {
			t.Fatalf("donating: %d\n%s", st, page)
		}
		p := attrs(t, page, "wechat-pay")
		o, err := e.pay.VerifyPaySign(map[string]string{"appId": p["app-id"], "timeStamp": p["time-stamp"], "nonceStr": p["nonce-str"],
			"package": p["package"], "signType": p["sign-type"], "paySign": p["pay-sign"]})
		if err != nil {
			t.Fatal(err)
		}
		if o.OpenID != e.oa.OpenID || o.Total != 5000 || p["receipt"] != receiptPath(o.OutTradeNo) {
			t.Fatalf("the JSAPI order %+v, page %v", o, p)
		}
		// The page says nothing the server believes: before WeChat Pay's
		// notification the receipt is pending.
		if got := e.receiptState(t, o.OutTradeNo); got != "pending" {
			t.Fatalf("before paying the order is %s", got)
		}
		if err := e.pay.Pay(o.OutTradeNo); err != nil {
			t.Fatal(err)
		}
		e.pay.Drain()
		if got := e.receiptState(t, o.OutTradeNo); got != "paid" {
			t.Fatalf("after WeChat Pay's notification the order is %s", got)
		}

		// A desktop pays Native: a QR code.
		d := newBrowser(t, uaDesktop)
		_, _, form := d.do(t, "GET", e.url+requestPath(id)+"/donate", nil)
		st, _, page = d.do(t, "POST", e.url+requestPath(id)+"/donate", agreed(form, url.Values{"amount": {"20"}, "client_token": {formToken(t, form)}}))
		if st != http.StatusOK || len(d.trail) != 0 {
			t.Fatalf("donating on a desktop: %d %q", st, d.trail)
		}
		np := attrs(t, page, "native-pay")
		no := strings.TrimPrefix(np["receipt"], "/donations/")
		if o, ok := e.pay.Order(no); !ok || o.TradeType != "NATIVE" || o.CodeURL == "" {
			t.Fatalf("the desktop's order %+v", o)
		}
		if !strings.Contains(html.UnescapeString(page), `src="data:image/svg+xml;base64,`) || np["status"] != "/api/v1/donations/"+no {
			t.Fatal("no QR code on the page")
		}
	})
}

// agreed adds to a donate form's values the donor's agreement to the rules
// versions the page showed (R-RULES-2), as ticking its box does.
func agreed(page string, v url.Values) url.Values {
	v.Set("agree", "yes")
	for _, r := range ruleRE.FindAllStringSubmatch(page, -1) {
		v.Add("rule", r[1])
	}
	return v
}
