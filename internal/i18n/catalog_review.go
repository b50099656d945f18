package i18n

// The messages of package review (the double audit of a request, R-REV-1 to
// R-REV-3). None of them repeats a request's personal data.
func init() {
	register(map[string]message{
		"review.not_reviewer":  {"只有在职的审核员可以审核求助信息。", "Only an active reviewer can review requests for help."},
		"review.not_admin":     {"只有管理员可以登记审核回避关系。", "Only an administrator can record a reviewer's conflict of interest."},
		"review.not_in_review": {"该求助信息当前不在待审核状态。", "This request is not waiting for review."},
		"review.claimed":       {"该求助信息已由其他审核员领取。", "Another reviewer has already taken this request."},
		"review.not_claimed":   {"请先领取该求助信息，再进行审核。", "Take this request before you review it."},
		"review.conflict":      {"你与该求助信息存在利害关系，需要回避，不能审核。", "You are related to this request and must recuse yourself from reviewing it."},
		"review.same_reviewer": {"该求助信息需要两名不同的审核员分别同意，请交由另一名审核员复核。", "This request needs the approval of two different reviewers; a second reviewer must approve it."},
		"review.invalid":       {"请按提示修改标出的内容。", "Please fix the marked fields."},
		"review.text_required": {"请填写内容，求助人会看到这段说明。", "Fill this in; the requester will read it."},
		"review.text_long":     {"最多 %d 个字。", "At most %d characters."},
		"review.text_invalid":  {"内容含有无法识别的字符，请重新输入。", "This text holds characters that cannot be read; type it again."},
		"review.unknown":       {"找不到该求助信息或人员。", "There is no such request or person."},
		"review.not_screened":  {"该求助信息尚未经过机器初审。", "This request has not been through the machine pre-screen yet."},

		"review.decision.approve":    {"审核通过", "Approved"},
		"review.decision.reject":     {"审核未通过", "Rejected"},
		"review.decision.needs_info": {"需补充材料", "More material needed"},
	})
}
