// Package uploadtest builds the test files the upload and material tests
// share: pictures encoded in Go, and the metadata segments phones write
// into them (EXIF with a GPS position and the camera owner's name).
package uploadtest

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// Image returns a small picture with a gradient, so that a decoder that
// dropped or reordered data would show different pixels.
func Image(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x + y) * 7), 255})
		}
	}
	return m
}

// JPEG encodes an Image of w×h pixels as a JPEG.
func JPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, Image(w, h), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// PNG encodes an Image of w×h pixels as a PNG.
func PNG(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, Image(w, h)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// JPEGSegment builds a marker segment with payload d.
func JPEGSegment(marker byte, d []byte) []byte {
	n := len(d) + 2
	return append([]byte{0xFF, marker, byte(n >> 8), byte(n)}, d...)
}

// InsertAfterSOI returns the JPEG with the segments inserted right after SOI,
// where cameras write APP0 and APP1.
func InsertAfterSOI(jpg []byte, segs ...[]byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, jpg[2:]...)
}

// EXIFWithGPS builds an EXIF APP1 payload as a phone writes it: IFD0 with
// the orientation, the camera owner's name and a pointer to a GPS IFD that
// holds a latitude.
func EXIFWithGPS(orientation uint16, owner string) []byte {
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
