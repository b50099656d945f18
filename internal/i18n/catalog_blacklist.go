package i18n

// The messages of packages blacklist (the list of dishonest fundraisers,
// R-BL-1) and charity (the referral list of charitable organisations,
// R-REQ-7). None of them repeats what was entered: an ID number or a
// reason is personal data.
func init() {
	register(map[string]message{
		"blacklist.invalid":           {"请按提示修改标出的内容。", "Please fix the marked fields."},
		"blacklist.text_invalid":      {"内容含有无法识别的字符，请重新输入。", "This text holds characters that cannot be read; type it again."},
		"blacklist.text_long":         {"最多 %d 个字。", "At most %d characters."},
		"blacklist.index_invalid":     {"缺少当事人的身份证号索引，请重新输入身份证号。", "The person's ID-number index is missing; enter the ID number again."},
		"blacklist.masked_invalid":    {"缺少当事人打码后的身份证号，请重新输入身份证号。", "The person's masked ID number is missing; enter the ID number again."},
		"blacklist.reason_required":   {"请写明列入失信名单的原因。", "Give the reason for listing this person."},
		"blacklist.evidence_required": {"请列出证据（如投诉编号、核查记录、材料名称）。", "List the evidence (complaint numbers, verification records, documents)."},
		"blacklist.entry_required":    {"请选择要移出名单的记录。", "Choose the entry to lift."},
		"blacklist.decision_required": {"请写明处理决定及理由。", "Give the decision and its reason."},
		"blacklist.action_unknown":    {"没有这种名单操作，只能列入或移出。", "There is no such blacklist action: add or lift."},
		"blacklist.payload_invalid":   {"名单变更的内容不完整或有误。", "The details of the blacklist change are incomplete or wrong."},
		"blacklist.listed":            {"你已被列入平台失信名单，暂不能发起或发布求助。如有异议，可以提出申诉。", "You are on the platform's list of dishonest fundraisers, so you cannot request help or publish a request. You may appeal."},
		"blacklist.not_found":         {"找不到该失信名单记录。", "There is no such blacklist entry."},
		"blacklist.already_listed":    {"该人员已在失信名单中，不能重复列入。", "This person is on the blacklist already."},
		"blacklist.not_in_force":      {"该记录已移出失信名单，不能再处理。", "This entry has been lifted and cannot change any more."},
		"blacklist.changed":           {"该记录刚被他人处理过，请刷新后再试。", "Someone else has just changed this entry; reload and try again."},
		"blacklist.no_appeal":         {"该记录没有待处理的申诉。", "This entry has no appeal waiting for a decision."},
		"blacklist.appeal_pending":    {"申诉已提交，正在处理中，请耐心等待结果。", "Your appeal has been received and is being considered; please wait for the decision."},
		"blacklist.appeal_required":   {"请写明申诉理由，并说明可以提供哪些证明材料。", "Give the grounds of your appeal and say what documents you can provide."},

		"charity.invalid":         {"请按提示修改标出的内容。", "Please fix the marked fields."},
		"charity.name_required":   {"请填写机构名称。", "Enter the organisation's name."},
		"charity.name_taken":      {"已有同名机构，请检查是否重复录入。", "An organisation with this name is on the list already."},
		"charity.text_invalid":    {"内容含有无法识别的字符，请重新输入。", "This text holds characters that cannot be read; type it again."},
		"charity.text_long":       {"最多 %d 个字。", "At most %d characters."},
		"charity.keywords_many":   {"最多填写 %d 项。", "At most %d entries."},
		"charity.keyword_invalid": {"每项最多 %d 个字，不能含有特殊字符；多项之间用逗号或顿号分隔。", "Each entry has at most %d characters and no special characters; separate entries with commas."},
		"charity.url_invalid":     {"请填写以 https:// 开头的完整网址。", "Enter a full web address starting with https://."},
		"charity.order_invalid":   {"排序须为 0 到 %d 之间的整数。", "The order is a whole number from 0 to %d."},
		"charity.not_found":       {"找不到该机构。", "There is no such organisation."},
	})
}
