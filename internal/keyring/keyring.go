// Package keyring keeps the platform's secret keys: random 256-bit keys in
// files of their own, mode 0600, generated on first start and never printed
// or logged.
//
// The keys are roots: the master key wraps the data keys that encrypt personal
// data (R-PII-1), the index key makes blind indexes for equality lookups of
// encrypted values, and the session key signs what the platform hands to
// browsers. Losing the master key loses the personal data; back the folder up.
//
// The master key can be replaced (carefund keys rotate): GenerateMaster writes
// the new one beside the old as master.key.new, and once every data key is
// re-wrapped under it, ReplaceMaster renames it over master.key, so the old
// key is left nowhere in the folder.
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
	// Log is the Ed25519 seed of the transparency log's signing key
	// (log.key). Folders made before the log lack it: Load adds it. It is
	// not part of Fingerprint, which the database remembers.
	Log Key
}

// LogFile is the file of the transparency log's signing key.
const LogFile = "log.key"

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
		return &k, loadLog(dir, &k.Log)
	case len(missing) > 0:
		return nil, fmt.Errorf("key folder %s lacks %s; restore it from a backup", dir, strings.Join(missing, ", "))
	}
	for _, f := range k.files() {
		if err := readKey(filepath.Join(dir, f.name), f.key); err != nil {
			return nil, err
		}
	}
	if err := loadLog(dir, &k.Log); err != nil {
		return nil, err
	}
	return &k, nil
}

// loadLog reads the log's signing key, generating it when the folder has
// none: a folder made before the log. A new key only starts a new log's
// signatures; nothing is sealed under it.
func loadLog(dir string, k *Key) error {
	path := filepath.Join(dir, LogFile)
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		rand.Read(k[:])
		err := writeKey(path, k, true)
		if !errors.Is(err, fs.ErrExist) {
			if err != nil {
				return fmt.Errorf("generating %s: %w", LogFile, err)
			}
			return nil
		}
		// Another process made it a moment ago: read theirs.
	} else if err != nil {
		return err
	}
	return readKey(path, k)
}

// readKey reads the key file at path into k, refusing a file others can read
// or one that does not hold a key.
func readKey(path string, k *Key) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("key file %s has mode %04o, open to other users; run: chmod 600 %s", path, perm, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(raw) != KeySize {
		return fmt.Errorf("key file %s does not hold a %d-byte base64 key", path, KeySize)
	}
	copy(k[:], raw)
	clear(raw)
	return nil
}

// generate writes a new random key to path, through a temporary file and a
// rename, so a crash never leaves a half-written key behind.
func generate(path string, k *Key) error {
	rand.Read(k[:])
	return writeKey(path, k, false)
}

// writeKey writes k to path through a temporary file, synced, then renamed
// (or, when exclusive, linked, which fails if path exists) into place, and
// syncs the folder so the new name survives a crash.
func writeKey(path string, k *Key, exclusive bool) error {
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
	if exclusive {
		// The link is the key's only name once the temporary one is gone,
		// before the folder is synced: no stray copy of a key survives.
		if err = os.Link(tmp.Name(), path); err == nil {
			err = os.Remove(tmp.Name())
		}
	} else {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Fingerprint identifies this one key without revealing it (a key check
// value: an HMAC under the key of a fixed text), so that what the key wraps
// can record which key that was.
func (k Key) Fingerprint() string {
	h := hmac.New(sha256.New, k[:])
	h.Write([]byte("carefund key check v1"))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// PendingMaster is the file a new master key is written to while the data
// keys are re-wrapped under it (see GenerateMaster). Until ReplaceMaster
// renames it over master.key, master.key still holds the old master key.
const PendingMaster = "master.key.new"

// ErrPending is returned by GenerateMaster when a new master key is pending
// already: an earlier rotation was interrupted, or one is running.
var ErrPending = errors.New("a new master key is pending already")

// GenerateMaster writes a new random master key to PendingMaster in dir,
// mode 0600 and synced to disk before it returns, and returns it. It never
// overwrites a pending key: it returns ErrPending instead, since data keys
// may already be wrapped under that key.
func GenerateMaster(dir string) (Key, error) {
	var k Key
	rand.Read(k[:])
	err := writeKey(filepath.Join(dir, PendingMaster), &k, true)
	if errors.Is(err, fs.ErrExist) {
		return Key{}, fmt.Errorf("%w in %s", ErrPending, dir)
	}
	if err != nil {
		return Key{}, err
	}
	return k, nil
}

// LoadPending reads the pending master key in dir, and reports whether there
// is one.
func LoadPending(dir string) (Key, bool, error) {
	var k Key
	path := filepath.Join(dir, PendingMaster)
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return k, false, nil
	} else if err != nil {
		return k, false, err
	}
	if err := readKey(path, &k); err != nil {
		return Key{}, false, err
	}
	return k, true, nil
}

// ReplaceMaster makes the pending master key the master key: it renames
// PendingMaster over master.key, which leaves the old key nowhere in dir, and
// syncs the folder.
//
// It refuses when the pending key is not next: another rotation started
// since, and its key must not replace the master before its own re-wrap.
func ReplaceMaster(dir string, next Key) error {
	pending, ok, err := LoadPending(dir)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s: %w", PendingMaster, fs.ErrNotExist)
	}
	if pending != next {
		return errors.New("the pending master key is not the one this rotation made; another rotation is running")
	}
	if err := os.Rename(filepath.Join(dir, PendingMaster), filepath.Join(dir, "master.key")); err != nil {
		return err
	}
	return syncDir(dir)
}

// DiscardPending removes the pending master key, if any, and syncs the
// folder. Only call it when no data key is wrapped under that key.
func DiscardPending(dir string) error {
	err := os.Remove(filepath.Join(dir, PendingMaster))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return syncDir(dir)
}

// FileNames returns the names of the key files in a keys folder, for copying
// the folder: what Load reads.
func FileNames() []string {
	var k Keys
	var names []string
	for _, f := range k.files() {
		names = append(names, f.name)
	}
	return append(names, LogFile)
}
