package campaign

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/store"
)

// Anonymize removes the personal data of completed request id from the
// campaign's tables in tx (R-PII-2) and marks it anonymized (anonymized_at),
// which is what lets the request's fixed records take that one change. The
// filing and every published version are sealed anew holding only what
// Filing.Anonymized and Published.Anonymized keep, so the public page still
// shows the masked name and the target; every update's text is replaced by
// nothing; the patient's blind index is dropped. The request's key is kept:
// what it seals now holds no personal data.
//
// It returns the names of what it cleared, or apperr.Conflict when the
// request is not completed or is anonymized already, apperr.NotFound when
// there is none.
func (s Store) Anonymize(ctx context.Context, tx *store.Tx, id int64) ([]string, error) {
	r, err := load(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	var marked sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT anonymized_at FROM requests WHERE id = $1", id).Scan(&marked); err != nil {
		return nil, err
	}
	if r.State != Completed || marked.Valid {
		return nil, apperr.New(apperr.Conflict, KeyTransition)
	}
	req, err := s.open(ctx, tx, r)
	if err != nil {
		return nil, err
	}
	key, err := s.Vault.Key(ctx, tx, r.keyID)
	if err != nil {
		return nil, err
	}
	plain, err := encode(req.Filing.Anonymized(id))
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE requests SET anonymized_at = $1, filing_sealed = $2, patient_index = NULL,
		title = $3, updated_at = $1 WHERE id = $4 AND anonymized_at IS NULL`,
		tx.Now.UnixMicro(), key.Seal(filingAAD(id), plain), AnonymizedTitle(id), id); err != nil {
		return nil, fmt.Errorf("campaign: anonymizing request %d: %w", id, err)
	}
	cleared := []string{"requests.filing", "requests.patient_index", "requests.title"}
	versions, err := s.versions(ctx, tx, key, id, "ORDER BY version")
	if err != nil {
		return nil, err
	}
	for _, v := range versions {
		b, err := json.Marshal(v.Published.Anonymized(id))
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE request_versions SET published_sealed = $1
			WHERE request_id = $2 AND version = $3`, key.Seal(versionAAD(id, v.Number), b), id, v.Number); err != nil {
			return nil, fmt.Errorf("campaign: anonymizing request %d version %d: %w", id, v.Number, err)
		}
	}
	if len(versions) > 0 {
		cleared = append(cleared, fmt.Sprintf("request_versions.published:%d", len(versions)))
	}
	updates, err := store.All(ctx, tx, func(rows *sql.Rows) (int64, error) {
		var u int64
		return u, rows.Scan(&u)
	}, "SELECT id FROM request_updates WHERE request_id = $1 ORDER BY id", id)
	if err != nil {
		return nil, err
	}
	for _, u := range updates {
		if _, err := tx.ExecContext(ctx, "UPDATE request_updates SET body_sealed = $1 WHERE id = $2",
			key.SealString(updateAAD(u), ""), u); err != nil {
			return nil, fmt.Errorf("campaign: anonymizing update %d: %w", u, err)
		}
	}
	if len(updates) > 0 {
		cleared = append(cleared, fmt.Sprintf("request_updates.body:%d", len(updates)))
	}
	return cleared, nil
}
