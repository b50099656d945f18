package donation

import (
	"context"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/store"
)

// NewShare records a share link of request requestID by sharerUserID (0
// when the sharer is not signed in) and returns its token, the unguessable
// ?s= of the link. It returns apperr.NotFound for an unknown request. A
// share only counts: it never pays anyone (R-REF-3).
func (s *Service) NewShare(ctx context.Context, requestID, sharerUserID int64) (string, error) {
	token := NewShareToken()
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		return RecordShare(ctx, tx, token, requestID, sharerUserID)
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// Visit counts one visit by a share link, or returns apperr.NotFound for an
// unknown token. Counting once per device and day is the caller's (a
// cookie), not this package's.
func (s *Service) Visit(ctx context.Context, token string) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE share_counts SET visits = visits + 1
			WHERE share_id = (SELECT id FROM shares WHERE token = $1)`, token)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return apperr.New(apperr.NotFound, "")
		}
		return nil
	})
}
