package report

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sort"
)

// FontPaths are where the annual report's CJK font is looked for when
// --report-font names none, in order: WenQuanYi Zen Hei (Debian and Ubuntu's
// fonts-wqy-zenhei, Fedora's wqy-zenhei-fonts), WenQuanYi Micro Hei, AR PL
// UMing, Droid Sans Fallback, then Windows' SimHei and SimSun. Each must be
// a TrueType font (glyf outlines), or a collection of them (.ttc), whose
// first face is used.
var FontPaths = []string{
	"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
	"/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
	"/usr/share/fonts/truetype/arphic/uming.ttc",
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
	`C:\Windows\Fonts\simhei.ttf`,
	`C:\Windows\Fonts\simsun.ttc`,
}

// ErrNoFont says that no CJK font was found, and how to get one.
var ErrNoFont = errors.New("report: no Chinese (CJK) TrueType font found for the PDF; install one " +
	"(Debian/Ubuntu: apt-get install fonts-wqy-zenhei; Fedora: dnf install wqy-zenhei-fonts) " +
	"or name a .ttf or .ttc file with --report-font")

// Font is a TrueType font ready for the PDF: one face, as a .ttf file's
// bytes, and its character map.
type Font struct {
	Path string
	TTF  []byte
	cmap map[rune]bool
}

// FindFont loads the font at path, or when path is "" the first of
// FontPaths that loads: ErrNoFont when none does. A font named by path that
// does not load is an error of its own, naming the file.
func FindFont(path string) (*Font, error) {
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("report: the font %s: %w", path, err)
		}
		f, err := ParseFont(b)
		if err != nil {
			return nil, fmt.Errorf("report: the font %s: %w", path, err)
		}
		f.Path = path
		return f, nil
	}
	for _, p := range FontPaths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if f, err := ParseFont(b); err == nil {
			f.Path = p
			return f, nil
		}
	}
	return nil, ErrNoFont
}

// Has reports whether the font draws every character of s (spaces and
// line breaks need none).
func (f *Font) Has(s string) bool {
	for _, r := range s {
		if r == ' ' || r == '\n' {
			continue
		}
		if !f.cmap[r] {
			return false
		}
	}
	return true
}

// errFont is a font this package cannot use.
var errFont = errors.New("not a TrueType font or collection with glyf outlines and a Unicode character map")

// ParseFont reads a .ttf font, or the first face of a .ttc collection
// (which the PDF library cannot read itself) rewritten as a .ttf: the face's
// tables copied after a new table directory. It refuses a font without
// TrueType outlines (an OpenType CFF font) or without a Unicode character
// map, and any malformed table directory.
func ParseFont(b []byte) (*Font, error) {
	off := 0
	if len(b) >= 16 && string(b[:4]) == "ttcf" {
		if binary.BigEndian.Uint32(b[8:]) == 0 {
			return nil, errFont
		}
		off = int(binary.BigEndian.Uint32(b[12:]))
	}
	type table struct {
		tag            string
		sum            uint32
		offset, length int
	}
	if off < 0 || off+12 > len(b) {
		return nil, errFont
	}
	if v := binary.BigEndian.Uint32(b[off:]); v != 0x00010000 && string(b[off:off+4]) != "true" {
		return nil, errFont
	}
	n := int(binary.BigEndian.Uint16(b[off+4:]))
	if n == 0 || off+12+16*n > len(b) {
		return nil, errFont
	}
	tables := make([]table, n)
	byTag := map[string]table{}
	for i := range tables {
		r := b[off+12+16*i:]
		t := table{tag: string(r[:4]), sum: binary.BigEndian.Uint32(r[4:]),
			offset: int(binary.BigEndian.Uint32(r[8:])), length: int(binary.BigEndian.Uint32(r[12:]))}
		if t.offset < 0 || t.length < 0 || t.offset > len(b) || t.length > len(b)-t.offset {
			return nil, errFont
		}
		tables[i] = t
		byTag[t.tag] = t
	}
	for _, need := range []string{"glyf", "loca", "cmap", "head", "hhea", "hmtx", "maxp"} {
		if _, ok := byTag[need]; !ok {
			return nil, errFont
		}
	}
	cm := byTag["cmap"]
	cmap, err := parseCmap(b[cm.offset : cm.offset+cm.length])
	if err != nil {
		return nil, err
	}
	// The new file: the directory, then each table at a four-byte
	// boundary, in the order of their tags as the format asks.
	sort.Slice(tables, func(i, j int) bool { return tables[i].tag < tables[j].tag })
	size := 12 + 16*n
	for _, t := range tables {
		size += (t.length + 3) &^ 3
	}
	out := make([]byte, 12+16*n, size)
	copy(out, b[off:off+12])
	for i, t := range tables {
		r := out[12+16*i:]
		copy(r, t.tag)
		binary.BigEndian.PutUint32(r[4:], t.sum)
		binary.BigEndian.PutUint32(r[8:], uint32(len(out)))
		binary.BigEndian.PutUint32(r[12:], uint32(t.length))
		out = append(out, b[t.offset:t.offset+t.length]...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return &Font{TTF: out, cmap: cmap}, nil
}

// parseCmap reads the characters a character map has glyphs for: from its
// Unicode subtable of format 12 (every plane) or else of format 4 (the
// basic plane).
func parseCmap(b []byte) (map[rune]bool, error) {
	if len(b) < 4 {
		return nil, errFont
	}
	n := int(binary.BigEndian.Uint16(b[2:]))
	if 4+8*n > len(b) {
		return nil, errFont
	}
	var f4, f12 []byte
	for i := range n {
		r := b[4+8*i:]
		platform, encoding := binary.BigEndian.Uint16(r), binary.BigEndian.Uint16(r[2:])
		off := int(binary.BigEndian.Uint32(r[4:]))
		if off < 0 || off+4 > len(b) || !(platform == 0 || platform == 3 && (encoding == 1 || encoding == 10)) {
			continue
		}
		switch binary.BigEndian.Uint16(b[off:]) {
		case 4:
			f4 = b[off:]
		case 12:
			f12 = b[off:]
		}
	}
	m := map[rune]bool{}
	switch {
	case len(f12) >= 16:
		groups := int(binary.BigEndian.Uint32(f12[12:]))
		if groups < 0 || 16+12*groups > len(f12) {
			return nil, errFont
		}
		for i := range groups {
			g := f12[16+12*i:]
			start, end, glyph := binary.BigEndian.Uint32(g), binary.BigEndian.Uint32(g[4:]), binary.BigEndian.Uint32(g[8:])
			if end < start || end > 0x10FFFF {
				return nil, errFont
			}
			for c := start; c <= end; c++ {
				if glyph+(c-start) != 0 {
					m[rune(c)] = true
				}
			}
		}
	case len(f4) >= 14:
		segs := int(binary.BigEndian.Uint16(f4[6:])) / 2
		if 16+8*segs > len(f4) {
			return nil, errFont
		}
		ends, starts := f4[14:], f4[16+2*segs:]
		deltas, ranges := f4[16+4*segs:], f4[16+6*segs:]
		for i := range segs {
			end, start := int(binary.BigEndian.Uint16(ends[2*i:])), int(binary.BigEndian.Uint16(starts[2*i:]))
			delta, ro := binary.BigEndian.Uint16(deltas[2*i:]), int(binary.BigEndian.Uint16(ranges[2*i:]))
			for c := start; c <= end && c < 0xFFFF; c++ {
				glyph := uint16(c) + delta
				if ro != 0 {
					at := 16 + 6*segs + 2*i + ro + 2*(c-start)
					if at+2 > len(f4) {
						return nil, errFont
					}
					glyph = binary.BigEndian.Uint16(f4[at:])
					if glyph != 0 {
						glyph += delta
					}
				}
				if glyph != 0 {
					m[rune(c)] = true
				}
			}
		}
	default:
		return nil, errFont
	}
	return m, nil
}
