package web

import (
	"bytes"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/i18n"
)

func init() {
	samples = append(samples,
		StaffComplaints{Status: "received", Overdue: true, CanCalendar: true,
			Statuses:   []Option{{Value: "received", Key: "complaint.status.received"}},
			Categories: []Option{{Value: "misuse", Key: "complaint.category.misuse"}},
			Rows: []ComplaintRow{{ID: 1, Number: "TS20261208-7K3Q9", CategoryKey: "complaint.category.misuse", StatusKey: "complaint.status.received",
				AckDue: "2026-12-09 24:00", AckLate: true, Level: 1, Assigned: "staff:2"}}},
		StaffComplaints{},
		sampleComplaint(),
		StaffComplaint{ID: 2, Number: "TS20261208-22222", CategoryKey: "complaint.category.other", StatusKey: "complaint.status.resolved",
			Closed: true, OutcomeKey: "complaint.outcome.upheld", Response: "<script>alert(1)</script>", Published: true,
			Revealed: &ComplaintContact{Name: "李四", Phone: "13812345678"}},
		StaffComplaintCalendar{Year: 2026, Prev: 2025, Next: 2027, CanEdit: true, Days: []CalendarDay{{Day: "2026-10-01", Name: "国庆节"}, {Day: "2026-10-10", Working: true}},
			Form: Form{Errors: map[string]string{"day": "x"}, Values: map[string]string{"day": "<script>alert(1)</script>"}}},
		StaffComplaintCalendar{Year: 2030},
	)
}

func sampleComplaint() StaffComplaint {
	return StaffComplaint{ID: 1, Number: "TS20261208-7K3Q9", CategoryKey: "complaint.category.false_info", StatusKey: "complaint.status.triaged",
		Text: "<script>alert(1)</script>", RequestID: 7, HandleLate: true, Level: 2, ContactMasked: "李* · 138****5678",
		Evidence: []ComplaintFile{{ID: 3, Name: "<script>alert(1)</script>.png", Kind: "image/png", Size: "1 KB"}},
		Events:   []ComplaintEventRow{{At: "a", Actor: "system", KindKey: "complaint.event.escalated", Detail: "ack level 1"}},
		Handlers: []Option{{Value: "3", Key: "handler2 (complaints)"}}, Outcomes: []Option{{Value: "upheld", Key: "complaint.outcome.upheld"}},
		CanHandle: true, CanReveal: true, Form: Form{Errors: map[string]string{"response": "screen"}, Values: map[string]string{"response": "<script>alert(1)</script>"}}}
}

// TestStaffComplaintPages: the clocks that ran out are red in the queue
// and on the complaint (R-COMP-2); the complaint page masks the contact
// until it is revealed, links the request to its suspension, and says
// before resolving that the response goes public on the request's page
// (R-DISC-2); the complainant's text is escaped.
func TestStaffComplaintPages(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	render := func(p Page) string {
		t.Helper()
		var buf bytes.Buffer
		if err := r.Render(&buf, i18n.ZH, "/staff/complaints", Viewer{}, p); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	queue := render(StaffComplaints{Rows: []ComplaintRow{{ID: 1, Number: "TS20261208-7K3Q9", CategoryKey: "complaint.category.misuse",
		StatusKey: "complaint.status.received", AckDue: "due", AckLate: true}, {ID: 2, Number: "TS20261208-22222",
		CategoryKey: "complaint.category.misuse", StatusKey: "complaint.status.received", AckDue: "due"}}})
	if strings.Count(queue, `class="late field-error"`) != 1 || !strings.Contains(queue, i18n.T(i18n.ZH, "complaintconsole.overdue")) {
		t.Errorf("queue: want exactly one red clock:\n%s", queue)
	}
	page := render(sampleComplaint())
	for _, want := range []string{`class="late field-error"`, "138****5678", `action="/staff/complaints/1/reveal"`, `href="/staff/terminations?request=7"`,
		i18n.T(i18n.ZH, "complaintconsole.publish.preview", 7), "&lt;script&gt;alert(1)&lt;/script&gt;", `action="/staff/complaints/1/resolve"`,
		`formaction="/staff/complaints/1/dismiss"`} {
		if !strings.Contains(page, want) {
			t.Errorf("complaint page lacks %s", want)
		}
	}
	if strings.Contains(page, "13812345678") {
		t.Error("complaint page shows the phone unmasked before a reveal")
	}
	closed := render(StaffComplaint{ID: 2, Closed: true, CategoryKey: "complaint.category.other", StatusKey: "complaint.status.resolved",
		OutcomeKey: "complaint.outcome.upheld", Revealed: &ComplaintContact{Phone: "13812345678"}})
	if !strings.Contains(closed, "13812345678") || strings.Contains(closed, `/resolve"`) {
		t.Error("closed complaint: want the revealed phone and no resolve form")
	}
}
