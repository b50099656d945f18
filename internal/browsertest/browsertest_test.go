package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const head = `<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">`

// server serves the test pages and remembers the headers of the last request
// for a page.
type server struct {
	*httptest.Server
	mu                        sync.Mutex
	acceptLanguage, userAgent string
}

func newServer(t *testing.T) *server {
	s := &server{}
	mux := http.NewServeMux()
	page := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			s.mu.Lock()
			s.acceptLanguage, s.userAgent = r.Header.Get("Accept-Language"), r.Header.Get("User-Agent")
			s.mu.Unlock()
			fmt.Fprint(w, head+"</head><body>"+body+"</body></html>")
		}
	}
	mux.HandleFunc("GET /{$}", page(`<h1>你好 CareFund</h1>`))
	mux.HandleFunc("GET /wide", page(`<h1>Wide</h1><div style="width:1000px">too wide</div>`))
	mux.HandleFunc("GET /errors", func(w http.ResponseWriter, r *http.Request) {
		// The CSP blocks the inline script, which the browser reports as an
		// error; errors.js is same-origin and runs.
		fmt.Fprint(w, head+`<meta http-equiv="Content-Security-Policy" content="script-src 'self'">
<link rel="icon" href="/favicon.ico"></head><body>
<img src="/favicon.ico" alt="">
<script>document.title = "inline ran"</script>
<script src="/errors.js"></script></body></html>`)
	})
	mux.HandleFunc("GET /errors.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, `console.log("just chatting"); console.error("boom", 42); throw new Error("kaput");`)
	})
	// Everything else, /favicon.ico included, is the mux's 404.
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *server) headers() (acceptLanguage, userAgent string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.acceptLanguage, s.userAgent
}

// fakeTB records what the helpers report instead of failing the test, so that
// the failure paths can be tested. Fatalf and Skipf stop the (sub)test with
// SkipNow, which ends it without failing it.
type fakeTB struct {
	testing.TB
	mu   sync.Mutex
	msgs []string
}

func (f *fakeTB) record(kind, format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, kind+": "+fmt.Sprintf(format, args...))
}

func (f *fakeTB) Errorf(format string, args ...any) { f.record("error", format, args...) }

// Fatalf and Skipf end the calling goroutine, as the real ones do, without
// marking the real test failed or skipped.
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.record("fatal", format, args...)
	runtime.Goexit()
}
func (f *fakeTB) Skipf(format string, args ...any) {
	f.record("skip", format, args...)
	runtime.Goexit()
}

func (f *fakeTB) messages() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.msgs
}

func TestPhone(t *testing.T) {
	srv := newServer(t)
	const lang = "zh-CN,zh;q=0.9,en;q=0.8"
	ctx := New(t, Phone(), AcceptLanguage(lang))

	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil {
		t.Fatal(err)
	}
	if h1 != "你好 CareFund" {
		t.Errorf("h1 = %q", h1)
	}
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.innerWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if width != 375 {
		t.Errorf("window.innerWidth = %d, want 375", width)
	}
	gotLang, ua := srv.headers()
	if gotLang != lang {
		t.Errorf("server got Accept-Language %q, want %q", gotLang, lang)
	}
	if !strings.Contains(ua, "MicroMessenger/") {
		t.Errorf("server got User-Agent %q, want WeChat's", ua)
	}
	langs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`navigator.languages`))
	if err != nil || strings.Join(langs, ",") != "zh-CN,zh,en" {
		t.Errorf("navigator.languages = %q, %v; want [zh-CN zh en]", langs, err)
	}

	Screenshot(t, ctx, "home")
	png, err := os.ReadFile(filepath.Join(t.ArtifactDir(), "home.png"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("screenshot is not a PNG: % x", png[:min(len(png), 8)])
	}

	NoHorizontalOverflow(t, ctx)

	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/wide")); err != nil {
		t.Fatal(err)
	}
	scrollWidth, viewportWidth, err := overflow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if scrollWidth < 1000 || viewportWidth != 375 {
		t.Errorf("overflow on /wide = %d, %d; want scrollWidth >= 1000, viewport width 375", scrollWidth, viewportWidth)
	}
	fake := &fakeTB{TB: t}
	NoHorizontalOverflow(fake, ctx)
	if msgs := fake.messages(); len(msgs) != 1 || !strings.Contains(msgs[0], fmt.Sprintf("%d > viewport width = 375", scrollWidth)) {
		t.Errorf("NoHorizontalOverflow on /wide reported %q", msgs)
	}
}

func TestDesktop(t *testing.T) {
	srv := newServer(t)
	ctx := New(t, Desktop())
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/wide")); err != nil {
		t.Fatal(err)
	}
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.innerWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if width != 1280 {
		t.Errorf("window.innerWidth = %d, want 1280", width)
	}
	if _, ua := srv.headers(); strings.Contains(ua, "MicroMessenger") {
		t.Errorf("desktop sent WeChat's User-Agent %q", ua)
	}
	NoHorizontalOverflow(t, ctx)
}

// requireChromium skips the test, or fails it in CI, as New does when there
// is no Chromium: a test that hands New a fakeTB would otherwise record the
// skip instead of skipping.
func requireChromium(t *testing.T) {
	t.Helper()
	if findChromium() == "" {
		New(t)
	}
}

func TestConsoleErrors(t *testing.T) {
	requireChromium(t)
	srv := newServer(t)
	fake := &fakeTB{}
	// In a subtest, so that New's cleanup, which reports, has run when
	// t.Run returns.
	t.Run("page", func(t *testing.T) {
		fake.TB = t
		ctx := New(fake)
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/errors")); err != nil {
			t.Fatal(err)
		}
	})
	msgs := fake.messages()
	all := strings.Join(msgs, "\n")
	for _, want := range []string{"console.error: boom 42", "Error: kaput", "Content Security Policy"} {
		if !strings.Contains(all, want) {
			t.Errorf("reported errors lack %q; got:\n%s", want, all)
		}
	}
	for _, m := range msgs {
		if !strings.HasPrefix(m, "error: browser console: ") || strings.Contains(m, "favicon") || strings.Contains(m, "chatting") {
			t.Errorf("unexpected report %q", m)
		}
	}
}

func TestAllowConsoleErrors(t *testing.T) {
	srv := newServer(t)
	ctx := New(t, AllowConsoleErrors())
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/errors")); err != nil {
		t.Fatal(err)
	}
}

func TestNoChromium(t *testing.T) {
	t.Setenv("CAREFUND_CHROMIUM", "")
	t.Setenv("PATH", t.TempDir())
	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		fake := &fakeTB{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			New(fake)
			t.Errorf("CI=%q: New returned without a browser", ci)
		}()
		<-done
		want := "skip: "
		if ci == "true" {
			want = "fatal: "
		}
		if msgs := fake.messages(); len(msgs) != 1 || !strings.HasPrefix(msgs[0], want) ||
			!strings.Contains(msgs[0], "apt-get install -y chromium") {
			t.Errorf("CI=%q: New reported %q, want one %q with install hint", ci, msgs, want)
		}
	}
}

// TestCleanupAfterCrash checks that no process of a browser that died, rather
// than closed, outlives the test: its helpers linger after the main process.
func TestCleanupAfterCrash(t *testing.T) {
	srv := newServer(t)
	var profiles string
	t.Run("crash", func(t *testing.T) {
		profiles = filepath.Dir(t.TempDir()) // New's t.TempDir is a sibling
		ctx := New(t)
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.FromContext(ctx).Browser.Process().Kill(); err != nil {
			t.Fatal(err)
		}
	})
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range cmdlines {
		if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, []byte("--user-data-dir="+profiles)) {
			t.Errorf("%s still runs: %q", filepath.Dir(f), b)
		}
	}
}

// TestFlags checks the command line that the browser really runs with, so
// that neither chromedp nor a distribution's wrapper script adds flags.
func TestFlags(t *testing.T) {
	ctx := New(t)
	pid := chromedp.FromContext(ctx).Browser.Process().Pid
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		t.Skip("no /proc:", err)
	}
	var got []string
	for _, arg := range strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")[1:] {
		if !strings.HasPrefix(arg, "--user-data-dir=") && arg != "about:blank" {
			got = append(got, arg)
		}
	}
	want := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
		"--disable-dev-shm-usage", "--no-default-browser-check", "--disable-extensions",
		"--mute-audio", "--hide-scrollbars", "--remote-debugging-pipe"}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("browser runs with\n%q\nwant (besides --user-data-dir and about:blank)\n%q", got, want)
	}
}

// TestWatchdog checks that a session is stopped by silence, not by its
// length: progress many times the limit long keeps it alive.
func TestWatchdog(t *testing.T) {
	const idle = 2 * time.Second
	w := newWatchdog(idle)
	fired := make(chan time.Duration, 1)
	go w.run(func(d time.Duration) { fired <- d })
	// Forty steps of a twentieth of the limit each: twice the limit in all,
	// with progress in every step.
	for range 40 {
		w.progress()
		time.Sleep(idle / 20)
		select {
		case <-fired:
			t.Fatal("the watchdog fired while the session made progress")
		default:
		}
	}
	if d := <-fired; d != idle {
		t.Errorf("fired after %v of silence, want %v", d, idle)
	}
	w.stop()
	w.stop() // stopping twice is harmless

	stopped := newWatchdog(time.Hour)
	stopped.stop()
	stopped.run(func(time.Duration) { t.Error("a stopped watchdog fired") })
}

// TestSilentBrowser checks that a browser that makes no progress is stopped,
// and that a helper then names the reason.
func TestSilentBrowser(t *testing.T) {
	requireChromium(t)
	fake := &fakeTB{}
	t.Run("session", func(t *testing.T) {
		fake.TB = t
		ctx := New(fake, WithTimeout(time.Second), AllowConsoleErrors())
		<-ctx.Done() // about:blank stays silent
		if cause := context.Cause(ctx); cause == nil || !strings.Contains(cause.Error(), "no progress") {
			t.Errorf("session ended with %v, want no progress", cause)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			Screenshot(fake, ctx, "silent")
		}()
		<-done
	})
	msgs := strings.Join(fake.messages(), "\n")
	if !strings.Contains(msgs, "fatal: browsertest: screenshot silent") || !strings.Contains(msgs, "no progress from the browser for 1s") {
		t.Errorf("Screenshot of a stopped session reported:\n%s", msgs)
	}
}
