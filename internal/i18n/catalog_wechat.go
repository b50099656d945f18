package i18n

// The messages of carefund inside WeChat: the OAuth callback's refusals,
// the JSAPI payment page and the Native (QR code) page.
func init() {
	register(map[string]message{
		"wechat.state_invalid": {"微信授权链接无效（可能来自其他浏览器或被篡改），请返回捐助页重新打开。", "The WeChat sign-in link is not valid (it may come from another browser or have been altered). Go back to the donation page and open it again."},
		"wechat.state_used":    {"这个微信授权链接已经用过了，请返回捐助页重新打开。", "This WeChat sign-in link has been used already. Go back to the donation page and open it again."},
		"wechat.state_expired": {"微信授权已超时，请返回捐助页重新打开。", "The WeChat sign-in took too long. Go back to the donation page and open it again."},
		"wechat.oauth_failed":  {"微信没有确认你的身份，请返回捐助页重试。", "WeChat did not confirm who you are. Go back to the donation page and try again."},
		"wechat.unavailable":   {"微信暂时无法使用，请稍后再试。", "WeChat is not available right now; please try again later."},
		"wechat.malformed":     {"微信的回答无法识别，请稍后再试。", "WeChat's answer could not be read; please try again later."},
		"wechat.back":          {"返回捐助页", "Back to the donation page"},

		"wechat.pay.title":     {"微信支付", "Pay with WeChat"},
		"wechat.pay.hint":      {"正在打开微信支付……如未弹出，请点击下面的按钮。", "Opening WeChat Pay… If nothing opens, tap the button below."},
		"wechat.pay.button":    {"微信支付", "Pay with WeChat"},
		"wechat.pay.waiting":   {"请在微信支付中完成付款。", "Finish paying in WeChat Pay."},
		"wechat.pay.cancelled": {"你取消了付款，订单仍然有效，可以再次点击按钮付款。", "You cancelled the payment. The order is still open: tap the button to pay again."},
		"wechat.pay.failed":    {"微信支付没有完成付款，可以再试一次。", "WeChat Pay did not complete the payment. You can try again."},
		"wechat.pay.no_bridge": {"请在微信中打开本页付款。", "Open this page in WeChat to pay."},
		"wechat.pay.receipt":   {"查看捐助凭证", "See your donation"},

		"wechat.native.title":  {"微信扫码支付", "Scan to pay with WeChat"},
		"wechat.native.scan":   {"请用手机微信扫描二维码付款。", "Scan the QR code with WeChat on your phone to pay."},
		"wechat.native.qr_alt": {"微信支付二维码", "WeChat Pay QR code"},
		"wechat.native.after":  {"付款后本页会自动转到捐助凭证。", "After you pay, this page goes on to your donation by itself."},
	})
}
