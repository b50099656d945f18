package i18n

// The messages of the transparency log on the donor's receipt.
func init() {
	register(map[string]message{
		"translog.receipt.proof":   {"下载收录证明", "Download proof of inclusion"},
		"translog.receipt.logging": {"这笔捐助正在写入公开透明日志，稍后可下载收录证明。", "This donation is being logged in the public transparency log; its proof of inclusion will be ready shortly."},
		"translog.receipt.explain": {"收录证明表明这笔捐助的账本记录已写入公开的透明日志，任何人都可以核对，平台无法事后修改。", "The proof of inclusion shows this donation's ledger entry is in the public transparency log, which anyone can check and the platform cannot rewrite."},
	})
}
