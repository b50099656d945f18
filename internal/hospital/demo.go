package hospital

import (
	"strings"

	"github.com/carefund/carefund/internal/payeeid"
)

// DemoPrefix marks the demo hospitals: they sound real but are not, and
// their credit codes and accounts were made up with the right check
// characters.
const DemoPrefix = "（演示）"

// DemoCode returns a valid unified social credit code made of prefix (the
// authority and type, "12"), region (6 digits) and an 8-character
// organisation code body, with both check characters computed. It panics
// on a malformed part: it is for demo data and tests only.
func DemoCode(prefix, region, body string) string {
	org, err := payeeid.OrgCheckChar(body)
	if err != nil {
		panic("hospital: a bad demo organisation code: " + body)
	}
	first := prefix + region + body + string(org)
	check, err := payeeid.CreditCheckChar(first)
	if err != nil {
		panic("hospital: a bad demo credit code: " + first)
	}
	return first + string(check)
}

// Demo returns the demo hospitals Seed adds.
func Demo() []Draft {
	return []Draft{
		{Name: DemoPrefix + "北京协和仁心医院", CreditCode: DemoCode("12", "110000", "40000101"), BankName: "中国工商银行北京东城支行",
			City: "北京", Account: "0200001009014411111", Reason: "demo"},
		{Name: DemoPrefix + "华西济民医院", CreditCode: DemoCode("12", "510000", "45000202"), BankName: "中国建设银行成都人民南路支行",
			City: "成都", Account: "51001870836051522222", Reason: "demo"},
		{Name: DemoPrefix + "中山博爱儿童医院", CreditCode: DemoCode("52", "440100", "MJ000303"), BankName: "招商银行广州天河支行",
			City: "广州", Account: "120903333310201", Reason: "demo"},
		{Name: DemoPrefix + "瑞康肿瘤医院有限公司", CreditCode: DemoCode("91", "310000", "MA1G0404"), BankName: "交通银行上海徐汇支行",
			City: "上海", Account: "310066726018010044444", Reason: "demo"},
	}
}

// IsDemo reports whether the entry is one of Seed's.
func (h Hospital) IsDemo() bool { return strings.HasPrefix(h.Name, DemoPrefix) }
