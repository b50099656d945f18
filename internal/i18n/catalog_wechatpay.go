package i18n

// The messages of package wechatpay: what an H5 order lacks, the answer
// when WeChat Pay cannot be reached or fails, so the payer tries again
// later, and what WeChat Pay's refusals of a refund mean.
func init() {
	register(map[string]message{
		"wechatpay.client_ip_required":   {"缺少付款人的 IP 地址，无法发起微信 H5 支付。", "The payer's IP address is missing, so WeChat H5 payment cannot start."},
		"wechatpay.unavailable":          {"微信支付暂时无法使用，请稍后再试。", "WeChat Pay is not available right now; please try again later."},
		"wechatpay.refund_not_enough":    {"微信支付商户账户余额不足，退款稍后自动重试。", "The WeChat Pay merchant balance is too low; the refund will be tried again later."},
		"wechatpay.refund_user_abnormal": {"付款人的微信账户异常，无法原路退回。", "The payer's WeChat account cannot receive money, so the refund cannot go back the way it came."},
		"wechatpay.refund_refused":       {"微信支付拒绝了这笔退款：订单状态不允许。", "WeChat Pay refused the refund: the order's state does not allow it."},
		"wechatpay.refund_param":         {"退款请求的参数有误。", "The refund request has a wrong parameter."},
		"wechatpay.no_auth":              {"商户没有微信支付退款的权限。", "The merchant is not allowed to refund through WeChat Pay."},
		"wechatpay.misconfigured":        {"微信支付商户配置有误，请联系管理员。", "The WeChat Pay merchant configuration is wrong; please contact the administrator."},
		"wechatpay.card_required":        {"退款到银行卡须提供开户银行、卡号和户名。", "A refund to a bank card needs the bank, the card number and the holder's name."},
	})
}
