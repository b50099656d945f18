// Package keyring keeps the platform's secret keys: random 256-bit keys in
// files of their own, mode 0600, generated on first start and never printed
// or logged.
//
// The keys are roots: the master key wraps the data keys that encrypt personal
// data (R-PII-1), the index key makes blind indexes for equality lookups of
// encrypted values, and the session key signs what the platform hands to
// browsers. Losing the master key loses the personal data; back the folder up.
package keyring

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the length of every key in bytes.
const KeySize = 32

// Key is one secret key. It never prints: fmt, encoding/json, encoding/text
// and log/slog all see "[redacted]".
type Key [KeySize]byte

const redacted = "[redacted]"

func (Key) String() string               { return redacted }
func (Key) GoString() string             { return redacted }
func (Key) Format(f fmt.State, _ rune)   { io.WriteString(f, redacted) }
func (Key) MarshalText() ([]byte, error) { return []byte(redacted), nil }
func (Key) LogValue() slog.Value         { return slog.StringValue(redacted) }

// Keys holds the platform's root keys.
type Keys struct {
	Master  Key // wraps per-record data keys
	Index   Key // HMAC key of blind indexes
	Session Key // signs cookies and tokens
}

// files pairs each key with its file name; Load works through it.
func (k *Keys) files() []struct {
	name string
	key  *Key
} {
	return []struct {
		name string
		key  *Key
	}{{"master.key", &k.Master}, {"index.key", &k.Index}, {"session.key", &k.Session}}
}

// Fingerprint identifies the set of keys without revealing them, so that the
// database can remember which keys it belongs with.
func (k *Keys) Fingerprint() string {
	h := hmac.New(sha256.New, []byte("carefund key fingerprint v1"))
	for _, f := range k.files() {
		sum := hmac.New(sha256.New, f.key[:])
		sum.Write([]byte(f.name))
		h.Write(sum.Sum(nil))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// ErrNoKeys is returned by Load when the folder holds no keys and it may not
// create them.
var ErrNoKeys = errors.New("no secret keys")

// Load reads the keys from dir. If dir holds none of them and create is true,
// it generates them all; a folder holding some but not all is refused, as is
// a key file others can read or one that does not hold a key. A key is never
// generated to replace a lost one: data under the old key would be lost with
// it.
func Load(dir string, create bool) (*Keys, error) {
	var k Keys
	var missing []string
	for _, f := range k.files() {
		if _, err := os.Lstat(filepath.Join(dir, f.name)); errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, f.name)
		} else if err != nil {
			return nil, err
		}
	}
	switch {
	case len(missing) == len(k.files()) && !create:
		return nil, fmt.Errorf("%w in %s", ErrNoKeys, dir)
	case len(missing) == len(k.files()):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		for _, f := range k.files() {
			if err := generate(filepath.Join(dir, f.name), f.key); err != nil {
				return nil, fmt.Errorf("generating %s: %w", f.name, err)
			}
		}
		return &k, nil
	case len(missing) > 0:
		return nil, fmt.Errorf("key folder %s lacks %s; restore it from a backup", dir, strings.Join(missing, ", "))
	}
	for _, f := range k.files() {
		path := filepath.Join(dir, f.name)
		info, err := os.Stat(path)
		if err != nil {
			return nil, err
		}
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			return nil, fmt.Errorf("key file %s has mode %04o, open to other users; run: chmod 600 %s", path, perm, path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(raw) != KeySize {
			return nil, fmt.Errorf("key file %s does not hold a %d-byte base64 key", path, KeySize)
		}
		copy(f.key[:], raw)
	}
	return &k, nil
}

// generate writes a new random key to path, through a temporary file and a
// rename, so a crash never leaves a half-written key behind.
func generate(path string, k *Key) error {
	rand.Read(k[:])
	tmp, err := os.CreateTemp(filepath.Dir(path), ".key-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.WriteString(base64.StdEncoding.EncodeToString(k[:]) + "\n"); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
