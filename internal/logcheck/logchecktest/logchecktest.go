// Package logchecktest serves a transparency log the way the platform
// does (C2SP tlog-tiles, a signed checkpoint, the log's key, and the public
// money figures of requests), built in memory, for testing the auditor and
// the platform's own log against each other. A test can alter anything it
// serves to see that the auditor notices.
package logchecktest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/carefund/carefund/internal/logcheck"
	"github.com/carefund/carefund/internal/witness"
)

// Log is a tile log behind an HTTP test server.
type Log struct {
	srv *httptest.Server
	// Origin is the checkpoint's first line and the key's name:
	// <host:port>/log.
	Origin string
	// VKey is the log's verifier key.
	VKey string

	mu        sync.Mutex
	signer    note.Signer
	entries   [][]byte
	hashes    []tlog.Hash
	witnesses []note.Signer
	pages     map[int64]any
	after     func(path string)
	tamper    func(path string, body []byte) []byte
	origin    string // the origin written in checkpoints
	fixed     []byte // the checkpoint served, when set
}

// New starts a log with no entries; Close stops it.
func New() *Log {
	l := &Log{pages: map[int64]any{}}
	l.srv = httptest.NewServer(http.HandlerFunc(l.serve))
	if t, ok := l.srv.Client().Transport.(*http.Transport); ok {
		t.MaxIdleConnsPerHost = 64
	}
	l.Origin = strings.TrimPrefix(l.srv.URL, "http://") + "/log"
	l.origin = l.Origin
	skey, vkey, err := note.GenerateKey(rand.Reader, l.Origin)
	if err != nil {
		panic(err)
	}
	l.VKey = vkey
	if l.signer, err = note.NewSigner(skey); err != nil {
		panic(err)
	}
	return l
}

// URL is the platform's address.
func (l *Log) URL() string { return l.srv.URL }

// Client is an HTTP client for the server, keeping enough connections for
// an auditor's concurrent fetches.
func (l *Log) Client() *http.Client { return l.srv.Client() }

// Close stops the server.
func (l *Log) Close() { l.srv.Close() }

// Size is the number of entries.
func (l *Log) Size() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return int64(len(l.entries))
}

// Append adds entries and returns the index of the first.
func (l *Log) Append(data ...[]byte) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	first := int64(len(l.entries))
	for _, d := range data {
		l.add(d)
	}
	return first
}

func (l *Log) add(d []byte) {
	hs, err := tlog.StoredHashes(int64(len(l.entries)), d, l.reader())
	if err != nil {
		panic(err)
	}
	l.entries = append(l.entries, d)
	l.hashes = append(l.hashes, hs...)
}

func (l *Log) reader() tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x >= int64(len(l.hashes)) {
				return nil, fmt.Errorf("hash %d not stored", x)
			}
			out[i] = l.hashes[x]
		}
		return out, nil
	})
}

// Rewrite replaces entry i and recomputes the tree: a fork of history that
// the log then signs as if it were the only one.
func (l *Log) Rewrite(i int64, data []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	old := l.entries
	old[i] = data
	l.entries, l.hashes = nil, nil
	for _, d := range old {
		l.add(d)
	}
}

// Truncate drops the entries from n on: a log rolled back.
func (l *Log) Truncate(n int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = l.entries[:n]
	l.hashes = l.hashes[:tlog.StoredHashCount(n)]
}

// SetKey signs checkpoints from now on with the note signer key skey.
func (l *Log) SetKey(skey string) {
	s, err := note.NewSigner(skey)
	if err != nil {
		panic(err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.signer = s
}

// SetOrigin writes origin in checkpoints from now on, still signed by the
// log's key.
func (l *Log) SetOrigin(origin string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.origin = origin
}

// ServeCheckpoint serves msg as the checkpoint from now on, whatever the
// log holds: an older checkpoint, as a cache may serve it.
func (l *Log) ServeCheckpoint(msg []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fixed = msg
}

// Tamper alters every response: f gets the path and the body and returns
// the body to send.
func (l *Log) Tamper(f func(path string, body []byte) []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tamper = f
}

// SetPage sets what GET /api/v1/requests/{id} answers: a JSON object with
// the request's id and v as its "money" field (nil: the field is absent).
// A request with no page set is not found.
func (l *Log) SetPage(id int64, v any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pages[id] = v
}

// AddWitness makes a witness named name cosign every checkpoint from now on
// and returns its verifier key.
func (l *Log) AddWitness(name string) string {
	w, vkey := NewWitness(name)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.witnesses = append(l.witnesses, w)
	return vkey
}

// Witness is a tlog-cosignature/v1 Ed25519 cosigner, a note.Signer.
type Witness struct {
	name string
	key  ed25519.PrivateKey
	// Time is the timestamp of its cosignatures.
	Time uint64
}

// NewWitness returns a new witness and its verifier key.
func NewWitness(name string) (*Witness, string) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	w := &Witness{name: name, key: priv, Time: 1_765_000_000}
	return w, witness.VerifierKey(name, pub)
}

func (w *Witness) Name() string { return w.name }
func (w *Witness) KeyHash() uint32 {
	v, _ := witness.NewVerifier(witness.VerifierKey(w.name, w.key.Public().(ed25519.PublicKey)))
	return v.KeyHash()
}
func (w *Witness) Sign(msg []byte) ([]byte, error) {
	m, ok := witness.CosignedMessage(w.Time, msg)
	if !ok {
		return nil, fmt.Errorf("not a note's text")
	}
	sig := binary.BigEndian.AppendUint64(nil, w.Time)
	return append(sig, ed25519.Sign(w.key, m)...), nil
}

// Checkpoint is the signed checkpoint of the log as it is now.
func (l *Log) Checkpoint() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.checkpoint()
}

func (l *Log) checkpoint() []byte {
	n := int64(len(l.entries))
	root, err := tlog.TreeHash(n, l.reader())
	if err != nil {
		panic(err)
	}
	text := fmt.Sprintf("%s\n%d\n%s\n", l.origin, n, base64.StdEncoding.EncodeToString(root[:]))
	msg, err := note.Sign(&note.Note{Text: text}, append([]note.Signer{l.signer}, l.witnesses...)...)
	if err != nil {
		panic(err)
	}
	return msg
}

// Proof is the tlog-proof bundle of entry i in the log as it is now, with
// extra as its extra data (nil: none).
func (l *Log) Proof(i int64, extra []byte) []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, err := tlog.ProveRecord(int64(len(l.entries)), i, l.reader())
	if err != nil {
		panic(err)
	}
	return logcheck.Proof{Extra: extra, Index: i, Hashes: p, Checkpoint: l.checkpoint()}.Format()
}

// Entry is entry i's bytes.
func (l *Log) Entry(i int64) []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.entries[i]
}

func (l *Log) serve(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	body, ok := l.body(r.URL.Path)
	if ok && l.tamper != nil {
		body = l.tamper(r.URL.Path, body)
	}
	after := l.after
	l.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
	} else {
		w.Write(body)
	}
	if after != nil {
		after(r.URL.Path)
	}
}

// AfterServe calls f with the path of every request served, once its
// answer is written and before the client has it whole, outside the fake's
// lock: f may change the log, as a live platform changes while it is
// audited.
func (l *Log) AfterServe(f func(path string)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.after = f
}

func (l *Log) body(path string) ([]byte, bool) {
	switch path {
	case "/log/key":
		return []byte(l.VKey + "\n"), true
	case "/log/checkpoint":
		if l.fixed != nil {
			return l.fixed, true
		}
		return l.checkpoint(), true
	}
	if rest, ok := strings.CutPrefix(path, "/api/v1/requests/"); ok {
		id, err := strconv.ParseInt(rest, 10, 64)
		m, found := l.pages[id]
		if err != nil || !found {
			return nil, false
		}
		page := map[string]any{"id": id}
		if m != nil {
			page["money"] = m
		}
		b, _ := json.Marshal(page)
		return b, true
	}
	p, ok := strings.CutPrefix(path, "/log/")
	if !ok {
		return nil, false
	}
	t, ok := logcheck.ParseTilePath(p)
	if !ok {
		return nil, false
	}
	size := int64(len(l.entries))
	count := size
	if t.L > 0 {
		count = size >> (t.L * t.H)
	}
	// The tiles of the tree as it is: full tiles, and the partial tiles
	// of the last, unfinished one, deleted once it is full, as tlog-tiles
	// allows.
	end := t.N*(1<<t.H) + int64(t.W)
	if end > count || t.W < 1<<t.H && (t.N+1)<<t.H <= count {
		return nil, false
	}
	if t.L < 0 {
		var b []byte
		for _, e := range l.entries[t.N<<t.H : end] {
			b = binary.BigEndian.AppendUint16(b, uint16(len(e)))
			b = append(b, e...)
		}
		return b, true
	}
	b, err := tlog.ReadTileData(t, l.reader())
	if err != nil {
		panic(err)
	}
	return b, true
}
