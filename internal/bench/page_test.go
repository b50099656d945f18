package bench

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/store/storetest"
)

// TestPageWorkload runs the request page workload briefly against nginx,
// when nginx is installed (it is not in every CI image: the benchmark needs
// it, the platform does not). Correctness only, never a speed.
func TestPageWorkload(t *testing.T) {
	bin, err := FindNginx("")
	if err != nil {
		t.Skip(err)
	}
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	rs, err := Page(context.Background(), db, PageOptions{Concurrency: 4, Duration: 300 * time.Millisecond, Nginx: bin})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 || rs[0].Server != "carefund" || rs[1].Server != "nginx" || rs[2].Server != "ratio" {
		t.Fatalf("%+v", rs)
	}
	for _, r := range rs[:2] {
		if r.Requests == 0 || r.RequestsPerSec <= 0 || r.P99ms < r.P50ms || r.PageBytes == 0 {
			t.Errorf("%+v", r)
		}
	}
	if rs[2].Ratio <= 0 || rs[2].Met == nil {
		t.Errorf("%+v", rs[2])
	}
}

// TestFindNginx: a named binary that does not exist is an error, and so is
// an nginx nowhere, with the way to install it.
func TestFindNginx(t *testing.T) {
	if _, err := FindNginx("/nonexistent/nginx"); err == nil {
		t.Error("a missing --nginx was accepted")
	}
	t.Setenv("PATH", t.TempDir())
	for _, p := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"} {
		if _, err := os.Stat(p); err == nil {
			if got, err := FindNginx(""); err != nil || got != p {
				t.Errorf("FindNginx = %q, %v; want %s", got, err, p)
			}
			return
		}
	}
	if _, err := FindNginx(""); err == nil || !strings.Contains(err.Error(), "apt-get install") {
		t.Errorf("FindNginx without nginx: %v", err)
	}
}
