// Package testprog builds the real carefund binary and runs it for end-to-end
// tests: `carefund serve` on a free port with a fresh data folder, reached
// over real HTTP, stopped by a real signal.
//
// The binary is built once per test process; call Main from TestMain so the
// build folder is removed afterwards.
package testprog

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	buildDir  string
	binary    string
	buildErr  error
)

// Main runs the tests and removes the built binary.
func Main(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// Binary returns the path of a carefund binary built from this source tree,
// with the race detector when the tests have it.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "carefund-testprog-")
		if buildErr != nil {
			return
		}
		binary = filepath.Join(buildDir, "carefund")
		args := []string{"build", "-o", binary}
		if raceEnabled {
			args = append(args, "-race")
		}
		cmd := exec.Command("go", append(args, "github.com/carefund/carefund/cmd/carefund")...)
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// Env returns the environment for a program under test: this process's,
// without any CAREFUND_* setting, so that the program runs on its own
// temporary data and never on the developer's, and with every transaction
// run twice, the first run rolled back, as in the tests' own process.
func Env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CAREFUND_") {
			env = append(env, kv)
		}
	}
	return append(env, "CAREFUND_TEST_RUN_TWICE=1") // store.RunTwiceEnv
}

// Program is a running `carefund serve`.
type Program struct {
	URL     string // http://127.0.0.1:port/
	DataDir string
	cmd     *exec.Cmd
	stderr  *Buffer
	done    chan error

	stopOnce sync.Once
}

// Start runs `carefund serve` on a free loopback port with a new data folder
// and the extra args (say --database), waits until it prints its URL and
// answers /readyz, and stops it when the test ends.
func Start(t testing.TB, args ...string) *Program {
	t.Helper()
	p := &Program{DataDir: filepath.Join(t.TempDir(), "data"), stderr: &Buffer{}, done: make(chan error, 1)}
	all := append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", p.DataDir, "--log-format", "json"}, args...)
	p.cmd = exec.Command(Binary(t), all...)
	p.cmd.Env = Env()
	p.cmd.Stderr = p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "carefund is running at "); ok {
				urls <- u
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		p.Stop(t)
		if t.Failed() {
			t.Logf("carefund stderr:\n%s", p.stderr.String())
		}
	})
	select {
	case p.URL = <-urls:
	case err := <-p.done:
		p.done <- err
		t.Fatalf("carefund serve exited before it was ready: %v\n%s", err, p.stderr.String())
	case <-time.After(safetyLimit):
		t.Fatalf("carefund serve did not print its URL within %s\n%s", safetyLimit, p.stderr.String())
	}
	if err := WaitReady(context.Background(), p.URL, safetyLimit); err != nil {
		t.Fatal(err)
	}
	return p
}

// WaitReady polls url's /readyz until it answers 200.
func WaitReady(ctx context.Context, url string, within time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", url+"readyz", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%sreadyz not ready after %s: last error %v", url, within, err)
		case <-time.After(time.Millisecond):
		}
	}
}

// safetyLimit ends a wait for the program that made no progress at all: it
// is there so that a hung program fails its test instead of the whole run,
// not to time the program, so it is generous enough for a machine running
// the suite twice over on two cores with the race detector.
const safetyLimit = 5 * time.Minute

// Stop sends SIGTERM, waits for the program to finish, and fails the test if
// it does not exit cleanly (within safetyLimit). Stopping twice is harmless.
func (p *Program) Stop(t testing.TB) {
	t.Helper()
	p.stopOnce.Do(func() { p.stop(t) })
}

func (p *Program) stop(t testing.TB) {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("carefund serve exited with %v after SIGTERM", err)
		}
	case <-time.After(safetyLimit):
		p.cmd.Process.Kill()
		<-p.done
		t.Errorf("carefund serve did not stop within %s of SIGTERM", safetyLimit)
	}
}

// Stderr returns what the program has logged so far.
func (p *Program) Stderr() string { return p.stderr.String() }

// Buffer is a bytes.Buffer safe for a process's output and a test's reads at
// once.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
