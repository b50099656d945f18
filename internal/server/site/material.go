package site

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/carefund/carefund/internal/material"
)

// materialTypes are the types a stored document may be served as;
// anything else (there should be nothing else: upload.Check decides the
// type) goes out as a download of bytes.
var materialTypes = []string{"image/jpeg", "image/png", "application/pdf"}

// SendMaterial writes a decrypted document: shown inline, never cached,
// never sniffed into another type. An image is sandboxed, so a crafted file
// can run nothing as the platform; a PDF is not, because a sandbox keeps the
// browser's PDF viewer from opening it, but it may load nothing and never
// be framed.
func SendMaterial(w http.ResponseWriter, m material.Material, content []byte) error {
	h := w.Header()
	ct := "application/octet-stream"
	if slices.Contains(materialTypes, m.ContentType) {
		ct = m.ContentType
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", "inline")
	if ct == "application/octet-stream" {
		h.Set("Content-Disposition", "attachment")
	}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	if ct == "application/pdf" {
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	} else {
		h.Set("Content-Security-Policy", "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	}
	h.Set("Content-Length", strconv.Itoa(len(content)))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(content)
	return err
}
