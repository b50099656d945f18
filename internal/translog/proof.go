package translog

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// ProofHeader is the first line of a proof bundle (C2SP tlog-proof).
const ProofHeader = "c2sp.org/tlog-proof@v1"

// Proof is a C2SP tlog-proof bundle: that the entry at Index is in the tree
// of the checkpoint, with Extra, the opening of the entry's commitment.
type Proof struct {
	Extra      []byte
	Index      int64
	Hashes     tlog.RecordProof
	Checkpoint []byte // the signed note, cosignatures included
}

// Opening is a proof's extra data for a ledger entry: the idempotency key
// and the salt its commitment was made with, and the entry (so that the
// proof is checked offline).
type Opening struct {
	Key   string `json:"key"`
	Salt  string `json:"salt"`  // base64
	Entry string `json:"entry"` // base64 of the log entry's bytes
}

// ErrProof is returned for a proof bundle that cannot be read or does not
// prove what it claims.
var ErrProof = errors.New("translog: bad proof")

// maxProofHashes bounds the inclusion hashes of a proof: a tree of 2^63
// entries needs 63.
const maxProofHashes = 64

// Format encodes p as a proof bundle.
func (p Proof) Format() []byte {
	var b bytes.Buffer
	b.WriteString(ProofHeader + "\n")
	if len(p.Extra) > 0 {
		b.WriteString("extra " + base64.StdEncoding.EncodeToString(p.Extra) + "\n")
	}
	b.WriteString("index " + strconv.FormatInt(p.Index, 10) + "\n")
	for _, h := range p.Hashes {
		b.WriteString(base64.StdEncoding.EncodeToString(h[:]) + "\n")
	}
	b.WriteString("\n")
	b.Write(p.Checkpoint)
	return b.Bytes()
}

// ParseProof reads a proof bundle. It checks the form, not the proof: see
// VerifyProof.
func ParseProof(data []byte) (Proof, error) {
	var p Proof
	bad := func(why string) (Proof, error) { return Proof{}, fmt.Errorf("%w: %s", ErrProof, why) }
	head, checkpoint, ok := bytes.Cut(data, []byte("\n\n"))
	if !ok || len(checkpoint) == 0 {
		return bad("no checkpoint after a blank line")
	}
	lines := strings.Split(string(head), "\n")
	if lines[0] != ProofHeader {
		return bad("not " + ProofHeader)
	}
	lines = lines[1:]
	if len(lines) > 0 && strings.HasPrefix(lines[0], "extra ") {
		extra, err := base64.StdEncoding.Strict().DecodeString(lines[0][len("extra "):])
		if err != nil || len(extra) == 0 {
			return bad("extra is not base64")
		}
		p.Extra = extra
		lines = lines[1:]
	}
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "index ") {
		return bad("no index")
	}
	s := lines[0][len("index "):]
	idx, err := strconv.ParseInt(s, 10, 64)
	if err != nil || idx < 0 || strconv.FormatInt(idx, 10) != s {
		return bad("index " + strconv.Quote(s))
	}
	p.Index = idx
	lines = lines[1:]
	if len(lines) > maxProofHashes {
		return bad("too many hashes")
	}
	for _, line := range lines {
		h, err := base64.StdEncoding.Strict().DecodeString(line)
		if err != nil || len(h) != tlog.HashSize {
			return bad("hash " + strconv.Quote(line))
		}
		p.Hashes = append(p.Hashes, tlog.Hash(h))
	}
	p.Checkpoint = checkpoint
	return p, nil
}

// Verified is what a proof shows once VerifyProof accepts it.
type Verified struct {
	Origin string
	Size   int64
	Root   tlog.Hash
	Record Record
}

// VerifyProof checks that p's checkpoint is signed by v (the log's key),
// that entry, the log's entry at p.Index (from its entry bundle, or nil
// for the one the opening carries), is in that tree, and, when p carries
// an opening and the entry is a ledger entry, that the opening opens the
// entry's commitment. Witness cosignatures are left to the caller's policy
// (the note's signatures).
func VerifyProof(p Proof, entry []byte, v note.Verifier) (Verified, error) {
	var o Opening
	if len(p.Extra) > 0 {
		d := json.NewDecoder(bytes.NewReader(p.Extra))
		d.DisallowUnknownFields()
		if err := d.Decode(&o); err != nil || d.More() {
			return Verified{}, fmt.Errorf("%w: extra is not an opening", ErrProof)
		}
		if again, _ := json.Marshal(o); !bytes.Equal(again, p.Extra) {
			return Verified{}, fmt.Errorf("%w: extra is not in canonical form", ErrProof)
		}
		carried, err := base64.StdEncoding.Strict().DecodeString(o.Entry)
		if err != nil {
			return Verified{}, fmt.Errorf("%w: the opening's entry is not base64", ErrProof)
		}
		if entry == nil {
			entry = carried
		} else if !bytes.Equal(entry, carried) {
			return Verified{}, fmt.Errorf("%w: the opening carries another entry", ErrProof)
		}
	}
	origin, size, root, err := OpenCheckpoint(p.Checkpoint, v)
	if err != nil {
		return Verified{}, err
	}
	if origin != v.Name() {
		return Verified{}, fmt.Errorf("%w: checkpoint of %q, key of %q", ErrProof, origin, v.Name())
	}
	if p.Index >= size {
		return Verified{}, fmt.Errorf("%w: index %d beyond the tree of %d", ErrProof, p.Index, size)
	}
	if err := tlog.CheckRecord(p.Hashes, size, root, p.Index, tlog.RecordHash(entry)); err != nil {
		return Verified{}, fmt.Errorf("%w: %v", ErrProof, err)
	}
	r, err := Parse(entry)
	if err != nil {
		return Verified{}, err
	}
	if len(p.Extra) > 0 {
		salt, err := base64.StdEncoding.Strict().DecodeString(o.Salt)
		if err != nil {
			return Verified{}, fmt.Errorf("%w: salt is not base64", ErrProof)
		}
		if r.Ledger == nil || Commit(salt, o.Key) != r.Ledger.Commitment {
			return Verified{}, fmt.Errorf("%w: the opening does not open the entry's commitment", ErrProof)
		}
	}
	return Verified{Origin: origin, Size: size, Root: root, Record: r}, nil
}

// BundleEntry returns entry i (counted from the bundle's start) of an entry
// bundle as GET /log/tile/entries/… serves it.
func BundleEntry(bundle []byte, i int) ([]byte, error) {
	for k := 0; ; k++ {
		if len(bundle) < 2 {
			return nil, fmt.Errorf("%w: the bundle ends before entry %d", ErrProof, i)
		}
		n := int(bundle[0])<<8 | int(bundle[1])
		if len(bundle) < 2+n {
			return nil, fmt.Errorf("%w: entry %d of the bundle is cut short", ErrProof, k)
		}
		if k == i {
			return bundle[2 : 2+n], nil
		}
		bundle = bundle[2+n:]
	}
}
