package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/config"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/testprog"
	"github.com/carefund/carefund/internal/vault"
)

// install is a SQLite data folder set up as serve sets one up, holding
// records sealed under its keys.
type install struct {
	cfg     *config.Config
	dataDir string
	keysDir string
	values  map[int64]string // record id → plaintext
}

// newInstall prepares a data folder as serve does and seals n records in it.
func newInstall(t *testing.T, n int) *install {
	t.Helper()
	ctx := context.Background()
	in := &install{dataDir: filepath.Join(t.TempDir(), "data"), values: map[int64]string{}}
	in.cfg = in.config(t)
	in.keysDir = in.cfg.KeysFolder()
	db, _, _, err := prepare(ctx, in.cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	keys, err := keyring.Load(in.keysDir, false)
	if err != nil {
		t.Fatal(err)
	}
	v := vault.New(keys)
	err = db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, "CREATE TABLE sealed (id INTEGER PRIMARY KEY, key_id BIGINT NOT NULL, value BLOB NOT NULL)"); err != nil {
			return err
		}
		for i := range n {
			k, err := v.NewKey(ctx, tx)
			if err != nil {
				return err
			}
			id, value := int64(i+1), fmt.Sprintf("张三 11010519491231%04d", i)
			if _, err := tx.ExecContext(ctx, "INSERT INTO sealed (id, key_id, value) VALUES ($1, $2, $3)",
				id, k.ID, k.SealString(sealedAAD(id), value)); err != nil {
				return err
			}
			in.values[id] = value
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func sealedAAD(id int64) string { return fmt.Sprintf("sealed.value:%d", id) }

func (in *install) config(t *testing.T) *config.Config {
	t.Helper()
	cfg, _, err := parseConfig("keys", []string{"--data-dir", in.dataDir}, env())
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func (in *install) open(t *testing.T) *store.DB {
	t.Helper()
	db, err := openExisting(context.Background(), in.cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// check opens every record under the keys now in the keys folder, and checks
// that serve's key check accepts those keys.
func (in *install) check(t *testing.T) *keyring.Keys {
	t.Helper()
	ctx := context.Background()
	keys, err := keyring.Load(in.keysDir, false)
	if err != nil {
		t.Fatal(err)
	}
	db := in.open(t)
	if _, err := checkKeys(ctx, in.cfg, db, func(string, error) error { return nil }); err != nil {
		t.Fatalf("serve's key check refuses the keys: %v", err)
	}
	v := vault.New(keys)
	err = db.Read(ctx, func(tx *store.Tx) error {
		for id, want := range in.values {
			var keyID int64
			var sealed []byte
			if err := tx.QueryRowContext(ctx, "SELECT key_id, value FROM sealed WHERE id = $1", id).Scan(&keyID, &sealed); err != nil {
				return err
			}
			k, err := v.Key(ctx, tx, keyID)
			if err != nil {
				return fmt.Errorf("record %d: %w", id, err)
			}
			if got, err := k.OpenString(sealedAAD(id), sealed); err != nil || got != want {
				return fmt.Errorf("record %d: %q, %v", id, got, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(in.keysDir, keyring.PendingMaster)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s is left behind (%v)", keyring.PendingMaster, err)
	}
	return keys
}

// folderHolds reports whether any file in dir holds content.
func folderHolds(t *testing.T, dir string, content []byte) bool {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if b, _ := os.ReadFile(filepath.Join(dir, e.Name())); bytes.Contains(b, bytes.TrimSpace(content)) {
			return true
		}
	}
	return false
}

// R-PII-1: carefund keys rotate replaces the master key, and everything sealed
// before opens after, under the new key only; serve accepts the new keys; the
// old master key is gone from the keys folder; no key is printed.
func TestKeysRotate(t *testing.T) {
	in := newInstall(t, 25)
	before := in.check(t)
	oldFile, _ := os.ReadFile(filepath.Join(in.keysDir, "master.key"))

	code, out, stderr := runCmd(t, env(), "keys", "rotate", "--data-dir", in.dataDir)
	if code != 0 {
		t.Fatalf("keys rotate: exit %d, %s", code, stderr)
	}
	if want := fmt.Sprintf("re-wrapped 25 data keys under a new master key; back up %s now\n", in.keysDir); out != want {
		t.Errorf("stdout %q, want %q", out, want)
	}
	after := in.check(t)
	if after.Master == before.Master || after.Index != before.Index || after.Session != before.Session {
		t.Error("rotate must change the master key and only it")
	}
	if folderHolds(t, in.keysDir, oldFile) {
		t.Error("the old master key is still in the keys folder")
	}
	for _, k := range []keyring.Key{before.Master, after.Master, after.Index} {
		if strings.Contains(out+stderr, keyFile(k)) || strings.Contains(out+stderr, string(k[:])) {
			t.Error("a key was printed")
		}
	}
	// Under the old master nothing opens.
	db := in.open(t)
	err := db.Read(context.Background(), func(tx *store.Tx) error {
		_, err := vault.New(before).Key(context.Background(), tx, 1)
		return err
	})
	if !errors.Is(err, vault.ErrWrongMaster) {
		t.Errorf("a data key under the old master: %v, want ErrWrongMaster", err)
	}

	// Again, through CAREFUND_DATA_DIR: another new master.
	code, out, stderr = runCmd(t, env("CAREFUND_DATA_DIR", in.dataDir), "keys", "rotate")
	if code != 0 || !strings.Contains(out, "re-wrapped 25 data keys") {
		t.Fatalf("second rotate: exit %d, %q %q", code, out, stderr)
	}
	if again := in.check(t); again.Master == after.Master {
		t.Error("the second rotation kept the master key")
	}
}

// keyFile is how a key file spells k.
func keyFile(k keyring.Key) string { return base64.StdEncoding.EncodeToString(k[:]) }

// R-PII-1: a rotation interrupted at any step loses nothing: the next
// carefund keys rotate (or serve, through finishRotation) finishes a rotation
// the database was switched to, and drops a new key it never was.
func TestKeysRotateInterrupted(t *testing.T) {
	ctx := context.Background()
	// claim leaves the state of a rotation that wrote master.key.new and
	// switched the database to it, then died: before re-wrapping, or (with
	// rewrap) after re-wrapping but before renaming the key file.
	claim := func(t *testing.T, in *install, rewrap bool) keyring.Key {
		t.Helper()
		cur, err := keyring.Load(in.keysDir, false)
		if err != nil {
			t.Fatal(err)
		}
		next, err := keyring.GenerateMaster(in.keysDir)
		if err != nil {
			t.Fatal(err)
		}
		rotated := *cur
		rotated.Master = next
		db := in.open(t)
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.SetMeta(ctx, "key_fingerprint", rotated.Fingerprint()) }); err != nil {
			t.Fatal(err)
		}
		if rewrap {
			if _, err := vault.Rotate(ctx, db, cur.Master, next); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
		return next
	}

	t.Run("ClaimedThenRotate", func(t *testing.T) {
		in := newInstall(t, 7)
		next := claim(t, in, false)
		code, out, stderr := runCmd(t, env(), "keys", "rotate", "--data-dir", in.dataDir)
		if code != 0 || !strings.Contains(out, "re-wrapped 7 data keys under a new master key (finishing an interrupted rotation)") {
			t.Fatalf("exit %d, %q %q", code, out, stderr)
		}
		if keys := in.check(t); keys.Master != next {
			t.Error("the finished rotation did not make the pending key the master key")
		}
	})
	t.Run("RewrappedThenRotate", func(t *testing.T) {
		in := newInstall(t, 7)
		next := claim(t, in, true)
		code, out, stderr := runCmd(t, env(), "keys", "rotate", "--data-dir", in.dataDir)
		if code != 0 || !strings.Contains(out, "re-wrapped 0 data keys") || !strings.Contains(out, "interrupted") {
			t.Fatalf("exit %d, %q %q", code, out, stderr)
		}
		if keys := in.check(t); keys.Master != next {
			t.Error("the finished rotation did not make the pending key the master key")
		}
	})
	t.Run("ClaimedThenServe", func(t *testing.T) {
		in := newInstall(t, 7)
		next := claim(t, in, false)
		n, finished, err := finishRotation(ctx, in.open(t), in.keysDir)
		if err != nil || !finished || n != 7 {
			t.Fatalf("finishRotation = %d, %v, %v", n, finished, err)
		}
		if keys := in.check(t); keys.Master != next {
			t.Error("the finished rotation did not make the pending key the master key")
		}
	})
	t.Run("UnclaimedThenRotate", func(t *testing.T) {
		in := newInstall(t, 7)
		before, _ := keyring.Load(in.keysDir, false)
		abandoned, err := keyring.GenerateMaster(in.keysDir)
		if err != nil {
			t.Fatal(err)
		}
		code, out, stderr := runCmd(t, env(), "keys", "rotate", "--data-dir", in.dataDir)
		if code != 0 || !strings.Contains(out, "re-wrapped 7 data keys under a new master key;") {
			t.Fatalf("exit %d, %q %q", code, out, stderr)
		}
		if keys := in.check(t); keys.Master == abandoned || keys.Master == before.Master {
			t.Error("rotate used the abandoned key or kept the old one")
		}
	})
	t.Run("UnclaimedThenServe", func(t *testing.T) {
		in := newInstall(t, 3)
		before, _ := keyring.Load(in.keysDir, false)
		if _, err := keyring.GenerateMaster(in.keysDir); err != nil {
			t.Fatal(err)
		}
		n, finished, err := finishRotation(ctx, in.open(t), in.keysDir)
		if err != nil || finished || n != 0 {
			t.Fatalf("finishRotation = %d, %v, %v", n, finished, err)
		}
		if keys := in.check(t); keys.Master != before.Master {
			t.Error("an unclaimed key replaced the master key")
		}
	})
	t.Run("AbandonedKeyCannotBeClaimed", func(t *testing.T) {
		// A rotation racing with the clean-up: the clean-up marked its key
		// abandoned first, so its claim must fail.
		in := newInstall(t, 1)
		cur, _ := keyring.Load(in.keysDir, false)
		next, _ := keyring.GenerateMaster(in.keysDir)
		db := in.open(t)
		if _, _, err := resolvePending(ctx, db, in.keysDir, cur); err != nil {
			t.Fatal(err)
		}
		if err := claimRotation(ctx, db, cur, next); err == nil {
			t.Fatal("a rotation claimed a key that was abandoned")
		}
		if keys := in.check(t); keys.Master != cur.Master {
			t.Error("the master key changed")
		}
		// A fresh key is claimed.
		fresh, _ := keyring.GenerateMaster(in.keysDir)
		if err := claimRotation(ctx, db, cur, fresh); err != nil {
			t.Errorf("claiming a fresh key: %v", err)
		}
	})
}

func TestKeysBadInput(t *testing.T) {
	in := newInstall(t, 1)
	other := newInstall(t, 1)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"NoSubcommand", []string{"keys"}, "keys needs a subcommand"},
		{"UnknownSubcommand", []string{"keys", "spin"}, `unknown keys subcommand "spin"`},
		{"UnknownFlag", []string{"keys", "rotate", "--bogus"}, "unknown flag --bogus; see 'carefund help keys'"},
		{"NoDatabase", []string{"keys", "rotate", "--data-dir", filepath.Join(t.TempDir(), "none")}, "no database at"},
		{"OtherKeys", []string{"keys", "rotate", "--data-dir", in.dataDir, "--keys-dir", other.keysDir}, "not the ones this database was set up with"},
		{"NoKeys", []string{"keys", "rotate", "--data-dir", in.dataDir, "--keys-dir", t.TempDir()}, "no secret keys in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, env(), tt.args...)
			if code != 2 || !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, %q; want 2 and one line mentioning %q", code, stderr, tt.want)
			}
		})
	}
	// Nothing was rotated by the failures.
	in.check(t)
	other.check(t)
	code, out, _ := runCmd(t, env(), "help", "keys")
	if code != 0 || !strings.Contains(out, "carefund keys rotate") || !strings.Contains(out, "--keys-dir") {
		t.Errorf("help keys: exit %d, %q", code, out)
	}
	if code, out, _ := runCmd(t, env(), "keys", "rotate", "-h"); code != 0 || !strings.Contains(out, "--keys-dir") {
		t.Errorf("keys rotate -h: exit %d, %q", code, out)
	}
}

// TestKeysRotateBinary rotates the keys of a data folder with the real
// binary between two runs of serve: the second start accepts the new keys.
func TestKeysRotateBinary(t *testing.T) {
	p := testprog.Start(t)
	p.Stop(t)
	oldFile, _ := os.ReadFile(filepath.Join(p.DataDir, "keys", "master.key"))
	cmd := exec.Command(testprog.Binary(t), "keys", "rotate", "--data-dir", p.DataDir)
	cmd.Env = testprog.Env()
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "re-wrapped ") {
		t.Fatalf("carefund keys rotate: %v\n%s", err, out)
	}
	if folderHolds(t, filepath.Join(p.DataDir, "keys"), oldFile) {
		t.Error("the old master key is still in the keys folder")
	}
	again := testprog.Start(t, "--data-dir", p.DataDir)
	again.Stop(t)
}
