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
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the length of every key in bytes.
const KeySize = 32

// Key is one secret key. Its String method never reveals it.
type Key [KeySize]byte

func (Key) String() string { return "[redacted]" }

// GoString keeps %#v from revealing the key too.
func (Key) GoString() string { return "keyring.Key{redacted}" }

// Keys holds the platform's root keys.
type Keys struct {
	Master  Key // wraps per-record data keys
	Index   Key // HMAC key of blind indexes
	Session Key // signs cookies and tokens
}

// names maps each key to its file name, and is the list Load works through.
func (k *Keys) files() []struct {
	name string
	key  *Key
} {
	return []struct {
		name string
		key  *Key
	}{{"master.key", &k.Master}, {"index.key", &k.Index}, {"session.key", &k.Session}}
}

// Load reads the keys from dir, generating any that are missing. It refuses a
// key file others can read, or one that does not hold a key.
func Load(dir string) (*Keys, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	var k Keys
	for _, f := range k.files() {
		path := filepath.Join(dir, f.name)
		info, err := os.Stat(path)
		if os.IsNotExist(err) {
			if err := generate(path, f.key); err != nil {
				return nil, fmt.Errorf("generating %s: %w", path, err)
			}
			continue
		}
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
