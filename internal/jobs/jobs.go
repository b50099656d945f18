// Package jobs runs carefund's background work: named jobs, each with its
// schedule, run once per installation. However many `carefund serve` nodes
// share a database, one of them leads and runs every job; the others stand
// by and one of them takes over within seconds when the leader dies
// (Leader, leader.go). The platform's own jobs are in platform.go.
//
// A job may still run twice (a leader that lost its session finishes the
// run it was in while the next leader starts its own), so every job's
// transactions must be safe to run twice: they decide from the database
// what is left to do, as closing an expired channel or confirming a paid
// order does.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/carefund/carefund/internal/metrics"
)

// Job is one piece of background work.
type Job struct {
	// Name names the job in logs and metrics: lower case, words joined by
	// hyphens ("close-expired-channels").
	Name string
	// Every is the time from the start of one run to the start of the
	// next. A run that takes longer delays the next; runs never overlap
	// on one node.
	Every time.Duration
	// Run does the work once; ctx ends when this node stops leading.
	Run func(ctx context.Context) error
}

// Options configures a Runner.
type Options struct {
	// Leader elects the node that runs the jobs; nil means this process
	// always leads (SQLite, where one process serves the database).
	Leader Leader
	// Logger receives the leadership changes and the failures of jobs; nil
	// discards them.
	Logger *slog.Logger
	// Metrics receives the runner's figures; nil keeps them private.
	Metrics *metrics.Registry
}

// Runner runs a set of jobs while its node leads.
type Runner struct {
	jobs   []Job
	leader Leader
	log    *slog.Logger

	leading *metrics.Gauge
	runs    *metrics.CounterVec
	success *metrics.GaugeVec
}

// New returns a runner of jobs. It panics on a job without a name or a
// schedule, or on two jobs of one name: those are mistakes in the program.
func New(jobs []Job, opts Options) *Runner {
	seen := map[string]bool{}
	for _, j := range jobs {
		if j.Name == "" || j.Every <= 0 || j.Run == nil || seen[j.Name] {
			panic(fmt.Sprintf("jobs: job %q lacks a name, a schedule or a function, or is there twice", j.Name))
		}
		seen[j.Name] = true
	}
	r := &Runner{jobs: jobs, leader: opts.Leader, log: opts.Logger}
	if r.leader == nil {
		r.leader = Alone{}
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	reg := opts.Metrics
	if reg == nil {
		reg = metrics.NewRegistry()
	}
	r.leading = reg.Gauge("carefund_jobs_leader",
		"1 while this node leads the installation and runs its background jobs, 0 while it stands by.").With()
	r.runs = reg.Counter("carefund_job_runs_total",
		"Runs of background jobs on this node, by job and result (ok, error).", "job", "result")
	r.success = reg.Gauge("carefund_job_last_success_timestamp_seconds",
		"When each background job last finished without an error on this node, as Unix time.", "job")
	return r
}

// Run runs the jobs until ctx ends: it waits to lead, runs every job at
// once and then on its schedule while it leads, and waits to lead again if
// it loses the lead. It returns after the runs in flight have returned.
func (r *Runner) Run(ctx context.Context) {
	names := make([]string, len(r.jobs))
	for i, j := range r.jobs {
		names[i] = j.Name
	}
	for ctx.Err() == nil {
		lead, release, err := r.leader.Lead(ctx)
		if err != nil {
			return // ctx ended
		}
		r.log.Info("this node runs the background jobs", "jobs", names)
		r.leading.Set(1)
		var wg sync.WaitGroup
		for _, j := range r.jobs {
			wg.Go(func() { r.loop(lead, j) })
		}
		<-lead.Done()
		wg.Wait()
		r.leading.Set(0)
		cause := context.Cause(lead)
		release()
		if ctx.Err() == nil {
			r.log.Warn("this node lost the lead of the background jobs", "err", cause)
		}
	}
}

// loop runs j now and then every j.Every until ctx ends.
func (r *Runner) loop(ctx context.Context, j Job) {
	tick := time.NewTicker(j.Every)
	defer tick.Stop()
	for {
		r.once(ctx, j)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// once runs j and records how it went. A panic is a failed run, logged, not
// the end of the process: the other jobs and the web server go on.
func (r *Runner) once(ctx context.Context, j Job) {
	err := func() (err error) {
		defer func() {
			if v := recover(); v != nil {
				err = fmt.Errorf("panic: %v", v)
			}
		}()
		return j.Run(ctx)
	}()
	switch {
	case err == nil:
		r.runs.With(j.Name, "ok").Inc()
		r.success.With(j.Name).Set(float64(time.Now().UnixMilli()) / 1000)
	case ctx.Err() != nil:
		// Stopped leading mid-run: the next leader runs it again.
	default:
		r.runs.With(j.Name, "error").Inc()
		r.log.Error("a background job failed; it runs again at its next time", "job", j.Name,
			"every", j.Every.String(), "err", err)
	}
}
