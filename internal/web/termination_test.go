package web

func init() {
	one := func(k, v string) Form {
		return Form{Values: map[string]string{k: v}, Errors: map[string]string{k: "fix"}, Message: "fix"}
	}
	samples = append(samples,
		RequestNotice{ID: 1, Title: "救救我的孩子", Suspended: true, Notice: "平台核查中，暂停筹款", Since: "2026-12-07", Complaint: "/complaints?request=1"},
		RequestNotice{ID: 1, Title: "<b>x</b>", Terminated: true, Reason: "隐瞒财产", On: "2026-12-07",
			FindingKeys: []string{"termination.finding.concealment"}, Referrals: []PublicReferralView{{Station: "朝阳分局", On: "2026-12-06"}},
			PaidOut: "¥3,000.00", Outstanding: "¥2,000.00", Recovered: "¥1,000.00", Refundable: "¥7,000.00"},
		RequestNotice{Terminated: true},
		StaffTerminations{Findings: []string{"fabrication", "concealment"}, Find: 3, Suspend: one("notice", ""),
			CanSuspend: true, CanPropose: true, CanDecide: true, Notice: "ok", Message: "no",
			Suspended:  []SuspendedRow{{RequestID: 3, Notice: "n", Reason: "r", By: "rev1", Since: "2026-12-07 10:00", Resume: one("note", ""), Propose: one("finding_concealment", "1")}},
			Proposed:   []TerminationRow{{ID: 1, RequestID: 3, Status: "proposed", Decide: one("note", "x")}},
			Terminated: []TerminationRow{{ID: 2, RequestID: 4, Status: "terminated", PaidOut: "¥1.00", RefundRun: "run-1"}}},
		StaffTerminations{},
		StaffTermination{Row: TerminationRow{ID: 2, RequestID: 4, Status: "terminated", ApprovedBy: "adm2"}, Title: "t", Reason: "r",
			FindingKeys: []string{"termination.finding.fabrication"}, Patient: true, CanAdd: true, CanOpen: true, Revealed: "李警官",
			Evidence:  []EvidenceRow{{ID: 1, Type: "image/png", Size: "1 KB"}},
			Referrals: []PoliceReferralRow{{ID: 1, Station: "s", On: "2026-12-01", CaseNumber: "c", Officer: "李*****8000", Documents: []EvidenceRow{{ID: 2}}}},
			Referral:  one("referred_on", "x"), Upload: one("file", "")},
		StaffTermination{Row: TerminationRow{Status: "proposed"}},
	)
}
