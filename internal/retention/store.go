package retention

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// Anonymizer clears one kind of personal data of request req in tx, after
// the campaign has marked the request anonymized in the same transaction
// (which is what lets the fixed records change). It returns the names of
// what it cleared (a table and column, with a count), never a value, and
// must clear nothing twice when called again. A package that keeps
// personal data tied to a request (complaints, say) adds one to
// Anonymizers.
type Anonymizer interface {
	Anonymize(ctx context.Context, tx *store.Tx, req Request, years int) ([]string, error)
}

// AnonymizerFunc is a function as an Anonymizer.
type AnonymizerFunc func(ctx context.Context, tx *store.Tx, req Request, years int) ([]string, error)

// Anonymize calls f.
func (f AnonymizerFunc) Anonymize(ctx context.Context, tx *store.Tx, req Request, years int) ([]string, error) {
	return f(ctx, tx, req, years)
}

// Anonymizers are what every anonymization clears besides the campaign's
// own tables (campaign.Store.Anonymize): materials, payees, devices, and the
// publisher's account when it has no other request left and is dormant.
var Anonymizers = []Anonymizer{
	AnonymizerFunc(materials), AnonymizerFunc(payees), AnonymizerFunc(devices), AnonymizerFunc(publisher),
}

// ids returns the int64 pairs query selects.
func pairs(ctx context.Context, tx *store.Tx, query string, args ...any) ([][2]int64, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) ([2]int64, error) {
		var p [2]int64
		return p, rows.Scan(&p[0], &p[1])
	}, query, args...)
}

// counted names what was cleared in n rows, or nothing when n is 0.
func counted(name string, n int) []string {
	if n == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%s:%d", name, n)}
}

// materials replaces each uploaded file of the request by the tombstone,
// drops its blind index and shreds its key: the file is gone.
func materials(ctx context.Context, tx *store.Tx, req Request, _ int) ([]string, error) {
	rows, err := pairs(ctx, tx, `SELECT id, key_id FROM request_materials WHERE request_id = $1 ORDER BY id`, req.ID)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if _, err := tx.ExecContext(ctx, `UPDATE request_materials SET content_sealed = $1, content_index = $2 WHERE id = $3`,
			Tombstone, TombstoneIndex("request_materials", r[0]), r[0]); err != nil {
			return nil, fmt.Errorf("retention: material %d: %w", r[0], err)
		}
		if err := vault.Shred(ctx, tx, r[1]); err != nil {
			return nil, err
		}
	}
	return counted("request_materials.content", len(rows)), nil
}

// payees replaces the payee (name and account number) of each payout of
// the request and of its bank transfer by the tombstone, drops the
// account's blind index, clears the purpose the publisher typed, and shreds
// both keys. The amount, the masked account, the bank, the dates and the
// states stay: they are the money trail's.
func payees(ctx context.Context, tx *store.Tx, req Request, _ int) ([]string, error) {
	rows, err := pairs(ctx, tx, `SELECT id, key_id FROM payouts WHERE request_id = $1 ORDER BY id`, req.ID)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if _, err := tx.ExecContext(ctx, `UPDATE payouts SET payee_sealed = $1, account_index = $2, purpose = $3 WHERE id = $4`,
			Tombstone, TombstoneIndex("payouts", r[0]), AnonymizedPurpose, r[0]); err != nil {
			return nil, fmt.Errorf("retention: payout %d: %w", r[0], err)
		}
		if err := vault.Shred(ctx, tx, r[1]); err != nil {
			return nil, err
		}
	}
	transfers, err := store.All(ctx, tx, func(rows *sql.Rows) (int64, error) {
		var k int64
		return k, rows.Scan(&k)
	}, `SELECT t.key_id FROM bank_transfers t JOIN payouts p ON p.transfer_id = t.id WHERE p.request_id = $1 ORDER BY t.key_id`, req.ID)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE bank_transfers SET payee_sealed = $1
		WHERE id IN (SELECT transfer_id FROM payouts WHERE request_id = $2 AND transfer_id IS NOT NULL)`, Tombstone, req.ID); err != nil {
		return nil, fmt.Errorf("retention: bank transfers of request %d: %w", req.ID, err)
	}
	if err := vault.Shred(ctx, tx, transfers...); err != nil {
		return nil, err
	}
	return append(counted("payouts.payee", len(rows)), counted("bank_transfers.payee", len(transfers))...), nil
}

// AnonymizedPurpose is what a payout's purpose says once anonymized.
const AnonymizedPurpose = "（已匿名化）"

// devices deletes the blind indexes of the devices the request was filed
// and managed from.
func devices(ctx context.Context, tx *store.Tx, req Request, _ int) ([]string, error) {
	res, err := tx.ExecContext(ctx, "DELETE FROM request_devices WHERE request_id = $1", req.ID)
	if err != nil {
		return nil, fmt.Errorf("retention: devices of request %d: %w", req.ID, err)
	}
	n, err := res.RowsAffected()
	return counted("request_devices", int(n)), err
}

// publisher anonymizes the publisher's account once this was its last
// request not yet anonymized and nobody has signed in to it for the
// retention period (Dormant): the phone number and every real-name record
// are replaced by the tombstone, their blind indexes by TombstoneIndex,
// their keys shredded, its sessions and sign-in codes deleted. The account
// row and its id stay, so the ledger's, donations' and audit's references
// still resolve to "an account".
func publisher(ctx context.Context, tx *store.Tx, req Request, years int) ([]string, error) {
	var others int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM requests
		WHERE publisher_user_id = $1 AND id <> $2 AND anonymized_at IS NULL`, req.PublisherUserID, req.ID).Scan(&others); err != nil {
		return nil, err
	}
	var keyID, signedIn int64
	var phoneIndex string
	if err := tx.QueryRowContext(ctx, "SELECT key_id, signed_in_at, phone_index FROM users WHERE id = $1",
		req.PublisherUserID).Scan(&keyID, &signedIn, &phoneIndex); err != nil {
		return nil, fmt.Errorf("retention: publisher of request %d: %w", req.ID, err)
	}
	tomb := TombstoneIndex("users", req.PublisherUserID)
	if others > 0 || phoneIndex == tomb || !Dormant(time.UnixMicro(signedIn), tx.Now, years) {
		return nil, nil
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM signin_codes WHERE phone_index = $1", phoneIndex); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE users SET phone_sealed = $1, phone_index = $2 WHERE id = $3",
		Tombstone, tomb, req.PublisherUserID); err != nil {
		return nil, fmt.Errorf("retention: account %d: %w", req.PublisherUserID, err)
	}
	idents, err := pairs(ctx, tx, "SELECT id, key_id FROM identities WHERE user_id = $1 ORDER BY id", req.PublisherUserID)
	if err != nil {
		return nil, err
	}
	keys := []int64{keyID}
	for _, r := range idents {
		if _, err := tx.ExecContext(ctx, `UPDATE identities SET name_sealed = $1, number_sealed = $1, number_index = $2 WHERE id = $3`,
			Tombstone, TombstoneIndex("identities", r[0]), r[0]); err != nil {
			return nil, fmt.Errorf("retention: identity %d: %w", r[0], err)
		}
		keys = append(keys, r[1])
	}
	if err := vault.Shred(ctx, tx, keys...); err != nil {
		return nil, err
	}
	res, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE kind = 'user' AND subject_id = $1", req.PublisherUserID)
	if err != nil {
		return nil, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, err
	}
	out := []string{"users.phone"}
	out = append(out, counted("identities", len(idents))...)
	return append(out, counted("sessions", int(n))...), nil
}

// completedQuery selects the completed requests not yet anonymized, with
// when each last completed (a request completed, suspended and completed
// again after its termination counts from the last time) and when the
// platform's wind-down completed, if it did (decision 0033).
const completedQuery = `SELECT r.id, r.publisher_user_id, max(e.at), (SELECT max(completed_at) FROM wind_downs) FROM requests r
	JOIN request_events e ON e.request_id = r.id AND e.to_state = 'completed'
	WHERE r.state = 'completed' AND r.anonymized_at IS NULL`

// scanRequest reads a row of completedQuery.
func scanRequest(rows interface{ Scan(...any) error }, years int) (Request, error) {
	var r Request
	var at int64
	var wound sql.NullInt64
	if err := rows.Scan(&r.ID, &r.PublisherUserID, &at, &wound); err != nil {
		return r, err
	}
	r.CompletedAt = time.UnixMicro(at).UTC()
	if wound.Valid {
		r.WoundDownAt = time.UnixMicro(wound.Int64).UTC()
	}
	r.DueAt = Due(From(r.CompletedAt, r.WoundDownAt), years)
	return r, nil
}

// completed returns up to limit completed requests not yet anonymized, the
// one that completed first first; only those whose period started (From)
// at or before before when before is not zero.
func completed(ctx context.Context, tx *store.Tx, before time.Time, limit, years int) ([]Request, error) {
	q, args := completedQuery+" GROUP BY r.id, r.publisher_user_id", []any{}
	if !before.IsZero() {
		q += " HAVING max(e.at) <= $1 AND NOT EXISTS (SELECT 1 FROM wind_downs WHERE completed_at > $1)"
		args = append(args, before.UnixMicro())
	}
	q += fmt.Sprintf(" ORDER BY max(e.at), r.id LIMIT %d", limit)
	return store.All(ctx, tx, func(rows *sql.Rows) (Request, error) { return scanRequest(rows, years) }, q, args...)
}

// one reads request id as completed, or ok false when it is not completed,
// or anonymized already.
func one(ctx context.Context, tx *store.Tx, id int64, years int) (Request, bool, error) {
	r, err := scanRequest(tx.QueryRowContext(ctx, completedQuery+" AND r.id = $1 GROUP BY r.id, r.publisher_user_id", id), years)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	return r, err == nil, err
}

// insertRecord records an anonymization.
func insertRecord(ctx context.Context, tx *store.Tx, r Record) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO retention_records (request_id, completed_at, due_at, anonymized_at, cleared)
		VALUES ($1, $2, $3, $4, $5)`, r.RequestID, r.CompletedAt.UnixMicro(), r.DueAt.UnixMicro(), r.AnonymizedAt.UnixMicro(),
		strings.Join(r.Cleared, " "))
	return err
}

// records returns the latest limit anonymizations, newest first.
func records(ctx context.Context, tx *store.Tx, limit int) ([]Record, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Record, error) {
		var r Record
		var c, d, a int64
		var cleared string
		if err := rows.Scan(&r.RequestID, &c, &d, &a, &cleared); err != nil {
			return r, err
		}
		r.CompletedAt, r.DueAt, r.AnonymizedAt = time.UnixMicro(c).UTC(), time.UnixMicro(d).UTC(), time.UnixMicro(a).UTC()
		r.Cleared = strings.Fields(cleared)
		return r, nil
	}, fmt.Sprintf(`SELECT request_id, completed_at, due_at, anonymized_at, cleared FROM retention_records
		ORDER BY anonymized_at DESC, request_id DESC LIMIT %d`, limit))
}
