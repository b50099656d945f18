package jobs

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/store/storetest"
)

// TestAdvisoryLock: of two nodes on one PostgreSQL database, one leads and
// the other stands by; when the leader's session ends (as when its process
// dies), its lead ends and the other node takes over; a node that gives the
// lead up lets the other take it.
func TestAdvisoryLock(t *testing.T) {
	dsn, ok := storetest.PostgresDSN(t)
	if !ok {
		t.Skip("needs PostgreSQL: set " + storetest.EnvPostgres)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logsA, logsB := &logBuffer{}, &logBuffer{}
	a := &AdvisoryLock{DSN: dsn, Retry: 10 * time.Millisecond, Check: 10 * time.Millisecond, Logger: logsA.logger()}
	b := &AdvisoryLock{DSN: dsn, Retry: 10 * time.Millisecond, Check: 10 * time.Millisecond, Logger: logsB.logger()}

	leadA, releaseA, err := a.Lead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	type led struct {
		lead    context.Context
		release func()
		err     error
	}
	bLeads := make(chan led, 1)
	go func() {
		l, r, err := b.Lead(ctx)
		bLeads <- led{l, r, err}
	}()
	waitFor(t, "B to stand by", func() bool { return strings.Contains(logsB.String(), "stands by") })
	select {
	case <-bLeads:
		t.Fatal("B leads while A holds the lock")
	default:
	}

	// A's session ends, as it does when A's process is killed.
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var n int
	err = admin.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(l.pid)) FROM pg_locks l
		WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
		AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND ((l.classid::bigint << 32) | l.objid::bigint) = `+lockKey).Scan(&n)
	if err != nil || n != 1 {
		t.Fatalf("ending the leader's session: %d sessions, %v", n, err)
	}
	var b1 led
	select {
	case b1 = <-bLeads:
	case <-time.After(safety):
		t.Fatal("B did not take over")
	}
	if b1.err != nil {
		t.Fatal(b1.err)
	}
	select {
	case <-leadA.Done():
	case <-time.After(safety):
		t.Fatal("A still leads after its session ended")
	}
	if cause := context.Cause(leadA); cause == nil || !strings.Contains(cause.Error(), "session") {
		t.Errorf("A's lead ended with %v", cause)
	}
	releaseA()

	// A stands by now; B gives the lead up, and A takes it.
	aLeads := make(chan led, 1)
	go func() {
		l, r, err := a.Lead(ctx)
		aLeads <- led{l, r, err}
	}()
	waitFor(t, "A to stand by", func() bool { return strings.Contains(logsA.String(), "stands by") })
	b1.release()
	select {
	case a2 := <-aLeads:
		if a2.err != nil {
			t.Fatal(a2.err)
		}
		a2.release()
	case <-time.After(safety):
		t.Fatal("A did not take the lead B gave up")
	}

	// Lead returns when its context ends while it stands by.
	if _, _, err := (&AdvisoryLock{DSN: dsn}).Lead(canceled()); err == nil {
		t.Error("Lead led with a context already ended")
	}
}

func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}
