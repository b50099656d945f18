package backup

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

const hash = "a3fb798920e87a45ecbd5470dfaba70c8a75f7c8555beb0cc5e874164f847dd9"

func manifestJSON(edit func(m map[string]any)) []byte {
	m := map[string]any{
		"format": 1, "dialect": "sqlite", "schema": "0033_key_backups.sql", "migrations": 29,
		"key_fingerprint": "ff4a4fd134c424ed83b5841b7646e481", "created_at": "2026-12-07T18:07:42Z", "version": "dev",
		"files": []any{map[string]any{"name": "carefund.db", "size": 10, "sha256": hash}},
	}
	if edit != nil {
		edit(m)
	}
	b, _ := json.Marshal(m)
	return b
}

func TestParseManifest(t *testing.T) {
	if _, err := ParseManifest(manifestJSON(nil)); err != nil {
		t.Fatalf("a good manifest: %v", err)
	}
	file := func(name string) func(m map[string]any) {
		return func(m map[string]any) {
			m["files"] = []any{map[string]any{"name": "carefund.db", "size": 10, "sha256": hash},
				map[string]any{"name": name, "size": 1, "sha256": hash}}
		}
	}
	for name, edit := range map[string]func(m map[string]any){
		"unknown field":    func(m map[string]any) { m["keys"] = "secret" },
		"other format":     func(m map[string]any) { m["format"] = 2 },
		"other dialect":    func(m map[string]any) { m["dialect"] = "mysql" },
		"no fingerprint":   func(m map[string]any) { m["key_fingerprint"] = "" },
		"no database file": func(m map[string]any) { m["dialect"] = "postgres" },
		"upper-case hash": func(m map[string]any) {
			m["files"] = []any{map[string]any{"name": "carefund.db", "size": 1, "sha256": strings.ToUpper(hash)}}
		},
		"negative size": func(m map[string]any) {
			m["files"] = []any{map[string]any{"name": "carefund.db", "size": -1, "sha256": hash}}
		},
		"escapes":       file("../etc/passwd"),
		"absolute":      file("/etc/passwd"),
		"dot segments":  file("uploads/./a"),
		"backslash":     file(`uploads\..\a`),
		"the manifest":  file(ManifestName),
		"listed twice":  file("carefund.db"),
		"trailing data": nil,
	} {
		t.Run(name, func(t *testing.T) {
			b := manifestJSON(edit)
			if edit == nil {
				b = append(b, []byte("{}")...)
			}
			if _, err := ParseManifest(b); err == nil {
				t.Errorf("accepted %s", b)
			}
		})
	}
}

func FuzzParseManifest(f *testing.F) {
	f.Add(manifestJSON(nil))
	f.Add([]byte(`{"format":1}`))
	f.Add([]byte(`{"files":[{"name":"../x"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseManifest(b)
		if err != nil {
			return
		}
		for _, file := range m.Files {
			if !filepath.IsLocal(filepath.FromSlash(file.Name)) {
				t.Fatalf("accepted a name outside the folder: %q", file.Name)
			}
		}
		again, err := ParseManifest(m.Marshal())
		if err != nil || len(again.Files) != len(m.Files) || again.KeyFingerprint != m.KeyFingerprint {
			t.Fatalf("does not round-trip: %v", err)
		}
	})
}

// R-PII-1: the keys backup is a checked copy, and a pending rotation or a
// folder holding something is refused.
func TestCopyKeys(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "keys")
	keys, err := keyring.Load(src, true)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "copy")
	fp, err := CopyKeys(src, dst)
	if err != nil || fp != keys.Fingerprint() {
		t.Fatalf("CopyKeys = %q, %v; want %s", fp, err, keys.Fingerprint())
	}
	info, err := os.Stat(dst)
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("copy folder: %v %v", info, err)
	}
	if copied, err := keyring.Load(dst, false); err != nil || copied.Log != keys.Log {
		t.Errorf("the copy does not carry the log's signing key (%v)", err)
	}
	for _, name := range keyring.FileNames() {
		info, err := os.Stat(filepath.Join(dst, name))
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", name, info, err)
		}
	}
	if _, err := CopyKeys(src, dst); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("copying into a folder holding keys: %v", err)
	}
	if _, err := keyring.GenerateMaster(src); err != nil {
		t.Fatal(err)
	}
	if _, err := CopyKeys(src, filepath.Join(dir, "other")); err == nil || !strings.Contains(err.Error(), keyring.PendingMaster) {
		t.Errorf("copying with a rotation pending: %v", err)
	}
}

// A keys folder reached through a link into the data folder is inside it.
func TestInside(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(filepath.Join(data, "keys"), 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "etc-keys")
	if err := os.Symlink(filepath.Join(data, "keys"), link); err != nil {
		t.Fatal(err)
	}
	dataLink := filepath.Join(dir, "data-link")
	if err := os.Symlink(data, dataLink); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		inner, outer string
		want         bool
	}{
		{filepath.Join(data, "keys"), data, true},
		{data, data, true},
		{link, data, true},
		{filepath.Join(link, "not-yet"), data, true},
		{filepath.Join(dataLink, "keys"), data, true},
		{filepath.Join(dir, "keys"), data, false},
		{filepath.Join(dir, "data2"), data, false},
		{dir, data, false},
	} {
		if got, err := Inside(c.inner, c.outer); err != nil || got != c.want {
			t.Errorf("Inside(%s, %s) = %v, %v; want %v", c.inner, c.outer, got, err, c.want)
		}
	}
}

func setFingerprint(t *testing.T, db *store.DB, fp string) {
	t.Helper()
	if err := db.Write(context.Background(), func(tx *store.Tx) error {
		return tx.SetMeta(context.Background(), "key_fingerprint", fp)
	}); err != nil {
		t.Fatal(err)
	}
}

// R-STAFF-1: a key backup is recorded with its audit entry, only for the
// database's current keys; a new fingerprint (after a rotation) has none.
func TestRecordKeyBackup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := &Service{DB: db}
		if _, _, err := s.KeysBackedUp(ctx); err != ErrNoKeys {
			t.Fatalf("no keys: %v", err)
		}
		setFingerprint(t, db, "aaaa")
		if fp, ok, err := s.KeysBackedUp(ctx); err != nil || ok || fp != "aaaa" {
			t.Fatalf("before a backup: %s %v %v", fp, ok, err)
		}
		if err := s.RecordKeyBackup(ctx, "bbbb", "cli:root"); err == nil {
			t.Fatal("recorded a backup of keys that are not the database's")
		}
		if err := s.RecordKeyBackup(ctx, "aaaa", "cli:root"); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.KeysBackedUp(ctx); err != nil || !ok {
			t.Fatalf("after a backup: %v %v", ok, err)
		}
		es, err := (&audit.Log{DB: db}).Browse(ctx, audit.Filter{})
		if err != nil || len(es) != 1 || es[0].Actor != "cli:root" || es[0].Action != "keys.backup" || es[0].Object != "keys:aaaa" {
			t.Fatalf("audit: %+v %v", es, err)
		}
		setFingerprint(t, db, "cccc") // rotated
		if _, ok, err := s.KeysBackedUp(ctx); err != nil || ok {
			t.Fatalf("after a rotation: %v %v", ok, err)
		}
		if empty, err := s.Empty(ctx); err != nil || empty {
			t.Errorf("a migrated database is empty: %v %v", empty, err)
		}
	})
}

// The snapshot of a SQLite database is a consistent, openable copy, made
// while another connection writes.
func TestSnapshotSQLite(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.SQLiteDSN(t)
	db := storetest.Open(t, dsn)
	storetest.Exec(t, db, "CREATE TABLE t (n BIGINT NOT NULL)")
	done := make(chan struct{})
	wrote := make(chan int, 1)
	go func() {
		n := 0
		defer func() { wrote <- n }()
		for {
			select {
			case <-done:
				return
			default:
			}
			if err := db.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, "INSERT INTO t (n) VALUES (1)")
				return err
			}); err != nil {
				return
			}
			n++
		}
	}()
	other, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	path := filepath.Join(t.TempDir(), "copy.db")
	err = other.SnapshotSQLite(ctx, path)
	close(done)
	total := <-wrote
	if err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("copy: %v %v", info, err)
	}
	cp, err := store.Open(ctx, store.SQLiteLocation(path))
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	var n int
	if err := cp.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n)
	}); err != nil || n > total {
		t.Fatalf("copy holds %d rows (%v); %d were written", n, err, total)
	}
	if err := other.SnapshotSQLite(ctx, path); err == nil {
		t.Error("overwrote an existing file")
	}
}

func TestPGCommand(t *testing.T) {
	conn, env, schema, err := pgCommand("postgres://u:s3cret@db.example:5432/carefund?sslmode=verify-full&search_path=test_x&pool_max_conns=4")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(conn, "s3cret") || strings.Contains(conn, "pool_max_conns") || schema != "test_x" ||
		!strings.Contains(conn, "sslmode=verify-full") || !strings.Contains(conn, "search_path%3Dtest_x") {
		t.Errorf("conn %s schema %s", conn, schema)
	}
	if env[len(env)-1] != "PGPASSWORD=s3cret" {
		t.Errorf("password not in the environment")
	}
}
