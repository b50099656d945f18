package report

import (
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
)

// R-DISC-3: a half-year is named 2026-h1 or 2026-h2 and runs from midnight
// Beijing time on 1 January or 1 July; anything else is refused.
func TestParseHalfYear(t *testing.T) {
	for _, c := range []struct {
		in   string
		want HalfYear
		ok   bool
	}{
		{"2026-h1", HalfYear{2026, 1}, true},
		{"2026-H2", HalfYear{2026, 2}, true},
		{"2000-h1", HalfYear{2000, 1}, true},
		{"2026-h3", HalfYear{}, false},
		{"2026-h0", HalfYear{}, false},
		{"1999-h2", HalfYear{}, false},
		{"26-h1", HalfYear{}, false},
		{"2026h1", HalfYear{}, false},
		{"2026-h1.csv", HalfYear{}, false},
		{"+026-h1", HalfYear{}, false},
		{"２０２６-h1", HalfYear{}, false},
		{"", HalfYear{}, false},
	} {
		got, err := ParseHalfYear(c.in)
		if c.ok != (err == nil) || got != c.want {
			t.Errorf("ParseHalfYear(%q) = %v, %v; want %v (ok %v)", c.in, got, err, c.want, c.ok)
		}
		if !c.ok && apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("ParseHalfYear(%q): code %s, want invalid", c.in, apperr.CodeOf(err))
		}
	}
	h := HalfYear{2026, 2}
	if !h.Start().Equal(time.Date(2026, 6, 30, 16, 0, 0, 0, time.UTC)) || !h.End().Equal(time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("2026-h2 runs %s to %s", h.Start(), h.End())
	}
	if HalfOf(time.Date(2026, 6, 30, 16, 0, 0, 0, time.UTC)) != h || HalfOf(time.Date(2026, 6, 30, 15, 59, 59, 0, time.UTC)) != (HalfYear{2026, 1}) {
		t.Error("HalfOf does not count in Beijing time")
	}
	if got := Past(time.Date(2025, 3, 1, 0, 0, 0, 0, Shanghai), time.Date(2026, 7, 1, 0, 0, 0, 0, Shanghai), 40); len(got) != 3 || got[0] != (HalfYear{2026, 1}) || got[2] != (HalfYear{2025, 1}) {
		t.Errorf("Past = %v", got)
	}
}

// FuzzParseHalfYear: whatever the address holds, the parser answers
// without panicking, and a half-year it accepts names itself back, begins
// before it ends, lasts 181 to 184 days and follows its previous one.
func FuzzParseHalfYear(f *testing.F) {
	for _, s := range []string{"2026-h1", "2026-H2", "9999-h2", "0000-h1", "2026-h", "-2026-h1", "２０２６-h1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHalfYear(s)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if h.String() != strings.ToLower(s) {
			t.Fatalf("%q parsed as %s", s, h)
		}
		days := h.End().Sub(h.Start()).Hours() / 24
		if days < 181 || days > 184 {
			t.Fatalf("%s lasts %v days", h, days)
		}
		if h.Year > minYear && !h.Prev().End().Equal(h.Start()) {
			t.Fatalf("%s does not follow %s", h, h.Prev())
		}
		if HalfOf(h.Start()) != h || HalfOf(h.End().Add(-time.Nanosecond)) != h {
			t.Fatalf("%s does not hold its own edges", h)
		}
	})
}

// FuzzParseFont: a font file named by --report-font may be anything; the
// parser refuses what it cannot read without panicking.
func FuzzParseFont(f *testing.F) {
	f.Add([]byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x01\x00\x00\x00\x10"))
	f.Add([]byte("\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00cmap\x00\x00\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if font, err := ParseFont(b); err == nil && len(font.TTF) == 0 {
			t.Fatal("a font with no bytes")
		}
	})
}

// FuzzParseFile: the console's download names come from the address; a
// name the parser accepts is the file's own name, and anything else is
// not found.
func FuzzParseFile(f *testing.F) {
	for _, s := range []string{"2026-h1.csv", "2025.pdf", "2025.csv", "total.csv", "total.pdf", "2026-h1.pdf", "../etc.csv", "2026-H1.csv"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		file, err := ParseFile(s)
		if err != nil {
			if apperr.CodeOf(err) != apperr.NotFound {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if file.Name() != s {
			t.Fatalf("%q parsed as %+v, named %q", s, file, file.Name())
		}
	})
}
