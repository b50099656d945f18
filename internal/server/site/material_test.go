package site

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/material"
)

// R-PII-1: every stored document goes out in a sandbox, unsniffed and
// uncached, whatever its type: a PDF that hides HTML runs nothing as the
// platform. Only JPEG, PNG and PDF are shown inline; anything else is an
// attachment.
func TestSendMaterialSandboxed(t *testing.T) {
	for _, tt := range []struct {
		stored, ct, disposition string
	}{
		{"image/jpeg", "image/jpeg", "inline"},
		{"image/png", "image/png", "inline"},
		{"application/pdf", "application/pdf", "inline"},
		{"text/html", "application/octet-stream", "attachment"},
		{"image/svg+xml", "application/octet-stream", "attachment"},
		{"", "application/octet-stream", "attachment"},
	} {
		t.Run(tt.stored, func(t *testing.T) {
			w := httptest.NewRecorder()
			body := []byte("%PDF-1.4\n<html><script>alert(1)</script>\n%%EOF")
			if err := SendMaterial(w, material.Material{ID: 7, ContentType: tt.stored}, body); err != nil {
				t.Fatal(err)
			}
			wantSandboxedDocument(t, w.Result().Header, tt.ct)
			if d := w.Header().Get("Content-Disposition"); !strings.HasPrefix(d, tt.disposition) {
				t.Errorf("Content-Disposition %q, want %s", d, tt.disposition)
			}
		})
	}
}

// wantSandboxedDocument fails t unless h are the headers of a stored
// document served safely (see SendMaterial): of type ct, in the
// DocumentCSP sandbox, unsniffed, uncached, inline only for JPEG, PNG and
// PDF. Tests of every route that serves a stored document call it.
func wantSandboxedDocument(t testing.TB, h http.Header, ct string) {
	t.Helper()
	if got := h.Get("Content-Type"); got != ct {
		t.Errorf("Content-Type %q, want %q", got, ct)
	}
	if csp := h.Get("Content-Security-Policy"); csp != DocumentCSP || !strings.HasPrefix(csp, "sandbox;") {
		t.Errorf("Content-Security-Policy %q, want %q", csp, DocumentCSP)
	}
	if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options %q, want nosniff", got)
	}
	if got := h.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", got)
	}
	d := h.Get("Content-Disposition")
	switch ct {
	case "image/jpeg", "image/png", "application/pdf":
		if d != "inline" {
			t.Errorf("Content-Disposition %q, want inline", d)
		}
	default:
		if !strings.HasPrefix(d, "attachment") {
			t.Errorf("Content-Disposition %q, want attachment", d)
		}
	}
}
