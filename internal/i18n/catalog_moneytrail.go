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
	})
}
