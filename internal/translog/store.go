package translog

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/carefund/carefund/internal/store"
)

// Pending is an entry on its way into the log: the event it records and its
// bytes (Record.Data).
type Pending struct {
	Source string
	Data   []byte
}

// Enqueue adds entries to the log's outbox in tx, the transaction of the
// events they record, so that they are logged if and only if the events
// commit. The integrator gives them their index later. A source already
// pending fails the transaction: an event is logged once.
func Enqueue(ctx context.Context, tx *store.Tx, items ...Pending) error {
	const cols, chunk = 3, 300
	now := tx.Now.Unix()
	for len(items) > 0 {
		n := min(len(items), chunk)
		args := make([]any, 0, cols*n)
		var b strings.Builder
		b.WriteString("INSERT INTO translog_pending (source, data, created_at) VALUES ")
		for k, p := range items[:n] {
			if len(p.Data) == 0 || len(p.Data) > MaxEntry {
				return fmt.Errorf("%w: entry of %d bytes for %s", ErrRecord, len(p.Data), p.Source)
			}
			if k > 0 {
				b.WriteByte(',')
			}
			i := len(args)
			b.WriteString("($" + strconv.Itoa(i+1) + ",$" + strconv.Itoa(i+2) + ",$" + strconv.Itoa(i+3) + ")")
			args = append(args, p.Source, p.Data, now)
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("translog: enqueue: %w", err)
		}
		items = items[n:]
	}
	return nil
}
