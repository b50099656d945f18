package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/carefund/carefund/internal/store"
)

// PageOptions configures the request page workload.
type PageOptions struct {
	// Concurrency is how many readers read at once, each one page after
	// another over its own keep-alive connection.
	Concurrency int
	// Duration is how long each server is read.
	Duration time.Duration
	// Nginx is the nginx binary (see FindNginx).
	Nginx string
	// PageCache is the server's PageCacheTTL: what `carefund serve` runs
	// with by default (--page-cache), or 0 to measure every reading rendered.
	PageCache time.Duration
}

// PageResult is what one server measured, or, for Server "ratio", how
// carefund compares with nginx.
type PageResult struct {
	Server          string  `json:"server"`
	Database        string  `json:"database,omitempty"`
	Concurrency     int     `json:"concurrency,omitempty"`
	DurationSeconds float64 `json:"duration_s,omitempty"`
	Requests        int64   `json:"requests,omitempty"`
	RequestsPerSec  float64 `json:"requests_per_sec,omitempty"`
	P50ms           float64 `json:"p50_ms,omitempty"`
	P99ms           float64 `json:"p99_ms,omitempty"`
	PageBytes       int     `json:"page_bytes,omitempty"`
	// Ratio is carefund's requests per second over nginx's, on the
	// "ratio" line, with the target it is held to.
	Ratio  float64 `json:"carefund_over_nginx,omitempty"`
	Target float64 `json:"target,omitempty"`
	Met    *bool   `json:"met,omitempty"`
}

// PageTarget is what the request page must reach: half of nginx's requests
// per second serving the same page as a file.
const PageTarget = 0.5

// FindNginx returns path when set, else nginx from PATH or /usr/sbin, or an
// error saying how to install it.
func FindNginx(path string) (string, error) {
	if path != "" {
		if _, err := exec.LookPath(path); err != nil {
			return "", fmt.Errorf("--nginx %s: %w", path, err)
		}
		return path, nil
	}
	if p, err := exec.LookPath("nginx"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"} {
		if _, err := exec.LookPath(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("nginx is not installed, and the request page is measured against it: " +
		"install it (Debian, Ubuntu: apt-get install -y nginx-light; Alpine: apk add nginx; macOS: brew install nginx) " +
		"or name the binary with --nginx PATH")
}

// Page serves the public page of a request with donations and updates
// from carefund, saves the same page and its static files for nginx,
// reads each server for opts.Duration with the same load generator, and
// returns a result per server and their ratio.
func Page(ctx context.Context, db *store.DB, opts PageOptions) ([]PageResult, error) {
	if opts.Concurrency < 1 || opts.Duration <= 0 {
		return nil, errors.New("bench: concurrency and duration must be positive")
	}
	rg, err := newRig(ctx, db, opts.Concurrency, 0, nil, opts.PageCache)
	if err != nil {
		return nil, err
	}
	defer rg.close()
	if err := rg.fill(ctx); err != nil {
		return nil, err
	}
	path := "/requests/" + strconv.FormatInt(rg.request, 10)
	page, err := rg.get(ctx, rg.base+path)
	if err != nil {
		return nil, err
	}

	dir, err := os.MkdirTemp("", "carefund-bench-nginx-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	// Started as root, nginx reads files as an unprivileged user.
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	www := filepath.Join(dir, "www")
	if err := rg.save(ctx, www, path, page); err != nil {
		return nil, err
	}
	ng, err := startNginx(ctx, opts.Nginx, dir, www)
	if err != nil {
		return nil, err
	}
	defer ng.stop()
	same, err := rg.get(ctx, ng.base+path)
	if err != nil {
		return nil, fmt.Errorf("bench: nginx: %w", err)
	}
	if string(same) != string(page) {
		return nil, errors.New("bench: nginx does not serve the page carefund serves")
	}

	cf, err := read(ctx, rg.client, rg.base+path, opts.Concurrency, opts.Duration)
	if err != nil {
		return nil, fmt.Errorf("bench: carefund: %w", err)
	}
	nx, err := read(ctx, rg.client, ng.base+path, opts.Concurrency, opts.Duration)
	if err != nil {
		return nil, fmt.Errorf("bench: nginx: %w", err)
	}
	out := []PageResult{cf.result("carefund", opts), nx.result("nginx", opts)}
	out[0].Database, out[0].PageBytes, out[1].PageBytes = string(db.Dialect()), len(page), len(page)
	ratio := PageResult{Server: "ratio", Target: PageTarget}
	if out[1].RequestsPerSec > 0 {
		ratio.Ratio = round(out[0].RequestsPerSec / out[1].RequestsPerSec)
	}
	met := ratio.Ratio >= PageTarget
	ratio.Met = &met
	return append(out, ratio), nil
}

// fill gives the request what a page shows: updates from its publisher and
// donations, some anonymous.
func (rg *rig) fill(ctx context.Context) error {
	cs := rg.platform.Campaigns
	err := rg.db.Write(ctx, func(tx *store.Tx) error {
		for _, body := range []string{
			"第一次化疗结束，孩子精神不错，谢谢大家的关心。",
			"医院出具了新的费用清单，已经上传，请大家监督。",
			"今天开始第二个疗程，医生说指标在好转。",
		} {
			if _, err := cs.PostUpdate(ctx, tx, rg.request, rg.publisher, body); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = rg.drive(ctx, 24, 0, "page")
	return err
}

// get reads a URL that must answer 200.
func (rg *rig) get(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := rg.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d: %.300s", url, resp.StatusCode, b)
	}
	return b, nil
}

var staticRef = regexp.MustCompile(`"/static/([A-Za-z0-9][A-Za-z0-9._-]*)(?:\?v=[0-9a-f]+)?"`)

// save writes the page at path under www, and the static files it refers
// to (the stylesheet, the icon) under www/static.
func (rg *rig) save(ctx context.Context, www, path string, page []byte) error {
	file := filepath.Join(www, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(file, page, 0o644); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(www, "static"), 0o755); err != nil {
		return err
	}
	for _, m := range staticRef.FindAllSubmatch(page, -1) {
		b, err := rg.get(ctx, rg.base+"/static/"+string(m[1]))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(www, "static", string(m[1])), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// nginx is a running nginx.
type nginx struct {
	cmd  *exec.Cmd
	base string
	done chan error
	log  string
}

// nginxConf serves root as files; the page, which has no extension, as
// HTML. Keep-alive connections are not cut after 1,000 requests, as
// carefund's are not.
const nginxConf = `worker_processes 2;
daemon off;
master_process on;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path %[1]s/tmp;
	proxy_temp_path %[1]s/tmp;
	fastcgi_temp_path %[1]s/tmp;
	uwsgi_temp_path %[1]s/tmp;
	scgi_temp_path %[1]s/tmp;
	types { text/css css; application/javascript js; image/svg+xml svg; }
	default_type "text/html; charset=utf-8";
	keepalive_requests 100000000;
	keepalive_timeout 120s;
	sendfile on;
	tcp_nopush on;
	server {
		listen %[2]s;
		root %[3]s;
	}
}
`

// startNginx starts nginx on a free loopback port serving www, with its
// configuration and logs in dir, and waits until it answers.
func startNginx(ctx context.Context, bin, dir, www string) (*nginx, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o755); err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, nginxConf, dir, addr, www), 0o644); err != nil {
		return nil, err
	}
	// -e sends the errors of start-up, before the configuration is read, to
	// dir too (nginx 1.19.5+).
	ng := &nginx{cmd: exec.Command(bin, "-p", dir+"/", "-c", conf, "-e", filepath.Join(dir, "error.log")),
		base: "http://" + addr, done: make(chan error, 1), log: filepath.Join(dir, "error.log")}
	ng.cmd.Stdout, ng.cmd.Stderr = io.Discard, io.Discard
	if err := ng.cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: starting nginx: %w", err)
	}
	go func() { ng.done <- ng.cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return ng, nil
		}
		select {
		case err := <-ng.done:
			ng.done <- err
			return nil, fmt.Errorf("bench: nginx stopped at once (%v): %s", err, ng.errors())
		case <-ctx.Done():
			ng.stop()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			ng.stop()
			return nil, fmt.Errorf("bench: nginx did not answer on %s within 10 s: %s", addr, ng.errors())
		}
	}
}

func (ng *nginx) errors() string {
	b, _ := os.ReadFile(ng.log)
	if len(b) > 500 {
		b = b[len(b)-500:]
	}
	return string(b)
}

// stop asks nginx to stop at once (SIGTERM), and kills it if it has not
// after five seconds.
func (ng *nginx) stop() {
	ng.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-ng.done:
	case <-time.After(5 * time.Second):
		ng.cmd.Process.Kill()
		<-ng.done
	}
}

// reading is what one read of a server measured.
type reading struct {
	count     int64
	elapsed   time.Duration
	latencies []time.Duration
}

func (r reading) result(server string, opts PageOptions) PageResult {
	return PageResult{Server: server, Concurrency: opts.Concurrency, DurationSeconds: opts.Duration.Seconds(),
		Requests: r.count, RequestsPerSec: round(float64(r.count) / r.elapsed.Seconds()),
		P50ms: percentile(r.latencies, 0.50), P99ms: percentile(r.latencies, 0.99)}
}

// read is the load generator: n readers, each GETting url again and again
// for d over its own keep-alive connection, reading every body whole into
// a buffer of its own. Any answer but 200 ends the run.
func read(ctx context.Context, client *http.Client, url string, n int, d time.Duration) (reading, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lat := make([][]time.Duration, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for w := range n {
		wg.Go(func() {
			buf := make([]byte, 64<<10)
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				errs[w] = err
				return
			}
			for time.Now().Before(deadline) {
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						errs[w] = err
						cancel()
					}
					return
				}
				for err == nil {
					_, err = resp.Body.Read(buf)
				}
				resp.Body.Close()
				if err != io.EOF || resp.StatusCode != http.StatusOK {
					if ctx.Err() == nil {
						errs[w] = fmt.Errorf("GET %s: status %d, %v", url, resp.StatusCode, err)
						cancel()
					}
					return
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		})
	}
	wg.Wait()
	r := reading{elapsed: time.Since(start)}
	for w := range n {
		if errs[w] != nil {
			return r, errs[w]
		}
		r.count += int64(len(lat[w]))
		r.latencies = append(r.latencies, lat[w]...)
	}
	return r, nil
}
