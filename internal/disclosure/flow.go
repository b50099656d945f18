package disclosure

import (
	"html/template"
	"strconv"
	"strings"

	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/money"
)

// The flow picture's geometry, in viewBox units: it is drawn 360 wide, the
// width of a small phone, and scales with the page. Left labels, the left
// bar (where the money came from), the ribbons, the right bar (where it
// went) and the right labels sit side by side.
const (
	flowWidth     = 360
	flowBarHeight = 200 // the height the largest side's total is drawn at
	flowTop       = 8
	flowGap       = 6  // between two parts of the right bar
	flowLabelGap  = 28 // the least distance between two labels' tops (two lines)
	flowLeftX     = 112
	flowBarW      = 12
	flowRightX    = 214
)

// FlowPart is one part of the flow picture: what it is (a message key's
// last word: raised, recovered, fees, paid_out, refunded, refunding,
// to_charity, held), its amount, and where its bar is drawn (Y, H) and its
// label (LabelY).
type FlowPart struct {
	Key       string
	Amount    money.Fen
	Y, H      int
	LabelY    int
	ribbonTop int // where its ribbon leaves the left bar (right parts only)
}

// Flow is the picture of where a request's (or the platform's) money
// went: In are where it came from, Out where it went, each with its bar's
// height proportional to its amount, in whole units that add up to
// exactly the side's share of flowBarHeight.
type Flow struct {
	In, Out []FlowPart
	Height  int
}

// flowOut lists the parts money goes to, in the order they are drawn.
func flowOut(f Figures) []FlowPart {
	return []FlowPart{{Key: "fees", Amount: f.Fees}, {Key: "paid_out", Amount: f.PaidOut},
		{Key: "refunded", Amount: f.Refunded}, {Key: "refunding", Amount: f.Refunding},
		{Key: "to_charity", Amount: f.ToCharity}, {Key: "held", Amount: f.Held}}
}

// FlowOf lays out the flow picture of f: the parts with zero amounts are
// left out, and false is returned when nothing is left (no money yet) or an
// amount is negative (the figures are wrong; no picture is better than a
// false one).
func FlowOf(f Figures) (Flow, bool) {
	in := nonZero([]FlowPart{{Key: "raised", Amount: f.Raised}, {Key: "recovered", Amount: f.Recovered}})
	out := nonZero(flowOut(f))
	if in == nil || out == nil {
		return Flow{}, false
	}
	var inSum, outSum money.Fen
	for _, p := range in {
		if p.Amount < 0 {
			return Flow{}, false
		}
		inSum += p.Amount
	}
	for _, p := range out {
		if p.Amount < 0 {
			return Flow{}, false
		}
		outSum += p.Amount
	}
	// The larger side is drawn flowBarHeight high, the other in
	// proportion: figures that do not add up show it.
	scale := max(inSum, outSum)
	apportion(in, int(share(inSum, scale)))
	apportion(out, int(share(outSum, scale)))
	y := flowTop
	for i := range in {
		in[i].Y, y = y, y+in[i].H
		in[i].LabelY = in[i].Y
		if i > 0 {
			in[i].LabelY = max(in[i].LabelY, in[i-1].LabelY+flowLabelGap)
		}
	}
	bottom := y
	// On the right each part's bar starts where its label does: below
	// the bar above it, and at least a label's height below that one's
	// top, so that no label leaves its bar.
	y, top := flowTop, flowTop
	for i := range out {
		if i > 0 {
			y = max(y, out[i-1].Y+flowLabelGap)
		}
		out[i].Y, out[i].LabelY, out[i].ribbonTop = y, y, top
		y, top = y+out[i].H+flowGap, top+out[i].H
	}
	bottom = max(bottom, y, in[len(in)-1].LabelY+flowLabelGap, out[len(out)-1].LabelY+flowLabelGap)
	return Flow{In: in, Out: out, Height: bottom + flowTop}, true
}

func nonZero(ps []FlowPart) []FlowPart {
	var out []FlowPart
	for _, p := range ps {
		if p.Amount != 0 {
			out = append(out, p)
		}
	}
	return out
}

// share is flowBarHeight × a / total, rounded down, in integers.
func share(a, total money.Fen) int64 {
	if total == 0 {
		return 0
	}
	// flowBarHeight × a cannot overflow: a fen amount is far below 2^55.
	return flowBarHeight * int64(a) / int64(total)
}

// apportion gives the parts heights proportional to their amounts that add
// up to exactly height (largest remainder first), each at least 1 unit so
// that a small part is still seen (taken from the largest).
func apportion(ps []FlowPart, height int) {
	var total money.Fen
	for _, p := range ps {
		total += p.Amount
	}
	if total == 0 {
		return
	}
	rem := make([]int64, len(ps))
	left := height
	for i, p := range ps {
		q := int64(height) * int64(p.Amount)
		ps[i].H, rem[i] = int(q/int64(total)), q%int64(total)
		left -= ps[i].H
	}
	for ; left > 0; left-- {
		best := 0
		for i := range ps {
			if rem[i] > rem[best] {
				best = i
			}
		}
		ps[best].H++
		rem[best] = -1
	}
	for i := range ps {
		if ps[i].H > 0 {
			continue
		}
		largest := 0
		for j := range ps {
			if ps[j].H > ps[largest].H {
				largest = j
			}
		}
		if ps[largest].H <= 1 {
			return
		}
		ps[largest].H--
		ps[i].H++
	}
}

// flowFill is each part's colour; the labels say what each is, so the
// picture reads without colour too.
var flowFill = map[string]string{
	"raised": "#1f7a4d", "recovered": "#5fa37f",
	"fees": "#8a6d3b", "paid_out": "#2b6cb0", "refunded": "#b7791f", "refunding": "#d69e2e",
	"to_charity": "#805ad5", "held": "#718096",
}

// FlowSVG draws where f's money went, in lang: an SVG picture with no
// script, which scales to the width of its box (360 units wide, for a
// phone), with a title and a description that say the whole flow in
// words for screen readers (R-DISC-1). It is "" when there is nothing to
// draw. Every text in it is escaped.
func FlowSVG(f Figures, lang i18n.Lang) template.HTML {
	fl, ok := FlowOf(f)
	if !ok {
		return ""
	}
	var b strings.Builder
	esc := escText
	itoa := strconv.Itoa
	title := i18n.T(lang, "flow.title")
	b.WriteString(`<svg class="flow" xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 ` + itoa(flowWidth) + " " + itoa(fl.Height) +
		`" role="img" aria-labelledby="flow-title flow-desc" font-size="11">`)
	b.WriteString(`<title id="flow-title">` + esc(title) + `</title>`)
	b.WriteString(`<desc id="flow-desc">` + esc(FlowText(f, lang)) + `</desc>`)
	for _, p := range fl.Out {
		// A ribbon from the left bar to the part's bar on the right.
		x1, x2, xm := flowLeftX+flowBarW, flowRightX, (flowLeftX+flowBarW+flowRightX)/2
		t1, b1, t2, b2 := p.ribbonTop, p.ribbonTop+p.H, p.Y, p.Y+p.H
		b.WriteString(`<path fill="` + flowFill[p.Key] + `" fill-opacity="0.35" d="M` + itoa(x1) + " " + itoa(t1) +
			"C" + itoa(xm) + " " + itoa(t1) + " " + itoa(xm) + " " + itoa(t2) + " " + itoa(x2) + " " + itoa(t2) +
			"L" + itoa(x2) + " " + itoa(b2) +
			"C" + itoa(xm) + " " + itoa(b2) + " " + itoa(xm) + " " + itoa(b1) + " " + itoa(x1) + " " + itoa(b1) + `Z"/>`)
	}
	bar := func(p FlowPart, x int) {
		b.WriteString(`<rect x="` + itoa(x) + `" y="` + itoa(p.Y) + `" width="` + itoa(flowBarW) + `" height="` + itoa(p.H) +
			`" fill="` + flowFill[p.Key] + `"/>`)
	}
	label := func(p FlowPart, x int, anchor string) {
		b.WriteString(`<text x="` + itoa(x) + `" y="` + itoa(p.LabelY+11) + `" text-anchor="` + anchor + `" fill="#1a202c">` +
			esc(i18n.T(lang, "flow."+p.Key)) + `<tspan x="` + itoa(x) + `" dy="13" font-weight="bold">` +
			esc(p.Amount.Format(lang)) + `</tspan></text>`)
	}
	for _, p := range fl.In {
		bar(p, flowLeftX)
		label(p, flowLeftX-4, "end")
	}
	for _, p := range fl.Out {
		bar(p, flowRightX)
		label(p, flowRightX+flowBarW+4, "start")
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// FlowText says f's flow in words, in lang: what came in and where each
// part of it went, leaving out the parts that are zero.
func FlowText(f Figures, lang i18n.Lang) string {
	in := i18n.T(lang, "flow.text.raised", f.Raised.Format(lang))
	if f.Recovered != 0 {
		in += i18n.T(lang, "flow.text.recovered", f.Recovered.Format(lang))
	}
	var parts []string
	for _, p := range nonZero(flowOut(f)) {
		parts = append(parts, i18n.T(lang, "flow.text."+p.Key, p.Amount.Format(lang)))
	}
	if parts == nil {
		return in + i18n.T(lang, "flow.text.end")
	}
	return in + i18n.T(lang, "flow.text.went") + strings.Join(parts, i18n.T(lang, "flow.text.sep")) + i18n.T(lang, "flow.text.end")
}

// escText escapes s for the text or an attribute of the picture.
func escText(s string) string { return template.HTMLEscapeString(s) }
