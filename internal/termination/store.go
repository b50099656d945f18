package termination

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/upload"
	"github.com/carefund/carefund/internal/vault"
)

func micros(t sql.NullInt64) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return time.UnixMicro(t.Int64).UTC()
}

// requestState reads request id's state, or apperr.NotFound KeyRequest.
func requestState(ctx context.Context, tx *store.Tx, id int64) (campaign.State, error) {
	var st campaign.State
	err := tx.QueryRowContext(ctx, "SELECT state FROM requests WHERE id = $1", id).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.New(apperr.NotFound, KeyRequest)
	}
	return st, err
}

// related refuses staff member staffID when review's conflicts record them
// as related to request id's publisher, or to the verified account of its
// patient (R-REV-3, R-STAFF-1), with apperr.Forbidden KeyRelated.
func related(ctx context.Context, tx *store.Tx, staffID, requestID int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM review_conflicts c, requests r
		WHERE r.id = $2 AND c.staff_id = $1 AND (c.user_id = r.publisher_user_id
			OR c.user_id IN (SELECT i.user_id FROM identities i WHERE i.outcome = 'verified' AND i.number_index = r.patient_index))`,
		staffID, requestID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return apperr.New(apperr.Forbidden, KeyRelated)
	}
	return nil
}

// publisherOf returns request id's publisher.
func publisherOf(ctx context.Context, tx *store.Tx, id int64) (int64, error) {
	var u int64
	err := tx.QueryRowContext(ctx, "SELECT publisher_user_id FROM requests WHERE id = $1", id).Scan(&u)
	return u, err
}

// paidOut returns what request id has paid out: its payouts the bank
// reported paid (a returned payout's money is back on the request).
func paidOut(ctx context.Context, tx *store.Tx, id int64) (money.Fen, error) {
	var n int64
	err := tx.QueryRowContext(ctx, "SELECT COALESCE(SUM(amount_fen), 0) FROM payouts WHERE request_id = $1 AND state = 'paid'", id).Scan(&n)
	return money.Fen(n), err
}

const suspensionColumns = `id, request_id, notice, reason, suspended_by, suspended_at, resumed_by, resumed_at, resume_note`

func scanSuspension(row interface{ Scan(...any) error }) (Suspension, error) {
	var s Suspension
	var at int64
	var by, rat sql.NullInt64
	var note sql.NullString
	if err := row.Scan(&s.ID, &s.RequestID, &s.Notice, &s.Reason, &s.SuspendedBy, &at, &by, &rat, &note); err != nil {
		return Suspension{}, err
	}
	s.SuspendedAt, s.ResumedBy, s.ResumedAt, s.ResumeNote = time.UnixMicro(at).UTC(), by.Int64, micros(rat), note.String
	return s, nil
}

// insertSuspension records a suspension of in.RequestID by staff member by.
func insertSuspension(ctx context.Context, tx *store.Tx, in SuspendInput, by int64) (Suspension, error) {
	s := Suspension{RequestID: in.RequestID, Notice: in.Notice, Reason: in.Reason, SuspendedBy: by, SuspendedAt: tx.Now}
	err := tx.QueryRowContext(ctx, `INSERT INTO request_suspensions (request_id, notice, reason, suspended_by, suspended_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, in.RequestID, in.Notice, in.Reason, by, tx.Now.UnixMicro()).Scan(&s.ID)
	return s, err
}

// lastSuspension returns request id's latest suspension, and false when it
// was never suspended.
func lastSuspension(ctx context.Context, tx *store.Tx, id int64) (Suspension, bool, error) {
	s, err := scanSuspension(tx.QueryRowContext(ctx, "SELECT "+suspensionColumns+
		" FROM request_suspensions WHERE request_id = $1 ORDER BY id DESC LIMIT 1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Suspension{}, false, nil
	}
	return s, err == nil, err
}

// resumeSuspension closes request id's open suspension. A request
// suspended without one (through campaign.Store directly, as the demo data
// does) has nothing to close.
func resumeSuspension(ctx context.Context, tx *store.Tx, id, by int64, note string) error {
	_, err := tx.ExecContext(ctx, `UPDATE request_suspensions SET resumed_by = $2, resumed_at = $3, resume_note = $4
		WHERE request_id = $1 AND resumed_at IS NULL`, id, by, tx.Now.UnixMicro(), note)
	return err
}

// listSuspended returns the open suspensions, oldest first.
func listSuspended(ctx context.Context, tx *store.Tx) ([]Suspension, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Suspension, error) { return scanSuspension(rows) },
		"SELECT "+suspensionColumns+" FROM request_suspensions WHERE resumed_at IS NULL ORDER BY id")
}

const terminationColumns = `t.id, t.request_id, t.proposal_id, p.status, t.reason, t.public_reason, t.findings,
	t.patient_involved, t.proposed_by, t.proposed_at, t.approved_by, t.terminated_at, t.paid_out_fen,
	t.receivable_entry_id, t.refund_run, t.followed_up_at`

const terminationFrom = " FROM terminations t JOIN staff_proposals p ON p.id = t.proposal_id "

func scanTermination(row interface{ Scan(...any) error }) (Termination, error) {
	var t Termination
	var status, findings string
	var patient int
	var proposedAt int64
	var approvedBy, terminatedAt, paid, entry, followed sql.NullInt64
	var run sql.NullString
	if err := row.Scan(&t.ID, &t.RequestID, &t.ProposalID, &status, &t.Reason, &t.PublicReason, &findings,
		&patient, &t.ProposedBy, &proposedAt, &approvedBy, &terminatedAt, &paid, &entry, &run, &followed); err != nil {
		return Termination{}, err
	}
	switch status {
	case "approved":
		t.Status = Terminated
	case "rejected":
		t.Status = Rejected
	default:
		t.Status = Proposed
	}
	t.Findings, t.PatientInvolved = splitFindings(findings), patient == 1
	t.ProposedAt, t.ApprovedBy, t.TerminatedAt = time.UnixMicro(proposedAt).UTC(), approvedBy.Int64, micros(terminatedAt)
	t.PaidOut, t.ReceivableEntry, t.RefundRun, t.FollowedUp = money.Fen(paid.Int64), entry.Int64, run.String, followed.Valid
	return t, nil
}

// getTermination returns termination id, or apperr.NotFound KeyNotFound.
func getTermination(ctx context.Context, tx *store.Tx, id int64) (Termination, error) {
	t, err := scanTermination(tx.QueryRowContext(ctx, "SELECT "+terminationColumns+terminationFrom+"WHERE t.id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Termination{}, apperr.New(apperr.NotFound, KeyNotFound)
	}
	return t, err
}

// listTerminations returns the terminations matching where (on t and p),
// newest first.
func listTerminations(ctx context.Context, tx *store.Tx, where string, args ...any) ([]Termination, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Termination, error) { return scanTermination(rows) },
		"SELECT "+terminationColumns+terminationFrom+"WHERE "+where+" ORDER BY t.id DESC", args...)
}

// live returns the termination of request id that is pending or approved,
// and false when there is none.
func live(ctx context.Context, tx *store.Tx, id int64) (Termination, bool, error) {
	all, err := listTerminations(ctx, tx, "t.request_id = $1 AND p.status <> 'rejected'", id)
	if err != nil || len(all) == 0 {
		return Termination{}, false, err
	}
	return all[0], true, nil
}

// insertTermination records proposal p of staff member by as staff
// proposal proposalID.
func insertTermination(ctx context.Context, tx *store.Tx, p Proposal, proposalID, by int64) (int64, error) {
	patient := 0
	if p.PatientInvolved {
		patient = 1
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO terminations (request_id, proposal_id, reason, public_reason, findings,
		patient_involved, proposed_by, proposed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		p.RequestID, proposalID, p.Reason, p.PublicReason, joinFindings(p.Findings), patient, by, tx.Now.UnixMicro()).Scan(&id)
	return id, err
}

// byProposal returns the termination of staff proposal id.
func byProposal(ctx context.Context, tx *store.Tx, id int64) (Termination, error) {
	t, err := scanTermination(tx.QueryRowContext(ctx, "SELECT "+terminationColumns+terminationFrom+"WHERE t.proposal_id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Termination{}, apperr.New(apperr.NotFound, KeyNotFound)
	}
	return t, err
}

// setTerminated records the approval of termination id.
func setTerminated(ctx context.Context, tx *store.Tx, id, by int64, paid money.Fen) error {
	_, err := tx.ExecContext(ctx, `UPDATE terminations SET approved_by = $2, terminated_at = $3, paid_out_fen = $4
		WHERE id = $1 AND terminated_at IS NULL`, id, by, tx.Now.UnixMicro(), int64(paid))
	return err
}

// setReceivable records the receivable's entry of termination id, once.
func setReceivable(ctx context.Context, tx *store.Tx, id, entry int64) error {
	_, err := tx.ExecContext(ctx, "UPDATE terminations SET receivable_entry_id = $2 WHERE id = $1 AND receivable_entry_id IS NULL", id, entry)
	return err
}

// setFollowUp records the refund run of termination id (once) and, when
// done, that its follow-up is complete.
func setFollowUp(ctx context.Context, tx *store.Tx, id int64, run string, done bool) error {
	if run != "" {
		if _, err := tx.ExecContext(ctx, "UPDATE terminations SET refund_run = $2 WHERE id = $1 AND refund_run IS NULL", id, run); err != nil {
			return err
		}
	}
	if done {
		_, err := tx.ExecContext(ctx, "UPDATE terminations SET followed_up_at = $2 WHERE id = $1 AND followed_up_at IS NULL", id, tx.Now.UnixMicro())
		return err
	}
	return nil
}

// tokenSize is the length in bytes of a seal_token.
const tokenSize = 16

func newToken() string {
	var b [tokenSize]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func documentAAD(terminationID int64, token string) string {
	return "termination_documents.content:" + strconv.FormatInt(terminationID, 10) + ":" + token
}

func officerAAD(terminationID int64, token string) string {
	return "police_referrals.officer:" + strconv.FormatInt(terminationID, 10) + ":" + token
}

// insertDocument checks, strips and seals file (form field field) as a
// document of termination id (and of referral referralID when not 0),
// refusing more than MaxDocument per termination (apperr.Conflict).
func insertDocument(ctx context.Context, tx *store.Tx, v *vault.Vault, id, referralID int64, file io.Reader, field string, by int64) (Document, error) {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM termination_documents WHERE termination_id = $1", id).Scan(&n); err != nil {
		return Document{}, err
	}
	if n >= MaxDocument {
		return Document{}, &apperr.Error{Code: apperr.Conflict, Key: "termination.too_many", Args: []any{MaxDocument},
			Fields: []apperr.FieldError{{Field: field, Key: "termination.too_many", Args: []any{MaxDocument}}}}
	}
	if sk, ok := file.(io.Seeker); ok {
		if _, err := sk.Seek(0, io.SeekStart); err != nil {
			return Document{}, fmt.Errorf("termination: rewinding the upload: %w", err)
		}
	}
	ct, raw, err := upload.Check(file, field)
	if err != nil {
		return Document{}, err
	}
	plain, err := upload.Strip(ct, raw)
	if err != nil {
		if e := apperr.As(err); e != nil && len(e.Fields) == 0 {
			e.Fields = []apperr.FieldError{{Field: field, Key: e.Key}}
		}
		return Document{}, err
	}
	key, err := v.NewKey(ctx, tx)
	if err != nil {
		return Document{}, err
	}
	token := newToken()
	d := Document{TerminationID: id, ReferralID: referralID, ContentType: string(ct), Size: len(plain), AddedBy: by, AddedAt: tx.Now}
	ref := sql.NullInt64{Int64: referralID, Valid: referralID != 0}
	err = tx.QueryRowContext(ctx, `INSERT INTO termination_documents (termination_id, referral_id, content_type, size_bytes,
		key_id, seal_token, content_sealed, added_by, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		id, ref, string(ct), len(plain), key.ID, token, key.Seal(documentAAD(id, token), plain), by, tx.Now.UnixMicro()).Scan(&d.ID)
	return d, err
}

const documentColumns = "id, termination_id, referral_id, content_type, size_bytes, added_by, added_at"

func scanDocument(row interface{ Scan(...any) error }, extra ...any) (Document, error) {
	var d Document
	var ref sql.NullInt64
	var at int64
	if err := row.Scan(append([]any{&d.ID, &d.TerminationID, &ref, &d.ContentType, &d.Size, &d.AddedBy, &at}, extra...)...); err != nil {
		return Document{}, err
	}
	d.ReferralID, d.AddedAt = ref.Int64, time.UnixMicro(at).UTC()
	return d, nil
}

// listDocuments returns termination id's documents, oldest first.
func listDocuments(ctx context.Context, tx *store.Tx, id int64) ([]Document, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Document, error) { return scanDocument(rows) },
		"SELECT "+documentColumns+" FROM termination_documents WHERE termination_id = $1 ORDER BY id", id)
}

// openDocument returns document docID of termination id with its content.
func openDocument(ctx context.Context, tx *store.Tx, v *vault.Vault, id, docID int64) (Document, []byte, error) {
	var keyID int64
	var token string
	var sealed []byte
	d, err := scanDocument(tx.QueryRowContext(ctx, "SELECT "+documentColumns+
		", key_id, seal_token, content_sealed FROM termination_documents WHERE termination_id = $1 AND id = $2", id, docID),
		&keyID, &token, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return Document{}, nil, apperr.New(apperr.NotFound, KeyNotFound)
	}
	if err != nil {
		return Document{}, nil, err
	}
	key, err := v.Key(ctx, tx, keyID)
	if err != nil {
		return Document{}, nil, err
	}
	plain, err := key.Open(documentAAD(id, token), sealed)
	if err != nil {
		return Document{}, nil, fmt.Errorf("termination: document %d: %w", docID, err)
	}
	return d, plain, nil
}

// insertReferral seals the officer and records referral in.
func insertReferral(ctx context.Context, tx *store.Tx, v *vault.Vault, in ReferralInput, by int64) (Referral, error) {
	key, err := v.NewKey(ctx, tx)
	if err != nil {
		return Referral{}, err
	}
	token := newToken()
	r := Referral{TerminationID: in.TerminationID, Station: in.Station, ReferredOn: in.ReferredOn, CaseNumber: in.CaseNumber,
		OfficerMasked: MaskOfficer(in.Officer), AddedBy: by, AddedAt: tx.Now}
	err = tx.QueryRowContext(ctx, `INSERT INTO police_referrals (termination_id, station, referred_on, case_number, key_id,
		seal_token, officer_sealed, officer_masked, added_by, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		in.TerminationID, in.Station, in.ReferredOn, in.CaseNumber, key.ID, token,
		key.SealString(officerAAD(in.TerminationID, token), in.Officer), r.OfficerMasked, by, tx.Now.UnixMicro()).Scan(&r.ID)
	return r, err
}

const referralColumns = "id, termination_id, station, referred_on, case_number, officer_masked, added_by, added_at"

func scanReferral(row interface{ Scan(...any) error }, extra ...any) (Referral, error) {
	var r Referral
	var at int64
	if err := row.Scan(append([]any{&r.ID, &r.TerminationID, &r.Station, &r.ReferredOn, &r.CaseNumber, &r.OfficerMasked,
		&r.AddedBy, &at}, extra...)...); err != nil {
		return Referral{}, err
	}
	r.AddedAt = time.UnixMicro(at).UTC()
	return r, nil
}

// listReferrals returns termination id's referrals, oldest first.
func listReferrals(ctx context.Context, tx *store.Tx, id int64) ([]Referral, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Referral, error) { return scanReferral(rows) },
		"SELECT "+referralColumns+" FROM police_referrals WHERE termination_id = $1 ORDER BY id", id)
}

// officer returns the unsealed officer of referral id, with the referral.
func officer(ctx context.Context, tx *store.Tx, v *vault.Vault, id int64) (Referral, string, error) {
	var keyID int64
	var token string
	var sealed []byte
	r, err := scanReferral(tx.QueryRowContext(ctx, "SELECT "+referralColumns+
		", key_id, seal_token, officer_sealed FROM police_referrals WHERE id = $1", id), &keyID, &token, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return Referral{}, "", apperr.New(apperr.NotFound, KeyNotFound)
	}
	if err != nil {
		return Referral{}, "", err
	}
	key, err := v.Key(ctx, tx, keyID)
	if err != nil {
		return Referral{}, "", err
	}
	plain, err := key.OpenString(officerAAD(r.TerminationID, token), sealed)
	if err != nil {
		return Referral{}, "", fmt.Errorf("termination: referral %d: %w", id, err)
	}
	return r, plain, nil
}
