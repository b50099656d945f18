package upload

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"strconv"
)

// pdfWindow is how far from the start a PDF header and from the end the
// %%EOF marker may be. Readers accept a header after some leading junk (some
// mail gateways prepend a line) and an %%EOF followed by a little trailing
// whitespace or padding, both within 1024 bytes.
const pdfWindow = 1024

// Limits that bound the work done on a hostile PDF. Every byte is lexed
// once outside streams; compressed object streams are inflated up to
// pdfInflateBudget bytes in all, and the objects in them parsed once; nesting
// deeper than pdfMaxDepth, or more than pdfMaxObjects objects, is refused.
const (
	pdfMaxDepth      = 64
	pdfMaxObjects    = 1 << 18
	pdfInflateBudget = 4 * MaxSize
	pdfMaxName       = 1024
	pdfMaxValues     = 1 << 18
)

// pdfForbidden are the names whose presence (as a key or a value, anywhere
// outside stream data, including inside compressed object streams) refuses
// a file: actions that run script, launch programs, carry other files or
// forms that do (R-REQ-3: supporting material is a document to read,
// nothing more).
var pdfForbidden = map[string]bool{
	"JS":            true,
	"JavaScript":    true,
	"Launch":        true,
	"EmbeddedFile":  true,
	"EmbeddedFiles": true,
	"XFA":           true,
	"RichMedia":     true,
}

// pdfMarkup are byte sequences (matched without regard to case) that refuse
// a file when found outside stream data: a polyglot that a browser could
// take for HTML or SVG if it ever sniffed the type.
var pdfMarkup = [][]byte{
	[]byte("<script"), []byte("<html"), []byte("<body"), []byte("<head"),
	[]byte("<iframe"), []byte("<svg"), []byte("<!doctype"), []byte("<object"),
	[]byte("<embed"), []byte("<meta"), []byte("<img"), []byte("<form"),
	[]byte("<?php"), []byte("javascript:"),
}

// checkPDF verifies a PDF by its structure: the header, then every byte up
// to the end is a well-formed sequence of indirect objects (with their
// streams), cross-reference tables, trailers and startxref markers; the
// trailer's (or cross-reference stream's) /Root resolves to a /Catalog; no
// script, launch or embedded-file names anywhere outside stream data, no
// markup outside stream data, no encryption. It reads no stream data but
// compressed object streams, which it inflates to check the objects inside.
func checkPDF(b []byte) error {
	_, err := parsePDF(b)
	return err
}

// unsafeError is a PDF refused for what it carries — script, launch
// actions, embedded files, forms, markup, encryption — rather than for
// being malformed: the cause of an upload.pdf_unsafe refusal.
type unsafeError string

func (e unsafeError) Error() string { return "upload: " + string(e) }

// pdfKind names what a parsed PDF value is.
type pdfKind uint8

const (
	pdfNull pdfKind = iota
	pdfBool
	pdfInt
	pdfReal
	pdfName
	pdfString
	pdfArray
	pdfDict
	pdfRef
)

// pdfValue is one parsed object with its byte span [start, end) in the
// buffer it came from.
type pdfValue struct {
	kind       pdfKind
	start, end int
	num        int64 // pdfInt; pdfRef: the object number
	name       string
	items      []pdfValue // pdfArray; pdfDict: key (a name), value, key, value…
}

// get returns the value of key in a dictionary, and its key's index.
func (v *pdfValue) get(key string) (*pdfValue, int) {
	if v == nil || v.kind != pdfDict {
		return nil, -1
	}
	for i := 0; i+1 < len(v.items); i += 2 {
		if v.items[i].name == key {
			return &v.items[i+1], i
		}
	}
	return nil, -1
}

// isName reports whether the dictionary's key holds the name want.
func (v *pdfValue) isName(key, want string) bool {
	x, _ := v.get(key)
	return x != nil && x.kind == pdfName && x.name == want
}

// pdfObject is an indirect object. A stream's data is [dataStart, dataEnd)
// of the file; inStream objects came from a compressed object stream and
// have no spans in the file.
type pdfObject struct {
	value              pdfValue
	stream             bool
	dataStart, dataEnd int
	inStream           bool
	// For an object of an object stream: that stream and its data, as
	// inflated; the object's spans are in data.
	container *pdfObject
	data      []byte
}

// pdfFile is what parsePDF found.
type pdfFile struct {
	objects  map[int64]*pdfObject
	trailers []*pdfValue  // trailer dictionaries and cross-reference stream dictionaries, in file order
	dicts    []*pdfValue  // every top-level object's value, for the metadata walk
	streams  []*pdfObject // every stream object in the file
	kept     *int         // values kept, for pdfLexer.kept
}

// parsePDF checks b (see checkPDF) and returns its objects.
func parsePDF(b []byte) (*pdfFile, error) {
	head := b[:min(len(b), pdfWindow)]
	i := bytes.Index(head, []byte("%PDF-"))
	if i < 0 {
		return nil, formatError("pdf: no header")
	}
	v := b[i+len("%PDF-"):]
	switch {
	case len(v) >= 3 && v[0] == '1' && v[1] == '.' && v[2] >= '0' && v[2] <= '7':
	case len(v) >= 3 && v[0] == '2' && v[1] == '.' && v[2] == '0':
	default:
		return nil, formatError("pdf: unknown version")
	}
	if !bytes.Contains(b[max(0, len(b)-pdfWindow):], []byte("%%EOF")) {
		return nil, formatError("pdf: no %%EOF at the end")
	}
	f := &pdfFile{objects: map[int64]*pdfObject{}}
	kept := 0
	f.kept = &kept
	lx := &pdfLexer{b: b, pos: i, kept: f.kept}
	// Outside stream data: the prefix before the header and everything the
	// lexer walks. Markup is looked for in those spans.
	outside := [][2]int{{0, i}}
	from := i
	budget := pdfInflateBudget
	for {
		t, err := lx.next()
		if err != nil {
			return nil, withMarkup(b, err)
		}
		if t.kind == tokEOF {
			break
		}
		switch {
		case t.kind == tokInt:
			obj, err := f.indirect(lx, t)
			if err != nil {
				return nil, withMarkup(b, err)
			}
			if obj.stream {
				outside = append(outside, [2]int{from, obj.dataStart})
				from = obj.dataEnd
			}
		case t.kind == tokKeyword && t.word == "xref":
			if err := f.xrefTable(lx); err != nil {
				return nil, withMarkup(b, err)
			}
		case t.kind == tokKeyword && t.word == "trailer":
			d, err := lx.value(0)
			if err != nil {
				return nil, withMarkup(b, err)
			}
			if d.kind != pdfDict {
				return nil, formatError("pdf: trailer is not a dictionary")
			}
			f.trailers = append(f.trailers, &d)
		case t.kind == tokKeyword && t.word == "startxref":
			if n, err := lx.next(); err != nil || n.kind != tokInt {
				return nil, formatError("pdf: startxref without an offset")
			}
		default:
			return nil, withMarkup(b, formatError("pdf: unexpected content at offset "+strconv.Itoa(t.start)))
		}
	}
	outside = append(outside, [2]int{from, len(b)})
	for _, s := range outside {
		if hasMarkup(b[s[0]:s[1]]) {
			return nil, unsafeError("pdf: markup outside streams")
		}
	}
	for _, o := range f.streams {
		if o.value.isName("Type", "ObjStm") {
			if err := f.objectStream(b, o, &budget); err != nil {
				return nil, err
			}
		}
	}
	if err := f.catalog(); err != nil {
		return nil, err
	}
	return f, nil
}

// withMarkup turns a structural fault of a file that holds markup
// anywhere into an unsafeError: most likely an HTML or SVG polyglot, whose
// author should hear that it is refused for what it carries.
func withMarkup(b []byte, err error) error {
	var unsafe unsafeError
	if errors.As(err, &unsafe) || !hasMarkup(b) {
		return err
	}
	return unsafeError(err.Error()[len("upload: "):] + ", and markup")
}

// hasMarkup reports whether s holds any pdfMarkup, in any case.
func hasMarkup(s []byte) bool {
	if bytes.IndexByte(s, '<') < 0 && !bytes.Contains(bytes.ToLower(s), []byte("script")) {
		return false
	}
	low := bytes.ToLower(s)
	for _, m := range pdfMarkup {
		if bytes.Contains(low, m) {
			return true
		}
	}
	return false
}

// indirect parses "N G obj value [stream … endstream] endobj" after N.
func (f *pdfFile) indirect(lx *pdfLexer, n pdfToken) (*pdfObject, error) {
	g, err := lx.next()
	if err != nil {
		return nil, err
	}
	kw, err := lx.next()
	if err != nil {
		return nil, err
	}
	if g.kind != tokInt || kw.kind != tokKeyword || kw.word != "obj" || n.num < 0 {
		return nil, formatError("pdf: expected an object at offset " + strconv.Itoa(n.start))
	}
	if len(f.dicts) >= pdfMaxObjects {
		return nil, formatError("pdf: too many objects")
	}
	val, err := lx.value(0)
	if err != nil {
		return nil, err
	}
	obj := &pdfObject{value: val}
	t, err := lx.next()
	if err != nil {
		return nil, err
	}
	if t.kind == tokKeyword && t.word == "stream" {
		if val.kind != pdfDict {
			return nil, formatError("pdf: stream without a dictionary")
		}
		if err := lx.streamData(obj); err != nil {
			return nil, err
		}
		f.streams = append(f.streams, obj)
		if val.isName("Type", "XRef") {
			f.trailers = append(f.trailers, &obj.value)
		}
		if t, err = lx.next(); err != nil {
			return nil, err
		}
	}
	if t.kind != tokKeyword || t.word != "endobj" {
		return nil, formatError("pdf: object without endobj at offset " + strconv.Itoa(n.start))
	}
	f.objects[n.num] = obj
	f.dicts = append(f.dicts, &obj.value)
	return obj, nil
}

// xrefTable parses the subsections of a cross-reference table up to its
// trailer keyword, which it leaves for the caller.
func (f *pdfFile) xrefTable(lx *pdfLexer) error {
	for {
		save := lx.pos
		t, err := lx.next()
		if err != nil {
			return err
		}
		if t.kind == tokKeyword && t.word == "trailer" {
			lx.pos = save
			return nil
		}
		c, err := lx.next()
		if err != nil {
			return err
		}
		if t.kind != tokInt || c.kind != tokInt || t.num < 0 || c.num < 0 || c.num > int64(len(lx.b)-lx.pos)/18 {
			return formatError("pdf: malformed cross-reference table")
		}
		for range c.num {
			off, err1 := lx.next()
			gen, err2 := lx.next()
			kind, err3 := lx.next()
			if err1 != nil || err2 != nil || err3 != nil || off.kind != tokInt || gen.kind != tokInt ||
				kind.kind != tokKeyword || (kind.word != "n" && kind.word != "f") {
				return formatError("pdf: malformed cross-reference entry")
			}
		}
	}
}

// objectStream inflates a compressed object stream and parses the objects
// in it, refusing forbidden names as in the file itself.
func (f *pdfFile) objectStream(b []byte, o *pdfObject, budget *int) error {
	data := b[o.dataStart:o.dataEnd]
	filter, _ := o.value.get("Filter")
	if filter != nil && filter.kind == pdfArray && len(filter.items) == 1 {
		filter = &filter.items[0]
	}
	if parms, _ := o.value.get("DecodeParms"); parms != nil && parms.kind != pdfNull {
		return formatError("pdf: object stream with decode parameters")
	}
	switch {
	case filter == nil:
	case filter.kind == pdfName && filter.name == "FlateDecode":
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			return formatError("pdf: object stream does not inflate")
		}
		out, err := io.ReadAll(io.LimitReader(zr, int64(*budget)+1))
		if err != nil {
			return formatError("pdf: object stream does not inflate")
		}
		if len(out) > *budget {
			return formatError("pdf: object streams too large")
		}
		*budget -= len(out)
		data = out
	default:
		return formatError("pdf: object stream with an unsupported filter")
	}
	n, _ := o.value.get("N")
	first, _ := o.value.get("First")
	if n == nil || first == nil || n.kind != pdfInt || first.kind != pdfInt ||
		n.num < 0 || first.num < 0 || first.num > int64(len(data)) || n.num > int64(len(data)) {
		return formatError("pdf: malformed object stream")
	}
	if hasMarkup(data) {
		return unsafeError("pdf: markup in an object stream")
	}
	hdr := &pdfLexer{b: data[:first.num]}
	next := int(first.num)
	for range n.num {
		num, err1 := hdr.next()
		off, err2 := hdr.next()
		if err1 != nil || err2 != nil || num.kind != tokInt || off.kind != tokInt ||
			num.num < 0 || off.num < 0 || off.num > int64(len(data))-first.num {
			return formatError("pdf: malformed object stream")
		}
		// The objects follow one another, in the order of the header
		// (ISO 32000-1, 7.5.7): entries pointing back into an object
		// already read, which would make the work grow with the square of
		// the stream, are refused.
		at := int(first.num + off.num)
		if at < next {
			return formatError("pdf: object stream entries out of order")
		}
		lx := &pdfLexer{b: data, pos: at, kept: f.kept}
		val, err := lx.value(0)
		if err != nil {
			return err
		}
		next = lx.pos
		if len(f.objects) >= pdfMaxObjects {
			return formatError("pdf: too many objects")
		}
		if _, ok := f.objects[num.num]; !ok {
			f.objects[num.num] = &pdfObject{value: val, inStream: true, container: o, data: data}
		}
	}
	// Every token of the stream, not only the objects the header names.
	lx := &pdfLexer{b: data}
	for {
		t, err := lx.next()
		if err != nil {
			return err
		}
		if t.kind == tokEOF {
			return nil
		}
	}
}

// catalog checks that the last trailer with a /Root names a /Catalog and
// that the file is not encrypted.
func (f *pdfFile) catalog() error {
	var root *pdfValue
	for _, t := range f.trailers {
		if e, _ := t.get("Encrypt"); e != nil && e.kind != pdfNull {
			return unsafeError("pdf: encrypted")
		}
		if r, _ := t.get("Root"); r != nil {
			root = r
		}
	}
	if root == nil || root.kind != pdfRef {
		return formatError("pdf: no root")
	}
	obj := f.objects[root.num]
	if obj == nil || obj.stream || !obj.value.isName("Type", "Catalog") {
		return formatError("pdf: root is not a catalog")
	}
	return nil
}

// stripPDF returns a copy of b without its metadata, every object at the
// same offset so that the cross-reference tables of every revision stay
// right: the /Info entries of every trailer are blanked to spaces, the
// string values of those Info dictionaries emptied, every /Metadata entry
// of every dictionary blanked, and the data of every XMP metadata stream
// (/Type /Metadata) overwritten with spaces, its /Filter dropped. Page
// content and every other object are kept byte for byte. An Info
// dictionary inside an object stream is emptied there (see
// blankInObjectStream).
func stripPDF(b []byte, f *pdfFile) []byte {
	out := bytes.Clone(b)
	blank := func(from, to int) {
		for i := from; i < to; i++ {
			out[i] = ' '
		}
	}
	for _, t := range f.trailers {
		info, i := t.get("Info")
		if info == nil {
			continue
		}
		if info.kind == pdfRef {
			switch o := f.objects[info.num]; {
			case o == nil || o.stream:
			case o.inStream:
				blankInObjectStream(out, b, o)
			default:
				blankStrings(out, &o.value)
			}
		} else {
			blankStrings(out, info)
		}
		blank(t.items[i].start, info.end)
	}
	for _, d := range f.dicts {
		dropMetadata(out, d, blank, 0)
	}
	for _, o := range f.streams {
		if !o.value.isName("Type", "Metadata") {
			continue
		}
		blank(o.dataStart, o.dataEnd)
		for _, k := range []string{"Filter", "DecodeParms"} {
			if v, i := o.value.get(k); v != nil {
				blank(o.value.items[i].start, v.end)
			}
		}
	}
	return out
}

// blankInObjectStream empties the strings of an Info dictionary kept in an
// object stream: in place when the stream is not compressed; compressed
// again when it is, the new data padded with zero bytes to the stream's
// length (readers stop at the end of the compressed data), or left as it
// is, unreferenced, in the rare case the new data would be longer.
func blankInObjectStream(out, b []byte, o *pdfObject) {
	c := o.container
	data := bytes.Clone(o.data)
	blankStrings(data, &o.value)
	if bytes.Equal(data, o.data) {
		return
	}
	n := c.dataEnd - c.dataStart
	if filter, _ := c.value.get("Filter"); filter == nil {
		if len(data) == n {
			copy(out[c.dataStart:c.dataEnd], data)
		}
		return
	}
	var z bytes.Buffer
	w, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	_, _ = w.Write(data)
	_ = w.Close()
	if z.Len() > n {
		return
	}
	dst := out[c.dataStart:c.dataEnd]
	copy(dst, z.Bytes())
	clear(dst[z.Len():])
}

// blankStrings empties every string value of dictionary d (Author, Title,
// Creator, Producer, dates…): "(Zhang San)" becomes "()" and spaces.
func blankStrings(out []byte, d *pdfValue) {
	if d.kind != pdfDict {
		return
	}
	for i := 1; i < len(d.items); i += 2 {
		v := d.items[i]
		if v.kind != pdfString {
			continue
		}
		out[v.start], out[v.start+1] = '(', ')'
		for j := v.start + 2; j < v.end; j++ {
			out[j] = ' '
		}
	}
}

// dropMetadata blanks every /Metadata entry in v and the values inside it.
func dropMetadata(out []byte, v *pdfValue, blank func(int, int), depth int) {
	if depth > pdfMaxDepth {
		return
	}
	switch v.kind {
	case pdfDict:
		for i := 0; i+1 < len(v.items); i += 2 {
			if v.items[i].name == "Metadata" {
				blank(v.items[i].start, v.items[i+1].end)
				continue
			}
			dropMetadata(out, &v.items[i+1], blank, depth+1)
		}
	case pdfArray:
		for i := range v.items {
			dropMetadata(out, &v.items[i], blank, depth+1)
		}
	}
}

// Tokens.

type pdfTokKind uint8

const (
	tokEOF pdfTokKind = iota
	tokInt
	tokReal
	tokName
	tokString
	tokDictOpen
	tokDictClose
	tokArrayOpen
	tokArrayClose
	tokKeyword
)

type pdfToken struct {
	kind       pdfTokKind
	start, end int
	num        int64
	word       string // tokName: the decoded name; tokKeyword: the word
}

// pdfLexer is a tokenizer of PDF syntax outside stream data (ISO 32000-1
// section 7.2 and 7.3). It never reads before pos, so the whole file is
// lexed in one pass.
type pdfLexer struct {
	b   []byte
	pos int
	// kept counts the values kept in dictionaries and arrays, across
	// every lexer of a file, so that memory stays bounded: at most
	// pdfMaxValues. Arrays keep only their dictionaries, arrays and names
	// (nothing else of theirs is needed).
	kept *int
}

// keep counts one more kept value.
func (lx *pdfLexer) keep() error {
	if lx.kept == nil {
		lx.kept = new(int)
	}
	if *lx.kept++; *lx.kept > pdfMaxValues {
		return formatError("pdf: too many values")
	}
	return nil
}

func pdfSpace(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func pdfDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func pdfRegular(c byte) bool { return !pdfSpace(c) && !pdfDelim(c) }

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// next returns the next token, skipping white space and comments.
func (lx *pdfLexer) next() (pdfToken, error) {
	b := lx.b
	for lx.pos < len(b) {
		c := b[lx.pos]
		if pdfSpace(c) {
			lx.pos++
			continue
		}
		if c == '%' {
			for lx.pos < len(b) && b[lx.pos] != '\n' && b[lx.pos] != '\r' {
				lx.pos++
			}
			continue
		}
		break
	}
	start := lx.pos
	if start >= len(b) {
		return pdfToken{kind: tokEOF, start: start, end: start}, nil
	}
	tok := func(k pdfTokKind, end int) (pdfToken, error) {
		lx.pos = end
		return pdfToken{kind: k, start: start, end: end}, nil
	}
	switch c := b[start]; c {
	case '[':
		return tok(tokArrayOpen, start+1)
	case ']':
		return tok(tokArrayClose, start+1)
	case '<':
		if start+1 < len(b) && b[start+1] == '<' {
			return tok(tokDictOpen, start+2)
		}
		for i := start + 1; i < len(b); i++ {
			switch {
			case b[i] == '>':
				return tok(tokString, i+1)
			case hexVal(b[i]) < 0 && !pdfSpace(b[i]):
				return pdfToken{}, formatError("pdf: malformed hex string")
			}
		}
		return pdfToken{}, formatError("pdf: unterminated hex string")
	case '>':
		if start+1 < len(b) && b[start+1] == '>' {
			return tok(tokDictClose, start+2)
		}
		return pdfToken{}, formatError("pdf: stray >")
	case '(':
		depth := 0
		for i := start; i < len(b); i++ {
			switch b[i] {
			case '\\':
				i++
			case '(':
				depth++
			case ')':
				if depth--; depth == 0 {
					return tok(tokString, i+1)
				}
			}
		}
		return pdfToken{}, formatError("pdf: unterminated string")
	case '/':
		var name []byte
		i := start + 1
		for ; i < len(b) && pdfRegular(b[i]); i++ {
			if b[i] == '#' && i+2 < len(b) && hexVal(b[i+1]) >= 0 && hexVal(b[i+2]) >= 0 {
				name = append(name, byte(hexVal(b[i+1])<<4|hexVal(b[i+2])))
				i += 2
				continue
			}
			name = append(name, b[i])
		}
		if len(name) > pdfMaxName {
			return pdfToken{}, formatError("pdf: name too long")
		}
		if pdfForbidden[string(name)] {
			return pdfToken{}, unsafeError("pdf: active content /" + string(name))
		}
		t, err := tok(tokName, i)
		t.word = string(name)
		return t, err
	case ')', '{', '}':
		return pdfToken{}, formatError("pdf: unexpected " + string(c))
	}
	i := start
	for i < len(b) && pdfRegular(b[i]) {
		i++
	}
	w := b[start:i]
	if len(w) > pdfMaxName {
		return pdfToken{}, formatError("pdf: token too long")
	}
	if n, err := strconv.ParseInt(string(w), 10, 64); err == nil && w[0] != '+' {
		t, _ := tok(tokInt, i)
		t.num = n
		return t, nil
	}
	if isReal(w) {
		return tok(tokReal, i)
	}
	t, _ := tok(tokKeyword, i)
	t.word = string(w)
	return t, nil
}

// isReal reports whether w is a PDF real number: a sign, digits and at most
// one point, at least one digit.
func isReal(w []byte) bool {
	if len(w) > 0 && (w[0] == '+' || w[0] == '-') {
		w = w[1:]
	}
	digits, points := 0, 0
	for _, c := range w {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			points++
		default:
			return false
		}
	}
	return digits > 0 && points <= 1
}

// value parses one object starting at the next token.
func (lx *pdfLexer) value(depth int) (pdfValue, error) {
	t, err := lx.next()
	if err != nil {
		return pdfValue{}, err
	}
	return lx.valueFrom(t, depth)
}

// valueFrom parses one object whose first token is t.
func (lx *pdfLexer) valueFrom(t pdfToken, depth int) (pdfValue, error) {
	if depth > pdfMaxDepth {
		return pdfValue{}, formatError("pdf: nested too deep")
	}
	v := pdfValue{start: t.start, end: t.end}
	switch t.kind {
	case tokInt:
		// "N G R" is a reference.
		save := lx.pos
		g, err1 := lx.next()
		r, err2 := lx.next()
		if err1 == nil && err2 == nil && g.kind == tokInt && r.kind == tokKeyword && r.word == "R" {
			v.kind, v.num, v.end = pdfRef, t.num, r.end
			return v, nil
		}
		lx.pos = save
		v.kind, v.num = pdfInt, t.num
	case tokReal:
		v.kind = pdfReal
	case tokName:
		v.kind, v.name = pdfName, t.word
	case tokString:
		v.kind = pdfString
	case tokKeyword:
		switch t.word {
		case "true", "false":
			v.kind = pdfBool
		case "null":
			v.kind = pdfNull
		default:
			return pdfValue{}, formatError("pdf: unexpected keyword at offset " + strconv.Itoa(t.start))
		}
	case tokArrayOpen:
		v.kind = pdfArray
		for {
			t, err := lx.next()
			if err != nil {
				return pdfValue{}, err
			}
			if t.kind == tokArrayClose {
				v.end = t.end
				return v, nil
			}
			if t.kind == tokEOF {
				return pdfValue{}, formatError("pdf: unterminated array")
			}
			item, err := lx.valueFrom(t, depth+1)
			if err != nil {
				return pdfValue{}, err
			}
			if item.kind == pdfDict || item.kind == pdfArray || item.kind == pdfName {
				if err := lx.keep(); err != nil {
					return pdfValue{}, err
				}
				v.items = append(v.items, item)
			}
		}
	case tokDictOpen:
		v.kind = pdfDict
		for {
			k, err := lx.next()
			if err != nil {
				return pdfValue{}, err
			}
			if k.kind == tokDictClose {
				v.end = k.end
				return v, nil
			}
			if k.kind != tokName {
				return pdfValue{}, formatError("pdf: dictionary key is not a name at offset " + strconv.Itoa(k.start))
			}
			val, err := lx.value(depth + 1)
			if err != nil {
				return pdfValue{}, err
			}
			if err := lx.keep(); err != nil {
				return pdfValue{}, err
			}
			v.items = append(v.items, pdfValue{kind: pdfName, name: k.word, start: k.start, end: k.end}, val)
		}
	default:
		return pdfValue{}, formatError("pdf: unexpected token at offset " + strconv.Itoa(t.start))
	}
	return v, nil
}

// streamData finds the data of the stream whose "stream" keyword the lexer
// has just read, by /Length when it is a direct number that lands on
// "endstream", else by the first "endstream", and moves past "endstream".
func (lx *pdfLexer) streamData(o *pdfObject) error {
	b, p := lx.b, lx.pos
	switch {
	case p+1 < len(b) && b[p] == '\r' && b[p+1] == '\n':
		p += 2
	case p < len(b) && (b[p] == '\n' || b[p] == '\r'):
		p++
	default:
		return formatError("pdf: no end of line after stream")
	}
	o.stream, o.dataStart = true, p
	end := []byte("endstream")
	if l, _ := o.value.get("Length"); l != nil && l.kind == pdfInt && l.num >= 0 && l.num <= int64(len(b)-p) {
		q := p + int(l.num)
		r := q
		for r < len(b) && pdfSpace(b[r]) {
			r++
		}
		if bytes.HasPrefix(b[r:], end) {
			o.dataEnd, lx.pos = q, r+len(end)
			return nil
		}
	}
	i := bytes.Index(b[p:], end)
	if i < 0 {
		return formatError("pdf: stream without endstream")
	}
	q := p + i
	if q > p && b[q-1] == '\n' {
		q--
	}
	if q > p && b[q-1] == '\r' {
		q--
	}
	o.dataEnd, lx.pos = q, p+i+len(end)
	return nil
}
