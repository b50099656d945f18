package vault

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// MaxFileSize is the largest upload SealFile takes: a whole file is sealed
// in memory, as one AES-GCM message.
const MaxFileSize = 10 << 20

// SealFile seals plaintext as Seal does and writes it to path, mode 0600:
// through a temporary file in the same folder, synced, then renamed, so path
// holds either nothing, its old content, or the whole sealed file, and never
// any plaintext. The folder must exist.
func (k *RecordKey) SealFile(path, aad string, plaintext []byte) error {
	if len(plaintext) > MaxFileSize {
		return fmt.Errorf("vault: a file of %d bytes is over the %d-byte limit", len(plaintext), MaxFileSize)
	}
	sealed := k.Seal(aad, plaintext)
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".sealed-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(sealed); err != nil {
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
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// OpenFile reads and opens a file SealFile wrote with the same aad. It
// returns ErrCannotOpen as Open does, and refuses a file larger than any
// SealFile writes without reading it.
func (k *RecordKey) OpenFile(path, aad string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Read one byte past the limit to tell a file that is too large.
	sealed, err := io.ReadAll(io.LimitReader(f, MaxFileSize+Overhead+1))
	if err != nil {
		return nil, err
	}
	if len(sealed) > MaxFileSize+Overhead {
		return nil, fmt.Errorf("vault: %s is larger than any sealed upload: %w", filepath.Base(path), ErrCannotOpen)
	}
	return k.Open(aad, sealed)
}
