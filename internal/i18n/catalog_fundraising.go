package i18n

// The messages of the fundraising channel (R-PUB-4) and of the progress
// updates on a request, with their patrol (R-REV-4). Field errors of a note,
// an update or a takedown reason use the campaign.* text keys (required,
// too long, unreadable).
func init() {
	register(map[string]message{
		"fundraising.invalid":      {"请按提示修改后再提交。", "Please fix what the messages say and try again."},
		"fundraising.no_extension": {"筹款只能在截止前延期一次，当前无法延期。", "Fundraising can be extended only once, before its deadline; it cannot be extended now."},
		"fundraising.deadline":     {"筹款截止时间：%s", "Fundraising closes on %s"},
		"fundraising.extended":     {"筹款期限已延长一次。", "The fundraising period has been extended once."},

		"update.invalid":       {"动态内容还有需要修改的地方，请按提示修改。", "The update needs fixing; see the message next to the field."},
		"update.not_published": {"求助信息公开后才能发布进展动态。", "Progress updates can be posted only once the request is published."},
		"update.already_down":  {"该动态已被撤下。", "This update has already been taken down."},
		"update.taken_down":    {"该动态已被平台撤下，原因：%s", "The platform took this update down: %s"},
		"update.flagged":       {"措辞需人工复核", "Wording needs a human check"},
	})
}
