// Package backup copies an installation so that it can be restored
// elsewhere: the secret keys (carefund keys backup) and the database with
// its uploads (carefund backup), each checked after copying, and restores a
// backup onto a fresh data folder or an empty database (carefund restore).
// See docs/decisions/0024-backups-and-production-start.md.
//
// The keys and the data are backed up apart on purpose: a copy of the data
// must not decrypt itself (R-PII-1). A data backup's manifest names the
// fingerprint of the keys it needs, never the keys.
//
// This file holds the rules: the manifest, copying and checking files. The
// database side is in store.go and service.go, pg_dump in postgres.go.
package backup

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/keyring"
)

// ManifestName is the manifest's file in a backup folder.
const ManifestName = "manifest.json"

// Format is the manifest format this program writes and reads.
const Format = 1

// The database files a backup holds, by dialect.
const (
	SQLiteFile   = "carefund.db"     // VACUUM INTO copy
	PostgresFile = "carefund.pgdump" // pg_dump --format=custom
)

// File is one file of a backup, by its path relative to the backup folder
// (slash-separated), its size and its SHA-256.
type File struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Manifest describes a data backup: which database it came from, the schema
// it has, the keys it needs, when it was made and every file with its hash.
type Manifest struct {
	Format         int       `json:"format"`
	Dialect        string    `json:"dialect"`         // sqlite or postgres
	Schema         string    `json:"schema"`          // the last migration applied
	Migrations     int       `json:"migrations"`      // how many were applied
	KeyFingerprint string    `json:"key_fingerprint"` // of the keys the data is sealed under
	CreatedAt      time.Time `json:"created_at"`      // when the snapshot began, UTC
	Version        string    `json:"version"`         // of the program that made it
	Files          []File    `json:"files"`
}

// Marshal returns the manifest as written to ManifestName.
func (m *Manifest) Marshal() []byte {
	b, _ := json.MarshalIndent(m, "", "  ")
	return append(b, '\n')
}

// ParseManifest reads a manifest strictly: unknown fields, another format, a
// file name that leaves the folder or appears twice, or a malformed hash are
// refused, so a damaged or forged manifest restores nothing.
func ParseManifest(b []byte) (*Manifest, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if dec.More() {
		return nil, errors.New("manifest: data after the manifest")
	}
	if m.Format != Format {
		return nil, fmt.Errorf("manifest: format %d; this program reads format %d", m.Format, Format)
	}
	if m.Dialect != "sqlite" && m.Dialect != "postgres" {
		return nil, fmt.Errorf("manifest: dialect %q is neither sqlite nor postgres", m.Dialect)
	}
	if !isHex(m.KeyFingerprint) || m.Schema == "" || m.Migrations < 1 || m.CreatedAt.IsZero() {
		return nil, errors.New("manifest: key fingerprint, schema or time missing or malformed")
	}
	seen := map[string]bool{}
	db := false
	for _, f := range m.Files {
		if !ValidName(f.Name) {
			return nil, fmt.Errorf("manifest: file name %q is not a plain path inside the backup", f.Name)
		}
		if seen[f.Name] {
			return nil, fmt.Errorf("manifest: %s listed twice", f.Name)
		}
		seen[f.Name] = true
		if f.Size < 0 || len(f.SHA256) != 64 || !isHex(f.SHA256) {
			return nil, fmt.Errorf("manifest: %s: bad size or SHA-256", f.Name)
		}
		db = db || f.Name == m.DatabaseFile()
	}
	if !db {
		return nil, fmt.Errorf("manifest: the database file %s is not listed", m.DatabaseFile())
	}
	return &m, nil
}

// DatabaseFile is the name of the backup's database file.
func (m *Manifest) DatabaseFile() string {
	if m.Dialect == "postgres" {
		return PostgresFile
	}
	return SQLiteFile
}

// ValidName reports whether name is a slash-separated relative path that
// stays inside the backup folder and is not the manifest.
func ValidName(name string) bool {
	if name == "" || name == ManifestName || strings.ContainsAny(name, "\\\x00") || path.IsAbs(name) || path.Clean(name) != name {
		return false
	}
	for part := range strings.SplitSeq(name, "/") {
		if part == ".." || part == "." || part == "" {
			return false
		}
	}
	return true
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

// ReadManifest reads dir's manifest and checks every file it lists against
// its size and SHA-256.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s has no %s: it is not a carefund backup, or the backup did not finish", dir, ManifestName)
	}
	if err != nil {
		return nil, err
	}
	m, err := ParseManifest(b)
	if err != nil {
		return nil, err
	}
	for _, f := range m.Files {
		size, sum, err := HashFile(filepath.Join(dir, filepath.FromSlash(f.Name)))
		if err != nil {
			return nil, fmt.Errorf("backup file %s: %w", f.Name, err)
		}
		if size != f.Size || sum != f.SHA256 {
			return nil, fmt.Errorf("backup file %s is damaged: its SHA-256 or size differs from the manifest's", f.Name)
		}
	}
	return m, nil
}

// HashFile returns the size and hex SHA-256 of the file at p.
func HashFile(p string) (int64, string, error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// PrepareEmpty makes dir ready to receive a backup or a restore: it creates
// it (mode 0700) if missing, and refuses a folder that holds anything, so
// that nothing is ever overwritten or mixed. It reports whether it created
// dir.
func PrepareEmpty(dir, what string) (created bool, err error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return false, err
		}
		return true, nil
	case err != nil:
		return false, err
	case len(entries) > 0:
		return false, fmt.Errorf("%s %s is not empty; give a new or empty folder, never one holding an earlier %s", what, dir, what)
	}
	return false, os.Chmod(dir, 0o700)
}

// CopyFile copies src to dst (which must not exist), mode 0600, synced, and
// returns the copy's size and SHA-256.
func CopyFile(src, dst string) (File, error) {
	in, err := os.Open(src)
	if err != nil {
		return File{}, err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return File{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return File{}, err
	}
	return File{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// CopyTree copies every regular file under src into dst (folders 0700,
// files 0600) and returns them named prefix/relative-path. A missing src
// copies nothing.
func CopyTree(src, dst, prefix string) ([]File, error) {
	var files []File
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == src {
			return fs.SkipAll
		}
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o700)
		case !d.Type().IsRegular():
			return nil // sockets, links: not the platform's files
		}
		f, err := CopyFile(p, target)
		if err != nil {
			return err
		}
		f.Name = path.Join(prefix, filepath.ToSlash(rel))
		files = append(files, f)
		return nil
	})
	return files, err
}

// SyncDir syncs a folder, so that the names created in it survive a crash.
func SyncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// CopyKeys copies the keys folder src to dst, a new or empty folder (0700,
// files 0600), reads the copy back and checks that it holds the same keys
// as src, and returns their fingerprint. It refuses a folder with a
// rotation pending: which master key is current is decided by the
// database, so finish the rotation first.
func CopyKeys(src, dst string) (string, error) {
	if _, pending, err := keyring.LoadPending(src); err != nil {
		return "", err
	} else if pending {
		return "", fmt.Errorf("%s holds %s, a rotation that did not finish; run carefund keys rotate to finish it, then back up", src, keyring.PendingMaster)
	}
	keys, err := keyring.Load(src, false)
	if err != nil {
		return "", err
	}
	if _, err := PrepareEmpty(dst, "keys backup folder"); err != nil {
		return "", err
	}
	for _, name := range keyring.FileNames() {
		if _, err := CopyFile(filepath.Join(src, name), filepath.Join(dst, name)); err != nil {
			return "", fmt.Errorf("copying %s: %w", name, err)
		}
	}
	if err := SyncDir(dst); err != nil {
		return "", err
	}
	copied, err := keyring.Load(dst, false)
	if err != nil {
		return "", fmt.Errorf("reading the copy back: %w", err)
	}
	if copied.Fingerprint() != keys.Fingerprint() || copied.Log != keys.Log {
		return "", fmt.Errorf("the copy in %s does not hold the keys of %s", dst, src)
	}
	return keys.Fingerprint(), nil
}

// Inside reports whether inner is outer or lies inside it, once both are
// absolute and every symbolic link of the part of each that exists is
// resolved: a keys folder linked into the data folder is inside it.
func Inside(inner, outer string) (bool, error) {
	a, err := resolve(inner)
	if err != nil {
		return false, err
	}
	b, err := resolve(outer)
	if err != nil {
		return false, err
	}
	rel, err := filepath.Rel(b, a)
	if err != nil {
		return false, nil
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))), nil
}

// resolve makes p absolute and resolves the links of its longest existing
// prefix; the rest is joined on as written.
func resolve(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	var rest []string
	for cur := abs; ; cur = filepath.Dir(cur) {
		real, err := filepath.EvalSymlinks(cur)
		if err == nil {
			return filepath.Join(append([]string{real}, rest...)...), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		if filepath.Dir(cur) == cur {
			return abs, nil
		}
		rest = append([]string{filepath.Base(cur)}, rest...)
	}
}
