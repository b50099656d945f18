package i18n

// The messages of package material: the kinds of supporting material a
// request needs (R-REQ-3, R-REQ-4, R-REQ-5), a one-line hint of what to
// upload for each, and the refusals. None repeats a file's name or content.
func init() {
	register(map[string]message{
		"material.summary_required":   {"请填写公示内容：出具机构、日期和证明的内容（不要写患者姓名或身份证号）。", "Write what the public sees: the issuing institution, the date and what it certifies (not the patient's name or ID number)."},
		"material.summary_long":       {"公示内容太长，最多 %d 个字。", "The summary is too long: at most %d characters."},
		"material.kind.diagnosis":     {"诊断证明", "Diagnosis proof"},
		"material.kind.id_document":   {"患者身份证明", "Patient's ID documents"},
		"material.kind.relationship":  {"关系证明", "Proof of relationship"},
		"material.kind.cost_estimate": {"医疗费用预估证明", "Cost estimate"},
		"material.kind.certificate":   {"医疗机构书面证明（目标金额超过 50 万元）", "Medical institution's certificate (target above CN¥500,000)"},
		"material.kind.expense_list":  {"医疗费用清单", "List of medical expenses"},
		"material.kind.other":         {"其他补充材料", "Other material"},

		"material.hint.diagnosis":     {"医院出具并盖章的诊断证明书、病历首页或出院小结。", "A diagnosis certificate, medical record front page or discharge summary stamped by the hospital."},
		"material.hint.id_document":   {"患者身份证正反面；未成年患者可上传户口本本人页。", "Both sides of the patient's ID card; for a child, the household register page of the patient."},
		"material.hint.relationship":  {"户口本、结婚证或出生医学证明等能证明您与患者关系的材料。", "The household register, a marriage certificate, a birth certificate or another document proving your relationship to the patient."},
		"material.hint.cost_estimate": {"医院开具的后续治疗费用预估证明。", "The hospital's written estimate of the cost of further treatment."},
		"material.hint.certificate":   {"有资质的医疗机构出具的书面证明，说明需要超过 50 万元的治疗费用；审核后将在求助页面公示。", "A written certificate from a qualified medical institution that treatment costs more than CN¥500,000; once reviewed it is published on the request page."},
		"material.hint.expense_list":  {"医院出具的医疗费用清单，列明已发生和预计的各项费用。", "The hospital's list of medical expenses, incurred and expected, item by item."},
		"material.hint.other":         {"审核员要求补充的其他材料。", "Any other material the reviewer asked for."},

		"material.kind_invalid":    {"请从列表中选择材料的类型。", "Choose the kind of material from the list."},
		"material.too_many":        {"每个求助最多保留 %d 份材料，请先撤回不再需要的材料。", "A request can hold at most %d files; withdraw the ones no longer needed first."},
		"material.not_reviewed":    {"这份材料尚未审核，审核通过后才能公示。", "This material has not been reviewed yet; it can be published only once reviewed."},
		"material.not_publishable": {"只有医疗机构书面证明和医疗费用清单可以公示。", "Only the medical institution's certificate and the list of medical expenses can be published."},
		"material.withdrawn":       {"这份材料已被撤回。", "This material was withdrawn."},
		"material.published":       {"这份材料已经公示，不能撤回。", "This material is published and cannot be withdrawn."},
		"material.missing":         {"还缺少必需的证明材料，请按各项提示上传后再提交。", "Some required supporting material is missing; upload what each item asks for and submit again."},
		"material.missing_kind":    {"请上传这项材料。", "Upload this material."},
		"material.unreviewed":      {"还有 %d 份必需的材料未标记为已审核：请逐份查看并标记后再同意。", "%d required materials are not marked reviewed yet: check and mark each one before approving."},
	})
}
