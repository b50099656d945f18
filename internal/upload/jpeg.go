package upload

import (
	"bytes"
	"encoding/binary"
)

// JPEG markers used below (ITU T.81 table B.1).
const (
	mSOI   = 0xD8
	mEOI   = 0xD9
	mSOS   = 0xDA
	mDHT   = 0xC4
	mJPG   = 0xC8
	mDAC   = 0xCC
	mRST0  = 0xD0
	mRST7  = 0xD7
	mTEM   = 0x01
	mAPP0  = 0xE0
	mAPP1  = 0xE1
	mAPP2  = 0xE2
	mAPP14 = 0xEE
	mAPP15 = 0xEF
	mCOM   = 0xFE
)

// jpegSegment is one marker segment: b[start:end] holds the marker, its
// length and payload and, for SOS, the entropy-coded data that follows.
// data is the payload alone.
type jpegSegment struct {
	marker     byte
	start, end int
	data       []byte
}

func isSOF(m byte) bool {
	return m >= 0xC0 && m <= 0xCF && m != mDHT && m != mJPG && m != mDAC
}

// parseJPEG splits a JPEG file into its segments between SOI and EOI and
// checks the structure a decoder relies on: every segment inside the file,
// exactly one frame header with sane dimensions before the first scan, scan
// data ending at a marker, and EOI followed by zero bytes only. It does not
// decode the entropy-coded data.
func parseJPEG(b []byte) ([]jpegSegment, error) {
	if len(b) < 4 || b[0] != 0xFF || b[1] != mSOI {
		return nil, formatError("jpeg: no SOI")
	}
	var segs []jpegSegment
	sawSOF, sawSOS := false, false
	pos := 2
	for {
		if pos >= len(b) || b[pos] != 0xFF {
			return nil, formatError("jpeg: expected a marker")
		}
		start := pos
		// Any number of 0xFF fill bytes may precede a marker (B.1.1.2).
		for pos < len(b) && b[pos] == 0xFF {
			pos++
		}
		if pos >= len(b) {
			return nil, formatError("jpeg: truncated before EOI")
		}
		m := b[pos]
		pos++
		switch {
		case m == mEOI:
			if !sawSOS {
				return nil, formatError("jpeg: EOI before any scan")
			}
			return segs, nil
		case m == 0x00 || m == mSOI || m == mTEM || (m >= mRST0 && m <= mRST7):
			return nil, formatError("jpeg: unexpected marker")
		}
		if pos+2 > len(b) {
			return nil, formatError("jpeg: truncated segment length")
		}
		n := int(binary.BigEndian.Uint16(b[pos:]))
		if n < 2 || pos+n > len(b) {
			return nil, formatError("jpeg: segment length out of range")
		}
		data := b[pos+2 : pos+n]
		pos += n
		switch {
		case isSOF(m):
			if sawSOF {
				return nil, formatError("jpeg: second frame header")
			}
			if err := checkSOF(data); err != nil {
				return nil, err
			}
			sawSOF = true
		case m == mSOS:
			if !sawSOF {
				return nil, formatError("jpeg: scan before frame header")
			}
			if len(data) < 1 || data[0] < 1 || data[0] > 4 || len(data) != 4+2*int(data[0]) {
				return nil, formatError("jpeg: bad scan header")
			}
			end, ok := scanEnd(b, pos)
			if !ok {
				return nil, formatError("jpeg: truncated scan data")
			}
			pos = end
			sawSOS = true
		}
		segs = append(segs, jpegSegment{marker: m, start: start, end: pos, data: data})
	}
}

// checkSOF checks a frame header's payload: precision, non-zero dimensions
// within the pixel cap, and a component count that matches the length.
func checkSOF(d []byte) error {
	if len(d) < 6 {
		return formatError("jpeg: short frame header")
	}
	h := int(binary.BigEndian.Uint16(d[1:]))
	w := int(binary.BigEndian.Uint16(d[3:]))
	nc := int(d[5])
	switch {
	case d[0] < 2 || d[0] > 16:
		// 8 and 12 bits for DCT, 2 to 16 for lossless.
		return formatError("jpeg: bad sample precision")
	case h == 0 || w == 0:
		// A zero height is legal with a DNL marker but no camera or
		// scanner writes one; decoders commonly refuse it.
		return formatError("jpeg: zero dimension")
	case uint64(w)*uint64(h) > maxPixels:
		return formatError("jpeg: too many pixels")
	case nc < 1 || nc > 4 || len(d) != 6+3*nc:
		return formatError("jpeg: bad component count")
	}
	return nil
}

// scanEnd returns the offset of the marker that ends the entropy-coded data
// starting at pos. Within the data, 0xFF is followed by 0x00 (a stuffed
// byte), by a restart marker, or by fill bytes before a real marker.
func scanEnd(b []byte, pos int) (int, bool) {
	for {
		i := bytes.IndexByte(b[pos:], 0xFF)
		if i < 0 {
			return 0, false
		}
		i += pos
		if i+1 >= len(b) {
			return 0, false
		}
		switch c := b[i+1]; {
		case c == 0x00 || (c >= mRST0 && c <= mRST7):
			pos = i + 2
		case c == 0xFF:
			pos = i + 1
		default:
			return i, true
		}
	}
}

// stripJPEG writes SOI, then the segments worth keeping, then EOI; trailing
// padding is dropped. A minimal EXIF segment carrying only the orientation
// goes right after JFIF APP0 (or SOI), where readers look for it.
func stripJPEG(b []byte, segs []jpegSegment) []byte {
	orient := 0
	for _, s := range segs {
		if s.marker == mAPP1 && orient == 0 {
			orient = exifOrientation(s.data)
		}
	}
	out := make([]byte, 0, len(b))
	out = append(out, 0xFF, mSOI)
	wroteOrient := orient <= 1
	for _, s := range segs {
		if !wroteOrient && s.marker != mAPP0 {
			out = append(out, orientationSegment(orient)...)
			wroteOrient = true
		}
		switch {
		case s.marker == mAPP0:
			if !bytes.HasPrefix(s.data, []byte("JFIF\x00")) {
				// JFXX extensions carry only thumbnails.
				continue
			}
			if len(s.data) >= 14 {
				// Keep version, units and density; zero the thumbnail
				// size and drop the thumbnail itself.
				seg := []byte{0xFF, mAPP0, 0, 16}
				seg = append(seg, s.data[:12]...)
				out = append(out, append(seg, 0, 0)...)
				continue
			}
		case s.marker == mAPP2:
			if !bytes.HasPrefix(s.data, []byte("ICC_PROFILE\x00")) {
				// MPF and FlashPix data: indexes of appended images
				// and camera information.
				continue
			}
		case s.marker == mAPP14:
			if !bytes.HasPrefix(s.data, []byte("Adobe")) {
				continue
			}
		case s.marker >= mAPP0 && s.marker <= mAPP15, s.marker == mCOM:
			continue
		}
		out = append(out, b[s.start:s.end]...)
	}
	return append(out, 0xFF, mEOI)
}

// exifOrientation returns the Orientation tag (1 to 8) from the first IFD of
// an EXIF APP1 payload, or 0 if there is none or the payload is not EXIF.
func exifOrientation(d []byte) int {
	t, ok := bytes.CutPrefix(d, []byte("Exif\x00\x00"))
	if !ok || len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 0
	}
	off := int(bo.Uint32(t[4:]))
	if off < 8 || off > len(t)-2 {
		return 0
	}
	n := int(bo.Uint16(t[off:]))
	for i := range n {
		e := off + 2 + 12*i
		if e+12 > len(t) {
			return 0
		}
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		// SHORT, count 1: the value sits in the first two bytes of the
		// value field.
		if bo.Uint16(t[e+2:]) != 3 || bo.Uint32(t[e+4:]) != 1 {
			return 0
		}
		if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 0
	}
	return 0
}

// orientationSegment builds an APP1 EXIF segment whose only content is one
// IFD with one entry, Orientation = v; nothing in it comes from the upload
// except that number.
func orientationSegment(v int) []byte {
	s := []byte{0xFF, mAPP1, 0, 34}
	s = append(s, "Exif\x00\x00"...)
	s = append(s, "MM\x00*"...)
	s = append(s, 0, 0, 0, 8) // IFD0 offset
	s = append(s, 0, 1)       // one entry
	s = append(s, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, byte(v), 0, 0)
	return append(s, 0, 0, 0, 0) // no next IFD
}
