package i18n

// catalog holds every user-facing message. Keys are grouped by page or
// purpose; error.<code> keys are the generic messages for each apperr code.
var catalog = map[string]message{
	"site.name":    {"carefund 大病求助", "carefund"},
	"site.tagline": {"个人大病求助，每一分钱都看得见", "Help for serious illness, every yuan accounted for"},
	"site.skip":    {"跳到正文", "Skip to content"},

	"nav.home":      {"首页", "Home"},
	"nav.rules":     {"平台规则", "Platform rules"},
	"nav.complain":  {"投诉举报", "Complaints & reports"},
	"nav.language":  {"English", "中文"},
	"nav.lang.aria": {"切换到英文", "Switch to Chinese"},

	"footer.notice":    {"个人求助不同于慈善募捐，信息真实性由求助人负责。", "Personal help-seeking is not charitable fundraising; the requester is responsible for the truth of the information."},
	"footer.custody":   {"捐款存入银行专用存管账户，只拨付给患者本人或医院。", "Donations are held in a dedicated bank custody account and paid only to the patient or the hospital."},
	"footer.rules":     {"平台规则", "Platform rules"},
	"footer.complain":  {"投诉与举报", "Complaints and reports"},
	"footer.copyright": {"carefund 开源项目", "carefund, an open-source project"},

	"home.title":         {"为大病家庭筹集救命钱", "Raising money for families facing serious illness"},
	"home.lead":          {"患者家庭发布经过核实的求助信息，社会公众捐款。善款存放在银行存管账户中，只拨付给患者或医院，未用完的原路退回，每一笔都公开。", "Families publish a verified request for help and the public donates. The money is held in a bank custody account, paid only to the patient or the hospital, refunded when not used, and every yuan is disclosed."},
	"home.requests":      {"正在筹款的求助", "Requests raising money now"},
	"home.requests.none": {"目前还没有正在筹款的求助。", "No request is raising money yet."},
	"home.how":           {"平台如何保障善款", "How the money is protected"},
	"home.how.verify":    {"双重审核：机器初筛与人工审核，核实身份、病情与家庭经济状况。", "Double review: a machine screen and a human reviewer check identity, diagnosis and the family's finances."},
	"home.how.custody":   {"资金存管：善款进入银行专用存管账户，不经过任何个人账户。", "Custody: donations go into a dedicated bank custody account, never into anyone's personal account."},
	"home.how.payout":    {"定向拨付：只拨付给患者本人、监护人、近亲属或医院。", "Directed payouts: only to the patient, their guardian, a close relative or the hospital."},
	"home.how.disclose":  {"全程公开：筹款、拨付、使用与退款逐笔公开，捐款人可自行核验。", "Full disclosure: money raised, paid out, used and refunded is published entry by entry, and any donor can verify it."},
	"home.start":         {"发起求助", "Ask for help"},
	"home.start.note":    {"需要手机号登录并完成实名认证；平台不收取求助人任何费用。", "You sign in with a mobile number and verify your real name; requesters pay no fees."},

	"rules.title":      {"平台规则", "Platform rules"},
	"rules.body":       {"服务协议、求助信息发布规则、个人信息处理规则、收费标准和资金使用与退款规则将在此公布，每个版本均可查阅。", "The service agreement, the rules for publishing requests for help, the personal information rules, the fee standard and the fund-use and refund terms will be published here, with every version kept readable."},
	"complain.title":   {"投诉与举报", "Complaints and reports"},
	"placeholder.soon": {"此功能正在建设中。", "This part is being built."},

	"error.title":        {"出错了", "Something went wrong"},
	"error.back":         {"返回首页", "Back to the home page"},
	"error.status":       {"错误代码 %d", "Error %d"},
	"error.invalid":      {"提交的内容有误，请按提示修改后重试。", "Something in what you sent needs fixing; see the messages and try again."},
	"error.not_found":    {"找不到这个页面，它可能已被删除或地址有误。", "This page cannot be found. It may have been removed, or the address is wrong."},
	"error.unauthorized": {"请先登录。", "Please sign in first."},
	"error.forbidden":    {"你没有权限进行此操作。", "You are not allowed to do this."},
	"error.conflict":     {"当前状态下不能进行此操作，请刷新后再试。", "This cannot be done in the current state; reload and try again."},
	"error.too_large":    {"提交的内容太大。", "What you sent is too large."},
	"error.rate_limited": {"操作太频繁，请稍后再试。", "Too many attempts; please wait a little and try again."},
	"error.unavailable":  {"服务暂时不可用，请稍后再试。", "The service is unavailable for a moment; please try again shortly."},
	"error.internal":     {"系统出现错误，我们已记录并会尽快处理。", "Something broke on our side. It has been logged and we will fix it."},
	"error.cross_origin": {"出于安全原因，此请求被拒绝。请从本站页面重新提交。", "For your safety this request was refused. Please submit it again from this site's own page."},
	"error.method":       {"此地址不支持该操作。", "This address does not support that action."},

	"money.empty":     {"请输入金额。", "Enter an amount."},
	"money.syntax":    {"金额格式不对，请输入数字，例如 100 或 100.50。", "That is not an amount; type a number such as 100 or 100.50."},
	"money.decimals":  {"金额最多精确到分（小数点后两位）。", "Amounts go to the fen: at most two decimals."},
	"money.sign":      {"金额不能带正负号。", "An amount cannot have a sign here."},
	"money.too_large": {"金额太大。", "That amount is too large."},
	"money.grouping":  {"千位分隔符位置不对，可以直接输入数字，例如 12345.60。", "The thousands separators are misplaced; you can type the number without them, such as 12345.60."},
}
