package i18n

// The messages of package wechatpay: what an H5 order lacks, and the answer
// when WeChat Pay cannot be reached or fails, so the payer tries again later.
func init() {
	register(map[string]message{
		"wechatpay.client_ip_required": {"缺少付款人的 IP 地址，无法发起微信 H5 支付。", "The payer's IP address is missing, so WeChat H5 payment cannot start."},
		"wechatpay.unavailable":        {"微信支付暂时无法使用，请稍后再试。", "WeChat Pay is not available right now; please try again later."},
	})
}
