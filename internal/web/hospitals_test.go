package web

func init() {
	samples = append(samples,
		StaffHospitals{CanPropose: true, CanReveal: true, Revealed: "x: 0200001009014411111",
			Rows: []HospitalRow{{ID: 1, Name: "医院", CreditCode: "12110000400001012X", BankName: "工行", City: "北京",
				Masked: "0200 **** **** ***1 1111", Active: true, Updated: "2026-12-07 10:00",
				Edit: HospitalForm{Action: "/staff/hospitals/1", Suffix: "-1", Form: Form{Values: map[string]string{"account": "12"},
					Errors: map[string]string{"account": "short"}, Message: "fix"}},
				Deactivate: HospitalForm{Action: "/staff/hospitals/1/deactivate", Suffix: "-d1", Form: Form{Errors: map[string]string{"reason": "why"}}}},
				{ID: 2, Name: "b", Masked: "****", Active: false}},
			New: HospitalForm{Action: "/staff/hospitals", Suffix: "-new"}},
		StaffHospitals{Message: "no"},
	)
}
