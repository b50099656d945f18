package web

func init() {
	samples = append(samples,
		StaffContent{},
		StaffContent{
			Queue: []ContentQueueRow{{ID: 1, Place: "donation_message", Ref: "o1", Text: "<script>alert(1)</script>",
				Link: "/requests/1", Categories: "谣言", Terms: "紧急扩散", At: "x"}, {ID: 2, Place: "update", Ref: "3"}},
			Terms:      []ContentTermGroup{{Category: "illegal", Terms: []string{"枪支", "<b>"}}},
			Changes:    []ContentChangeRow{{Category: "rumour", Term: "神药", By: "alice", At: "x"}, {Category: "hype", Term: "水军", Removed: true}},
			Records:    []ContentRecordRow{{ID: 1, Place: "update", Ref: "3", Categories: "c", Terms: "t", State: "cleared", At: "x", HandledBy: "bob", HandledAt: "y", Note: "n"}},
			Takedowns:  []ContentTakedownRow{{Place: "update", Ref: "3", Reason: "r", By: "bob", At: "x"}},
			CanEdit:    true,
			Categories: []string{"illegal", "harmful", "rumour", "hype", "risky"},
			Places:     []string{"request", "update", "donation_message", "complaint_response"},
			FormFor:    1,
			Form:       Form{Message: "m", Values: map[string]string{"reason": "x", "term": "t"}, Errors: map[string]string{"reason": "e", "term": "e", "category": "e"}},
			Notice:     "n",
		},
	)
}
