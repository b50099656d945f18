package web

func init() {
	samples = append(samples,
		CharityPublic{Interest: "¥1.00", Unrefundable: "¥2.00", Paid: "¥3.00", Held: "¥0.00",
			Transfers: []CharityTransferRow{{ID: 1, Recipient: "基金会", CreditCode: "5310000050001234X6", Amount: "¥3.00",
				PaidOn: "2026-12-22", Returned: true, Sources: []string{"利息 2026-12：¥1.00"}}}},
		CharityPublic{},
		StaffCharityPay{Payable: "¥1.00", InFlight: "¥0.00", Free: "¥1.00", CanPropose: true, CanMatch: true,
			Sources:     []CharitySourceRow{{Label: "利息", Left: "¥1.00", Field: "amount:interest/2026-12"}, {Label: "退款", Left: "¥1.00", Field: "amount:refund_to_charity/4", RequestField: "request:4"}},
			Recipients:  []CharityRecipientRow{{ID: 1, Name: "基金会", CreditCode: "5310000050001234X6", Masked: "0200 ****", Active: true}},
			Transfers:   []CharityStaffTransferRow{{ID: 1, Recipient: "基金会", Amount: "¥1.00", State: "paid", Sources: []string{"x"}}},
			Credits:     []UnmatchedCreditRow{{ID: 3, LineKey: "SBX1", Amount: "¥1.00"}},
			NewTransfer: Form{Errors: map[string]string{"sources": "x"}, Message: "m"}, MatchFailed: 3,
			MatchForm: Form{Values: map[string]string{"request": "5"}, Errors: map[string]string{"request": "no"}, Message: "m"}},
		StaffCharityPay{},
	)
}
