package translog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/carefund/carefund/internal/store"
)

// pendingRow is a row of the outbox, with the data already logged under
// its source, if any.
type pendingRow struct {
	id, createdAt int64
	source        string
	data, logged  []byte
	isLogged      bool
}

// lockIntegrator makes integrators queue: on PostgreSQL a transaction-level
// advisory lock; on SQLite the write transaction holds the database's lock.
func lockIntegrator(ctx context.Context, tx *store.Tx) error {
	if tx.Dialect != store.Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", advisoryKey)
	return err
}

// advisoryKey names the integrator's lock: "ctlog" in ASCII.
const advisoryKey int64 = 0x63746c6f67

// treeSize returns the number of entries in the tree.
func treeSize(ctx context.Context, tx *store.Tx) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, "SELECT coalesce(max(idx) + 1, 0) FROM translog_entries").Scan(&n)
	return n, err
}

// readPending returns up to limit pending rows in id order, each with the
// data logged under its source before, if any.
func readPending(ctx context.Context, tx *store.Tx, limit int) ([]pendingRow, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (pendingRow, error) {
		var p pendingRow
		err := rows.Scan(&p.id, &p.source, &p.data, &p.createdAt, &p.logged)
		p.isLogged = p.logged != nil
		return p, err
	}, `SELECT p.id, p.source, p.data, p.created_at, e.data
		FROM translog_pending p LEFT JOIN translog_entries e ON e.source = p.source
		ORDER BY p.id LIMIT $1`, limit)
}

// insertEntries writes new entries and their stored hashes: on
// PostgreSQL one statement each, arrays as parameters; on SQLite
// multi-row statements of positional parameters, prepared once per size.
func insertEntries(ctx context.Context, tx *store.Tx, first int64, rows []pendingRow, hashIDs []int64, hashes []tlog.Hash) error {
	now := tx.Now.Unix()
	if tx.Dialect == store.Postgres {
		n := len(rows)
		idx, sources, data, created := make([]int64, n), make([]string, n), make([][]byte, n), make([]int64, n)
		for k, p := range rows {
			idx[k], sources[k], data[k], created[k] = first+int64(k), p.source, p.data, p.createdAt
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO translog_entries (idx, source, data, created_at, logged_at)
			SELECT i, s, d, c, $5 FROM unnest($1::bigint[], $2::text[], $3::bytea[], $4::bigint[]) AS t (i, s, d, c)`,
			idx, sources, data, created, now); err != nil {
			return fmt.Errorf("translog: inserting entries: %w", err)
		}
		hs := make([][]byte, len(hashes))
		for k := range hashes {
			hs[k] = hashes[k][:]
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO translog_hashes (id, hash) SELECT * FROM unnest($1::bigint[], $2::bytea[])`,
			hashIDs, hs); err != nil {
			return fmt.Errorf("translog: inserting hashes: %w", err)
		}
		return nil
	}
	args := make([]any, 0, 5*len(rows))
	for k, p := range rows {
		args = append(args, first+int64(k), p.source, p.data, p.createdAt, now)
	}
	if _, err := tx.ExecRows(ctx, "INSERT INTO translog_entries (idx, source, data, created_at, logged_at) VALUES ", "", 5, args); err != nil {
		return fmt.Errorf("translog: inserting entries: %w", err)
	}
	args = make([]any, 0, 2*len(hashIDs))
	for k, id := range hashIDs {
		args = append(args, id, hashes[k][:])
	}
	if _, err := tx.ExecRows(ctx, "INSERT INTO translog_hashes (id, hash) VALUES ", "", 2, args); err != nil {
		return fmt.Errorf("translog: inserting hashes: %w", err)
	}
	return nil
}

// deletePending removes the outbox rows ids: only those read, never a
// row of a transaction that committed since.
func deletePending(ctx context.Context, tx *store.Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	var err error
	if tx.Dialect == store.Postgres {
		_, err = tx.ExecContext(ctx, "DELETE FROM translog_pending WHERE id = ANY($1::bigint[])", ids)
	} else {
		var b strings.Builder
		b.WriteByte('[')
		for k, id := range ids {
			if k > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatInt(id, 10))
		}
		b.WriteByte(']')
		_, err = tx.ExecContext(ctx, "DELETE FROM translog_pending WHERE id IN (SELECT value FROM json_each($1))", b.String())
	}
	if err != nil {
		return fmt.Errorf("translog: clearing the outbox: %w", err)
	}
	return nil
}

// insertCheckpoint stores a signed checkpoint; one of the same size signed
// already is kept.
func insertCheckpoint(ctx context.Context, tx *store.Tx, size int64, root tlog.Hash, signed string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO translog_checkpoints (size, root, note, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (size) DO NOTHING`, size, root[:], signed, tx.Now.Unix())
	if err != nil {
		return fmt.Errorf("translog: storing the checkpoint: %w", err)
	}
	return nil
}

// entryIndex returns the index of the entry of source.
func entryIndex(ctx context.Context, tx *store.Tx, source string) (int64, []byte, bool, error) {
	var idx int64
	var data []byte
	err := tx.QueryRowContext(ctx, "SELECT idx, data FROM translog_entries WHERE source = $1", source).Scan(&idx, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, false, nil
	}
	return idx, data, err == nil, err
}

// entriesData returns the data of entries [from, to) in index order.
func entriesData(ctx context.Context, tx *store.Tx, from, to int64) ([][]byte, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) ([]byte, error) {
		var b []byte
		err := rows.Scan(&b)
		return b, err
	}, "SELECT data FROM translog_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx", from, to)
}

// isPending reports whether source waits in the outbox.
func isPending(ctx context.Context, tx *store.Tx, source string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, "SELECT count(*) FROM translog_pending WHERE source = $1", source).Scan(&n)
	return n > 0, err
}
