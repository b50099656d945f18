package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// The API is checked against openapi.json in every test that calls it:
// checkAPI puts a validator in front of a test server's handler, so each
// request a test sends to /api/v1/ and each answer it receives is held to
// the document. A document that says less than the server does, or a server
// that answers what the document does not allow, fails the test that saw it.

// apiSpec is openapi.json, loaded and validated once for the whole run.
var apiSpec = sync.OnceValues(func() (*apiDocument, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openAPIDocument)
	if err != nil {
		return nil, fmt.Errorf("loading openapi.json: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("openapi.json is not a valid OpenAPI document: %w", err)
	}
	// The router matches paths alone: the one server, "/", is wherever the
	// API is served, which a router taking it for a prefix would miss.
	routed := *doc
	routed.Servers = nil
	router, err := legacy.NewRouter(&routed)
	if err != nil {
		return nil, fmt.Errorf("routing openapi.json: %w", err)
	}
	return &apiDocument{doc: doc, router: router}, nil
})

type apiDocument struct {
	doc    *openapi3.T
	router routers.Router
}

// checkAPI makes every /api/v1/ exchange with s checked against the
// document for as long as t runs.
func checkAPI(t testing.TB, s *Server) {
	t.Helper()
	spec, err := apiSpec()
	if err != nil {
		t.Fatal(err)
	}
	s.handler = spec.checked(t, s.handler)
}

// checked serves next and reports on t every exchange under /api/v1/ that
// the document does not allow. It reports with Errorf, never Fatal, as the
// handler may run on a server's goroutine.
func (d *apiDocument) checked(t testing.TB, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/v1/") {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("%s %s: reading the request body: %v", r.Method, r.URL.Path, err)
		}
		// The validator gets a copy of the request: it reads the body and
		// may change the request's fields.
		check := r.Clone(context.Background())
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		if err := d.exchange(check, body, rec.Result()); err != nil {
			t.Errorf("%s %s: answered %d against openapi.json: %v\nrequest: %.300s\nresponse: %.300s",
				r.Method, r.URL.RequestURI(), rec.Code, err, body, rec.Body.String())
		}
	})
}

// exchange checks one request and its response against the document. A
// request the document forbids must be refused (4xx); every response,
// refusals included, must be one the document describes.
func (d *apiDocument) exchange(req *http.Request, body []byte, resp *http.Response) error {
	ctx := context.Background()
	respBody, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	req.RequestURI = ""
	req.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := d.router.FindRoute(req)
	if err != nil {
		// No operation: the server must say so with a problem.
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
			return fmt.Errorf("the document has no operation for it (%v), yet the server answered", err)
		}
		return d.problem(resp, respBody)
	}
	opts := &openapi3filter.Options{AuthenticationFunc: sessionCookiePresent, IncludeResponseStatus: true, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	reqErr := openapi3filter.ValidateRequest(ctx, in)
	if reqErr != nil && resp.StatusCode < 400 {
		return fmt.Errorf("the server accepted a request that the document forbids: %w", reqErr)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header, Options: opts}
	out.SetBodyBytes(respBody)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return fmt.Errorf("the response does not match: %w", err)
	}
	if resp.StatusCode >= 400 {
		// Every refusal is a problem, whatever the operation's own
		// responses say.
		return d.problem(resp, respBody)
	}
	return nil
}

// problem checks an error response against the Problem schema.
func (d *apiDocument) problem(resp *http.Response, body []byte) error {
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		return fmt.Errorf("an error with Content-Type %q, want application/problem+json", ct)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("a problem that is not JSON: %w", err)
	}
	schema := d.doc.Components.Schemas["Problem"].Value
	if err := schema.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
		return fmt.Errorf("a problem that does not match its schema: %w", err)
	}
	var p problem
	json.Unmarshal(body, &p)
	if p.Status != resp.StatusCode {
		return fmt.Errorf("a problem whose status %d is not the response's", p.Status)
	}
	return nil
}

// sessionCookiePresent holds a request to a security scheme of the document:
// the cookie it names must be sent. Whether the session is good is the
// server's to say.
func sessionCookiePresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s := in.SecurityScheme
	if s.Type != "apiKey" || s.In != "cookie" {
		return fmt.Errorf("security scheme %q: only a cookie is expected", in.SecuritySchemeName)
	}
	if _, err := in.RequestValidationInput.Request.Cookie(s.Name); err != nil {
		return errors.New("no " + s.Name + " cookie")
	}
	return nil
}

// TestOpenAPISecurityMatchesAccess: the operations that need a session in
// the permission matrix are exactly those whose security requires the
// session cookie; those open to anyone need nothing or take it optionally.
func TestOpenAPISecurityMatchesAccess(t *testing.T) {
	spec, err := apiSpec()
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range spec.doc.Paths.Map() {
		for method, op := range item.Operations() {
			pattern := method + " " + path
			who, ok := permissions[pattern]
			if !ok {
				t.Errorf("%s: not in the permission matrix", pattern)
				continue
			}
			sec := spec.doc.Security
			if op.Security != nil {
				sec = *op.Security
			}
			required := len(sec) > 0 && !slices.ContainsFunc(sec, func(r openapi3.SecurityRequirement) bool { return len(r) == 0 })
			if got, want := required, who.user; got != want {
				t.Errorf("%s: security requires the session: %v, the matrix: %v", pattern, got, want)
			}
		}
	}
}
