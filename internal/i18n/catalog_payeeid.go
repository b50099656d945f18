package i18n

// The messages of package payeeid: a hospital's unified social credit code and
// bank account numbers typed for a payout or the hospital directory. Each says
// which part is wrong and how to fix it, without repeating what was typed (an
// account number is personal data).
func init() {
	register(map[string]message{
		"credit.empty":     {"请输入统一社会信用代码。", "Enter the unified social credit code."},
		"credit.length":    {"统一社会信用代码应为 18 位，你输入了 %d 位。请对照营业执照或事业单位法人证书填写，不要使用 15 位的旧注册号。", "A unified social credit code has 18 characters; you typed %d. Copy it from the business licence or the public institution's certificate, not the old 15-digit registration number."},
		"credit.chars":     {"统一社会信用代码只含数字和大写字母，不使用字母 I、O、Z、S、V（看起来像字母 O 的应是数字 0），第 3 到 8 位都是数字。", "A unified social credit code has only digits and capital letters, never I, O, Z, S or V (what looks like the letter O is the digit 0), and characters 3 to 8 are digits."},
		"credit.authority": {"统一社会信用代码的第 1 位是登记管理部门代码，你输入的不是有效的代码，请对照证书检查。", "The first character of a unified social credit code names the registration authority, and this is not a valid one; check it against the certificate."},
		"credit.type":      {"统一社会信用代码的第 2 位是机构类别代码，它与第 1 位不匹配，请对照证书检查。", "The second character of a unified social credit code is the type of organisation, and it does not fit the first; check it against the certificate."},
		"credit.check":     {"统一社会信用代码的最后一位是校验码，它与前 17 位对不上，说明有输错的地方，请逐位核对。", "The last character of a unified social credit code is a check character, and it does not match the other 17: there is a typo somewhere; please check each character."},
		"credit.org_check": {"统一社会信用代码的第 9 到 17 位是组织机构代码，它的校验位不正确，这个代码不可能被发放过，请逐位核对。", "Characters 9 to 17 of a unified social credit code are the organisation code, and its check character is wrong, so no such code was issued; please check each character."},

		"account.empty":       {"请输入银行账号。", "Enter the bank account number."},
		"account.chars":       {"银行账号只能包含数字，可以用空格分组，请不要输入字母或其他符号。", "A bank account number has only digits, optionally grouped with spaces; remove any letters or other symbols."},
		"account.length":      {"银行账号应为 8 到 30 位数字，你输入了 %d 位。请对照开户许可证或银行回单检查。", "A bank account number has 8 to 30 digits; you typed %d. Check it against the bank's account documents."},
		"account.card_length": {"银行卡号应为 16 到 19 位数字，你输入了 %d 位。请对照银行卡正面的卡号检查。", "A bank card number has 16 to 19 digits; you typed %d. Check it against the number on the front of the card."},
		"account.card_check":  {"银行卡号的最后一位是校验位，它与前面的数字对不上，说明有输错的地方，请逐位核对。", "The last digit of a bank card number is a check digit, and it does not match the others: there is a typo somewhere; please check each digit."},
	})
}
