package logcheck

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// State is what the auditor remembers of a log between runs: its key and
// the last checkpoint it verified.
type State struct {
	Origin string `json:"origin"`
	Key    string `json:"key"`  // the log's verifier key
	Size   int64  `json:"size"` // of the last verified checkpoint
	Root   string `json:"root"` // base64
	// Checkpoint is the signed note verified last, kept as evidence: two
	// notes signed by the log for the same size and different roots prove
	// a fork to anyone.
	Checkpoint string `json:"checkpoint"`
}

// DefaultStatePath is where the state of the log at url is kept unless
// told otherwise: log-<host>.json in the user's configuration folder.
func DefaultStatePath(host string) (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	name := strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, host)
	return filepath.Join(dir, "carefund", "log-"+name+".json"), nil
}

// LoadState reads the state at path; ok is false when there is none yet.
func LoadState(path string) (State, bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return State{}, false, nil
	}
	if err != nil {
		return State{}, false, err
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return State{}, false, fmt.Errorf("%s: %v", path, err)
	}
	return s, true, nil
}

// SaveState writes s to path atomically: a crash leaves the old state or
// the new, never half of one.
func SaveState(path string, s State) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".log-state-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
