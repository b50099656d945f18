package donation

import (
	"context"
	"database/sql"
	"errors"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

// RecordShare records share link token of request requestID by
// sharerUserID (0 when not signed in), in the caller's transaction; it
// returns apperr.NotFound for an unknown request.
func RecordShare(ctx context.Context, tx *store.Tx, token string, requestID, sharerUserID int64) error {
	var one int
	if err := tx.QueryRowContext(ctx, "SELECT 1 FROM requests WHERE id = $1", requestID).Scan(&one); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Wrap(err, apperr.NotFound, "")
		}
		return err
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO shares (token, request_id, sharer_user_id, created_at)
		VALUES ($1, $2, $3, $4) RETURNING id`, token, requestID, nullID(sharerUserID), tx.Now.UnixMicro()).Scan(&id); err != nil {
		return wrapf("recording a share of request %d: %w", requestID, err)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO share_counts (share_id, visits, donations, raised_fen) VALUES ($1, 0, 0, 0)`, id)
	return err
}

// ShareCounts returns what the share link token brought: visits, and the
// donations made through it before the channel closed with their sum. It
// returns apperr.NotFound for an unknown token.
func ShareCounts(ctx context.Context, tx *store.Tx, token string) (visits, donations int, raised money.Fen, err error) {
	var r int64
	err = tx.QueryRowContext(ctx, `SELECT c.visits, c.donations, c.raised_fen FROM shares s
		JOIN share_counts c ON c.share_id = s.id WHERE s.token = $1`, token).Scan(&visits, &donations, &r)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, 0, apperr.Wrap(err, apperr.NotFound, "")
	}
	return visits, donations, money.Fen(r), err
}
