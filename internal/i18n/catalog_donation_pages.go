package i18n

// The messages of the donation flow's pages: the form, the page of a
// request that takes no donations, the thank-you page with its receipt, and
// the donor's own list. The form states that there is no fee (R-FEE-1) and
// that an anonymous donor is still known to the platform (R-DON-2).
func init() {
	register(map[string]message{
		"donate.title":                {"捐助", "Donate"},
		"donate.raised":               {"已筹 / 目标", "Raised / target"},
		"donate.donors":               {"%d 笔捐助", "%d donations"},
		"donate.amount.choose":        {"选择金额", "Choose an amount"},
		"donate.amount.other":         {"或输入金额（元）", "Or type an amount (yuan)"},
		"donate.amount.hint":          {"输入了金额时，以输入的金额为准。最少 1 元。", "A typed amount takes precedence over a chosen one. At least ¥1."},
		"donate.anonymous":            {"不向公众显示我的名字（平台仍会记录付款人，以便原路退款）", "Hide my name from the public (the platform still records who paid, so that a refund can go back by the original route)"},
		"donate.message":              {"留言（选填，最多 200 字）", "Message (optional, at most 200 characters)"},
		"donate.message.hint":         {"留言会公开显示，请不要写患者的全名、身份证号等个人信息。", "Messages are public: do not write the patient's full name, ID number or other personal details."},
		"donate.agree":                {"我已阅读并同意", "I have read and agree to"},
		"donate.agreed":               {"您已于 %s 同意", "You agreed on %s to"},
		"donate.privacy":              {"平台如何处理您的个人信息，见", "How the platform handles your personal information:"},
		"donate.no_fee":               {"平台不收取任何费用，捐款全额进入该求助的资金存管账户。", "The platform charges no fee; the whole amount goes to the request's custody account."},
		"donate.risk":                 {"个人求助不是慈善募捐，不能开具捐赠票据；信息的真实性由求助人负责。", "Personal help-seeking is not charitable fundraising and no donation receipt for tax is issued; the requester is responsible for the truth of the information."},
		"donate.pay":                  {"去支付", "Pay"},
		"donate.back":                 {"返回求助详情", "Back to the request"},
		"donate.closed.title":         {"该求助现在不接受捐助", "This request is not taking donations"},
		"donate.closed.body":          {"该求助已停止筹款。", "This request is no longer raising money."},
		"donate.closed.nothing_taken": {"没有发生任何扣款。", "Nothing was charged."},

		"donate.receipt.title":          {"捐助凭证", "Your donation"},
		"donate.receipt.thanks":         {"谢谢您的帮助！", "Thank you for your help!"},
		"donate.receipt.pending":        {"正在等待支付机构的确认，本页会自动刷新。", "Waiting for the payment provider's confirmation; this page refreshes by itself."},
		"donate.receipt.custody":        {"这笔钱存放在该求助的资金存管账户中，只用于这一求助。", "The money is held in the custody account for this request and used only for it."},
		"donate.receipt.refund_pending": {"您的付款到达时该求助已停止筹款，这笔钱将按原支付渠道全额退回。", "The request had closed when your payment arrived; it will be refunded in full by the original route."},
		"donate.receipt.refunded":       {"这笔钱已按原支付渠道全额退回。", "This money has been refunded in full by the original route."},
		"donate.receipt.lapsed":         {"这笔订单没有在有效期内支付，已经取消，没有发生扣款。", "This order was not paid in time and has been cancelled; nothing was charged."},
		"donate.receipt.held":           {"支付机构通知的付款与订单不一致，财务人员正在核查，核实后将入账或原路退回，钱不会丢失。", "The payment the provider reported does not match the order. Finance staff are checking it; it will be credited or refunded by the original route, and no money is lost."},
		"donate.receipt.request":        {"求助", "Request"},
		"donate.receipt.amount":         {"捐助金额", "Amount"},
		"donate.receipt.shown_as":       {"公开显示", "Shown to the public"},
		"donate.receipt.anonymous":      {"匿名", "anonymously"},
		"donate.receipt.not_anonymous":  {"不匿名", "not anonymously"},
		"donate.receipt.message":        {"留言", "Message"},
		"donate.receipt.message_held":   {"（平台审核后公开）", "(public once the platform has reviewed it)"},
		"donate.receipt.order":          {"订单号", "Order number"},
		"donate.receipt.placed_at":      {"下单时间", "Placed at"},
		"donate.receipt.transaction":    {"支付流水号", "Provider's transaction number"},
		"donate.receipt.paid_at":        {"支付时间", "Paid at"},
		"donate.receipt.entry":          {"账本记录号", "Ledger entry"},
		"donate.receipt.share":          {"分享这个求助", "Share this request"},
		"donate.receipt.share_note":     {"分享只统计带来的帮助，不会让任何人获得报酬。", "A share only counts the help it brings; it never pays anyone."},

		"donate.state.pending":        {"等待确认", "waiting for confirmation"},
		"donate.state.paid":           {"已支付", "paid"},
		"donate.state.refund_pending": {"待退款", "refund pending"},
		"donate.state.refunded":       {"已退款", "refunded"},
		"donate.state.lapsed":         {"未支付", "not paid"},
		"donate.state.held":           {"核查中", "being checked"},

		"donate.my.title":   {"我的捐助", "My donations"},
		"donate.my.none":    {"您还没有捐助记录。", "You have not donated yet."},
		"donate.my.receipt": {"查看凭证", "Receipt"},
	})
}
