package i18n

// The messages of a request's money trail: the public page's section and
// timeline (R-DISC-1, R-DISC-2) and the public ledger's CSV (R-RPT-1).
func init() {
	register(map[string]message{
		"ledgercsv.at":           {"时间（北京时间）", "Time (Beijing)"},
		"ledgercsv.entry":        {"账目编号", "Entry"},
		"ledgercsv.kind":         {"类型", "Kind"},
		"ledgercsv.account":      {"账户", "Account"},
		"ledgercsv.direction":    {"方向（in 转入 / out 转出）", "Direction (in / out)"},
		"ledgercsv.amount":       {"金额（元）", "Amount (yuan)"},
		"ledgercsv.counterparty": {"对方账户", "Counterparty"},

		"moneytrail.fees":               {"手续费", "Fees"},
		"moneytrail.recovered":          {"追回", "Recovered"},
		"moneytrail.used":               {"使用情况", "Use"},
		"moneytrail.used.link":          {"见每笔拨付的使用情况与票据", "See each payout's use and receipts"},
		"moneytrail.identity":           {"每一分钱都有去向：已筹 %s = 手续费 %s + 已拨付 %s + 已退还 %s + 退款中 %s + 转入慈善 %s + 托管中 %s。", "Every fen is accounted for: raised %s = fees %s + paid out %s + refunded %s + being refunded %s + to charity %s + held %s."},
		"moneytrail.identity.recovered": {"每一分钱都有去向：已筹 %s + 追回 %s = 手续费 %s + 已拨付 %s + 已退还 %s + 退款中 %s + 转入慈善 %s + 托管中 %s。", "Every fen is accounted for: raised %s + recovered %s = fees %s + paid out %s + refunded %s + being refunded %s + to charity %s + held %s."},
		"moneytrail.identity.broken":    {"这些数字目前对不上，平台正在核查。", "These figures do not add up at the moment; the platform is checking them."},
		"moneytrail.ledger":             {"下载本求助的公开账目（CSV）", "Download this request's public ledger (CSV)"},
		"moneytrail.ledger.note":        {"账目只列金额、时间和账户类别，不含任何个人信息或账号。", "The ledger lists amounts, times and kinds of account only: no personal data, no account numbers."},

		"moneytrail.timeline.title":   {"时间线", "Timeline"},
		"moneytrail.timeline.none":    {"暂无动态。", "Nothing yet."},
		"moneytrail.event.update":     {"求助动态", "Update"},
		"moneytrail.event.payout":     {"拨付", "Payout"},
		"moneytrail.event.usage":      {"资金使用情况", "Use of the money"},
		"moneytrail.event.refund":     {"决定退款", "Refunds decided"},
		"moneytrail.event.refunded":   {"退款已退还捐款人", "Refunds paid back"},
		"moneytrail.event.to_charity": {"无法退回的余款转入慈善", "What could not be paid back, given to charity"},
		"moneytrail.event.fee":        {"手续费", "Fee"},
		"moneytrail.event.complaint":  {"投诉处理结果", "Response to a complaint"},
	})
}
