package rules

import (
	"html"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
)

func fieldKeys(err error) map[string]string {
	e := apperr.As(err)
	if e == nil {
		return nil
	}
	m := map[string]string{}
	for _, f := range e.Fields {
		m[f.Field] = f.Key
	}
	return m
}

// R-RULES-2: only a ticked checkbox is consent; nothing is consent by default.
// "yes" is the value carefund's forms give; "on" is what a browser sends for a
// ticked checkbox without a value attribute. Both are accepted.
func TestCheckBox(t *testing.T) {
	tests := []struct {
		value string
		ok    bool
	}{
		{"yes", true},
		{"on", true},
		{"", false},
		{"no", false},
		{"off", false},
		{"false", false},
		{"0", false},
		{"1", false},
		{"true", false},
		{"YES", false},
		{" yes", false},
		{"yes\x00", false},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			err := CheckBox(tt.value, "agree")
			if tt.ok {
				if err != nil {
					t.Fatalf("CheckBox(%q) = %v, want nil", tt.value, err)
				}
				return
			}
			if got := apperr.CodeOf(err); got != apperr.Invalid {
				t.Fatalf("CheckBox(%q) code = %q, want %q", tt.value, got, apperr.Invalid)
			}
			if got := fieldKeys(err)["agree"]; got != "rules.consent_required" {
				t.Errorf("CheckBox(%q) field agree = %q, want rules.consent_required", tt.value, got)
			}
		})
	}
}

// R-RULES-4: the truthfulness declaration exists in both languages and says
// the person is responsible for the truth and must not fabricate or conceal.
func TestTruthfulness(t *testing.T) {
	key := TruthfulnessKey()
	if !i18n.Has(key) {
		t.Fatalf("%s is not in the catalog", key)
	}
	for _, tt := range []struct {
		lang  i18n.Lang
		words []string
	}{
		{i18n.ZH, []string{"真实", "负责", "虚构", "隐瞒", "骗取"}},
		{i18n.EN, []string{"true", "responsible", "fabricat", "conceal"}},
	} {
		text := i18n.T(tt.lang, key)
		for _, w := range tt.words {
			if !strings.Contains(text, w) {
				t.Errorf("%s in %s lacks %q: %s", key, tt.lang, w, text)
			}
		}
	}
}

// Every message key the package can return is in the catalog.
func TestMessageKeys(t *testing.T) {
	keys := []string{"rules.not_found", "rules.pending", "rules.not_draft", "rules.not_pending", "rules.not_reported",
		"rules.changed", "rules.consent_missing", "rules.consent_required", "rules.field_required",
		"rules.field_too_long", "rules.text_invalid", "rules.report_date_future"}
	for _, k := range Kinds {
		keys = append(keys, k.NameKey())
	}
	for _, s := range []State{StateDraft, StateReported, StateEffective, StateSuperseded, StateWithdrawn} {
		keys = append(keys, s.NameKey())
	}
	for _, k := range keys {
		if !i18n.Has(k) {
			t.Errorf("%s is not in the catalog", k)
		}
	}
}

func TestNumber(t *testing.T) {
	for _, tt := range []struct {
		major, minor int
		want         string
		majorChange  bool
	}{
		{1, 0, "1.0", false},
		{1, 3, "1.3", false},
		{2, 0, "2.0", true},
		{2, 1, "2.1", false},
		{12, 10, "12.10", false},
	} {
		v := Version{Major: tt.major, Minor: tt.minor}
		if got := v.Number(); got != tt.want {
			t.Errorf("Number() = %q, want %q", got, tt.want)
		}
		if got := v.IsMajorChange(); got != tt.majorChange {
			t.Errorf("%s IsMajorChange() = %v, want %v", tt.want, got, tt.majorChange)
		}
	}
}

func TestHTML(t *testing.T) {
	tests := []struct {
		name    string
		md      string
		want    []string // must appear
		notWant []string // must not appear (case-insensitive)
	}{
		{"heading", "## 一、协议的订立\n\n正文", []string{"<h2>一、协议的订立</h2>", "<p>正文</p>"}, nil},
		{"list", "- 甲\n- 乙\n", []string{"<ul>", "<li>甲</li>", "<li>乙</li>"}, nil},
		{"ordered list", "1. one\n2. two\n", []string{"<ol>", "<li>one</li>"}, nil},
		{"strong", "**不收取**", []string{"<strong>不收取</strong>"}, nil},
		{"https link", "[规则](https://example.org/rules)", []string{`<a href="https://example.org/rules">`}, nil},
		{"table", "| a | b |\n|---|---|\n| 1 | 2 |\n", []string{"<table>", "<td>1</td>"}, nil},
		{"script block", "<script>alert(1)</script>\n", nil, []string{"<script"}},
		{"inline script", "text <script>alert(1)</script> more", nil, []string{"<script"}},
		{"event handler", `<img src=x onerror="alert(1)">`, nil, []string{"onerror", "<img"}},
		{"iframe", "<iframe src=\"https://evil.example\"></iframe>", nil, []string{"<iframe"}},
		{"javascript link", "[click](javascript:alert(1))", nil, []string{"javascript:"}},
		{"javascript link upper", "[click](JavaScript:alert(1))", nil, []string{"javascript:"}},
		{"javascript autolink", "<javascript:alert(1)>", nil, []string{`href="javascript:`}},
		{"javascript reference", "[click][x]\n\n[x]: javascript:alert(1)\n", nil, []string{"javascript:"}},
		{"javascript image", "![x](javascript:alert(1))", nil, []string{"javascript:"}},
		{"vbscript link", "[click](vbscript:msgbox)", nil, []string{"vbscript:"}},
		{"data link", "[click](data:text/html;base64,PHNjcmlwdD4=)", nil, []string{"data:text/html"}},
		{"entity javascript", "[click](&#106;avascript:alert(1))", nil, []string{`href="javascript:`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(HTML(tt.md))
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("HTML(%q) = %q, lacks %q", tt.md, got, w)
				}
			}
			lower := strings.ToLower(got)
			for _, w := range tt.notWant {
				if strings.Contains(lower, strings.ToLower(w)) {
					t.Errorf("HTML(%q) = %q, contains %q", tt.md, got, w)
				}
			}
		})
	}
}

// tagRE matches a start tag as goldmark writes it: attributes are always
// double-quoted. attrRE takes one attribute apart.
var (
	tagRE   = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s="'<>/]+(?:="[^"]*")?)*)\s*/?>`)
	attrRE  = regexp.MustCompile(`\s+([^\s="'<>/]+)(?:="([^"]*)")?`)
	startRE = regexp.MustCompile(`<[a-zA-Z]`)
)

// unsafeHTML returns what must never come out of HTML, or "": a tag it
// cannot read, a script-capable element, an event handler attribute, or a
// URL attribute with a script scheme. Text never holds a literal "<" (it is
// escaped), so "<" followed by a letter is always a tag.
func unsafeHTML(out string) string {
	if n, m := len(startRE.FindAllStringIndex(out, -1)), len(tagRE.FindAllStringIndex(out, -1)); n != m {
		return "a tag that cannot be read"
	}
	for _, tag := range tagRE.FindAllStringSubmatch(out, -1) {
		switch strings.ToLower(tag[1]) {
		case "script", "iframe", "object", "embed", "style", "form", "input", "base", "meta", "link", "svg":
			return tag[0]
		}
		for _, a := range attrRE.FindAllStringSubmatch(tag[2], -1) {
			name, value := strings.ToLower(a[1]), strings.ToLower(strings.TrimSpace(html.UnescapeString(a[2])))
			if strings.HasPrefix(name, "on") || name == "style" || name == "srcdoc" {
				return tag[0]
			}
			if name == "href" || name == "src" {
				for _, scheme := range []string{"javascript:", "vbscript:", "data:text", "file:"} {
					if strings.HasPrefix(value, scheme) {
						return tag[0]
					}
				}
			}
		}
	}
	return ""
}

// The checker FuzzHTML relies on must itself catch what it looks for.
func TestUnsafeHTML(t *testing.T) {
	for _, tt := range []struct {
		html string
		bad  bool
	}{
		{`<p>text with onclick= and javascript: in it</p>`, false},
		{`<p><a href="https://e.org" title="t onclick=x">x</a></p>`, false},
		{`<h2>一</h2><ul><li>a</li></ul><!-- raw HTML omitted -->`, false},
		{`<script>alert(1)</script>`, true},
		{`<a href="javascript:alert(1)">x</a>`, true},
		{`<a href=" JavaScript:alert(1)">x</a>`, true},
		{`<a href="&#106;avascript:alert(1)">x</a>`, true},
		{`<img src="x" onerror="alert(1)">`, true},
		{`<img src=x onerror=alert(1)>`, true},
		{`<iframe src="https://e.org"></iframe>`, true},
	} {
		if got := unsafeHTML(tt.html) != ""; got != tt.bad {
			t.Errorf("unsafeHTML(%q) flagged = %v, want %v", tt.html, got, tt.bad)
		}
	}
}

func FuzzHTML(f *testing.F) {
	for _, s := range []string{
		"# t\n\n- a\n- b\n",
		"<script>alert(1)</script>",
		"[x](javascript:alert(1))",
		"[x](JAVASCRIPT:alert(1))",
		"[x](java\tscript:alert(1))",
		"[x](&#x6A;avascript:alert(1))",
		"<a href=\"javascript:alert(1)\">x</a>",
		"<img src=x onerror=alert(1)>",
		"![i](data:text/html,<script>)",
		"`<script>`",
		"<div\nonclick=x>",
		"0 onA=",
		"[x](https://e.org \"t onclick=x\")",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, md string) {
		got := string(HTML(md))
		if m := unsafeHTML(got); m != "" {
			t.Errorf("HTML(%q) emitted %q: %s", md, m, got)
		}
	})
}

// HTML is called from many request handlers at once.
func TestHTMLConcurrent(t *testing.T) {
	d, err := Embedded(Fees)
	if err != nil {
		t.Fatal(err)
	}
	want := HTML(d.Body[i18n.ZH])
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				if got := HTML(d.Body[i18n.ZH]); got != want {
					t.Error("concurrent HTML gave a different result")
					return
				}
			}
		})
	}
	wg.Wait()
}

// mustMention lists what each first version has to say, so that an edit
// cannot silently drop a duty the Measures or the convention impose.
var mustMention = map[Kind]map[i18n.Lang][]string{
	ServiceAgreement: {
		i18n.ZH: {"不是慈善募捐", "专用存款账户", "医院", "虚构、隐瞒", "投诉举报", "国务院民政部门报告", "不会预先勾选", "仲裁"},
		i18n.EN: {"not charitable fundraising", "custody", "hospital", "fabricating or concealing", "Complaints & reports", "Ministry of Civil Affairs", "never pre-ticks", "arbitration"},
	},
	PublishingRules: {
		i18n.ZH: {"基本医疗保险", "商业保险", "低保", "建档立卡", "政府医疗救助", "其他平台", "房产", "车辆", "收入", "负债", "不得留空", "50万元", "书面证明", "医疗费用清单", "诊断证明", "慈善组织", "张\\*明"},
		i18n.EN: {"medical insurance", "commercial insurance", "minimum living allowance", "poor household", "government medical assistance", "other platforms", "housing", "vehicles", "income", "debts", "left blank", "¥500,000", "written certificate", "list of medical expenses", "diagnosis", "charitable organizations"},
	},
	Privacy: {
		i18n.ZH: {"身份证号码", "加密", "掩码", "不少于三年", "删除", "匿名化", "单独同意", "撤回同意", "泄露", "通知", "平台客服邮箱（见页面底部）", "不出售"},
		i18n.EN: {"identity card", "encrypted", "masked", "at least three years", "delete", "anonymiz", "separate consent", "withdraw your consent", "leaked", "notifies", "service mailbox", "never sells"},
	},
	Fees: {
		i18n.ZH: {"不向求助人收取任何服务费", "支付", "费率", "自愿", "默认金额为零", "不预先勾选", "不推销保险", "保本或者微利"},
		i18n.EN: {"charges requesters no service fee", "payment provider", "rate", "voluntary", "starts at zero", "never pre-ticked", "does not sell insurance", "small margin"},
	},
	FundsRefunds: {
		i18n.ZH: {"专用存款账户", "监护人", "近亲属", "医疗机构", "30万元", "5万元", "分批", "比例", "原路退回", "孳息", "慈善组织", "六十日"},
		i18n.EN: {"deposit account", "guardian", "close relative", "medical institution", "¥300,000", "¥50,000", "instalments", "in proportion", "original", "Interest", "charitable organization", "sixty days"},
	},
}

// R-RULES-1: every embedded first version parses (a title line and a body),
// is substantive, renders to HTML with headings, says what it must, and has
// an English text without Chinese in it.
func TestEmbeddedDocuments(t *testing.T) {
	han := regexp.MustCompile(`\p{Han}`)
	for _, k := range Kinds {
		t.Run(string(k), func(t *testing.T) {
			d, err := Embedded(k)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range i18n.Langs {
				title, body := d.Title[l], d.Body[l]
				if title == "" || utf8.RuneCountInString(title) > MaxTitle {
					t.Errorf("%s title %q: empty or too long", l, title)
				}
				if err := validateDraft(d.Title, d.Body, nil, true); err != nil {
					t.Errorf("the embedded text would not pass Draft: %v", err)
				}
				html := string(HTML(body))
				if n := strings.Count(html, "<h2>"); n < 5 {
					t.Errorf("%s renders %d sections, want at least 5", l, n)
				}
				if strings.Contains(html, "raw HTML omitted") {
					t.Errorf("%s holds raw HTML, which is dropped", l)
				}
				for _, w := range mustMention[k][l] {
					if !strings.Contains(body, w) {
						t.Errorf("%s does not mention %q", l, w)
					}
				}
			}
			zh := len(han.FindAllString(d.Body[i18n.ZH], -1))
			if zh < 600 || zh > 1800 {
				t.Errorf("zh body has %d Chinese characters, want roughly 600–1500", zh)
			}
			if m := han.FindString(d.Title[i18n.EN] + d.Body[i18n.EN]); m != "" {
				t.Errorf("the English text contains Chinese: %q", m)
			}
			if words := len(strings.FieldsFunc(d.Body[i18n.EN], unicode.IsSpace)); words < 400 {
				t.Errorf("en body has %d words, want a real document", words)
			}
		})
	}
	// Every file in docs/ belongs to a kind and a language: no stray drafts.
	entries, err := docs.ReadDir("docs")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !slices.Contains(i18n.Langs, i18n.Lang(e.Name())) {
			t.Errorf("docs/%s is not a language", e.Name())
			continue
		}
		files, _ := docs.ReadDir("docs/" + e.Name())
		for _, f := range files {
			if !Kind(strings.TrimSuffix(f.Name(), ".md")).Valid() {
				t.Errorf("docs/%s/%s is not a document kind", e.Name(), f.Name())
			}
		}
	}
}

func TestSplitTitle(t *testing.T) {
	for _, tt := range []struct {
		md, title, body string
		ok              bool
	}{
		{"# 标题\n\n正文\n", "标题", "正文\n", true},
		{"#  T \nbody", "T", "body\n", true},
		{"## T\nbody", "", "", false},
		{"T\nbody", "", "", false},
		{"# \nbody", "", "", false},
		{"", "", "", false},
	} {
		title, body, err := splitTitle(tt.md)
		if (err == nil) != tt.ok || title != tt.title || body != tt.body {
			t.Errorf("splitTitle(%q) = %q, %q, %v; want %q, %q, ok=%v", tt.md, title, body, err, tt.title, tt.body, tt.ok)
		}
	}
}

func TestValidateDraft(t *testing.T) {
	full := func() (map[i18n.Lang]string, map[i18n.Lang]string, map[i18n.Lang]string) {
		return map[i18n.Lang]string{i18n.ZH: "服务协议", i18n.EN: "Service agreement"},
			map[i18n.Lang]string{i18n.ZH: "正文", i18n.EN: "Body"},
			map[i18n.Lang]string{i18n.ZH: "修改了第三条", i18n.EN: "Changed section 3"}
	}
	tests := []struct {
		name   string
		edit   func(title, body, summary map[i18n.Lang]string)
		first  bool
		fields map[string]string
	}{
		{"complete", func(_, _, _ map[i18n.Lang]string) {}, false, nil},
		{"first needs no summary", func(_, _, s map[i18n.Lang]string) { clear(s) }, true, nil},
		{"summary required after 1.0", func(_, _, s map[i18n.Lang]string) { s[i18n.EN] = "  " },
			false, map[string]string{"summary_en": "rules.field_required"}},
		{"missing title zh", func(ti, _, _ map[i18n.Lang]string) { delete(ti, i18n.ZH) },
			false, map[string]string{"title_zh": "rules.field_required"}},
		{"title too long", func(ti, _, _ map[i18n.Lang]string) { ti[i18n.EN] = strings.Repeat("a", MaxTitle+1) },
			false, map[string]string{"title_en": "rules.field_too_long"}},
		{"title at the limit in Chinese", func(ti, _, _ map[i18n.Lang]string) { ti[i18n.ZH] = strings.Repeat("规", MaxTitle) },
			false, nil},
		{"body too long", func(_, b, _ map[i18n.Lang]string) { b[i18n.ZH] = strings.Repeat("字", MaxBody+1) },
			false, map[string]string{"body_zh": "rules.field_too_long"}},
		{"body blank", func(_, b, _ map[i18n.Lang]string) { b[i18n.EN] = "\n\t " },
			false, map[string]string{"body_en": "rules.field_required"}},
		{"invalid utf-8", func(_, b, _ map[i18n.Lang]string) { b[i18n.EN] = "a\xffb" },
			false, map[string]string{"body_en": "rules.text_invalid"}},
		{"nul", func(ti, _, _ map[i18n.Lang]string) { ti[i18n.ZH] = "a\x00b" },
			false, map[string]string{"title_zh": "rules.text_invalid"}},
		{"everything missing", func(ti, b, s map[i18n.Lang]string) { clear(ti); clear(b); clear(s) },
			false, map[string]string{"title_zh": "rules.field_required", "title_en": "rules.field_required",
				"body_zh": "rules.field_required", "body_en": "rules.field_required",
				"summary_zh": "rules.field_required", "summary_en": "rules.field_required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			title, body, summary := full()
			tt.edit(title, body, summary)
			err := validateDraft(title, body, summary, tt.first)
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("got %v, want %s", err, apperr.Invalid)
			}
			got := fieldKeys(err)
			if len(got) != len(tt.fields) {
				t.Errorf("fields = %v, want %v", got, tt.fields)
			}
			for f, k := range tt.fields {
				if got[f] != k {
					t.Errorf("field %s = %q, want %q", f, got[f], k)
				}
			}
		})
	}
}
