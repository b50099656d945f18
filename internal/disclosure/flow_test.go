package disclosure

import (
	"encoding/xml"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/money"
)

// R-DISC-1: the picture of where the money went draws every part that is
// not zero, each in proportion, both sides adding up to the whole height.
func TestFlowOf(t *testing.T) {
	tests := []struct {
		name    string
		f       Figures
		ok      bool
		in, out []string // the parts drawn, in order
		inH     int      // the left bar's height (the right is flowBarHeight when balanced)
	}{
		{"Nothing", Figures{}, false, nil, nil, 0},
		{"RaisedHeld", Figures{Raised: 100_00, Held: 100_00}, true, []string{"raised"}, []string{"held"}, flowBarHeight},
		{"Everything", Figures{Raised: 1000_00, Recovered: 50_00, Fees: 10_00, PaidOut: 600_00, Refunded: 100_00,
			Refunding: 40_00, ToCharity: 3_00, Held: 297_00}, true,
			[]string{"raised", "recovered"}, []string{"fees", "paid_out", "refunded", "refunding", "to_charity", "held"}, flowBarHeight},
		{"ZerosLeftOut", Figures{Raised: 500_00, PaidOut: 500_00}, true, []string{"raised"}, []string{"paid_out"}, flowBarHeight},
		// A fen among millions still gets a sliver.
		{"Tiny", Figures{Raised: 1_000_000_00, Refunded: 1, Held: 1_000_000_00 - 1}, true,
			[]string{"raised"}, []string{"refunded", "held"}, flowBarHeight},
		// Figures that do not add up: the smaller side is drawn shorter.
		{"Unbalanced", Figures{Raised: 50_00, Held: 100_00}, true, []string{"raised"}, []string{"held"}, flowBarHeight / 2},
		{"Negative", Figures{Raised: 100_00, PaidOut: 200_00, Held: -100_00}, false, nil, nil, 0},
		{"NothingIn", Figures{Held: 5}, false, nil, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fl, ok := FlowOf(tt.f)
			if ok != tt.ok {
				t.Fatalf("FlowOf ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			keys := func(ps []FlowPart) (ks []string, h int) {
				for _, p := range ps {
					ks = append(ks, p.Key)
					h += p.H
					if p.H < 1 {
						t.Errorf("%s (%d fen) is drawn %d high", p.Key, p.Amount, p.H)
					}
				}
				return ks, h
			}
			in, inH := keys(fl.In)
			out, outH := keys(fl.Out)
			if strings.Join(in, ",") != strings.Join(tt.in, ",") || strings.Join(out, ",") != strings.Join(tt.out, ",") {
				t.Errorf("parts %v → %v, want %v → %v", in, out, tt.in, tt.out)
			}
			if inH != tt.inH || outH != flowBarHeight {
				t.Errorf("heights: in %d, out %d; want %d, %d", inH, outH, tt.inH, flowBarHeight)
			}
			for _, p := range fl.Out {
				if p.LabelY != p.Y {
					t.Errorf("%s's label at %d, its bar at %d", p.Key, p.LabelY, p.Y)
				}
			}
			for i := 1; i < len(fl.Out); i++ {
				if a, b := fl.Out[i-1], fl.Out[i]; b.Y < a.Y+a.H || b.LabelY < a.LabelY+flowLabelGap {
					t.Errorf("%s overlaps %s: %+v %+v", b.Key, a.Key, a, b)
				}
			}
			last := fl.Out[len(fl.Out)-1]
			if fl.Height < last.Y+last.H || fl.Height < last.LabelY+flowLabelGap {
				t.Errorf("height %d cuts off %+v", fl.Height, last)
			}
		})
	}
}

// The heights are proportional: a part's height is within one unit of its
// exact share, in integers.
func TestApportion(t *testing.T) {
	ps := []FlowPart{{Amount: 333}, {Amount: 333}, {Amount: 334}, {Amount: 7}}
	apportion(ps, 200)
	sum := 0
	var total money.Fen
	for _, p := range ps {
		sum += p.H
		total += p.Amount
	}
	if sum != 200 {
		t.Fatalf("heights sum to %d, want 200", sum)
	}
	for _, p := range ps {
		exact := int64(200) * int64(p.Amount)
		if lo, hi := int64(p.H-1)*int64(total), int64(p.H+1)*int64(total); exact < lo || exact > hi {
			t.Errorf("%d fen of %d drawn %d of 200", p.Amount, total, p.H)
		}
	}
}

// R-DISC-1: the SVG is one well-formed picture with a title and a
// description that say the whole flow in words, a role for screen readers,
// no script, a viewBox 360 wide, and a label with the amount of every part
// drawn, in the reader's language.
func TestFlowSVG(t *testing.T) {
	f := Figures{Raised: 1234_56, Recovered: 10_00, PaidOut: 1000_00, Refunded: 44_56, Refunding: 0, ToCharity: 1_00, Held: 199_00}
	for _, lang := range i18n.Langs {
		t.Run(string(lang), func(t *testing.T) {
			svg := string(FlowSVG(f, lang))
			for _, want := range []string{`role="img"`, `viewBox="0 0 360 `, `aria-labelledby="flow-title flow-desc"`,
				"<title id=\"flow-title\">" + i18n.T(lang, "flow.title") + "</title>"} {
				if !strings.Contains(svg, want) {
					t.Errorf("the picture lacks %s:\n%s", want, svg)
				}
			}
			if strings.Contains(strings.ToLower(svg), "<script") || strings.Contains(svg, "style=") {
				t.Error("the picture holds a script or an inline style")
			}
			var title, desc string
			var texts []string
			rects := 0
			d := xml.NewDecoder(strings.NewReader(svg))
			var stack []string
			for {
				tok, err := d.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("not well-formed: %v\n%s", err, svg)
				}
				switch tok := tok.(type) {
				case xml.StartElement:
					stack = append(stack, tok.Name.Local)
					if tok.Name.Local == "rect" {
						rects++
					}
				case xml.EndElement:
					stack = stack[:len(stack)-1]
				case xml.CharData:
					switch stack[len(stack)-1] {
					case "title":
						title += string(tok)
					case "desc":
						desc += string(tok)
					case "text", "tspan":
						texts = append(texts, string(tok))
					}
				}
			}
			if title != i18n.T(lang, "flow.title") {
				t.Errorf("title %q", title)
			}
			if desc != FlowText(f, lang) {
				t.Errorf("desc %q, want %q", desc, FlowText(f, lang))
			}
			// Raised, recovered, paid out, refunded, to charity, held:
			// refunding is zero and left out.
			if rects != 6 {
				t.Errorf("%d bars, want 6", rects)
			}
			all := strings.Join(texts, "|")
			for _, part := range []struct {
				key string
				fen money.Fen
			}{{"raised", f.Raised}, {"recovered", f.Recovered}, {"paid_out", f.PaidOut}, {"refunded", f.Refunded},
				{"to_charity", f.ToCharity}, {"held", f.Held}} {
				if !strings.Contains(all, i18n.T(lang, "flow."+part.key)) || !strings.Contains(all, part.fen.Format(lang)) {
					t.Errorf("no label %s %s in %q", part.key, part.fen.Format(lang), all)
				}
				if !strings.Contains(desc, part.fen.Format(lang)) {
					t.Errorf("the description does not say %s: %q", part.key, desc)
				}
			}
			if strings.Contains(all, i18n.T(lang, "flow.refunding")) {
				t.Error("a zero part is labelled")
			}
		})
	}
	if FlowSVG(Figures{}, i18n.ZH) != "" {
		t.Error("a picture of nothing")
	}
}

// The words of the description are escaped: whatever the catalogue or an
// amount holds cannot break out of the picture.
func TestFlowSVGEscapes(t *testing.T) {
	svg := string(FlowSVG(Figures{Raised: 1, Held: 1}, i18n.EN))
	if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
		t.Fatal(err)
	}
	if got := escText(`<a href="x">&</a>`); got != "&lt;a href=&#34;x&#34;&gt;&amp;&lt;/a&gt;" {
		t.Errorf("escText = %q", got)
	}
}

func TestFlowText(t *testing.T) {
	tests := []struct {
		f    Figures
		lang i18n.Lang
		want string
	}{
		{Figures{Raised: 100_00, Held: 100_00}, i18n.EN, "Raised CN¥100.00. Of this, CN¥100.00 is still held in the custody account."},
		{Figures{Raised: 100_00, Recovered: 5_00, PaidOut: 80_00, ToCharity: 1_00, Held: 24_00}, i18n.EN,
			"Raised CN¥100.00, and CN¥5.00 recovered. Of this, CN¥80.00 was paid out; CN¥1.00 that could not be refunded was given to charity; CN¥24.00 is still held in the custody account."},
		{Figures{Raised: 100_00, PaidOut: 100_00}, i18n.ZH, "共筹得 ¥100.00。其中已拨付 ¥100.00。"},
	}
	for _, tt := range tests {
		if got := FlowText(tt.f, tt.lang); got != tt.want {
			t.Errorf("FlowText(%+v) =\n%q, want\n%q", tt.f, got, tt.want)
		}
	}
}

// R-DISC-1: for any balanced figures, every part drawn is at least one
// unit high, each side adds up to the whole height, no bar or label
// overlaps the next, and the picture is tall enough for all of them.
func TestFlowOfProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 2026))
	amount := func() money.Fen {
		switch r.IntN(4) {
		case 0:
			return 0
		case 1:
			return money.Fen(r.IntN(100))
		default:
			return money.Fen(r.Int64N(10_000_000_00))
		}
	}
	for i := range 2000 {
		f := Figures{Recovered: amount(), Fees: amount(), PaidOut: amount(), Refunded: amount(), Refunding: amount(),
			ToCharity: amount(), Held: amount()}
		f.Raised = f.Fees + f.PaidOut + f.Refunded + f.Refunding + f.ToCharity + f.Held - f.Recovered
		if f.Raised < 0 {
			f.Recovered, f.Raised = f.Recovered+f.Raised, 0
		}
		fl, ok := FlowOf(f)
		if !ok {
			if f.Raised+f.Recovered != 0 {
				t.Fatalf("%d: no picture of %+v", i, f)
			}
			continue
		}
		for _, side := range [][]FlowPart{fl.In, fl.Out} {
			h, bottom := 0, 0
			for _, p := range side {
				h += p.H
				if p.H < 1 || p.Y < bottom {
					t.Fatalf("%d: %+v: part %+v (height at least 1, from %d)", i, f, p, bottom)
				}
				bottom = p.Y + p.H
				if bottom > fl.Height || p.LabelY+flowLabelGap > fl.Height {
					t.Fatalf("%d: %+v: %+v below the picture's height %d", i, f, p, fl.Height)
				}
			}
			if h != flowBarHeight {
				t.Fatalf("%d: %+v: a side adds up to %d, want %d", i, f, h, flowBarHeight)
			}
		}
	}
}
