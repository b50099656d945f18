package charity

import (
	"strings"
)

// DemoPrefix marks the demo organisations: they sound real but are not, and
// their links go to example.org, which is reserved for examples.
const DemoPrefix = "（演示）"

// demo is the list Seed adds.
var demo = []Input{
	{Name: DemoPrefix + "春苗儿童白血病救助基金", Summary: "为 0–18 岁白血病患儿提供化疗和造血干细胞移植费用资助。",
		Categories: []string{"白血病", "淋巴瘤", "造血干细胞移植", "leukemia", "leukaemia"}, URL: "https://example.org/demo/leukemia-children", Order: 10},
	{Name: DemoPrefix + "暖阳先心病儿童救助项目", Summary: "资助家庭困难的先天性心脏病患儿接受手术治疗。",
		Categories: []string{"先天性心脏病", "先心病", "心脏病"}, URL: "https://example.org/demo/heart", Order: 20},
	{Name: DemoPrefix + "晨曦肿瘤患者援助基金", Summary: "为确诊恶性肿瘤、家庭经济困难的患者提供治疗费用补助和用药援助。",
		Categories: []string{"癌", "肿瘤", "恶性肿瘤", "淋巴瘤", "cancer"}, URL: "https://example.org/demo/cancer", Order: 30},
	{Name: DemoPrefix + "星光肾病透析关爱计划", Summary: "资助尿毒症患者的透析和肾移植费用。",
		Categories: []string{"尿毒症", "肾衰竭", "肾病", "透析", "肾移植"}, URL: "https://example.org/demo/kidney", Order: 40},
	{Name: DemoPrefix + "新生早产儿医疗救助基金", Summary: "为早产儿和危重新生儿提供住院治疗费用资助。",
		Categories: []string{"早产", "新生儿", "早产儿"}, URL: "https://example.org/demo/newborn", Order: 50},
	{Name: DemoPrefix + "天府大病医疗救助基金会", Summary: "面向四川省户籍、因大病致贫的家庭提供医疗费用补助。",
		Regions: []string{"四川"}, URL: "https://example.org/demo/sichuan", Order: 60},
	{Name: DemoPrefix + "守护罕见病患者援助中心", Summary: "为罕见病患者提供诊疗信息、用药援助和费用资助。",
		Categories: []string{"罕见病", "血友病", "渐冻症", "肌萎缩侧索硬化", "戈谢病"}, URL: "https://example.org/demo/rare", Order: 70},
	{Name: DemoPrefix + "益康大病医疗救助基金", Summary: "面向全国，为因重大疾病陷入困境的家庭提供一次性医疗救助。",
		URL: "https://example.org/demo/general", Order: 90},
}

// IsDemo reports whether the organisation is one of Seed's.
func (o Org) IsDemo() bool { return strings.HasPrefix(o.Name, DemoPrefix) }
