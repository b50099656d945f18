// Package upload checks and cleans the supporting material that requesters
// upload (R-REQ-3): diagnosis proof, ID documents, relationship proof and cost
// estimates, as JPEG or PNG photos and scans or as PDF documents.
//
// These files are personal data (R-PII-1). Check decides what a file is from
// its content alone, never from its name or declared type, so that a script
// renamed photo.jpg or a truncated upload is refused with a message the
// requester can act on; a PDF is checked by its structure and refused
// if it carries script, launch actions, embedded files or forms. Strip then
// removes the metadata a phone or scanner writes into images — GPS
// position, camera owner, capture time, comments, embedded thumbnails —
// and into PDFs — author, producer, title, dates, XMP — before the file is
// encrypted and stored (see internal/vault). The package reads no files and keeps no state; the caller
// owns the bytes.
package upload

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/carefund/carefund/internal/apperr"
)

// MaxSize is the largest upload accepted, in bytes (10 MiB): enough for a
// phone photo or a scanned multi-page PDF, small enough to hold in memory
// while it is checked, stripped and encrypted.
const MaxSize = 10 << 20

// Kind is a checked file's media type.
type Kind string

// The accepted kinds.
const (
	JPEG Kind = "image/jpeg"
	PNG  Kind = "image/png"
	PDF  Kind = "application/pdf"
)

// Limits on image dimensions. A few hundred bytes can declare an image of
// billions of pixels; refusing those here keeps any later decoder (previews,
// reviewers' viewers) from being asked to allocate gigabytes. JPEG sides are
// 16-bit in the format itself; PNG sides get the same cap, which still fits
// a long phone screenshot.
const (
	maxSide   = 1<<16 - 1
	maxPixels = 1 << 28
)

// Message keys, also used as field error keys.
const (
	keyEmpty    = "upload.empty"
	keyTooLarge = "upload.too_large"
	keyType     = "upload.type"
	keyCorrupt  = "upload.corrupt"
	keyUnsafe   = "upload.pdf_unsafe"
)

// Check reads at most MaxSize+1 bytes from r and decides the file's kind by
// its content: magic bytes and structure, never the file name or the declared
// type.
//
//   - JPEG: the SOI marker, a well-formed sequence of marker segments with a
//     frame header (SOF) before the first scan (SOS), and an EOI marker at the
//     end, followed by nothing but zero padding.
//   - PNG: the signature, IHDR first with sane dimensions and fields, a valid
//     CRC on every chunk, at least one IDAT, and IEND last.
//   - PDF: a "%PDF-1.x" (or "%PDF-2.0") header within the first 1024 bytes,
//     "%%EOF" within the last 1024 bytes, and between them nothing but
//     well-formed objects, cross-reference tables and trailers whose /Root
//     is a /Catalog; no script, launch, embedded-file, XFA or rich-media
//     names (in compressed object streams too), no HTML or script markup
//     outside stream data, no encryption. A file that only begins and ends
//     like a PDF is refused.
//
// It returns the kind and the bytes read. A refusal is an *apperr.Error with
// a field error on field: TooLarge upload.too_large over MaxSize, and Invalid
// upload.empty for no bytes, upload.type for anything that is not JPEG, PNG
// or PDF, upload.corrupt for a file that starts like one of them but is
// truncated or malformed, and upload.pdf_unsafe for a PDF that carries
// script, launch actions, embedded files, forms, markup or encryption. An error from r itself is returned wrapped, without
// an apperr code, for the caller to classify (a dropped connection is not the
// requester's fault).
func Check(r io.Reader, field string) (Kind, []byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return "", nil, fmt.Errorf("upload: read: %w", err)
	}
	switch {
	case len(b) == 0:
		return "", nil, refuse(apperr.Invalid, keyEmpty, field)
	case len(b) > MaxSize:
		return "", nil, refuse(apperr.TooLarge, keyTooLarge, field, MaxSize>>20)
	}
	kind := sniff(b)
	var perr error
	switch kind {
	case JPEG:
		_, perr = parseJPEG(b)
	case PNG:
		_, perr = parsePNG(b)
	case PDF:
		perr = checkPDF(b)
	default:
		return "", nil, refuse(apperr.Invalid, keyType, field)
	}
	if perr != nil {
		key := keyCorrupt
		var unsafe unsafeError
		if errors.As(perr, &unsafe) {
			key = keyUnsafe
		}
		e := refuse(apperr.Invalid, key, field)
		// The cause names the structural fault for the logs; it never
		// quotes the file's content.
		e.Err = perr
		return "", nil, e
	}
	return kind, b, nil
}

// Strip returns b without the metadata that may identify people or places.
//
// For JPEG it drops APP1 (EXIF, including GPS, and XMP), APP13 (IPTC and
// Photoshop), COM comments and every other application segment, keeping a
// JFIF APP0 (without its thumbnail, which can show the uncropped picture), an
// ICC profile APP2 and an Adobe APP14, all of which decoders need to show the
// right colours. When the EXIF orientation is not the default it writes a
// fresh minimal EXIF segment holding that one tag, so a photo taken sideways
// still shows upright to reviewers. Everything else, including the
// compressed image data, is copied byte for byte.
//
// For PNG it drops tEXt, zTXt, iTXt, eXIf and tIME chunks and copies every
// other chunk unchanged, CRC included.
//
// For PDF it empties the string values of the document information
// dictionary of every revision (Author, Creator, Producer, Title, dates…)
// and drops its reference from every trailer, drops every /Metadata
// reference and blanks the data of every XMP metadata stream. It rewrites
// in place, every object at its offset, so the cross-reference tables of
// incremental updates stay valid; the page content is copied byte for
// byte.
//
// Strip parses b itself rather than trusting an earlier Check: malformed
// input returns Invalid upload.corrupt, an unknown kind Invalid upload.type.
// The result never aliases b.
func Strip(kind Kind, b []byte) ([]byte, error) {
	var err error
	switch kind {
	case JPEG:
		var segs []jpegSegment
		if segs, err = parseJPEG(b); err == nil {
			return stripJPEG(b, segs), nil
		}
	case PNG:
		var chunks []pngChunk
		if chunks, err = parsePNG(b); err == nil {
			return stripPNG(b, chunks), nil
		}
	case PDF:
		var f *pdfFile
		if f, err = parsePDF(b); err == nil {
			return stripPDF(b, f), nil
		}
	default:
		return nil, apperr.New(apperr.Invalid, keyType)
	}
	return nil, apperr.Wrap(err, apperr.Invalid, keyCorrupt)
}

// sniff names the kind a file claims to be by its first bytes, or "" for
// none. A claim is then verified by the kind's parser.
func sniff(b []byte) Kind {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return JPEG
	case bytes.HasPrefix(b, pngSignature):
		return PNG
	case bytes.Contains(b[:min(len(b), pdfWindow)], []byte("%PDF-")):
		return PDF
	}
	return ""
}

// refuse builds a refusal whose message also sits on the form field, so the
// page can show it next to the file input.
func refuse(code apperr.Code, key, field string, args ...any) *apperr.Error {
	return &apperr.Error{
		Code:   code,
		Key:    key,
		Args:   args,
		Fields: []apperr.FieldError{{Field: field, Key: key, Args: args}},
	}
}

// formatError is a structural fault found while parsing; it is the cause of
// an upload.corrupt refusal, for logs.
type formatError string

func (e formatError) Error() string { return "upload: " + string(e) }
