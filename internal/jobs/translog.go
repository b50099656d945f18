package jobs

import (
	"context"
	"time"

	"github.com/carefund/carefund/internal/translog"
)

// TranslogJob integrates the transparency log's outbox into its tree and
// signs a checkpoint of it (issue 17).
const TranslogJob = "translog-integrate"

// TranslogEvery is how often the log is integrated: an event is covered by
// a signed checkpoint well within a second of its commit.
const TranslogEvery = 200 * time.Millisecond

// translogRounds bounds the batches one run integrates while the outbox
// holds more than a batch; the next run goes on.
const translogRounds = 64

// IntegrateLog integrates the outbox, batch after batch while batches come
// full, and returns how many entries it added. Its first run signs the
// empty tree's checkpoint, so the log always has one to serve.
func IntegrateLog(ctx context.Context, l *translog.Log) (int, error) {
	total := 0
	for range translogRounds {
		n, err := l.Integrate(ctx)
		total += n
		if err != nil || n < l.Batch() {
			return total, err
		}
	}
	return total, nil
}
