package web

func init() {
	samples = append(samples,
		StaffConformance{Rules: 3, Proven: 1, Pending: 1, Entries: []ConformanceRow{
			{ID: "R-PII-3", Source: "M9", Section: "Personal information", Text: "A leak…", Does: "Incidents…", Tests: []string{"internal/incident.TestStepsAndStatus"}},
			{ID: "R-RISK-2", Source: "C", Text: "Restraint…", Does: "…", Pending: "issue 21"},
			{ID: "R-X-1", Source: "P", Text: "x", Does: "y"},
		}},
	)
}
