// Package storetest gives each test a fresh, migrated database: SQLite in the
// test's temporary folder always, and PostgreSQL (a new schema in the database
// named by CAREFUND_TEST_POSTGRES) when that variable holds a URL.
//
// Outside CI a missing PostgreSQL skips the PostgreSQL half of a test; with
// CI=true it fails it, so CI can never pass by skipping.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/carefund/carefund/internal/store"
)

// EnvPostgres names the environment variable holding the PostgreSQL URL.
const EnvPostgres = "CAREFUND_TEST_POSTGRES"

// Database is a fresh, empty database for one test.
type Database struct {
	Name string // "sqlite" or "postgres": the subtest's name
	DSN  string // what --database takes
}

// Databases returns a fresh, empty database of each available dialect. Both
// are removed when the test ends.
func Databases(t testing.TB) []Database {
	t.Helper()
	dbs := []Database{{Name: "sqlite", DSN: SQLiteDSN(t)}}
	if dsn, ok := PostgresDSN(t); ok {
		dbs = append(dbs, Database{Name: "postgres", DSN: dsn})
	}
	return dbs
}

// SQLiteDSN returns the location of a new SQLite database in the test's
// temporary folder.
func SQLiteDSN(t testing.TB) string {
	return store.SQLiteLocation(filepath.Join(t.TempDir(), "carefund.db"))
}

// PostgresDSN returns the URL of a new, empty schema in the test PostgreSQL
// database, dropped when the test ends. Without CAREFUND_TEST_POSTGRES it
// reports false, or fails the test when CI=true.
func PostgresDSN(t testing.TB) (string, bool) {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is not set: the PostgreSQL half of this test would be skipped", EnvPostgres)
		}
		return "", false
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	defer admin.Close()
	schema := "test_" + rand.Text()[:12]
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("creating schema in %s: %v", store.RedactURL(base), err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Error(err)
			return
		}
		defer admin.Close()
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping test schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), true
}

// Open opens a database, checks its durability settings and migrates it; it is
// closed when the test ends.
func Open(t testing.TB, dsn string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.CheckDurability(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// Each runs fn as a subtest once per available dialect, each with a fresh,
// migrated database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	dbs := Databases(t)
	for _, d := range dbs {
		t.Run(d.Name, func(t *testing.T) {
			fn(t, Open(t, d.DSN))
		})
	}
	if len(dbs) == 1 {
		// Say so in the test output: half of the suite did not run.
		t.Run("postgres", func(t *testing.T) { t.Skip(EnvPostgres + " is not set") })
	}
}

// Exec runs statements in one write transaction, failing the test on error.
func Exec(t testing.TB, db *store.DB, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	err := db.Write(ctx, func(tx *store.Tx) error {
		for _, s := range stmts {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
