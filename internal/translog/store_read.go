package translog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/carefund/carefund/internal/store"
)

// hashReader reads the tree's stored hashes (tlog.StoredHashIndex) in tx.
type hashReader struct {
	ctx context.Context
	tx  *store.Tx
}

// Hashes returns a tlog.HashReader over the stored hashes, for proofs
// (tlog.ProveRecord, tlog.ProveTree), tiles (tlog.ReadTileData) and tree
// hashes (tlog.TreeHash) within tx.
func Hashes(ctx context.Context, tx *store.Tx) tlog.HashReader {
	return hashReader{ctx, tx}
}

func (r hashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	if len(indexes) == 0 {
		return out, nil
	}
	at := make(map[int64][]int, len(indexes))
	args := make([]any, 0, len(indexes))
	var b strings.Builder
	b.WriteString("SELECT id, hash FROM translog_hashes WHERE id IN (")
	for i, x := range indexes {
		if _, ok := at[x]; !ok {
			if len(args) > 0 {
				b.WriteByte(',')
			}
			args = append(args, x)
			b.WriteString("$" + strconv.Itoa(len(args)))
		}
		at[x] = append(at[x], i)
	}
	b.WriteByte(')')
	found := 0
	err := store.Each(r.ctx, r.tx, func(rows *sql.Rows) error {
		var id int64
		var h []byte
		if err := rows.Scan(&id, &h); err != nil {
			return err
		}
		if len(h) != tlog.HashSize {
			return fmt.Errorf("translog: stored hash %d has %d bytes", id, len(h))
		}
		for _, i := range at[id] {
			copy(out[i][:], h)
		}
		found++
		return nil
	}, b.String(), args...)
	if err != nil {
		return nil, err
	}
	if found != len(args) {
		return nil, fmt.Errorf("translog: %d of %d stored hashes missing", len(args)-found, len(args))
	}
	return out, nil
}

// Checkpoint is a signed tree head as stored.
type Checkpoint struct {
	Size int64
	Root tlog.Hash
	Note string // the signed note, without witness cosignatures
}

// ErrNoCheckpoint is returned by LatestCheckpoint before the first one is
// signed.
var ErrNoCheckpoint = errors.New("translog: no checkpoint yet")

// LatestCheckpoint returns the newest signed checkpoint.
func LatestCheckpoint(ctx context.Context, tx *store.Tx) (Checkpoint, error) {
	var c Checkpoint
	var root []byte
	err := tx.QueryRowContext(ctx, "SELECT size, root, note FROM translog_checkpoints ORDER BY size DESC LIMIT 1").Scan(&c.Size, &root, &c.Note)
	if errors.Is(err, sql.ErrNoRows) {
		return Checkpoint{}, ErrNoCheckpoint
	}
	if err != nil {
		return Checkpoint{}, err
	}
	copy(c.Root[:], root)
	return c, nil
}
