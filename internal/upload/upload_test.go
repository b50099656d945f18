package upload

import (
	"bytes"
	"errors"
	"fmt"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/apperr"
)

const field = "diagnosis"

var minimalPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// wantRefusal fails unless err is an *apperr.Error with the code and key,
// carried on the field too.
func wantRefusal(t *testing.T, err error, code apperr.Code, key string) {
	t.Helper()
	e := apperr.As(err)
	if e == nil {
		t.Fatalf("err = %v, want *apperr.Error %s %s", err, code, key)
	}
	if e.Code != code || e.Key != key {
		t.Fatalf("err = %s %s, want %s %s", e.Code, e.Key, code, key)
	}
	if len(e.Fields) != 1 || e.Fields[0].Field != field || e.Fields[0].Key != key {
		t.Fatalf("fields = %+v, want one on %q with %s", e.Fields, field, key)
	}
}

// R-REQ-3: supporting material is accepted as JPEG, PNG or PDF, decided by
// content, and anything else is refused with a message the requester can act
// on.
func TestCheck(t *testing.T) {
	jpg := encodeJPEG(t, 40, 30)
	pn := encodePNG(t, 40, 30)
	script, err := os.ReadFile("testdata/photo.jpg")
	if err != nil {
		t.Fatal(err)
	}
	badCRC := append([]byte{}, pn...)
	badCRC[len(badCRC)-20] ^= 0xFF // inside the IDAT data
	hugePNG := append(append([]byte{}, pngSignature...), pngChunkBytes("IHDR", []byte{0, 0, 0xFF, 0xFF, 0, 0, 0xFF, 0xFF, 8, 2, 0, 0, 0})...)
	hugePNG = append(hugePNG, pn[8+25:]...)
	textAfterIEND := append(append([]byte{}, pn...), pngChunkBytes("tEXt", []byte("a\x00b"))...)
	unknownCritical := insertAfterIHDR(pn, pngChunkBytes("ABCD", nil))
	noSOF := append([]byte{0xFF, 0xD8}, jpegSeg(0xDA, []byte{1, 1, 0, 0, 63, 0})...)
	noSOF = append(noSOF, 0x12, 0xFF, 0xD9)
	progressive := twoScanJPEG()
	sof2 := jpegSeg(0xC2, []byte{8, 0, 2, 0, 2, 1, 1, 0x11, 0})
	maxPDF := append(append([]byte{}, minimalPDF[:9]...), bytes.Repeat([]byte{' '}, MaxSize-len(minimalPDF))...)
	maxPDF = append(maxPDF, minimalPDF[9:]...)

	afterEOI := append(append([]byte{}, jpg...), "<?php system($_GET[1]); ?>"...)
	tests := []struct {
		name string
		in   []byte
		want Kind
		code apperr.Code
		key  string
	}{
		{"jpeg", jpg, JPEG, "", ""},
		{"jpeg with zero padding", append(append([]byte{}, jpg...), 0, 0, 0, 0), JPEG, "", ""},
		{"jpeg, two scans", progressive, JPEG, "", ""},
		{"png", pn, PNG, "", ""},
		{"pdf", minimalPDF, PDF, "", ""},
		{"pdf after a junk line", append([]byte("X-Mailer: x\r\n"), minimalPDF...), PDF, "", ""},
		{"pdf of exactly MaxSize", maxPDF, PDF, "", ""},
		{"empty", nil, "", apperr.Invalid, keyEmpty},
		{"MaxSize+1", bytes.Repeat([]byte{0xFF}, MaxSize+1), "", apperr.TooLarge, keyTooLarge},
		{"shell script named photo.jpg", script, "", apperr.Invalid, keyType},
		{"html", []byte("<!doctype html><script>alert(1)</script>"), "", apperr.Invalid, keyType},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "", apperr.Invalid, keyType},
		{"zip", []byte("PK\x03\x04\x14\x00\x00\x00"), "", apperr.Invalid, keyType},
		{"pdf header too late", append(bytes.Repeat([]byte{' '}, 1024), minimalPDF...), "", apperr.Invalid, keyType},
		{"truncated jpeg", jpg[:len(jpg)/2], "", apperr.Invalid, keyCorrupt},
		{"jpeg without EOI", jpg[:len(jpg)-2], "", apperr.Invalid, keyCorrupt},
		{"jpeg with data after EOI (as phones append)", afterEOI, JPEG, "", ""},
		{"jpeg SOI only", []byte{0xFF, 0xD8, 0xFF, 0xD9}, "", apperr.Invalid, keyCorrupt},
		{"jpeg scan before frame", noSOF, "", apperr.Invalid, keyCorrupt},
		{"jpeg two frames", append(append([]byte{0xFF, 0xD8}, sof2...), progressive[2:]...), "", apperr.Invalid, keyCorrupt},
		{"jpeg scan data cut", progressive[:len(progressive)-3], "", apperr.Invalid, keyCorrupt},
		{"truncated png", pn[:len(pn)/2], "", apperr.Invalid, keyCorrupt},
		{"png without IEND", pn[:len(pn)-12], "", apperr.Invalid, keyCorrupt},
		{"png bad CRC", badCRC, "", apperr.Invalid, keyCorrupt},
		{"png 65535x65535", hugePNG, "", apperr.Invalid, keyCorrupt},
		{"png chunk after IEND", textAfterIEND, "", apperr.Invalid, keyCorrupt},
		{"png unknown critical chunk", unknownCritical, "", apperr.Invalid, keyCorrupt},
		{"png signature only", pngSignature, "", apperr.Invalid, keyCorrupt},
		{"pdf without EOF", minimalPDF[:len(minimalPDF)-7], "", apperr.Invalid, keyCorrupt},
		{"pdf version 9", []byte("%PDF-9.9\n%%EOF"), "", apperr.Invalid, keyCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, b, err := Check(bytes.NewReader(tt.in), field)
			if tt.code != "" {
				wantRefusal(t, err, tt.code, tt.key)
				if kind != "" || b != nil {
					t.Errorf("refused file returned kind %q and %d bytes", kind, len(b))
				}
				return
			}
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if kind != tt.want {
				t.Errorf("kind = %q, want %q", kind, tt.want)
			}
			if !bytes.Equal(b, tt.in) {
				t.Error("Check did not return the bytes it read")
			}
		})
	}
}

// countingReader yields zero bytes forever and counts how many were read.
type countingReader struct{ n int }

func (r *countingReader) Read(p []byte) (int, error) {
	clear(p)
	r.n += len(p)
	return len(p), nil
}

func TestCheckReadsAtMostMaxSizePlusOne(t *testing.T) {
	r := &countingReader{}
	_, _, err := Check(r, field)
	wantRefusal(t, err, apperr.TooLarge, keyTooLarge)
	if r.n > MaxSize+1 {
		t.Errorf("read %d bytes, want at most %d", r.n, MaxSize+1)
	}
	if e := apperr.As(err); len(e.Args) != 1 || e.Args[0] != 10 {
		t.Errorf("args = %v, want the limit in MB, 10", e.Args)
	}
}

func TestCheckReadError(t *testing.T) {
	cause := errors.New("connection reset")
	_, _, err := Check(io.MultiReader(strings.NewReader("%PDF-1.4"), iotestErr{cause}), field)
	if !errors.Is(err, cause) {
		t.Fatalf("err = %v, want the reader's error", err)
	}
	if apperr.As(err) != nil {
		t.Errorf("a read error was classified as the requester's fault: %v", err)
	}
}

type iotestErr struct{ err error }

func (r iotestErr) Read([]byte) (int, error) { return 0, r.err }

// R-PII-1: a phone photo's EXIF (GPS position, owner's name), IPTC and
// comments are removed before the file is stored; the colour information
// and the image data are kept, so the picture is the same.
func TestStripJPEG(t *testing.T) {
	orig := encodeJPEG(t, 48, 32)
	icc := jpegSeg(0xE2, []byte("ICC_PROFILE\x00\x01\x01fake profile"))
	adobe := jpegSeg(0xEE, []byte("Adobe\x00\x64\x00\x00\x00\x00\x01"))
	in := insertAfterSOI(orig,
		jpegSeg(0xE0, []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x01\x01THM")), // with a 1x1 thumbnail
		jpegSeg(0xE1, exifWithGPS(1, "Zhang San")),
		jpegSeg(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>Zhang San Shanghai</x:xmpmeta>")),
		icc,
		jpegSeg(0xED, []byte("Photoshop 3.0\x008BIM Zhang San")),
		jpegSeg(0xE0, []byte("JFXX\x00\x10thumbnail")),
		jpegSeg(0xE2, []byte("MPF\x00II*\x00")),
		jpegSeg(0xE5, []byte("maker notes")),
		adobe,
		jpegSeg(0xFE, []byte("shot at Zhang San's home")),
	)
	if k, _, err := Check(bytes.NewReader(in), field); err != nil || k != JPEG {
		t.Fatalf("Check(input) = %q, %v", k, err)
	}
	out, err := Strip(JPEG, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"Zhang", "Exif", "GPS", "Photoshop", "xmpmeta", "THM", "JFXX", "MPF", "maker"} {
		if bytes.Contains(out, []byte(leak)) {
			t.Errorf("Strip left %q in the file", leak)
		}
	}
	if got, want := markers(t, out), append([]byte{0xE0, 0xE2, 0xEE}, markers(t, orig)...); !bytes.Equal(got, want) {
		t.Errorf("markers = % X, want % X", got, want)
	}
	for _, keep := range [][]byte{icc, adobe, jpegSeg(0xE0, []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"))} {
		if !bytes.Contains(out, keep) {
			t.Errorf("Strip dropped or changed % X", keep[:2])
		}
	}
	// The original's segments and entropy-coded data are copied byte for
	// byte.
	if !bytes.HasSuffix(out, orig[2:]) {
		t.Error("image data changed")
	}
	if k, _, err := Check(bytes.NewReader(out), field); err != nil || k != JPEG {
		t.Errorf("Check(Strip output) = %q, %v", k, err)
	}
	a, err := jpeg.Decode(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	b, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	samePixels(t, a, b)
}

// R-PII-1: only the orientation survives from the EXIF data, in a segment
// built from scratch, so a photo taken sideways still shows upright.
func TestStripJPEGKeepsOrientation(t *testing.T) {
	orig := encodeJPEG(t, 16, 16)
	for _, o := range []uint16{1, 6, 8} {
		t.Run(fmt.Sprint("orientation ", o), func(t *testing.T) {
			in := insertAfterSOI(orig, jpegSeg(0xE1, exifWithGPS(o, "Li Si")))
			out, err := Strip(JPEG, in)
			if err != nil {
				t.Fatal(err)
			}
			segs, err := parseJPEG(out)
			if err != nil {
				t.Fatal(err)
			}
			got := 0
			for _, s := range segs {
				if s.marker == 0xE1 {
					got = exifOrientation(s.data)
					if !bytes.Equal(s.data, orientationSegment(int(o))[4:]) {
						t.Errorf("EXIF segment holds more than the orientation")
					}
				}
			}
			want := int(o)
			if o == 1 {
				want = 0 // the default needs no segment
			}
			if got != want {
				t.Errorf("orientation = %d, want %d", got, want)
			}
			if bytes.Contains(out, []byte("Li Si")) {
				t.Error("owner's name left in the file")
			}
			again, err := Strip(JPEG, out)
			if err != nil || !bytes.Equal(again, out) {
				t.Errorf("Strip is not idempotent: %v", err)
			}
		})
	}
}

// R-PII-1: PNG text chunks (author names, comments), EXIF and the
// modification time are removed; other chunks are kept with their CRCs.
func TestStripPNG(t *testing.T) {
	orig := encodePNG(t, 33, 21)
	phys := pngChunkBytes("pHYs", []byte{0, 0, 0x0B, 0x13, 0, 0, 0x0B, 0x13, 1})
	in := insertAfterIHDR(orig,
		pngChunkBytes("tEXt", []byte("Author\x00Zhang San")),
		pngChunkBytes("zTXt", []byte("Comment\x00\x00x\x9c")),
		pngChunkBytes("iTXt", []byte("Location\x00\x00\x00\x00\x00Shanghai")),
		pngChunkBytes("eXIf", exifWithGPS(1, "Zhang San")[6:]),
		pngChunkBytes("tIME", []byte{0x07, 0xE9, 1, 2, 3, 4, 5}),
		phys,
	)
	if k, _, err := Check(bytes.NewReader(in), field); err != nil || k != PNG {
		t.Fatalf("Check(input) = %q, %v", k, err)
	}
	out, err := Strip(PNG, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"Zhang", "Shanghai", "tEXt", "zTXt", "iTXt", "eXIf", "tIME"} {
		if bytes.Contains(out, []byte(leak)) {
			t.Errorf("Strip left %q in the file", leak)
		}
	}
	if want := insertAfterIHDR(orig, phys); !bytes.Equal(out, want) {
		t.Error("Strip changed more than the metadata chunks")
	}
	if k, _, err := Check(bytes.NewReader(out), field); err != nil || k != PNG {
		t.Errorf("Check(Strip output) = %q, %v", k, err)
	}
	a, err := png.Decode(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	c, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	samePixels(t, a, c)
}

// R-PII-1: comments between the scans of a progressive JPEG are removed
// too, and the scans are kept byte for byte.
func TestStripJPEGBetweenScans(t *testing.T) {
	sof2 := jpegSeg(0xC2, []byte{8, 0, 2, 0, 2, 1, 1, 0x11, 0})
	sos := jpegSeg(0xDA, []byte{1, 1, 0, 0, 63, 0})
	scan1 := append(append([]byte{}, sos...), 0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56)
	dht := jpegSeg(0xC4, []byte{0x10, 1})
	scan2 := append(append([]byte{}, sos...), 0x78)
	var in, want []byte
	for _, p := range [][]byte{{0xFF, 0xD8}, sof2, scan1, dht, jpegSeg(0xFE, []byte("Zhang San")), scan2, {0xFF, 0xD9}} {
		in = append(in, p...)
	}
	for _, p := range [][]byte{{0xFF, 0xD8}, sof2, scan1, dht, scan2, {0xFF, 0xD9}} {
		want = append(want, p...)
	}
	out, err := Strip(JPEG, in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, want) {
		t.Errorf("Strip = % X\nwant    % X", out, want)
	}
}

func TestStripPDFWithoutMetadataUnchanged(t *testing.T) {
	out, err := Strip(PDF, minimalPDF)
	if err != nil || !bytes.Equal(out, minimalPDF) {
		t.Errorf("Strip(PDF) = %q, %v; want the input unchanged", out, err)
	}
}

func TestStripRefuses(t *testing.T) {
	jpg := encodeJPEG(t, 8, 8)
	pn := encodePNG(t, 8, 8)
	tests := []struct {
		name string
		kind Kind
		in   []byte
		key  string
	}{
		{"truncated jpeg", JPEG, jpg[:len(jpg)/2], keyCorrupt},
		{"png as jpeg", JPEG, pn, keyCorrupt},
		{"truncated png", PNG, pn[:len(pn)-3], keyCorrupt},
		{"unknown kind", "image/gif", []byte("GIF89a"), keyType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Strip(tt.kind, tt.in)
			if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || e.Key != tt.key {
				t.Errorf("err = %v, want invalid %s", err, tt.key)
			}
		})
	}
}

// R-REQ-3: what a phone appends after a JPEG's end (or anyone hides there)
// is accepted on upload and never kept: Strip ends the file at its EOI.
func TestStripDropsDataAfterEOI(t *testing.T) {
	jpg := encodeJPEG(t, 16, 16)
	in := append(append([]byte{}, jpg...), "<?php system($_GET[1]); ?>"...)
	kind, b, err := Check(bytes.NewReader(in), "file")
	if err != nil || kind != JPEG {
		t.Fatalf("Check = %v, %v", kind, err)
	}
	out, err := Strip(kind, b)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("<?php")) || out[len(out)-2] != 0xFF || out[len(out)-1] != 0xD9 {
		t.Errorf("Strip kept the data after EOI")
	}
}
