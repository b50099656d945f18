package i18n

// The messages of package idcard: ID numbers, mobile numbers and names typed
// for real-name verification. Each says which part is wrong and how to fix it,
// without repeating what was typed (it is personal data).
func init() {
	for k, m := range map[string]message{
		"idcard.empty":         {"请输入身份证号码。", "Enter your ID card number."},
		"idcard.length":        {"身份证号码应为 18 位，你输入了 %d 位。如果是 15 位的旧号码，请使用现在身份证上的 18 位号码。", "An ID card number has 18 characters; you typed %d. If you have an old 15-digit number, use the 18-character number on your current card."},
		"idcard.chars":         {"身份证号码由 17 位数字加最后一位数字或字母 X 组成，请不要输入其他字符。", "An ID card number is 17 digits followed by a digit or the letter X; remove any other characters."},
		"idcard.region":        {"身份证号码前 6 位是地区代码，你输入的不是有效的地区代码，请对照身份证检查。", "The first 6 digits of an ID card number are a region code, and these are not a valid one; check them against the card."},
		"idcard.birth_date":    {"身份证号码第 7 到 14 位是出生日期（年月日），你输入的不是一个真实存在的日期，请检查是否输错。", "Digits 7 to 14 of an ID card number are the date of birth (year, month, day), and these are not a real date; check for a typo."},
		"idcard.birth_future":  {"身份证号码中的出生日期（第 7 到 14 位）晚于今天，请检查是否输错。", "The date of birth in the ID card number (digits 7 to 14) is later than today; check for a typo."},
		"idcard.birth_too_old": {"身份证号码中的出生日期（第 7 到 14 位）早于 1900 年，请检查是否输错。", "The date of birth in the ID card number (digits 7 to 14) is before 1900; check for a typo."},
		"idcard.check_digit":   {"身份证号码最后一位是校验码，它与前 17 位对不上，说明有输错的地方，请逐位核对。", "The last character of an ID card number is a check character, and it does not match the other 17: there is a typo somewhere; please check each digit."},

		"phone.empty":   {"请输入手机号码。", "Enter your mobile number."},
		"phone.invalid": {"请输入中国大陆手机号码：11 位数字，以 1 开头，例如 138 1234 5678。", "Enter a mainland China mobile number: 11 digits starting with 1, such as 138 1234 5678."},

		"name.empty":  {"请输入姓名。", "Enter your name."},
		"name.length": {"姓名应为 2 到 30 个字。", "A name has 2 to 30 characters."},
		"name.chars":  {"请按身份证填写姓名：只能包含汉字或字母，少数民族姓名中间用间隔号“·”，外文姓名的单词之间用一个空格，不能有数字或其他符号。", "Write the name as on the ID card: Chinese characters or letters only, a middle dot (·) between the parts of a transcribed name and single spaces between the words of a name in Latin letters; no digits or other symbols."},
	} {
		if _, dup := catalog[k]; dup {
			// Catalog files are written by different packages; a shared
			// key would silently show one package's text for the other's.
			panic("i18n: duplicate message key " + k)
		}
		catalog[k] = m
	}
}
