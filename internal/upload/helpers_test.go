package upload

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// testImage returns a small picture with a gradient, so that a decoder that
// dropped or reordered data would show different pixels.
func testImage(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x + y) * 7), 255})
		}
	}
	return m
}

func encodeJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, testImage(w, h), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodePNG(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, testImage(w, h)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// jpegSeg builds a marker segment with payload d.
func jpegSeg(marker byte, d []byte) []byte {
	n := len(d) + 2
	return append([]byte{0xFF, marker, byte(n >> 8), byte(n)}, d...)
}

// insertAfterSOI returns the JPEG with the segments inserted right after SOI,
// where cameras write APP0 and APP1.
func insertAfterSOI(jpg []byte, segs ...[]byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, jpg[2:]...)
}

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

// exifWithGPS builds an EXIF APP1 payload as a phone writes it: IFD0 with
// the orientation, the camera owner's name and a pointer to a GPS IFD that
// holds a latitude.
func exifWithGPS(orientation uint16, owner string) []byte {
	bo := binary.BigEndian
	t := []byte("MM\x00*")
	t = bo.AppendUint32(t, 8)
	// IFD0 at 8: 3 entries, then next-IFD offset: 8+2+36+4 = 50.
	ownerOff := uint32(50)
	gpsOff := ownerOff + uint32(len(owner)+1)
	t = bo.AppendUint16(t, 3)
	t = append(t, ifdEntry(bo, 0x0112, 3, 1, uint32(orientation)<<16)...)
	t = append(t, ifdEntry(bo, 0x013B, 2, uint32(len(owner)+1), ownerOff)...) // Artist
	t = append(t, ifdEntry(bo, 0x8825, 4, 1, gpsOff)...)                      // GPSInfo
	t = bo.AppendUint32(t, 0)
	t = append(t, owner...)
	t = append(t, 0)
	// GPS IFD: GPSLatitudeRef "N", GPSLatitude 31/1 13/1 5/1.
	latOff := gpsOff + 2 + 24 + 4
	t = bo.AppendUint16(t, 2)
	t = append(t, ifdEntry(bo, 0x0001, 2, 2, uint32('N')<<24)...)
	t = append(t, ifdEntry(bo, 0x0002, 5, 3, latOff)...)
	t = bo.AppendUint32(t, 0)
	for _, v := range []uint32{31, 1, 13, 1, 5, 1} {
		t = bo.AppendUint32(t, v)
	}
	return append([]byte("Exif\x00\x00"), t...)
}

func ifdEntry(bo binary.AppendByteOrder, tag, typ uint16, count, value uint32) []byte {
	e := bo.AppendUint16(nil, tag)
	e = bo.AppendUint16(e, typ)
	e = bo.AppendUint32(e, count)
	return bo.AppendUint32(e, value)
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
