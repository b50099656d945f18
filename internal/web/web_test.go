package web

import (
	"bytes"
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/i18n"
)

// samples holds one value of every page type; TestRenderEveryPage renders each
// in every language and fails when a template has no sample.
var samples = []Page{
	Home{},
	Home{Requests: []RequestCard{{URL: "/r/1", Title: "<script>alert(1)</script>"}}},
	Info{Title: "rules.title", Body: "rules.body"},
	Error{Status: 404, Message: "找不到"},
	SignIn{Next: "/account"},
	SignIn{CodeSent: true, Form: Form{Values: map[string]string{"phone": "13800138000", "masked": "138****8000"},
		Errors: map[string]string{"code": "<script>alert(1)</script>"}, Message: "fix"}},
	Account{Phone: "138****8000", Identity: &IdentityView{Name: "张*明", Number: "110***********002X", At: "2026-11-24"},
		Sessions: []SessionView{{ID: 1, Started: "2026-11-24 10:00", From: "192.0.2.1", Current: true}, {ID: 2}},
		Consents: []ConsentView{{Title: "服务协议", Version: "1.0", At: "2026-11-24"}}, Notice: "ok"},
	Account{Phone: "138****8000"},
	Account{Phone: "138****8000", Complaints: []ComplaintStatus{{Number: "TS20261208-7K3Q9", CategoryKey: "complaint.category.privacy",
		StatusKey: "complaint.status.triaged", Received: "r", Ack: Clock{Due: "d", Done: "x"}, Handle: Clock{Due: "d", Late: true}}}},
	VerifyIdentity{Rules: []RuleLink{{ID: 1, Kind: "privacy", Title: "个人信息处理规则", Number: "1.0"}},
		Form: Form{Errors: map[string]string{"name": "x", "id_number": "y", "consent": "z", "truthful": "w"}}},
	RulesIndex{Docs: []RuleLink{{ID: 1, Kind: "fees", Title: "收费标准", Number: "1.0", Since: "2026-11-24"}}},
	RuleDoc{Kind: "fees", Title: "收费标准", Number: "2.0", Body: "<p>text</p>", Summary: "changed", Reported: "2026-11-01",
		History: []RuleLink{{ID: 2, Kind: "fees", Number: "2.0"}, {ID: 1, Kind: "fees", Number: "1.0"}}},
	DevSMS{Sent: []SentView{{Phone: "13800138000", Code: "123456", At: "10:00:00"}}},
	DevSMS{},
	StaffSignIn{Form: Form{Message: "wrong", Values: map[string]string{"username": "alice"}}},
	StaffPassword{Form: Form{Errors: map[string]string{"new_password": "short"}}},
	StaffPassword{Done: true},
	StaffHome{Sections: []NavLink{{URL: "/staff/audit", Key: "staff.audit.title"}}},
	StaffHome{CanFind: true, Form: Form{Values: map[string]string{"phone": "139"}, Errors: map[string]string{"phone": "x"}}},
	StaffAudit{Entries: []AuditRow{{Seq: 1, Actor: "staff:1", Action: "pii.view", Result: "ok"}}, Older: "/staff/audit?before=1",
		Form: Form{Values: map[string]string{"result": "ok"}}},
	StaffMembers{Members: []MemberRow{{ID: 1, Username: "alice", Role: "admin"}, {ID: 2, Username: "bob", Role: "auditor", Locked: true}, {ID: 3, Username: "carol", Role: "reviewer"}},
		Roles: []string{"admin", "auditor"}, CanEdit: true, CanRelate: true, Self: 1},
	StaffApprovals{Pending: []ProposalRow{{ID: 1, Summary: "x", ProposedByID: 2}, {ID: 2, ProposedByID: 1}},
		Decided: []ProposalRow{{ID: 3, Status: "approved"}}, Self: 1},
	StaffRules{Current: []RuleLink{{ID: 1, Kind: "fees"}}, Drafts: []DraftRow{{ID: 2, Kind: "fees", Major: true, State: "draft"}},
		Kinds: []string{"fees", "privacy"}, Form: Form{Errors: map[string]string{"body_zh": "x"}}},
	StaffIncidents{Incidents: []IncidentRow{{ID: 1, Type: "loss", Title: "t", Affected: 2, Untold: 1}}},
	StaffIncident{ID: 1, Type: "leak", Title: "t", Affected: []string{"user:1", "user:2"}, Untold: 1,
		People:    []IncidentPerson{{Object: "user:1", Told: true, SentAt: "2026-03-01 16:00", Channel: "sms", SentBy: "staff:5", Outcome: "sent", Notices: 2}, {Object: "user:2"}},
		Authority: []NoticeRow{{Recipient: "省网信办", Reference: "r-1", Channel: "email", SentAt: "2026-03-01 14:00", SentBy: "staff:5", Outcome: "sent"}},
		Steps:     []StepRow{{Kind: "remediation", Text: "x"}, {Kind: "notice_people", Text: "y"}}, Next: []string{"contained"}},
	StaffUser{ID: 1, Phone: "13800138000", Verified: true, Name: "张三明", Number: "11010519491231002X"},
}

// inlineScript matches a script element without a src: only a page's own
// static script may run (the CSP says script-src 'self').
var inlineScript = regexp.MustCompile(`<script(?:\s+(?:defer|async|type="[^"]*"))*\s*>`)

func TestRenderEveryPage(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, p := range samples {
		covered[p.template()] = true
		for _, lang := range i18n.Langs {
			var buf bytes.Buffer
			if err := r.Render(&buf, lang, "/x?y=<z>", Viewer{}, p); err != nil {
				t.Fatalf("%T in %s: %v", p, lang, err)
			}
			html := buf.String()
			for _, want := range []string{
				`<html lang="` + string(lang) + `">`,
				`href="/rules"`,      // R-PUB-3: the rules and the complaint
				`href="/complaints"`, // entry are linked from every page
				`name="viewport"`,
				r.assets["carefund.css"],
				r.assets["icon.svg"],
			} {
				if !strings.Contains(html, want) {
					t.Errorf("%T in %s: no %s", p, lang, want)
				}
			}
			if strings.Contains(html, "[") && regexp.MustCompile(`\[[a-z_]+\.[a-z_.]+\]`).MatchString(html) {
				t.Errorf("%T in %s: a message key is missing from the catalog", p, lang)
			}
			if strings.Contains(html, "<script>alert") || strings.Contains(html, "y=<z>") {
				t.Errorf("%T in %s: data is not escaped", p, lang)
			}
			if strings.Contains(html, "style=") || inlineScript.MatchString(html) {
				t.Errorf("%T in %s: inline style or script, which the CSP forbids", p, lang)
			}
		}
	}
	for _, name := range pageNames {
		if !covered[name] {
			t.Errorf("page %s has no sample in samples", name)
		}
	}
}

// TestTemplateKeysExist checks every literal {{t "key"}} in the templates.
func TestTemplateKeysExist(t *testing.T) {
	re := regexp.MustCompile(`\{\{t "([^"]+)"`)
	err := fs.WalkDir(files, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllSubmatch(b, -1) {
			if !i18n.Has(string(m[1])) {
				t.Errorf("%s uses %q, which is not in the catalog", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestStylesheetIsSmall(t *testing.T) {
	css, _ := files.ReadFile("static/carefund.css")
	if n := len(css); n > 8<<10 {
		t.Errorf("carefund.css is %d bytes; keep it under 8 KiB", n)
	}
}
