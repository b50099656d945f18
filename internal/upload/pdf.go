package upload

import (
	"bytes"
)

// pdfWindow is how far from the start a PDF header and from the end the
// %%EOF marker may be. Readers accept a header after some leading junk (some
// mail gateways prepend a line) and an %%EOF followed by a little trailing
// whitespace or padding, both within 1024 bytes.
const pdfWindow = 1024

// checkPDF verifies only the header and the end-of-file marker: enough to
// refuse truncated uploads and files that merely contain "%PDF-" somewhere,
// without parsing the object structure.
func checkPDF(b []byte) error {
	head := b[:min(len(b), pdfWindow)]
	i := bytes.Index(head, []byte("%PDF-"))
	if i < 0 {
		return formatError("pdf: no header")
	}
	v := b[i+len("%PDF-"):]
	switch {
	case len(v) >= 3 && v[0] == '1' && v[1] == '.' && v[2] >= '0' && v[2] <= '7':
	case len(v) >= 3 && v[0] == '2' && v[1] == '.' && v[2] == '0':
	default:
		return formatError("pdf: unknown version")
	}
	if !bytes.Contains(b[max(0, len(b)-pdfWindow):], []byte("%%EOF")) {
		return formatError("pdf: no %%EOF at the end")
	}
	return nil
}
