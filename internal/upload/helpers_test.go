package upload

import (
	"encoding/binary"
	"github.com/carefund/carefund/internal/upload/uploadtest"
	"hash/crc32"
	"image"
	"testing"
)

// The shared builders, under the names these tests use.
var (
	encodeJPEG     = uploadtest.JPEG
	encodePNG      = uploadtest.PNG
	jpegSeg        = uploadtest.JPEGSegment
	insertAfterSOI = uploadtest.InsertAfterSOI
	exifWithGPS    = uploadtest.EXIFWithGPS
)

// pngChunkBytes builds a chunk with a correct CRC.
func pngChunkBytes(typ string, d []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(d)))
	c = append(c, typ...)
	c = append(c, d...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// insertAfterIHDR returns the PNG with the chunks inserted after IHDR.
func insertAfterIHDR(p []byte, chunks ...[]byte) []byte {
	at := 8 + 12 + 13
	out := append([]byte{}, p[:at]...)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, p[at:]...)
}

// samePixels fails the test unless a and b decode to the same pixels.
func samePixels(t testing.TB, a, b image.Image) {
	t.Helper()
	if a.Bounds() != b.Bounds() {
		t.Fatalf("bounds %v, want %v", b.Bounds(), a.Bounds())
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ar, ag, ab, aa := a.At(x, y).RGBA()
			br, bg, bb, ba := b.At(x, y).RGBA()
			if ar != br || ag != bg || ab != bb || aa != ba {
				t.Fatalf("pixel (%d,%d) differs after Strip", x, y)
			}
		}
	}
}

// markers lists the markers of a JPEG's segments, in order.
func markers(t testing.TB, b []byte) []byte {
	t.Helper()
	segs, err := parseJPEG(b)
	if err != nil {
		t.Fatalf("parseJPEG: %v", err)
	}
	var ms []byte
	for _, s := range segs {
		ms = append(ms, s.marker)
	}
	return ms
}

// twoScanJPEG builds a file shaped like a progressive JPEG: two scans with a
// table and a comment between them, and restart markers, stuffed bytes and
// fill bytes in the scan data. Only its structure is valid; Go's encoder
// writes none of these.
func twoScanJPEG() []byte {
	sos := jpegSeg(0xDA, []byte{1, 1, 0, 0, 63, 0})
	b := append([]byte{0xFF, 0xD8}, jpegSeg(0xC2, []byte{8, 0, 2, 0, 2, 1, 1, 0x11, 0})...)
	b = append(b, sos...)
	b = append(b, 0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56)
	b = append(b, jpegSeg(0xC4, []byte{0x10, 1})...)
	b = append(b, jpegSeg(0xFE, []byte("between scans"))...)
	b = append(b, sos...)
	return append(b, 0x78, 0xFF, 0xFF, 0xFF, 0xD9)
}
