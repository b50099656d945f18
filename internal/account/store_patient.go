package account

import (
	"context"
	"time"

	"github.com/carefund/carefund/internal/store"
)

// patientVerified reports whether the pair (blind index of name and number)
// has a verified check.
func patientVerified(ctx context.Context, tx *store.Tx, pair string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM patient_checks WHERE pair_index = $1 AND outcome = 'verified'`, pair).Scan(&n)
	return n > 0, err
}

// patientRejectedSince reports whether the pair was rejected after since.
func patientRejectedSince(ctx context.Context, tx *store.Tx, pair string, since time.Time) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM patient_checks WHERE pair_index = $1 AND outcome = 'rejected' AND created_at > $2`,
		pair, since.UnixMicro()).Scan(&n)
	return n > 0, err
}

// insertPatientCheck records one answer of the provider.
func insertPatientCheck(ctx context.Context, tx *store.Tx, c PatientCheck) error {
	outcome := "rejected"
	if c.Verified {
		outcome = "verified"
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO patient_checks (request_id, user_id, pair_index, patient_index, verifier, outcome, reason, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, c.RequestID, c.UserID, c.pair, c.patient, c.Verifier, outcome, truncate(c.Reason, 200), tx.Now.UnixMicro())
	return err
}

// PatientChecks returns the checks made for request id, oldest first, for
// staff and tests.
func PatientChecks(ctx context.Context, tx *store.Tx, requestID int64) ([]PatientCheck, error) {
	rows, err := tx.QueryContext(ctx, `SELECT request_id, user_id, verifier, outcome, reason, created_at FROM patient_checks
		WHERE request_id = $1 ORDER BY id`, requestID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PatientCheck
	for rows.Next() {
		var c PatientCheck
		var outcome string
		var at int64
		if err := rows.Scan(&c.RequestID, &c.UserID, &c.Verifier, &outcome, &c.Reason, &at); err != nil {
			return nil, err
		}
		c.Verified = outcome == "verified"
		c.CreatedAt = time.UnixMicro(at).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}
