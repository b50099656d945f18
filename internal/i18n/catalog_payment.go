package i18n

// The messages of package payment: why an order or a refund cannot be placed
// with a payment provider, why a provider's notification is refused, and the
// sandbox's hosted checkout page, which says plainly that no money moves.
func init() {
	register(map[string]message{
		"payment.order_invalid":         {"支付订单信息有误，无法发起支付。", "The payment order is not valid, so payment cannot start."},
		"payment.order_id_invalid":      {"订单号须为 %d 到 %d 位字母、数字、“_”或“-”。", "The order number must be %d to %d letters, digits, “_” or “-”."},
		"payment.amount_positive":       {"支付金额必须大于 0。", "The amount to pay must be more than zero."},
		"payment.description_required":  {"请填写支付说明。", "A description of the payment is required."},
		"payment.description_too_long":  {"支付说明太长，最多 %d 字节。", "The description is too long: at most %d bytes."},
		"payment.url_required":          {"缺少支付结果通知地址。", "The address for payment notifications is missing."},
		"payment.url_too_long":          {"地址太长，最多 %d 个字符。", "The address is too long: at most %d characters."},
		"payment.payer_ref_invalid":     {"付款人标识无效。", "The payer's identifier is not valid."},
		"payment.order_conflict":        {"该订单号已用于另一笔金额不同的订单。", "This order number is already used for a different order."},
		"payment.order_closed":          {"订单已关闭或已过期，请重新发起支付。", "The order is closed or has expired; please start the payment again."},
		"payment.order_not_paid":        {"订单尚未支付，无法退款或发送通知。", "The order has not been paid, so it cannot be refunded or notified."},
		"payment.refund_invalid":        {"退款信息有误。", "The refund is not valid."},
		"payment.refund_id_invalid":     {"退款单号须为 %d 到 %d 位字母、数字、“_”或“-”。", "The refund number must be %d to %d letters, digits, “_” or “-”."},
		"payment.refund_total_mismatch": {"退款的原订单金额与订单不符。", "The order total given for the refund does not match the order."},
		"payment.refund_transaction":    {"退款的交易号与订单不符。", "The transaction given for the refund does not match the order."},
		"payment.refund_too_much":       {"退款总额不能超过订单金额。", "Refunds cannot add up to more than the order."},
		"payment.refund_conflict":       {"该退款单号已用于另一笔退款。", "This refund number is already used for a different refund."},
		"payment.bad_signature":         {"支付通知的签名无效，已拒绝。", "The payment notification's signature is not valid; it was refused."},
		"payment.stale":                 {"支付通知的时间戳超出允许范围，已拒绝。", "The payment notification's timestamp is too far from now; it was refused."},
		"payment.malformed":             {"支付通知的格式无法识别。", "The payment notification could not be read."},
		"payment.unknown_order":         {"支付机构没有此订单。", "The payment provider has no such order."},
		"payment.unknown_refund":        {"支付机构没有此退款单。", "The payment provider has no such refund."},
		"payment.funding_conflict":      {"同一编号的充值已按另一金额记录。", "A top-up under this reference was recorded with another amount."},
		"payment.funding_invalid":       {"充值的编号或金额无效。", "The top-up's reference or amount is not valid."},
		"payment.not_enough":            {"支付机构的余额不足以支付这笔退款，平台从托管账户补足后会自动重试。", "The payment provider's balance does not cover the refund; it is tried again once the platform has topped it up from custody."},
		"payment.rate_limited":          {"支付机构限制了调用频率，稍后会自动重试。", "The payment provider limited the rate of calls; it is tried again shortly."},
		"payment.sandbox_title":         {"模拟收银台", "Sandbox checkout"},
		"payment.sandbox_notice":        {"这是测试用的模拟支付，不会产生真实扣款。", "This is a simulated payment for testing; no real money moves."},
		"payment.sandbox_description":   {"商品", "For"},
		"payment.sandbox_amount":        {"金额", "Amount"},
		"payment.sandbox_order":         {"订单号", "Order"},
		"payment.sandbox_pay":           {"确认支付", "Pay"},
		"payment.sandbox_cancel":        {"取消", "Cancel"},
		"payment.sandbox_paid":          {"支付成功。", "Paid."},
		"payment.sandbox_closed":        {"订单已关闭，无法支付。", "This order is closed and cannot be paid."},
		"payment.sandbox_refunded":      {"此订单已退款。", "This order has been refunded."},
		"payment.sandbox_return":        {"返回商户页面", "Back to the merchant"},
	})
}
