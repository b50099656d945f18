package i18n

// The messages of package donation: the errors of the donation form and of
// a payment the platform cannot take. Field errors never repeat what was
// typed. There is no message about a fee or a tip: the form has none
// (R-FEE-1).
func init() {
	register(map[string]message{
		"donation.invalid":              {"捐助信息还有需要修改的地方，请按提示修改。", "Some of the donation needs fixing; see the message next to each field."},
		"donation.closed":               {"该求助已停止筹款，无法继续捐助。", "This request is no longer raising money; it cannot take donations."},
		"donation.amount_min":           {"捐助金额最少为 %s 元。", "The smallest donation is ¥%s."},
		"donation.amount_max":           {"单笔捐助金额最多为 %s 元。", "The largest single donation is ¥%s."},
		"donation.message_too_long":     {"留言太长，最多 %d 个字。", "The message is too long: at most %d characters."},
		"donation.message_invalid":      {"留言包含无法识别的字符，请重新输入。", "The message contains characters that cannot be read; please type it again."},
		"donation.provider_invalid":     {"请选择支付方式。", "Choose a way to pay."},
		"donation.client_token_invalid": {"页面已过期，请刷新后重新提交。", "The page has expired; reload it and submit again."},
		"donation.payment_invalid":      {"支付通知无效。", "The payment notification is not valid."},
	})
}
