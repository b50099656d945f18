package report

import (
	"bytes"
	"fmt"
	"strings"

	"codeberg.org/go-pdf/fpdf"

	"github.com/carefund/carefund/internal/i18n"
)

// PDF draws r as the annual work report and financial report for the
// ministry (R-DISC-4), in lang (Chinese for the ministry), with font. It
// fails, naming the text, rather than draw a character the font has no
// glyph for: a report with holes in it is worse than none.
func (r Report) PDF(lang i18n.Lang, font *Font) ([]byte, error) {
	type row struct{ label, value string }
	type block struct {
		title string
		rows  []row
	}
	var blocks []block
	titles := map[string]string{
		"requests":   i18n.T(lang, "report.pdf.work"),
		"complaints": i18n.T(lang, "report.pdf.complaints"),
		"money":      i18n.T(lang, "report.pdf.money", r.Name),
		"total":      i18n.T(lang, "report.pdf.total", r.To.AddDate(0, 0, -1).In(Shanghai).Format("2006-01-02")),
	}
	for _, l := range r.Lines() {
		if len(blocks) == 0 || blocks[len(blocks)-1].title != titles[l.Section] {
			blocks = append(blocks, block{title: titles[l.Section]})
		}
		v := fmt.Sprint(l.Count)
		if l.IsMoney {
			v = l.Fen.Format(lang)
		}
		b := &blocks[len(blocks)-1]
		b.rows = append(b.rows, row{l.Label(lang), v})
	}
	title := i18n.T(lang, "report.pdf.title", r.Name)
	lead := i18n.T(lang, "report.pdf.lead", r.From.In(Shanghai).Format("2006-01-02"), r.To.AddDate(0, 0, -1).In(Shanghai).Format("2006-01-02"),
		r.At.In(Shanghai).Format("2006-01-02 15:04"))
	var identity []string
	for _, p := range []struct {
		key string
		f   func() string
	}{{"money", func() string { return identityText(lang, r.Money) }}, {"total", func() string { return identityText(lang, r.Total) }}} {
		if p.key == "total" && r.Total.Requests == 0 && r.Total.Raised == 0 {
			continue
		}
		identity = append(identity, p.f())
	}
	check := []string{title, lead}
	check = append(check, identity...)
	for _, b := range blocks {
		check = append(check, b.title)
		for _, rw := range b.rows {
			check = append(check, rw.label, rw.value)
		}
	}
	for _, s := range check {
		if !font.Has(s) {
			return nil, fmt.Errorf("report: the font %s has no glyph for some of %q; name a fuller CJK font with --report-font", font.Path, s)
		}
	}

	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle(title, true)
	pdf.SetCreator("carefund", true)
	pdf.AddUTF8FontFromBytes("cjk", "", font.TTF)
	pdf.SetFont("cjk", "", 16)
	pdf.AddPage()
	pdf.MultiCell(0, 9, title, "", "C", false)
	pdf.SetFont("cjk", "", 10)
	pdf.MultiCell(0, 6, lead, "", "L", false)
	for _, b := range blocks {
		pdf.Ln(3)
		pdf.SetFont("cjk", "", 12)
		pdf.CellFormat(0, 8, b.title, "B", 1, "L", false, 0, "")
		pdf.SetFont("cjk", "", 10)
		for _, rw := range b.rows {
			pdf.CellFormat(120, 6, rw.label, "", 0, "L", false, 0, "")
			pdf.CellFormat(0, 6, rw.value, "", 1, "R", false, 0, "")
		}
	}
	pdf.Ln(4)
	pdf.MultiCell(0, 6, strings.Join(identity, "\n"), "", "L", false)
	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		return nil, fmt.Errorf("report: drawing the PDF: %w", err)
	}
	return out.Bytes(), nil
}
