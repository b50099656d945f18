package i18n

// The messages of package reconcile and of the providers' settlement
// files: what a finance officer is told when a statement or a settlement
// file is refused, or a difference cannot be resolved.
func init() {
	register(map[string]message{
		"reconcile.wrong_account":          {"该对账单不是托管账户的对账单，已整份拒绝。", "The statement is not of the custody account; it was refused whole."},
		"reconcile.statement_conflict":     {"已导入过同一编号但内容不同的对账单，本文件已拒绝并记录，请向银行核实。", "A different file with this statement's id was imported before; this one was refused and recorded. Check with the bank."},
		"reconcile.file_hash_required":     {"缺少对账单文件的摘要。", "The statement file's hash is missing."},
		"reconcile.not_finance":            {"只有财务人员可以处理对账差异。", "Only a finance officer can resolve a reconciliation difference."},
		"reconcile.reason_required":        {"请填写处理原因（最多 1000 字节）。", "Give the reason for the resolution (at most 1000 bytes)."},
		"reconcile.difference_not_found":   {"没有该对账差异。", "There is no such reconciliation difference."},
		"reconcile.difference_not_open":    {"该差异不存在或已处理。", "There is no such difference, or it has been resolved already."},
		"reconcile.settlement_quarantined": {"同一结算编号已入账且内容不同：本文件已隔离，未入账，并已登记差异。", "A settlement with this reference was posted with other content: this file was set aside, not credited, and a difference opened."},
		"wechatpay.bill_malformed":         {"微信支付账单无法读取，或汇总与明细不符，已整份拒绝。", "The WeChat Pay bill cannot be read, or its summary does not match its lines; it was refused whole."},
		"wechatpay.bill_hash":              {"下载的微信支付账单与其摘要不符，已拒绝，请重新下载。", "The downloaded WeChat Pay bill does not match its digest; it was refused. Download it again."},
		"payment.settlement_invalid":       {"结算文件无法读取或金额不平，已整份拒绝。", "The settlement file cannot be read or its figures do not add up; it was refused whole."},
	})
}
