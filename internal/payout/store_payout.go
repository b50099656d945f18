package payout

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payeeid"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// AccountIndexDomain is the blind index domain of payee account numbers
// (R-REF-3): one account across unrelated requests is flagged.
const AccountIndexDomain = "payee-account"

// contentDomain is the blind index domain of an application's content, for
// telling a replay from a reused key without keeping the account in clear.
const contentDomain = "payout-application"

// payeeAAD binds the sealed payee to its table, column and row token.
func payeeAAD(token string) string { return "payouts.payee:" + token }

// sealedPayee is what payee_sealed holds.
type sealedPayee struct {
	Name    string `json:"name"`
	Account string `json:"account"`
}

// row is a payouts row as the store reads it.
type row struct {
	Payout
	patientIndex string
	keyID        int64
	sealToken    string
	sealed       []byte
	accountIndex string
	contentIndex string
	entryID      int64
	attempts     int
}

const columns = `p.id, p.request_id, p.applicant_user_id, p.state, p.mode, p.amount_fen, p.purpose, p.payee_kind,
	p.relationship, p.designated_by, p.hospital_id, p.hospital_name, p.bank_name, p.account_masked, p.batch,
	p.question, p.reason, p.transfer_id, p.claimant, p.first_approver, p.second_approver, p.created_at,
	p.complete_at, p.decided_at, p.approved_at, p.sent_at, p.paid_at, p.failed_at, p.returned_at,
	p.key_id, p.seal_token, p.payee_sealed, p.account_index, p.content_index, p.approve_entry_id, p.attempts,
	COALESCE(r.patient_index, '')`

const from = " FROM payouts p JOIN requests r ON r.id = p.request_id "

func micros(t sql.NullInt64) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return time.UnixMicro(t.Int64).UTC()
}

func scanRow(sc interface{ Scan(...any) error }) (row, error) {
	var r row
	var rel, des, hname, question, reason, transfer sql.NullString
	var hid, claimant, first, second, entry sql.NullInt64
	var created int64
	var complete, decided, approved, sent, paid, failed, returned sql.NullInt64
	var batch int
	err := sc.Scan(&r.ID, &r.RequestID, &r.ApplicantUserID, &r.State, &r.Mode, &r.Amount, &r.Purpose, &r.Payee,
		&rel, &des, &hid, &hname, &r.BankName, &r.AccountMasked, &batch,
		&question, &reason, &transfer, &claimant, &first, &second, &created,
		&complete, &decided, &approved, &sent, &paid, &failed, &returned,
		&r.keyID, &r.sealToken, &r.sealed, &r.accountIndex, &r.contentIndex, &entry, &r.attempts, &r.patientIndex)
	if err != nil {
		return row{}, err
	}
	r.Relationship, r.DesignatedBy = campaign.Relationship(rel.String), Designator(des.String)
	r.HospitalID, r.HospitalName, r.Batch = hid.Int64, hname.String, batch == 1
	r.Question, r.Reason, r.TransferID = question.String, reason.String, transfer.String
	r.Claimant, r.FirstApprover, r.SecondApprover, r.entryID = claimant.Int64, first.Int64, second.Int64, entry.Int64
	r.CreatedAt = time.UnixMicro(created).UTC()
	r.Clocks = Clocks{Complete: micros(complete), Decided: micros(decided), Approved: micros(approved), Sent: micros(sent)}
	r.PaidAt, r.FailedAt, r.ReturnedAt = micros(paid), micros(failed), micros(returned)
	if !r.PaidAt.IsZero() {
		r.UsageDue = UsageDueBy(r.PaidAt)
	}
	return r, nil
}

// load reads payout id, apperr.NotFound KeyUnknown when there is none.
func load(ctx context.Context, tx *store.Tx, id int64) (row, error) {
	r, err := scanRow(tx.QueryRowContext(ctx, "SELECT "+columns+from+"WHERE p.id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, apperr.New(apperr.NotFound, KeyUnknown)
	}
	return r, err
}

// byKey reads the payout user filed under idempotency key, ok false if none.
func byKey(ctx context.Context, tx *store.Tx, userID int64, key string) (row, bool, error) {
	r, err := scanRow(tx.QueryRowContext(ctx, "SELECT "+columns+from+"WHERE p.applicant_user_id = $1 AND p.idem_key = $2", userID, key))
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, false, nil
	}
	return r, err == nil, err
}

// list reads the payouts matching where, oldest first.
func list(ctx context.Context, tx *store.Tx, where string, args ...any) ([]row, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (row, error) { return scanRow(rows) },
		"SELECT "+columns+from+"WHERE "+where+" ORDER BY p.id", args...)
}

// payee unseals the payee's name and account of r.
func payee(ctx context.Context, tx *store.Tx, v *vault.Vault, r row) (sealedPayee, error) {
	key, err := v.Key(ctx, tx, r.keyID)
	if err != nil {
		return sealedPayee{}, err
	}
	plain, err := key.Open(payeeAAD(r.sealToken), r.sealed)
	if err != nil {
		return sealedPayee{}, err
	}
	var p sealedPayee
	err = json.Unmarshal(plain, &p)
	return p, err
}

// newPayout is an application ready to insert.
type newPayout struct {
	Application
	userID       int64
	mode         Mode
	designator   Designator
	hospitalName string
	account      string // normalised digits
	accountIndex string
	contentIndex string
}

// insert writes n as a new payout, requested and complete now (the
// review clock starts), with its materials and its first event.
func insert(ctx context.Context, tx *store.Tx, v *vault.Vault, n newPayout, actor string) (int64, error) {
	key, err := v.NewKey(ctx, tx)
	if err != nil {
		return 0, err
	}
	var tok [16]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return 0, err
	}
	token := hex.EncodeToString(tok[:])
	plain, err := json.Marshal(sealedPayee{Name: n.PayeeName, Account: n.account})
	if err != nil {
		return 0, err
	}
	var rel, des, hname any
	var hid any
	if n.Relationship != "" {
		rel = string(n.Relationship)
	}
	if n.designator != "" {
		des = string(n.designator)
	}
	if n.Payee == ToHospital {
		hid, hname = n.HospitalID, n.hospitalName
	}
	batch := 0
	if n.Batch {
		batch = 1
	}
	now := tx.Now.UnixMicro()
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO payouts (request_id, applicant_user_id, idem_key, content_index, state, mode,
		amount_fen, purpose, payee_kind, relationship, designated_by, hospital_id, hospital_name, bank_name, batch,
		key_id, seal_token, payee_sealed, account_index, account_masked, created_at, complete_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $21) RETURNING id`,
		n.RequestID, n.userID, n.Key, n.contentIndex, Requested, n.mode, int64(n.Amount), n.Purpose, n.Payee, rel, des,
		hid, hname, n.BankName, batch, key.ID, token, key.Seal(payeeAAD(token), plain), n.accountIndex,
		payeeid.MaskAccount(n.account), now).Scan(&id)
	if err != nil {
		return 0, err
	}
	if err := addMaterials(ctx, tx, id, "application", 0, n.Materials); err != nil {
		return 0, err
	}
	return id, event(ctx, tx, id, "", Requested, "apply", actor, "")
}

func addMaterials(ctx context.Context, tx *store.Tx, id int64, purpose string, usageID int64, ids []int64) error {
	var usage any
	if usageID != 0 {
		usage = usageID
	}
	for _, m := range dedupe(ids) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO payout_materials (payout_id, material_id, purpose, usage_id)
			VALUES ($1, $2, $3, $4)`, id, m, purpose, usage); err != nil {
			return err
		}
	}
	return nil
}

func dedupe(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// materialsOf lists the materials payout id refers to for purpose.
func materialsOf(ctx context.Context, tx *store.Tx, id int64, purpose string) ([]int64, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (int64, error) {
		var m int64
		err := rows.Scan(&m)
		return m, err
	}, "SELECT material_id FROM payout_materials WHERE payout_id = $1 AND purpose = $2 ORDER BY material_id", id, purpose)
}

// event appends a move of payout id.
func event(ctx context.Context, tx *store.Tx, id int64, fromState, to State, ev Event, actor, text string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO payout_events (payout_id, from_state, to_state, event, actor, text, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, string(fromState), string(to), string(ev), actor, text, tx.Now.UnixMicro())
	return err
}

// nowMark is the type of txNow.
type nowMark struct{}

// txNow, as a value of move's set, is the transaction's time. It is a
// value of its own type, so that no text (a reason that says "now") can be
// taken for it.
var txNow = nowMark{}

// move applies event ev to payout r, setting the columns in set (column →
// value; txNow stands for the transaction's time) on the row only
// if it is still in r.State, and records the event. A row that moved in
// between is apperr.Conflict KeyState.
func move(ctx context.Context, tx *store.Tx, r row, ev Event, actor, text string, set map[string]any) (State, error) {
	to, err := Next(r.State, ev)
	if err != nil {
		return "", err
	}
	q := "UPDATE payouts SET state = $1"
	args := []any{string(to)}
	cols := make([]string, 0, len(set))
	for c := range set {
		cols = append(cols, c)
	}
	slices.Sort(cols) // a fixed statement text for a fixed set
	for _, c := range cols {
		v := set[c]
		if v == txNow {
			v = tx.Now.UnixMicro()
		}
		args = append(args, v)
		q += ", " + c + " = $" + strconv.Itoa(len(args))
	}
	args = append(args, r.ID, string(r.State))
	q += " WHERE id = $" + strconv.Itoa(len(args)-1) + " AND state = $" + strconv.Itoa(len(args))
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return "", err
	}
	if n, err := res.RowsAffected(); err != nil {
		return "", err
	} else if n != 1 {
		return "", apperr.New(apperr.Conflict, KeyState, string(r.State))
	}
	return to, event(ctx, tx, r.ID, r.State, to, ev, actor, text)
}

// held is the balance of request id's ledger account, read in tx so that
// the amount check and the insert see one state.
func held(ctx context.Context, tx *store.Tx, requestID int64) (money.Fen, error) {
	var b int64
	err := tx.QueryRowContext(ctx, "SELECT balance FROM ledger_accounts WHERE name = $1", requestAccount(requestID)).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return money.Fen(b), err
}

func requestAccount(id int64) string { return "request:" + strconv.FormatInt(id, 10) }
func payableAccount(id int64) string { return "payable:payout:" + strconv.FormatInt(id, 10) }

// raised is what donations brought request id (R-DISB-3).
func raised(ctx context.Context, tx *store.Tx, requestID int64) (money.Fen, error) {
	var b int64
	err := tx.QueryRowContext(ctx, "SELECT raised_fen FROM request_totals WHERE request_id = $1", requestID).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return money.Fen(b), err
}

// inProgress sums the open applications of request id.
func inProgress(ctx context.Context, tx *store.Tx, requestID int64) (money.Fen, error) {
	var b int64
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount_fen), 0) FROM payouts WHERE request_id = $1
		AND state IN ('requested', 'in_review', 'needs_info')`, requestID).Scan(&b)
	return money.Fen(b), err
}

// usageFacts reads the paid payouts of request id and whether each has a
// usage update (R-DISB-4).
func usageFacts(ctx context.Context, tx *store.Tx, requestID int64) ([]UsageFact, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (UsageFact, error) {
		var f UsageFact
		var paid int64
		var n int
		err := rows.Scan(&f.PayoutID, &paid, &n)
		f.Paid, f.Posted = time.UnixMicro(paid).UTC(), n > 0
		return f, err
	}, `SELECT p.id, p.paid_at, (SELECT count(*) FROM payout_usage u WHERE u.payout_id = p.id)
		FROM payouts p WHERE p.request_id = $1 AND p.state = 'paid' ORDER BY p.id`, requestID)
}

// usageOf reads the usage updates of payout id.
func usageOf(ctx context.Context, tx *store.Tx, id int64) ([]UsageUpdate, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (UsageUpdate, error) {
		var u UsageUpdate
		var at int64
		err := rows.Scan(&u.ID, &u.Text, &at, &u.Receipts)
		u.At = time.UnixMicro(at).UTC()
		return u, err
	}, `SELECT u.id, u.body, u.posted_at, (SELECT count(*) FROM payout_materials m WHERE m.usage_id = u.id)
		FROM payout_usage u WHERE u.payout_id = $1 ORDER BY u.id`, id)
}

// insertUsage posts a usage update of payout id with its receipts.
func insertUsage(ctx context.Context, tx *store.Tx, id int64, body, actor string, receipts []int64) error {
	var uid int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO payout_usage (payout_id, body, posted_by, posted_at)
		VALUES ($1, $2, $3, $4) RETURNING id`, id, body, actor, tx.Now.UnixMicro()).Scan(&uid); err != nil {
		return err
	}
	return addMaterials(ctx, tx, id, "usage", uid, receipts)
}

// isRequester reports whether user id is the patient of a request whose
// patient index is patientIndex: their verified identity is the patient's.
func isRequester(ctx context.Context, tx *store.Tx, userID int64, patientIndex string) (bool, error) {
	if patientIndex == "" {
		return false, nil
	}
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM identities WHERE user_id = $1 AND outcome = 'verified'
		AND number_index = $2`, userID, patientIndex).Scan(&n)
	return n > 0, err
}

// relatedStaff lists the staff recorded as related to a request (R-REV-3's
// conflicts, which four eyes on payouts honour too): to its publisher's
// account or to the account of its patient.
func relatedStaff(ctx context.Context, tx *store.Tx, publisher int64, patientIndex string) ([]int64, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (int64, error) {
		var id int64
		err := rows.Scan(&id)
		return id, err
	}, `SELECT DISTINCT c.staff_id FROM review_conflicts c WHERE c.user_id = $1
		OR c.user_id IN (SELECT i.user_id FROM identities i WHERE i.outcome = 'verified' AND i.number_index = $2)
		ORDER BY c.staff_id`, publisher, patientIndex)
}

// sharedWith lists the other requests whose payouts to a person used the
// account of blind index idx, leaving out requests of the same patient
// (R-REF-3: one account across unrelated requests).
func sharedWith(ctx context.Context, tx *store.Tx, idx string, requestID int64, patientIndex string) ([]int64, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (int64, error) {
		var id int64
		err := rows.Scan(&id)
		return id, err
	}, `SELECT DISTINCT p.request_id FROM payouts p JOIN requests r ON r.id = p.request_id
		WHERE p.account_index = $1 AND p.request_id <> $2 AND p.payee_kind <> 'hospital'
		AND (r.patient_index IS NULL OR $3 = '' OR r.patient_index <> $3) ORDER BY p.request_id`, idx, requestID, patientIndex)
}

// activeFinance re-reads a staff member, so that a role changed or an
// account disabled since sign-in counts, and checks they are an active
// finance officer: else apperr.Forbidden KeyNotFinance.
func activeFinance(ctx context.Context, tx *store.Tx, who staff.Staff) (staff.Staff, error) {
	s, err := staff.Get(ctx, tx, who.ID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return staff.Staff{}, apperr.New(apperr.Forbidden, KeyNotFinance)
	}
	if err != nil {
		return staff.Staff{}, err
	}
	if s.Disabled || s.Locked || s.Role != staff.Finance {
		return staff.Staff{}, apperr.New(apperr.Forbidden, KeyNotFinance)
	}
	return s, nil
}

// outcomes reads the statuses recorded for transfer id.
func outcomes(ctx context.Context, tx *store.Tx, transferID string) ([]Status, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Status, error) {
		var s Status
		err := rows.Scan(&s)
		return s, err
	}, "SELECT status FROM payout_outcomes WHERE transfer_id = $1 ORDER BY phase", transferID)
}

// recordOutcome records o for transfer id of payout id.
func recordOutcome(ctx context.Context, tx *store.Tx, transferID string, id int64, o Outcome) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO payout_outcomes (transfer_id, phase, payout_id, status, reason, at, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, transferID, o.Status.Phase(), id, string(o.Status), o.Reason,
		o.At.UnixMicro(), tx.Now.UnixMicro())
	return err
}

// quarantine keeps a contradicting copy of an outcome, once.
func quarantine(ctx context.Context, tx *store.Tx, transferID string, o Outcome) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO payout_outcome_copies (transfer_id, status, reason, at, recorded_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (transfer_id, status, reason, at) DO NOTHING`,
		transferID, string(o.Status), o.Reason, o.At.UnixMicro(), tx.Now.UnixMicro())
	return err
}

// events reads the moves of payout id.
func events(ctx context.Context, tx *store.Tx, id int64) ([]EventRecord, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (EventRecord, error) {
		var e EventRecord
		var at int64
		err := rows.Scan(&e.From, &e.To, &e.Event, &e.Actor, &e.Text, &at)
		e.At = time.UnixMicro(at).UTC()
		return e, err
	}, "SELECT from_state, to_state, event, actor, text, at FROM payout_events WHERE payout_id = $1 ORDER BY id", id)
}
