package i18n

// The messages of package refund: the published refund policy (P), the
// starts of a run (R-REF-1, R-REF-2, R-PUB-4) and their refusals.
func init() {
	register(map[string]message{
		"refund.input_invalid":     {"请按提示修改标出的内容。", "Please fix the marked fields."},
		"refund.request_required":  {"请指明求助。", "Name the request."},
		"refund.cause_invalid":     {"退款原因无效。", "The cause of the refund is not valid."},
		"refund.amount_invalid":    {"退款金额无效。", "The refund amount is not valid."},
		"refund.reason_too_long":   {"说明不能超过 %d 个字。", "The reason must be at most %d characters."},
		"refund.actor_required":    {"缺少操作人。", "Who decided it is missing."},
		"refund.key_invalid":       {"幂等键须为 1 至 %d 个字符。", "The idempotency key must be 1 to %d characters."},
		"refund.donation_required": {"请指明要退款的捐款。", "Name the donation to refund."},
		"refund.not_yours":         {"没有找到这笔捐款。", "This donation was not found."},
		"refund.already":           {"这笔捐款已经退过款，不能重复申请。", "This donation has already been refunded; it cannot be refunded twice."},
		"refund.paid_out":          {"该求助的善款已开始拨付，按退款规则不能再申请退款；若求助被终止，将自动退款。", "Money of this request has been paid out, so under the refund policy it cannot be refunded now; if the request is terminated, you will be refunded automatically."},
		"refund.too_much":          {"退款金额不能超过捐款金额。", "A refund cannot be more than the donation."},
		"refund.nothing":           {"没有可退的款项。", "There is nothing to refund."},
		"refund.payout_open":       {"仍有拨付在审核或支付中，完成后才能退还余款。", "A payout is still in review or being paid; the balance can be refunded once it is done."},
		"refund.purpose_not_ended": {"求助须先以“目标已实现”或“目的已无法实现”结束筹款。", "The request must first close as purpose achieved or purpose gone."},
		"refund.not_publisher":     {"没有找到这个求助。", "This request was not found."},
		"refund.insufficient":      {"退款金额超过该求助当前可退的余额。", "The amount is more than the request can give back now."},
		"refund.key_reused":        {"这个幂等键已用于另一次退款。", "This idempotency key was used for another refund."},
		"refund.unknown":           {"没有这笔退款。", "No such refund."},
		"refund.not_to_charity":    {"只有退款失败的款项才能转入慈善。", "Only a failing refund can be given to charity."},
		"refund.after_close":       {"筹款结束后到账的捐款会自动全额退还。", "A payment that arrived after fundraising closed is refunded in full automatically."},
		"refund.run_unknown":       {"没有这次退款。", "No such refund run."},
		"refund.request_unknown":   {"没有找到这个求助。", "This request was not found."},
		"refund.ledgering":         {"退款正在记账，请稍后再看。", "The refund is being recorded; look again shortly."},
		"refund.already_settled":   {"这笔退款已有结果。", "This refund is already settled."},
		"refund.state.planned":     {"已计划", "Planned"},
		"refund.state.decided":     {"已决定", "Decided"},
		"refund.state.sending":     {"发送中", "Sending"},
		"refund.state.processing":  {"退款处理中", "Being refunded"},
		"refund.state.succeeded":   {"已退回", "Refunded"},
		"refund.state.retrying":    {"等待重试", "Waiting to retry"},
		"refund.state.abnormal":    {"退款异常，等待重试", "Refund failed; waiting to retry"},
		"refund.state.to_charity":  {"无法退回，已转入慈善", "Could not be refunded; given to charity"},
	})
}
