// Package metrics exposes operational metrics in the Prometheus text
// exposition format (version 0.0.4), to be served at /metrics.
//
// It is a deliberately small replacement for the Prometheus client library:
// it offers counters, gauges and histograms with labels, plus gauge and
// counter functions that are read at scrape time (for values such as
// database pool statistics that already live elsewhere). Anything beyond
// that, such as summaries, exemplars or the protobuf format, is left out so
// that the program keeps no third-party dependency for its observability.
//
// Registration mistakes (invalid or duplicate names, a wrong number of label
// values) are programmer errors and panic, so they surface on the first run
// rather than as silently missing series.
package metrics

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// ContentType is the media type of the text exposition format, version 0.0.4.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// DefaultLatencyBuckets are upper bounds, in seconds, suited to request
// latencies from a millisecond to ten seconds. Histogram uses them when
// given nil buckets.
var DefaultLatencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Registry holds a set of metrics and renders them for scraping.
// It is safe for concurrent use.
type Registry struct {
	mu      sync.Mutex
	metrics map[string]*metric
}

type metric struct {
	name, help, typ string
	write           func(b *bytes.Buffer, name string)
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{metrics: make(map[string]*metric)}
}

func (r *Registry) register(name, help, typ string, labels []string, write func(*bytes.Buffer, string)) {
	if !validName(name, true) {
		panic(fmt.Sprintf("metrics: invalid metric name %q", name))
	}
	for i, l := range labels {
		if !validName(l, false) || strings.HasPrefix(l, "__") {
			panic(fmt.Sprintf("metrics: %s: invalid label name %q", name, l))
		}
		if slices.Contains(labels[:i], l) {
			panic(fmt.Sprintf("metrics: %s: duplicate label name %q", name, l))
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.metrics[name]; dup {
		panic(fmt.Sprintf("metrics: metric %q registered twice", name))
	}
	r.metrics[name] = &metric{name: name, help: help, typ: typ, write: write}
}

// validName reports whether s matches [a-zA-Z_:][a-zA-Z0-9_:]* (metric names)
// or, without colons, [a-zA-Z_][a-zA-Z0-9_]* (label names).
func validName(s string, colon bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case colon && c == ':':
		case i > 0 && '0' <= c && c <= '9':
		default:
			return false
		}
	}
	return true
}

// family maps label-value tuples to their child metric. Children are never
// removed, so callers may keep the pointer returned by With and skip the
// lookup entirely on very hot paths.
type family[T any] struct {
	labels   []string
	newChild func() *T
	mu       sync.RWMutex
	children map[string]*child[T]
}

type child[T any] struct {
	values []string
	m      *T
}

func newFamily[T any](labels []string, newChild func() *T) *family[T] {
	return &family[T]{labels: slices.Clone(labels), newChild: newChild, children: make(map[string]*child[T])}
}

func (f *family[T]) with(values []string) *T {
	if len(values) != len(f.labels) {
		panic(fmt.Sprintf("metrics: got %d label values, want %d %q", len(values), len(f.labels), f.labels))
	}
	// The key lives in a stack buffer and the map is indexed with
	// string(key), which the compiler does without copying, so a lookup of
	// an existing series does not allocate.
	var buf [128]byte
	key := appendKey(buf[:0], values)
	f.mu.RLock()
	c, ok := f.children[string(key)]
	f.mu.RUnlock()
	if ok {
		return c.m
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.children[string(key)]; ok {
		return c.m // another goroutine created it between the two locks
	}
	c = &child[T]{values: slices.Clone(values), m: f.newChild()}
	f.children[string(key)] = c
	return c.m
}

// appendKey length-prefixes each value so that no two distinct tuples share
// a key, whatever bytes the values contain.
func appendKey(b []byte, values []string) []byte {
	for _, v := range values {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	return b
}

// sorted returns the children ordered by label values, so that scrapes are
// deterministic and diffable.
func (f *family[T]) sorted() []*child[T] {
	f.mu.RLock()
	cs := make([]*child[T], 0, len(f.children))
	for _, c := range f.children {
		cs = append(cs, c)
	}
	f.mu.RUnlock()
	slices.SortFunc(cs, func(a, b *child[T]) int { return slices.Compare(a.values, b.values) })
	return cs
}

// addFloat adds d to the float64 stored as bits in u. A CAS loop keeps the
// hot path lock-free; contention only costs retries.
func addFloat(u *atomic.Uint64, d float64) {
	for {
		old := u.Load()
		if u.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+d)) {
			return
		}
	}
}

func loadFloat(u *atomic.Uint64) float64 { return math.Float64frombits(u.Load()) }

// CounterVec is a counter partitioned by label values.
type CounterVec struct{ f *family[Counter] }

// Counter is a monotonically increasing value.
type Counter struct{ bits atomic.Uint64 }

// Counter registers a counter. By convention its name ends in "_total".
func (r *Registry) Counter(name, help string, labels ...string) *CounterVec {
	v := &CounterVec{f: newFamily(labels, func() *Counter { return new(Counter) })}
	r.register(name, help, "counter", labels, func(b *bytes.Buffer, name string) {
		for _, c := range v.f.sorted() {
			writeSample(b, name, v.f.labels, c.values, "", formatFloat(loadFloat(&c.m.bits)))
		}
	})
	return v
}

// With returns the counter for the given label values, in the order the
// labels were registered, creating it at zero on first use.
func (v *CounterVec) With(values ...string) *Counter { return v.f.with(values) }

// Inc adds one.
func (c *Counter) Inc() { addFloat(&c.bits, 1) }

// Add adds n. It panics if n is negative or NaN: Prometheus treats any
// decrease as a counter reset, and NaN would stick forever.
func (c *Counter) Add(n float64) {
	if !(n >= 0) {
		panic(fmt.Sprintf("metrics: counter cannot add %v", n))
	}
	addFloat(&c.bits, n)
}

// GaugeVec is a gauge partitioned by label values.
type GaugeVec struct{ f *family[Gauge] }

// Gauge is a value that can go up and down.
type Gauge struct{ bits atomic.Uint64 }

// Gauge registers a gauge.
func (r *Registry) Gauge(name, help string, labels ...string) *GaugeVec {
	v := &GaugeVec{f: newFamily(labels, func() *Gauge { return new(Gauge) })}
	r.register(name, help, "gauge", labels, func(b *bytes.Buffer, name string) {
		for _, c := range v.f.sorted() {
			writeSample(b, name, v.f.labels, c.values, "", formatFloat(loadFloat(&c.m.bits)))
		}
	})
	return v
}

// With returns the gauge for the given label values, creating it at zero on
// first use.
func (v *GaugeVec) With(values ...string) *Gauge { return v.f.with(values) }

// Set sets the gauge to x.
func (g *Gauge) Set(x float64) { g.bits.Store(math.Float64bits(x)) }

// Add adds d, which may be negative.
func (g *Gauge) Add(d float64) { addFloat(&g.bits, d) }

// Inc adds one.
func (g *Gauge) Inc() { g.Add(1) }

// Dec subtracts one.
func (g *Gauge) Dec() { g.Add(-1) }

// HistogramVec is a histogram partitioned by label values.
type HistogramVec struct{ f *family[Histogram] }

// Histogram counts observations into buckets by upper bound.
type Histogram struct {
	upper  []float64       // shared by all children; never written after creation
	counts []atomic.Uint64 // per bucket, not cumulative; the last one is +Inf
	sum    atomic.Uint64
}

// Histogram registers a histogram with the given bucket upper bounds, which
// must be strictly increasing; nil means DefaultLatencyBuckets. The +Inf
// bucket is implicit. The label name "le" is reserved for the buckets.
func (r *Registry) Histogram(name, help string, buckets []float64, labels ...string) *HistogramVec {
	if buckets == nil {
		buckets = DefaultLatencyBuckets
	}
	// Copied so that later changes to the caller's slice (or to
	// DefaultLatencyBuckets) cannot corrupt live histograms.
	upper := slices.Clone(buckets)
	if n := len(upper); n > 0 && math.IsInf(upper[n-1], +1) {
		upper = upper[:n-1]
	}
	for i, u := range upper {
		if math.IsNaN(u) || i > 0 && u <= upper[i-1] {
			panic(fmt.Sprintf("metrics: %s: buckets must be strictly increasing: %v", name, buckets))
		}
	}
	if slices.Contains(labels, "le") {
		panic(fmt.Sprintf("metrics: %s: label name \"le\" is reserved in histograms", name))
	}
	v := &HistogramVec{f: newFamily(labels, func() *Histogram {
		return &Histogram{upper: upper, counts: make([]atomic.Uint64, len(upper)+1)}
	})}
	r.register(name, help, "histogram", labels, func(b *bytes.Buffer, name string) {
		for _, c := range v.f.sorted() {
			c.m.write(b, name, v.f.labels, c.values)
		}
	})
	return v
}

// With returns the histogram for the given label values, creating it empty
// on first use.
func (v *HistogramVec) With(values ...string) *Histogram { return v.f.with(values) }

// Observe records x. NaN lands in the +Inf bucket, as in the official client.
func (h *Histogram) Observe(x float64) {
	// Bounds are inclusive ("le"), which is exactly SearchFloat64s' answer.
	h.counts[sort.SearchFloat64s(h.upper, x)].Add(1)
	addFloat(&h.sum, x)
}

func (h *Histogram) write(b *bytes.Buffer, name string, labels, values []string) {
	// _count is derived from the buckets rather than kept separately, so it
	// always equals the +Inf bucket even when observations race the scrape.
	// _sum may lag by the in-flight observations, which is harmless.
	var cum uint64
	for i, u := range h.upper {
		cum += h.counts[i].Load()
		writeSample(b, name+"_bucket", labels, values, formatFloat(u), strconv.FormatUint(cum, 10))
	}
	cum += h.counts[len(h.upper)].Load()
	writeSample(b, name+"_bucket", labels, values, "+Inf", strconv.FormatUint(cum, 10))
	writeSample(b, name+"_sum", labels, values, "", formatFloat(loadFloat(&h.sum)))
	writeSample(b, name+"_count", labels, values, "", strconv.FormatUint(cum, 10))
}

// GaugeFunc registers a gauge whose value is fn's result at scrape time.
// fn must be safe to call concurrently and should be fast.
func (r *Registry) GaugeFunc(name, help string, fn func() float64) {
	r.registerFunc(name, help, "gauge", fn)
}

// CounterFunc registers a counter whose value is fn's result at scrape time;
// fn must never return a smaller value than before.
func (r *Registry) CounterFunc(name, help string, fn func() float64) {
	r.registerFunc(name, help, "counter", fn)
}

func (r *Registry) registerFunc(name, help, typ string, fn func() float64) {
	if fn == nil {
		panic(fmt.Sprintf("metrics: %s: nil function", name))
	}
	r.register(name, help, typ, nil, func(b *bytes.Buffer, name string) {
		writeSample(b, name, nil, nil, "", formatFloat(fn()))
	})
}

var (
	labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
)

// writeSample writes one line; le, if not empty, is appended as the "le"
// label of a histogram bucket.
func writeSample(b *bytes.Buffer, name string, labels, values []string, le, value string) {
	b.WriteString(name)
	if len(labels) > 0 || le != "" {
		b.WriteByte('{')
		for i, l := range labels {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(l)
			b.WriteString(`="`)
			labelEscaper.WriteString(b, values[i])
			b.WriteByte('"')
		}
		if le != "" {
			if len(labels) > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`le="`)
			b.WriteString(le)
			b.WriteByte('"')
		}
		b.WriteByte('}')
	}
	b.WriteByte(' ')
	b.WriteString(value)
	b.WriteByte('\n')
}

// formatFloat formats v the way Prometheus parses it.
func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, +1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// WriteTo writes every metric in the text exposition format, sorted by name.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	// Snapshot under the lock but render outside it, so that a slow
	// GaugeFunc (e.g. a database pool) cannot block registration.
	r.mu.Lock()
	ms := make([]*metric, 0, len(r.metrics))
	for _, m := range r.metrics {
		ms = append(ms, m)
	}
	r.mu.Unlock()
	slices.SortFunc(ms, func(a, b *metric) int { return strings.Compare(a.name, b.name) })

	// Rendering into memory first turns hundreds of tiny writes into one,
	// so w needs no buffering of its own (an http.ResponseWriter would
	// otherwise chunk the body).
	var b bytes.Buffer
	for _, m := range ms {
		b.WriteString("# HELP ")
		b.WriteString(m.name)
		if m.help != "" {
			b.WriteByte(' ')
			helpEscaper.WriteString(&b, m.help)
		}
		b.WriteString("\n# TYPE ")
		b.WriteString(m.name)
		b.WriteByte(' ')
		b.WriteString(m.typ)
		b.WriteByte('\n')
		m.write(&b, m.name)
	}
	n, err := w.Write(b.Bytes())
	return int64(n), err
}

// Handler returns an HTTP handler serving the registry's metrics.
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", ContentType)
		// A write error means the scraper went away; there is no one left
		// to tell.
		_, _ = r.WriteTo(w)
	})
}
