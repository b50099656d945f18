package upload

import (
	"encoding/binary"
	"hash/crc32"
)

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// pngChunk is one chunk: b[start:end] holds its length, type, data and CRC.
type pngChunk struct {
	typ        string
	start, end int
}

// parsePNG splits a PNG file into chunks and checks the structure: IHDR
// first with valid fields and dimensions within the pixel cap, every CRC
// right, no unknown critical chunk, PLTE where the colour type needs it, at
// least one IDAT, and IEND last with nothing after it. It does not inflate
// the image data.
func parsePNG(b []byte) ([]pngChunk, error) {
	if len(b) < len(pngSignature) || string(b[:len(pngSignature)]) != string(pngSignature) {
		return nil, formatError("png: no signature")
	}
	var chunks []pngChunk
	var colorType byte
	sawPLTE, sawIDAT := false, false
	pos := len(pngSignature)
	for {
		if pos+12 > len(b) {
			return nil, formatError("png: truncated chunk")
		}
		n := binary.BigEndian.Uint32(b[pos:])
		if n > 1<<31-1 || uint64(pos)+12+uint64(n) > uint64(len(b)) {
			return nil, formatError("png: chunk length out of range")
		}
		end := pos + 12 + int(n)
		typ := b[pos+4 : pos+8]
		data := b[pos+8 : end-4]
		for _, c := range typ {
			if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
				return nil, formatError("png: bad chunk type")
			}
		}
		if crc32.ChecksumIEEE(b[pos+4:end-4]) != binary.BigEndian.Uint32(b[end-4:]) {
			return nil, formatError("png: CRC mismatch")
		}
		t := string(typ)
		if len(chunks) == 0 && t != "IHDR" {
			return nil, formatError("png: IHDR not first")
		}
		switch t {
		case "IHDR":
			if len(chunks) != 0 {
				return nil, formatError("png: second IHDR")
			}
			if err := checkIHDR(data); err != nil {
				return nil, err
			}
			colorType = data[9]
		case "PLTE":
			if sawPLTE || sawIDAT || len(data) == 0 || len(data)%3 != 0 || len(data) > 3*256 {
				return nil, formatError("png: bad PLTE")
			}
			sawPLTE = true
		case "IDAT":
			sawIDAT = true
		case "IEND":
			if n != 0 || end != len(b) {
				return nil, formatError("png: IEND not last")
			}
			if !sawIDAT || (colorType == 3 && !sawPLTE) {
				return nil, formatError("png: missing IDAT or PLTE")
			}
			return append(chunks, pngChunk{t, pos, end}), nil
		default:
			if typ[0] >= 'A' && typ[0] <= 'Z' {
				// A critical chunk no decoder knows: the image
				// cannot be shown correctly.
				return nil, formatError("png: unknown critical chunk")
			}
		}
		chunks = append(chunks, pngChunk{t, pos, end})
		pos = end
	}
}

// checkIHDR checks the header fields against the combinations the PNG
// specification allows (table 11.1).
func checkIHDR(d []byte) error {
	if len(d) != 13 {
		return formatError("png: bad IHDR length")
	}
	w := binary.BigEndian.Uint32(d[0:])
	h := binary.BigEndian.Uint32(d[4:])
	if w == 0 || h == 0 || w > maxSide || h > maxSide || uint64(w)*uint64(h) > maxPixels {
		return formatError("png: dimensions out of range")
	}
	depth, ct := d[8], d[9]
	ok := false
	switch ct {
	case 0:
		ok = depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16
	case 3:
		ok = depth == 1 || depth == 2 || depth == 4 || depth == 8
	case 2, 4, 6:
		ok = depth == 8 || depth == 16
	}
	if !ok || d[10] != 0 || d[11] != 0 || d[12] > 1 {
		return formatError("png: bad IHDR fields")
	}
	return nil
}

// pngMetadata lists the chunks Strip drops: free text (author, comments,
// software, often a name or place), EXIF, and the modification time.
var pngMetadata = map[string]bool{
	"tEXt": true, "zTXt": true, "iTXt": true, "eXIf": true, "tIME": true,
}

// stripPNG copies the signature and every chunk but the metadata ones.
func stripPNG(b []byte, chunks []pngChunk) []byte {
	out := make([]byte, 0, len(b))
	out = append(out, pngSignature...)
	for _, c := range chunks {
		if !pngMetadata[c.typ] {
			out = append(out, b[c.start:c.end]...)
		}
	}
	return out
}
