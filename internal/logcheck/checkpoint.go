package logcheck

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/carefund/carefund/internal/witness"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Checkpoint is the body of a C2SP tlog-checkpoint: the log's origin, its
// size and its root hash, and any extension lines.
type Checkpoint struct {
	Origin     string
	Size       int64
	Hash       tlog.Hash
	Extensions []string
}

// ErrCheckpoint is returned for a checkpoint that is not well formed.
var ErrCheckpoint = errors.New("malformed checkpoint")

// strict is the only base64 this package accepts: a byte changed in a
// padding bit is a different text, never the same value.
var strict = base64.StdEncoding.Strict()

// decodeStrict decodes s and insists it is the one encoding of its bytes.
func decodeStrict(s string) ([]byte, error) {
	b, err := strict.DecodeString(s)
	if err != nil {
		return nil, err
	}
	if strict.EncodeToString(b) != s {
		return nil, errors.New("not canonical base64")
	}
	return b, nil
}

// parseDecimal reads a non-negative decimal with no sign and no leading
// zeros, as tlog-checkpoint and tlog-proof write it.
func parseDecimal(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != s {
		return 0, fmt.Errorf("%q is not a decimal", s)
	}
	return n, nil
}

// parseHash reads a base64 SHA-256 hash.
func parseHash(s string) (tlog.Hash, error) {
	b, err := decodeStrict(s)
	if err != nil || len(b) != tlog.HashSize {
		return tlog.Hash{}, fmt.Errorf("%q is not a base64 SHA-256 hash", s)
	}
	return tlog.Hash(b), nil
}

// ParseCheckpoint reads a checkpoint's body (a signed note's text, ending
// in a newline).
func ParseCheckpoint(text string) (Checkpoint, error) {
	body, ok := strings.CutSuffix(text, "\n")
	if !ok {
		return Checkpoint{}, fmt.Errorf("%w: no final newline", ErrCheckpoint)
	}
	lines := strings.Split(body, "\n")
	if len(lines) < 3 {
		return Checkpoint{}, fmt.Errorf("%w: %d lines, want origin, size and hash", ErrCheckpoint, len(lines))
	}
	var c Checkpoint
	c.Origin = lines[0]
	if c.Origin == "" || strings.TrimSpace(c.Origin) != c.Origin {
		return Checkpoint{}, fmt.Errorf("%w: bad origin line %q", ErrCheckpoint, c.Origin)
	}
	var err error
	if c.Size, err = parseDecimal(lines[1]); err != nil {
		return Checkpoint{}, fmt.Errorf("%w: size: %v", ErrCheckpoint, err)
	}
	if c.Hash, err = parseHash(lines[2]); err != nil {
		return Checkpoint{}, fmt.Errorf("%w: root: %v", ErrCheckpoint, err)
	}
	for _, l := range lines[3:] {
		if l == "" {
			return Checkpoint{}, fmt.Errorf("%w: empty extension line", ErrCheckpoint)
		}
		c.Extensions = append(c.Extensions, l)
	}
	return c, nil
}

// Signed is a checkpoint whose signature by the log's key was checked.
type Signed struct {
	Checkpoint
	// Note is the signed note as served.
	Note []byte
	// Cosigners names the witnesses whose cosignature was checked.
	Cosigners []string
}

// OpenCheckpoint checks the signed note msg: signed by the log's key (whose
// name must be the checkpoint's origin), cosigned by every witness given,
// every signature line in canonical base64. It names what fails.
func OpenCheckpoint(msg []byte, log note.Verifier, witnesses []note.Verifier) (Signed, error) {
	known := append([]note.Verifier{log}, witnesses...)
	n, err := note.Open(msg, note.VerifierList(known...))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		switch {
		case errors.As(err, &unverified):
			var by []string
			for _, s := range unverified.Note.UnverifiedSigs {
				by = append(by, s.Name)
			}
			return Signed{}, fmt.Errorf("checkpoint is not signed by the log key %s (signed only by %s)", log.Name(), strings.Join(by, ", "))
		case errors.As(err, &invalid):
			return Signed{}, fmt.Errorf("checkpoint has a bad signature by %s", invalid.Name)
		}
		return Signed{}, fmt.Errorf("checkpoint: %v", err)
	}
	for _, s := range append(n.Sigs, n.UnverifiedSigs...) {
		if _, err := decodeStrict(s.Base64); err != nil {
			return Signed{}, fmt.Errorf("checkpoint: signature by %s: %v", s.Name, err)
		}
	}
	signed := func(v note.Verifier) bool {
		for _, s := range n.Sigs {
			if s.Name == v.Name() && s.Hash == v.KeyHash() {
				return true
			}
		}
		return false
	}
	if !signed(log) {
		return Signed{}, fmt.Errorf("checkpoint is not signed by the log key %s", log.Name())
	}
	c, err := ParseCheckpoint(n.Text)
	if err != nil {
		return Signed{}, err
	}
	if c.Origin != log.Name() {
		return Signed{}, fmt.Errorf("checkpoint is for the log %q, not %q: a checkpoint of another log", c.Origin, log.Name())
	}
	s := Signed{Checkpoint: c, Note: bytes.Clone(msg)}
	for _, w := range witnesses {
		if !signed(w) {
			return Signed{}, fmt.Errorf("checkpoint is not cosigned by the witness %s", w.Name())
		}
		s.Cosigners = append(s.Cosigners, w.Name())
	}
	return s, nil
}

// NewCosignatureVerifier reads a witness's verifier key
// (<name>+<key id>+base64(0x04 || Ed25519 public key)) and returns a note
// verifier of its tlog-cosignature/v1 signatures, the one the platform's
// own witness client checks answers with.
func NewCosignatureVerifier(vkey string) (note.Verifier, error) {
	v, err := witness.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("witness key %q: %v", vkey, err)
	}
	return v, nil
}

// shortHash is a hash for messages: enough hex to tell two apart.
func shortHash(h tlog.Hash) string { return hex.EncodeToString(h[:8]) }
