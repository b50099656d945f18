package vault

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/keyring"
)

// newKeys returns random root keys.
func newKeys(t testing.TB) *keyring.Keys {
	t.Helper()
	var k keyring.Keys
	rand.Read(k.Master[:])
	rand.Read(k.Index[:])
	rand.Read(k.Session[:])
	return &k
}

// testKey returns a record key over random bytes, and the bytes.
func testKey(t testing.TB, id int64) (*RecordKey, []byte) {
	t.Helper()
	dk := make([]byte, keyring.KeySize)
	rand.Read(dk)
	return newRecordKey(id, dk), dk
}

// R-PII-1: values are sealed with AES-256-GCM; the sealed bytes hold no
// plaintext and open only with the key and the place they were sealed for.
func TestSealOpen(t *testing.T) {
	k, _ := testKey(t, 1)
	other, _ := testKey(t, 2)
	tests := []struct {
		name      string
		plaintext []byte
	}{
		{"Empty", nil},
		{"IDNumber", []byte("11010519491231002X")},
		{"Chinese", []byte("张三 急性白血病")},
		{"Binary", []byte{0, 1, 2, 255, 0}},
		{"Large", bytes.Repeat([]byte("诊断"), 10000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed := k.Seal("users.phone:42", tt.plaintext)
			if got, want := len(sealed), len(tt.plaintext)+Overhead; got != want {
				t.Errorf("len(sealed) = %d, want %d", got, want)
			}
			if sealed[0] != format {
				t.Errorf("version byte %d, want %d", sealed[0], format)
			}
			if len(tt.plaintext) >= 4 && bytes.Contains(sealed, tt.plaintext) {
				t.Error("the sealed value holds the plaintext")
			}
			got, err := k.Open("users.phone:42", sealed)
			if err != nil || !bytes.Equal(got, tt.plaintext) {
				t.Fatalf("Open = %q, %v; want %q", got, err, tt.plaintext)
			}
			if again := k.Seal("users.phone:42", tt.plaintext); bytes.Equal(again, sealed) {
				t.Error("sealing twice gave the same bytes: the nonce is not random")
			}
			for _, c := range []struct {
				name string
				key  *RecordKey
				aad  string
			}{
				{"WrongAAD", k, "users.phone:43"},
				{"OtherColumn", k, "identities.name:42"},
				{"EmptyAAD", k, ""},
				{"OtherKey", other, "users.phone:42"},
			} {
				if _, err := c.key.Open(c.aad, sealed); !errors.Is(err, ErrCannotOpen) {
					t.Errorf("%s: Open = %v, want ErrCannotOpen", c.name, err)
				}
			}
		})
	}
}

// R-PII-1: any altered byte, or a cut, makes a sealed value fail to open.
func TestOpenTampered(t *testing.T) {
	k, _ := testKey(t, 1)
	sealed := k.SealString("c", "13800138000")
	for i := range sealed {
		for _, flip := range []byte{0x01, 0x80} {
			bad := bytes.Clone(sealed)
			bad[i] ^= flip
			if _, err := k.Open("c", bad); !errors.Is(err, ErrCannotOpen) {
				t.Fatalf("byte %d ^ %#x: Open = %v, want ErrCannotOpen", i, flip, err)
			}
		}
	}
	for _, n := range []int{0, 1, Overhead - 1, len(sealed) - 1} {
		if _, err := k.Open("c", sealed[:n]); !errors.Is(err, ErrCannotOpen) {
			t.Errorf("cut to %d bytes: Open = %v, want ErrCannotOpen", n, err)
		}
	}
	if _, err := k.Open("c", append(bytes.Clone(sealed), 0)); !errors.Is(err, ErrCannotOpen) {
		t.Errorf("a byte appended: Open = %v, want ErrCannotOpen", err)
	}
	if s, err := k.OpenString("c", sealed); err != nil || s != "13800138000" {
		t.Errorf("OpenString = %q, %v", s, err)
	}
}

func TestUnwrap(t *testing.T) {
	a, b := newMaster(newKeys(t).Master), newMaster(newKeys(t).Master)
	dk := make([]byte, keyring.KeySize)
	rand.Read(dk)
	w := a.wrap(dk)
	if bytes.Contains(w, dk) {
		t.Error("the wrapped key holds the key")
	}
	if got, err := a.unwrap(w); err != nil || !bytes.Equal(got, dk) {
		t.Errorf("unwrap = %v", err)
	}
	if _, err := b.unwrap(w); !errors.Is(err, ErrCannotOpen) {
		t.Errorf("unwrap under another master = %v, want ErrCannotOpen", err)
	}
	// A value the master sealed for another use is no data key.
	if _, err := a.unwrap(seal(a.aead, "something else", dk)); !errors.Is(err, ErrCannotOpen) {
		t.Errorf("unwrap of another use = %v, want ErrCannotOpen", err)
	}
	if _, err := a.unwrap(a.wrap(dk[:16])); !errors.Is(err, ErrCannotOpen) {
		t.Errorf("unwrap of a short key = %v, want ErrCannotOpen", err)
	}
}

// R-PII-1: equality lookups go through a keyed blind index, never the value.
func TestBlindIndex(t *testing.T) {
	keys := newKeys(t)
	v := New(keys)
	const id = "11010519491231002X"
	got := v.BlindIndex("id", id)
	if len(got) != 64 || strings.Contains(got, id) {
		t.Errorf("BlindIndex = %q", got)
	}
	if again := New(keys).BlindIndex("id", id); again != got {
		t.Error("the blind index is not deterministic")
	}
	other := *keys
	other.Index[0] ^= 1
	master := *keys
	master.Master[0] ^= 1
	tests := []struct {
		name          string
		v             *Vault
		domain, value string
	}{
		{"OtherDomain", v, "blacklist", id},
		{"OtherValue", v, "id", "110105194912310029"},
		{"OtherIndexKey", New(&other), "id", id},
		// domain || 0x00 || value keeps the two apart.
		{"ShiftedBoundary", v, "i", "d" + id},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.v.BlindIndex(tt.domain, tt.value) == got {
				t.Error("same index")
			}
		})
	}
	if New(&master).BlindIndex("id", id) != got {
		t.Error("the blind index depends on the master key; rotating it would break lookups")
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("a domain with a NUL byte was accepted")
			}
		}()
		v.BlindIndex("a\x00b", "c")
	}()
}

// Keys never print: not the record key, not the vault's.
func TestNeverPrints(t *testing.T) {
	keys := newKeys(t)
	v := New(keys)
	k, dk := testKey(t, 42)
	var outs []string
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q", "%d"} {
		outs = append(outs, fmt.Sprintf(f, k), fmt.Sprintf(f, *k), fmt.Sprintf(f, v), fmt.Sprintf(f, *v))
	}
	j, _ := json.Marshal(struct {
		K *RecordKey
		V Vault
	}{k, *v})
	outs = append(outs, string(j))
	var log bytes.Buffer
	slog.New(slog.NewJSONHandler(&log, nil)).Info("k", "key", k, "vault", v)
	slog.New(slog.NewTextHandler(&log, nil)).Info("k", "key", *k, "vault", v)
	outs = append(outs, log.String())
	for _, out := range outs {
		for _, secret := range [][]byte{dk, keys.Master[:], keys.Index[:]} {
			if strings.Contains(out, fmt.Sprintf("%x", secret[:4])) || strings.Contains(out, string(secret[:4])) ||
				strings.Contains(out, fmt.Sprint(secret[:3])[1:8]) {
				t.Errorf("key material printed: %s", out)
			}
		}
	}
	if s := k.String(); !strings.Contains(s, "42") || !strings.Contains(s, "redacted") {
		t.Errorf("String() = %q, want the ID and [redacted]", s)
	}
}

// R-PII-1: uploads are sealed on disk, mode 0600, and open only for their place.
func TestSealFile(t *testing.T) {
	k, _ := testKey(t, 7)
	dir := t.TempDir()
	path := filepath.Join(dir, "diagnosis.pdf")
	content := []byte("%PDF-1.7 诊断证明书 白血病")
	if err := k.SealFile(path, "uploads:7", content); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("诊断")) || bytes.Contains(raw, []byte("%PDF")) {
		t.Error("the file on disk holds plaintext")
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("mode %04o, want 0600", info.Mode().Perm())
	}
	got, err := k.OpenFile(path, "uploads:7")
	if err != nil || !bytes.Equal(got, content) {
		t.Errorf("OpenFile = %q, %v", got, err)
	}
	if _, err := k.OpenFile(path, "uploads:8"); !errors.Is(err, ErrCannotOpen) {
		t.Errorf("OpenFile with another aad = %v, want ErrCannotOpen", err)
	}
	// Overwriting replaces the whole file and leaves no temporary file.
	if err := k.SealFile(path, "uploads:7", []byte("v2")); err != nil {
		t.Fatal(err)
	}
	if got, err := k.OpenFile(path, "uploads:7"); err != nil || string(got) != "v2" {
		t.Errorf("after overwrite OpenFile = %q, %v", got, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the folder holds %d files, want 1", len(entries))
	}
	if err := k.SealFile(path, "uploads:7", make([]byte, MaxFileSize+1)); err == nil {
		t.Error("SealFile took a file over the limit")
	}
	big := filepath.Join(dir, "big")
	os.WriteFile(big, make([]byte, MaxFileSize+Overhead+1), 0o600)
	if _, err := k.OpenFile(big, "uploads:7"); !errors.Is(err, ErrCannotOpen) {
		t.Errorf("OpenFile of an oversized file = %v, want ErrCannotOpen", err)
	}
	if _, err := k.OpenFile(filepath.Join(dir, "missing"), "uploads:7"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenFile of a missing file = %v", err)
	}
}
