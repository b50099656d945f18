package web

import (
	"bytes"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/i18n"
)

// disputes are dispute routes' keys, as the handlers pass them.
var disputes = []string{"complaint.dispute.settlement", "complaint.dispute.authority", "complaint.dispute.arbitration", "complaint.dispute.court"}

func init() {
	samples = append(samples,
		ComplaintForm{Phone: "400-000-0000", Email: "complaints@example.org",
			Categories: []Option{{Value: "false_info", Key: "complaint.category.false_info"}}, RequestID: 3, RequestTitle: "<script>alert(1)</script>",
			MaxUpload: 10, MaxFiles: 3, Key: "k", Disputes: disputes, Form: Form{Values: map[string]string{"text": "<script>alert(1)</script>", "request": "3"},
				Errors: map[string]string{"contact": "c", "evidence": "e", "category": "x"}, Message: "fix"}},
		ComplaintForm{SignedIn: true},
		ComplaintReceipt{Number: "TS20261208-7K3Q9", Secret: "s3cret"},
		ComplaintReceipt{Number: "TS20261208-7K3Q9", Again: true},
		ComplaintTrack{Form: Form{Values: map[string]string{"number": "<script>alert(1)</script>"}, Message: "nope"}},
		ComplaintTrack{SignedIn: true, Status: &ComplaintStatus{Number: "TS20261208-7K3Q9", CategoryKey: "complaint.category.false_info",
			StatusKey: "complaint.status.received", Received: "r", RequestID: 4, Ack: Clock{Due: "d", Done: "x"}, Handle: Clock{Due: "d", Late: true},
			Closed: true, OutcomeKey: "complaint.outcome.upheld", Response: "<script>alert(1)</script>", Disputes: disputes}},
		PublicRequest{ID: 5, StateKey: "campaign.state.fundraising", Complaints: []ComplaintResponseView{{Number: "TS1",
			CategoryKey: "complaint.category.false_info", OutcomeKey: "complaint.outcome.upheld", Response: "<script>alert(1)</script>", At: "a", Disputes: disputes}}},
	)
}

// TestComplaintPagesRender: /complaints publishes the channels and the
// clocks (R-COMP-2) and the dispute routes (R-DISP-1), and offers the
// categories with none chosen; a closed complaint's status page and each
// response on a request page carry the dispute routes next to the outcome
// (R-DISP-1, R-DISC-2); what was typed comes back escaped.
func TestComplaintPagesRender(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	render := func(p Page) string {
		t.Helper()
		var buf bytes.Buffer
		if err := r.Render(&buf, i18n.ZH, "/complaints", Viewer{}, p); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	var routes []string
	for _, k := range disputes {
		routes = append(routes, i18n.T(i18n.ZH, k))
	}
	form := render(ComplaintForm{Phone: "400-000-0000", Email: "c@example.org", Key: "tok", Disputes: disputes,
		Categories: []Option{{Value: "false_info", Key: "complaint.category.false_info"}, {Value: "other", Key: "complaint.category.false_info"}},
		Form:       Form{Values: map[string]string{"text": "<b>x</b>"}}})
	for _, want := range append([]string{`href="tel:400-000-0000"`, `href="mailto:c@example.org"`, i18n.T(i18n.ZH, "complaintweb.clocks"),
		`enctype="multipart/form-data"`, `name="key" value="tok"`, `type="file"`, "&lt;b&gt;x&lt;/b&gt;"}, routes...) {
		if !strings.Contains(form, want) {
			t.Errorf("/complaints lacks %s", want)
		}
	}
	if strings.Contains(form, " checked") {
		t.Errorf("/complaints preselects a category")
	}
	status := render(ComplaintTrack{Status: &ComplaintStatus{Number: "TS1", CategoryKey: "complaint.category.false_info", StatusKey: "complaint.status.received",
		Ack: Clock{Due: "2026-12-09 18:00", Done: "2026-12-08 10:00"}, Handle: Clock{Due: "2026-12-17 18:00", Late: true},
		Closed: true, OutcomeKey: "complaint.outcome.upheld", Response: "已核实", Disputes: disputes}})
	for _, want := range append([]string{"2026-12-09 18:00", "2026-12-17 18:00", i18n.T(i18n.ZH, "complaintweb.clock.late"), `id="response"`, "已核实"}, routes...) {
		if !strings.Contains(status, want) {
			t.Errorf("the status page lacks %s", want)
		}
	}
	open := render(ComplaintTrack{Status: &ComplaintStatus{Number: "TS1", CategoryKey: "complaint.category.false_info", StatusKey: "complaint.status.received", Disputes: disputes}})
	if strings.Contains(open, routes[0]) || strings.Contains(open, `id="response"`) {
		t.Errorf("an open complaint's status shows an outcome")
	}
	page := render(PublicRequest{ID: 1, Complaints: []ComplaintResponseView{{Number: "TS1", CategoryKey: "complaint.category.false_info",
		OutcomeKey: "complaint.outcome.upheld", Response: "经核实，已要求求助人更正。", At: "2026-12-10", Disputes: disputes}}})
	for _, want := range append([]string{`id="complaint-responses"`, "经核实，已要求求助人更正。"}, routes...) {
		if !strings.Contains(page, want) {
			t.Errorf("the request page lacks %s", want)
		}
	}
}
