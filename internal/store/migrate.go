package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// migrations holds one folder of SQL files per dialect. Files are applied in
// name order, each in its own transaction, and recorded in schema_migrations
// by name; both folders must hold the same names (a test checks).
//
//go:embed migrations
var migrations embed.FS

const bootstrap = `CREATE TABLE IF NOT EXISTS schema_migrations (
	name       TEXT   NOT NULL PRIMARY KEY,
	applied_at BIGINT NOT NULL
)`

// MigrationNames returns the names of the migrations embedded for dialect d, in
// the order they are applied.
func MigrationNames(d Dialect) ([]string, error) {
	entries, err := fs.ReadDir(migrations, path.Join("migrations", string(d)))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

// SchemaStatus compares the migrations applied to the database with those this
// program carries.
type SchemaStatus struct {
	Applied []string // applied and known
	Pending []string // known, not yet applied
	Unknown []string // applied by a newer program: this one must not run on it
}

// Current reports whether the schema is exactly what this program expects.
func (s SchemaStatus) Current() bool { return len(s.Pending) == 0 && len(s.Unknown) == 0 }

// ErrSchemaNewer is returned by Migrate when the database was migrated by a
// newer version of carefund.
var ErrSchemaNewer = errors.New("the database schema is newer than this program")

// Status reads which migrations have been applied.
func (db *DB) Status(ctx context.Context) (SchemaStatus, error) {
	var st SchemaStatus
	known, err := MigrationNames(db.dialect)
	if err != nil {
		return st, err
	}
	applied, err := db.appliedMigrations(ctx)
	if err != nil {
		return st, err
	}
	for _, n := range known {
		if slices.Contains(applied, n) {
			st.Applied = append(st.Applied, n)
		} else {
			st.Pending = append(st.Pending, n)
		}
	}
	for _, n := range applied {
		if !slices.Contains(known, n) {
			st.Unknown = append(st.Unknown, n)
		}
	}
	return st, nil
}

func (db *DB) appliedMigrations(ctx context.Context) ([]string, error) {
	var names []string
	err := db.Read(ctx, func(tx *Tx) error {
		if ok, err := tx.tableExists(ctx, "schema_migrations"); err != nil || !ok {
			return err
		}
		var err error
		names, err = All(ctx, tx, func(rows *sql.Rows) (string, error) {
			var n string
			err := rows.Scan(&n)
			return n, err
		}, "SELECT name FROM schema_migrations ORDER BY name")
		return err
	})
	return names, err
}

func (tx *Tx) tableExists(ctx context.Context, name string) (bool, error) {
	q := "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1"
	if tx.Dialect == Postgres {
		q = "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
	}
	var n int
	err := tx.QueryRowContext(ctx, q, name).Scan(&n)
	return n > 0, err
}

// Migrate applies every pending migration, each in its own transaction, and
// returns the names it applied. It refuses, with ErrSchemaNewer, to touch a
// database that holds migrations this program does not know. Several
// processes may call it at once: on PostgreSQL a session advisory lock
// serializes them; on SQLite each migration's transaction holds the write
// lock and checks again that nobody applied it first.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	conn, err := db.writer.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if db.dialect == Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrateLock); err != nil {
			return nil, err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrateLock)
	}
	if _, err := conn.ExecContext(ctx, bootstrap); err != nil {
		return nil, err
	}
	st, err := db.Status(ctx)
	if err != nil {
		return nil, err
	}
	if len(st.Unknown) > 0 {
		return nil, fmt.Errorf("%w (it has %s); upgrade carefund", ErrSchemaNewer, strings.Join(st.Unknown, ", "))
	}
	var done []string
	for _, name := range st.Pending {
		applied, err := db.apply(ctx, conn, name)
		if err != nil {
			return done, fmt.Errorf("migration %s: %w", name, err)
		}
		if applied {
			done = append(done, name)
		}
	}
	return done, nil
}

// migrateLock is the PostgreSQL advisory lock key Migrate holds.
const migrateLock = 0x6361726566756e64 // "carefund"

func (db *DB) apply(ctx context.Context, conn *sql.Conn, name string) (applied bool, err error) {
	body, err := migrations.ReadFile(path.Join("migrations", string(db.dialect), name))
	if err != nil {
		return false, err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE name = $1", name).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil // another process applied it first
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)",
		name, db.now().UnixMicro()); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// Ready reports whether the database answers and its schema is current.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.Ping(ctx); err != nil {
		return fmt.Errorf("database unreachable: %w", err)
	}
	st, err := db.Status(ctx)
	if err != nil {
		return err
	}
	if !st.Current() {
		return fmt.Errorf("schema not current: %d pending, %d unknown migrations", len(st.Pending), len(st.Unknown))
	}
	return nil
}

// Meta returns the value stored under key in the meta table, and whether
// there was one.
func (db *DB) Meta(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := db.Read(ctx, func(tx *Tx) error {
		return tx.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = $1", key).Scan(&v)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return v, err == nil, err
}

// SetMeta stores value under key in the meta table, replacing any old value.
func (tx *Tx) SetMeta(ctx context.Context, key, value string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		key, value, tx.Now.UnixMicro())
	return err
}
