package bank

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/payeeid"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
)

func parseDay(s string) time.Time {
	d, _ := time.Parse(time.DateOnly, s)
	return d
}

func nullDay(s sql.NullString) time.Time {
	if !s.Valid {
		return time.Time{}
	}
	return parseDay(s.String)
}

const custodyAccountColumns = "id, bank_name, account_masked, opened_on, state, ended_on"

func scanCustodyAccount(row interface{ Scan(...any) error }) (CustodyAccount, error) {
	var a CustodyAccount
	var opened string
	var ended sql.NullString
	err := row.Scan(&a.ID, &a.BankName, &a.AccountMasked, &opened, &a.State, &ended)
	a.OpenedOn, a.EndedOn = parseDay(opened), nullDay(ended)
	return a, err
}

func listCustodyAccounts(ctx context.Context, tx *store.Tx) ([]CustodyAccount, error) {
	return store.All(ctx, tx, func(r *sql.Rows) (CustodyAccount, error) { return scanCustodyAccount(r) },
		"SELECT "+custodyAccountColumns+" FROM custody_accounts ORDER BY id")
}

func getCustodyAccount(ctx context.Context, tx *store.Tx, id int64) (CustodyAccount, error) {
	a, err := scanCustodyAccount(tx.QueryRowContext(ctx, "SELECT "+custodyAccountColumns+" FROM custody_accounts WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.New(apperr.NotFound, "bank.custody.not_found")
	}
	return a, err
}

// A change whose four-eyes proposal was rejected reads as withdrawn.
const custodyChangeSelect = `SELECT c.id, c.action, c.account_id, c.bank_name, c.account_masked, c.effective_on, c.reason,
	CASE WHEN c.state = 'proposed' AND p.status = 'rejected' THEN 'withdrawn' ELSE c.state END,
	c.proposal_id, c.proposed_by, c.proposed_at, c.approved_by, c.reported_on, c.report_ref, c.reported_by,
	c.effective_at, c.effective_by
	FROM custody_changes c JOIN staff_proposals p ON p.id = c.proposal_id`

func scanCustodyChange(row interface{ Scan(...any) error }) (CustodyChange, error) {
	var c CustodyChange
	var account, approvedBy, reportedBy, effectiveAt, effectiveBy sql.NullInt64
	var effectiveOn string
	var reportedOn sql.NullString
	var proposedAt int64
	err := row.Scan(&c.ID, &c.Action, &account, &c.BankName, &c.AccountMasked, &effectiveOn, &c.Reason, &c.State,
		&c.ProposalID, &c.ProposedBy, &proposedAt, &approvedBy, &reportedOn, &c.ReportRef, &reportedBy, &effectiveAt, &effectiveBy)
	c.AccountID, c.ApprovedBy, c.ReportedBy, c.EffectiveBy = account.Int64, approvedBy.Int64, reportedBy.Int64, effectiveBy.Int64
	c.EffectiveOn, c.ReportedOn = parseDay(effectiveOn), nullDay(reportedOn)
	c.ProposedAt = time.UnixMicro(proposedAt).UTC()
	if effectiveAt.Valid {
		c.EffectiveAt = time.UnixMicro(effectiveAt.Int64).UTC()
	}
	return c, err
}

func listCustodyChanges(ctx context.Context, tx *store.Tx) ([]CustodyChange, error) {
	return store.All(ctx, tx, func(r *sql.Rows) (CustodyChange, error) { return scanCustodyChange(r) },
		custodyChangeSelect+" ORDER BY c.id DESC")
}

func getCustodyChange(ctx context.Context, tx *store.Tx, id int64) (CustodyChange, error) {
	q := custodyChangeSelect + " WHERE c.id = $1"
	if tx.Dialect == store.Postgres {
		q += " FOR UPDATE OF c"
	}
	c, err := scanCustodyChange(tx.QueryRowContext(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.New(apperr.NotFound, "bank.custody.not_found")
	}
	return c, err
}

// pendingCustodyChanges counts the changes under way: proposed with their
// proposal pending, approved, or reported.
func pendingCustodyChanges(ctx context.Context, tx *store.Tx) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM custody_changes c JOIN staff_proposals p ON p.id = c.proposal_id
		WHERE c.state IN ('approved', 'reported') OR c.state = 'proposed' AND p.status = 'pending'`).Scan(&n)
	return n, err
}

// insertCustodyChange records a proposed change, its number sealed.
func (s *Service) insertCustodyChange(ctx context.Context, tx *store.Tx, r ChangeRequest, p staff.Proposal) (CustodyChange, error) {
	c := CustodyChange{Action: r.Action, AccountID: r.AccountID, BankName: r.BankName, EffectiveOn: r.EffectiveOn,
		Reason: r.Reason, State: ChangeProposed, ProposalID: p.ID, ProposedBy: p.ProposedBy, ProposedAt: tx.Now}
	var account sql.NullInt64
	if r.AccountID != 0 {
		account = sql.NullInt64{Int64: r.AccountID, Valid: true}
	}
	var keyID sql.NullInt64
	var index string
	if r.Number != "" {
		key, err := s.Vault.NewKey(ctx, tx)
		if err != nil {
			return c, err
		}
		keyID = sql.NullInt64{Int64: key.ID, Valid: true}
		c.AccountMasked = payeeid.MaskAccount(r.Number)
		index = s.Vault.BlindIndex(custodyIndexDomain, r.Number)
		err = tx.QueryRowContext(ctx, `INSERT INTO custody_changes (action, account_id, bank_name, account_masked, account_index,
			key_id, account_sealed, effective_on, reason, state, proposal_id, proposed_by, proposed_at, report_ref)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'proposed', $10, $11, $12, '') RETURNING id`,
			r.Action, account, r.BankName, c.AccountMasked, index, keyID, []byte{}, r.EffectiveOn.Format(time.DateOnly),
			r.Reason, p.ID, p.ProposedBy, tx.Now.UnixMicro()).Scan(&c.ID)
		if err != nil {
			return c, err
		}
		_, err = tx.ExecContext(ctx, "UPDATE custody_changes SET account_sealed = $1 WHERE id = $2",
			key.SealString(custodyAAD(c.ID), r.Number), c.ID)
		return c, err
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO custody_changes (action, account_id, bank_name, account_masked, account_index,
		effective_on, reason, state, proposal_id, proposed_by, proposed_at, report_ref)
		VALUES ($1, $2, '', '', '', $3, $4, 'proposed', $5, $6, $7, '') RETURNING id`,
		r.Action, account, r.EffectiveOn.Format(time.DateOnly), r.Reason, p.ID, p.ProposedBy, tx.Now.UnixMicro()).Scan(&c.ID)
	return c, err
}

func approveCustodyChange(ctx context.Context, tx *store.Tx, proposalID, by int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE custody_changes SET state = 'approved', approved_by = $1
		WHERE proposal_id = $2 AND state = 'proposed'`, by, proposalID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return apperr.New(apperr.Conflict, "bank.custody.not_proposed")
	}
	return nil
}

func reportCustodyChange(ctx context.Context, tx *store.Tx, id int64, on time.Time, ref string, by int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE custody_changes SET state = 'reported', reported_on = $1, report_ref = $2, reported_by = $3
		WHERE id = $4 AND state = 'approved'`, on.Format(time.DateOnly), ref, by, id)
	return err
}

// applyCustodyChange writes a reported change into custody_accounts and
// marks it effective.
func (s *Service) applyCustodyChange(ctx context.Context, tx *store.Tx, c CustodyChange, by int64) error {
	on := c.EffectiveOn.Format(time.DateOnly)
	switch c.Action {
	case ActionOpen, ActionChange:
		var keyID int64
		var sealed []byte
		var index string
		if err := tx.QueryRowContext(ctx, "SELECT key_id, account_sealed, account_index FROM custody_changes WHERE id = $1",
			c.ID).Scan(&keyID, &sealed, &index); err != nil {
			return err
		}
		key, err := s.Vault.Key(ctx, tx, keyID)
		if err != nil {
			return err
		}
		number, err := key.OpenString(custodyAAD(c.ID), sealed)
		if err != nil {
			return err
		}
		id := c.AccountID
		if c.Action == ActionOpen {
			err = tx.QueryRowContext(ctx, `INSERT INTO custody_accounts (bank_name, account_masked, account_index, key_id,
				account_sealed, opened_on, state) VALUES ($1, $2, $3, $4, $5, $6, 'open') RETURNING id`,
				c.BankName, c.AccountMasked, index, keyID, []byte{}, on).Scan(&id)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "UPDATE custody_changes SET account_id = $1 WHERE id = $2", id, c.ID); err != nil {
				return err
			}
		} else if _, err := tx.ExecContext(ctx, `UPDATE custody_accounts SET bank_name = $1, account_masked = $2,
			account_index = $3, key_id = $4 WHERE id = $5 AND state = 'open'`, c.BankName, c.AccountMasked, index, keyID, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE custody_accounts SET account_sealed = $1 WHERE id = $2",
			key.SealString(custodyAccountAAD(id), number), id); err != nil {
			return err
		}
	case ActionClose, ActionRevoke:
		state := "closed"
		if c.Action == ActionRevoke {
			state = "revoked"
		}
		res, err := tx.ExecContext(ctx, "UPDATE custody_accounts SET state = $1, ended_on = $2 WHERE id = $3 AND state = 'open'",
			state, on, c.AccountID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return apperr.New(apperr.Conflict, "bank.custody.not_open")
		}
	}
	_, err := tx.ExecContext(ctx, "UPDATE custody_changes SET state = 'effective', effective_at = $1, effective_by = $2 WHERE id = $3",
		tx.Now.UnixMicro(), by, c.ID)
	return err
}
