package i18n

// Messages of package rules: the names of the documents and of their states,
// the errors of the drafting and consent workflows, and the truthfulness
// declaration requesters and publishers confirm (R-RULES-4).
func init() {
	for k, m := range map[string]message{
		"rules.kind.service-agreement": {"服务协议", "Service agreement"},
		"rules.kind.publishing-rules":  {"求助信息发布规则", "Rules for publishing requests for help"},
		"rules.kind.privacy":           {"个人信息处理规则", "Personal information rules"},
		"rules.kind.fees":              {"收费标准", "Fee standard"},
		"rules.kind.funds-refunds":     {"资金使用与退款规则", "Fund use and refund rules"},

		"rules.state.draft":      {"草稿", "Draft"},
		"rules.state.reported":   {"已向民政部报告，待生效", "Reported to the Ministry of Civil Affairs, not yet in force"},
		"rules.state.effective":  {"现行有效", "In force"},
		"rules.state.superseded": {"已被新版本取代", "Superseded"},
		"rules.state.withdrawn":  {"已撤回", "Withdrawn"},

		"rules.not_found":          {"找不到这份平台规则或这个版本。", "There is no such rules document or version."},
		"rules.pending":            {"这份规则已有一个待生效的新版本，请先使其生效或撤回。", "This document already has a new version waiting; make it effective or withdraw it first."},
		"rules.not_draft":          {"只有草稿可以登记向民政部报告的情况。", "Only a draft can be recorded as reported to the ministry."},
		"rules.not_pending":        {"这个版本不是待生效的版本。", "This version is not waiting to take effect."},
		"rules.not_reported":       {"重大调整须先登记已向国务院民政部门报告（日期和文号），才能生效。", "A major change can take effect only after its report to the Ministry of Civil Affairs (date and reference) is recorded."},
		"rules.changed":            {"平台规则刚刚更新，请阅读新版本后重新确认。", "The platform rules have just been updated; please read the new version and agree again."},
		"rules.consent_missing":    {"请阅读并勾选同意平台规则后再继续。", "Please read the platform rules and tick the box to agree before you continue."},
		"rules.consent_required":   {"需要您勾选同意才能继续。", "You need to tick this box to continue."},
		"rules.field_required":     {"此项必填。", "This is required."},
		"rules.field_too_long":     {"内容太长，最多 %d 个字。", "This is too long: at most %d characters."},
		"rules.text_invalid":       {"内容含有无法识别的字符。", "This contains characters that cannot be read."},
		"rules.report_date_future": {"报告日期不能晚于今天。", "The report date cannot be in the future."},

		"rules.truthfulness": {
			"本人承诺：所提交的求助信息和证明材料真实、完整，本人对其真实性负责；不以虚构、隐瞒事实等方式骗取救助，捐助资金只用于所述治疗用途。如有虚构、隐瞒或挪用，平台将终止服务，本人须退回已拨付的款项，并依法承担法律责任。",
			"I declare that the information and documents I submit are true and complete, and I am responsible for their truth. I will not obtain help by fabricating or concealing facts, and the money will be used only for the treatment described. If I fabricate, conceal or misuse anything, the platform will end the service, I must return the money paid out, and I bear legal responsibility.",
		},
	} {
		catalog[k] = m
	}
}
