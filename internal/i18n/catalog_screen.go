package i18n

// Messages of package screen, the machine pre-screen of requests for help
// (R-REV-1, R-RISK-1, R-BL-1). Keys ending in _staff are shown to staff
// only; the others may be shown to the requester.
func init() {
	register(map[string]message{
		"screen.outcome.pass":  {"通过", "Passed"},
		"screen.outcome.flag":  {"需人工核实", "Needs review"},
		"screen.outcome.block": {"拦截", "Blocked"},

		"screen.level.low":     {"低风险", "Low risk"},
		"screen.level.medium":  {"中风险", "Medium risk"},
		"screen.level.high":    {"高风险", "High risk"},
		"screen.level.blocked": {"已拦截", "Blocked"},

		"screen.name.consistency": {"完整性与一致性", "Completeness and consistency"},
		"screen.name.duplicate":   {"重复求助", "Duplicate requests"},
		"screen.name.blacklist":   {"失信黑名单", "Blacklist"},
		"screen.name.links":       {"关联关系", "Shared phones, devices and bank accounts"},
		"screen.name.wording":     {"风险用语", "Risky wording"},

		"screen.consistency.unverified_patient":   {"患者身份尚未核验。", "The patient's identity has not been verified."},
		"screen.consistency.unverified_publisher": {"发布人身份尚未核验。", "The publisher's identity has not been verified."},
		"screen.consistency.no_story":             {"请填写求助说明。", "Please describe the situation and what the help is for."},
		"screen.consistency.no_target":            {"请填写目标金额。", "Please enter the amount you are asking for."},
		"screen.consistency.no_breakdown":         {"请填写资金用途明细。", "Please break the amount down by what it will pay for."},
		"screen.consistency.use_not_positive":     {"资金用途第 %s 项的金额须大于零。", "The amount of item %s of the breakdown must be more than zero."},
		"screen.consistency.breakdown_mismatch":   {"资金用途明细合计 ¥%s，与目标金额 ¥%s 不一致。", "The breakdown adds up to CN¥%s, but the amount asked for is CN¥%s."},
		"screen.consistency.no_costs":             {"请提供医疗费用预估及证明材料。", "Please provide an estimate of the medical costs, with the documents that support it."},
		"screen.consistency.target_above_costs":   {"目标金额 ¥%s 超过证明材料所列费用 ¥%s 的 %s%%，请说明理由或调低目标金额。", "The amount asked for, CN¥%s, is more than %[3]s%% of the costs the documents show (CN¥%[2]s); please explain why or lower it."},

		"screen.duplicate.patient_open":          {"该患者已有一条正在审核或筹款中的求助，同一患者同一时间只能有一条求助。", "The patient already has a request under review or fundraising; a patient can have only one at a time."},
		"screen.duplicate.patient_open_staff":    {"该患者的其他进行中求助：%s", "The patient's other open requests: %s"},
		"screen.duplicate.publisher_other_staff": {"该发布人另有 %s 条求助：%s", "The publisher has %s other requests: %s"},

		"screen.blacklist.blocked":         {"求助涉及的人员在平台失信名单中，无法发布求助。如有异议，可向平台提出申诉。", "A person named in this request is on the platform's list of dishonest fundraisers, so it cannot be published. That person may appeal."},
		"screen.blacklist.patient_staff":   {"患者在失信名单中（记录 #%s）：%s", "The patient is on the blacklist (entry #%s): %s"},
		"screen.blacklist.publisher_staff": {"发布人在失信名单中（记录 #%s）：%s", "The publisher is on the blacklist (entry #%s): %s"},

		"screen.links.phone_staff":   {"与 %s 条其他求助使用相同手机号：%s", "Shares a phone number with %s other requests: %s"},
		"screen.links.device_staff":  {"与 %s 条其他求助使用相同设备：%s", "Shares a device with %s other requests: %s"},
		"screen.links.bank_staff":    {"与 %s 条其他求助使用相同收款银行账户：%s", "Shares a payee bank account with %s other requests: %s"},
		"screen.links.network_staff": {"共与 %s 条其他求助存在关联，疑似团伙或代发。", "Linked to %s other requests in all: possibly a ring or a professional fundraiser."},

		"screen.wording.review":       {"求助内容中有需要人工核实的表述。", "Some wording in the request needs to be checked by a reviewer."},
		"screen.wording.phrase_staff": {"第 %[2]s 段文字含风险用语“%[1]s”。", "Text %[2]s contains the risky phrase \"%[1]s\"."},
	})
}
