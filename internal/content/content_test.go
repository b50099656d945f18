package content

import (
	"errors"
	"slices"
	"testing"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/screen"
)

// TestTerms proves that the list in force is the built-in list with the
// changes applied in order (R-CONT-1): an added term counts once, a
// removed built-in term no longer does, and a term added back returns.
func TestTerms(t *testing.T) {
	// R-CONT-1
	has := func(list []screen.Term, c screen.Category, text string) bool {
		return slices.ContainsFunc(list, func(x screen.Term) bool { return sameTerm(x, screen.Term{Category: c, Text: text}) })
	}
	own := screen.Term{Category: screen.CategoryRumour, Text: "神药"}
	list := Terms([]TermChange{{Term: own}, {Term: own}})
	if !has(list, screen.CategoryRumour, "神药") || len(list) != len(screen.DefaultTerms())+1 {
		t.Fatalf("an added term: %d terms, want %d with it", len(list), len(screen.DefaultTerms())+1)
	}
	water := screen.Term{Category: screen.CategoryHype, Text: " 水 军 "}
	list = Terms([]TermChange{{Term: water, Removed: true}})
	if has(list, screen.CategoryHype, "水军") {
		t.Fatal("a removed built-in term is still in force")
	}
	list = Terms([]TermChange{{Term: water, Removed: true}, {Term: water}})
	if !has(list, screen.CategoryHype, "水军") {
		t.Fatal("a term added back is not in force")
	}
}

// TestCheckTerm proves the word list refuses a term it could not use.
func TestCheckTerm(t *testing.T) {
	// R-CONT-1
	tests := []struct {
		name  string
		term  screen.Term
		field string
	}{
		{"ok", screen.Term{Category: screen.CategoryIllegal, Text: " 枪支 "}, ""},
		{"no category", screen.Term{Category: "bad", Text: "枪支"}, "category"},
		{"blank", screen.Term{Category: screen.CategoryIllegal, Text: " \u200b "}, "term"},
		{"too long", screen.Term{Category: screen.CategoryIllegal, Text: string(make([]rune, 51))}, "term"},
		{"control", screen.Term{Category: screen.CategoryIllegal, Text: "a\x00b"}, "term"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckTerm(tt.term)
			if tt.field == "" {
				if err != nil || got.Text != "枪支" {
					t.Fatalf("CheckTerm = %v, %v", got, err)
				}
				return
			}
			var e *apperr.Error
			if !errors.As(err, &e) || e.Code != apperr.Invalid || len(e.Fields) == 0 || e.Fields[0].Field != tt.field {
				t.Fatalf("CheckTerm(%v) = %v, want invalid on %s", tt.term, err, tt.field)
			}
		})
	}
}

// FuzzCheck checks the matcher as the content screen uses it (R-CONT-1):
// any term the word list accepts, once added, is found in any text that
// contains it, whatever surrounds it, with the category it was added in;
// and once removed, it is not named again.
func FuzzCheck(f *testing.F) {
	f.Add("神药", "这是", "！", 2)
	f.Add("ＡＢＣ", "", "x", 0)
	f.Add("a b", "\u200b", "", 4)
	f.Fuzz(func(t *testing.T, term, before, after string, cat int) {
		// R-CONT-1
		c := screen.Categories[(cat%len(screen.Categories)+len(screen.Categories))%len(screen.Categories)]
		tm, err := CheckTerm(screen.Term{Category: c, Text: term})
		if err != nil {
			return
		}
		list := Terms([]TermChange{{Term: tm}})
		got := screen.Harm(before+tm.Text+after, list)
		if !slices.Contains(got.Categories, c) {
			t.Fatalf("added term %q (%s) not found in %q: %+v", tm.Text, c, before+tm.Text+after, got)
		}
		list = Terms([]TermChange{{Term: tm}, {Term: tm, Removed: true}})
		for _, x := range screen.Harm(before+tm.Text+after, list).Terms {
			if sameTerm(x, tm) {
				t.Fatalf("removed term %q still named", tm.Text)
			}
		}
	})
}
