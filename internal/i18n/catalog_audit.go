package i18n

// The messages of package incident: opening a personal-data incident,
// recording its steps and moving its status. The labels of the incident
// pages live with the server's messages.
func init() {
	for k, m := range map[string]message{
		"incident.invalid":           {"请按提示修改标出的内容。", "Correct the fields marked below."},
		"incident.chars":             {"内容中有无法保存的字符，请删除后重试。", "This contains characters that cannot be saved; remove them and try again."},
		"incident.title_empty":       {"请填写事件标题。", "Enter a title for the incident."},
		"incident.title_long":        {"标题最多 %d 个字，请精简。", "A title has at most %d characters; shorten it."},
		"incident.description_long":  {"情况说明最多 %d 个字，请精简，详细材料可作为备注分次添加。", "The description has at most %d characters; shorten it and add details as notes."},
		"incident.suspect_invalid":   {"请填写操作人编号，例如 staff:12 或 user:5；不确定是谁时请留空。", "Enter an actor such as staff:12 or user:5, or leave it empty if you do not know who."},
		"incident.from_empty":        {"请填写可能泄露的开始时间。", "Enter when the suspected leak may have started."},
		"incident.to_empty":          {"请填写可能泄露的结束时间。", "Enter when the suspected leak may have ended."},
		"incident.to_before_from":    {"结束时间不能早于开始时间。", "The end cannot be before the start."},
		"incident.window_long":       {"时间范围最长 %d 天，请缩小范围，或分成几个事件分别登记。", "The time window is at most %d days; narrow it, or record several incidents."},
		"incident.text_empty":        {"请填写记录内容。", "Enter what was done."},
		"incident.text_long":         {"记录内容最多 %d 个字，请分成几条记录。", "A step has at most %d characters; split it into several."},
		"incident.not_found":         {"找不到这个事件，它可能不存在。", "There is no such incident."},
		"incident.closed":            {"事件已关闭，不能再添加记录。", "The incident is closed; no more steps can be added."},
		"incident.status_unknown":    {"请选择一个有效的事件状态。", "Choose a valid status."},
		"incident.status_backward":   {"事件状态只能向前推进，不能退回或保持不变。", "An incident's status only moves forward; it cannot go back or stay the same."},
		"incident.needs_remediation": {"请先记录已采取的补救措施，再将事件标为已控制或已关闭。", "Record the remediation first, then mark the incident contained or closed."},
		"incident.kind.status":       {"状态变更", "Status change"},
	} {
		if _, dup := catalog[k]; dup {
			// Catalog files are written by different packages; a shared
			// key would silently show one package's text for the other's.
			panic("i18n: duplicate message key " + k)
		}
		catalog[k] = m
	}
}
