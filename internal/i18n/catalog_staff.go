package i18n

// The messages of package staff: staff accounts, staff sign-in and the
// four-eyes approvals. A failed sign-in has one message whatever went wrong,
// so it never says which usernames exist.
func init() {
	for k, m := range map[string]message{
		"staff.invalid":              {"请按提示修改标出的内容。", "Please fix the marked fields."},
		"staff.username_format":      {"用户名为 3 到 32 个字符，只能使用小写字母、数字、点、下划线和连字符。", "A username has 3 to 32 characters: lower-case letters, digits, dots, underscores and hyphens."},
		"staff.username_taken":       {"该用户名已被使用，请换一个。", "That username is taken; choose another."},
		"staff.role_unknown":         {"没有这个角色。可选角色：reviewer（审核）、finance（财务）、complaints（投诉处理）、admin（管理员）、auditor（审计）、security_admin（安全管理员）。", "There is no such role. The roles are reviewer, finance, complaints, admin, auditor and security_admin."},
		"staff.password_short":       {"密码至少需要 12 个字符。较长的一句话比复杂的短密码更安全，也更好记。", "A password needs at least 12 characters. A long phrase is safer, and easier to remember, than a short complicated one."},
		"staff.password_long":        {"密码最多 128 个字符。", "A password has at most 128 characters."},
		"staff.password_is_username": {"密码不能与用户名相同。", "The password cannot be the username."},
		"staff.signin_throttled":     {"登录尝试过多，请稍后再试。", "Too many sign-in attempts: try again later."},
		"staff.signin_failed":        {"登录失败：用户名、密码或动态验证码不正确，或账号已被暂时锁定或停用。连续失败 5 次账号将被暂时锁定，请稍后再试，或联系管理员解锁。", "Sign-in failed: the username, password or authenticator code is wrong, or the account is locked for a while or disabled. After 5 failures in a row the account locks for a while: try again later, or ask an administrator to unlock it."},
		"staff.not_found":            {"找不到该工作人员账号。", "There is no such staff account."},
		"staff.account_inactive":     {"你的账号已被锁定或停用，不能进行此操作。", "Your account is locked or disabled, so you cannot do this."},
		"staff.kind_unknown":         {"没有这种需要复核的操作。", "There is no such kind of action to approve."},
		"staff.reason_required":      {"请写明理由，复核人会看到它。", "Give a reason; the person who approves will read it."},
		"staff.payload_invalid":      {"提交的操作内容不完整或有误。", "The details of the action are incomplete or wrong."},
		"staff.not_proposer":         {"你的角色不能发起此类操作。", "Your role cannot propose this kind of action."},
		"staff.not_approver":         {"你的角色不能复核此类操作。", "Your role cannot approve or reject this kind of action."},
		"staff.own_proposal":         {"不能复核自己发起的操作，需由另一位工作人员复核。", "You cannot decide your own proposal; another staff member must."},
		"staff.own_role_change":      {"不能为自己发起或复核角色变更。", "You cannot propose or decide a change of your own role."},
		"staff.role_unchanged":       {"该工作人员已经是这个角色。", "That staff member has this role already."},
		"staff.proposal_decided":     {"该操作已被复核，不能再次处理。请刷新查看结果。", "This proposal has been decided already; reload to see the outcome."},
		"staff.proposal_not_found":   {"找不到该待复核的操作。", "There is no such proposal."},
	} {
		catalog[k] = m
	}
}
