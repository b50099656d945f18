package translog

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/carefund/carefund/internal/store"
)

// TileHeight is the height of the log's tiles (C2SP tlog-tiles).
const TileHeight = 8

// Log integrates the outbox into the tree, signs checkpoints and answers
// for tiles and proofs.
type Log struct {
	db     *store.DB
	signer *Signer
	log    *slog.Logger
	batch  int
}

// Options configures a Log.
type Options struct {
	// Batch bounds the entries one Integrate takes. Default 4096.
	Batch int
	// Logger receives what goes wrong with the outbox; nil discards it.
	Logger *slog.Logger
}

// New returns the log on db, signing under signer.
func New(db *store.DB, signer *Signer, opts Options) *Log {
	if opts.Batch <= 0 {
		opts.Batch = 4096
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Log{db: db, signer: signer, log: opts.Logger, batch: opts.Batch}
}

// Signer returns the log's signer.
func (l *Log) Signer() *Signer { return l.signer }

// Batch returns the most entries one Integrate takes: an Integrate that
// took as many may have left more behind.
func (l *Log) Batch() int { return l.batch }

// Integrate moves up to a batch of pending entries, in the order they were
// enqueued, into the tree, and signs a checkpoint of the new tree, all in
// one transaction, and returns how many entries it added. It signs the
// empty tree's checkpoint when there is none yet, so that the log always
// has one to serve.
//
// A pending entry whose source is logged already is dropped if its data is
// the same, and left in the outbox, reported, if not: a source is logged
// once, and the log never says two things of one event.
func (l *Log) Integrate(ctx context.Context) (int, error) {
	var added, conflicting int
	var conflicts []string
	err := l.db.WriteLocking(ctx, func(tx *store.Tx) error {
		added, conflicting, conflicts = 0, 0, nil
		if err := lockIntegrator(ctx, tx); err != nil {
			return err
		}
		size, err := treeSize(ctx, tx)
		if err != nil {
			return err
		}
		pending, err := readPending(ctx, tx, l.batch)
		if err != nil {
			return err
		}
		var take []pendingRow
		var done []int64
		for _, p := range pending {
			switch {
			case !p.isLogged:
				take = append(take, p)
				done = append(done, p.id)
			case string(p.logged) == string(p.data):
				done = append(done, p.id)
			default:
				conflicting++
				if len(conflicts) < 10 {
					conflicts = append(conflicts, p.source)
				}
			}
		}
		newSize, root, ids, hashes, err := extend(ctx, tx, size, take)
		if err != nil {
			return err
		}
		if len(take) > 0 {
			if err := insertEntries(ctx, tx, size, take, ids, hashes); err != nil {
				return err
			}
		}
		if err := deletePending(ctx, tx, done); err != nil {
			return err
		}
		if len(take) == 0 {
			if _, err := LatestCheckpoint(ctx, tx); !errors.Is(err, ErrNoCheckpoint) {
				return err
			}
		}
		signed, err := l.signer.SignCheckpoint(newSize, root)
		if err != nil {
			return err
		}
		if err := insertCheckpoint(ctx, tx, newSize, root, signed); err != nil {
			return err
		}
		added = len(take)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("translog: integrating: %w", err)
	}
	if conflicting > 0 {
		l.log.Error("translog: pending entries contradict what is logged under their source; left in the outbox",
			"count", conflicting, "sources", strings.Join(conflicts, " "))
	}
	return added, nil
}

// extend computes the stored hashes of rows appended to a tree of size
// entries, and the new tree's size and root. It reads the old tree's
// hashes it needs in one query; the batch's own come from memory.
func extend(ctx context.Context, tx *store.Tx, size int64, rows []pendingRow) (int64, tlog.Hash, []int64, []tlog.Hash, error) {
	r := &batchReader{old: Hashes(ctx, tx), size: tlog.StoredHashIndex(0, size), fresh: map[int64]tlog.Hash{}}
	// Every hash of the old tree a new record or the new root needs is
	// the root of one of its complete subtrees: read them at once.
	var want []int64
	for level := 0; size>>level > 0; level++ {
		if (size>>level)&1 == 1 {
			want = append(want, tlog.StoredHashIndex(level, (size>>level)-1))
		}
	}
	if err := r.prefetch(want); err != nil {
		return 0, tlog.Hash{}, nil, nil, err
	}
	var ids []int64
	var hashes []tlog.Hash
	for k, p := range rows {
		n := size + int64(k)
		hs, err := tlog.StoredHashesForRecordHash(n, tlog.RecordHash(p.data), r)
		if err != nil {
			return 0, tlog.Hash{}, nil, nil, err
		}
		first := tlog.StoredHashIndex(0, n)
		for j, h := range hs {
			r.fresh[first+int64(j)] = h
			ids = append(ids, first+int64(j))
			hashes = append(hashes, h)
		}
	}
	newSize := size + int64(len(rows))
	root, err := tlog.TreeHash(newSize, r)
	if err != nil {
		return 0, tlog.Hash{}, nil, nil, err
	}
	return newSize, root, ids, hashes, nil
}

// batchReader reads stored hashes from the batch being integrated, from
// those prefetched, and only then from the database.
type batchReader struct {
	old   tlog.HashReader
	size  int64 // stored hashes below this index are the old tree's
	fresh map[int64]tlog.Hash
}

func (r *batchReader) prefetch(indexes []int64) error {
	hs, err := r.old.ReadHashes(indexes)
	if err != nil {
		return err
	}
	for k, x := range indexes {
		r.fresh[x] = hs[k]
	}
	return nil
}

func (r *batchReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	var miss []int64
	for k, x := range indexes {
		h, ok := r.fresh[x]
		if !ok {
			if x >= r.size {
				return nil, fmt.Errorf("translog: stored hash %d is neither old nor of the batch", x)
			}
			miss = append(miss, x)
		}
		out[k] = h
	}
	if len(miss) > 0 {
		if err := r.prefetch(miss); err != nil {
			return nil, err
		}
		for k, x := range indexes {
			out[k] = r.fresh[x]
		}
	}
	return out, nil
}

// Served returns the checkpoint as GET /log/checkpoint serves it: the
// newest signed note, with the witnesses' cosignatures appended.
func (l *Log) Served(ctx context.Context) (string, error) {
	var out string
	err := l.db.Read(ctx, func(tx *store.Tx) error {
		c, err := LatestCheckpoint(ctx, tx)
		if err != nil {
			return err
		}
		out, err = served(ctx, tx, c)
		return err
	})
	return out, err
}

// served is the one place a checkpoint is dressed for serving: the
// witnesses' cosignatures join it here.
func served(ctx context.Context, tx *store.Tx, c Checkpoint) (string, error) {
	return Cosigned(ctx, tx, c)
}

// ErrNotFound is returned for a tile beyond the tree or a path that names
// no tile.
var ErrNotFound = errors.New("translog: no such tile")

// Tile returns the tile at path, relative to the log's prefix, as C2SP
// tlog-tiles names it: "tile/<L>/<N>[.p/<W>]" or "tile/entries/<N>[.p/<W>]",
// and whether it is full (immutable).
func (l *Log) Tile(ctx context.Context, path string) ([]byte, bool, error) {
	t, err := ParseTile(path)
	if err != nil {
		return nil, false, err
	}
	var data []byte
	err = l.db.Read(ctx, func(tx *store.Tx) error {
		size, err := treeSize(ctx, tx)
		if err != nil {
			return err
		}
		if !TileExists(t, size) {
			return ErrNotFound
		}
		if t.L >= 0 {
			data, err = tlog.ReadTileData(t, Hashes(ctx, tx))
			return err
		}
		from := t.N << TileHeight
		entries, err := entriesData(ctx, tx, from, from+int64(t.W))
		if err != nil {
			return err
		}
		if len(entries) != t.W {
			return fmt.Errorf("translog: %d of %d entries of tile %s", len(entries), t.W, path)
		}
		data = Bundle(entries)
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return data, t.W == 1<<TileHeight, nil
}

// ParseTile reads a tile path of C2SP tlog-tiles (L = -1 for an entry
// bundle).
func ParseTile(path string) (tlog.Tile, error) {
	rest, ok := strings.CutPrefix(path, "tile/")
	if !ok || strings.HasPrefix(rest, "data/") {
		return tlog.Tile{}, ErrNotFound
	}
	if e, ok := strings.CutPrefix(rest, "entries/"); ok {
		rest = "data/" + e
	}
	t, err := tlog.ParseTilePath(fmt.Sprintf("tile/%d/%s", TileHeight, rest))
	if err != nil || t.L > 7 || t.N < 0 {
		return tlog.Tile{}, ErrNotFound
	}
	return t, nil
}

// TileExists reports whether the tree of size holds tile t in full.
func TileExists(t tlog.Tile, size int64) bool {
	level := max(t.L, 0)
	count := size >> (TileHeight * level) // hashes at the tile's bottom level
	if t.N > (1<<62)>>TileHeight {
		return false
	}
	return t.N<<TileHeight+int64(t.W) <= count
}

// Bundle encodes entries as a tlog-tiles entry bundle: each entry's length
// as two big-endian bytes, then the entry.
func Bundle(entries [][]byte) []byte {
	n := 0
	for _, e := range entries {
		n += 2 + len(e)
	}
	b := make([]byte, 0, n)
	for _, e := range entries {
		b = binary.BigEndian.AppendUint16(b, uint16(len(e)))
		b = append(b, e...)
	}
	return b
}

// State is where an event stands in the log.
type State int

const (
	Absent   State = iota // never enqueued (or the log was off)
	Enqueued              // in the outbox, not yet in a checkpoint
	Logged                // in the tree of the newest checkpoint
)

// Status returns where source stands.
func (l *Log) Status(ctx context.Context, source string) (State, error) {
	var s State
	err := l.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		s, err = status(ctx, tx, source)
		return err
	})
	return s, err
}

func status(ctx context.Context, tx *store.Tx, source string) (State, error) {
	idx, _, ok, err := entryIndex(ctx, tx, source)
	if err != nil {
		return Absent, err
	}
	if ok {
		c, err := LatestCheckpoint(ctx, tx)
		if err != nil && !errors.Is(err, ErrNoCheckpoint) {
			return Absent, err
		}
		if err == nil && idx < c.Size {
			return Logged, nil
		}
		return Enqueued, nil
	}
	if p, err := isPending(ctx, tx, source); err != nil || p {
		return Enqueued, err
	}
	return Absent, nil
}

// ErrNotLogged is returned by Prove for an event not yet in a checkpoint.
var ErrNotLogged = errors.New("translog: not logged yet")

// Extra makes a proof's extra data from the entry it proves; see
// LedgerOpening.
type Extra func(entry []byte) []byte

// Prove returns the proof bundle (C2SP tlog-proof) that source's entry is
// in the tree of the newest checkpoint, with extra's data (none when nil),
// and the entry itself.
func (l *Log) Prove(ctx context.Context, source string, extra Extra) (bundle, entry []byte, err error) {
	err = l.db.Read(ctx, func(tx *store.Tx) error {
		idx, data, ok, err := entryIndex(ctx, tx, source)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotLogged
		}
		c, err := LatestCheckpoint(ctx, tx)
		if errors.Is(err, ErrNoCheckpoint) || (err == nil && idx >= c.Size) {
			return ErrNotLogged
		}
		if err != nil {
			return err
		}
		hashes, err := tlog.ProveRecord(c.Size, idx, Hashes(ctx, tx))
		if err != nil {
			return err
		}
		cp, err := served(ctx, tx, c)
		if err != nil {
			return err
		}
		var x []byte
		if extra != nil {
			x = extra(data)
		}
		bundle = Proof{Extra: x, Index: idx, Hashes: hashes, Checkpoint: []byte(cp)}.Format()
		entry = data
		return nil
	})
	return bundle, entry, err
}

// LedgerOpening returns the extra data of a ledger entry's proof: the
// opening of its commitment to key, and the entry itself, so that the
// receipt is checked offline (carefund log check-receipt).
func LedgerOpening(commitKey []byte, key string) Extra {
	return func(entry []byte) []byte {
		b, _ := json.Marshal(Opening{Key: key, Salt: base64.StdEncoding.EncodeToString(Salt(commitKey, key)),
			Entry: base64.StdEncoding.EncodeToString(entry)})
		return b
	}
}
