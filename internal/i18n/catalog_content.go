package i18n

// The messages of the content screen (R-CONT-1): the refusal a writer
// sees, the line in place of a taken-down text, and the console's word
// list, queue and handling record.
func init() {
	register(map[string]message{
		"content.invalid":          {"请修改标出的内容。", "Please correct the fields marked."},
		"content.refused":          {"这段文字含有违反平台内容规范（违法和不良信息）的内容，无法发布。请修改后再提交。", "This text breaks the platform's content rules (illegal or harmful information) and cannot be published. Please change it and try again."},
		"content.held":             {"这段文字需要平台工作人员审核后才会公开。", "This text will be public once platform staff have checked it."},
		"content.taken_down":       {"已被平台移除：%s", "Removed by the platform: %s"},
		"content.term_invalid":     {"请填写 1 到 %d 个字的词语。", "Enter a term of 1 to %d characters."},
		"content.category_invalid": {"请选择类别。", "Choose a category."},
		"content.term_exists":      {"词表中已有这个词。", "The list already has this term."},
		"content.term_missing":     {"词表中没有这个词。", "The list does not have this term."},
		"content.reason_required":  {"请填写公开的移除原因。", "Enter the public reason for removing it."},
		"content.reason_too_long":  {"原因最多 %d 个字。", "The reason may be at most %d characters."},
		"content.note_too_long":    {"备注最多 %d 个字。", "The note may be at most %d characters."},
		"content.not_held":         {"这条内容已经处理过了。", "This text has been handled already."},
		"content.already_down":     {"这条内容已经被移除。", "This text has been removed already."},
		"content.place_invalid":    {"没有这条内容。", "There is no such text."},

		"content.category.illegal": {"违法信息", "Illegal"},
		"content.category.harmful": {"不良信息", "Harmful"},
		"content.category.rumour":  {"谣言", "Rumour"},
		"content.category.hype":    {"恶意炒作", "Malicious hype"},
		"content.category.risky":   {"欺诈/返利话术", "Fraud wording"},

		"content.place.request":            {"求助", "Request"},
		"content.place.update":             {"求助动态", "Update"},
		"content.place.donation_message":   {"捐款留言", "Donation message"},
		"content.place.complaint_response": {"投诉答复", "Complaint response"},

		"content.state.held":       {"待审核", "Held"},
		"content.state.cleared":    {"已放行", "Cleared"},
		"content.state.taken_down": {"已移除", "Taken down"},
		"content.state.refused":    {"已拒绝发布", "Refused"},

		"staff.content.title":     {"内容审核", "Content screen"},
		"content.queue":           {"待审核的公开内容", "Held public texts"},
		"content.queue.none":      {"没有待审核的内容。", "Nothing is held."},
		"content.terms":           {"词表", "Word list"},
		"content.terms.add":       {"添加", "Add"},
		"content.terms.remove":    {"移除", "Remove"},
		"content.terms.history":   {"词表变更记录", "Changes of the list"},
		"content.terms.added":     {"添加", "added"},
		"content.terms.removed":   {"移除", "removed"},
		"content.records":         {"处理记录", "Handling record"},
		"content.takedowns":       {"已移除的内容", "Texts taken down"},
		"content.clear":           {"放行", "Clear"},
		"content.takedown":        {"移除", "Take down"},
		"content.field.term":      {"词语", "Term"},
		"content.field.category":  {"类别", "Category"},
		"content.field.reason":    {"公开原因", "Public reason"},
		"content.field.note":      {"备注（仅工作人员可见）", "Note (staff only)"},
		"content.col.place":       {"位置", "Place"},
		"content.col.found":       {"命中", "Found"},
		"content.col.state":       {"状态", "State"},
		"content.col.handled":     {"处理人", "Handled by"},
		"content.col.at":          {"时间", "When"},
		"content.done.added":      {"已添加。", "Added."},
		"content.done.removed":    {"已移除。", "Removed."},
		"content.done.cleared":    {"已放行。", "Cleared."},
		"content.done.taken_down": {"已移除并公开原因。", "Taken down, with its public reason."},
		"content.text.none":       {"（原文请在对应页面查看）", "(see the text on its page)"},
	})
}
