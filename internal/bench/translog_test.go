package bench

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestLogWorkload runs the transparency log's workload briefly on each
// database, to keep the benchmark working: it must integrate what it
// appended, see its probes covered by checkpoints, check a proof, and
// leave the donations verified. Nothing here asserts a speed.
func TestLogWorkload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r, err := Log(context.Background(), db, LogOptions{Concurrency: 4, Duration: time.Second, Appenders: 1, AppendBatch: 64,
			Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		// What the integrator did within the one-second run depends on
		// how busy the machine is (one batch under the race detector
		// can take longer); that it integrated everything by the end
		// does not.
		if left, err := backlog(context.Background(), db); err != nil || left != 0 {
			t.Errorf("%d records left to integrate after the run (%v)", left, err)
		}
		if r.Appended == 0 || r.InclusionCheckUs <= 0 || r.ProofVerifyUs <= 0 || r.DonateOffPerSec <= 0 || r.DonateOnPerSec <= 0 {
			t.Errorf("%+v", r)
		}
		if r.VerifyError != "" {
			t.Errorf("verify failed: %s", r.VerifyError)
		}
	})
}
