package logcheck_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/carefund/carefund/internal/logcheck"
	"github.com/carefund/carefund/internal/logcheck/logchecktest"
)

// TestLogVerifyWitnesses: a witness's cosignature is checked when its key
// is given; one altered, or missing, fails the audit and is named; keys
// that are not Ed25519 cosignature keys are refused.
func TestLogVerifyWitnesses(t *testing.T) {
	l := fixture(t)
	w1 := l.AddWitness("witness.example/w1")
	w2 := l.AddWitness("witness.example/w2")
	res, err := verify(t, l, "", w1, w2)
	if err != nil || strings.Join(res.Cosigners, " ") != "witness.example/w1 witness.example/w2" {
		t.Fatalf("Verify: %v, cosigners %q", err, res.Cosigners)
	}
	// A cosignature altered in its last signature byte.
	l.Tamper(func(p string, b []byte) []byte {
		if p != "/log/checkpoint" {
			return b
		}
		lines := strings.Split(string(b), "\n")
		for i, line := range lines {
			if name, sig, ok := strings.Cut(strings.TrimPrefix(line, "— "), " "); ok && name == "witness.example/w2" {
				raw, _ := base64.StdEncoding.DecodeString(sig)
				raw[len(raw)-1] ^= 1
				lines[i] = "— " + name + " " + base64.StdEncoding.EncodeToString(raw)
			}
		}
		return []byte(strings.Join(lines, "\n"))
	})
	_, err = verify(t, l, "", w1, w2)
	if !errors.Is(err, logcheck.ErrAudit) || !strings.Contains(err.Error(), "bad signature by witness.example/w2") {
		t.Errorf("an altered cosignature: %v", err)
	}
	// The log's own key is not a witness key, nor is a key with another
	// id.
	_, logVKey, _ := note.GenerateKey(rand.Reader, "witness.example/w3")
	_, good := logchecktest.NewWitness("witness.example/w4")
	name, rest, _ := strings.Cut(good, "+")
	for _, bad := range []string{logVKey, name + "+00000000" + rest[8:], "nonsense", good + "A"} {
		if _, err := logcheck.NewCosignatureVerifier(bad); err == nil {
			t.Errorf("NewCosignatureVerifier(%q) accepted", bad)
		}
	}
}

// TestLogVerifyProgress: a long audit says how far it got, by tenths.
func TestLogVerifyProgress(t *testing.T) {
	l := fixture(t)
	var progress bytes.Buffer
	_, err := logcheck.Verify(t.Context(), logcheck.Options{URL: l.URL(), Key: l.VKey, HTTP: l.Client(), Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(progress.String(), "log verify: 300/300 entries\n") {
		t.Errorf("progress:\n%s", progress.String())
	}
}

// TestSaveState: the state is written whole, nothing left beside it, and
// read back.
func TestSaveState(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "carefund")
	path := filepath.Join(dir, "log-x.json")
	want := logcheck.State{Origin: "x/log", Key: "k", Size: 3, Root: "r", Checkpoint: "c\n"}
	for range 2 {
		if err := logcheck.SaveState(path, want); err != nil {
			t.Fatal(err)
		}
	}
	got, ok, err := logcheck.LoadState(path)
	if err != nil || !ok || got != want {
		t.Errorf("LoadState = %+v, %v, %v", got, ok, err)
	}
	if files, _ := os.ReadDir(dir); len(files) != 1 {
		t.Errorf("%d files in the folder, want the state alone", len(files))
	}
	if _, ok, err := logcheck.LoadState(filepath.Join(dir, "none.json")); ok || err != nil {
		t.Errorf("no state: %v, %v", ok, err)
	}
}
