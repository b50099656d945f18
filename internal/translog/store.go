package translog

import (
	"context"
	"fmt"

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
	if len(items) == 0 {
		return nil
	}
	now := tx.Now.Unix()
	for _, p := range items {
		if len(p.Data) == 0 || len(p.Data) > MaxEntry {
			return fmt.Errorf("%w: entry of %d bytes for %s", ErrRecord, len(p.Data), p.Source)
		}
	}
	var err error
	if tx.Dialect == store.Postgres {
		// One statement, the rows as arrays: the text is the same for
		// every batch.
		sources, data := make([]string, len(items)), make([][]byte, len(items))
		for k, p := range items {
			sources[k], data[k] = p.Source, p.Data
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO translog_pending (source, data, created_at)
			SELECT s, d, $3 FROM unnest($1::text[], $2::bytea[]) WITH ORDINALITY AS t (s, d, o) ORDER BY o`, sources, data, now)
	} else {
		args := make([]any, 0, 3*len(items))
		for _, p := range items {
			args = append(args, p.Source, p.Data, now)
		}
		_, err = tx.ExecRows(ctx, "INSERT INTO translog_pending (source, data, created_at) VALUES ", "", 3, args)
	}
	if err != nil {
		return fmt.Errorf("translog: enqueue: %w", err)
	}
	return nil
}
