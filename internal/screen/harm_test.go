package screen

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestHarmDefaultList proves that the built-in list of each category
// (R-CONT-1) catches real texts with its words, and what each category
// does to the text: illegal refuses, the others hold. Each case names a
// word of the list; dropping it from the list fails its case.
func TestHarmDefaultList(t *testing.T) {
	// R-CONT-1
	tests := []struct {
		text string
		want Category
		act  ContentAction
	}{
		{"有人私信说可以出售枪支给我们换钱", CategoryIllegal, ContentRefuse},
		{"朋友介绍卖肾凑医药费", CategoryIllegal, ContentRefuse},
		{"可以帮忙代开发票报销", CategoryIllegal, ContentRefuse},
		{"We could sell a kidney to pay for it", CategoryIllegal, ContentRefuse},
		{"他在做冰毒生意", CategoryIllegal, ContentRefuse},
		{"加我看色情视频", CategoryHarmful, ContentHold},
		{"赌博网站赢钱了就捐", CategoryHarmful, ContentHold},
		{"visit my gambling site", CategoryHarmful, ContentHold},
		{"医院内部消息：这种药马上停产", CategoryRumour, ContentHold},
		{"紧急扩散！不转不是中国人", CategoryRumour, ContentHold},
		{"insider news: the hospital is closing", CategoryRumour, ContentHold},
		{"我们请了水军帮忙转发", CategoryHype, ContentHold},
		{"捐款就能买热搜", CategoryHype, ContentHold},
		{"we can buy likes for the page", CategoryHype, ContentHold},
		{"捐款后有返利", CategoryRisky, ContentHold},
		{"please transfer to my personal account", CategoryRisky, ContentHold},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			f := Harm(tt.text, DefaultTerms())
			if !slices.Contains(f.Categories, tt.want) {
				t.Fatalf("Harm(%q).Categories = %v, want %s", tt.text, f.Categories, tt.want)
			}
			if got := f.Action(); got != tt.act {
				t.Errorf("Harm(%q).Action() = %s, want %s", tt.text, got, tt.act)
			}
			if len(f.Terms) == 0 {
				t.Errorf("Harm(%q) names no term for staff", tt.text)
			}
		})
	}
}

// TestHarmEvasion proves that the usual ways of slipping a word past a
// filter do not work (R-CONT-1): full-width letters, spaces, zero-width
// characters and capitals.
func TestHarmEvasion(t *testing.T) {
	// R-CONT-1
	for _, text := range []string{
		"出 售 枪 支", "出\u200b售\u200d枪支", "出售　枪支", "ＳＥＬＬ ＧＵＮＳ here", "Sell\u00adGuns",
	} {
		if got := Harm(text, DefaultTerms()).Action(); got != ContentRefuse {
			t.Errorf("Harm(%q).Action() = %s, want refuse", text, got)
		}
	}
}

// TestHarmPasses proves that ordinary texts of the platform pass and that
// the list given is the list used (R-CONT-1): an operator's added term
// counts, and a list without a word no longer finds it.
func TestHarmPasses(t *testing.T) {
	// R-CONT-1
	for _, text := range []string{
		"", "谢谢大家的帮助，妈妈今天做完了第二次化疗。", "Get well soon!", "医生说恢复得不错，住院费用已经结清。",
		"<script>alert(1)</script>",
	} {
		if f := Harm(text, DefaultTerms()); f.Action() != ContentPass || len(f.Categories) != 0 {
			t.Errorf("Harm(%q) = %+v, want a pass", text, f)
		}
	}
	own := []Term{{CategoryRumour, "神药"}}
	if got := Harm("这是神药", own).Categories; !slices.Equal(got, []Category{CategoryRumour}) {
		t.Errorf("an added term: categories %v, want [rumour]", got)
	}
	without := slices.DeleteFunc(DefaultTerms(), func(t Term) bool { return t.Text == "水军" })
	if got := Harm("我们请了水军", without).Action(); got != ContentPass {
		t.Errorf("a removed term still matches: %s", got)
	}
	// A term that normalises to nothing, or of no category, matches nothing.
	if got := Harm("any text", []Term{{CategoryIllegal, " \u200b "}, {"other", "any"}}).Action(); got != ContentPass {
		t.Errorf("an empty or uncategorised term matched: %s", got)
	}
}

// FuzzHarm checks the matcher on any text (R-CONT-1): it never panics, its
// categories are valid, sorted and unique, every term it names is in the
// list and in the normalised text, and a text found harmful stays harmful
// with spaces put between its characters.
func FuzzHarm(f *testing.F) {
	for _, s := range []string{"", "出售枪支", "ＳＥＬＬ ＧＵＮＳ", "水军\u200b", "\xff\xfe", "<script>"} {
		f.Add(s)
	}
	terms := DefaultTerms()
	f.Fuzz(func(t *testing.T, text string) {
		// R-CONT-1
		got := Harm(text, terms)
		for i, c := range got.Categories {
			if !c.Valid() || (i > 0 && slices.Index(Categories, got.Categories[i-1]) >= slices.Index(Categories, c)) {
				t.Fatalf("categories %v out of order or invalid", got.Categories)
			}
		}
		norm := Normalise(text)
		for _, term := range got.Terms {
			if !slices.Contains(terms, term) || !strings.Contains(norm, Normalise(term.Text)) {
				t.Fatalf("term %v not in the list or the text", term)
			}
		}
		if !utf8.ValidString(text) {
			return
		}
		var spaced strings.Builder
		for _, r := range text {
			spaced.WriteRune(r)
			spaced.WriteString(" \u200b")
		}
		if again := Harm(spaced.String(), terms); len(again.Categories) < len(got.Categories) {
			t.Fatalf("spacing out %q lost categories: %v, then %v", text, got.Categories, again.Categories)
		}
	})
}
