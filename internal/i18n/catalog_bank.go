package i18n

// The messages of package bank/iso20022: why a file from the custody bank
// is refused whole, and why a batch of payouts cannot be written.
func init() {
	register(map[string]message{
		"bank.file_malformed":       {"银行文件格式有误或缺少必填项，已整份拒收。", "The bank file is malformed or lacks a required element; it was refused whole."},
		"bank.file_wrong_message":   {"银行文件不是所需的报文类型或版本，已整份拒收。", "The bank file is not the expected message type or version; it was refused whole."},
		"bank.file_duplicate":       {"银行文件中同一笔记录出现了两次，已整份拒收。", "The bank file holds the same line twice; it was refused whole."},
		"bank.file_currency":        {"银行文件中有非人民币的金额或账户，已整份拒收。", "The bank file holds an amount or account not in CNY; it was refused whole."},
		"bank.statement_unbalanced": {"对账单期初余额加收入减支出不等于期末余额，已整份拒收。", "The statement's opening balance plus credits less debits is not its closing balance; it was refused whole."},
		"bank.transfer_invalid":     {"付款批次有误，无法生成付款指令。", "The payout batch is not valid, so no payment instruction was written."},

		"bank.unsupported":         {"该银行接口不支持此操作。", "This bank connection does not support this."},
		"bank.transfer_conflict":   {"该转账编号已用于另一笔内容不同的转账，本次已拒收并记录。", "This transfer ID was already used for a different transfer; this copy was refused and recorded."},
		"bank.transfer_unknown":    {"银行回报了一笔平台未发出的转账，已隔离，不予处理。", "The bank reported a transfer the platform never sent; it was quarantined and not applied."},
		"bank.statement_not_ready": {"该日的对账单尚未生成。", "The statement of that day is not available yet."},

		"bank.custody.account_given":          {"开立新托管账户时不能选择已有账户。", "Opening a custody account cannot name an existing one."},
		"bank.custody.account_required":       {"请选择要变更、销户或撤销的托管账户。", "Choose the custody account to change, close or revoke."},
		"bank.custody.action_unknown":         {"请选择变更类型：开立、变更、销户或撤销。", "Choose what to do: open, change, close or revoke."},
		"bank.custody.bank_name":              {"请填写开户银行名称（不超过100字）。", "Enter the bank's name (at most 100 characters)."},
		"bank.custody.number":                 {"请填写正确的账号（8至30位数字）。", "Enter a valid account number (8 to 30 digits)."},
		"bank.custody.number_given":           {"销户或撤销时不填写开户行和账号。", "Closing or revoking takes no bank or account number."},
		"bank.custody.date_required":          {"请填写日期。", "Enter the date."},
		"bank.custody.reason":                 {"请填写变更理由（不超过1000字）。", "Enter the reason (at most 1,000 characters)."},
		"bank.custody.report_future":          {"报告日期不能晚于今天。", "The report date cannot be after today."},
		"bank.custody.report_before_proposal": {"报告日期不能早于提出变更的日期。", "The report date cannot be before the change was proposed."},
		"bank.custody.report_ref":             {"请填写向民政部报告的文号（不超过100字）。", "Enter the reference of the report to the ministry (at most 100 characters)."},
		"bank.custody.not_found":              {"没有这个托管账户或变更记录。", "No such custody account or change."},
		"bank.custody.pending":                {"已有一项托管账户变更正在办理，请先完成或撤回。", "A change of the custody account is already under way; finish or withdraw it first."},
		"bank.custody.not_open":               {"该托管账户已销户或撤销。", "This custody account is closed or revoked."},
		"bank.custody.not_approved":           {"该变更尚未经管理员复核通过。", "This change has not been approved by an admin yet."},
		"bank.custody.not_reported":           {"该变更须先记录向民政部报告的日期和文号，才能生效。", "This change takes effect only once its report to the ministry (date and reference) is recorded."},
		"bank.custody.own":                    {"提出变更的人不能同时使其生效。", "Whoever proposed a change cannot also put it into effect."},
		"bank.custody.not_proposed":           {"该变更已不在待复核状态。", "This change is no longer waiting for approval."},
	})
}
