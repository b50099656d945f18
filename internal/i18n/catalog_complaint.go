package i18n

// The messages of complaints (package complaint): categories, statuses,
// outcomes, the dispute routes (R-DISP-1), the refusals of the form and of
// the handlers' actions, and the handlers' console.
func init() {
	register(map[string]message{
		"complaint.category.false_info": {"求助信息不实", "False information in a request"},
		"complaint.category.misuse":     {"善款被挪用", "Money misused"},
		"complaint.category.privacy":    {"个人信息泄露或滥用", "Personal information exposed or misused"},
		"complaint.category.payout":     {"拨付问题", "A payout problem"},
		"complaint.category.staff":      {"平台工作人员的行为", "A staff member's conduct"},
		"complaint.category.other":      {"其他", "Something else"},

		"complaint.status.received":      {"已收到", "Received"},
		"complaint.status.triaged":       {"已受理", "Acknowledged"},
		"complaint.status.investigating": {"调查中", "Being investigated"},
		"complaint.status.resolved":      {"已办结", "Resolved"},
		"complaint.status.dismissed":     {"不予受理", "Dismissed"},

		"complaint.outcome.upheld":     {"投诉属实，已处理", "Upheld: action taken"},
		"complaint.outcome.partly":     {"部分属实，已处理", "Partly upheld: some action taken"},
		"complaint.outcome.not_upheld": {"经调查未发现问题", "Not upheld: nothing wrong found"},
		"complaint.outcome.dismissed":  {"不予受理", "Dismissed"},

		"complaint.dispute.settlement":  {"协商和解：与平台或求助人协商解决，也可以请人民调解组织调解。", "Settlement: agree a solution with the platform or the requester, with a people's mediation committee if you wish."},
		"complaint.dispute.authority":   {"向指定本平台的民政部门投诉或举报。", "Complain to the civil affairs authority that designated this platform."},
		"complaint.dispute.arbitration": {"仲裁：依照服务协议的仲裁条款或双方的仲裁协议，向仲裁委员会申请仲裁。", "Arbitration: under the service agreement's arbitration clause, or an arbitration agreement between the parties."},
		"complaint.dispute.court":       {"诉讼：向有管辖权的人民法院提起诉讼。", "Court: bring a case before the competent people's court."},

		"complaint.event.received":     {"收到", "Received"},
		"complaint.event.acknowledged": {"受理", "Acknowledged"},
		"complaint.event.assigned":     {"分派", "Assigned"},
		"complaint.event.note":         {"调查记录", "Investigation note"},
		"complaint.event.linked":       {"关联", "Linked"},
		"complaint.event.escalated":    {"超时升级", "Escalated: a clock ran out"},
		"complaint.event.resolved":     {"办结", "Resolved"},
		"complaint.event.dismissed":    {"不予受理", "Dismissed"},

		"complaint.invalid":              {"请按提示修改后再提交。", "Please correct the fields marked below."},
		"complaint.category_invalid":     {"请选择投诉类别。", "Choose what the complaint is about."},
		"complaint.needs_request":        {"这类投诉需要指明是哪一个求助（填写求助编号，或从求助页面进入）。", "A complaint of this kind must name the request it is about (its number, or start from the request's page)."},
		"complaint.request_not_found":    {"没有这个编号的求助，请核对。", "There is no request with that number; please check it."},
		"complaint.text_empty":           {"请写下您要投诉或举报的内容。", "Write what you want to complain about or report."},
		"complaint.text_long":            {"内容不能超过 %d 个字，可以把材料作为附件上传。", "The text can be at most %d characters; attach documents as files."},
		"complaint.chars":                {"内容含有无法识别的字符，请删除后重试。", "The text has characters that cannot be read; remove them and try again."},
		"complaint.no_contact":           {"请留下手机号或电子邮箱（至少一项），或先登录，以便我们联系您、告知处理结果。", "Leave a phone number or an e-mail address (at least one), or sign in, so that we can reach you with the outcome."},
		"complaint.phone_invalid":        {"请填写正确的手机号或带区号的固定电话。", "Enter a valid mobile number, or a landline with its area code."},
		"complaint.email_invalid":        {"请填写正确的电子邮箱地址。", "Enter a valid e-mail address."},
		"complaint.name_long":            {"称呼不能超过 %d 个字。", "The name can be at most %d characters."},
		"complaint.staff_ref_long":       {"工作人员信息不能超过 %d 个字。", "The staff member's name or number can be at most %d characters."},
		"complaint.too_many_files":       {"最多上传 %d 个附件。", "Attach at most %d files."},
		"complaint.rate_limited":         {"同一网络在一小时内提交的投诉过多，请稍后再试，或拨打投诉电话。", "Too many complaints from this network in the last hour. Try again later, or call the complaint line."},
		"complaint.not_found":            {"没有找到这个投诉，请核对受理编号和查询码。", "No such complaint: check the tracking number and the code."},
		"complaint.closed":               {"这个投诉已经办结。", "This complaint is closed."},
		"complaint.assignee_is_subject":  {"投诉涉及的工作人员不能处理这个投诉。", "The staff member the complaint is about cannot handle it."},
		"complaint.assignee_invalid":     {"只能分派给投诉处理人员或管理员。", "Assign it to a complaint handler or an admin."},
		"complaint.response_empty":       {"请写下答复。", "Write the response."},
		"complaint.response_long":        {"答复不能超过 %d 个字。", "The response can be at most %d characters."},
		"complaint.response_screen":      {"答复含有需要复核的用语，请修改后再发布。", "The response uses wording that needs review; rephrase it before it is published."},
		"complaint.outcome_invalid":      {"请选择处理结果。", "Choose the outcome."},
		"complaint.note_empty":           {"请写下调查记录。", "Write the note."},
		"complaint.note_long":            {"调查记录不能超过 %d 个字。", "A note can be at most %d characters."},
		"complaint.already_linked":       {"已经关联过，不能更改。", "It is linked already; a link is not changed."},
		"complaint.already_acknowledged": {"这个投诉已经受理。", "This complaint is acknowledged already."},
		"complaint.day_invalid":          {"请填写日期，例如 2026-10-01。", "Enter a date such as 2026-10-01."},
	})
}
