package i18n

// The messages of package payout: the mode the publisher is shown before
// applying (R-DISB-3), the payee and amount rules (R-DISB-2, R-REF-3) and
// four eyes on payouts (R-STAFF-1). None of them repeats an account number
// or a name.
func init() {
	register(map[string]message{
		"payout.invalid": {"请按提示修改标出的内容。", "Please fix the marked fields."},

		"payout.mode.direct":              {"可拨付至求助人本人账户", "Can be paid to the requester's own account"},
		"payout.mode.hospital_or_batches": {"仅可直接拨付至医院账户，或分批拨付", "Paid only to the hospital's account directly, or in batches"},
		"payout.mode.small":               {"已筹得 ¥%s，不足 ¥50,000，可拨付至求助人本人或其指定的收款人账户。", "¥%s raised, under ¥50,000: it can be paid to the requester's own account or a payee they designated."},
		"payout.mode.disclosed":           {"已筹得 ¥%s，不足 ¥300,000，且信息公开完整，可拨付至求助人本人或其指定的收款人账户。", "¥%s raised, under ¥300,000, with complete disclosure: it can be paid to the requester's own account or a payee they designated."},
		"payout.mode.incomplete":          {"已筹得 ¥%s，达到 ¥50,000，但信息公开尚不完整（见下列事项），按自律公约只能直接拨付至医院账户，或提交诊疗方案、费用清单经审核公示后分批拨付。补全后可改为直接拨付。", "¥%s raised, ¥50,000 or more, with incomplete disclosure (see the items below): under the self-discipline convention it can be paid only to the hospital's account directly, or in batches, each after its medical plan or expense list is reviewed and published. Complete them to be paid directly."},
		"payout.mode.large":               {"已筹得 ¥%s，达到 ¥300,000，按自律公约只能直接拨付至医院账户，或提交诊疗方案、费用清单经审核公示后分批拨付。", "¥%s raised, ¥300,000 or more: under the self-discipline convention it can be paid only to the hospital's account directly, or in batches, each after its medical plan or expense list is reviewed and published."},

		"payout.payee_kind.requester": {"求助人本人账户", "The requester's own account"},
		"payout.payee_kind.guardian":  {"求助人的监护人", "The requester's guardian"},
		"payout.payee_kind.relative":  {"求助人的近亲属", "A close relative of the requester"},
		"payout.payee_kind.hospital":  {"医院账户（平台已核实）", "A hospital's account (verified by the platform)"},
		"payout.payee.kind":           {"请选择收款人：求助人本人、监护人、近亲属或已核实的医院，不能选择其他人。", "Choose the payee: the requester, their guardian, a close relative or a verified hospital; no one else can be paid."},
		"payout.payee.not_close":      {"收款人须为求助人的近亲属：配偶、父母、子女、兄弟姐妹、祖父母、外祖父母、孙子女、外孙子女。", "The payee must be a close relative of the requester: spouse, parent, child, sibling, grandparent or grandchild."},
		"payout.payee.proof":          {"请上传关系证明（或监护证明），并等待审核通过。", "Upload proof of the relationship (or of guardianship) and wait for it to be accepted."},
		"payout.payee.designation":    {"该账户须由求助人本人或其监护人指定，信息发布人不能单独指定。", "This account must be designated by the requester or their guardian; the publisher alone cannot designate it."},
		"payout.payee.unlisted":       {"只能拨付至平台已核实的医院账户，该医院不在名录中。", "A hospital can be paid only to an account the platform has verified; this one is not in the directory."},
		"payout.payee.hospital_only":  {"当前只能直接拨付至医院账户；拨付给个人须按批次申请，并提交诊疗方案或费用清单。", "This request can be paid only to a hospital's account directly; a person can be paid only in batches, each with its medical plan or expense list."},
		"payout.batch.unpublished":    {"本批次的诊疗方案或费用清单审核公示后才能拨付。", "This batch can be paid only once its medical plan or expense list has been reviewed and published."},

		"payout.amount.min":       {"拨付金额至少为 ¥0.01。", "The amount must be at least ¥0.01."},
		"payout.amount.balance":   {"拨付金额不能超过该求助当前可用的余额 ¥%s。", "The amount cannot exceed what the request holds, ¥%s."},
		"payout.amount.in_flight": {"已有 ¥%s 的拨付正在办理，剩余可申请 ¥%s；请等待办理完成后再申请。", "Payouts of ¥%s are in progress; ¥%s is left to apply for. Wait for them to finish before applying for more."},

		"payout.related":       {"你与该求助存在利害关系，需要回避，不能办理其拨付。", "You are related to this request and must recuse yourself from its payouts."},
		"payout.voucher":       {"你曾提交或核准该收款账户，不能再审批向其拨付。", "You proposed or approved this payee's account, so you cannot approve payouts to it."},
		"payout.not_claimed":   {"请先领取该拨付申请，再进行审核。", "Take this payout application before you review it."},
		"payout.no_first":      {"该拨付申请尚未通过初审，不能复核。", "This payout application has no first approval yet to confirm."},
		"payout.same_approver": {"拨付须由另一名财务人员复核，不能复核自己审核的申请。", "A payout needs a second finance officer's approval; you cannot confirm your own review."},

		"payout.state.requested":  {"已提交", "Submitted"},
		"payout.state.in_review":  {"审核中", "In review"},
		"payout.state.needs_info": {"待补充材料", "More information needed"},
		"payout.state.approved":   {"已批准，待拨付", "Approved, waiting to be paid"},
		"payout.state.paying":     {"拨付中", "Being paid"},
		"payout.state.paid":       {"已拨付", "Paid"},
		"payout.state.failed":     {"拨付失败，款项已退回求助账户", "Payment failed; the money is back on the request"},
		"payout.state.rejected":   {"未通过", "Rejected"},
		"payout.state.returned":   {"已退票，款项已退回求助账户", "Returned by the bank; the money is back on the request"},

		"payout.public.to.requester": {"拨付至患者本人账户", "To the patient's own account"},
		"payout.public.to.guardian":  {"拨付至患者监护人账户", "To the patient's guardian's account"},
		"payout.public.to.relative":  {"拨付至患者近亲属账户", "To a close relative of the patient"},
		"payout.public.to.hospital":  {"拨付至医院账户", "To the hospital's account"},

		"payout.state_conflict":   {"该拨付申请当前状态（%s）不能进行此操作，请刷新后重试。", "This payout application cannot take this step in its current state (%s). Reload and try again."},
		"payout.usage.overdue":    {"拨付 #%d 的资金使用情况已逾期未公示，请先发布使用情况及票据，再申请下一笔拨付。", "The usage update of payout #%d is overdue: post it, with receipts, before applying for the next payout."},
		"payout.unknown":          {"没有找到该拨付申请或求助。", "No such payout application or request."},
		"payout.not_yours":        {"只有该求助的发布人或求助人本人可以申请拨付。", "Only the request's publisher or the requester may apply for its payouts."},
		"payout.not_finance":      {"只有在职的财务人员可以办理拨付。", "Only an active finance officer may handle payouts."},
		"payout.key_reused":       {"该申请已用不同内容提交过，请刷新页面后重新填写。", "This application was already submitted with different content. Reload the page and fill it in again."},
		"payout.insufficient":     {"该求助的余额不足以拨付该金额，未作任何变更。", "The request does not hold this amount; nothing was changed."},
		"payout.outcome_conflict": {"银行回报的结果与已记录的结果不一致，已留存待核查，未入账。", "The bank's outcome contradicts the one recorded; it was kept for checking and not applied."},
		"payout.transfer":         {"该转账编号不属于此拨付。", "This transfer id does not belong to this payout."},
		"payout.not_payable":      {"该求助当前状态不能申请拨付。", "This request cannot pay out in its current state."},
		"payout.purpose":          {"请填写用途，不超过 %d 字。", "Say what the money is for, at most %d characters."},
		"payout.payee_name":       {"请填写收款人姓名，不超过 %d 字。", "Enter the payee's name, at most %d characters."},
		"payout.bank_name":        {"请填写开户银行，不超过 %d 字。", "Enter the bank, at most %d characters."},
		"payout.material":         {"所选材料不属于该求助或已撤回。", "A chosen material is not one of this request's, or was withdrawn."},
		"payout.text":             {"请填写内容，不超过 %d 字。", "Enter the text, at most %d characters."},
		"payout.idem_key":         {"表单已失效，请刷新页面后重新提交。", "The form has expired. Reload the page and submit again."},
		"payout.relationship":     {"请选择收款人与求助人的关系。", "Choose the payee's relationship to the requester."},
	})
}
