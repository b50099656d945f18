package keyring

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadGeneratesThenReloads(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	first, err := Load(dir)
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
	again, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if *again != *first {
		t.Error("reloading gave different keys")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("key folder holds %d files, want 3 (no temporary files left)", len(entries))
	}
}

func TestLoadRefuses(t *testing.T) {
	t.Run("ReadableByOthers", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := Load(dir); err != nil {
			t.Fatal(err)
		}
		os.Chmod(filepath.Join(dir, "index.key"), 0o644)
		if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("Load() = %v, want a refusal saying chmod 600", err)
		}
	})
	t.Run("NotAKey", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "master.key"), []byte("hunter2\n"), 0o600)
		if _, err := Load(dir); err == nil {
			t.Error("Load() accepted a file that holds no key")
		}
	})
}

func TestKeyNeverPrints(t *testing.T) {
	k, err := Load(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(format, *k); !strings.Contains(out, "redacted") {
			t.Errorf("%s of Keys = %s, want redacted", format, out)
		}
	}
}
