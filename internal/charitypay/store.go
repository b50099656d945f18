package charitypay

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payeeid"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// accountIndexDomain is the blind index domain of recipients' numbers.
const accountIndexDomain = "charity-recipient-account"

func accountAAD(id int64) string { return "charity_recipients.account:" + strconv.FormatInt(id, 10) }

func draftAAD(keyID int64) string {
	return "charity_recipient_drafts.account:" + strconv.FormatInt(keyID, 10)
}

const recipientColumns = "id, name, credit_code, certificate_ref, bank_name, account_masked, active, proposed_by, approved_by, created_at"

func scanRecipient(row interface{ Scan(...any) error }) (Recipient, error) {
	var r Recipient
	var created int64
	var active any
	err := row.Scan(&r.ID, &r.Name, &r.CreditCode, &r.CertificateRef, &r.BankName, &r.Masked, &active, &r.ProposedBy, &r.ApprovedBy, &created)
	switch v := active.(type) {
	case bool:
		r.Active = v
	case int64:
		r.Active = v != 0
	}
	r.CreatedAt = time.UnixMicro(created).UTC()
	return r, err
}

func listRecipients(ctx context.Context, tx *store.Tx) ([]Recipient, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Recipient, error) { return scanRecipient(rows) },
		"SELECT "+recipientColumns+" FROM charity_recipients ORDER BY id")
}

func getRecipient(ctx context.Context, tx *store.Tx, id int64) (Recipient, error) {
	r, err := scanRecipient(tx.QueryRowContext(ctx, "SELECT "+recipientColumns+" FROM charity_recipients WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Recipient{}, apperr.New(apperr.NotFound, "charitypay.recipient_not_found")
	}
	return r, err
}

// payee returns recipient id with its number unsealed, for the bank's
// instruction.
func payee(ctx context.Context, tx *store.Tx, v *vault.Vault, id int64) (Recipient, error) {
	r, err := getRecipient(ctx, tx, id)
	if err != nil {
		return r, err
	}
	var keyID int64
	var sealed []byte
	if err := tx.QueryRowContext(ctx, "SELECT key_id, account_sealed FROM charity_recipients WHERE id = $1", id).Scan(&keyID, &sealed); err != nil {
		return r, err
	}
	key, err := v.Key(ctx, tx, keyID)
	if err != nil {
		return r, err
	}
	r.Account, err = key.OpenString(accountAAD(id), sealed)
	return r, err
}

func codeTaken(ctx context.Context, tx *store.Tx, code string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, "SELECT count(*) FROM charity_recipients WHERE active AND credit_code = $1", code).Scan(&n)
	return n > 0, err
}

func saveDraft(ctx context.Context, tx *store.Tx, v *vault.Vault, d Draft) (int64, error) {
	key, err := v.NewKey(ctx, tx)
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO charity_recipient_drafts (name, credit_code, certificate_ref, bank_name, key_id,
		account_sealed, account_masked, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		d.Name, d.CreditCode, d.CertificateRef, d.BankName, key.ID, key.SealString(draftAAD(key.ID), d.Account),
		payeeid.MaskAccount(d.Account), tx.Now.UnixMicro()).Scan(&id)
	return id, err
}

func loadDraft(ctx context.Context, tx *store.Tx, v *vault.Vault, id int64) (Draft, error) {
	var d Draft
	var keyID int64
	var sealed []byte
	err := tx.QueryRowContext(ctx, `SELECT name, credit_code, certificate_ref, bank_name, key_id, account_sealed
		FROM charity_recipient_drafts WHERE id = $1`, id).Scan(&d.Name, &d.CreditCode, &d.CertificateRef, &d.BankName, &keyID, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return Draft{}, apperr.New(apperr.Invalid, "charitypay.payload_invalid")
	}
	if err != nil {
		return Draft{}, err
	}
	key, err := v.Key(ctx, tx, keyID)
	if err != nil {
		return Draft{}, err
	}
	d.Account, err = key.OpenString(draftAAD(keyID), sealed)
	return d, err
}

func insertRecipient(ctx context.Context, tx *store.Tx, v *vault.Vault, d Draft, proposedBy, approvedBy int64) (int64, error) {
	key, err := v.NewKey(ctx, tx)
	if err != nil {
		return 0, err
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO charity_recipients (name, credit_code, certificate_ref, bank_name, key_id,
		account_sealed, account_index, account_masked, active, proposed_by, approved_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		d.Name, d.CreditCode, d.CertificateRef, d.BankName, key.ID, []byte{}, v.BlindIndex(accountIndexDomain, d.Account),
		payeeid.MaskAccount(d.Account), true, proposedBy, approvedBy, tx.Now.UnixMicro()).Scan(&id); err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, "UPDATE charity_recipients SET account_sealed = $2 WHERE id = $1", id, key.SealString(accountAAD(id), d.Account))
	return id, err
}

func deactivateRecipient(ctx context.Context, tx *store.Tx, id int64) error {
	res, err := tx.ExecContext(ctx, "UPDATE charity_recipients SET active = $2, deactivated_at = $3 WHERE id = $1 AND active",
		id, false, tx.Now.UnixMicro())
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(err, ErrRecipient)
	}
	return nil
}

// payableBalance returns charity:payable.
func payableBalance(ctx context.Context, tx *store.Tx) (money.Fen, error) {
	var b int64
	err := tx.QueryRowContext(ctx, "SELECT balance FROM ledger_accounts WHERE name = 'charity:payable'").Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return money.Fen(b), err
}

// inFlightWhere selects the transfers that hold their amount: approved or
// paying, or proposed with their proposal still pending.
const inFlightWhere = `(t.state IN ('approved', 'paying') OR t.state = 'proposed' AND EXISTS (
	SELECT 1 FROM staff_proposals p WHERE p.id = t.proposal_id AND p.status = 'pending'))`

// available reads what a transfer may take (Available), leaving out
// transfer except.
func available(ctx context.Context, tx *store.Tx, except int64) (Available, error) {
	a := Available{BySource: map[string]money.Fen{}}
	var err error
	if a.Payable, err = payableBalance(ctx, tx); err != nil {
		return a, err
	}
	var inFlight sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT SUM(t.amount) FROM charity_transfers t WHERE t.id <> $1 AND "+inFlightWhere,
		except).Scan(&inFlight); err != nil {
		return a, err
	}
	a.InFlight = money.Fen(inFlight.Int64)
	// What came in, by source: interest by month, unrefundable money by
	// refund run (the payable:refund:<run> account it came from).
	err = store.Each(ctx, tx, func(rows *sql.Rows) error {
		var month string
		var amount int64
		if err := rows.Scan(&month, &amount); err != nil {
			return err
		}
		a.BySource[SourceKey(SourceInterest, month)] += money.Fen(amount)
		return nil
	}, `SELECT substr(booked_on, 1, 7), SUM(amount) FROM statement_credits WHERE kind = 'interest' GROUP BY substr(booked_on, 1, 7)`)
	if err != nil {
		return a, err
	}
	err = store.Each(ctx, tx, func(rows *sql.Rows) error {
		var account string
		var amount int64
		if err := rows.Scan(&account, &amount); err != nil {
			return err
		}
		a.BySource[SourceKey(SourceRefund, account[len("payable:refund:"):])] += money.Fen(amount)
		return nil
	}, `SELECT a.name, SUM(p.amount) FROM ledger_entries e
		JOIN ledger_postings p ON p.entry_id = e.id
		JOIN ledger_accounts a ON a.id = p.account_id
		WHERE e.kind = 'refund_to_charity' AND a.name LIKE 'payable:refund:%'
		GROUP BY a.name`)
	if err != nil {
		return a, err
	}
	// Less what transfers took or hold.
	err = store.Each(ctx, tx, func(rows *sql.Rows) error {
		var kind, period string
		var amount int64
		if err := rows.Scan(&kind, &period, &amount); err != nil {
			return err
		}
		a.BySource[SourceKey(kind, period)] -= money.Fen(amount)
		return nil
	}, `SELECT s.source, s.period, SUM(s.amount) FROM charity_transfer_sources s JOIN charity_transfers t ON t.id = s.transfer_id
		WHERE t.id <> $1 AND (t.state = 'paid' OR `+inFlightWhere+`) GROUP BY s.source, s.period`, except)
	return a, err
}

func insertTransfer(ctx context.Context, tx *store.Tx, p Proposal, proposalID, by int64) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO charity_transfers (recipient_id, amount, state, note, proposal_id, proposed_by, created_at)
		VALUES ($1, $2, 'proposed', $3, $4, $5, $6) RETURNING id`,
		p.RecipientID, int64(p.Amount), p.Note, proposalID, by, tx.Now.UnixMicro()).Scan(&id)
	if err != nil {
		return 0, err
	}
	for _, s := range p.Sources {
		if _, err := tx.ExecContext(ctx, `INSERT INTO charity_transfer_sources (transfer_id, source, period, request_id, amount)
			VALUES ($1, $2, $3, $4, $5)`, id, s.Kind, s.Period, s.RequestID, int64(s.Amount)); err != nil {
			return 0, err
		}
	}
	return id, nil
}

const transferColumns = `t.id, t.recipient_id, r.name, r.credit_code, r.account_masked, t.amount, t.state, t.note, t.proposal_id,
	t.proposed_by, COALESCE(t.approved_by, 0), COALESCE(t.transfer_id, ''), t.reason, COALESCE(t.entry_id, 0), t.created_at,
	COALESCE(t.paid_at, 0)`

func scanTransfer(row interface{ Scan(...any) error }) (Transfer, error) {
	var t Transfer
	var created, paid int64
	err := row.Scan(&t.ID, &t.RecipientID, &t.RecipientName, &t.CreditCode, &t.AccountMasked, &t.Amount, &t.State, &t.Note,
		&t.ProposalID, &t.ProposedBy, &t.ApprovedBy, &t.TransferID, &t.Reason, &t.EntryID, &created, &paid)
	t.CreatedAt = time.UnixMicro(created).UTC()
	if paid != 0 {
		t.PaidAt = time.UnixMicro(paid).UTC()
	}
	return t, err
}

func listTransfers(ctx context.Context, tx *store.Tx, where string, args ...any) ([]Transfer, error) {
	ts, err := store.All(ctx, tx, func(rows *sql.Rows) (Transfer, error) { return scanTransfer(rows) },
		"SELECT "+transferColumns+" FROM charity_transfers t JOIN charity_recipients r ON r.id = t.recipient_id WHERE "+where+" ORDER BY t.id", args...)
	if err != nil || len(ts) == 0 {
		return ts, err
	}
	byID := make(map[int64]int, len(ts))
	for i, t := range ts {
		byID[t.ID] = i
	}
	err = store.Each(ctx, tx, func(rows *sql.Rows) error {
		var id int64
		var s Source
		if err := rows.Scan(&id, &s.Kind, &s.Period, &s.RequestID, &s.Amount); err != nil {
			return err
		}
		if i, ok := byID[id]; ok {
			ts[i].Sources = append(ts[i].Sources, s)
		}
		return nil
	}, `SELECT s.transfer_id, s.source, s.period, s.request_id, s.amount FROM charity_transfer_sources s
		JOIN charity_transfers t ON t.id = s.transfer_id WHERE `+where+` ORDER BY s.transfer_id, s.source, s.period`, args...)
	return ts, err
}

func transferByProposal(ctx context.Context, tx *store.Tx, proposalID int64) (Transfer, error) {
	ts, err := listTransfers(ctx, tx, "t.proposal_id = $1", proposalID)
	if err != nil {
		return Transfer{}, err
	}
	if len(ts) != 1 {
		return Transfer{}, apperr.New(apperr.Invalid, "charitypay.payload_invalid")
	}
	return ts[0], nil
}

func getTransfer(ctx context.Context, tx *store.Tx, id int64) (Transfer, error) {
	ts, err := listTransfers(ctx, tx, "t.id = $1", id)
	if err != nil {
		return Transfer{}, err
	}
	if len(ts) != 1 {
		return Transfer{}, apperr.New(apperr.NotFound, "charitypay.transfer_not_found")
	}
	return ts[0], nil
}

// setState moves transfer id from state from to state to with the extra
// columns set; it reports whether the transfer was in from.
func setState(ctx context.Context, tx *store.Tx, id int64, from, to State, set map[string]any) (bool, error) {
	q := "UPDATE charity_transfers SET state = $1"
	args := []any{string(to)}
	for _, c := range []string{"approved_by", "approved_at", "transfer_id", "sent_at", "paid_at", "ended_at", "reason", "entry_id"} {
		if v, ok := set[c]; ok {
			args = append(args, v)
			q += ", " + c + " = $" + strconv.Itoa(len(args))
		}
	}
	args = append(args, id, string(from))
	q += " WHERE id = $" + strconv.Itoa(len(args)-1) + " AND state = $" + strconv.Itoa(len(args))
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// kindTotals returns the sums of the entries of each kind that moved
// charity:payable, in its normal direction (credits positive).
func kindTotals(ctx context.Context, tx *store.Tx) (map[string]money.Fen, error) {
	out := map[string]money.Fen{}
	err := store.Each(ctx, tx, func(rows *sql.Rows) error {
		var kind string
		var amount int64
		if err := rows.Scan(&kind, &amount); err != nil {
			return err
		}
		out[kind] = -money.Fen(amount)
		return nil
	}, `SELECT e.kind, SUM(p.amount) FROM ledger_entries e
		JOIN ledger_postings p ON p.entry_id = e.id
		JOIN ledger_accounts a ON a.id = p.account_id
		WHERE a.name = 'charity:payable' GROUP BY e.kind`)
	return out, err
}

// transfersWithDecisions lists every transfer, a proposal its approver
// rejected shown as withdrawn.
func transfersWithDecisions(ctx context.Context, tx *store.Tx) ([]Transfer, error) {
	out, err := listTransfers(ctx, tx, "TRUE")
	if err != nil {
		return nil, err
	}
	for i, t := range out {
		if t.State != Proposed {
			continue
		}
		var status string
		if err := tx.QueryRowContext(ctx, "SELECT status FROM staff_proposals WHERE id = $1", t.ProposalID).Scan(&status); err != nil {
			return nil, err
		}
		if status == "rejected" {
			out[i].State = Withdrawn
		}
	}
	return out, nil
}
