package jobs

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/metrics"
)

// safety bounds every wait of these tests. The waits end as soon as what
// they wait for happens; this is only how long a broken runner may hang a
// test, generous for a busy machine.
const safety = 2 * time.Minute

// waitFor polls cond until it holds, failing the test after safety.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(safety)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", safety, what)
		}
		time.Sleep(time.Millisecond)
	}
}

// logBuffer is a log that tests read while the runner writes it.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewJSONHandler(l, nil)) }

// start runs r until the test ends or the returned stop is called; stop
// returns once Run has.
func start(t *testing.T, r *Runner) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	stop = func() {
		cancel()
		select {
		case <-done:
		case <-time.After(safety):
			t.Fatal("Run did not return after its context ended")
		}
	}
	t.Cleanup(stop)
	return stop
}

// TestRunnerRunsAtOnceThenOnSchedule: every job runs as soon as the node
// leads, then every Every; when the context ends, Run returns after the
// runs in flight.
func TestRunnerRunsAtOnceThenOnSchedule(t *testing.T) {
	var hourly, often atomic.Int64
	var inFlight atomic.Int64
	r := New([]Job{
		{Name: "hourly", Every: time.Hour, Run: func(context.Context) error { hourly.Add(1); return nil }},
		{Name: "often", Every: time.Millisecond, Run: func(context.Context) error {
			inFlight.Add(1)
			defer inFlight.Add(-1)
			often.Add(1)
			return nil
		}},
	}, Options{})
	stop := start(t, r)
	waitFor(t, "both jobs to run, the frequent one three times", func() bool { return hourly.Load() == 1 && often.Load() >= 3 })
	stop()
	if n := inFlight.Load(); n != 0 {
		t.Errorf("%d runs still in flight after Run returned", n)
	}
	if n := hourly.Load(); n != 1 {
		t.Errorf("the hourly job ran %d times, want once", n)
	}
}

// TestRunnerSurvivesFailures: a job that fails or panics is logged and
// counted, runs again at its next time, and keeps no other job from
// running.
func TestRunnerSurvivesFailures(t *testing.T) {
	var failed, panicked, fine atomic.Int64
	logs := &logBuffer{}
	reg := metrics.NewRegistry()
	r := New([]Job{
		{Name: "fails", Every: time.Millisecond, Run: func(context.Context) error { failed.Add(1); return errors.New("the provider is down") }},
		{Name: "panics", Every: time.Millisecond, Run: func(context.Context) error { panicked.Add(1); panic("a bug") }},
		{Name: "fine", Every: time.Millisecond, Run: func(context.Context) error { fine.Add(1); return nil }},
	}, Options{Logger: logs.logger(), Metrics: reg})
	stop := start(t, r)
	waitFor(t, "three runs of each job", func() bool { return failed.Load() >= 3 && panicked.Load() >= 3 && fine.Load() >= 3 })
	stop()
	log := logs.String()
	for _, want := range []string{`"job":"fails"`, "the provider is down", `"job":"panics"`, "panic: a bug"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%.2000s", want, log)
		}
	}
	if strings.Contains(log, `"job":"fine"`) {
		t.Error("a job that succeeded was logged as failed")
	}
	var out bytes.Buffer
	reg.WriteTo(&out)
	for _, want := range []string{`carefund_job_runs_total{job="fails",result="error"}`, `carefund_job_runs_total{job="fine",result="ok"}`,
		`carefund_job_last_success_timestamp_seconds{job="fine"}`, "carefund_jobs_leader 0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the metrics lack %q:\n%s", want, out.String())
		}
	}
}

// TestNewRefusesMistakes: a job without a name, schedule or function, or
// two of one name, is a mistake in the program, found at start.
func TestNewRefusesMistakes(t *testing.T) {
	run := func(context.Context) error { return nil }
	for _, tt := range []struct {
		name string
		jobs []Job
	}{
		{"NoName", []Job{{Every: time.Minute, Run: run}}},
		{"NoSchedule", []Job{{Name: "a", Run: run}}},
		{"NoFunction", []Job{{Name: "a", Every: time.Minute}}},
		{"Twice", []Job{{Name: "a", Every: time.Minute, Run: run}, {Name: "a", Every: time.Hour, Run: run}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("New accepted it")
				}
			}()
			New(tt.jobs, Options{})
		})
	}
}

// handLeader is a Leader the test hands the lead to and takes it from.
type handLeader struct {
	grant    chan struct{} // a send lets Lead return
	mu       sync.Mutex
	take     func() // ends the lead now held
	released atomic.Int64
}

func (h *handLeader) Lead(ctx context.Context) (context.Context, func(), error) {
	select {
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	case <-h.grant:
	}
	lead, cancel := context.WithCancelCause(ctx)
	h.mu.Lock()
	h.take = func() { cancel(errors.New("the session ended")) }
	h.mu.Unlock()
	return lead, func() { cancel(context.Canceled); h.released.Add(1) }, nil
}

func (h *handLeader) takeLead() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.take()
}

// TestRunnerFollowsTheLead: nothing runs until the node leads; when it
// loses the lead, the jobs stop, the lead is released, the loss is logged,
// and the runner waits to lead again.
func TestRunnerFollowsTheLead(t *testing.T) {
	h := &handLeader{grant: make(chan struct{})}
	logs := &logBuffer{}
	reg := metrics.NewRegistry()
	var runs, running atomic.Int64
	r := New([]Job{{Name: "work", Every: time.Millisecond, Run: func(ctx context.Context) error {
		running.Add(1)
		defer running.Add(-1)
		runs.Add(1)
		return nil
	}}}, Options{Leader: h, Logger: logs.logger(), Metrics: reg})
	start(t, r)
	// The grant is taken only by Lead, so until it is, the node does not
	// lead and nothing may run.
	if n := runs.Load(); n != 0 {
		t.Fatalf("%d runs before the node led", n)
	}
	h.grant <- struct{}{}
	waitFor(t, "runs once leading", func() bool { return runs.Load() >= 3 })
	if !strings.Contains(metricText(reg), "carefund_jobs_leader 1") {
		t.Errorf("leading, the metric says:\n%s", metricText(reg))
	}
	h.takeLead()
	waitFor(t, "the lead to be released", func() bool { return h.released.Load() == 1 })
	if n := running.Load(); n != 0 {
		t.Errorf("%d runs still going after the lead was released", n)
	}
	after := runs.Load()
	if !strings.Contains(logs.String(), "lost the lead") || !strings.Contains(logs.String(), "the session ended") {
		t.Errorf("the loss is not logged with its cause:\n%s", logs.String())
	}
	if !strings.Contains(metricText(reg), "carefund_jobs_leader 0") {
		t.Errorf("after the loss, the metric says:\n%s", metricText(reg))
	}
	// The runner is back in Lead, waiting: the grant is taken at once.
	h.grant <- struct{}{}
	waitFor(t, "runs after leading again", func() bool { return runs.Load() >= after+3 })
}

func metricText(reg *metrics.Registry) string {
	var b bytes.Buffer
	reg.WriteTo(&b)
	return b.String()
}

// TestAloneLeadsAtOnce: on SQLite the one process leads, until its
// context ends.
func TestAloneLeadsAtOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	lead, release, err := Alone{}.Lead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if lead.Err() != nil {
		t.Fatal("the lead ended at once")
	}
	cancel()
	<-lead.Done()
	if _, _, err := (Alone{}).Lead(ctx); err == nil {
		t.Error("Alone led after its context ended")
	}
}
