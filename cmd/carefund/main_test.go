package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/testprog"
)

func TestMain(m *testing.M) { testprog.Main(m) }

// env builds a getenv from pairs; nothing leaks in from the real environment.
func env(pairs ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	return func(k string) string { return m[k] }
}

// runCmd runs the program in-process and returns its exit status and output.
func runCmd(t *testing.T, getenv func(string) string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, getenv, &out, &errOut)
	code = exitCode(err, &errOut)
	return code, out.String(), errOut.String()
}

func TestCommands(t *testing.T) {
	tests := []struct {
		args []string
		code int
		out  string // in stdout when code is 0, in stderr otherwise
	}{
		{[]string{"help"}, 0, "serve"},
		{[]string{"--help"}, 0, "migrate"},
		{[]string{"help", "serve"}, 0, "CAREFUND_DATA_DIR"},
		{[]string{"serve", "-h"}, 0, "--metrics-addr"},
		{[]string{"version"}, 0, "carefund dev"},
		{[]string{}, 2, "no command given"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"help", "frobnicate"}, 2, "unknown command"},
		{[]string{"serve", "--bogus"}, 2, "unknown flag --bogus; see 'carefund help serve'"},
		{[]string{"serve", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"serve", "--addr", "nonsense"}, 2, "--addr \"nonsense\" is not host:port"},
		{[]string{"serve", "--log-format", "xml"}, 2, "--log-format"},
		{[]string{"serve", "--database", "mysql://x"}, 2, "neither a postgres:// URL nor a sqlite:PATH"},
		{[]string{"config", "--metrics-addr", "127.0.0.1:8080"}, 2, "must differ from --addr"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCmd(t, env(), tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, stderr)
			}
			where := stdout
			if tt.code != 0 {
				where = stderr
				if n := strings.Count(strings.TrimSpace(stderr), "\n"); n != 0 && len(tt.args) > 0 {
					t.Errorf("the error takes %d lines:\n%s", n+1, stderr)
				}
			}
			if !strings.Contains(where, tt.out) {
				t.Errorf("output lacks %q:\nstdout: %s\nstderr: %s", tt.out, stdout, stderr)
			}
		})
	}
}

func TestConfigFromEnvironmentRedactsSecrets(t *testing.T) {
	code, out, stderr := runCmd(t, env(
		"CAREFUND_DATABASE", "postgres://carefund:s3cret-pw@db.internal/carefund",
		"CAREFUND_DEMO", "true",
	), "config", "--addr", "127.0.0.1:9999")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(out, "s3cret-pw") {
		t.Errorf("config prints the database password:\n%s", out)
	}
	for _, want := range []string{
		"postgres://carefund:xxxxx@db.internal/carefund", "# env, CAREFUND_DATABASE",
		"127.0.0.1:9999", "# flag, CAREFUND_ADDR",
		"true", "# env, CAREFUND_DEMO",
		"# default, CAREFUND_LOG_LEVEL",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("config output lacks %q:\n%s", want, out)
		}
	}
	code, _, stderr = runCmd(t, env("CAREFUND_DEMO", "perhaps"), "config")
	if code != 2 || !strings.Contains(stderr, "CAREFUND_DEMO") {
		t.Errorf("bad environment value: exit %d, %q", code, stderr)
	}
}

// TestServeBadInput checks that every way serve can be misconfigured ends with
// one clear line, exit status 2, and no data folder left behind.
func TestServeBadInput(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, nil, 0o600)
	lite := filepath.Join(t.TempDir(), "explicit.db")

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"PortInUse", []string{"--addr", busy.Addr().String()}, "another program uses it"},
		{"MetricsPortInUse", []string{"--metrics-addr", busy.Addr().String()}, "--metrics-addr"},
		{"DataDirUnderAFile", []string{"--data-dir", filepath.Join(file, "data")}, "cannot use data folder"},
		{"UnreachablePostgres", []string{"--database", "postgres://u:pw@127.0.0.1:1/carefund?connect_timeout=2"}, "cannot reach PostgreSQL"},
		{"SQLiteNotDurable", []string{"--database", store.SQLiteLocation(lite) + "?_sync=NORMAL"}, "synchronous"},
		{"SQLiteNoWAL", []string{"--database", store.SQLiteLocation(lite) + "?_journal_mode=DELETE"}, "journal_mode"},
		{"SQLiteUnknownSetting", []string{"--database", store.SQLiteLocation(lite) + "?nolock=1"}, `"nolock" is not supported`},
		{"KeywordDSN", []string{"--database", "host=db user=x password=pw dbname=c"}, "neither a postgres:// URL"},
		{"FlagWithoutValue", []string{"--database"}, "flag --database needs a value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dataDir := filepath.Join(t.TempDir(), "fresh", "data")
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir}, tt.args...)
			code, stdout, stderr := runCmd(t, env(), args...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if msg := strings.TrimSuffix(stderr, "\n"); strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "carefund: ") || !strings.Contains(msg, tt.want) {
				t.Errorf("stderr %q, want one line mentioning %q", stderr, tt.want)
			}
			if strings.Contains(stderr, "pw@") {
				t.Errorf("stderr shows the database password: %s", stderr)
			}
			if strings.Contains(stdout, "running at") {
				t.Error("printed a URL although it did not start")
			}
			if _, err := os.Stat(filepath.Dir(dataDir)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("left %s behind (%v)", filepath.Dir(dataDir), err)
			}
			if _, err := os.Stat(lite); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("left the SQLite file %s behind", lite)
			}
		})
	}
}

func TestServeRefusesNewerSchema(t *testing.T) {
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) {
			db := storetest.Open(t, d.DSN)
			storetest.Exec(t, db, "INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_future.sql', 0)")
			code, _, stderr := runCmd(t, env(), "serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--database", d.DSN)
			if code != 2 || !strings.Contains(stderr, "newer than this program") {
				t.Errorf("exit %d, %q", code, stderr)
			}
		})
	}
}

func TestMigrateCommand(t *testing.T) {
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) {
			if path, _, err := store.SQLitePath(d.DSN); err == nil {
				os.WriteFile(path, nil, 0o600) // an empty file is an empty SQLite database
			}
			code, out, stderr := runCmd(t, env(), "migrate", "--database", d.DSN)
			if code != 0 || !strings.Contains(out, "applied 0001_meta.sql") {
				t.Fatalf("first migrate: exit %d, %q %q", code, out, stderr)
			}
			code, out, _ = runCmd(t, env("CAREFUND_DATABASE", d.DSN), "migrate")
			if code != 0 || !strings.Contains(out, "up to date") {
				t.Errorf("second migrate: exit %d, %q", code, out)
			}
		})
	}
	code, _, stderr := runCmd(t, env(), "migrate", "--data-dir", filepath.Join(t.TempDir(), "none"))
	if code != 2 || !strings.Contains(stderr, "no database at") {
		t.Errorf("migrate without a database: exit %d, %q", code, stderr)
	}
	typo := filepath.Join(t.TempDir(), "typo.db")
	code, _, stderr = runCmd(t, env(), "migrate", "--database", store.SQLiteLocation(typo))
	if _, err := os.Stat(typo); code != 2 || err == nil {
		t.Errorf("migrate without a database: exit %d, %q", code, stderr)
	}
}

// lines delivers what the program writes, a line at a time.
type lines struct{ ch chan string }

func newLines() (*lines, *io.PipeWriter) {
	r, w := io.Pipe()
	l := &lines{ch: make(chan string, 100)}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			l.ch <- sc.Text()
		}
	}()
	return l, w
}

// serving is carefund serve running in-process.
type serving struct {
	appURL, metricsURL string
	stderr             *testprog.Buffer
	stop               func() error // cancels, as SIGTERM does, and returns run's error
}

// startServe runs serve in-process and waits until it is ready. The wait
// ends when serve prints its URL, or returns; serverSafety only bounds how
// long a hung start may hang the test (a first start on a busy machine,
// which makes the keys and the schema, can take well over half a minute).
func startServe(t *testing.T, args ...string) *serving {
	t.Helper()
	stdout, pw := newLines()
	s := &serving{stderr: &testprog.Buffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"serve"}, args...), env(), pw, s.stderr); pw.Close() }()
	s.stop = func() error { cancel(); return <-done }
	for s.appURL == "" || (slices.Contains(args, "--metrics-addr") && s.metricsURL == "") {
		select {
		case line := <-stdout.ch:
			if u, ok := strings.CutPrefix(line, "carefund is running at "); ok {
				s.appURL = u
			}
			if u, ok := strings.CutPrefix(line, "metrics at "); ok {
				s.metricsURL = u
			}
		case err := <-done:
			cancel()
			t.Fatalf("serve returned early: %v\n%s", err, s.stderr.String())
		case <-time.After(serverSafety):
			cancel()
			t.Fatalf("serve printed no URL within %s", serverSafety)
		}
	}
	if err := testprog.WaitReady(ctx, s.appURL, serverSafety); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestServeCommand starts the platform in-process on each database, checks
// what it created, and stops it by cancelling its context, as SIGTERM does.
func TestServeCommand(t *testing.T) {
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) {
			// A folder name that a careless location would mangle.
			dataDir := filepath.Join(t.TempDir(), "carefund data#1?")
			args := []string{"--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--data-dir", dataDir, "--demo"}
			if d.Name != "sqlite" {
				args = append(args, "--database", d.DSN)
			}
			s := startServe(t, args...)
			if body := get(t, s.metricsURL); !strings.Contains(body, "carefund_http_requests_total") ||
				!strings.Contains(body, "carefund_ledger_batches_total") {
				t.Errorf("metrics listener answers:\n%s", body)
			}
			resp, err := http.Get(s.appURL + "metrics")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 404 {
				t.Errorf("/metrics on the public listener: %d", resp.StatusCode)
			}

			want := []string{"uploads", "keys/master.key", "keys/index.key", "keys/session.key"}
			if d.Name == "sqlite" {
				want = append(want, "carefund.db")
			}
			for _, name := range want {
				info, err := os.Stat(filepath.Join(dataDir, name))
				if err != nil {
					t.Errorf("data folder lacks %s: %v", name, err)
					continue
				}
				if perm := info.Mode().Perm(); perm&0o077 != 0 {
					t.Errorf("%s has mode %04o; others must not read it", name, perm)
				}
			}
			if err := s.stop(); err != nil {
				t.Errorf("serve after cancel: %v", err)
			}
			// The keys are never printed or logged.
			log := s.stderr.String()
			for _, name := range []string{"master.key", "index.key", "session.key"} {
				b, _ := os.ReadFile(filepath.Join(dataDir, "keys", name))
				raw, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
				if len(raw) == 0 || strings.Contains(log, strings.TrimSpace(string(b))) || strings.Contains(log, string(raw)) {
					t.Errorf("%s appears in the log", name)
				}
			}
		})
	}
}

// TestServeRefusesOtherKeys: once a database has been started with a set of
// secret keys, serve never generates new ones to replace lost ones, and
// refuses another installation's keys: data under the old keys would be lost.
func TestServeRefusesOtherKeys(t *testing.T) {
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	keys := filepath.Join(dataDir, "keys")
	args := []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir}
	if err := startServe(t, args[1:]...).stop(); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other")
	if err := startServe(t, "--addr", "127.0.0.1:0", "--data-dir", other).stop(); err != nil {
		t.Fatal(err)
	}
	os.Rename(keys, keys+".bak")
	code, _, stderr := runCmd(t, env(), args...)
	if code != 2 || !strings.Contains(stderr, "restore that folder from a backup") {
		t.Errorf("keys folder gone: exit %d, %q", code, stderr)
	}
	if _, err := os.Stat(keys); err == nil {
		t.Error("serve generated new keys for a database that had keys")
	}
	code, _, stderr = runCmd(t, env(), append(args, "--keys-dir", filepath.Join(other, "keys"))...)
	if code != 2 || !strings.Contains(stderr, "not the ones this database was set up with") {
		t.Errorf("another installation's keys: exit %d, %q", code, stderr)
	}
	os.Rename(keys+".bak", keys)
	os.Remove(filepath.Join(keys, "index.key"))
	code, _, stderr = runCmd(t, env(), args...)
	if code != 2 || !strings.Contains(stderr, "lacks index.key") {
		t.Errorf("one key lost: exit %d, %q", code, stderr)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestSIGTERMStopsServe runs the real binary and stops it with SIGTERM: it
// must exit with status 0 after finishing.
func TestSIGTERMStopsServe(t *testing.T) {
	p := testprog.Start(t)
	if body := get(t, p.URL+"healthz"); body != "ok\n" {
		t.Errorf("/healthz = %q", body)
	}
	p.Stop(t) // fails the test unless the exit is clean
	if !strings.Contains(p.Stderr(), `"msg":"stopped"`) {
		t.Errorf("no 'stopped' log line:\n%s", p.Stderr())
	}
}

// BenchmarkServeReady measures how long `carefund serve` takes from exec to
// answering /readyz with 200 on a new SQLite data folder: the first start,
// which creates the folder, the keys and the schema.
func BenchmarkServeReady(b *testing.B) {
	testprog.Binary(b)
	for b.Loop() {
		p := testprog.Start(b)
		b.StopTimer()
		p.Stop(b)
		b.StartTimer()
	}
}

// TestVerifyCommand checks that `carefund verify` passes a sound ledger and
// exits 1 naming the invariant and the account when one is broken.
func TestVerifyCommand(t *testing.T) {
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, d.DSN)
			l := ledger.New(db, ledger.Options{CommitKey: []byte("test commit key")})
			if _, err := l.Post(ctx, ledger.Transfer("d1", "donation", "psp:sandbox", "request:1", 500)); err != nil {
				t.Fatal(err)
			}
			l.Close()
			code, out, stderr := runCmd(t, env(), "verify", "--database", d.DSN)
			if code != 0 || !strings.Contains(out, "ledger verified: 1 entries in 2 accounts") {
				t.Fatalf("sound ledger: exit %d, %q %q", code, out, stderr)
			}
			// A balance edited behind the ledger's back (balances may change,
			// so no trigger stops it; verify must).
			storetest.Exec(t, db, "UPDATE ledger_accounts SET balance = balance + 1 WHERE name = 'request:1'")
			code, _, stderr = runCmd(t, env(), "verify", "--database", d.DSN)
			if code != 1 || !strings.Contains(stderr, "every balance equals the sum of its postings") || !strings.Contains(stderr, "request:1") {
				t.Errorf("broken ledger: exit %d, %q", code, stderr)
			}
		})
	}
}
