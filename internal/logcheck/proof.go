package logcheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/carefund/carefund/internal/translog"
)

// ProofHeader is the first line of a C2SP tlog-proof bundle.
const ProofHeader = translog.ProofHeader

// Proof is a tlog-proof bundle: a checkpoint, an entry's index and its
// inclusion proof in the checkpoint's tree, and opaque extra data. The
// platform writes it and the auditor reads it with one parser, which
// accepts only the one way of writing each field (canonical base64,
// decimals without leading zeros), so a bundle edited by a byte never
// parses to the same proof.
type Proof = translog.Proof

// ErrProof is returned for a bundle that is not well formed.
var ErrProof = translog.ErrProof

// MaxProof bounds the size of a bundle this package reads.
const MaxProof = 1 << 20

// ParseProof reads a tlog-proof bundle of at most MaxProof bytes.
func ParseProof(b []byte) (Proof, error) {
	if len(b) > MaxProof {
		return Proof{}, fmt.Errorf("%w: %d bytes", ErrProof, len(b))
	}
	return translog.ParseProof(b)
}

// ReceiptExtra is the extra data of a donor's receipt bundle: the opening of
// the commitment in the donation's ledger entry (the idempotency key and the
// salt) and the log entry itself. It is JSON with exactly these fields in
// this order, as json.Marshal writes them.
type ReceiptExtra struct {
	Key   string `json:"key"`
	Salt  string `json:"salt"`  // base64
	Entry string `json:"entry"` // base64 of the log entry's bytes
}

// ParseReceiptExtra reads a receipt's extra data, only in the form
// json.Marshal writes it.
func ParseReceiptExtra(b []byte) (ReceiptExtra, error) {
	var x ReceiptExtra
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&x); err != nil {
		return ReceiptExtra{}, fmt.Errorf("receipt data: %v", err)
	}
	if again, _ := json.Marshal(x); !bytes.Equal(again, b) {
		return ReceiptExtra{}, errors.New("receipt data is not in canonical form")
	}
	return x, nil
}

// Receipt is what a checked receipt proves.
type Receipt struct {
	Checkpoint Signed
	Index      int64
	Record     translog.Record
	Key        string
}

// CheckReceipt checks a donor's tlog-proof bundle offline: the checkpoint
// signed by the log's key (and cosigned by every witness given), the entry in
// the extra data included at the index in the checkpoint's tree, the entry a
// ledger record whose commitment the key and salt open.
func CheckReceipt(bundle []byte, log note.Verifier, witnesses []note.Verifier) (Receipt, error) {
	p, err := ParseProof(bundle)
	if err != nil {
		return Receipt{}, err
	}
	c, err := OpenCheckpoint(p.Checkpoint, log, witnesses)
	if err != nil {
		return Receipt{}, err
	}
	if p.Extra == nil {
		return Receipt{}, errors.New("the bundle carries no receipt data (no extra line)")
	}
	x, err := ParseReceiptExtra(p.Extra)
	if err != nil {
		return Receipt{}, err
	}
	entry, err := decodeStrict(x.Entry)
	if err != nil {
		return Receipt{}, fmt.Errorf("receipt data: entry: %v", err)
	}
	salt, err := decodeStrict(x.Salt)
	if err != nil {
		return Receipt{}, fmt.Errorf("receipt data: salt: %v", err)
	}
	if p.Index >= c.Size {
		return Receipt{}, fmt.Errorf("entry %d is beyond the checkpoint's %d entries", p.Index, c.Size)
	}
	if err := tlog.CheckRecord(p.Hashes, c.Size, c.Hash, p.Index, tlog.RecordHash(entry)); err != nil {
		return Receipt{}, fmt.Errorf("the entry is not in the log at index %d under the checkpoint's root: %v", p.Index, err)
	}
	r, err := translog.Parse(entry)
	if err != nil {
		return Receipt{}, fmt.Errorf("entry %d: %v", p.Index, err)
	}
	if r.Type != translog.TypeLedger {
		return Receipt{}, fmt.Errorf("entry %d is a %s record, not a ledger entry", p.Index, r.Type)
	}
	if translog.Commit(salt, x.Key) != r.Ledger.Commitment {
		return Receipt{}, fmt.Errorf("entry %d's commitment is not opened by the receipt's key and salt: the entry is not this receipt's", p.Index)
	}
	return Receipt{Checkpoint: c, Index: p.Index, Record: r, Key: x.Key}, nil
}
