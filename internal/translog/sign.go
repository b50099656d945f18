package translog

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Origin returns the log's origin, the first line of its checkpoints and
// the name of its signing key: the public URL's host[:port] and "/log"
// (C2SP tlog-tiles: the URL prefix without its scheme).
func Origin(publicURL string) (string, error) {
	u, err := url.Parse(publicURL)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("translog: the public URL %q has no host", publicURL)
	}
	return strings.ToLower(u.Host) + "/log", nil
}

// CommitKey derives the key of the commitments' salts (Salt) from the index
// key, so that no further secret needs keeping.
func CommitKey(indexKey []byte) []byte {
	m := hmac.New(sha256.New, indexKey)
	m.Write([]byte("carefund translog commitment"))
	return m.Sum(nil)
}

// Signer signs the log's checkpoints as a signed note (C2SP signed-note,
// Ed25519) under the origin's name. Its key is a 32-byte seed, kept with
// the platform's other keys.
type Signer struct {
	name     string
	priv     ed25519.PrivateKey
	verifier note.Verifier
	vkey     string
}

// NewSigner returns the signer of origin from an Ed25519 seed.
func NewSigner(origin string, seed []byte) (*Signer, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("translog: a signing seed has %d bytes, not %d", len(seed), ed25519.SeedSize)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	vkey, err := note.NewEd25519VerifierKey(origin, priv.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, fmt.Errorf("translog: %w", err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("translog: %w", err)
	}
	return &Signer{name: origin, priv: priv, verifier: v, vkey: vkey}, nil
}

// Name, KeyHash and Sign make Signer a note.Signer.
func (s *Signer) Name() string    { return s.name }
func (s *Signer) KeyHash() uint32 { return s.verifier.KeyHash() }
func (s *Signer) Sign(msg []byte) ([]byte, error) {
	return ed25519.Sign(s.priv, msg), nil
}

// Verifier returns the note verifier of the log's checkpoints.
func (s *Signer) Verifier() note.Verifier { return s.verifier }

// VerifierKey returns the verifier key as one line, <name>+<hash>+<base64>,
// what GET /log/key serves.
func (s *Signer) VerifierKey() string { return s.vkey }

// CheckpointText returns the body of a checkpoint (C2SP tlog-checkpoint).
func CheckpointText(origin string, size int64, root tlog.Hash) string {
	return origin + "\n" + strconv.FormatInt(size, 10) + "\n" + base64.StdEncoding.EncodeToString(root[:]) + "\n"
}

// SignCheckpoint returns the signed note of the tree of size and root.
func (s *Signer) SignCheckpoint(size int64, root tlog.Hash) (string, error) {
	b, err := note.Sign(&note.Note{Text: CheckpointText(s.name, size, root)}, s)
	if err != nil {
		return "", fmt.Errorf("translog: signing the checkpoint: %w", err)
	}
	return string(b), nil
}

// ErrCheckpoint is returned for a checkpoint that cannot be read or whose
// signature does not verify.
var ErrCheckpoint = errors.New("translog: bad checkpoint")

// OpenCheckpoint verifies a signed checkpoint (witness cosignatures may
// follow; they are kept in the note but not checked here) under v, and
// returns its origin, size and root.
func OpenCheckpoint(signed []byte, v note.Verifier) (origin string, size int64, root tlog.Hash, err error) {
	if err := canonicalSignatures(signed); err != nil {
		return "", 0, tlog.Hash{}, err
	}
	n, err := note.Open(signed, note.VerifierList(v))
	if err != nil {
		return "", 0, tlog.Hash{}, fmt.Errorf("%w: %v", ErrCheckpoint, err)
	}
	return parseCheckpointText(n.Text)
}

// parseCheckpointText reads a checkpoint's body: origin, size, root, and
// perhaps extension lines, which are ignored.
func parseCheckpointText(text string) (origin string, size int64, root tlog.Hash, err error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 || lines[0] == "" {
		return "", 0, tlog.Hash{}, fmt.Errorf("%w: too few lines", ErrCheckpoint)
	}
	size, err = strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return "", 0, tlog.Hash{}, fmt.Errorf("%w: size %q", ErrCheckpoint, lines[1])
	}
	h, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(h) != tlog.HashSize {
		return "", 0, tlog.Hash{}, fmt.Errorf("%w: root %q", ErrCheckpoint, lines[2])
	}
	copy(root[:], h)
	return lines[0], size, root, nil
}

// canonicalSignatures refuses signature lines whose base64 is not in its
// one canonical form (note.Open ignores stray padding bits), so that a
// checkpoint's bytes cannot change and still verify.
func canonicalSignatures(signed []byte) error {
	i := strings.LastIndex(string(signed), "\n\n")
	if i < 0 {
		return fmt.Errorf("%w: no signatures", ErrCheckpoint)
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(signed[i+2:]), "\n"), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			return fmt.Errorf("%w: signature line %q", ErrCheckpoint, line)
		}
		if _, err := base64.StdEncoding.Strict().DecodeString(f[2]); err != nil {
			return fmt.Errorf("%w: signature line %q", ErrCheckpoint, line)
		}
	}
	return nil
}
