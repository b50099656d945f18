package i18n

// The messages of what donors, publishers and the public see of refunds:
// "my donations" and the receipt, the confirmation steps, the public
// figures (R-DISC-1) and the donor's SMS.
func init() {
	register(map[string]message{
		"refundui.title":               {"退款", "Refund"},
		"refundui.state.none":          {"未退款", "Not refunded"},
		"refundui.state.asked":         {"已申请退款", "Refund asked for"},
		"refundui.state.on_its_way":    {"退款中", "Refund on its way"},
		"refundui.state.refunded":      {"已退款", "Refunded"},
		"refundui.state.to_charity":    {"无法原路退回，已转入慈善", "Could not be refunded; given to charity"},
		"refundui.refunded_to":         {"%s 退回至 %s", "on %s to %s"},
		"refundui.refunded_where":      {"%s 已于 %s 原路退回至：%s", "%s went back on %s to: %s"},
		"refundui.charity_note":        {"其中 %s 无法原路退回，已转入慈善", "%s of it could not be paid back and went to charity"},
		"refundui.to_charity_explain":  {"支付渠道多次无法将这笔钱原路退回，按规则已转入登记的慈善组织，并在慈善转账公示页列出。", "The payment provider could not pay this money back after several attempts; under the rules it went to a registered charity, listed on the public charity transfers page."},
		"refundui.policy":              {"退款规则：在该求助的善款尚未拨付前，你可以申请全额退还自己的捐款；求助若被终止，未拨付的善款会自动按比例退还。每笔捐款只能申请一次，钱会原路退回你付款的账户。", "Refund policy: while none of the request's money has been paid out, you may ask for your whole donation back; if the request is terminated, what was not paid out is refunded to every donor automatically. Each donation can be refunded once, back to the account you paid from."},
		"refundui.ask.button":          {"申请退款", "Ask for a refund"},
		"refundui.ask.title":           {"确认申请退款", "Confirm your refund"},
		"refundui.ask.amount":          {"退款金额", "Amount to refund"},
		"refundui.ask.confirm":         {"确认退款", "Yes, refund it"},
		"refundui.done.asked":          {"已收到你的退款申请，钱会原路退回，到账后会短信通知你。", "Your refund is under way; the money goes back the way you paid, and you will get a text message when it arrives."},
		"refundui.back":                {"返回我的求助", "Back to my request"},
		"refundui.rest.section":        {"退还余款", "Refund the rest"},
		"refundui.rest.title":          {"不再拨付：将余款退还捐款人", "No more payouts: refund the rest to donors"},
		"refundui.rest.button":         {"不再拨付，退还余款", "No more payouts: refund the rest"},
		"refundui.rest.summary":        {"可退还 %s，将按捐款比例退给 %d 笔捐款。", "%s can be refunded, to %d donations in proportion to what each gave."},
		"refundui.rest.explain":        {"确认后将不再申请拨付，余款按每位捐款人的捐款比例原路退回，此操作不能撤销。", "Once confirmed, no more payouts can be asked for; the rest goes back to every donor in proportion to what they gave, by the way they paid. This cannot be undone."},
		"refundui.rest.confirm":        {"确认退还余款", "Yes, refund the rest"},
		"refundui.done.rest":           {"余款退还已开始，进度见下方。", "The refund of the rest has started; its progress is below."},
		"refundui.run.progress":        {"共 %d 笔：已退 %d，退款中 %d，转入慈善 %d", "%d refunds: %d paid back, %d on their way, %d to charity"},
		"refundui.run.ledgering":       {"记账中", "Being recorded"},
		"refundui.run.ledgered":        {"退款中", "Paying back"},
		"refundui.run.finished":        {"已完成", "Finished"},
		"refundui.cause.purpose_ended": {"目的已实现或无法实现", "Purpose achieved or gone"},
		"refundui.cause.after_close":   {"筹款结束后到账", "Paid after closing"},
		"refundui.cause.donor":         {"捐款人申请", "A donor's request"},
		"refundui.cause.terminated":    {"求助被终止", "Request terminated"},
		"refundui.cause.recovery":      {"追回款退还", "Recovered money"},
		"refundui.cause.wind_down":     {"平台停止运营", "Platform wind-down"},
		"refundui.figures.title":       {"善款去向", "Where the money is"},
		"refundui.figures.raised":      {"已筹", "Raised"},
		"refundui.figures.paid_out":    {"已拨付", "Paid out"},
		"refundui.figures.refunded":    {"已退还捐款人", "Refunded"},
		"refundui.figures.refunding":   {"退款中", "Being refunded"},
		"refundui.figures.to_charity":  {"转入慈善", "To charity"},
		"refundui.figures.held":        {"托管中", "Held in custody"},
		"refundui.figures.note":        {"以上数字均来自托管账户的账本。", "Each figure comes from the custody account's ledger."},
		"refundui.sms.sent":            {"【善款互助】你对求助 %d 的捐款，%s 元退款已提交支付渠道，将原路退回。", "[carefund] Your refund of %[2]s yuan for request %[1]d was sent to the payment provider and is on its way back."},
		"refundui.sms.succeeded":       {"【善款互助】你对求助 %d 的捐款，%s 元已原路退回，请查收。", "[carefund] %[2]s yuan of your donation to request %[1]d has been refunded the way you paid."},
		"refundui.sms.to_charity":      {"【善款互助】你对求助 %d 的捐款，%s 元多次无法原路退回，已按规则转入慈善组织。", "[carefund] %[2]s yuan of your donation to request %[1]d could not be paid back after several attempts and went to charity under the rules."},
	})
}

func init() {
	register(map[string]message{
		"refund.in_full":        {"按退款规则，捐款只能全额退还。", "Under the refund policy a donation is refunded in full."},
		"refundui.key_required": {"请在 Idempotency-Key 头中给出 1 至 100 个字符的键。", "Give a key of 1 to 100 characters in the Idempotency-Key header."},
	})
}
