package audit

import (
	"context"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/translog"
)

// LogHead adds the chain's head to the transparency log (issue 17, item 4)
// when it moved since the head logged last, in tx, and returns the head and
// whether it logged it. An empty chain has no head to log. The head's seq
// names the record (translog.AuditSource), so the head is logged once
// however often this runs; it changes nothing in the audit log itself.
func LogHead(ctx context.Context, tx *store.Tx) (Anchor, bool, error) {
	var a Anchor
	if err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&a.Seq, &a.Hash); err != nil {
		return Anchor{}, false, err
	}
	a.From = logFrom(a.Seq)
	if a.Seq == 0 {
		return a, false, nil
	}
	if has, err := translog.Has(ctx, tx, translog.AuditSource(a.Seq)); err != nil || has {
		return a, false, err
	}
	data, err := translog.Record{
		Type:   translog.TypeAuditHead,
		Source: translog.AuditSource(a.Seq),
		At:     tx.Now.Unix(),
		Audit:  &translog.Audit{Seq: a.Seq, Hash: a.Hash},
	}.Data()
	if err != nil {
		return Anchor{}, false, err
	}
	return a, true, translog.Enqueue(ctx, tx, translog.Pending{Source: translog.AuditSource(a.Seq), Data: data})
}

// logFrom names where a logged head was recorded, for AnchorError.
func logFrom(seq int64) string { return "the transparency log (" + translog.AuditSource(seq) + ")" }

// LoggedHeads returns the heads of the chain in the transparency log,
// integrated and pending, as anchors for Verify.
func LoggedHeads(ctx context.Context, tx *store.Tx) ([]Anchor, error) {
	recs, err := translog.Records(ctx, tx, translog.TypeAuditHead)
	if err != nil {
		return nil, err
	}
	out := make([]Anchor, 0, len(recs))
	for _, r := range recs {
		out = append(out, Anchor{Seq: r.Audit.Seq, Hash: r.Audit.Hash, From: logFrom(r.Audit.Seq)})
	}
	return out, nil
}
