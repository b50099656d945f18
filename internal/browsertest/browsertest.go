// Package browsertest gives a test a real headless Chromium, driven through
// chromedp, so that the test can load pages of the application and check how
// they render and behave. It is meant to be imported only from _test.go files.
//
// The browser starts from a short, explicit list of flags rather than
// chromedp.DefaultExecAllocatorOptions, so that a chromedp upgrade cannot
// change how the browser runs without anyone noticing. The network of the
// machines that run these tests is closed, and Chromium by default keeps
// talking to Google in the background (component updates, sync, field trials).
// Without --disable-background-networking, --disable-component-update,
// --disable-sync and --disable-quic it waits for those connections and the test
// hangs. --no-sandbox is there because the tests run as root, where Chromium
// refuses to start with its sandbox, and --disable-dev-shm-usage because
// /dev/shm is small in many containers and Chromium crashes when it fills up.
// Every browser gets a fresh profile in t.TempDir(), so tests share no cookies,
// storage or cache.
//
// Console errors, uncaught exceptions and error entries of the browser log,
// which is where Content-Security-Policy violations show up, fail the test
// unless it passes AllowConsoleErrors.
package browsertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// WeChatUserAgent is the user agent of WeChat's in-app browser on an iPhone.
// Most of our users open the site from a link in WeChat, so Phone sends it.
const WeChatUserAgent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) " +
	"AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 " +
	"MicroMessenger/8.0.50(0x1800323b) NetType/WIFI Language/zh_CN"

// An Option changes the browser that New starts.
type Option func(*config)

type config struct {
	idle           time.Duration
	width, height  int64
	scale          float64
	mobile         bool
	userAgent      string // empty: the browser's own
	acceptLanguage string // empty: the browser's own
	allowConsole   bool
	allowRefusals  bool
}

// Phone makes the tab look like WeChat's in-app browser on an iPhone-size
// screen: a 375×812 viewport at device scale factor 2, with mobile layout
// (the viewport meta tag applies), touch events and the WeChat user agent.
// It is the default.
func Phone() Option {
	return func(c *config) {
		c.width, c.height, c.scale, c.mobile = 375, 812, 2, true
		c.userAgent = WeChatUserAgent
	}
}

// Desktop makes the tab a 1280×800 desktop window with the browser's own user
// agent.
func Desktop() Option {
	return func(c *config) {
		c.width, c.height, c.scale, c.mobile = 1280, 800, 1, false
		c.userAgent = ""
	}
}

// AcceptLanguage sets the languages that the browser asks for, in order of
// preference, in the Accept-Language header and in navigator.languages.
// Chromium writes the q-values of the header itself, 0.9, 0.8 and so on by
// position, and appends them to any that s has, so New drops those of s:
// "zh-CN,zh,en" and "zh-CN,zh;q=0.9,en;q=0.8" both send
// "zh-CN,zh;q=0.9,en;q=0.8".
func AcceptLanguage(s string) Option {
	var langs []string
	for l := range strings.SplitSeq(s, ",") {
		l, _, _ = strings.Cut(l, ";")
		if l = strings.TrimSpace(l); l != "" {
			langs = append(langs, l)
		}
	}
	return func(c *config) { c.acceptLanguage = strings.Join(langs, ",") }
}

// WithTimeout sets how long the browser may go without progress before the
// session is stopped: no event from the tab (a request sent, a response, a
// DOM change, a console message) and no step of a helper of this package
// begun or finished. The default is DefaultIdle. There is no limit on the
// length of a session that keeps making progress: on a machine busy with
// other tests every step is slower, and a budget for the whole session would
// run out in the middle of a test that is doing fine. A page that never
// loads still fails the test instead of hanging it until go test's own,
// much longer, timeout.
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.idle = max(d, time.Second) }
}

// DefaultIdle is how long a browser may go without progress by default. It
// is generous: a page of the application loads in well under a second on an
// idle machine, and the limit only has to catch a browser or page that hangs.
const DefaultIdle = 2 * time.Minute

// AllowConsoleErrors keeps console errors, uncaught exceptions and error log
// entries from failing the test, for tests that provoke them on purpose.
func AllowConsoleErrors() Option {
	return func(c *config) { c.allowConsole = true }
}

// AllowRefusals keeps the browser's log entry for a page answered with a
// 4xx status (a form sent back with 422 for fixing, a sign-in refused with
// 401) from failing the test; every other console error still does.
func AllowRefusals() Option {
	return func(c *config) { c.allowRefusals = true }
}

// chromiumNames are tried on PATH in this order when CAREFUND_CHROMIUM is not
// set.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// debianChromium is the binary behind Debian's /usr/bin/chromium, a shell
// script that adds flags of its own from /etc/chromium.d, among them
// --enable-remote-extensions and --load-extension.
const debianChromium = "/usr/lib/chromium/chromium"

func findChromium() string {
	if p := os.Getenv("CAREFUND_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range chromiumNames {
		p, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		if name == "chromium" && isScript(p) && isFile(debianChromium) {
			return debianChromium
		}
		return p
	}
	return ""
}

func isScript(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 2)
	_, err = io.ReadFull(f, head)
	return err == nil && string(head) == "#!"
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// New starts a headless Chromium and returns a chromedp context for a new tab
// in it. The browser is shut down, and all its processes have exited, when the
// test ends.
//
// Without a Chromium, New skips the test, but fails it when the variable CI is
// "true": in CI a skipped browser test would hide a broken setup.
func New(t testing.TB, opts ...Option) context.Context {
	t.Helper()
	path := findChromium()
	if path == "" {
		const msg = "no Chromium found (set CAREFUND_CHROMIUM, or put one of %s on PATH; " +
			"on Debian/Ubuntu: apt-get install -y chromium)"
		if os.Getenv("CI") == "true" {
			t.Fatalf(msg, strings.Join(chromiumNames, ", "))
		} else {
			t.Skipf(msg, strings.Join(chromiumNames, ", "))
		}
		return nil
	}

	profile := t.TempDir()
	cfg := config{idle: DefaultIdle}
	Phone()(&cfg)
	for _, o := range opts {
		o(&cfg)
	}

	allocOpts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, // also --hide-scrollbars and --mute-audio
		chromedp.NoSandbox,
		// Not chromedp.DisableGPU: it adds --enable-unsafe-swiftshader too.
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-extensions", true),
		chromedp.UserDataDir(profile),
		// No --remote-debugging-port: chromedp v0.23 talks to the browser over
		// --remote-debugging-pipe, which it adds itself. A port flag would
		// switch it to a websocket, which needs the chromedp/remote package.
	}

	// Not t.Context(): it is canceled before Cleanup runs, and that would kill
	// the browser instead of closing it.
	sessionCtx, stopSession := context.WithCancelCause(context.Background())
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(sessionCtx, allocOpts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)

	w := newWatchdog(cfg.idle)
	col := collector{allowRefusals: cfg.allowRefusals, progress: w.progress}
	// Starting a browser is one step, whatever the limit on silence: a
	// starved machine may take many seconds before the first event.
	startup := time.AfterFunc(startLimit, func() {
		stopSession(fmt.Errorf("browsertest: the browser did not start within %v", startLimit))
	})
	t.Cleanup(func() {
		startup.Stop()
		w.stop()
		// Close the browser gracefully, then cancel the allocator, which waits
		// until the process has exited (and kills it if the close failed).
		// Closing is one command; it gets the same generous limit as a step.
		closeCtx, cancel := context.WithTimeout(ctx, stepLimit)
		err := chromedp.Cancel(closeCtx)
		cancel()
		cancelTab()
		cancelAlloc()
		stopSession(nil)
		forget(ctx)
		reap(profile)
		if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			t.Logf("browsertest: closing the browser: %v", err)
		}
		if !cfg.allowConsole {
			for _, m := range col.all() {
				t.Errorf("browser console: %s", m)
			}
		}
	})

	remember(ctx, w)
	// Listen starts the browser; subscribe before anything can log.
	if err := chromedp.Listen(ctx, col.listen); err != nil {
		t.Fatalf("browsertest: starting %s: %v", path, err)
	}
	if err := chromedp.Do(ctx, chromedp.Func(cfg.setup)); err != nil {
		t.Fatalf("browsertest: setting up the tab: %v", err)
	}
	if !startup.Stop() {
		t.Fatalf("browsertest: %v", context.Cause(sessionCtx))
	}
	w.progress()
	go w.run(func(idle time.Duration) {
		t.Logf("browsertest: no progress from the browser for %v; stopping it", idle)
		stopSession(fmt.Errorf("browsertest: no progress from the browser for %v", idle))
	})
	return ctx
}

// startLimit bounds the start of a browser and the set-up of its tab.
const startLimit = 2 * time.Minute

// reap kills the processes that still run with the profile directory, and
// returns when there are none. When the browser is killed rather than closed,
// after the timeout or a crash, its helper processes (zygote, renderers,
// network service) outlive it. chromedp waits up to a second for them, until
// they close its output pipe, and kills leftovers only for a profile that it
// created itself. reap reads /proc, so it does nothing on systems without it.
func reap(profile string) {
	flag := []byte("--user-data-dir=" + profile)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		found := false
		cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
		for _, f := range cmdlines {
			b, err := os.ReadFile(f)
			if err != nil || !hasArg(b, flag) {
				continue
			}
			found = true
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(f)))
			if p, err := os.FindProcess(pid); err == nil {
				_ = p.Kill()
			}
		}
		if !found {
			return
		}
	}
}

// hasArg reports whether the command line has arg as a whole argument.
// Arguments end with NUL, or with a space once a process rewrote its title.
func hasArg(cmdline, arg []byte) bool {
	for rest := cmdline; ; {
		i := bytes.Index(rest, arg)
		if i < 0 {
			return false
		}
		rest = rest[i+len(arg):]
		if len(rest) == 0 || rest[0] == 0 || rest[0] == ' ' {
			return true
		}
	}
}

// setup enables the log domain, which carries network errors and CSP
// violations, and applies the emulated device. chromedp v0.23 enables the log
// domain too, but the reports must not depend on that.
func (cfg *config) setup(ctx context.Context, t *chromedp.Target) error {
	if _, err := cdp.Call(ctx, t, log.Enable, cdp.Empty{}); err != nil {
		return err
	}
	if cfg.userAgent != "" || cfg.acceptLanguage != "" {
		ua := cfg.userAgent
		if ua == "" {
			// The override needs a user agent, so repeat the browser's own.
			v, err := chromedp.CallBrowser(ctx, browser.GetVersion, cdp.Empty{})
			if err != nil {
				return err
			}
			ua = v.UserAgent
		}
		p := emulation.SetUserAgentOverrideParams{UserAgent: ua, AcceptLanguage: cfg.acceptLanguage}
		if cfg.mobile {
			p.Platform = "iPhone"
		}
		if _, err := cdp.Call(ctx, t, emulation.SetUserAgentOverride, p); err != nil {
			return err
		}
	}
	if _, err := cdp.Call(ctx, t, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width:             cfg.width,
		Height:            cfg.height,
		DeviceScaleFactor: cfg.scale,
		Mobile:            cfg.mobile,
		ScreenOrientation: &emulation.ScreenOrientation{Type: emulation.ScreenOrientationTypePortraitPrimary},
	}); err != nil {
		return err
	}
	_, err := cdp.Call(ctx, t, emulation.SetTouchEmulationEnabled, emulation.SetTouchEmulationEnabledParams{Enabled: cfg.mobile})
	return err
}

// collector keeps the console errors of a tab until the test ends, and
// counts every event of the tab as progress.
type collector struct {
	allowRefusals bool
	progress      func()

	mu   sync.Mutex
	msgs []string
}

func (c *collector) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.msgs
}

// listen runs on chromedp's read loop, so it only formats and appends.
func (c *collector) listen(ev any) {
	if c.progress != nil {
		c.progress()
	}
	var msg string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError {
			return
		}
		args := make([]string, len(ev.Args))
		for i, a := range ev.Args {
			args[i] = remoteText(a)
		}
		msg = "console.error: " + strings.Join(args, " ")
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg = d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			msg += " " + d.Exception.Description
		}
		if d.URL != "" {
			msg += fmt.Sprintf(" (%s:%d)", d.URL, d.LineNumber+1)
		}
	case *log.EventEntryAdded:
		e := ev.Entry
		// Browsers ask for /favicon.ico by themselves; a 404 there is noise.
		if e.Level != log.EntryLevelError || strings.HasSuffix(e.URL, "/favicon.ico") {
			return
		}
		if c.allowRefusals && e.Source == log.EntrySourceNetwork &&
			strings.HasPrefix(e.Text, "Failed to load resource: the server responded with a status of 4") {
			return
		}
		msg = fmt.Sprintf("[%s] %s", e.Source, e.Text)
		if e.URL != "" {
			msg += " (" + e.URL + ")"
		}
	default:
		return
	}
	c.mu.Lock()
	c.msgs = append(c.msgs, msg)
	c.mu.Unlock()
}

func remoteText(o *runtime.RemoteObject) string {
	if o.Type == runtime.RemoteObjectTypeString {
		var s string
		if err := jsonv2.Unmarshal(o.Value, &s); err == nil {
			return s
		}
	}
	if o.Description != "" {
		return o.Description
	}
	if o.UnserializableValue != "" {
		return string(o.UnserializableValue)
	}
	return string(o.Value)
}

// stepLimit bounds one attempt at one step of a helper of this package, such
// as taking a screenshot: far above what a step takes on an idle machine (a
// full-page screenshot of a phone screen at scale 2 takes some 100 ms), so
// that only a step that hangs reaches it.
const stepLimit = time.Minute

// screenshotAttempts is how often Screenshot tries before it fails the test.
// Capturing a page that is still laying out, or a browser starved of CPU,
// can fail once and succeed at once when tried again.
const screenshotAttempts = 3

// Screenshot saves a full-page PNG of the tab as name+".png" in the test's
// artifact directory (kept with go test -artifacts). Each attempt has
// stepLimit; a failed attempt is tried again, up to screenshotAttempts, as
// long as the session is alive.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	var buf []byte
	var err error
	for attempt := 1; attempt <= screenshotAttempts; attempt++ {
		progress(ctx)
		actx, cancel := context.WithTimeout(ctx, stepLimit)
		// Quality 100 makes chromedp ask for PNG instead of JPEG.
		buf, err = chromedp.Run(actx, chromedp.FullScreenshot(100))
		cancel()
		progress(ctx)
		if err == nil || ctx.Err() != nil {
			break
		}
		t.Logf("browsertest: screenshot %s, attempt %d of %d: %v", name, attempt, screenshotAttempts, err)
	}
	if err != nil {
		if cause := context.Cause(ctx); cause != nil {
			err = fmt.Errorf("%w (%v)", err, cause)
		}
		t.Fatalf("browsertest: screenshot %s: %v", name, err)
	}
	path := filepath.Join(t.ArtifactDir(), name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	t.Logf("browsertest: screenshot %s", path)
}

// NoHorizontalOverflow fails the test if the page is wider than the screen,
// which on a phone means that the user has to scroll sideways or that the page
// is shown zoomed out.
func NoHorizontalOverflow(t testing.TB, ctx context.Context) {
	t.Helper()
	scrollWidth, viewportWidth, err := overflow(ctx)
	if err != nil {
		t.Fatalf("browsertest: measuring the page: %v", err)
	}
	if scrollWidth > viewportWidth {
		t.Errorf("page overflows horizontally: document.documentElement.scrollWidth = %d > viewport width = %d",
			scrollWidth, viewportWidth)
	}
}

// overflow returns the width of the page and of the layout viewport. The
// viewport width is document.documentElement.clientWidth, not
// window.innerWidth: a mobile browser zooms out a page that is too wide, and
// window.innerWidth grows with it to the width of the page, so the overflow
// would never show.
func overflow(ctx context.Context) (scrollWidth, viewportWidth int, err error) {
	v, err := chromedp.Run(ctx, chromedp.Evaluate[[2]int](
		`[document.documentElement.scrollWidth, document.documentElement.clientWidth]`))
	return v[0], v[1], err
}

// watchdog stops a browser session that makes no progress for idle: the
// session has no limit on its length, only on its silence.
type watchdog struct {
	idle time.Duration
	last atomic.Int64 // time.Now().UnixNano() of the last progress
	done chan struct{}
	once sync.Once
}

func newWatchdog(idle time.Duration) *watchdog {
	w := &watchdog{idle: idle, done: make(chan struct{})}
	w.progress()
	return w
}

func (w *watchdog) progress() { w.last.Store(time.Now().UnixNano()) }

func (w *watchdog) stop() { w.once.Do(func() { close(w.done) }) }

// run calls fire once, when the session has been silent for idle, unless
// stop comes first.
func (w *watchdog) run(fire func(idle time.Duration)) {
	tick := time.NewTicker(min(w.idle/4, time.Second))
	defer tick.Stop()
	for {
		select {
		case <-w.done:
			return
		case <-tick.C:
			if time.Since(time.Unix(0, w.last.Load())) >= w.idle {
				fire(w.idle)
				return
			}
		}
	}
}

// watchdogs finds the watchdog of a session from the chromedp context that
// New returned, so that the helpers can report their own progress without
// wrapping the context.
var watchdogs sync.Map // *chromedp.Context → *watchdog

func remember(ctx context.Context, w *watchdog) { watchdogs.Store(chromedp.FromContext(ctx), w) }

func forget(ctx context.Context) { watchdogs.Delete(chromedp.FromContext(ctx)) }

// progress tells the session's watchdog that a helper is still at work.
func progress(ctx context.Context) {
	if c := chromedp.FromContext(ctx); c != nil {
		if w, ok := watchdogs.Load(c); ok {
			w.(*watchdog).progress()
		}
	}
}
