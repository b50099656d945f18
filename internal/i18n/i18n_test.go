package i18n

import "testing"

func TestMatch(t *testing.T) {
	tests := []struct {
		header string
		want   Lang
	}{
		{"", ZH},
		{"en", EN},
		{"en-US,en;q=0.9", EN},
		{"zh-CN,zh;q=0.9,en;q=0.8", ZH},
		{"zh-TW", ZH},
		{"fr-FR,en;q=0.5", EN},
		{"fr-FR,de", ZH},
		{"en;q=0.2,zh;q=0.8", ZH},
		{"en;q=0", ZH},
		{"EN-gb", EN},
		{"en;q=abc", ZH},
	}
	for _, tt := range tests {
		if got := Match(tt.header); got != tt.want {
			t.Errorf("Match(%q) = %s, want %s", tt.header, got, tt.want)
		}
	}
}

func TestCatalogComplete(t *testing.T) {
	for key, m := range catalog {
		if m.zh == "" || m.en == "" {
			t.Errorf("%s is missing a language: %+v", key, m)
		}
	}
}

func TestT(t *testing.T) {
	if got := T(EN, "error.status", 404); got != "Error 404" {
		t.Errorf("T(EN, error.status, 404) = %q", got)
	}
	if got := T(ZH, "error.status", 404); got != "错误代码 404" {
		t.Errorf("T(ZH, error.status, 404) = %q", got)
	}
	if got := T(ZH, "no.such.key"); got != "[no.such.key]" {
		t.Errorf("T of a missing key = %q", got)
	}
}

func FuzzMatch(f *testing.F) {
	f.Add("zh-CN,zh;q=0.9,en;q=0.8")
	f.Fuzz(func(t *testing.T, header string) {
		if l := Match(header); l != ZH && l != EN {
			t.Errorf("Match(%q) = %q", header, l)
		}
	})
}
