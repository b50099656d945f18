package upload

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/apperr"
)

// buildPDF writes objects 1…n (their bodies as given), a cross-reference
// table with their true offsets and a trailer with the extra entries.
func buildPDF(objs []string, trailer string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, trailer, x)
	return b.Bytes()
}

// appendRevision adds an incremental update to p: the objects (numbered
// from first), a cross-reference section and a trailer.
func appendRevision(p []byte, first int, objs []string, trailer string) []byte {
	b := bytes.NewBuffer(bytes.Clone(p))
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(b, "%d 0 obj\n%s\nendobj\n", first+i, o)
	}
	x := b.Len()
	fmt.Fprintf(b, "xref\n%d %d\n", first, len(objs))
	for _, off := range offs {
		fmt.Fprintf(b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(b, "trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n", first+len(objs), trailer, x)
	return b.Bytes()
}

func stream(dict, data string) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

func deflate(s string) string {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	_, _ = w.Write([]byte(s))
	_ = w.Close()
	return b.String()
}

// objStmPDF holds the catalog and the given object 4 inside a compressed
// object stream, indexed by a cross-reference stream, as PDF 1.5 writers
// do.
func objStmPDF(obj4 string, xrefExtra ...string) []byte {
	body := "<< /Type /Catalog /Pages 2 0 R >> "
	off4 := len(body)
	content := fmt.Sprintf("1 0 4 %d ", off4)
	first := len(content)
	data := content + body + obj4
	objs := []string{
		"", // 1 is in the object stream
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	for i := 1; i < len(objs); i++ {
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, objs[i])
	}
	z := deflate(data)
	fmt.Fprintf(&b, "5 0 obj\n<< /Type /ObjStm /N 2 /First %d /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream\nendobj\n", first, len(z), z)
	x := b.Len()
	fmt.Fprintf(&b, "6 0 obj\n<< /Type /XRef /Size 7 /Root 1 0 R %s /W [1 2 1] /Length 0 >>\nstream\n\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", strings.Join(xrefExtra, " "), x)
	return b.Bytes()
}

// objStmRepeat is a PDF whose uncompressed object stream names n objects,
// all at the offset of one array of size bytes: parsing each entry anew
// would take n×size steps.
func objStmRepeat(n, size int) []byte {
	catalog := "<< /Type /Catalog >> "
	var hdr strings.Builder
	hdr.WriteString("1 0 ")
	for i := range n {
		fmt.Fprintf(&hdr, "%d %d ", i+10, len(catalog))
	}
	body := catalog + "[" + strings.Repeat("1 ", size/2) + "]"
	data := hdr.String() + body
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	fmt.Fprintf(&b, "5 0 obj\n<< /Type /ObjStm /N %d /First %d /Length %d >>\nstream\n%s\nendstream\nendobj\n", n+1, hdr.Len(), len(data), data)
	fmt.Fprintf(&b, "6 0 obj\n<< /Type /XRef /Size 7 /Root 1 0 R /Length 0 >>\nstream\n\nendstream\nendobj\nstartxref\n0\n%%%%EOF\n")
	return b.Bytes()
}

var (
	pdfCatalog = "<< /Type /Catalog /Pages 2 0 R >>"
	pdfPages   = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
	pdfPage    = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>"
	pdfContent = stream("", "BT /F1 12 Tf 72 712 Td (Diagnosis: leukaemia) Tj ET")
)

// onePage is a one-page PDF with an xref table and the extra objects
// (numbered from 5) and trailer entries.
func onePage(extra []string, trailer string) []byte {
	return buildPDF(append([]string{pdfCatalog, pdfPages, pdfPage, pdfContent}, extra...), "/Root 1 0 R "+trailer)
}

// R-REQ-3: a PDF is checked by its structure, not by its ends. The
// polyglot of issue 16 — "%PDF-", HTML and script, "%%EOF" — is refused,
// as is every PDF that carries script, launch actions, embedded files,
// XFA forms, rich media, or markup outside its streams; real PDFs pass.
func TestCheckPDFStructure(t *testing.T) {
	chromium, err := os.ReadFile("testdata/chromium.pdf")
	if err != nil {
		t.Fatal(err)
	}
	rev2 := appendRevision(onePage([]string{"<< /Author (Zhang San) >>"}, "/Info 5 0 R"), 6,
		[]string{"<< /Author (Li Si) /Producer (Scanner 1.0) >>"}, "/Root 1 0 R /Info 6 0 R")
	ok := []struct {
		name string
		in   []byte
	}{
		{"minimal", minimalPDF},
		{"written by chromium", chromium},
		{"xref table", onePage(nil, "")},
		{"incremental update", rev2},
		{"object and xref streams", objStmPDF("<< /Author (Zhang San) >>")},
		{"a long array of numbers", onePage([]string{"[" + strings.Repeat("1 ", 2*pdfMaxValues) + "]"}, "")},
		{"strings with parentheses and escapes", onePage([]string{`<< /Title (a \) b (c) d\\) /Subject <48 65 6c> >>`}, "/Info 5 0 R")},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			if kind, _, err := Check(bytes.NewReader(tt.in), field); err != nil || kind != PDF {
				t.Fatalf("Check = %q, %v (%v)", kind, err, cause(err))
			}
		})
	}
	bad := []struct {
		name string
		in   []byte
		key  string
	}{
		{"html between the ends", []byte("%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n"), keyUnsafe},
		{"html in a comment", append([]byte("%PDF-1.4\n%<script>alert(1)</script>\n"), minimalPDF[9:]...), keyUnsafe},
		{"html before the header", append([]byte("<html><script>alert(1)</script>\n"), minimalPDF...), keyUnsafe},
		{"html in a string", onePage([]string{"<< /Title (<svg onload=alert(1)>) >>"}, "/Info 5 0 R"), keyUnsafe},
		{"junk between objects", bytes.Replace(onePage(nil, ""), []byte("endobj\n2 0 obj"), []byte("endobj\nalert(1)\n2 0 obj"), 1), keyCorrupt},
		{"javascript open action", onePage([]string{"<< /S /JavaScript /JS (app.alert(1)) >>"}, ""), keyUnsafe},
		{"open action with JS only", onePage([]string{"<< /JS 6 0 R >>"}, ""), keyUnsafe},
		{"hex-escaped name", onePage([]string{"<< /S /Java#53cript /J#53 (x) >>"}, ""), keyUnsafe},
		{"launch", onePage([]string{"<< /S /Launch /F (calc.exe) >>"}, ""), keyUnsafe},
		{"embedded file", onePage([]string{stream("/Type /EmbeddedFile", "MZ")}, ""), keyUnsafe},
		{"xfa form", onePage([]string{"<< /Fields [] /XFA 6 0 R >>"}, ""), keyUnsafe},
		{"rich media", onePage([]string{"<< /Subtype /RichMedia >>"}, ""), keyUnsafe},
		{"script in a compressed object stream", objStmPDF("<< /S /JavaScript /JS (app.alert(1)) >>"), keyUnsafe},
		{"markup in a compressed object stream", objStmPDF("<< /T (<script>) >>"), keyUnsafe},
		{"encrypted", onePage([]string{"<< /Filter /Standard /V 1 >>"}, "/Encrypt 5 0 R"), keyUnsafe},
		{"no root", buildPDF([]string{pdfCatalog}, ""), keyCorrupt},
		{"root not a catalog", buildPDF([]string{"<< /Title (x) >>"}, "/Root 1 0 R"), keyCorrupt},
		{"root missing", buildPDF([]string{pdfCatalog}, "/Root 9 0 R"), keyCorrupt},
		{"object without endobj", []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >>\ntrailer << /Root 1 0 R >>\n%%EOF\n"), keyCorrupt},
		{"unterminated string", []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /T (abc >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"), keyCorrupt},
		{"stream without endstream", []byte("%PDF-1.4\n1 0 obj << /Length 3 >>\nstream\nabc\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"), keyCorrupt},
		{"nested too deep", []byte("%PDF-1.4\n1 0 obj " + strings.Repeat("[", 100000) + " endobj\n%%EOF\n"), keyCorrupt},
		{"object stream bomb", objStmPDF("<< /T (" + strings.Repeat("A", 2*pdfInflateBudget) + ") >>"), keyCorrupt},
		{"object stream entries all at one large object", objStmRepeat(4000, 32<<10), keyCorrupt},
		{"too many values to keep", onePage([]string{"<< " + strings.Repeat("/a 1 ", pdfMaxValues) + ">>"}, ""), keyCorrupt},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Check(bytes.NewReader(tt.in), field)
			wantRefusal(t, err, apperr.Invalid, tt.key)
		})
	}
}

func cause(err error) error {
	if e := apperr.As(err); e != nil {
		return e.Err
	}
	return nil
}

// R-PII-1: the metadata a PDF writer leaves — the document information
// dictionary of every revision and XMP streams — is removed before the
// document is sealed, and the pages are kept byte for byte at the same
// offsets, so the cross-reference tables stay right.
func TestStripPDFMetadata(t *testing.T) {
	xmp := `<?xpacket begin=""?><x:xmpmeta><dc:creator>Zhang San</dc:creator></x:xmpmeta><?xpacket end="w"?>`
	in := onePage([]string{
		"<< /Author (Zhang San) /Creator <5A68616E67> /Producer (Phone Scanner of Zhang San) /Title (ID 110101199001011234) /CreationDate (D:20240101) >>",
		stream("/Type /Metadata /Subtype /XML", xmp),
	}, "/Info 5 0 R")
	in = bytes.Replace(in, []byte("/Type /Catalog"), []byte("/Type /Catalog /Metadata 6 0 R"), 1)
	in = appendRevision(in, 7, []string{
		"<< /Author (Li Si) >>",
		stream("/Type /Metadata /Subtype /XML /Filter /FlateDecode", deflate(xmp)),
	}, "/Root 1 0 R /Info 7 0 R")
	if _, _, err := Check(bytes.NewReader(in), field); err != nil {
		t.Fatalf("Check: %v (%v)", err, cause(err))
	}
	out, err := Strip(PDF, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, pii := range []string{"Zhang San", "Zhang", "5A68616E67", "Li Si", "110101199001011234", "D:2024", "xmpmeta", "/Metadata 6", "/Info"} {
		if bytes.Contains(out, []byte(pii)) {
			t.Errorf("stripped PDF still holds %q", pii)
		}
	}
	if bytes.Contains(out, []byte(deflate(xmp))) {
		t.Error("stripped PDF still holds the compressed XMP")
	}
	if len(out) != len(in) {
		t.Fatalf("length %d, want %d: objects moved", len(out), len(in))
	}
	if !bytes.Contains(out, []byte(pdfContent)) || !bytes.Contains(out, []byte(pdfPage)) {
		t.Error("the page or its content changed")
	}
	// Every xref offset still points at its object.
	for n := 1; n <= 8; n++ {
		if !bytes.Equal(objAt(t, in, n), objAt(t, out, n)) {
			t.Errorf("object %d is no longer at its offset", n)
		}
	}
	if kind, _, err := Check(bytes.NewReader(out), field); err != nil || kind != PDF {
		t.Fatalf("Check(stripped) = %q, %v", kind, err)
	}
	again, err := Strip(PDF, out)
	if err != nil || !bytes.Equal(again, out) {
		t.Errorf("Strip is not idempotent: %v", err)
	}
	if bytes.Equal(in, out) {
		t.Error("Strip changed nothing")
	}
}

// R-PII-1: an Info dictionary kept in a compressed object stream, as PDF
// 1.5 writers may, is emptied there too; the stream still inflates and
// every object stays at its offset.
func TestStripPDFInfoInObjectStream(t *testing.T) {
	in := objStmPDF("<< /Author (Zhang San) /Producer (Scanner of Zhang San, ID 110101199001011234) >>", "/Info 4 0 R")
	if _, _, err := Check(bytes.NewReader(in), field); err != nil {
		t.Fatalf("Check: %v (%v)", err, cause(err))
	}
	out, err := Strip(PDF, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) || bytes.Contains(out, []byte("/Info")) {
		t.Fatalf("length %d (want %d), /Info kept: %v", len(out), len(in), bytes.Contains(out, []byte("/Info")))
	}
	f, err := parsePDF(out)
	if err != nil {
		t.Fatalf("stripped PDF refused: %v", err)
	}
	o := f.objects[4]
	if o == nil || !o.inStream {
		t.Fatal("object 4 is not in the object stream any more")
	}
	for _, pii := range []string{"Zhang San", "110101199001011234"} {
		if bytes.Contains(o.data, []byte(pii)) {
			t.Errorf("the object stream still holds %q", pii)
		}
	}
	if c := f.objects[1]; c == nil || !c.value.isName("Type", "Catalog") {
		t.Error("the catalog in the same stream is lost")
	}
	if again, err := Strip(PDF, out); err != nil || !bytes.Equal(again, out) {
		t.Errorf("Strip is not idempotent: %v", err)
	}
}

// objAt returns the "N 0 obj" header found at the offset the last
// cross-reference section naming object n gives.
func objAt(t *testing.T, b []byte, n int) []byte {
	t.Helper()
	head := fmt.Sprintf("%d 0 obj", n)
	i := bytes.Index(b, []byte(head))
	if i < 0 {
		t.Fatalf("no object %d", n)
	}
	entry := fmt.Sprintf("%010d 00000 n", i)
	if !bytes.Contains(b, []byte(entry)) {
		return nil
	}
	return b[i : i+len(head)]
}

// R-PII-1: a PDF written by a browser loses its title (the page's title,
// often a name) and its producer.
func TestStripChromiumPDF(t *testing.T) {
	in, err := os.ReadFile("testdata/chromium.pdf")
	if err != nil {
		t.Fatal(err)
	}
	out, err := Strip(PDF, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Zhang San", "HeadlessChrome", "Skia/PDF"} {
		if !bytes.Contains(in, []byte(s)) {
			t.Fatalf("test file lacks %q", s)
		}
		if bytes.Contains(out, []byte(s)) {
			t.Errorf("stripped PDF still holds %q", s)
		}
	}
	if _, _, err := Check(bytes.NewReader(out), field); err != nil {
		t.Fatal(err)
	}
}

// FuzzCheckPDF: the PDF checker never panics and bounds its work; a PDF it
// accepts holds no script markup outside streams, strips to a PDF it accepts
// again at the same length, and stripping twice changes nothing more.
func FuzzCheckPDF(f *testing.F) {
	chromium, err := os.ReadFile("testdata/chromium.pdf")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range [][]byte{
		minimalPDF, chromium, onePage(nil, ""),
		onePage([]string{"<< /Author (Zhang San) >>", stream("/Type /Metadata", "<x:xmpmeta/>")}, "/Info 5 0 R"),
		objStmPDF("<< /Author (Zhang San) >>"), objStmPDF("<< /Author (Zhang San) >>", "/Info 4 0 R"),
		[]byte("%PDF-1.4\n<html><script>alert(1)</script>\n%%EOF"),
		onePage([]string{"<< /S /JavaScript /JS (app.alert(1)) >>"}, ""),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		err := checkPDF(in)
		out, serr := Strip(PDF, in)
		if (err == nil) != (serr == nil) {
			t.Fatalf("checkPDF = %v but Strip = %v", err, serr)
		}
		if err != nil {
			return
		}
		if low := bytes.ToLower(in); bytes.Contains(low, []byte("<script")) && !bytes.Contains(low, []byte("stream")) {
			t.Fatal("accepted a file holding <script outside any stream")
		}
		if len(out) != len(in) {
			t.Fatalf("Strip changed the length")
		}
		if err := checkPDF(out); err != nil {
			t.Fatalf("stripped PDF refused: %v", err)
		}
		twice, _ := Strip(PDF, out)
		if !bytes.Equal(twice, out) {
			t.Fatal("Strip is not idempotent")
		}
	})
}
