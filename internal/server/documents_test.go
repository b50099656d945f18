package server

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/store/storetest"
)

// documentRoutes are the routes that send a stored document, each with the
// test that fetches one through it and checks wantSandboxedDocument.
var documentRoutes = map[string]string{
	"GET /my/requests/{id}/materials/{mid}":        "TestFilingFlow",
	"GET /staff/review/{id}/materials/{mid}":       "TestViewsAuditedFirst",
	"GET /staff/payouts/{id}/materials/{mid}":      "TestPayoutDocumentsAndUsage",
	"GET /staff/terminations/{id}/documents/{did}": "TestTerminationPages",
}

// wantSandboxedDocument fails t unless h are the headers of a stored
// document served safely (site.SendMaterial): of type ct, in the document
// sandbox, unsniffed, uncached, inline only for JPEG, PNG and PDF.
func wantSandboxedDocument(t testing.TB, h http.Header, ct string) {
	t.Helper()
	if got := h.Get("Content-Type"); got != ct {
		t.Errorf("Content-Type %q, want %q", got, ct)
	}
	if csp := h.Get("Content-Security-Policy"); csp != site.DocumentCSP || !strings.HasPrefix(csp, "sandbox;") {
		t.Errorf("Content-Security-Policy %q, want %q", csp, site.DocumentCSP)
	}
	if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options %q, want nosniff", got)
	}
	if got := h.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", got)
	}
	d := h.Get("Content-Disposition")
	if inline := slices.Contains([]string{"image/jpeg", "image/png", "application/pdf"}, ct); inline != (d == "inline") ||
		(!inline && !strings.HasPrefix(d, "attachment")) {
		t.Errorf("Content-Disposition %q for %s", d, ct)
	}
}

// TestEveryDocumentRouteIsSandboxed walks every route: each that can send a
// stored document (a GET naming one by {mid} or {did}, or under
// /documents/ or /materials/) must be in documentRoutes, whose tests fetch
// a document through it and check the sandboxed headers (R-PII-1). A new
// document route without such a test fails here.
func TestEveryDocumentRouteIsSandboxed(t *testing.T) {
	f := newFixture(t, storetest.Open(t, storetest.SQLiteDSN(t)))
	seen := map[string]bool{}
	for _, rt := range f.s.routes() {
		method, path, _ := strings.Cut(rt.pattern, " ")
		if method != "GET" {
			continue
		}
		last := path[strings.LastIndex(path, "/")+1:]
		if last == "{mid}" || last == "{did}" || strings.Contains(path, "/documents/") || strings.Contains(path, "/materials/") ||
			strings.Contains(path, "/receipts/") || strings.Contains(path, "/files/") {
			seen[rt.pattern] = true
			if _, ok := documentRoutes[rt.pattern]; !ok {
				t.Errorf("route %s sends a stored document and no test checks it is sandboxed", rt.pattern)
			}
		}
	}
	for p := range documentRoutes {
		if !seen[p] {
			t.Errorf("documentRoutes names %s, which is not a route", p)
		}
	}
}
