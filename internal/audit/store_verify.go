package audit

import (
	"context"
	"database/sql"

	"github.com/carefund/carefund/internal/store"
)

// Verify re-computes the chain from the first entry, in one consistent
// snapshot, and returns the number of entries and the head hash. On a break
// it returns a *BrokenError naming the first broken link: an entry whose hash
// does not match its content (ReasonHash), whose PrevHash is not the previous
// entry's hash (ReasonPrevHash), a missing Seq (ReasonGap, naming the missing
// Seq), or a head that does not point at the last entry (ReasonHead: entries
// removed from, or added past, the end).
//
// A chain that is sound in itself must still pass through every head logged
// in the transparency log (LogHead) and through the anchors given, read in
// the same snapshot: else it returns an *AnchorError naming the first
// anchor it misses, as an insider who rewrote an entry and recomputed every
// later hash and the head leaves it.
func Verify(ctx context.Context, db *store.DB, anchors ...Anchor) (Summary, error) {
	var s Summary
	err := db.Read(ctx, func(tx *store.Tx) error {
		s = Summary{Head: ZeroHash}
		logged, err := LoggedHeads(ctx, tx)
		if err != nil {
			return err
		}
		at := map[int64][]Anchor{}
		for _, a := range append(logged, anchors...) {
			at[a.Seq] = append(at[a.Seq], a)
		}
		var headSeq int64
		var headHash string
		err = tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&headSeq, &headHash)
		if isNoRows(err) {
			headSeq, headHash = -1, "" // matches no chain
		} else if err != nil {
			return err
		}
		var last int64
		err = store.Each(ctx, tx, func(rows *sql.Rows) error {
			e, err := scan(rows)
			if err != nil {
				return err
			}
			switch {
			case e.Seq != last+1:
				return &BrokenError{Seq: last + 1, Reason: ReasonGap}
			case e.PrevHash != s.Head:
				return &BrokenError{Seq: e.Seq, Reason: ReasonPrevHash}
			case HashEntry(e) != e.Hash:
				return &BrokenError{Seq: e.Seq, Reason: ReasonHash}
			}
			for _, a := range at[e.Seq] {
				if !a.matches(e.Hash) {
					return &AnchorError{Anchor: a, Hash: e.Hash}
				}
				s.Anchors++
			}
			last, s.Head = e.Seq, e.Hash
			s.Entries++
			return nil
		}, "SELECT "+columns+" FROM audit_log ORDER BY seq")
		if err != nil {
			return err
		}
		switch {
		case headSeq == last && headHash != s.Head:
			return &BrokenError{Seq: last, Reason: ReasonHead}
		case headSeq != last:
			// Name the first entry that is not where the head says:
			// the first one removed from the end, or the first one
			// added past the head.
			return &BrokenError{Seq: max(min(headSeq, last)+1, 1), Reason: ReasonHead}
		}
		// An anchor past the end: entries were cut off, and the head
		// moved back onto the last one kept.
		var gone *AnchorError
		for seq, as := range at {
			if seq > last && (gone == nil || seq < gone.Anchor.Seq) {
				gone = &AnchorError{Anchor: as[0]}
			}
		}
		if gone != nil {
			return gone
		}
		return nil
	})
	return s, err
}
