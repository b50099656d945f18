package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

func newServer(t *testing.T) *Server {
	t.Helper()
	return newServerLogging(t, io.Discard)
}

func newServerLogging(t *testing.T, log io.Writer) *Server {
	t.Helper()
	s, err := New(Options{Platform: newPlatform(t, platform.Config{DB: storetest.Open(t, storetest.SQLiteDSN(t))}), Version: "test",
		Logger: slog.New(slog.NewJSONHandler(log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	checkAPI(t, s)
	return s
}

// newPlatform builds the platform for cfg as carefund serve does, with
// platform.New, and closes it when the test ends: after the cleanups
// registered later (a listener, a sandbox), which run first.
func newPlatform(t testing.TB, cfg platform.Config) *platform.Platform {
	t.Helper()
	p, err := platform.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// do sends a request through the whole middleware stack.
func do(h http.Handler, method, target string, body io.Reader, header ...string) *http.Response {
	req := httptest.NewRequest(method, target, body)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEveryCodeHasAStatus(t *testing.T) {
	for _, c := range apperr.Codes {
		if statusOf[c] == 0 {
			t.Errorf("code %s has no HTTP status in statusOf", c)
		}
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	h := newServer(t).Handler()
	for _, target := range []string{"/", "/rules", "/complaints", "/nope", "/api/v1/status", "/api/v1/nope", "/healthz", "/readyz", "/static/carefund.css"} {
		resp := do(h, "GET", target, nil)
		csp := resp.Header.Get("Content-Security-Policy")
		if csp == "" || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: Content-Security-Policy = %q", target, csp)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options = %q", target, got)
		}
		if got := resp.Header.Get("Referrer-Policy"); got == "" {
			t.Errorf("GET %s: no Referrer-Policy", target)
		}
	}
}

func TestPages(t *testing.T) {
	h := newServer(t).Handler()
	tests := []struct {
		target, acceptLanguage, cookie string
		status                         int
		lang, text                     string
	}{
		{"/", "", "", 200, "zh-CN", "为大病家庭筹集救命钱"},
		{"/", "en-US,en;q=0.9", "", 200, "en", "Raising money for families"},
		{"/", "en-US", "zh-CN", 200, "zh-CN", "为大病家庭筹集救命钱"}, // the switch wins over the header
		{"/", "", "en", 200, "en", "Raising money for families"},
		{"/rules", "", "", 200, "zh-CN", "平台规则"},
		{"/complaints", "en", "", 200, "en", "Complaints and reports"},
		{"/no/such/page", "", "", 404, "zh-CN", "找不到这个页面"},
		{"/no/such/page", "en", "", 404, "en", "This page cannot be found"},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("GET", tt.target, nil)
		if tt.acceptLanguage != "" {
			req.Header.Set("Accept-Language", tt.acceptLanguage)
		}
		if tt.cookie != "" {
			req.AddCookie(&http.Cookie{Name: "lang", Value: tt.cookie})
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		body := rec.Body.String()
		if rec.Code != tt.status {
			t.Errorf("GET %s (%s/%s): status %d, want %d", tt.target, tt.acceptLanguage, tt.cookie, rec.Code, tt.status)
		}
		if !strings.Contains(body, `<html lang="`+tt.lang+`">`) || !strings.Contains(body, tt.text) {
			t.Errorf("GET %s (%s/%s): want lang %s and %q in:\n%.300s", tt.target, tt.acceptLanguage, tt.cookie, tt.lang, tt.text, body)
		}
		// R-PUB-3: every page, error pages included, links the complaint entry.
		if !strings.Contains(body, `href="/complaints"`) || !strings.Contains(body, `href="/rules"`) {
			t.Errorf("GET %s: footer lacks the rules or complaint link", tt.target)
		}
	}
}

func TestAPIErrorsAreProblemDetails(t *testing.T) {
	h := newServer(t).Handler()
	for _, tt := range []struct{ lang, detail string }{{"", "找不到"}, {"en", "cannot be found"}} {
		resp := do(h, "GET", "/api/v1/no-such-thing", nil, "Accept-Language", tt.lang)
		if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var p problem
		if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
			t.Fatal(err)
		}
		if p.Status != 404 || p.Code != apperr.NotFound || p.Type == "" || p.Title != "Not Found" || !strings.Contains(p.Detail, tt.detail) {
			t.Errorf("problem = %+v", p)
		}
	}
}

func TestCrossOriginProtection(t *testing.T) {
	h := newServer(t).Handler()
	form := func() io.Reader { return strings.NewReader("lang=en&next=/") }
	tests := []struct {
		name   string
		header []string
		status int
	}{
		{"SameOrigin", []string{"Sec-Fetch-Site", "same-origin"}, http.StatusSeeOther},
		{"NoBrowserHeaders", nil, http.StatusSeeOther}, // not a browser: no ambient credentials to abuse
		{"CrossSite", []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"SameSiteOtherOrigin", []string{"Sec-Fetch-Site", "same-site"}, http.StatusForbidden},
		{"ForeignOrigin", []string{"Origin", "https://evil.example"}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := append([]string{"Content-Type", "application/x-www-form-urlencoded"}, tt.header...)
			resp := do(h, "POST", "/language", form(), header...)
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
		})
	}
}

func TestLanguageSwitch(t *testing.T) {
	h := newServer(t).Handler()
	tests := []struct{ form, location, cookie string }{
		{"lang=en&next=/rules", "/rules", "en"},
		{"lang=zh-CN&next=/", "/", "zh-CN"},
		{"lang=en&next=//evil.example/", "/", "en"},
		{"lang=en&next=https://evil.example/", "/", "en"},
		{"lang=en&next=/\\evil.example", "/", "en"},
		{"lang=en&next=/%09/evil.example/", "/", "en"}, // a tab, which browsers drop
		{"lang=en&next=/%0A/evil.example/", "/", "en"},
		{"lang=en&next=/rules?x=1%5Cy", "/", "en"},
		{"lang=en&next=/complaints?from=home", "/complaints?from=home", "en"},
	}
	for _, tt := range tests {
		resp := do(h, "POST", "/language", strings.NewReader(tt.form), "Content-Type", "application/x-www-form-urlencoded")
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != tt.location {
			t.Errorf("POST %s: %d to %q, want 303 to %q", tt.form, resp.StatusCode, resp.Header.Get("Location"), tt.location)
		}
		cookies := resp.Cookies()
		if len(cookies) != 1 || cookies[0].Value != tt.cookie || !cookies[0].HttpOnly {
			t.Errorf("POST %s: cookies %v", tt.form, cookies)
		}
	}
	resp := do(h, "POST", "/language", strings.NewReader("lang=fr"), "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unsupported language: status %d, want 422", resp.StatusCode)
	}
}

func TestBodyLimit(t *testing.T) {
	h := newServer(t).Handler()
	big := "lang=en&next=/" + strings.Repeat("x", 2<<20)
	resp := do(h, "POST", "/language", strings.NewReader(big), "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("declared length: status %d, want 413", resp.StatusCode)
	}
	req := httptest.NewRequest("POST", "/language", io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1 // chunked: the limit must hold while reading
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("undeclared length: status %d, want 413", rec.Code)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	s := newServer(t)
	if resp := do(s.Handler(), "GET", "/healthz", nil); resp.StatusCode != 200 {
		t.Errorf("/healthz: %d", resp.StatusCode)
	}
	if resp := do(s.Handler(), "GET", "/readyz", nil); resp.StatusCode != 200 {
		t.Errorf("/readyz on a migrated database: %d", resp.StatusCode)
	}

	unmigrated, err := store.Open(context.Background(), storetest.SQLiteDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer unmigrated.Close()
	s2, err := New(Options{Platform: newPlatform(t, platform.Config{DB: unmigrated})})
	if err != nil {
		t.Fatal(err)
	}
	if resp := do(s2.Handler(), "GET", "/readyz", nil); resp.StatusCode != 503 {
		t.Errorf("/readyz on an unmigrated database: %d, want 503", resp.StatusCode)
	}
	if resp := do(s2.Handler(), "GET", "/healthz", nil); resp.StatusCode != 200 {
		t.Errorf("/healthz on an unmigrated database: %d, want 200", resp.StatusCode)
	}
}

// TestOpenAPIMatchesRoutes checks that every /api/v1 route is described in
// openapi.json and that the document describes no route that does not exist.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	s := newServer(t)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	var inDoc, inRoutes []string
	for path, ops := range doc.Paths {
		for method := range ops {
			inDoc = append(inDoc, strings.ToUpper(method)+" "+path)
		}
	}
	for _, rt := range s.routes() {
		method, path, ok := strings.Cut(rt.pattern, " ")
		if ok && strings.HasPrefix(path, "/api/v1/") {
			inRoutes = append(inRoutes, method+" "+strings.TrimSuffix(path, "{$}"))
		}
	}
	slices.Sort(inDoc)
	slices.Sort(inRoutes)
	if !slices.Equal(inDoc, inRoutes) {
		t.Errorf("API routes and openapi.json differ:\nroutes: %v\ndoc:    %v", inRoutes, inDoc)
	}
	resp := do(s.Handler(), "GET", "/api/v1/openapi.json", nil)
	if resp.StatusCode != 200 || readBody(t, resp) != string(openAPIDocument) {
		t.Errorf("GET /api/v1/openapi.json: %d", resp.StatusCode)
	}
}

func TestMetricsOnlyOnMetricsListener(t *testing.T) {
	s := newServer(t)
	do(s.Handler(), "GET", "/rules", nil)
	if resp := do(s.Handler(), "GET", "/metrics", nil); resp.StatusCode != 404 {
		t.Errorf("/metrics on the public handler: %d, want 404", resp.StatusCode)
	}
	resp := do(s.MetricsHandler(), "GET", "/metrics", nil)
	body := readBody(t, resp)
	for _, want := range []string{
		`carefund_http_requests_total{route="GET /rules",method="GET",code="200"} 1`,
		`carefund_http_request_duration_seconds_count{route="GET /rules"} 1`,
		`carefund_db_open_connections `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
}

func TestPanicBecomesLogged500(t *testing.T) {
	var log bytes.Buffer
	s := newServerLogging(t, &log)
	h := s.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("bug-1234") }))
	resp := do(h, "GET", "/", nil)
	if body := readBody(t, resp); resp.StatusCode != 500 || strings.Contains(body, "bug-1234") {
		t.Errorf("status %d, body shows the panic: %v", resp.StatusCode, strings.Contains(body, "bug-1234"))
	}
	if !strings.Contains(log.String(), `"msg":"panic"`) || !strings.Contains(log.String(), "bug-1234") {
		t.Errorf("the panic was not logged:\n%s", log.String())
	}
}

func TestWrongMethod(t *testing.T) {
	h := newServer(t).Handler()
	resp := do(h, "POST", "/api/v1/status", nil)
	var p problem
	json.NewDecoder(resp.Body).Decode(&p)
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" || p.Code != apperr.Method {
		t.Errorf("POST /api/v1/status: %d, Allow %q, %+v", resp.StatusCode, resp.Header.Get("Allow"), p)
	}
	resp = do(h, "DELETE", "/rules", nil)
	if body := readBody(t, resp); resp.StatusCode != 405 || !strings.Contains(body, "不支持") {
		t.Errorf("DELETE /rules: %d", resp.StatusCode)
	}
	if resp := do(h, "POST", "/nope", nil); resp.StatusCode != 404 {
		t.Errorf("POST /nope: %d, want 404", resp.StatusCode)
	}
}

func TestMetricsMethodLabelIsBounded(t *testing.T) {
	s := newServer(t)
	for _, m := range []string{"FOO1", "FOO2", "BREW"} {
		do(s.Handler(), m, "/", nil)
	}
	body := readBody(t, do(s.MetricsHandler(), "GET", "/metrics", nil))
	if strings.Contains(body, "FOO1") || !strings.Contains(body, `method="OTHER"`) {
		t.Errorf("unknown methods became labels:\n%s", body)
	}
}

func TestStaticIsCachedAndComplete(t *testing.T) {
	s := newServer(t)
	home := readBody(t, do(s.Handler(), "GET", "/", nil))
	css := regexp.MustCompile(`href="(/static/carefund\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(home)
	if css == nil {
		t.Fatal("home page links no versioned stylesheet")
	}
	u, _ := url.Parse(css[1])
	resp := do(s.Handler(), "GET", u.String(), nil)
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %q %q", resp.StatusCode, resp.Header.Get("Cache-Control"), resp.Header.Get("Content-Type"))
	}
	for _, path := range []string{"/static/", "/static/nope.css", "/static/..%2fweb.go"} {
		resp := do(s.Handler(), "GET", path, nil)
		if body := readBody(t, resp); resp.StatusCode != 404 || !strings.Contains(body, `<html lang="zh-CN">`) {
			t.Errorf("GET %s: %d, want the 404 page", path, resp.StatusCode)
		}
	}
}

// TestGracefulShutdown cancels Serve's context while a request is in flight:
// the request must still get its full answer, and Serve must wait for it.
func TestGracefulShutdown(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "finished")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	log := newServer(t).log
	go func() { served <- Serve(ctx, ln, h, 10*time.Second, log) }()

	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		got <- string(b)
	}()
	<-started
	cancel()
	select {
	case err := <-served:
		t.Fatalf("Serve returned (%v) with a request in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Error("still accepting connections after shutdown began")
	}
	close(release)
	if body := <-got; body != "finished" {
		t.Errorf("in-flight request got %q", body)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve() = %v", err)
	}
}

// TestHTTPSBehindProxy: with the public URL on https, every response asks
// browsers to stay on HTTPS and cookies are Secure, though TLS ends at a proxy.
func TestHTTPSBehindProxy(t *testing.T) {
	plain := newServer(t)
	if resp := do(plain.Handler(), "GET", "/", nil); resp.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS over plain HTTP")
	}
	s, err := New(Options{Platform: newPlatform(t, platform.Config{DB: storetest.Open(t, storetest.SQLiteDSN(t))}), HTTPS: true})
	if err != nil {
		t.Fatal(err)
	}
	if resp := do(s.Handler(), "GET", "/", nil); !strings.Contains(resp.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Error("no HSTS behind an https proxy")
	}
	resp := do(s.Handler(), "POST", "/language", strings.NewReader("lang=en&next=/"), "Content-Type", "application/x-www-form-urlencoded")
	if c := resp.Cookies(); len(c) != 1 || !c[0].Secure {
		t.Errorf("cookies %v, want one Secure", c)
	}
}
