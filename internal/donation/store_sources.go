package donation

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

// ShareByToken returns the share link token with its counts, or
// apperr.NotFound. It is ShareCounts with the request and the sharer, in
// one indexed read.
func ShareByToken(ctx context.Context, tx *store.Tx, token string) (Share, error) {
	sh, err := scanShare(tx.QueryRowContext(ctx, `SELECT s.id, s.request_id, s.sharer_user_id, s.created_at,
		c.visits, c.donations, c.raised_fen FROM shares s JOIN share_counts c ON c.share_id = s.id
		WHERE s.token = $1`, token))
	if errors.Is(err, sql.ErrNoRows) {
		return Share{}, apperr.Wrap(err, apperr.NotFound, "")
	}
	return sh, err
}

func scanShare(sc scanner) (Share, error) {
	var sh Share
	var sharer sql.NullInt64
	var created, raised int64
	if err := sc.Scan(&sh.ID, &sh.RequestID, &sharer, &created, &sh.Visits, &sh.Donations, &raised); err != nil {
		return Share{}, err
	}
	sh.SharerUserID = sharer.Int64
	sh.CreatedAt = time.UnixMicro(created).UTC()
	sh.Raised = money.Fen(raised)
	return sh, nil
}

// SourcesOf returns where the donations to request requestID came from:
// each share link that brought something, and the donations that came by
// none ("direct"). Like Totals, it counts only donations made before the
// channel closed.
func SourcesOf(ctx context.Context, tx *store.Tx, requestID int64) (Sources, error) {
	var out Sources
	err := store.Each(ctx, tx, func(rows *sql.Rows) error {
		if len(out.Shares) == MaxSources {
			out.More++
			return nil
		}
		sh, err := scanShare(rows)
		if err != nil {
			return err
		}
		out.Shares = append(out.Shares, sh)
		return nil
	}, `SELECT s.id, s.request_id, s.sharer_user_id, s.created_at,
		c.visits, c.donations, c.raised_fen FROM shares s JOIN share_counts c ON c.share_id = s.id
		WHERE s.request_id = $1 AND (c.visits > 0 OR c.donations > 0)
		ORDER BY c.raised_fen DESC, c.donations DESC, c.visits DESC, s.id`, requestID)
	if err != nil {
		return out, err
	}
	var raised int64
	err = tx.QueryRowContext(ctx, `SELECT count(*), CAST(coalesce(sum(amount_fen), 0) AS BIGINT) FROM donations
		WHERE request_id = $1 AND share_id IS NULL AND after_close = 0`, requestID).Scan(&out.Direct.Donations, &raised)
	out.Direct.Raised = money.Fen(raised)
	return out, err
}

// RaisedOf returns what each of the requests ids raised before its channel
// closed; a request without a donation is missing from the map. It is one
// query, for a page that lists requests.
func RaisedOf(ctx context.Context, tx *store.Tx, ids []int64) (map[int64]money.Fen, error) {
	out := map[int64]money.Fen{}
	if len(ids) == 0 {
		return out, nil
	}
	var q strings.Builder
	q.WriteString("SELECT request_id, raised_fen FROM request_totals WHERE request_id IN (")
	args := make([]any, len(ids))
	for i, id := range ids {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("$" + strconv.Itoa(i+1))
		args[i] = id
	}
	q.WriteString(")")
	err := store.Each(ctx, tx, func(rows *sql.Rows) error {
		var id, raised int64
		if err := rows.Scan(&id, &raised); err != nil {
			return err
		}
		out[id] = money.Fen(raised)
		return nil
	}, q.String(), args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}
