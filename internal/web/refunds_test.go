package web

func init() {
	run := StaffRunRow{ID: 3, Request: 7, Cause: "terminated", State: "ledgered", Amount: "¥1,000.00", Refunds: 12,
		Done: 6, Total: 12, Percent: 50, Failing: 2, Actor: "staff:2", At: "2026-12-07 10:00"}
	samples = append(samples,
		StaffRefunds{CanStart: true, Key: "k", Start: Form{Values: map[string]string{"request": "x"}, Errors: map[string]string{"request": "fix", "reason": "fix"}, Message: "fix"},
			Runs:        []StaffRunRow{run, {ID: 1, Request: 2, Cause: "donor", State: "finished", Refunds: 1, Total: 1, Done: 1, Percent: 100}},
			Quarantined: []RefundQuarantineRow{{Provider: "sandbox", RefundNo: "CF1D2A1", Reason: "amount_mismatch", State: "success", Amount: "¥1.00", Order: "o", At: "t"}},
			Notice:      "started"},
		StaffRefunds{},
		StaffRefundRun{Run: run, Reason: "fraud", Ledgered: "2026-12-07 10:01", Live: true, CanGive: true, Notice: "given",
			Steps: []RefundStep{{Key: "refund.step.planned", N: 12, Amount: "¥1,000.00", Percent: 100}},
			Attention: []RefundAttentionRow{{ID: 9, Donation: 4, Provider: "sandbox", Amount: "¥0.07", State: "abnormal", Attempt: 2, RefundNo: "CF3D4A2",
				LastError: "ABNORMAL", NextAt: "2026-12-08 10:00", CanGive: true, Give: Form{Errors: map[string]string{"reason": "fix"}, Message: "fix"}}}},
		StaffRefundRun{Run: StaffRunRow{State: "finished", Cause: "donor"}, Finished: "x"},
	)
}
