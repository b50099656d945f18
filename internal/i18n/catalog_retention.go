package i18n

// The messages of retention (R-PII-2): the console's page of what was
// anonymized and what is due next.
func init() {
	register(map[string]message{
		"staff.retention.title":      {"个人信息保存期限", "Retention of personal data"},
		"staff.retention.lead":       {"求助结束（完成）满 %d 年后，系统每天自动将其个人信息匿名化：患者与发起人的姓名、身份证号、手机号、诊断、病情与家庭经济情况、证明材料和收款账户。账目、公开日志和审计日志保持不变。", "%d years after a request completes, a daily job anonymizes its personal data: the patient's and publisher's names, ID numbers and phone numbers, the diagnosis, the story and the family's finances, the material and the payee accounts. The ledger, the public log and the audit log stay as they are."},
		"staff.retention.done":       {"最近的匿名化", "Latest anonymizations"},
		"staff.retention.next":       {"即将到期", "Due next"},
		"staff.retention.completed":  {"完成于 %s", "completed %s"},
		"staff.retention.due":        {"到期 %s", "due %s"},
		"staff.retention.anonymized": {"匿名化于 %s", "anonymized %s"},
		"staff.retention.none_done":  {"尚无匿名化记录。", "Nothing anonymized yet."},
		"staff.retention.none_next":  {"没有待匿名化的已完成求助。", "No completed request waiting."},
	})
}
