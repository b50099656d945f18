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
}

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
			if err := r.Render(&buf, lang, "/x?y=<z>", p); err != nil {
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
			if strings.Contains(html, "style=") || strings.Contains(html, "<script") {
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
