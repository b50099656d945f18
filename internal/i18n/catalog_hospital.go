package i18n

// The messages of the hospital directory (package hospital) and its console
// screen. The credit code's and account number's own messages are
// payeeid's (catalog_payeeid.go). No message repeats an account number.
func init() {
	register(map[string]message{
		"hospital.invalid":             {"医院信息有误，请按提示修改。", "Some of the hospital's details are wrong; see the messages below."},
		"hospital.name_required":       {"请输入医院名称（与执业许可证一致）。", "Enter the hospital's name, as on its practising licence."},
		"hospital.bank_name_required":  {"请输入开户银行（写到支行）。", "Enter the bank and branch of the account."},
		"hospital.city_required":       {"请输入医院所在城市。", "Enter the city the hospital is in."},
		"hospital.text_invalid":        {"含有无法保存的字符，请删除后重试。", "This contains characters that cannot be saved; remove them and try again."},
		"hospital.text_long":           {"最多 %d 个字。", "At most %d characters."},
		"hospital.credit_code_invalid": {"统一社会信用代码无效，请对照证书检查。", "The unified social credit code is not valid; check it against the certificate."},
		"hospital.account_invalid":     {"银行账号无效，请对照开户许可证检查。", "The account number is not valid; check it against the bank's account documents."},
		"hospital.credit_type":         {"这个统一社会信用代码不属于医院可能的机构类型（事业单位 12、民办非企业单位 52 或企业 91）。请确认填写的是医院本身的代码。", "This unified social credit code is not of a type a hospital can have (public institution 12, private non-profit unit 52 or company 91). Check that it is the hospital's own code."},
		"hospital.credit_code_taken":   {"目录中已有使用这个统一社会信用代码的医院，请修改那一条。", "A hospital in the directory already has this unified social credit code; change that entry instead."},
		"hospital.account_taken":       {"目录中已有使用这个银行账号的医院。一个账号只能属于一家医院。", "A hospital in the directory already has this account number. An account belongs to one hospital only."},
		"hospital.not_found":           {"目录中没有这家医院。", "There is no such hospital in the directory."},
		"hospital.inactive":            {"这家医院已停用，不能再用于新的拨付，也不能修改。", "This hospital is deactivated: it cannot be paid or changed any more."},
		"hospital.payload_invalid":     {"这个提议的内容无法读取，请驳回后重新提议。", "This proposal cannot be read; reject it and propose again."},
		"hospital.reveal_forbidden":    {"你的角色不能查看完整银行账号。", "Your role may not see full account numbers."},

		"staff.hospitals.title":         {"医院目录", "Hospital directory"},
		"hospitals.lead":                {"经过核验的医院收款账户，所有求助共用。新增、修改和停用都需另一位财务人员或管理员审批；账号只显示部分，查看完整账号会记入审计日志。", "Verified hospital accounts shared by all requests. Adding, changing and deactivating an entry need a second finance officer's or an admin's approval; account numbers are masked, and viewing one in full is recorded in the audit log."},
		"hospitals.none":                {"目录中还没有医院。", "The directory has no hospitals yet."},
		"hospitals.active":              {"启用", "Active"},
		"hospitals.inactive":            {"已停用", "Deactivated"},
		"hospitals.updated":             {"更新于 %s", "updated %s"},
		"hospitals.add":                 {"提议新增医院", "Propose a hospital"},
		"hospitals.edit":                {"提议修改", "Propose a change"},
		"hospitals.propose":             {"提交审批", "Submit for approval"},
		"hospitals.reveal":              {"查看完整账号", "Show the full number"},
		"hospitals.revealed":            {"%s 的完整账号：%s（此次查看已记入审计日志）", "Full account number of %s: %s (this view is recorded in the audit log)"},
		"hospitals.deactivate":          {"提议停用", "Propose deactivation"},
		"hospitals.four_eyes":           {"提交后需另一位财务人员或管理员在“待审批”中批准才会生效。", "Once submitted, it takes effect only when a second finance officer or an admin approves it under Approvals."},
		"hospitals.notice.proposed":     {"已提交，等待另一位财务人员或管理员审批。", "Submitted; waiting for a second finance officer or an admin to approve it."},
		"hospitals.notice.deactivation": {"停用提议已提交，等待审批。", "Deactivation proposed; waiting for approval."},
		"hospitals.field.name":          {"医院名称", "Hospital name"},
		"hospitals.field.credit_code":   {"统一社会信用代码", "Unified social credit code"},
		"hospitals.field.bank_name":     {"开户银行", "Bank and branch"},
		"hospitals.field.city":          {"城市", "City"},
		"hospitals.field.account":       {"银行账号", "Account number"},
		"hospitals.field.reason":        {"理由（审批人会看到）", "Reason (the approver reads it)"},
		"hospitals.summary.add":         {"新增医院：%s（%s，%s %s）", "Add hospital %s (%s, %s %s)"},
		"hospitals.summary.change":      {"修改医院：%s（%s，%s %s）", "Change hospital %s (%s, %s %s)"},
		"hospitals.summary.deactivate":  {"停用医院：%s（%s）", "Deactivate hospital %s (%s)"},
	})
}
