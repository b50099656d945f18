package campaign

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

// ApprovedWaiting returns up to limit approved requests whose channel has
// not opened, the longest waiting first (R-REQ-4): none may be forgotten
// while its certificate is awaited.
func (s Store) ApprovedWaiting(ctx context.Context, tx *store.Tx, limit int) ([]Pending, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Pending, error) {
		var p Pending
		var index sql.NullString
		var target, since int64
		if err := rows.Scan(&p.ID, &p.Title, &p.PublisherUserID, &index, &target, &since); err != nil {
			return Pending{}, err
		}
		p.PatientIndex, p.Target, p.Since = index.String, money.Fen(target), time.UnixMicro(since).UTC()
		return p, nil
	}, `SELECT r.id, r.title, r.publisher_user_id, r.patient_index, r.target_fen,
		COALESCE((SELECT max(e.at) FROM request_events e WHERE e.request_id = r.id AND e.to_state = $1), r.updated_at) AS since
		FROM requests r WHERE r.state = $1 ORDER BY since, r.id LIMIT $2`, Approved, limit)
}

// Titles returns the titles of the requests ids, by id; an unknown id has
// none.
func (s Store) Titles(ctx context.Context, tx *store.Tx, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	for _, id := range ids {
		if _, ok := out[id]; ok {
			continue
		}
		var title string
		err := tx.QueryRowContext(ctx, "SELECT title FROM requests WHERE id = $1", id).Scan(&title)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			continue
		case err != nil:
			return nil, err
		}
		out[id] = title
	}
	return out, nil
}
