package web

import "html/template"

func init() {
	pageNames = append(pageNames, "wechat_pay", "native_pay")
}

// WeChatShare is what a page inside WeChat passes to the JS-SDK: the
// signed wx.config and the share card (the request's title, a picture and
// the sharer's own share link). The page works without it, and without
// the JS-SDK's script.
type WeChatShare struct {
	AppID     string
	Timestamp int64
	NonceStr  string
	Signature string
	// APIs is the jsApiList, comma-separated.
	APIs        string
	Title, Desc string
	Link        string
	ImgURL      string
}

// JSSDKURL is the JS-SDK's script, the one third-party script the content
// security policy allows, and only on pages that carry a WeChatShare.
const JSSDKURL = "https://res.wx.qq.com/open/js/jweixin-1.6.0.js"

// JSSDKOrigin is its origin, for the content security policy.
const JSSDKOrigin = "https://res.wx.qq.com"

// WeChatPay is the page that pays an order inside WeChat (JSAPI): the
// parameters of WeixinJSBridge's getBrandWCPayRequest, signed by the
// server, which wechat.js passes on. The receipt shows what the server
// was told, never what the page says.
type WeChatPay struct {
	OrderNo, Amount, Title string
	RequestID              int64
	Receipt                string
	// AppID, TimeStamp, NonceStr, Package, SignType and PaySign are the
	// getBrandWCPayRequest parameters.
	AppID, TimeStamp, NonceStr, Package, SignType, PaySign string
}

// NativePay is the page that shows a desktop browser a QR code to scan
// with WeChat (Native payment); wechat.js asks the server now and then
// whether the order was paid and then goes to the receipt.
type NativePay struct {
	OrderNo, Amount, Title string
	RequestID              int64
	Receipt                string
	// QR is the QR code as an SVG data: URL.
	QR template.URL
	// Status is the API address of the order, which the page polls.
	Status string
}

func (WeChatPay) template() string { return "wechat_pay" }
func (NativePay) template() string { return "native_pay" }
func (WeChatPay) TitleKey() string { return "wechat.pay.title" }
func (NativePay) TitleKey() string { return "wechat.native.title" }
func (WeChatPay) script() string   { return "wechat.js" }
func (NativePay) script() string   { return "wechat.js" }

// script is wechat.js on a request page inside WeChat, none elsewhere.
func (p PublicRequest) script() string {
	if p.WeChat != nil {
		return "wechat.js"
	}
	return ""
}
