package i18n

// The messages of the platform's wind-down (R-WIND-1): the banner on every
// page, the public progress page, the console's page and the errors of
// package winddown.
func init() {
	register(map[string]message{
		"winddown.invalid":     {"请按提示修改后再提交。", "Please correct the fields marked and send again."},
		"winddown.text":        {"必填，最多 %d 个字。", "Required, at most %d characters."},
		"winddown.date":        {"请填写撤销指定的日期（年-月-日），不能晚于今天。", "Enter the date the designation was withdrawn (YYYY-MM-DD), not after today."},
		"winddown.live":        {"停止服务已经提出或已经批准，不能再次提出。", "A wind-down has already been proposed or approved; it cannot be proposed again."},
		"winddown.not_found":   {"没有这项停止服务。", "There is no such wind-down."},
		"winddown.not_started": {"平台没有在停止服务。", "The platform is not winding down."},

		"winddown.step.apply":     {"可申请拨付至第 30 日，之后退还", "May apply for payouts until day 30, then refunded"},
		"winddown.step.refund":    {"退还捐款人", "Refund to donors"},
		"winddown.step.paying":    {"等待银行拨付", "Waiting for the bank to pay out"},
		"winddown.step.refunding": {"退款进行中", "Refunds under way"},
		"winddown.step.done":      {"已清零", "Nothing left"},

		"winddown.banner.aria":      {"平台停止服务公告", "Wind-down notice"},
		"winddown.banner.title":     {"平台停止服务：", "The platform is winding down:"},
		"winddown.banner.deadline":  {"所有未拨付的善款将在 %s 前拨付或退还。", "All money not yet paid out will be paid out or refunded by %s."},
		"winddown.banner.completed": {"所有善款已拨付或退还完毕。", "All money has been paid out or refunded."},
		"winddown.banner.link":      {"查看进度", "See the progress"},

		"winddown.title":         {"平台停止服务", "Platform wind-down"},
		"winddown.none":          {"平台正常运营，没有停止服务。", "The platform is operating normally; it is not winding down."},
		"winddown.notice":        {"公告（在每个页面显示）", "Notice (shown on every page)"},
		"winddown.reason":        {"原因（仅工作人员可见）", "Reason (staff only)"},
		"winddown.withdrawn_on":  {"撤销指定日期", "Designation withdrawn on"},
		"winddown.ministry_ref":  {"民政部文号", "Ministry's reference"},
		"winddown.start":         {"停止筹款日期", "Fundraising stopped on"},
		"winddown.refund_from":   {"开始退还日期（第 30 日）", "Refunds start (day 30)"},
		"winddown.deadline":      {"全部清零期限（第 60 日）", "Everything out by (day 60)"},
		"winddown.day":           {"进度", "Progress"},
		"winddown.day_of":        {"第 %d 日（共 60 日）", "Day %d of 60"},
		"winddown.completed_at":  {"已于 %s 完成", "Completed on %s"},
		"winddown.plan":          {"停止服务当日起所有筹款停止。第 30 日前，求助人仍可凭票据申请拨付（经两人审核）；第 30 日起，每个求助剩余的善款按比例原路退还捐款人，无法原路退还的转入慈善；第 60 日前全部完成。", "From the first day all fundraising stops. Until day 30 requesters may still apply for payouts of documented costs (approved by two people); from day 30 what each request still holds is refunded pro rata to its donors by the original route, and what cannot be refunded that way goes to charity; everything is done by day 60."},
		"winddown.money":         {"善款去向（来自账本）", "Where the money went (from the ledger)"},
		"winddown.held_at_start": {"停止时未拨付", "Undisbursed at the start"},
		"winddown.received":      {"之后到账的付款", "Payments received after"},
		"winddown.held":          {"仍在托管", "Still held"},
		"winddown.requests":      {"共 %d 个求助，已清零 %d 个，逾期 %d 个。", "%d requests, %d with nothing left, %d late."},

		"staff.wind-down.title":         {"停止服务", "Wind-down"},
		"winddown.staff.lead":           {"民政部撤销平台指定后，由一名管理员提出停止服务，另一名管理员批准。批准后当日所有页面显示公告、所有筹款停止。", "When the ministry withdraws the platform's designation, one admin proposes the wind-down and another approves it. From approval every page shows the notice and all fundraising stops."},
		"winddown.staff.pending":        {"待批准的停止服务", "Wind-down waiting for approval"},
		"winddown.staff.proposed_by":    {"提出人", "Proposed by"},
		"winddown.staff.four_eyes":      {"须由提出人以外的管理员批准。", "An admin other than the proposer must approve it."},
		"winddown.staff.note":           {"审批意见", "Note"},
		"winddown.staff.approve":        {"批准停止服务", "Approve the wind-down"},
		"winddown.staff.reject":         {"驳回", "Reject"},
		"winddown.staff.propose":        {"提出停止服务", "Propose the wind-down"},
		"winddown.staff.propose_lead":   {"提交后须由另一名管理员批准才生效。", "It takes effect only when another admin approves it."},
		"winddown.staff.progress":       {"进度", "Progress"},
		"winddown.staff.state_at_start": {"停止时状态", "State at the start"},
		"winddown.staff.breakdown":      {"求助账户 / 待拨付 / 退款中", "Request / payouts due / refunds due"},
		"winddown.staff.parts":          {"%s / %s / %s", "%s / %s / %s"},
		"winddown.staff.next":           {"下一步", "Next step"},
		"winddown.staff.late":           {"逾期", "Late"},
		"winddown.staff.all_out":        {"所有求助的善款均已清零。", "Every request's money is out."},
		"winddown.staff.done.proposed":  {"已提出，等待另一名管理员批准。", "Proposed; waiting for another admin's approval."},
		"winddown.staff.done.approved":  {"已批准：所有页面显示公告，筹款已停止。", "Approved: every page shows the notice and fundraising has stopped."},
		"staff.summary.wind_down":       {"平台停止服务：关闭所有筹款，60 日内拨付或退还全部未拨付善款（详见“停止服务”页）", "Wind the platform down: close all fundraising, pay out or refund every undisbursed yuan within 60 days (see the Wind-down screen)"},
		"winddown.staff.done.rejected":  {"已驳回。", "Rejected."},
	})
}
