package i18n

// The messages of the signed-in complainant's own complaints on their
// account page (R-COMP-2).
func init() {
	register(map[string]message{
		"account.complaints":      {"我的投诉与举报", "My complaints and reports"},
		"account.complaints.none": {"您登录后提交的投诉会列在这里。", "The complaints you file while signed in are listed here."},
		"account.complaints.open": {"查看处理进度", "See its progress"},
	})
}
