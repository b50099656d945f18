package i18n

// The messages of refund funding from custody (package refundfund).
func init() {
	register(map[string]message{
		"refundfund.unknown_transfer": {"没有以这个编号发出的退款资金转账。", "No refund funding transfer was sent under this id."},
		"refundfund.state":            {"银行回报与这笔退款资金转账的记录不符，已保留、不予处理。", "The bank's answer contradicts the record of this refund funding transfer; it is kept and not applied."},
		"refundfund.plan_invalid":     {"退款资金的支付机构或金额无效。", "The provider or the amount of the refund funding is not valid."},
	})
}
