package jobs

import (
	"context"
	"time"

	"github.com/carefund/carefund/internal/winddown"
)

// WindDownJob advances the platform's wind-down (R-WIND-1): it closes any
// request found raising money, starts the refund runs due from day 30,
// and marks the wind-down complete when nothing is held. With no
// wind-down under way it reads one row and stops.
const WindDownJob = "wind-down"

// WindDownEvery is how often the job runs: well inside the day the
// schedule counts in.
const WindDownEvery = 5 * time.Minute

// WindDown runs the wind-down job once (winddown.Service.Advance), calling
// changed when it changed what the public sees.
func WindDown(ctx context.Context, s *winddown.Service, changed func()) error {
	a, err := s.Advance(ctx)
	if a.Changed() {
		changed()
	}
	return err
}
