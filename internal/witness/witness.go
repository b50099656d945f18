// Package witness is a client of transparency-log witnesses (C2SP
// tlog-witness): it sends a checkpoint of carefund's log, with the proof
// that it extends the tree the witness last saw, to a witness, and reads
// back its cosignature (C2SP tlog-cosignature, cosignature/v1), which it
// accepts only when it verifies against the key configured for that
// witness. A witness cosigns a tree only if it is consistent with every
// tree it cosigned before, so a donor who trusts the witness knows the log
// shows everyone the same history.
//
// The package knows nothing of storage: the caller gives the old size and
// its consistency proof (tlog.ProveTree) and keeps what comes back.
package witness

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// The witness's refusals and failures, by what they mean. None of them is
// ever a cosignature.
var (
	// ErrBadRequest: 400, the witness could not read the request (an old
	// size above the checkpoint's).
	ErrBadRequest = errors.New("witness: bad request")
	// ErrForbidden: 403, the checkpoint carries no signature from a key the
	// witness trusts for the log.
	ErrForbidden = errors.New("witness: checkpoint not signed by a key the witness trusts")
	// ErrUnknownLog: 404, the witness does not witness this log.
	ErrUnknownLog = errors.New("witness: log unknown to the witness")
	// ErrBadProof: 422, the consistency proof does not verify: the tree
	// the witness holds is not a prefix of this one (a split view, or a
	// log started anew).
	ErrBadProof = errors.New("witness: consistency proof refused")
	// ErrUnavailable: 5xx, or no answer at all.
	ErrUnavailable = errors.New("witness: unavailable")
	// ErrResponse: an answer that is not what the protocol allows, or a
	// cosignature that does not verify against the configured key.
	ErrResponse = errors.New("witness: bad response")
)

// ConflictError is a 409: the witness's latest size for the log is not
// the old size sent. Known is the size it holds; the caller proves
// consistency from there and tries again.
type ConflictError struct {
	Known int64
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("witness: the witness holds size %d, not the old size sent", e.Known)
}

// maxResponse bounds what is read of an answer: cosignature lines, a size.
const maxResponse = 16 << 10

// Witness is one witness as configured: where it listens and its
// cosignature key.
type Witness struct {
	URL string    // base URL; add-checkpoint is under it
	Key *Verifier // its cosignature/v1 verifier key
}

// Name is the witness's name, as its cosignature lines carry it.
func (w Witness) Name() string { return w.Key.Name() }

// ParseWitness reads a witness as configured: URL=VKEY, the witness's base
// URL (http or https, no query) and its verifier key.
func ParseWitness(s string) (Witness, error) {
	u, k, ok := strings.Cut(strings.TrimSpace(s), "=")
	if !ok {
		return Witness{}, fmt.Errorf("witness %q: give URL=VKEY, the witness's address and its verifier key", s)
	}
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" || pu.RawQuery != "" || pu.Fragment != "" {
		return Witness{}, fmt.Errorf("witness %q: %q is not an http:// or https:// address", s, u)
	}
	v, err := NewVerifier(k)
	if err != nil {
		return Witness{}, fmt.Errorf("witness %q: %v", s, err)
	}
	return Witness{URL: strings.TrimSuffix(u, "/"), Key: v}, nil
}

// algCosignatureV1 is the signature type of tlog-cosignature v1 keys.
const algCosignatureV1 = 0x04

// Verifier checks cosignature/v1 signatures (C2SP tlog-cosignature) of one
// witness key. It is a note.Verifier.
type Verifier struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

// NewVerifier parses a verifier key: <name>+<hex key hash>+<base64 of 0x04
// and the Ed25519 public key>.
func NewVerifier(vkey string) (*Verifier, error) {
	name, rest, ok1 := strings.Cut(vkey, "+")
	hexHash, b64, ok2 := strings.Cut(rest, "+")
	if !ok1 || !ok2 || !validName(name) || len(hexHash) != 8 {
		return nil, errors.New("malformed verifier key: want name+hash+key")
	}
	h, err := strconv.ParseUint(hexHash, 16, 32)
	if err != nil {
		return nil, errors.New("malformed verifier key: bad key hash")
	}
	key, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil || len(key) != 1+ed25519.PublicKeySize {
		return nil, errors.New("malformed verifier key: bad key")
	}
	if key[0] != algCosignatureV1 {
		return nil, fmt.Errorf("verifier key of type %#x, not a cosignature/v1 (0x04) key", key[0])
	}
	if keyHash(name, key) != uint32(h) {
		return nil, errors.New("verifier key's hash does not match its name and key")
	}
	return &Verifier{name: name, hash: uint32(h), key: ed25519.PublicKey(key[1:])}, nil
}

// VerifierKey is the verifier key of the witness name with Ed25519 public
// key pub, as NewVerifier reads it.
func VerifierKey(name string, pub ed25519.PublicKey) string {
	key := append([]byte{algCosignatureV1}, pub...)
	return fmt.Sprintf("%s+%08x+%s", name, keyHash(name, key), base64.StdEncoding.EncodeToString(key))
}

// Name is the key's name, the witness's.
func (v *Verifier) Name() string { return v.name }

// KeyHash is the key's id in signature lines.
func (v *Verifier) KeyHash() uint32 { return v.hash }

// String is the verifier key as NewVerifier reads it.
func (v *Verifier) String() string {
	return fmt.Sprintf("%s+%08x+%s", v.name, v.hash, base64.StdEncoding.EncodeToString(append([]byte{algCosignatureV1}, v.key...)))
}

// Verify reports whether sig (an 8-byte timestamp and an Ed25519
// signature) is the witness's cosignature of the checkpoint text msg.
func (v *Verifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	m, ok := CosignedMessage(binary.BigEndian.Uint64(sig), msg)
	return ok && ed25519.Verify(v.key, m, sig[8:])
}

// Timestamp returns the time (Unix seconds) a cosignature of this form
// says it was made.
func Timestamp(sig []byte) (uint64, bool) {
	if len(sig) != 8+ed25519.SignatureSize {
		return 0, false
	}
	return binary.BigEndian.Uint64(sig), true
}

// CosignedMessage is what a cosignature/v1 signs at time t over checkpoint
// text: "cosignature/v1", "time <t>", then the checkpoint's text. It
// reports false for text that is not a note's text.
func CosignedMessage(t uint64, text []byte) ([]byte, bool) {
	if len(text) == 0 || text[len(text)-1] != '\n' || t > 1<<63-1 {
		return nil, false
	}
	m := fmt.Appendf(nil, "cosignature/v1\ntime %d\n", t)
	return append(m, text...), true
}

// keyHash is the key id of tlog-cosignature (as signed-note computes it):
// the first four bytes of SHA-256(name || "\n" || type and key).
func keyHash(name string, key []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte("\n"))
	h.Write(key)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// validName is signed-note's rule for key names: UTF-8, no spaces, no
// plus signs.
func validName(name string) bool {
	return name != "" && utf8.ValidString(name) && strings.IndexFunc(name, unicode.IsSpace) < 0 && !strings.Contains(name, "+")
}

// Client sends checkpoints to witnesses.
type Client struct {
	HTTP *http.Client // nil: http.DefaultClient
}

// AddCheckpoint asks w to cosign checkpoint (a signed note, as the log
// serves it) given that the witness last saw oldSize, with proof the
// consistency proof from oldSize to the checkpoint's size (empty when
// oldSize is 0 or the checkpoint's size). It returns the witness's
// cosignature lines for the checkpoint, each ending in a newline, after
// checking every one against w's key; the lines of other keys are dropped.
//
// A 409 is a *ConflictError; the other refusals are the Err values above.
func (c *Client) AddCheckpoint(ctx context.Context, w Witness, oldSize int64, proof tlog.TreeProof, checkpoint []byte) ([]byte, error) {
	text, err := noteText(checkpoint)
	if err != nil {
		return nil, err
	}
	body := AddCheckpointBody(oldSize, proof, checkpoint)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL+"/add-checkpoint", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnavailable, w.Name(), err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnavailable, w.Name(), err)
	}
	if len(answer) > maxResponse {
		return nil, fmt.Errorf("%w: %s: an answer of more than %d bytes", ErrResponse, w.Name(), maxResponse)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		lines, err := Cosignatures(w.Key, text, answer)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", w.Name(), err)
		}
		return lines, nil
	case resp.StatusCode == http.StatusConflict:
		known, err := ParseSize(answer)
		if err != nil {
			return nil, fmt.Errorf("%s: 409: %w", w.Name(), err)
		}
		return nil, &ConflictError{Known: known}
	case resp.StatusCode == http.StatusBadRequest:
		return nil, fmt.Errorf("%w: %s: %s", ErrBadRequest, w.Name(), snippet(answer))
	case resp.StatusCode == http.StatusForbidden:
		return nil, fmt.Errorf("%w: %s: %s", ErrForbidden, w.Name(), snippet(answer))
	case resp.StatusCode == http.StatusNotFound:
		return nil, fmt.Errorf("%w: %s: %s", ErrUnknownLog, w.Name(), snippet(answer))
	case resp.StatusCode == http.StatusUnprocessableEntity:
		return nil, fmt.Errorf("%w: %s: %s", ErrBadProof, w.Name(), snippet(answer))
	case resp.StatusCode >= 500:
		return nil, fmt.Errorf("%w: %s: %s: %s", ErrUnavailable, w.Name(), resp.Status, snippet(answer))
	default:
		return nil, fmt.Errorf("%w: %s: unexpected %s", ErrResponse, w.Name(), resp.Status)
	}
}

// AddCheckpointBody is the add-checkpoint request: "old <size>", the
// proof's hashes in base64 one a line, a blank line, the checkpoint.
func AddCheckpointBody(oldSize int64, proof tlog.TreeProof, checkpoint []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "old %d\n", oldSize)
	for _, h := range proof {
		b.WriteString(base64.StdEncoding.EncodeToString(h[:]))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.Write(checkpoint)
	return b.Bytes()
}

// ParseSize reads a 409's body: the witness's size in decimal and a
// newline (text/x.tlog.size).
func ParseSize(body []byte) (int64, error) {
	s, ok := strings.CutSuffix(string(body), "\n")
	if !ok || s == "" || len(s) > 19 || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf("%w: size %q", ErrResponse, snippet(body))
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("%w: size %q", ErrResponse, snippet(body))
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: size %q", ErrResponse, snippet(body))
	}
	return n, nil
}

// Cosignatures reads a 200's body, signature lines ("— name base64"),
// and returns those of v's key, each checked against the checkpoint text.
// A body that is not signature lines, a line of v's key that does not
// verify, or no line of v's key at all, is ErrResponse.
func Cosignatures(v *Verifier, text, body []byte) ([]byte, error) {
	if len(body) == 0 || body[len(body)-1] != '\n' {
		return nil, fmt.Errorf("%w: cosignature lines must end in a newline", ErrResponse)
	}
	var out []byte
	for line := range strings.SplitSeq(string(body[:len(body)-1]), "\n") {
		name, sig, err := parseSigLine(line)
		if err != nil {
			return nil, err
		}
		if name != v.Name() || len(sig) < 4 || binary.BigEndian.Uint32(sig) != v.KeyHash() {
			continue
		}
		if !v.Verify(text, sig[4:]) {
			return nil, fmt.Errorf("%w: the cosignature of %s does not verify", ErrResponse, v.Name())
		}
		out = append(out, line...)
		out = append(out, '\n')
	}
	if out == nil {
		return nil, fmt.Errorf("%w: no cosignature of %s's key in the answer", ErrResponse, v.Name())
	}
	return out, nil
}

// parseSigLine reads one signed-note signature line.
func parseSigLine(line string) (string, []byte, error) {
	rest, ok := strings.CutPrefix(line, "— ")
	name, b64, ok2 := strings.Cut(rest, " ")
	if !ok || !ok2 || !validName(name) {
		return "", nil, fmt.Errorf("%w: not a signature line: %q", ErrResponse, snippet([]byte(line)))
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil || len(sig) < 5 {
		return "", nil, fmt.Errorf("%w: bad signature in line %q", ErrResponse, snippet([]byte(line)))
	}
	return name, sig, nil
}

// noteText returns the text of a signed note: up to and including the
// newline before the blank line that starts its signatures.
func noteText(n []byte) ([]byte, error) {
	i := bytes.LastIndex(n, []byte("\n\n"))
	if i < 0 {
		return nil, errors.New("witness: the checkpoint is not a signed note")
	}
	return n[:i+1], nil
}

// snippet is a witness's answer as safe to log: at most a line, cut short.
func snippet(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\n")
	if len(s) > 200 {
		s = s[:200]
	}
	return strings.ToValidUTF8(s, "?")
}

var _ note.Verifier = (*Verifier)(nil)
