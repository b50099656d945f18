// Package wechat is carefund inside WeChat: it recognises WeChat's browser,
// obtains a donor's openid through the official account's silent OAuth2
// web flow (snsapi_base), and signs the JS-SDK configuration that share
// cards need, with the official account's access_token and jsapi_ticket
// cached in the database and refreshed by one node for all.
//
// It speaks the official account's published HTTP API with the standard
// library only. Payment itself (JSAPI, Native, H5) is package
// payment/wechatpay's; this package only chooses the way (Way).
package wechat

import "strings"

// Browser is what a User-Agent says of the browser a page is shown in.
type Browser struct {
	// InWeChat is WeChat's own browser ("MicroMessenger"), where payment
	// must be JSAPI and share cards need the JS-SDK.
	InWeChat bool
	// Phone is a phone or tablet browser rather than a desktop one.
	Phone bool
}

// Detect reads a User-Agent header. It never fails: an unknown or empty
// one is a desktop browser outside WeChat.
func Detect(userAgent string) Browser {
	ua := strings.ToLower(userAgent)
	b := Browser{InWeChat: strings.Contains(ua, "micromessenger")}
	for _, m := range []string{"mobile", "android", "iphone", "ipad", "ipod", "harmonyos", "windows phone"} {
		if strings.Contains(ua, m) {
			b.Phone = true
			break
		}
	}
	// WeChat for Windows and macOS says MicroMessenger too, with
	// "WindowsWechat" or "MacWechat": JSAPI works there as well.
	return b
}

// Way is how a donor pays with WeChat Pay.
type Way string

// The ways.
const (
	// JSAPI pays inside WeChat's browser, with the payer's openid.
	JSAPI Way = "jsapi"
	// H5 sends a phone browser outside WeChat to WeChat Pay's cashier.
	H5 Way = "h5"
	// Native shows a desktop browser a QR code to scan with WeChat.
	Native Way = "native"
)

// WayFor chooses how browser b pays: JSAPI inside WeChat, H5 on a phone
// outside it, and Native (a QR code) on a desktop.
func WayFor(b Browser) Way {
	switch {
	case b.InWeChat:
		return JSAPI
	case b.Phone:
		return H5
	}
	return Native
}
