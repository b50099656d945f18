package winddown

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
)

// WindDown is the switch as recorded. ApprovedAt is zero while the
// proposal waits (or after it was rejected), CompletedAt until every
// request holds nothing.
type WindDown struct {
	ID, ProposalID           int64
	Reason, Notice           string
	WithdrawnOn, MinistryRef string
	ProposedBy, ApprovedBy   int64
	ProposedAt, ApprovedAt   time.Time
	CompletedAt              time.Time
	StartHeld                money.Fen    // undisbursed at approval
	AfterEntry               int64        // the last ledger entry before approval
	Status                   staff.Status // the proposal's
	Schedule                 Schedule
	Live                     bool
}

// Approved reports whether the wind-down is under way or complete.
func (w WindDown) Approved() bool { return !w.ApprovedAt.IsZero() }

const windDownColumns = `w.id, w.proposal_id, w.live, w.reason, w.notice, w.withdrawn_on, w.ministry_ref, w.proposed_by, w.proposed_at,
	w.approved_by, w.approved_at, w.held_at_start_fen, w.after_entry, w.completed_at, p.status`

func scanWindDown(row interface{ Scan(...any) error }) (WindDown, error) {
	var w WindDown
	var live, approvedBy, approvedAt, completedAt sql.NullInt64
	var proposedAt, held int64
	var status string
	if err := row.Scan(&w.ID, &w.ProposalID, &live, &w.Reason, &w.Notice, &w.WithdrawnOn, &w.MinistryRef, &w.ProposedBy, &proposedAt,
		&approvedBy, &approvedAt, &held, &w.AfterEntry, &completedAt, &status); err != nil {
		return WindDown{}, err
	}
	w.Live, w.ApprovedBy, w.StartHeld, w.Status = live.Valid, approvedBy.Int64, money.Fen(held), staff.Status(status)
	w.ProposedAt = time.UnixMicro(proposedAt)
	if approvedAt.Valid {
		w.ApprovedAt = time.UnixMicro(approvedAt.Int64)
		w.Schedule = NewSchedule(w.ApprovedAt)
	}
	if completedAt.Valid {
		w.CompletedAt = time.UnixMicro(completedAt.Int64)
	}
	return w, nil
}

// one returns the wind-down the condition picks, or apperr.NotFound.
func one(ctx context.Context, tx *store.Tx, where string, args ...any) (WindDown, error) {
	w, err := scanWindDown(tx.QueryRowContext(ctx, `SELECT `+windDownColumns+`
		FROM wind_downs w JOIN staff_proposals p ON p.id = w.proposal_id WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return WindDown{}, apperr.Wrap(err, apperr.NotFound, KeyNotFound)
	}
	return w, err
}

// live returns the live wind-down (proposed or approved), first setting
// aside one whose proposal was rejected on the approvals page; ok is false
// when there is none.
func live(ctx context.Context, tx *store.Tx) (WindDown, bool, error) {
	w, err := one(ctx, tx, "w.live = 1")
	if apperr.CodeOf(err) == apperr.NotFound {
		return WindDown{}, false, nil
	}
	if err != nil {
		return WindDown{}, false, err
	}
	if w.Status == staff.Rejected {
		if _, err := tx.ExecContext(ctx, "UPDATE wind_downs SET live = NULL WHERE id = $1", w.ID); err != nil {
			return WindDown{}, false, err
		}
		return WindDown{}, false, nil
	}
	return w, true, nil
}

// current returns the approved wind-down, or ok false.
func current(ctx context.Context, tx *store.Tx) (WindDown, bool, error) {
	w, err := one(ctx, tx, "w.live = 1 AND w.approved_at IS NOT NULL")
	if apperr.CodeOf(err) == apperr.NotFound {
		return WindDown{}, false, nil
	}
	return w, err == nil, err
}

func insertWindDown(ctx context.Context, tx *store.Tx, p Proposal, proposal, by int64) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO wind_downs (proposal_id, live, reason, notice, withdrawn_on, ministry_ref, proposed_by, proposed_at)
		VALUES ($1, 1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		proposal, p.Reason, p.Notice, p.WithdrawnOn, p.MinistryRef, by, tx.Now.UnixMicro()).Scan(&id)
	if err != nil && strings.Contains(strings.ToLower(err.Error()), "unique") {
		// Another admin proposed at the same moment: wind_downs.live.
		return 0, apperr.Wrap(err, apperr.Conflict, KeyLive)
	}
	return id, err
}

func setApproved(ctx context.Context, tx *store.Tx, id, by int64, s Schedule, held money.Fen, after int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE wind_downs SET approved_by = $2, approved_at = $3, refund_from = $4, deadline = $5,
		held_at_start_fen = $6, after_entry = $7 WHERE id = $1 AND approved_at IS NULL`,
		id, by, s.Start.UnixMicro(), s.RefundFrom.UnixMicro(), s.Deadline.UnixMicro(), int64(held), after)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return apperr.New(apperr.Conflict, KeyLive)
	}
	return nil
}

func setCompleted(ctx context.Context, tx *store.Tx, id int64) error {
	_, err := tx.ExecContext(ctx, "UPDATE wind_downs SET completed_at = $2 WHERE id = $1 AND completed_at IS NULL", id, tx.Now.UnixMicro())
	return err
}

// openRequests returns the requests that may still raise money: approved
// (the channel not open yet) or fundraising.
func openRequests(ctx context.Context, tx *store.Tx) ([]int64, error) {
	return store.All(ctx, tx, scanID, "SELECT id FROM requests WHERE state IN ($1, $2) ORDER BY id",
		string(campaign.Approved), string(campaign.Fundraising))
}

func scanID(rows *sql.Rows) (int64, error) {
	var id int64
	err := rows.Scan(&id)
	return id, err
}

// holdingRequests returns the requests that hold money in the ledger:
// their own account, an approved payout not executed, or a refund not
// paid back.
func holdingRequests(ctx context.Context, tx *store.Tx) ([]int64, error) {
	return store.All(ctx, tx, scanID, `
		SELECT CAST(substr(a.name, 9) AS BIGINT) FROM ledger_accounts a WHERE a.name LIKE 'request:%' AND a.balance <> 0
		UNION SELECT p.request_id FROM payouts p JOIN ledger_accounts a ON a.name = 'payable:payout:' || CAST(p.id AS TEXT) WHERE a.balance <> 0
		UNION SELECT r.request_id FROM refund_runs r JOIN ledger_accounts a ON a.name = 'payable:refund:' || CAST(r.id AS TEXT) WHERE a.balance <> 0
		ORDER BY 1`)
}

// holdingColumns reads a request's Holding from the ledger; the request's
// id is w.request_id.
const holdingColumns = `
	COALESCE((SELECT a.balance FROM ledger_accounts a WHERE a.name = 'request:' || CAST(w.request_id AS TEXT)), 0),
	COALESCE((SELECT CAST(SUM(a.balance) AS BIGINT) FROM payouts p JOIN ledger_accounts a ON a.name = 'payable:payout:' || CAST(p.id AS TEXT)
		WHERE p.request_id = w.request_id), 0),
	COALESCE((SELECT CAST(SUM(a.balance) AS BIGINT) FROM refund_runs r JOIN ledger_accounts a ON a.name = 'payable:refund:' || CAST(r.id AS TEXT)
		WHERE r.request_id = w.request_id), 0)`

// holding returns what request id holds now.
func holding(ctx context.Context, tx *store.Tx, id int64) (Holding, error) {
	var h Holding
	var req, pay, ref int64
	err := tx.QueryRowContext(ctx, `SELECT `+holdingColumns+` FROM (SELECT CAST($1 AS BIGINT) AS request_id) w`, id).Scan(&req, &pay, &ref)
	h.Request, h.Payouts, h.Refunds = money.Fen(req), money.Fen(pay), money.Fen(ref)
	return h, err
}

func insertRequest(ctx context.Context, tx *store.Tx, windDown, request int64, state campaign.State, held money.Fen) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO wind_down_requests (wind_down_id, request_id, state_at_start, held_at_start_fen)
		VALUES ($1, $2, $3, $4) ON CONFLICT (request_id) DO NOTHING`, windDown, request, string(state), int64(held))
	return err
}

// Row is one request of the wind-down with what it holds now.
type Row struct {
	RequestID    int64
	StateAtStart campaign.State
	HeldAtStart  money.Fen
	Holding
	DoneAt time.Time
}

// rows returns the requests of the wind-down (those where picks, with
// args) with their holding, by id.
func rows(ctx context.Context, tx *store.Tx, where string, args ...any) ([]Row, error) {
	return store.All(ctx, tx, func(rs *sql.Rows) (Row, error) {
		var r Row
		var state string
		var held, req, pay, ref int64
		var run, asked, done sql.NullInt64
		err := rs.Scan(&r.RequestID, &state, &held, &run, &asked, &done, &req, &pay, &ref)
		r.StateAtStart, r.HeldAtStart, r.RefundRun, r.Asked = campaign.State(state), money.Fen(held), run.Int64, asked.Valid
		r.Request, r.Payouts, r.Refunds = money.Fen(req), money.Fen(pay), money.Fen(ref)
		if done.Valid {
			r.DoneAt = time.UnixMicro(done.Int64)
		}
		return r, err
	}, `SELECT w.request_id, w.state_at_start, w.held_at_start_fen, w.refund_run, w.refund_asked_at, w.done_at, `+holdingColumns+`
		FROM wind_down_requests w `+where+` ORDER BY w.request_id`, args...)
}

// publisherOf returns request id's publisher, or apperr.NotFound.
func publisherOf(ctx context.Context, tx *store.Tx, id int64) (int64, error) {
	var u int64
	err := tx.QueryRowContext(ctx, "SELECT publisher_user_id FROM requests WHERE id = $1", id).Scan(&u)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, apperr.Wrap(err, apperr.NotFound, KeyNotFound)
	}
	return u, err
}

func setAsked(ctx context.Context, tx *store.Tx, request int64) error {
	_, err := tx.ExecContext(ctx, "UPDATE wind_down_requests SET refund_asked_at = $2 WHERE request_id = $1 AND refund_asked_at IS NULL",
		request, tx.Now.UnixMicro())
	return err
}

func setRefundRun(ctx context.Context, tx *store.Tx, request, run int64) error {
	_, err := tx.ExecContext(ctx, "UPDATE wind_down_requests SET refund_run = $2 WHERE request_id = $1 AND refund_run IS NULL", request, run)
	return err
}

func setDone(ctx context.Context, tx *store.Tx, request int64) error {
	_, err := tx.ExecContext(ctx, "UPDATE wind_down_requests SET done_at = $2 WHERE request_id = $1 AND done_at IS NULL", request, tx.Now.UnixMicro())
	return err
}

// lastEntry returns the id of the ledger's last entry.
func lastEntry(ctx context.Context, tx *store.Tx) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM ledger_entries").Scan(&id)
	return id, err
}

// figures reads the wind-down's money from the ledger after entry after: what
// arrived, what was paid out (the custody account's payments of payouts,
// net of returns and reversals), paid back and sent to charity, and what
// all requests hold now.
func figures(ctx context.Context, tx *store.Tx, after int64, heldAtStart money.Fen) (Figures, error) {
	f := Figures{HeldAtStart: heldAtStart}
	var received, paid, refunded, charity, held int64
	err := tx.QueryRowContext(ctx, `SELECT
		COALESCE((SELECT CAST(SUM(-p.amount) AS BIGINT) FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id
			JOIN ledger_accounts a ON a.id = p.account_id
			WHERE p.entry_id > $1 AND e.kind = 'donation' AND a.name LIKE 'request:%'), 0),
		COALESCE((SELECT CAST(SUM(-p.amount) AS BIGINT) FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id
			JOIN ledger_accounts a ON a.id = p.account_id
			WHERE p.entry_id > $1 AND a.name = 'bank:custody' AND (e.kind = 'payout_return' OR EXISTS (
				SELECT 1 FROM ledger_postings q JOIN ledger_accounts b ON b.id = q.account_id
				WHERE q.entry_id = e.id AND b.name LIKE 'payable:payout:%'))), 0),
		COALESCE((SELECT CAST(SUM(-p.amount) AS BIGINT) FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id
			JOIN ledger_accounts a ON a.id = p.account_id
			WHERE p.entry_id > $1 AND e.kind = 'refund_paid' AND a.name LIKE 'psp:%'), 0),
		COALESCE((SELECT CAST(SUM(-p.amount) AS BIGINT) FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id
			JOIN ledger_accounts a ON a.id = p.account_id
			WHERE p.entry_id > $1 AND e.kind = 'refund_to_charity' AND a.name = 'charity:payable'), 0),
		COALESCE((SELECT CAST(SUM(a.balance) AS BIGINT) FROM ledger_accounts a
			WHERE a.name LIKE 'request:%' OR a.name LIKE 'payable:payout:%' OR a.name LIKE 'payable:refund:%'), 0)`,
		after).Scan(&received, &paid, &refunded, &charity, &held)
	if err != nil {
		return Figures{}, fmt.Errorf("winddown: reading the figures: %w", err)
	}
	f.Received, f.PaidOut, f.Refunded, f.ToCharity, f.Held = money.Fen(received), money.Fen(paid), money.Fen(refunded), money.Fen(charity), money.Fen(held)
	return f, nil
}
