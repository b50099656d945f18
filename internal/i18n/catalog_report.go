package i18n

// The messages of the platform's reports: the six-monthly public report
// (R-DISC-3), the annual report for the ministry (R-DISC-4) and the
// exports (R-RPT-1).
func init() {
	register(map[string]message{
		"report.bad_half":          {"报告期应写作“2026-h1”（上半年）或“2026-h2”（下半年）。", "A report's period is written 2026-h1 (January to June) or 2026-h2 (July to December)."},
		"report.bad_year":          {"年份应为四位数字，如 2025。", "A year is four digits, such as 2025."},
		"report.not_ended":         {"这一报告期尚未结束，报告将在期满后发布。", "This period has not ended yet; its report is published once it is over."},
		"report.not_generated":     {"请先生成该年度报告，再标记为已报送。", "Generate the year's reports before marking them submitted."},
		"report.already_submitted": {"该年度报告已标记为已报送。", "The year's reports are already marked submitted."},

		"report.row.received":        {"收到求助", "Requests received"},
		"report.row.published":       {"发布求助", "Requests published"},
		"report.row.rejected":        {"驳回求助", "Requests rejected"},
		"report.row.terminated":      {"终止求助", "Requests terminated"},
		"report.row.raised":          {"筹得善款", "Money raised"},
		"report.row.recovered":       {"追回款项", "Money recovered"},
		"report.row.fees":            {"手续费", "Fees"},
		"report.row.paid_out":        {"已拨付", "Paid out"},
		"report.row.refunded":        {"已退还捐款人", "Refunded"},
		"report.row.refunding":       {"退款中（增减）", "Being refunded (change)"},
		"report.row.to_charity":      {"无法退回转入慈善", "Refunds given to charity"},
		"report.row.held":            {"托管中（增减）", "Held (change)"},
		"report.row.held.total":      {"托管中", "Held"},
		"report.row.refunding.total": {"退款中", "Being refunded"},
		"report.row.interest":        {"托管账户利息（归慈善）", "Custody interest (owed to charity)"},
		"report.row.charity_paid":    {"已转给慈善组织", "Paid to charitable organisations"},
		"report.row.donations":       {"捐款笔数", "Donations"},
		"report.row.complaints":      {"收到投诉举报", "Complaints received"},
		"report.row.category":        {"投诉类别：%s", "Complaints about: %s"},
		"report.row.outcome":         {"处理结果：%s", "Outcome: %s"},
		"report.row.open":            {"期末未办结", "Still open at the period's end"},
		"report.row.acked_in_time":   {"1 个工作日内确认", "Acknowledged within 1 working day"},
		"report.row.handled_in_time": {"7 个工作日内办结", "Handled within 7 working days"},
		"report.row.escalated":       {"超时升级", "Escalated (a clock ran out)"},
		"report.row.median_hours":    {"办结用时中位数（小时）", "Median time to handle (hours)"},

		"report.category.false_info": {"信息不实", "false information"},
		"report.category.misuse":     {"善款挪用", "misuse of money"},
		"report.category.privacy":    {"隐私", "privacy"},
		"report.category.payout":     {"拨付", "payouts"},
		"report.category.staff":      {"工作人员行为", "a staff member's conduct"},
		"report.category.other":      {"其他", "other"},
		"report.outcome.upheld":      {"属实", "upheld"},
		"report.outcome.partly":      {"部分属实", "partly upheld"},
		"report.outcome.not_upheld":  {"不属实", "not upheld"},
		"report.outcome.dismissed":   {"不予受理", "dismissed"},

		"report.section.requests":   {"求助", "Requests"},
		"report.section.money":      {"本期资金", "Money in the period"},
		"report.section.total":      {"期末累计", "Totals at the period's end"},
		"report.section.complaints": {"投诉举报", "Complaints"},

		"report.csv.period":  {"报告期", "Period"},
		"report.csv.section": {"部分", "Section"},
		"report.csv.figure":  {"项目", "Figure"},
		"report.csv.value":   {"数值（金额单位：元）", "Value (amounts in yuan)"},
		"report.csv.key":     {"代码", "Key"},

		"report.chart.requests":   {"求助数量", "Requests"},
		"report.chart.money":      {"善款去向", "Where the money went"},
		"report.chart.complaints": {"投诉举报类别", "Complaints by category"},

		"report.pdf.title":       {"%s 年度工作报告和财务报告", "Annual work report and financial report, %s"},
		"report.pdf.lead":        {"报告期：%s 至 %s（北京时间）。数据取自平台托管账本，生成于 %s。", "Period: %s to %s (Beijing time). Figures from the platform's custody ledger, made %s."},
		"report.pdf.work":        {"一、工作报告：求助", "1. Work report: requests"},
		"report.pdf.complaints":  {"二、工作报告：投诉举报处理", "2. Work report: complaints"},
		"report.pdf.money":       {"三、财务报告：%s 年度资金", "3. Financial report: the money of %s"},
		"report.pdf.total":       {"四、财务报告：截至 %s 累计", "4. Financial report: totals to %s"},
		"report.identity":        {"账目平衡：筹得 %s + 追回 %s = 手续费 %s + 已拨付 %s + 已退还 %s + 退款中 %s + 转入慈善 %s + 托管中 %s。", "The accounts balance: raised %s + recovered %s = fees %s + paid out %s + refunded %s + being refunded %s + to charity %s + held %s."},
		"report.identity.broken": {"账目不平衡，须核查：筹得 %s + 追回 %s ≠ 手续费 %s + 已拨付 %s + 已退还 %s + 退款中 %s + 转入慈善 %s + 托管中 %s。", "The accounts do NOT balance and must be checked: raised %s + recovered %s ≠ fees %s + paid out %s + refunded %s + being refunded %s + to charity %s + held %s."},
	})
}

// The public reports' pages.
func init() {
	register(map[string]message{
		"reports.title":          {"半年度服务报告", "Six-monthly reports"},
		"reports.lead":           {"平台每半年公布一次服务情况：求助、善款、退款、投诉举报和终止情况。数据取自托管账本。", "Every six months the platform publishes its service: requests, money, refunds, complaints and terminations, from the custody ledger."},
		"reports.half":           {"%s 半年度报告", "Report for %s"},
		"reports.empty":          {"还没有已结束的报告期。", "No reporting period has ended yet."},
		"reports.figures.link":   {"平台资金总览", "The platform's figures"},
		"reports.report.title":   {"半年度服务报告", "Six-monthly report"},
		"reports.report.heading": {"%s 半年度服务报告", "Six-monthly report %s"},
		"reports.report.lead":    {"报告期：%s 至 %s（北京时间）。", "Period: %s to %s (Beijing time)."},
		"reports.csv":            {"下载本报告（CSV）", "Download this report (CSV)"},
		"reports.all":            {"全部报告", "All reports"},
		"footer.reports":         {"服务报告", "Reports"},
	})
}

// The console's reports screen.
func init() {
	register(map[string]message{
		"staff.reports.title":            {"报告", "Reports"},
		"staff.reports.lead":             {"半年度服务报告、向民政部门报送的年度工作报告和财务报告，以及审计导出。每次下载都记入审计日志。", "The six-monthly reports, the annual work and financial reports for the ministry, and the auditors' exports. Every download is recorded in the audit log."},
		"staff.reports.total":            {"下载平台累计数据（CSV）", "Download the platform's totals (CSV)"},
		"staff.reports.annual":           {"年度报告（每年 6 月 30 日前报送上一年度）", "Annual reports (due by 30 June for the previous year)"},
		"staff.reports.due":              {"报送截止：%s", "Due by %s"},
		"staff.reports.late":             {"已逾期：应于 %s 前报送", "Late: was due by %s"},
		"staff.reports.generated":        {"最近生成：%s，%s", "Last generated %s by %s"},
		"staff.reports.submitted":        {"已报送：%s，%s 记录", "Submitted %s, recorded by %s"},
		"staff.reports.mark":             {"标记为已报送", "Mark as submitted"},
		"staff.reports.no_annual":        {"还没有已结束的年度。", "No year has ended yet."},
		"staff.reports.halves":           {"半年度服务报告", "Six-monthly reports"},
		"staff.reports.public":           {"公开页面", "Public page"},
		"staff.reports.notice.submitted": {"已记录报送。", "Recorded as submitted."},
		"report.no_font":                 {"服务器缺少中文字体，无法生成 PDF：请安装 fonts-wqy-zenhei，或用 --report-font 指定字体文件。", "The server has no Chinese font for the PDF: install fonts-wqy-zenhei, or name a font file with --report-font."},
	})
}
