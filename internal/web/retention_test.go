package web

func init() {
	samples = append(samples,
		StaffRetention{Years: 3,
			Done: []RetentionRow{{RequestID: 1, Completed: "2023-01-02", Due: "2026-01-02", Anonymized: "2026-01-03 04:00",
				Cleared: "requests.filing request_materials.content:2"}},
			Next: []RetentionRow{{RequestID: 2, Completed: "2024-05-06", Due: "2027-05-06"}}},
		StaffRetention{Years: 5},
	)
}
