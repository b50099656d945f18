package hospital

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/payeeid"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

const columns = "id, name, credit_code, bank_name, city, account_masked, active, created_at, updated_at, deactivated_at"

// accountAAD binds an entry's sealed number to its row, so a sealed value
// copied to another entry does not open.
func accountAAD(id int64) string { return "hospitals.account:" + strconv.FormatInt(id, 10) }

// draftAAD binds a draft's sealed number to its data key, which is the
// draft's own (a draft row never changes, so it cannot be sealed after its
// id is known).
func draftAAD(keyID int64) string { return "hospital_drafts.account:" + strconv.FormatInt(keyID, 10) }

func scan(row interface{ Scan(...any) error }) (Hospital, error) {
	var h Hospital
	var created, updated int64
	var deactivated sql.NullInt64
	if err := row.Scan(&h.ID, &h.Name, &h.CreditCode, &h.BankName, &h.City, &h.Masked, &h.Active,
		&created, &updated, &deactivated); err != nil {
		return Hospital{}, err
	}
	h.CreatedAt, h.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	if deactivated.Valid {
		h.DeactivatedAt = time.UnixMicro(deactivated.Int64).UTC()
	}
	return h, nil
}

// Get returns entry id, active or not, masked; apperr.NotFound if there is
// none.
func Get(ctx context.Context, tx *store.Tx, id int64) (Hospital, error) {
	h, err := scan(tx.QueryRowContext(ctx, "SELECT "+columns+" FROM hospitals WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Hospital{}, apperr.New(apperr.NotFound, "hospital.not_found")
	}
	return h, err
}

// List returns the entries, masked, by name; only the active ones if
// activeOnly.
func List(ctx context.Context, tx *store.Tx, activeOnly bool) ([]Hospital, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Hospital, error) { return scan(rows) },
		"SELECT "+columns+" FROM hospitals WHERE active OR NOT $1 ORDER BY name, id", activeOnly)
}

// Active returns the active entries, masked: the hospitals a new payout
// may be offered.
func Active(ctx context.Context, tx *store.Tx) ([]Hospital, error) { return List(ctx, tx, true) }

// Payee returns active entry id with its account number unsealed, for a
// payout to the hospital (R-DISB-2). It returns apperr.NotFound
// "hospital.not_found" for an unknown entry and apperr.Conflict
// "hospital.inactive" for a deactivated one: a hospital outside the
// directory is never a payee. The caller records the unsealed view in its
// own audit record.
func Payee(ctx context.Context, tx *store.Tx, v *vault.Vault, id int64) (Hospital, error) {
	h, err := Get(ctx, tx, id)
	if err != nil {
		return Hospital{}, err
	}
	if !h.Active {
		return Hospital{}, apperr.New(apperr.Conflict, "hospital.inactive")
	}
	if h.Account, err = account(ctx, tx, v, id); err != nil {
		return Hospital{}, err
	}
	h.Vouchers, err = store.All(ctx, tx, func(r *sql.Rows) (int64, error) {
		var staffID int64
		return staffID, r.Scan(&staffID)
	}, "SELECT DISTINCT staff_id FROM hospital_vouchers WHERE hospital_id = $1 ORDER BY staff_id", id)
	return h, err
}

// vouch records that the proposer and the approver of proposal p vouched
// for entry id's account.
func vouch(ctx context.Context, tx *store.Tx, id int64, p staff.Proposal) error {
	for _, by := range []int64{p.ProposedBy, p.DecidedBy} {
		if _, err := tx.ExecContext(ctx, `INSERT INTO hospital_vouchers (hospital_id, staff_id, proposal_id)
			VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, id, by, p.ID); err != nil {
			return err
		}
	}
	return nil
}

// account unseals entry id's number.
func account(ctx context.Context, tx *store.Tx, v *vault.Vault, id int64) (string, error) {
	var keyID int64
	var sealed []byte
	if err := tx.QueryRowContext(ctx, "SELECT key_id, account_sealed FROM hospitals WHERE id = $1", id).Scan(&keyID, &sealed); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", apperr.New(apperr.NotFound, "hospital.not_found")
		}
		return "", err
	}
	key, err := v.Key(ctx, tx, keyID)
	if err != nil {
		return "", err
	}
	return key.OpenString(accountAAD(id), sealed)
}

// taken returns apperr.Conflict with a message for the field when another
// active entry than except has the credit code or the account number.
func taken(ctx context.Context, tx *store.Tx, code, index string, except int64) error {
	e := apperr.New(apperr.Conflict, "hospital.invalid")
	for _, c := range []struct{ column, value, field string }{
		{"credit_code", code, "credit_code"}, {"account_index", index, "account"},
	} {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM hospitals WHERE active AND "+c.column+" = $1 AND id <> $2",
			c.value, except).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			field(e, c.field, "hospital."+c.field+"_taken")
		}
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

// CheckDraft validates d (Validate) and, for a change, that entry d.ID
// exists and is active, and that no other active entry has its credit code
// or account number. It returns d normalised.
func CheckDraft(ctx context.Context, tx *store.Tx, v *vault.Vault, d Draft) (Draft, error) {
	d, err := Validate(d)
	if err != nil {
		return d, err
	}
	if d.ID != 0 {
		h, err := Get(ctx, tx, d.ID)
		if err != nil {
			return d, err
		}
		if !h.Active {
			return d, apperr.New(apperr.Conflict, "hospital.inactive")
		}
	}
	return d, taken(ctx, tx, d.CreditCode, v.BlindIndex(AccountIndexDomain, d.Account), d.ID)
}

// SaveDraft stores d, already checked, with its number sealed under a data
// key of its own, and returns the draft's id.
func SaveDraft(ctx context.Context, tx *store.Tx, v *vault.Vault, d Draft) (int64, error) {
	key, err := v.NewKey(ctx, tx)
	if err != nil {
		return 0, err
	}
	var hid sql.NullInt64
	if d.ID != 0 {
		hid = sql.NullInt64{Int64: d.ID, Valid: true}
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO hospital_drafts (hospital_id, name, credit_code, bank_name, city, key_id,
		account_sealed, account_masked, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		hid, d.Name, d.CreditCode, d.BankName, d.City, key.ID, key.SealString(draftAAD(key.ID), d.Account),
		payeeid.MaskAccount(d.Account), tx.Now.UnixMicro()).Scan(&id)
	return id, err
}

// loadDraft reads draft id with its number unsealed.
func loadDraft(ctx context.Context, tx *store.Tx, v *vault.Vault, id int64) (Draft, error) {
	var d Draft
	var hid sql.NullInt64
	var keyID int64
	var sealed []byte
	err := tx.QueryRowContext(ctx, `SELECT hospital_id, name, credit_code, bank_name, city, key_id, account_sealed
		FROM hospital_drafts WHERE id = $1`, id).Scan(&hid, &d.Name, &d.CreditCode, &d.BankName, &d.City, &keyID, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return Draft{}, apperr.New(apperr.Invalid, "hospital.payload_invalid")
	}
	if err != nil {
		return Draft{}, err
	}
	d.ID = hid.Int64
	key, err := v.Key(ctx, tx, keyID)
	if err != nil {
		return Draft{}, err
	}
	d.Account, err = key.OpenString(draftAAD(keyID), sealed)
	return d, err
}

// apply writes a checked draft: a new active entry when d.ID is 0, else
// the new fields of entry d.ID. It returns the entry's id.
func apply(ctx context.Context, tx *store.Tx, v *vault.Vault, d Draft) (int64, error) {
	index, masked, now := v.BlindIndex(AccountIndexDomain, d.Account), payeeid.MaskAccount(d.Account), tx.Now.UnixMicro()
	if d.ID == 0 {
		key, err := v.NewKey(ctx, tx)
		if err != nil {
			return 0, err
		}
		// The AAD names the row, whose id is known only once it exists:
		// insert it with an empty value, then seal.
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO hospitals (name, credit_code, bank_name, city, key_id, account_sealed,
			account_index, account_masked, active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
			d.Name, d.CreditCode, d.BankName, d.City, key.ID, []byte{}, index, masked, true, now).Scan(&id); err != nil {
			return 0, err
		}
		_, err = tx.ExecContext(ctx, "UPDATE hospitals SET account_sealed = $2 WHERE id = $1", id, key.SealString(accountAAD(id), d.Account))
		return id, err
	}
	var keyID int64
	if err := tx.QueryRowContext(ctx, "SELECT key_id FROM hospitals WHERE id = $1", d.ID).Scan(&keyID); err != nil {
		return 0, err
	}
	key, err := v.Key(ctx, tx, keyID)
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE hospitals SET name = $2, credit_code = $3, bank_name = $4, city = $5,
		account_sealed = $6, account_index = $7, account_masked = $8, updated_at = $9 WHERE id = $1 AND active`,
		d.ID, d.Name, d.CreditCode, d.BankName, d.City, key.SealString(accountAAD(d.ID), d.Account), index, masked, now)
	return d.ID, err
}

// deactivate takes active entry id out of the directory.
func deactivate(ctx context.Context, tx *store.Tx, id int64) error {
	h, err := Get(ctx, tx, id)
	if err != nil {
		return err
	}
	if !h.Active {
		return apperr.New(apperr.Conflict, "hospital.inactive")
	}
	now := tx.Now.UnixMicro()
	_, err = tx.ExecContext(ctx, "UPDATE hospitals SET active = $2, deactivated_at = $3, updated_at = $3 WHERE id = $1",
		id, false, now)
	return err
}

// Seed adds the demo hospitals missing from the directory, by credit code,
// directly: demo data is not a staff action. It returns how many it added;
// running it again adds nothing.
func Seed(ctx context.Context, tx *store.Tx, v *vault.Vault) (int, error) {
	added := 0
	for _, d := range Demo() {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM hospitals WHERE credit_code = $1", d.CreditCode).Scan(&n); err != nil {
			return added, err
		}
		if n > 0 {
			continue
		}
		d, err := CheckDraft(ctx, tx, v, d)
		if err != nil {
			return added, err
		}
		if _, err := apply(ctx, tx, v, d); err != nil {
			return added, err
		}
		added++
	}
	return added, nil
}
