package translog

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Version is the record format this package writes; a reader refuses any
// other.
const Version = 1

// Record types: what happened.
const (
	TypeLedger         = "ledger"          // a custody-ledger entry (every money event)
	TypeRequestVersion = "request_version" // a published version of a request for help
	TypeRulesVersion   = "rules_version"   // a rules document version taking effect
	TypeBlacklist      = "blacklist"       // a blacklist change
	TypeAuditHead      = "audit_head"      // the head of the staff audit chain
)

// Record is one entry of the log. It carries no personal data (R-PII-1): a
// donor is a salted commitment that only the donor's receipt opens, a
// request version and a rules text are hashes of what is already public.
//
// Data encodes it as one line of JSON with its fields in the order below;
// Parse reads it back and refuses unknown fields, other versions, and a
// record whose body does not match its type.
type Record struct {
	V      int    `json:"v"`
	Type   string `json:"type"`
	Source string `json:"source"` // names the event, unique in the log: "ledger:123"
	At     int64  `json:"at"`     // unix seconds of the event

	Ledger    *Ledger    `json:"ledger,omitempty"`
	Request   *Request   `json:"request,omitempty"`
	Rules     *Rules     `json:"rules,omitempty"`
	Blacklist *Blacklist `json:"blacklist,omitempty"`
	Audit     *Audit     `json:"audit,omitempty"`
}

// Ledger is a ledger entry as the public sees it: its postings by account
// name (request:R, psp:P, payable:payout:X, …) in fen, debits positive.
type Ledger struct {
	Entry    int64     `json:"entry"`
	Kind     string    `json:"kind"`
	Reverses int64     `json:"reverses,omitempty"`
	Postings []Posting `json:"postings"`
	// Commitment is Commit(salt, key) of the entry's idempotency key: only
	// whoever holds the salt and the key (a donor's receipt) can show the
	// entry is theirs.
	Commitment string `json:"commitment"`
}

// Posting is one line of a ledger entry.
type Posting struct {
	Account string `json:"account"`
	Amount  int64  `json:"amount"`
}

// Request is a published version of a request for help: the SHA-256 of its
// public text as the public page shows it (decision 0011).
type Request struct {
	ID      int64  `json:"id"`
	Version int    `json:"version"`
	SHA256  string `json:"sha256"` // hex
}

// Rules is a rules document version (R-RULES-1).
type Rules struct {
	Kind    string `json:"kind"`
	Version string `json:"version"` // "1.2"
	State   string `json:"state"`
	SHA256  string `json:"sha256"` // hex of the Chinese and English bodies, see RulesDigest
}

// Blacklist is a change to the blacklist (R-BL-1), by the shareable digest
// of the person, never the plain ID number.
type Blacklist struct {
	Entry  int64  `json:"entry"`
	Action string `json:"action"` // add, appeal, uphold, lift
	Digest string `json:"digest"`
}

// Audit is the head of the staff audit chain at seq (R-STAFF-1): once
// logged, rewriting the audit log up to seq is detected.
type Audit struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"` // hex, as audit_head holds it
}

// ErrRecord is returned by Parse for a record it cannot read.
var ErrRecord = errors.New("translog: malformed record")

// Data encodes r as the log's entry bytes.
func (r Record) Data() ([]byte, error) {
	r.V = Version
	if err := r.check(); err != nil {
		return nil, err
	}
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	if len(b) > MaxEntry {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrRecord, len(b), MaxEntry)
	}
	return b, nil
}

// MaxEntry bounds an entry's size: tlog-tiles prefixes each entry in a
// bundle with a two-byte length.
const MaxEntry = 1<<16 - 1

// Parse reads an entry written by Data.
func Parse(data []byte) (Record, error) {
	var r Record
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&r); err != nil {
		return Record{}, fmt.Errorf("%w: %v", ErrRecord, err)
	}
	if d.More() {
		return Record{}, fmt.Errorf("%w: trailing data", ErrRecord)
	}
	if r.V != Version {
		return Record{}, fmt.Errorf("%w: version %d", ErrRecord, r.V)
	}
	if err := r.check(); err != nil {
		return Record{}, err
	}
	// The bytes are the record's only form: one that re-encodes otherwise
	// (spaces, another field order) is not one this log wrote.
	if again, _ := json.Marshal(r); !bytes.Equal(again, data) {
		return Record{}, fmt.Errorf("%w: not in canonical form", ErrRecord)
	}
	return r, nil
}

// check reports whether the body matches the type.
func (r Record) check() error {
	if r.Source == "" || strings.ContainsAny(r.Source, "\n\r") {
		return fmt.Errorf("%w: no source", ErrRecord)
	}
	bodies := 0
	for _, set := range []bool{r.Ledger != nil, r.Request != nil, r.Rules != nil, r.Blacklist != nil, r.Audit != nil} {
		if set {
			bodies++
		}
	}
	ok := bodies == 1
	switch r.Type {
	case TypeLedger:
		ok = ok && r.Ledger != nil && len(r.Ledger.Postings) >= 2
		if ok {
			var sum int64
			for _, p := range r.Ledger.Postings {
				sum += p.Amount
			}
			ok = sum == 0
		}
	case TypeRequestVersion:
		ok = ok && r.Request != nil
	case TypeRulesVersion:
		ok = ok && r.Rules != nil
	case TypeBlacklist:
		ok = ok && r.Blacklist != nil
	case TypeAuditHead:
		ok = ok && r.Audit != nil
	default:
		ok = false
	}
	if !ok {
		return fmt.Errorf("%w: type %q does not match its body", ErrRecord, r.Type)
	}
	return nil
}

// LedgerSource is the source of ledger entry id.
func LedgerSource(id int64) string { return fmt.Sprintf("ledger:%d", id) }

// Salt is the salt of the commitment to an idempotency key: an HMAC under
// the platform's commitment key, so that it need not be stored and the
// receipt can be issued again.
func Salt(commitKey []byte, idemKey string) []byte {
	m := hmac.New(sha256.New, commitKey)
	m.Write([]byte("carefund translog salt v1\x00"))
	m.Write([]byte(idemKey))
	return m.Sum(nil)
}

// Commit is the commitment to idemKey under salt, base64 (std, padded):
// SHA-256("carefund commitment v1" || 0 || salt || 0 || idemKey). Without
// the salt nobody can test a guess of the key; with it, the holder of a
// receipt shows the entry is theirs.
func Commit(salt []byte, idemKey string) string {
	h := sha256.New()
	h.Write([]byte("carefund commitment v1\x00"))
	h.Write(salt)
	h.Write([]byte{0})
	h.Write([]byte(idemKey))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}
