package metrics

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func render(t *testing.T, r *Registry) string {
	t.Helper()
	var b strings.Builder
	n, err := r.WriteTo(&b)
	if err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	if n != int64(b.Len()) {
		t.Errorf("WriteTo returned n = %d, wrote %d bytes", n, b.Len())
	}
	return b.String()
}

// goldenRegistry holds one of each kind, filled in an order that differs
// from the expected output so that sorting is exercised.
func goldenRegistry() *Registry {
	r := NewRegistry()
	h := r.Histogram("request_duration_seconds", "Request latency.", []float64{0.1, 0.5, 1}, "route")
	for _, v := range []float64{0.0625, 0.75, 3, 0.5} {
		h.With("/a").Observe(v)
	}
	r.Gauge("queue_depth", "Jobs waiting.\nSecond line with a \\ backslash.").With().Set(7)
	c := r.Counter("http_requests_total", "Total HTTP requests.", "method", "code")
	c.With("POST", "500").Inc()
	c.With("GET", "404").Inc()
	c.With("GET", "200").Add(2.5)
	c.With("GET", "200").Inc()
	r.GaugeFunc("db_open_connections", "Open database connections.", func() float64 { return 4 })
	r.CounterFunc("db_wait_total", "", func() float64 { return math.Inf(1) })
	return r
}

const golden = `# HELP db_open_connections Open database connections.
# TYPE db_open_connections gauge
db_open_connections 4
# HELP db_wait_total
# TYPE db_wait_total counter
db_wait_total +Inf
# HELP http_requests_total Total HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="GET",code="200"} 3.5
http_requests_total{method="GET",code="404"} 1
http_requests_total{method="POST",code="500"} 1
# HELP queue_depth Jobs waiting.\nSecond line with a \\ backslash.
# TYPE queue_depth gauge
queue_depth 7
# HELP request_duration_seconds Request latency.
# TYPE request_duration_seconds histogram
request_duration_seconds_bucket{route="/a",le="0.1"} 1
request_duration_seconds_bucket{route="/a",le="0.5"} 2
request_duration_seconds_bucket{route="/a",le="1"} 3
request_duration_seconds_bucket{route="/a",le="+Inf"} 4
request_duration_seconds_sum{route="/a"} 4.3125
request_duration_seconds_count{route="/a"} 4
`

func TestGolden(t *testing.T) {
	if got := render(t, goldenRegistry()); got != golden {
		t.Errorf("exposition mismatch\ngot:\n%s\nwant:\n%s", got, golden)
	}
}

func TestFormatFloat(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{1, "1"},
		{-2.5, "-2.5"},
		{0.001, "0.001"},
		{1e-7, "1e-07"},
		{1e21, "1e+21"},
		{math.Inf(1), "+Inf"},
		{math.Inf(-1), "-Inf"},
		{math.NaN(), "NaN"},
	}
	for _, tt := range tests {
		if got := formatFloat(tt.in); got != tt.want {
			t.Errorf("formatFloat(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLabelEscaping(t *testing.T) {
	tests := []struct {
		value, want string
	}{
		{"plain", `plain`},
		{`a"b`, `a\"b`},
		{`a\b`, `a\\b`},
		{"a\nb", `a\nb`},
		{"\\\"\n", `\\\"\n`},
		{"tab\tand ünïcode", "tab\tand ünïcode"},
	}
	for _, tt := range tests {
		r := NewRegistry()
		r.Counter("c_total", "h", "v").With(tt.value).Inc()
		want := fmt.Sprintf("c_total{v=\"%s\"} 1\n", tt.want)
		if got := render(t, r); !strings.HasSuffix(got, want) {
			t.Errorf("value %q: got %q, want suffix %q", tt.value, got, want)
		}
	}
}

func TestHistogramBuckets(t *testing.T) {
	tests := []struct {
		name    string
		buckets []float64
		obs     []float64
		want    []uint64 // non-cumulative, last is +Inf
	}{
		{"inclusive bound", []float64{1, 2}, []float64{1, 2, 2.0001}, []uint64{1, 1, 1}},
		{"explicit +Inf dropped", []float64{1, math.Inf(1)}, []float64{0, 5}, []uint64{1, 1}},
		{"no buckets", []float64{}, []float64{-1, 1}, []uint64{2}},
		{"NaN goes to +Inf", []float64{1}, []float64{math.NaN()}, []uint64{0, 1}},
		{"default buckets", nil, []float64{0.0001, 100}, append(append([]uint64{1}, make([]uint64, len(DefaultLatencyBuckets)-1)...), 1)},
	}
	for _, tt := range tests {
		h := NewRegistry().Histogram("h", "", tt.buckets).With()
		for _, v := range tt.obs {
			h.Observe(v)
		}
		if len(h.counts) != len(tt.want) {
			t.Fatalf("%s: got %d buckets, want %d", tt.name, len(h.counts), len(tt.want))
		}
		for i := range h.counts {
			if got := h.counts[i].Load(); got != tt.want[i] {
				t.Errorf("%s: bucket %d: got %d, want %d", tt.name, i, got, tt.want[i])
			}
		}
	}
}

func TestGaugeOps(t *testing.T) {
	g := NewRegistry().Gauge("g", "").With()
	g.Set(10)
	g.Inc()
	g.Dec()
	g.Dec()
	g.Add(-0.5)
	if got, want := loadFloat(&g.bits), 8.5; got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestConcurrency(t *testing.T) {
	const goroutines, perG = 64, 1000
	r := NewRegistry()
	c := r.Counter("c_total", "", "k")
	g := r.Gauge("g", "")
	h := r.Histogram("h", "", []float64{1}, "k")
	var wg sync.WaitGroup
	for i := range goroutines {
		wg.Go(func() {
			for j := range perG {
				c.With("shared").Inc()
				c.With(strconv.Itoa(i % 8)).Add(0.5)
				g.With().Inc()
				h.With(strconv.Itoa(j % 2)).Observe(float64(j % 3))
			}
		})
	}
	// Scrape while writers are busy, so -race sees reads racing writes.
	wg.Go(func() {
		for range 20 {
			_, _ = r.WriteTo(new(strings.Builder))
		}
	})
	wg.Wait()

	if got, want := loadFloat(&c.With("shared").bits), float64(goroutines*perG); got != want {
		t.Errorf("shared counter: got %v, want %v", got, want)
	}
	for i := range 8 {
		if got, want := loadFloat(&c.With(strconv.Itoa(i)).bits), float64(goroutines/8*perG)*0.5; got != want {
			t.Errorf("counter %d: got %v, want %v", i, got, want)
		}
	}
	if got, want := loadFloat(&g.With().bits), float64(goroutines*perG); got != want {
		t.Errorf("gauge: got %v, want %v", got, want)
	}
	var n uint64
	for _, k := range []string{"0", "1"} {
		for i := range h.With(k).counts {
			n += h.With(k).counts[i].Load()
		}
	}
	if got, want := n, uint64(goroutines*perG); got != want {
		t.Errorf("histogram count: got %d, want %d", got, want)
	}
}

// panics runs f and returns the recovered panic message, or "" if none.
func panics(f func()) (msg string) {
	defer func() {
		if v := recover(); v != nil {
			msg = fmt.Sprint(v)
			if msg == "" {
				msg = "<empty panic>"
			}
		}
	}()
	f()
	return ""
}

func TestPanics(t *testing.T) {
	tests := []struct {
		name string
		f    func(r *Registry)
		want string // substring of the panic message
	}{
		{"duplicate name", func(r *Registry) { r.Gauge("x", ""); r.Counter("x", "") }, "registered twice"},
		{"duplicate func name", func(r *Registry) {
			r.GaugeFunc("x", "", func() float64 { return 0 })
			r.CounterFunc("x", "", func() float64 { return 0 })
		}, "registered twice"},
		{"empty name", func(r *Registry) { r.Counter("", "") }, "invalid metric name"},
		{"leading digit", func(r *Registry) { r.Counter("1x", "") }, "invalid metric name"},
		{"dash", func(r *Registry) { r.Gauge("a-b", "") }, "invalid metric name"},
		{"non-ASCII", func(r *Registry) { r.Gauge("café", "") }, "invalid metric name"},
		{"label colon", func(r *Registry) { r.Counter("x", "", "a:b") }, "invalid label name"},
		{"reserved label", func(r *Registry) { r.Counter("x", "", "__name") }, "invalid label name"},
		{"empty label", func(r *Registry) { r.Counter("x", "", "") }, "invalid label name"},
		{"duplicate label", func(r *Registry) { r.Counter("x", "", "a", "a") }, "duplicate label name"},
		{"le in histogram", func(r *Registry) { r.Histogram("x", "", nil, "le") }, "reserved"},
		{"unsorted buckets", func(r *Registry) { r.Histogram("x", "", []float64{1, 1}) }, "strictly increasing"},
		{"NaN bucket", func(r *Registry) { r.Histogram("x", "", []float64{math.NaN()}) }, "strictly increasing"},
		{"nil func", func(r *Registry) { r.GaugeFunc("x", "", nil) }, "nil function"},
		{"too few values", func(r *Registry) { r.Counter("x", "", "a", "b").With("1") }, "got 1 label values, want 2"},
		{"too many values", func(r *Registry) { r.Gauge("x", "").With("1") }, "got 1 label values, want 0"},
		{"histogram values", func(r *Registry) { r.Histogram("x", "", nil, "a").With() }, "got 0 label values, want 1"},
		{"negative add", func(r *Registry) { r.Counter("x", "").With().Add(-1) }, "cannot add"},
		{"NaN add", func(r *Registry) { r.Counter("x", "").With().Add(math.NaN()) }, "cannot add"},
	}
	for _, tt := range tests {
		got := panics(func() { tt.f(NewRegistry()) })
		if !strings.Contains(got, tt.want) {
			t.Errorf("%s: got panic %q, want one containing %q", tt.name, got, tt.want)
		}
	}

	// Valid names must not panic.
	if got := panics(func() {
		r := NewRegistry()
		r.Counter("a:b_c9_total", "", "_x", "Y9")
		r.Histogram("_h", "", nil)
	}); got != "" {
		t.Errorf("valid names: got panic %q, want none", got)
	}
}

// sampleRE is the grammar of a sample line; labels are checked separately
// because their values may contain escaped quotes and braces.
var (
	sampleRE  = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$`)
	commentRE = regexp.MustCompile(`^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]*( .*)?|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram))$`)
)

type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// parse is a tiny exposition parser, independent of the writer, used to
// check that every line is well-formed and that escaping round-trips.
func parse(text string) ([]sample, error) {
	if !strings.HasSuffix(text, "\n") {
		return nil, fmt.Errorf("output does not end in a newline")
	}
	var out []sample
	for line := range strings.Lines(text) {
		line = strings.TrimSuffix(line, "\n")
		if strings.HasPrefix(line, "#") {
			if !commentRE.MatchString(line) {
				return nil, fmt.Errorf("bad comment line %q", line)
			}
			continue
		}
		m := sampleRE.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("bad sample line %q", line)
		}
		s := sample{name: m[1], labels: map[string]string{}}
		var err error
		if s.value, err = strconv.ParseFloat(m[4], 64); err != nil {
			return nil, fmt.Errorf("bad value in %q: %v", line, err)
		}
		if m[2] != "" {
			if s.labels, err = parseLabels(m[3]); err != nil {
				return nil, fmt.Errorf("bad labels in %q: %v", line, err)
			}
		}
		out = append(out, s)
	}
	return out, nil
}

var labelNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*="`)

func parseLabels(s string) (map[string]string, error) {
	labels := map[string]string{}
	for s != "" {
		loc := labelNameRE.FindStringIndex(s)
		if loc == nil {
			return nil, fmt.Errorf("expected label name at %q", s)
		}
		name := s[:loc[1]-2]
		s = s[loc[1]:]
		var v strings.Builder
		for {
			if s == "" {
				return nil, fmt.Errorf("unterminated value for %s", name)
			}
			c := s[0]
			s = s[1:]
			if c == '"' {
				break
			}
			if c == '\n' {
				return nil, fmt.Errorf("raw newline in value for %s", name)
			}
			if c == '\\' {
				if s == "" {
					return nil, fmt.Errorf("dangling backslash")
				}
				switch s[0] {
				case '\\', '"':
					c = s[0]
				case 'n':
					c = '\n'
				default:
					return nil, fmt.Errorf("bad escape \\%c", s[0])
				}
				s = s[1:]
			}
			v.WriteByte(c)
		}
		if _, dup := labels[name]; dup {
			return nil, fmt.Errorf("duplicate label %s", name)
		}
		labels[name] = v.String()
		if s != "" {
			if s[0] != ',' {
				return nil, fmt.Errorf("expected comma at %q", s)
			}
			s = s[1:]
		}
	}
	return labels, nil
}

func TestParseBack(t *testing.T) {
	nasty := []string{`q"uote`, `back\slash`, "new\nline", `} {x="y"}`, "", "ünïcode", `\n literal`}
	r := goldenRegistry()
	c := r.Counter("nasty_total", "Help with \\ and \n too.", "v")
	for _, v := range nasty {
		c.With(v).Inc()
	}
	r.Gauge("special", "", "k").With("nan").Set(math.NaN())
	samples, err := parse(render(t, r))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, s := range samples {
		if s.name == "nasty_total" {
			got[s.labels["v"]] = true
		}
	}
	for _, v := range nasty {
		if !got[v] {
			t.Errorf("label value %q did not round-trip; got %v", v, got)
		}
	}
	if got, want := len(samples), 1+1+3+1+6+len(nasty)+1; got != want {
		t.Errorf("got %d samples, want %d", got, want)
	}
}

func TestHandler(t *testing.T) {
	h := goldenRegistry().Handler()
	tests := []struct {
		method   string
		wantCode int
		wantBody string
	}{
		{http.MethodGet, http.StatusOK, golden},
		{http.MethodHead, http.StatusOK, ""},
		{http.MethodPost, http.StatusMethodNotAllowed, "method not allowed\n"},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tt.method, "/metrics", nil))
		if got, want := rec.Code, tt.wantCode; got != want {
			t.Errorf("%s: status: got %d, want %d", tt.method, got, want)
		}
		if tt.method == http.MethodHead {
			continue // the recorder keeps the body a real server would drop
		}
		if got, want := rec.Body.String(), tt.wantBody; got != want {
			t.Errorf("%s: body: got %q, want %q", tt.method, got, want)
		}
		if tt.wantCode == http.StatusOK {
			if got, want := rec.Header().Get("Content-Type"), "text/plain; version=0.0.4; charset=utf-8"; got != want {
				t.Errorf("%s: Content-Type: got %q, want %q", tt.method, got, want)
			}
		}
	}
}

func BenchmarkCounterWithInc(b *testing.B) {
	c := NewRegistry().Counter("requests_total", "", "method", "code")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.With("GET", "200").Inc()
		}
	})
}
