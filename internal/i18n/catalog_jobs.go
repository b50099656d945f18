package i18n

// The messages of package jobs: the SMS reminding a publisher of a payout's
// usage update (R-DISB-4), before it is due and after. Arguments: the
// payout's number, the due date (YYYY-MM-DD).
func init() {
	register(map[string]message{
		"jobs.usage_reminder.due": {
			"【carefund】您的第%d笔拨付款的使用情况说明将于%s到期，请登录平台上传票据并说明用途。",
			"[carefund] The usage update of your payout no. %d is due on %s: sign in to post the receipts and what the money paid for."},
		"jobs.usage_reminder.overdue": {
			"【carefund】您的第%d笔拨付款的使用情况说明已于%s逾期，补交前不能申请新的拨付，请尽快登录平台提交。",
			"[carefund] The usage update of your payout no. %d was due on %s and is overdue: no new payout can be applied for until it is posted. Please sign in and post it."},
	})
}
