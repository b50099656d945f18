package web

import (
	"bytes"
	"html"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/i18n"
)

func init() {
	v1 := VersionView{Number: 1, At: "2026-11-24", Title: "救救我的女儿", Patient: "张*明",
		RelationshipKey: "campaign.relationship.parent", Diagnosis: "急性淋巴细胞白血病", HospitalName: "北京大学人民医院",
		HospitalCity: "北京", Story: "<script>alert(1)</script>", Target: "¥300,000.00",
		Use: []UseView{{Label: "化疗费用", Amount: "¥200,000.00", Note: "医院预估"}},
		Disclosures: []DisclosureView{
			{QuestionKey: "campaign.topic.income", Answered: true, Yes: true, Detail: "父亲务工",
				AmountKey: "campaign.topic.income.amount", Amount: "¥36,000.00"},
			{QuestionKey: "campaign.topic.debts", Answered: true},
			{QuestionKey: "campaign.topic.housing"},
		}}
	v2 := v1
	v2.Number, v2.At, v2.Changes, v2.Story = 2, "2026-11-25", []string{"求助说明", "资金用途第 1 项"}, "改过的说明"
	samples = append(samples,
		HomeRequests{},
		HomeRequests{Cards: []HomeCard{
			{URL: "/requests/1", Title: "<b>t</b>", Target: "¥300,000.00", StateKey: "campaign.state.fundraising", Deadline: "2026-12-24"},
			{URL: "/requests/2", Title: "t", Target: "¥1,000.00", StateKey: "campaign.close.period_ended",
				Progress: &Progress{Raised: "¥1,200.00", RaisedFen: 1200_00, TargetFen: 1000_00, Percent: 120}},
		}},
		PublicRequest{ID: 1, Version: v2, Versions: 2, StateKey: "campaign.state.fundraising", Open: true, Deadline: "2026-12-24 10:00",
			Published: []PublishedMaterial{{KindKey: "material.kind.certificate", ReviewedAt: "2026-11-20", PublishedAt: "2026-11-21"}},
			Updates:   []UpdateView{{At: "2026-11-26 09:00", Body: "第一次化疗结束"}, {At: "2026-11-27 09:00", Removed: true, Reason: "含有患者身份证号"}},
			Meta: ShareMeta{Title: "救救我的女儿", Description: `孩子确诊后"需要"<script>alert(1)</script>`,
				Image: "https://carefund.example/static/share.png?v=1", URL: "https://carefund.example/requests/1"},
			Progress: &Progress{Raised: "¥1,234.50", RaisedFen: 1234_50, TargetFen: 300_000_00}, Donors: 3, DaysLeft: 12,
			Donate: "/requests/1/donate?s=AbCdEfGh12345678", Complaint: "/complaints?request=1",
			Donations: []DonationView{{Amount: "¥100.00", Anonymous: true, At: "2026-11-26 10:00"},
				{Amount: "¥20.00", Donor: "138****8000", Message: "<b>加油</b>", At: "2026-11-26 09:00"},
				{Amount: "¥5.00", At: "2026-11-26 08:00"}},
			Share: &ShareView{URL: "https://carefund.example/requests/1?s=AbCdEfGh12345678", Visits: 4, Donations: 1, Raised: "¥20.00"}},
		PublicRequest{ID: 4, Version: v1, Versions: 1, StateKey: "campaign.state.fundraising", Open: true, Deadline: "2026-12-24 10:00",
			Progress: &Progress{Raised: "¥0.00", TargetFen: 300_000_00}, DaysLeft: 1, Donate: "/requests/4/donate", Complaint: "/complaints?request=4"},
		PublicRequest{ID: 2, Version: v1, Versions: 1, StateKey: "campaign.state.closed", Closed: true,
			CloseKey: "campaign.close.purpose_gone.recovered", CloseNote: "谢谢大家", ClosedAt: "2026-12-01"},
		PublicRequest{ID: 3, Version: v1, Versions: 1, StateKey: "campaign.state.approved", Waiting: true},
		RequestVersions{ID: 1, Title: "救救我的女儿", Versions: []VersionView{nested(v2), nested(v1)}},
		StaffCharities{CanEdit: true,
			Orgs: []CharityRow{{ID: 1, Name: "中国红十字基金会", URL: "https://www.crcf.org.cn/", Active: true, Updated: "2026-11-24 10:00",
				Edit: CharityForm{Action: "/staff/charities/1", Suffix: "-1", Form: Form{Values: map[string]string{"name": "x"},
					Errors: map[string]string{"url": "请填写以 https:// 开头的完整网址。"}, Message: "fix"}}},
				{ID: 2, Name: "b", Categories: "白血病", Regions: "四川", URL: "https://example.org/"}},
			New: CharityForm{Action: "/staff/charities", Suffix: "-new", Form: Form{Errors: map[string]string{"name": "required"}}}},
		StaffCharities{Notice: "ok"},
	)
}

// TestPublicRequestPage: the page carries the risk notice and the links to
// the fee standard and the publishing rules (R-PUB-2), says what changed and
// links to the versions (R-REQ-6), and shows a taken-down update's reason,
// not a body (R-REV-4).
func TestPublicRequestPage(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	p := samples[0]
	for _, s := range samples {
		if pr, ok := s.(PublicRequest); ok && pr.ID == 1 {
			p = pr
		}
	}
	pr, ok := p.(PublicRequest)
	if !ok {
		t.Fatal("no sample of a changed request")
	}
	for _, lang := range i18n.Langs {
		var buf bytes.Buffer
		if err := r.Render(&buf, lang, "/requests/1", Viewer{}, pr); err != nil {
			t.Fatal(err)
		}
		html := buf.String()
		for _, want := range []string{
			i18n.T(lang, "public.risk.title"), `href="/rules/fees"`, `href="/rules/publishing-rules"`, // R-PUB-2
			i18n.T(lang, "public.changed_on", pr.Version.At) + strings.Join(pr.Version.Changes, i18n.T(lang, "public.list_sep")),
			`href="/requests/1/versions"`, // R-REQ-6
			i18n.T(lang, "public.updates.removed", "含有患者身份证号"), "张*明",
		} {
			if !strings.Contains(html, want) {
				t.Errorf("%s: no %q", lang, want)
			}
		}
	}
}

// nested is v as the versions page shows it, one heading level down.
func nested(v VersionView) VersionView {
	v.Nested = true
	return v
}

// TestPublicRequestDonationSide: the share card's tags are in <head> and
// escaped; the progress bar, the donors, the donate button with its share
// token, the fee items (R-PUB-2), the complaint entry (R-PUB-3) and the
// share panel render; an anonymous donation names nobody (R-DON-2).
func TestPublicRequestDonationSide(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	var pr PublicRequest
	for _, s := range samples {
		if p, ok := s.(PublicRequest); ok && p.Share != nil {
			pr = p
		}
	}
	if pr.Share == nil {
		t.Fatal("no sample with a share panel")
	}
	for _, lang := range i18n.Langs {
		var buf bytes.Buffer
		if err := r.Render(&buf, lang, "/requests/1", Viewer{}, pr); err != nil {
			t.Fatal(err)
		}
		page := buf.String()
		head, _, ok := strings.Cut(page, "</head>")
		if !ok {
			t.Fatal("no </head>")
		}
		for _, want := range []string{
			`<meta property="og:title" content="救救我的女儿">`,
			`<meta property="og:description" content="孩子确诊后&#34;需要&#34;&lt;script&gt;alert(1)&lt;/script&gt;">`,
			`<meta property="og:image" content="https://carefund.example/static/share.png?v=1">`,
			`<meta property="og:url" content="https://carefund.example/requests/1">`,
			`<meta property="og:type" content="article">`, `<meta name="description" content="`,
		} {
			if !strings.Contains(head, want) {
				t.Errorf("%s: <head> lacks %s", lang, want)
			}
		}
		for _, want := range []string{
			`<strong id="raised">¥1,234.50</strong>`, `<progress id="progress" max="30000000" value="123450">`,
			`<dd id="donors">3</dd>`, `<a id="donate" class="button donate" href="/requests/1/donate?s=AbCdEfGh12345678">`,
			i18n.T(lang, "public.fees.platform"), `href="/rules/fees"`, `href="/complaints?request=1"`,
			`<input id="share-link" readonly value="https://carefund.example/requests/1?s=AbCdEfGh12345678">`,
			i18n.T(lang, "public.donations.anon"), "138****8000", "&lt;b&gt;加油&lt;/b&gt;", i18n.T(lang, "public.donations.guest"),
		} {
			if !strings.Contains(page, html.EscapeString(want)) && !strings.Contains(page, want) {
				t.Errorf("%s: the page lacks %s", lang, want)
			}
		}
		if strings.Count(page, "138****8000") != 1 {
			t.Errorf("%s: the named donor is not named exactly once", lang)
		}
	}
}
