package web

func init() {
	one := func(k, v string) Form {
		return Form{Values: map[string]string{k: v}, Errors: map[string]string{k: "fix"}, Message: "fix"}
	}
	samples = append(samples,
		StaffBank{Bank: "sandbox", Sandbox: true, SandboxNow: "2026-12-07 10:00", CanRun: true, OlderTransfers: 2, Notice: "done", Message: "no",
			Transfers: []TransferRow{{ID: "CFPO1A1", Payout: "1", Amount: "¥1.00", Payee: "6216 **** 0001", Sent: true, Status: "paid"},
				{ID: "CFPO2A1", Payout: "2", Amount: "¥2.00", Payee: "****", Status: "none"}},
			Quarantined: []OutcomeRow{{Transfer: "X", Status: "paid", Reason: "AC04", At: "2026-12-07 10:00"}},
			Fundings:    []FundingRow{{Transfer: "CFRT1", Provider: "sandbox", Amount: "¥171.00", Due: "¥170.60", Balance: "¥0.00", State: "paid", At: "2026-12-07 10:00"}}},
		StaffBank{Bank: "files"},
		StaffCustody{CanPropose: true, CanRecord: true, Actions: []string{"open", "change", "close", "revoke"}, Propose: one("number", "12"),
			Accounts: []CustodyAccountRow{{ID: 1, Bank: "工行", Masked: "6216 **** 0001", Opened: "2026-12-01", State: "open"}},
			Changes: []CustodyChangeRow{{ID: 1, Action: "open", State: "approved", CanReport: true, Report: one("report_ref", "x")},
				{ID: 2, Action: "close", Account: "#1", State: "reported", CanEffect: true, Effect: Form{Message: "own"}},
				{ID: 3, Action: "change", State: "effective", ReportedOn: "2026-12-02", ReportRef: "民政函", EffectiveAt: "2026-12-03 10:00"}}},
		StaffCustody{},
		StaffReconcile{CanResolve: true, CanUpload: true, OlderRuns: 3, OlderResolved: 1, Upload: one("statement", ""), Result: "imported",
			Runs:     []RunRow{{ID: 1, Statement: "S1", Period: "2026-12-01 — 2026-12-01", Lines: 2}},
			Open:     []DifferenceRow{{ID: 1, Run: 1, Kind: "missing", Source: "statement", Reference: "CFPO1A1", Resolve: one("reason", ""), Correct: one("amount", "x")}},
			Resolved: []DifferenceRow{{ID: 2, Kind: "extra", Source: "settlement", ResolvedBy: "fin", Reason: "ok", Correction: 9}}},
		StaffReconcile{},
	)
}
