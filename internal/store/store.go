// Package store keeps carefund's data in SQLite or PostgreSQL with plain SQL.
//
// One DB value wraps both dialects. Writes go through DB.Write, which runs a
// function in a transaction and, on PostgreSQL, retries it when the database
// reports a serialization failure or deadlock. On SQLite every write is
// funnelled through a single connection (SQLite allows one writer at a time
// anyway), so writers queue in Go instead of spinning on SQLITE_BUSY, and reads
// use a separate pool of read-only connections that WAL mode lets run
// alongside the writer.
//
// The SQL is written once with $1-style placeholders, which both drivers accept;
// the few statements that differ by dialect branch on DB.Dialect.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"               // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the SQL database behind a DB.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// MinPostgresVersion is the oldest PostgreSQL server carefund runs on, as
// server_version_num.
const MinPostgresVersion = 150000

// DB is a connection to carefund's database.
type DB struct {
	dialect Dialect
	writer  *sql.DB // SQLite: one connection; PostgreSQL: the pool
	read    *sql.DB // SQLite: read-only pool; PostgreSQL: the same pool as write
	display string  // the location, with any password removed
	now     func() time.Time

	stmts sync.Map // query → *sql.Stmt prepared on the SQLite writer; see ExecPrepared
}

// Tx is a transaction with the time it started, so that every row it writes
// carries the same timestamp.
type Tx struct {
	*sql.Tx
	Now     time.Time
	Dialect Dialect
	// ReadOnly says the transaction came from Read: it cannot lock rows.
	ReadOnly bool

	db         *DB
	unprepared []string // see ExecPrepared
}

// ExecPrepared is ExecContext for a statement run again and again (a hot
// path): on SQLite the statement is prepared on the writer connection once,
// after the first transaction that runs it, and kept, so it is not parsed
// again; PostgreSQL's driver caches prepared statements by itself. Use it
// only with a bounded set of query texts.
func (tx *Tx) ExecPrepared(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if stmt := tx.prepared(query); stmt != nil {
		return stmt.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// QueryRowPrepared is QueryRowContext as ExecPrepared is ExecContext.
func (tx *Tx) QueryRowPrepared(ctx context.Context, query string, args ...any) *sql.Row {
	if stmt := tx.prepared(query); stmt != nil {
		return stmt.QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}

// prepared returns the transaction's handle on the kept statement for query,
// or nil when there is none yet (or this is PostgreSQL, or a reader).
func (tx *Tx) prepared(query string) *sql.Stmt {
	if tx.Dialect != SQLite || tx.db == nil {
		return nil
	}
	if stmt, ok := tx.db.stmts.Load(query); ok {
		return tx.Stmt(stmt.(*sql.Stmt))
	}
	// The writer's only connection is this transaction's: prepare once it
	// is free again.
	tx.unprepared = append(tx.unprepared, query)
	return nil
}

// prepare prepares, on the SQLite writer, the statements a committed
// transaction ran unprepared.
func (db *DB) prepare(ctx context.Context, queries []string) {
	for _, q := range queries {
		if _, ok := db.stmts.Load(q); ok {
			continue
		}
		if stmt, err := db.writer.PrepareContext(ctx, q); err == nil {
			db.stmts.Store(q, stmt)
		}
	}
}

// Open connects to the database named by dsn: a postgres:// or postgresql://
// URL, or a SQLite location, sqlite:PATH with optional settings (see
// SQLitePath). It checks that the server is reachable and recent enough, but
// neither the durability settings (see CheckDurability) nor the schema (see
// Migrate).
func Open(ctx context.Context, dsn string) (*DB, error) {
	switch {
	case IsPostgres(dsn):
		return openPostgres(ctx, dsn)
	case strings.HasPrefix(dsn, "sqlite:"):
		return openSQLite(ctx, dsn)
	default:
		return nil, errors.New("the database must be a postgres:// URL or a sqlite:PATH location")
	}
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	display := RedactURL(dsn)
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL URL %s: %w", display, err)
	}
	pool.SetMaxOpenConns(max(8, 4*runtime.GOMAXPROCS(0)))
	pool.SetMaxIdleConns(max(8, 4*runtime.GOMAXPROCS(0)))
	pool.SetConnMaxIdleTime(5 * time.Minute)
	db := &DB{dialect: Postgres, writer: pool, read: pool, display: display, now: time.Now}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var version int
	if err := pool.QueryRowContext(pctx, "SELECT current_setting('server_version_num')::int").Scan(&version); err != nil {
		pool.Close()
		return nil, fmt.Errorf("cannot reach PostgreSQL at %s: %w", display, unwrapConnect(err))
	}
	if version < MinPostgresVersion {
		pool.Close()
		return nil, fmt.Errorf("PostgreSQL at %s is version %d.%d; carefund needs %d or newer",
			display, version/10000, version%10000, MinPostgresVersion/10000)
	}
	return db, nil
}

// unwrapConnect trims pgx's long connection error to its last, most telling part.
func unwrapConnect(err error) error {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		if inner := errors.Unwrap(ce); inner != nil {
			return inner
		}
	}
	return err
}

// sqliteDefaults are the per-connection settings carefund needs from SQLite.
// Each is applied unless the DSN sets the same key (or its alias) itself; in
// that case CheckDurability reports a wrong setting rather than overriding it
// silently.
var sqliteDefaults = []struct{ key, alias, value string }{
	{"_journal_mode", "_journal", "WAL"},
	{"_synchronous", "_sync", "FULL"},
	{"_foreign_keys", "_fk", "1"},
	{"_busy_timeout", "_timeout", "10000"},
}

// sqliteSettings are the settings a SQLite location may carry: the
// durability settings, so that a wrong one is reported rather than silently
// overridden, and the busy timeout. Anything else (SQLite's own nolock,
// immutable, mode…) could undermine durability behind CheckDurability's back.
var sqliteSettings = map[string]bool{
	"_journal_mode": true, "_journal": true, "_synchronous": true, "_sync": true,
	"_foreign_keys": true, "_fk": true, "_busy_timeout": true, "_timeout": true,
}

// SQLiteLocation returns the location of the SQLite file at path, escaped so
// that any file name ('#', '?', '%', spaces) reads back as itself.
func SQLiteLocation(path string) string {
	return "sqlite:" + (&url.URL{Path: path}).EscapedPath()
}

// SQLitePath returns the file path and settings of a SQLite location,
// sqlite:PATH?setting=value&…, where PATH is percent-encoded as in a URL.
func SQLitePath(dsn string) (path string, settings url.Values, err error) {
	rest, ok := strings.CutPrefix(dsn, "sqlite:")
	if !ok {
		return "", nil, fmt.Errorf("a SQLite location must start with sqlite:PATH")
	}
	rest = strings.TrimPrefix(rest, "//")
	raw, query, _ := strings.Cut(rest, "?")
	if path, err = url.PathUnescape(raw); err != nil || path == "" {
		return "", nil, fmt.Errorf("the SQLite location has no valid file path")
	}
	if settings, err = url.ParseQuery(query); err != nil {
		return "", nil, fmt.Errorf("the SQLite location's settings: %w", err)
	}
	for k := range settings {
		if !sqliteSettings[k] {
			return "", nil, fmt.Errorf("SQLite setting %q is not supported; carefund accepts _journal_mode, _synchronous, _foreign_keys and _busy_timeout", k)
		}
	}
	return path, settings, nil
}

// pingSQLite opens the writer's connection. Switching a database to WAL
// needs a moment alone with it, and SQLite answers SQLITE_BUSY at once,
// without waiting out the busy timeout, when another process (a second
// node starting, a migration) holds it just then; so a busy answer is
// retried for up to ten seconds, as the busy timeout would have waited.
func pingSQLite(ctx context.Context, db *sql.DB) error {
	var err error
	for range 100 {
		var se *sqlite.Error
		if err = db.PingContext(ctx); err == nil || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(100 * time.Millisecond):
		}
	}
	return err
}

func openSQLite(ctx context.Context, dsn string) (*DB, error) {
	path, query, err := SQLitePath(dsn)
	if err != nil {
		return nil, err
	}
	for _, d := range sqliteDefaults {
		if !query.Has(d.key) && !query.Has(d.alias) {
			query.Set(d.key, d.value)
		}
	}
	query.Set("_txlock", "immediate")
	// SQLite's statement journals and temporary tables live in memory, not
	// in temporary files: a multi-row statement in a batch otherwise costs a
	// write system call per page. They hold nothing that must survive a
	// crash; durability is the WAL's.
	query.Add("_pragma", "temp_store(memory)")
	// Create a new database file readable by its owner only: it holds
	// personal data. SQLite gives its -wal and -shm files the same mode.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	}
	uri := "file:" + (&url.URL{Path: path}).EscapedPath()
	write, err := sql.Open("sqlite", uri+"?"+query.Encode())
	if err != nil {
		return nil, fmt.Errorf("SQLite database %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxIdleTime(0)
	write.SetConnMaxLifetime(0)

	// Touch the database through the writer first: that creates the file and
	// switches it to WAL before any reader opens it.
	if err := pingSQLite(ctx, write); err != nil {
		write.Close()
		return nil, fmt.Errorf("cannot open SQLite database %s: %w", path, err)
	}
	rq := url.Values{}
	for k, v := range query {
		rq[k] = v
	}
	rq.Set("_query_only", "1")
	rq.Set("_txlock", "deferred")
	read, err := sql.Open("sqlite", uri+"?"+rq.Encode())
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("SQLite database %s: %w", path, err)
	}
	read.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	read.SetMaxIdleConns(max(4, runtime.GOMAXPROCS(0)))
	return &DB{dialect: SQLite, writer: write, read: read, display: path, now: time.Now}, nil
}

// Dialect reports which database this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// SetClock replaces the clock that gives each transaction its Now. Golden
// tests fix it so that the times they record are the same on every run and
// on both databases. Call it before the database is used.
func (db *DB) SetClock(now func() time.Time) { db.now = now }

// String returns the database's location with any password removed.
func (db *DB) String() string { return string(db.dialect) + " " + db.display }

// Close closes every connection.
func (db *DB) Close() error {
	db.stmts.Range(func(_, stmt any) bool { stmt.(*sql.Stmt).Close(); return true })
	err := db.writer.Close()
	if db.read != db.writer {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Ping checks that the database answers. It asks through the read pool: on
// SQLite the single writer may be busy with a long write, which does not make
// the database unreachable.
func (db *DB) Ping(ctx context.Context) error {
	return db.read.PingContext(ctx)
}

// Stats reports the connection pool's figures, for metrics. On SQLite it is
// the writer's pool, where queueing shows.
func (db *DB) Stats() sql.DBStats { return db.writer.Stats() }

// ReadStats reports the read pool's figures; on PostgreSQL it equals Stats.
func (db *DB) ReadStats() sql.DBStats { return db.read.Stats() }

// maxAttempts bounds how often Write retries a transaction that PostgreSQL
// aborted to keep transactions serializable.
const maxAttempts = 10

// Write runs fn in a read-write transaction and commits it if fn returns nil.
// On PostgreSQL the transaction is SERIALIZABLE, and it is run again, from the
// start, when it fails with a serialization failure or a deadlock, so fn must
// have no effects outside the transaction. Write must not be called from
// inside fn.
func (db *DB) Write(ctx context.Context, fn func(*Tx) error) error {
	return db.write(ctx, sql.LevelSerializable, fn)
}

// WriteLocking is Write for transactions that lock the rows they decide on
// (SELECT … FOR UPDATE) rather than rely on serializable isolation: on
// PostgreSQL it runs at READ COMMITTED, which does not abort a transaction
// for reading rows another one changed. Deadlocks are retried as in Write.
func (db *DB) WriteLocking(ctx context.Context, fn func(*Tx) error) error {
	return db.write(ctx, sql.LevelReadCommitted, fn)
}

func (db *DB) write(ctx context.Context, level sql.IsolationLevel, fn func(*Tx) error) error {
	opts := &sql.TxOptions{}
	if db.dialect == Postgres {
		opts.Isolation = level
	}
	if runTwice {
		// In tests every transaction runs once more than it needs to: the
		// first attempt is rolled back whatever it returns, as a
		// serialization failure would roll it back, so a function that
		// changes anything outside its transaction fails the tests on
		// SQLite too, not only under load on PostgreSQL.
		if err := db.run(ctx, db.writer, opts, func(tx *Tx) error {
			fn(tx)
			return errRolledBack
		}); err != nil && !errors.Is(err, errRolledBack) {
			return err
		}
	}
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		err = db.run(ctx, db.writer, opts, fn)
		if err == nil || !IsRetryable(err) {
			return err
		}
		// Back off a little, with jitter, so the transactions that collided
		// do not collide again in lockstep.
		d := time.Duration(rand.Int64N(int64(attempt) * int64(2*time.Millisecond)))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
	}
	return fmt.Errorf("transaction still conflicting after %d attempts: %w", maxAttempts, err)
}

// runTwice makes every Write run its function in a transaction that is
// rolled back before the one that counts. It is on in every test binary,
// and in a carefund program that a test started (RunTwiceEnv), so that the
// end-to-end and crash tests run every transaction twice as well.
var runTwice = testing.Testing() || os.Getenv(RunTwiceEnv) == "1"

// RunTwiceEnv is the environment variable, set to 1 by tests that start the
// real program, that turns runTwice on in it. It is not configuration:
// nothing but a test sets it.
const RunTwiceEnv = "CAREFUND_TEST_RUN_TWICE"

// RunsTwice reports whether Write runs every function twice, the first
// run rolled back: true in tests.
func RunsTwice() bool { return runTwice }

// errRolledBack ends the first, discarded run of a transaction in tests.
var errRolledBack = errors.New("store: first run of a transaction, rolled back in tests")

// Read runs fn in a read-only transaction: one consistent snapshot.
func (db *DB) Read(ctx context.Context, fn func(*Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	return db.run(ctx, db.read, opts, fn)
}

func (db *DB) run(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(*Tx) error) error {
	readOnly := opts != nil && opts.ReadOnly
	if db.dialect == SQLite {
		// modernc's SQLite driver rejects isolation levels and read-only
		// options; the read pool is read-only by construction.
		opts = nil
	}
	sqlTx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	// Times are stored in microseconds; truncate now so that what a
	// transaction returns equals what a later read returns.
	// Roll back on any way out but a commit, a panic in fn included: on
	// SQLite an open write transaction holds the only writer connection.
	defer sqlTx.Rollback()
	tx := &Tx{Tx: sqlTx, Now: db.now().UTC().Truncate(time.Microsecond), Dialect: db.dialect, ReadOnly: readOnly}
	if pool == db.writer {
		tx.db = db
	}
	if err := fn(tx); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return err
	}
	if len(tx.unprepared) > 0 {
		db.prepare(ctx, tx.unprepared)
	}
	return nil
}

// IsRetryable reports whether err is a PostgreSQL serialization failure
// (SQLSTATE 40001) or deadlock (40P01): the transaction did nothing and can be
// run again.
func IsRetryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40001" || pgErr.Code == "40P01"
	}
	return false
}

// RedactURL returns a database URL with its password replaced, for display.
func RedactURL(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		// It cannot be taken apart, so it cannot be shown safely.
		return "(a database URL that cannot be parsed)"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	q := u.Query()
	changed := false
	for k := range q {
		if strings.Contains(strings.ToLower(k), "password") {
			q.Set(k, "xxxxx")
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return u.String()
}
