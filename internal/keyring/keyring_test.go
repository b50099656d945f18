package keyring

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadGeneratesThenReloads(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	first, err := Load(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if first.Master == (Key{}) || first.Master == first.Index || first.Index == first.Session {
		t.Fatal("keys are zero or equal")
	}
	for _, name := range []string{"master.key", "index.key", "session.key"} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s has mode %04o, want 0600", name, perm)
		}
	}
	again, err := Load(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if *again != *first {
		t.Error("reloading gave different keys")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 4 {
		t.Errorf("key folder holds %d files, want 4 (no temporary files left)", len(entries))
	}
}

func TestLoadRefuses(t *testing.T) {
	t.Run("ReadableByOthers", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := Load(dir, true); err != nil {
			t.Fatal(err)
		}
		os.Chmod(filepath.Join(dir, "index.key"), 0o644)
		if _, err := Load(dir, true); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("Load() = %v, want a refusal saying chmod 600", err)
		}
	})
	t.Run("NotAKey", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := Load(dir, true); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "master.key"), []byte("hunter2\n"), 0o600)
		if _, err := Load(dir, true); err == nil {
			t.Error("Load() accepted a file that holds no key")
		}
	})
	t.Run("OneLost", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := Load(dir, true); err != nil {
			t.Fatal(err)
		}
		os.Remove(filepath.Join(dir, "master.key"))
		if _, err := Load(dir, true); err == nil || !strings.Contains(err.Error(), "master.key") {
			t.Errorf("Load() with master.key lost = %v; it must refuse, not generate a new one", err)
		}
	})
	t.Run("NoneAndMayNotCreate", func(t *testing.T) {
		if _, err := Load(t.TempDir(), false); !errors.Is(err, ErrNoKeys) {
			t.Errorf("Load() = %v, want ErrNoKeys", err)
		}
	})
}

func TestKeyNeverPrints(t *testing.T) {
	k, err := Load(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	secret := base64.StdEncoding.EncodeToString(k.Master[:])
	var outs []string
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%X", "%q"} {
		outs = append(outs, fmt.Sprintf(format, *k), fmt.Sprintf(format, k.Master))
	}
	j, _ := json.Marshal(k)
	outs = append(outs, string(j))
	var log bytes.Buffer
	slog.New(slog.NewJSONHandler(&log, nil)).Info("keys", "keys", k, "master", k.Master)
	slog.New(slog.NewTextHandler(&log, nil)).Info("keys", "keys", k, "master", k.Master)
	outs = append(outs, log.String())
	for _, out := range outs {
		if !strings.Contains(out, "redacted") || strings.Contains(out, secret) ||
			strings.Contains(out, fmt.Sprint(int(k.Master[0]))+" "+fmt.Sprint(int(k.Master[1]))) ||
			strings.Contains(out, fmt.Sprintf("%x", k.Master[:4])) {
			t.Errorf("key material printed: %s", out)
		}
	}
}

func TestFingerprint(t *testing.T) {
	a, _ := Load(t.TempDir(), true)
	b, _ := Load(t.TempDir(), true)
	if a.Fingerprint() == b.Fingerprint() || len(a.Fingerprint()) != 32 {
		t.Errorf("fingerprints %s and %s", a.Fingerprint(), b.Fingerprint())
	}
	c := *a
	c.Session[0] ^= 1
	if c.Fingerprint() == a.Fingerprint() {
		t.Error("changing one key kept the fingerprint")
	}
}

func TestPendingMaster(t *testing.T) {
	dir := t.TempDir()
	keys, err := Load(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := LoadPending(dir); ok || err != nil {
		t.Fatalf("LoadPending before any = %v, %v", ok, err)
	}
	next, err := GenerateMaster(dir)
	if err != nil {
		t.Fatal(err)
	}
	if next == keys.Master || next == (Key{}) {
		t.Fatal("the new master key is zero or the old one")
	}
	info, err := os.Stat(filepath.Join(dir, PendingMaster))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("pending key file: %v, %v", info, err)
	}
	if _, err := GenerateMaster(dir); !errors.Is(err, ErrPending) {
		t.Errorf("a second GenerateMaster = %v, want ErrPending", err)
	}
	got, ok, err := LoadPending(dir)
	if err != nil || !ok || got != next {
		t.Fatalf("LoadPending = %v, %v; want the generated key", ok, err)
	}
	if stray, _ := filepath.Glob(filepath.Join(dir, ".key-*")); len(stray) > 0 {
		t.Errorf("a temporary copy of the key stays behind: %v", stray)
	}
	// The pending key does not disturb Load.
	if again, err := Load(dir, false); err != nil || *again != *keys {
		t.Fatalf("Load with a key pending = %v", err)
	}
	oldFile, _ := os.ReadFile(filepath.Join(dir, "master.key"))
	// A rotation never renames a key it did not make.
	var other Key
	other[0] = 1
	if err := ReplaceMaster(dir, other); err == nil {
		t.Fatal("ReplaceMaster renamed another rotation's key")
	}
	if err := ReplaceMaster(dir, next); err != nil {
		t.Fatal(err)
	}
	after, err := Load(dir, false)
	if err != nil || after.Master != next || after.Index != keys.Index || after.Session != keys.Session {
		t.Fatalf("after ReplaceMaster: %v", err)
	}
	// The old master key is nowhere in the folder.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if bytes.Equal(b, oldFile) {
			t.Errorf("%s holds the old master key", e.Name())
		}
	}
	if len(entries) != 4 {
		t.Errorf("the folder holds %d files, want 4 (with %s)", len(entries), LogFile)
	}
	if _, ok, _ := LoadPending(dir); ok {
		t.Error("a key is still pending")
	}

	if _, err := GenerateMaster(dir); err != nil {
		t.Fatal(err)
	}
	if err := DiscardPending(dir); err != nil {
		t.Fatal(err)
	}
	if err := DiscardPending(dir); err != nil {
		t.Errorf("DiscardPending with none pending = %v", err)
	}
	if k, err := Load(dir, false); err != nil || k.Master != next {
		t.Errorf("DiscardPending changed the master key: %v", err)
	}
	os.WriteFile(filepath.Join(dir, PendingMaster), []byte("x\n"), 0o600)
	if _, _, err := LoadPending(dir); err == nil {
		t.Error("LoadPending accepted a file that holds no key")
	}
}

func TestKeyFingerprint(t *testing.T) {
	var a, b Key
	b[0] = 1
	if a.Fingerprint() == b.Fingerprint() || len(a.Fingerprint()) != 32 || a.Fingerprint() != (Key{}).Fingerprint() {
		t.Errorf("fingerprints %s and %s", a.Fingerprint(), b.Fingerprint())
	}
}

// TestLoadAddsLogKey: a folder made before the transparency log (three
// keys) gains log.key on load, keeps it, and keeps its fingerprint; a
// folder lacking one of the three is still refused.
func TestLoadAddsLogKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	first, err := Load(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if first.Log == (Key{}) || first.Log == first.Master {
		t.Fatal("log key is zero or the master key")
	}
	fp := first.Fingerprint()
	if err := os.Remove(filepath.Join(dir, LogFile)); err != nil {
		t.Fatal(err)
	}
	old, err := Load(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if old.Log == (Key{}) || old.Log == first.Log || old.Fingerprint() != fp || old.Master != first.Master {
		t.Error("the log key was not made anew, or the other keys changed")
	}
	if info, err := os.Stat(filepath.Join(dir, LogFile)); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v %v", LogFile, info, err)
	}
	again, err := Load(dir, false)
	if err != nil || again.Log != old.Log {
		t.Fatalf("reloading changed the log key (%v)", err)
	}
	os.Remove(filepath.Join(dir, "session.key"))
	if _, err := Load(dir, true); err == nil || !strings.Contains(err.Error(), "lacks session.key") {
		t.Errorf("Load of a folder lacking session.key: %v", err)
	}
}
