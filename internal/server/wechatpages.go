package server

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/disclosure"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/web"
	"github.com/carefund/carefund/internal/wechat"
	"rsc.io/qr"
)

// Paying and sharing inside WeChat (docs/decisions/0023-inside-wechat.md).
//
// The payment way follows the browser: inside WeChat JSAPI, with the
// donor's openid from the official account's silent OAuth; on a phone
// outside it H5, as before; on a desktop Native, a QR code to scan. The
// sandbox provider ignores both and redirects to its checkout as before.
// A request page inside WeChat carries the JS-SDK's signed configuration,
// so that sharing it shows its title, a picture and the sharer's own
// share link.

// The cookies of this file: the nonce an OAuth state is bound to (only on
// the callback's path, ten minutes), and the token of the browser's
// openid (the database keeps its hash and the openid, no name).
const (
	weChatOAuthCookie = "cf_wxoauth"
	weChatPayerCookie = "cf_wx"
	// weChatShareCookie keeps the share token made for this browser on a
	// request's pages, so that it shares one link.
	weChatShareCookie = "cf_wxshare"
	weChatOAuthPath   = "/wechat/oauth"
)

// payWay is how a donor's browser pays: the payer's openid inside WeChat
// (JSAPI), a QR code on a desktop (Native), or neither (H5, sandbox).
type payWay struct {
	openid string
	native bool
}

// inWeChat reports whether r comes from WeChat's browser and an official
// account is configured to work with it.
func (s *Server) inWeChat(r *http.Request) bool {
	return s.wechat != nil && wechat.Detect(r.UserAgent()).InWeChat
}

// payWayOf chooses how r's browser pays.
func (s *Server) payWayOf(r *http.Request) payWay {
	b := wechat.Detect(r.UserAgent())
	switch wechat.WayFor(b) {
	case wechat.JSAPI:
		if s.wechat != nil {
			return payWay{openid: s.weChatOpenID(r)}
		}
	case wechat.Native:
		return payWay{native: true}
	}
	return payWay{}
}

// weChatOpenID returns the openid kept for r's browser, or "".
func (s *Server) weChatOpenID(r *http.Request) string {
	c, err := r.Cookie(weChatPayerCookie)
	if err != nil || s.wechat == nil {
		return ""
	}
	openid, ok, err := s.wechat.OpenID(r.Context(), c.Value)
	if err != nil {
		s.log.Warn("reading a WeChat payer", "err", err)
		return ""
	}
	if !ok {
		return ""
	}
	return openid
}

// weChatSignIn sends a browser inside WeChat that has no openid yet
// through the official account's silent OAuth, to come back to this page;
// it reports whether it did. When the state cannot be recorded the page is
// shown as it is (the donor then pays as outside WeChat).
func (s *Server) weChatSignIn(w http.ResponseWriter, r *http.Request) (bool, error) {
	if !s.inWeChat(r) || s.weChatOpenID(r) != "" {
		return false, nil
	}
	state, nonce, err := s.wechat.StartOAuth(r.Context(), r.URL.RequestURI())
	if err != nil {
		s.log.Warn("starting WeChat OAuth", "err", err)
		return false, nil
	}
	http.SetCookie(w, &http.Cookie{Name: weChatOAuthCookie, Value: nonce, Path: weChatOAuthPath,
		MaxAge: int(wechat.StateTTL.Seconds()), HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r)})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, s.wechat.Client.AuthorizeURL(s.publicURL+weChatOAuthPath, state), http.StatusFound)
	return true, nil
}

// weChatOAuth is where WeChat sends the browser back with a code:
// GET /wechat/oauth?code=…&state=…. The state must be one this browser
// was given (its cookie), unused and unexpired; a forged, replayed or
// expired one, or a code WeChat refuses, is a page saying so in the
// donor's language, logged, and no openid is kept.
func (s *Server) weChatOAuth(w http.ResponseWriter, r *http.Request) error {
	if s.wechat == nil {
		return apperr.New(apperr.NotFound, "")
	}
	q := site.Params(r)
	var nonce string
	if c, err := r.Cookie(weChatOAuthCookie); err == nil {
		nonce = c.Value
	}
	next, token, err := s.wechat.FinishOAuth(r.Context(), q.Get("state"), nonce, q.Get("code"))
	if err != nil {
		if e := apperr.As(err); e != nil && e.Code == apperr.Invalid {
			s.log.Warn("refused a WeChat OAuth callback", "reason", e.Key, "remote", remoteIP(r), "err", err)
		}
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: weChatOAuthCookie, Value: "", Path: weChatOAuthPath, MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r)})
	http.SetCookie(w, &http.Cookie{Name: weChatPayerCookie, Value: token, Path: "/",
		MaxAge: int(wechat.PayerTTL.Seconds()), HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r)})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, wechat.LocalPath(next), http.StatusSeeOther)
	return nil
}

// renderInAppCheckout answers a placed order whose checkout is paid on
// the page: a JSAPI one (getBrandWCPayRequest's parameters) or a Native
// one (a QR code). It reports whether it answered; the other checkouts
// are redirects, as before.
func (s *Server) renderInAppCheckout(w http.ResponseWriter, r *http.Request, d disclosure.Target, placed donation.Placed) (bool, error) {
	co, o := placed.Checkout, placed.Order
	lang := s.lang(r)
	title := d.Latest.Published.Title
	switch {
	case len(co.JSAPI) > 0:
		p := co.JSAPI
		w.Header().Set("Cache-Control", "no-store")
		return true, s.render(w, r, web.WeChatPay{OrderNo: o.OrderNo, Amount: o.Amount.Format(lang), Title: title,
			RequestID: o.RequestID, Receipt: receiptPath(o.OrderNo), AppID: p["appId"], TimeStamp: p["timeStamp"],
			NonceStr: p["nonceStr"], Package: p["package"], SignType: p["signType"], PaySign: p["paySign"]})
	case co.CodeURL != "":
		img, err := qrDataURL(co.CodeURL)
		if err != nil {
			return true, err
		}
		w.Header().Set("Cache-Control", "no-store")
		return true, s.render(w, r, web.NativePay{OrderNo: o.OrderNo, Amount: o.Amount.Format(lang), Title: title,
			RequestID: o.RequestID, Receipt: receiptPath(o.OrderNo), QR: img, Status: "/api/v1/donations/" + o.OrderNo})
	}
	return false, nil
}

// qrDataURL draws text as a QR code (error correction M) in SVG, as a
// data: URL for an img, which the content security policy allows.
func qrDataURL(text string) (template.URL, error) {
	c, err := qr.Encode(text, qr.M)
	if err != nil {
		return "", fmt.Errorf("drawing a QR code: %w", err)
	}
	const quiet = 4
	n := c.Size + 2*quiet
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges"><rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n, n, n)
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; x++ {
			if c.Black(x, y) {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x+quiet, y+quiet)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(b.Bytes())), nil
}

// weChatShare returns the JS-SDK configuration of request page r inside
// WeChat, with the share card of request id: its title, description and
// picture, and this browser's own share link (made once, then kept in a
// cookie on the request's pages). nil when not inside WeChat or when
// WeChat cannot be reached: the page works without it.
func (s *Server) weChatShare(w http.ResponseWriter, r *http.Request, id int64, meta web.ShareMeta) *web.WeChatShare {
	if !s.inWeChat(r) {
		return nil
	}
	cfg, err := s.wechat.JSConfig(r.Context(), s.publicURL+r.URL.RequestURI())
	if err != nil {
		s.log.Warn("signing the WeChat JS-SDK configuration", "request", id, "err", err)
		return nil
	}
	var token string
	if c, err := r.Cookie(weChatShareCookie); err == nil {
		token = validShareToken(c.Value)
	}
	if token == "" {
		var sharer int64
		if u := callerOf(r).user; u != nil {
			sharer = u.Subject
		}
		if token, err = s.disclosure.Share(r.Context(), id, sharer); err != nil {
			s.log.Warn("making a share link inside WeChat", "request", id, "err", err)
			return nil
		}
		http.SetCookie(w, &http.Cookie{Name: weChatShareCookie, Value: token, Path: requestPath(id),
			MaxAge: 90 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r)})
	}
	// The JS-SDK's script is allowed on this page, and only here.
	h := w.Header()
	h.Set("Content-Security-Policy", strings.Replace(h.Get("Content-Security-Policy"), "script-src 'self'",
		"script-src 'self' "+web.JSSDKOrigin, 1))
	return &web.WeChatShare{AppID: cfg.AppID, Timestamp: cfg.Timestamp, NonceStr: cfg.NonceStr, Signature: cfg.Signature,
		APIs: strings.Join(wechat.ShareAPIs, ","), Title: meta.Title, Desc: meta.Description,
		Link: s.publicURL + sharePath(id, token), ImgURL: meta.Image}
}
