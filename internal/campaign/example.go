package campaign

import "strings"

// ExamplePatientID is the example number of GB 11643-1999: valid, and
// nobody's.
const ExamplePatientID = "11010519491231002X"

// Example returns a filing that passes Validate: a parent filing for a
// child with leukaemia, ¥300,000 in two lines of use, every disclosure
// answered. Tools (carefund bench) and tests file it; each call returns a
// fresh copy.
func Example() Filing {
	d := map[Topic]Disclosure{}
	for _, t := range Topics {
		d[t] = Disclosure{Answered: true}
	}
	d[MedicalInsurance] = Disclosure{Answered: true, Yes: true, Detail: "城乡居民医保，报销比例约 50%"}
	d[Income] = Disclosure{Answered: true, Yes: true, Detail: "父亲务工", Amount: 36_000_00}
	return Filing{
		Title:             "救救我的女儿",
		Relationship:      Parent,
		RelationshipProof: true,
		PatientName:       "张小明",
		PatientID:         ExamplePatientID,
		Diagnosis:         "急性淋巴细胞白血病",
		HospitalName:      "北京大学人民医院",
		HospitalCity:      "北京",
		Story:             strings.Repeat("孩子确诊后需要长期化疗，家里的积蓄已经全部花完。", 3),
		Target:            300_000_00,
		EstimatedCosts:    320_000_00,
		Use: []UseItem{
			{Label: "化疗费用", Amount: 200_000_00, Note: "医院预估"},
			{Label: "骨髓移植", Amount: 100_000_00},
		},
		Disclosures: d,
		Truthful:    "yes",
		Consent:     "on",
	}
}
