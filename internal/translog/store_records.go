package translog

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/carefund/carefund/internal/store"
)

// LoggedRecord is a record in the log: integrated at Index, or pending (Index -1)
// in the outbox, which the integrator moves into the tree in order. A
// pending record is logged already as far as its event is concerned: it
// committed with it and will be integrated.
type LoggedRecord struct {
	Index int64
	Record
}

// notIntegrated is the Index of a pending record.
const notIntegrated = -1

// IsPending reports whether l waits in the outbox.
func (l LoggedRecord) IsPending() bool { return l.Index == notIntegrated }

// Records returns every record of type typ, integrated ones in index order,
// then pending ones in the order they will be integrated. A record of
// another type under the type's source prefix, or one that does not parse,
// is an error naming its source: the log's own rows are the evidence, and a
// reader must not skip what it cannot read.
func Records(ctx context.Context, tx *store.Tx, typ string) ([]LoggedRecord, error) {
	prefix, ok := SourcePrefix(typ)
	if !ok {
		return nil, fmt.Errorf("translog: no record type %q", typ)
	}
	like := likePattern(prefix)
	var out []LoggedRecord
	read := func(query string) error {
		return store.Each(ctx, tx, func(rows *sql.Rows) error {
			var idx int64
			var source string
			var data []byte
			if err := rows.Scan(&idx, &source, &data); err != nil {
				return err
			}
			r, err := Parse(data)
			if err != nil {
				return fmt.Errorf("translog: entry %s: %w", source, err)
			}
			if r.Type != typ || r.Source != source {
				return fmt.Errorf("%w: entry %s holds a %s record of source %q", ErrRecord, source, r.Type, r.Source)
			}
			out = append(out, LoggedRecord{Index: idx, Record: r})
			return nil
		}, query, like)
	}
	if err := read(`SELECT idx, source, data FROM translog_entries WHERE source LIKE $1 ESCAPE '\' ORDER BY idx`); err != nil {
		return nil, err
	}
	if err := read(fmt.Sprintf(`SELECT %d, source, data FROM translog_pending WHERE source LIKE $1 ESCAPE '\' ORDER BY id`, notIntegrated)); err != nil {
		return nil, err
	}
	return out, nil
}

// Has reports whether source is in the log, integrated or pending.
func Has(ctx context.Context, tx *store.Tx, source string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM translog_entries WHERE source = $1)
		+ (SELECT count(*) FROM translog_pending WHERE source = $1)`, source).Scan(&n)
	return n > 0, err
}
