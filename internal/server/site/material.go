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

// DocumentCSP is the Content-Security-Policy of every stored document
// served: a sandbox (an opaque origin that runs no script and submits no
// form), nothing loaded but the document itself, never framed.
const DocumentCSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'"

// SendMaterial writes a decrypted document, and is the only way a stored
// document leaves the server (requesters' own materials, the review and
// payout consoles' documents, termination referrals' documents): never
// cached, never sniffed into another type, always in the DocumentCSP
// sandbox, so that a crafted file can run nothing as the platform even if
// a browser took it for a page. Only JPEG, PNG and PDF, which upload.Check
// verified by structure, are shown inline; any other type goes out as an
// attachment of bytes.
func SendMaterial(w http.ResponseWriter, m material.Material, content []byte) error {
	h := w.Header()
	ct := "application/octet-stream"
	if slices.Contains(materialTypes, m.ContentType) {
		ct = m.ContentType
	}
	h.Set("Content-Type", ct)
	if ct == "application/octet-stream" {
		h.Set("Content-Disposition", "attachment; filename=\"document-"+strconv.FormatInt(m.ID, 10)+"\"")
	} else {
		h.Set("Content-Disposition", "inline")
	}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", DocumentCSP)
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Content-Length", strconv.Itoa(len(content)))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(content)
	return err
}
