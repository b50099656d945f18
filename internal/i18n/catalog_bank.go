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
	})
}
