package upload

import (
	"bytes"
	"image/jpeg"
	"image/png"
	"os"
	"testing"

	"github.com/carefund/carefund/internal/apperr"
)

// fuzzSeeds are well-formed and broken files of each kind, including the
// metadata Strip removes.
func fuzzSeeds(f *testing.F) {
	jpg := encodeJPEG(f, 8, 8)
	pn := encodePNG(f, 8, 8)
	script, err := os.ReadFile("testdata/photo.jpg")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range [][]byte{
		jpg, pn, minimalPDF, script, nil, twoScanJPEG(),
		onePage([]string{"<< /Author (Zhang San) >>"}, "/Info 5 0 R"),
		jpg[:len(jpg)/2], pn[:len(pn)/2],
		insertAfterSOI(jpg,
			jpegSeg(0xE0, []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x01\x01THM")),
			jpegSeg(0xE1, exifWithGPS(6, "Zhang San")),
			jpegSeg(0xE2, []byte("ICC_PROFILE\x00\x01\x01")),
			jpegSeg(0xEE, []byte("Adobe\x00\x64\x00\x00\x00\x00\x01")),
			jpegSeg(0xFE, []byte("comment"))),
		insertAfterIHDR(pn,
			pngChunkBytes("tEXt", []byte("Author\x00Zhang San")),
			pngChunkBytes("tIME", []byte{0x07, 0xE9, 1, 2, 3, 4, 5})),
	} {
		f.Add(s)
	}
}

// FuzzCheck: Check never panics, accepts only the three kinds and returns
// exactly the bytes it read, and refuses only with Invalid or TooLarge on the
// field.
func FuzzCheck(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		kind, b, err := Check(bytes.NewReader(in), field)
		if err != nil {
			e := apperr.As(err)
			if e == nil || (e.Code != apperr.Invalid && e.Code != apperr.TooLarge) ||
				len(e.Fields) != 1 || e.Fields[0].Field != field {
				t.Fatalf("refusal is not a field error: %v", err)
			}
			return
		}
		if kind != JPEG && kind != PNG && kind != PDF {
			t.Fatalf("kind = %q", kind)
		}
		if !bytes.Equal(b, in) {
			t.Fatal("Check changed the bytes")
		}
	})
}

// FuzzStrip: Strip never panics on any kind; on a file Check accepts it
// succeeds, its output is accepted again as the same kind, stripping twice
// changes nothing more, and where Go can decode a small original image the
// stripped one decodes to the same pixels.
func FuzzStrip(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, k := range []Kind{JPEG, PNG, PDF, ""} {
			_, _ = Strip(k, in)
		}
		kind, _, err := Check(bytes.NewReader(in), field)
		if err != nil {
			return
		}
		out, err := Strip(kind, in)
		if err != nil {
			t.Fatalf("Strip of a checked %s: %v", kind, err)
		}
		again, _, err := Check(bytes.NewReader(out), field)
		if err != nil || again != kind {
			t.Fatalf("Check(Strip output) = %q, %v; want %s", again, err, kind)
		}
		twice, err := Strip(kind, out)
		if err != nil || !bytes.Equal(twice, out) {
			t.Fatalf("Strip is not idempotent: %v", err)
		}
		switch kind {
		case JPEG:
			if c, err := jpeg.DecodeConfig(bytes.NewReader(in)); err == nil && c.Width*c.Height <= 1<<16 {
				if a, err := jpeg.Decode(bytes.NewReader(in)); err == nil {
					b, err := jpeg.Decode(bytes.NewReader(out))
					if err != nil {
						t.Fatalf("original decodes, stripped does not: %v", err)
					}
					samePixels(t, a, b)
				}
			}
		case PNG:
			if c, err := png.DecodeConfig(bytes.NewReader(in)); err == nil && c.Width*c.Height <= 1<<16 {
				if a, err := png.Decode(bytes.NewReader(in)); err == nil {
					b, err := png.Decode(bytes.NewReader(out))
					if err != nil {
						t.Fatalf("original decodes, stripped does not: %v", err)
					}
					samePixels(t, a, b)
				}
			}
		}
	})
}
