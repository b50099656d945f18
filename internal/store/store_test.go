package store_test

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

var update = flag.Bool("update", false, "rewrite docs/schema.sql from the migrations")

func TestMigrationFoldersMatch(t *testing.T) {
	lite, err := store.MigrationNames(store.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := store.MigrationNames(store.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 {
		t.Fatal("no migrations embedded")
	}
	if !slices.Equal(lite, pg) {
		t.Errorf("migration names differ:\nsqlite:   %v\npostgres: %v", lite, pg)
	}
}

func TestMigrate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		again, err := db.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(again) != 0 {
			t.Errorf("second Migrate applied %v, want nothing", again)
		}
		st, err := db.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := store.MigrationNames(db.Dialect())
		if !st.Current() || !slices.Equal(st.Applied, want) {
			t.Errorf("status = %+v, want all of %v applied", st, want)
		}
		if err := db.Ready(ctx); err != nil {
			t.Errorf("Ready() = %v", err)
		}
	})
}

func TestMigrateConcurrently(t *testing.T) {
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			const n = 4
			var wg sync.WaitGroup
			applied := make([][]string, n)
			errs := make([]error, n)
			for i := range n {
				wg.Go(func() {
					db, err := store.Open(ctx, d.DSN)
					if err != nil {
						errs[i] = err
						return
					}
					defer db.Close()
					applied[i], errs[i] = db.Migrate(ctx)
				})
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			count := map[string]int{}
			for _, a := range applied {
				for _, name := range a {
					count[name]++
				}
			}
			want, _ := store.MigrationNames(store.SQLite)
			for _, name := range want {
				if count[name] != 1 {
					t.Errorf("migration %s applied %d times, want once", name, count[name])
				}
			}
		})
	}
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		storetest.Exec(t, db, "INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_future.sql', 0)")
		if _, err := db.Migrate(ctx); !errors.Is(err, store.ErrSchemaNewer) {
			t.Errorf("Migrate() = %v, want ErrSchemaNewer", err)
		}
		if err := db.Ready(ctx); err == nil {
			t.Error("Ready() = nil on a schema with an unknown migration")
		}
	})
}

func TestCheckDurability(t *testing.T) {
	ctx := context.Background()
	t.Run("sqlite", func(t *testing.T) {
		tests := []struct {
			query   string
			setting string // "" when the settings are durable
		}{
			{"", ""},
			{"?_sync=EXTRA", ""},
			{"?_synchronous=NORMAL", "synchronous"},
			{"?_sync=OFF", "synchronous"},
			{"?_journal_mode=DELETE", "journal_mode"},
			{"?_fk=0", "foreign_keys"},
		}
		for _, tt := range tests {
			t.Run(strings.TrimPrefix(tt.query, "?"), func(t *testing.T) {
				db, err := store.Open(ctx, storetest.SQLiteDSN(t)+tt.query)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				checkDurability(t, db, tt.setting)
			})
		}
	})
	t.Run("postgres", func(t *testing.T) {
		dsn, ok := storetest.PostgresDSN(t)
		if !ok {
			t.Skip(storetest.EnvPostgres + " not set")
		}
		for _, tt := range []struct{ param, setting string }{
			{"", ""},
			{"&synchronous_commit=local", ""},
			{"&synchronous_commit=off", "synchronous_commit"},
		} {
			t.Run(tt.setting, func(t *testing.T) {
				db, err := store.Open(ctx, dsn+tt.param)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				checkDurability(t, db, tt.setting)
			})
		}
	})
}

func checkDurability(t *testing.T, db *store.DB, setting string) {
	t.Helper()
	err := db.CheckDurability(context.Background())
	var de *store.DurabilityError
	switch {
	case setting == "" && err != nil:
		t.Errorf("CheckDurability() = %v, want nil", err)
	case setting != "" && !errors.As(err, &de):
		t.Errorf("CheckDurability() = %v, want a DurabilityError about %s", err, setting)
	case setting != "" && de.Setting != setting:
		t.Errorf("CheckDurability() names %s, want %s", de.Setting, setting)
	}
}

func TestMeta(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, ok, err := db.Meta(ctx, "demo"); err != nil || ok {
			t.Fatalf("Meta(demo) on a new database = _, %v, %v; want not found", ok, err)
		}
		for _, v := range []string{"loaded", "reloaded"} {
			if err := db.Write(ctx, func(tx *store.Tx) error { return tx.SetMeta(ctx, "demo", v) }); err != nil {
				t.Fatal(err)
			}
			got, ok, err := db.Meta(ctx, "demo")
			if err != nil || !ok || got != v {
				t.Errorf("Meta(demo) = %q, %v, %v; want %q", got, ok, err, v)
			}
		}
	})
}

func TestWriteRollsBackOnError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := db.Write(ctx, func(tx *store.Tx) error {
			if err := tx.SetMeta(ctx, "half", "written"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Write() = %v, want boom", err)
		}
		if _, ok, err := db.Meta(ctx, "half"); err != nil || ok {
			t.Errorf("a failed Write left its row behind (ok=%v, err=%v)", ok, err)
		}
	})
}

// TestWriteRetriesSerializationFailures makes two SERIALIZABLE transactions
// read and then write the same row at the same time, which PostgreSQL must
// abort one of; Write runs that one again, and both increments land.
func TestWriteRetriesSerializationFailures(t *testing.T) {
	dsn, ok := storetest.PostgresDSN(t)
	if !ok {
		t.Skip(storetest.EnvPostgres + " not set")
	}
	db := storetest.Open(t, dsn)
	ctx := context.Background()
	if err := db.Write(ctx, func(tx *store.Tx) error { return tx.SetMeta(ctx, "counter", "0") }); err != nil {
		t.Fatal(err)
	}
	var attempts atomic.Int32
	var bothRead sync.WaitGroup
	bothRead.Add(2)
	var once [2]sync.Once
	increment := func(i int) error {
		return db.Write(ctx, func(tx *store.Tx) error {
			attempts.Add(1)
			var v string
			if err := tx.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'counter'").Scan(&v); err != nil {
				return err
			}
			once[i].Do(func() { bothRead.Done(); bothRead.Wait() })
			n := map[string]string{"0": "1", "1": "2"}[v]
			return tx.SetMeta(ctx, "counter", n)
		})
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() { errs[i] = increment(i) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	got, _, _ := db.Meta(ctx, "counter")
	if got != "2" {
		t.Errorf("counter = %q after two increments, want 2", got)
	}
	if n := attempts.Load(); n < 3 {
		t.Errorf("%d attempts; the conflict should have forced a retry", n)
	}
}

// TestSchemaDocIsCurrent fails when docs/schema.sql no longer matches the
// migrations; run `go test ./internal/store -run SchemaDoc -update` to rewrite it.
func TestSchemaDocIsCurrent(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	schema, err := db.DumpSchema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	names, _ := store.MigrationNames(store.SQLite)
	want := "-- The schema carefund's migrations build, read from SQLite after the last\n" +
		"-- migration (" + names[len(names)-1] + "). PostgreSQL has the same tables and\n" +
		"-- columns (a test checks); its types are in internal/store/migrations/postgres.\n" +
		"-- Generated: go test ./internal/store -run SchemaDoc -update\n\n" + schema
	path := filepath.Join("..", "..", "docs", "schema.sql")
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("docs/schema.sql is stale; run: go test ./internal/store -run SchemaDoc -update")
	}
}

// TestDialectsAgree checks that the two migration folders build the same
// tables with the same columns and the same NOT NULL constraints.
func TestDialectsAgree(t *testing.T) {
	dsn, ok := storetest.PostgresDSN(t)
	if !ok {
		t.Skip(storetest.EnvPostgres + " not set")
	}
	ctx := context.Background()
	lite, err := storetest.Open(t, storetest.SQLiteDSN(t)).Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := storetest.Open(t, dsn).Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for table, cols := range lite {
		if !slices.Equal(cols, pg[table]) {
			t.Errorf("table %s:\nsqlite:   %v\npostgres: %v", table, cols, pg[table])
		}
	}
	for table := range pg {
		if _, ok := lite[table]; !ok {
			t.Errorf("table %s exists only on PostgreSQL", table)
		}
	}
}

func TestOpenUnreachablePostgres(t *testing.T) {
	_, err := store.Open(context.Background(), "postgres://carefund:secret@127.0.0.1:1/carefund?connect_timeout=2")
	if err == nil {
		t.Fatal("Open on a closed port succeeded")
	}
	if msg := err.Error(); !strings.Contains(msg, "cannot reach PostgreSQL") || strings.Contains(msg, "secret") {
		t.Errorf("error = %q; want it to say PostgreSQL is unreachable, without the password", msg)
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://u:pw@h/db", "postgres://u:xxxxx@h/db"},
		{"postgres://u@h/db", "postgres://u@h/db"},
		{"postgres://h/db?password=pw&sslmode=disable", "postgres://h/db?password=xxxxx&sslmode=disable"},
		{"sqlite:/tmp/x.db", "sqlite:/tmp/x.db"},
		{"postgres://u@h/db?sslpassword=pw&sslmode=verify-full", "postgres://u@h/db?sslmode=verify-full&sslpassword=xxxxx"},
		{"postgres://u:pw@h/db?PassWord=pw", "postgres://u:xxxxx@h/db?PassWord=xxxxx"},
	}
	for _, tt := range tests {
		if got := store.RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestSQLiteLocation checks that any file name survives the trip through a
// location and into SQLite: the database lands in exactly the named file.
func TestSQLiteLocation(t *testing.T) {
	for _, name := range []string{"plain.db", "my data#1.db", "a?b.db", "x%41y.db", "中文 数据.db"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, name)
			loc := store.SQLiteLocation(path)
			got, _, err := store.SQLitePath(loc)
			if err != nil || got != path {
				t.Fatalf("SQLitePath(%q) = %q, %v; want %q", loc, got, err, path)
			}
			db, err := store.Open(context.Background(), loc+"?_busy_timeout=5000")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			db.Close()
			entries, _ := os.ReadDir(dir)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			if !slices.Contains(names, name) || slices.ContainsFunc(names, func(n string) bool { return !strings.HasPrefix(n, name) }) {
				t.Errorf("files made: %q, want %q (and its -wal, -shm)", names, name)
			}
		})
	}
	for _, bad := range []string{"sqlite:", "sqlite:/x.db?nolock=1", "sqlite:/x.db?mode=memory", "sqlite:/x.db?_pragma=synchronous(0)", "file:/x.db", "/x.db"} {
		if _, err := store.Open(context.Background(), bad); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
}

// TestSQLiteTempStoreInMemory checks that SQLite keeps statement journals in
// memory: a batch's multi-row statements would otherwise write a temporary
// file page by page inside every group commit.
func TestSQLiteTempStoreInMemory(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	ctx := context.Background()
	var got int
	if err := db.Write(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, "PRAGMA temp_store").Scan(&got)
	}); err != nil {
		t.Fatal(err)
	}
	if got != 2 {
		t.Errorf("PRAGMA temp_store = %d, want 2 (MEMORY)", got)
	}
}

func TestAllAndEach(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		err := db.Write(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `CREATE TABLE rows_test (n INTEGER NOT NULL)`); err != nil {
				return err
			}
			for _, n := range []int{3, 1, 2} {
				if _, err := tx.ExecContext(ctx, `INSERT INTO rows_test (n) VALUES ($1)`, n); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		scan := func(rows *sql.Rows) (n int, err error) { return n, rows.Scan(&n) }
		var got []int
		err = db.Read(ctx, func(tx *store.Tx) (err error) {
			got, err = store.All(ctx, tx, scan, `SELECT n FROM rows_test WHERE n > $1 ORDER BY n`, 1)
			return err
		})
		if err != nil || len(got) != 2 || got[0] != 2 || got[1] != 3 {
			t.Errorf("All = %v, %v; want [2 3]", got, err)
		}
		stop := errors.New("stop")
		seen := 0
		err = db.Read(ctx, func(tx *store.Tx) error {
			return store.Each(ctx, tx, func(*sql.Rows) error { seen++; return stop }, `SELECT n FROM rows_test`)
		})
		if !errors.Is(err, stop) || seen != 1 {
			t.Errorf("Each = %v after %d rows; want the row function's error after 1", err, seen)
		}
		err = db.Read(ctx, func(tx *store.Tx) error {
			_, err := store.All(ctx, tx, scan, `SELECT missing FROM rows_test`)
			return err
		})
		if err == nil {
			t.Error("All of a bad query returned no error")
		}
	})
}
