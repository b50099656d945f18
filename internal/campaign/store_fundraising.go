package campaign

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

// OpenFundraising opens the fundraising channel of approved request id for
// period (zero means DefaultPeriod): CanOpenFundraising(o) first, whose
// apperr.Conflict errors are returned as they are (R-REQ-4, R-REQ-5), then
// the change of state Open, recorded, and the channel with its deadline. It
// returns apperr.NotFound, or apperr.Conflict KeyTransition when the request
// is not approved.
//
// o.Target is never taken below the request's own target: the cap of
// R-REQ-4 applies to what the request asks for, whatever the caller passed.
func (s Store) OpenFundraising(ctx context.Context, tx *store.Tx, id int64, o Opening, period time.Duration, actor string) (Channel, error) {
	if period < 0 {
		return Channel{}, fmt.Errorf("campaign: negative fundraising period %v", period)
	}
	if period == 0 {
		period = DefaultPeriod
	}
	var target int64
	if err := tx.QueryRowContext(ctx, "SELECT target_fen FROM requests WHERE id = $1", id).Scan(&target); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Channel{}, apperr.Wrap(err, apperr.NotFound, "")
		}
		return Channel{}, err
	}
	o.Target = max(o.Target, money.Fen(target))
	if err := CanOpenFundraising(o); err != nil {
		return Channel{}, err
	}
	if _, err := s.Apply(ctx, tx, id, Open, actor, ""); err != nil {
		return Channel{}, err
	}
	f := Channel{RequestID: id, OpenedAt: tx.Now, Deadline: tx.Now.Add(period)}
	if _, err := tx.ExecContext(ctx, `INSERT INTO request_fundraising (request_id, opened_at, deadline, extensions)
		VALUES ($1, $2, $3, 0)`, id, f.OpenedAt.UnixMicro(), f.Deadline.UnixMicro()); err != nil {
		return Channel{}, fmt.Errorf("campaign: opening the channel of request %d: %w", id, err)
	}
	return f, nil
}

// Fundraising returns the channel of request id, or apperr.NotFound when it
// never opened (nor closed before opening).
func (s Store) Fundraising(ctx context.Context, tx *store.Tx, id int64) (Channel, error) {
	var f Channel
	var opened, deadline int64
	var closedAt sql.NullInt64
	var reason, cause, by, note sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT request_id, opened_at, deadline, extensions, closed_at, close_reason, close_cause,
		closed_by, close_note FROM request_fundraising WHERE request_id = $1`, id).Scan(&f.RequestID, &opened, &deadline,
		&f.Extensions, &closedAt, &reason, &cause, &by, &note)
	if errors.Is(err, sql.ErrNoRows) {
		return Channel{}, apperr.Wrap(err, apperr.NotFound, "")
	}
	if err != nil {
		return Channel{}, err
	}
	f.OpenedAt = time.UnixMicro(opened).UTC()
	f.Deadline = time.UnixMicro(deadline).UTC()
	if closedAt.Valid {
		f.Closed = true
		f.ClosedAt = time.UnixMicro(closedAt.Int64).UTC()
	}
	f.Closing = Closing{Reason: CloseReason(reason.String), Cause: GoneCause(cause.String)}
	f.ClosedBy, f.Note = by.String, note.String
	return f, nil
}

// Extend moves the deadline of request id by ExtensionPeriod, once
// (CanExtend), while it is fundraising and before its deadline (R-PUB-4).
// Otherwise it returns apperr.Conflict KeyNoExtension, or apperr.NotFound.
// The life cycle has no event for it: the channel's row records who
// extended it and when.
func (s Store) Extend(ctx context.Context, tx *store.Tx, id int64, actor string) (Channel, error) {
	r, err := load(ctx, tx, id)
	if err != nil {
		return Channel{}, err
	}
	if r.State != Fundraising {
		return Channel{}, apperr.New(apperr.Conflict, KeyNoExtension)
	}
	f, err := s.Fundraising(ctx, tx, id)
	if err != nil {
		return Channel{}, err
	}
	if f.Closed || !CanExtend(f.Extensions) || !tx.Now.Before(f.Deadline) {
		return Channel{}, apperr.New(apperr.Conflict, KeyNoExtension)
	}
	deadline := f.Deadline.Add(ExtensionPeriod)
	// The WHERE repeats the checks, so that two extensions racing on
	// SQLite's single writer or PostgreSQL's lock cannot both count.
	res, err := tx.ExecContext(ctx, `UPDATE request_fundraising SET extensions = extensions + 1, deadline = $1,
		extended_by = $2, extended_at = $3 WHERE request_id = $4 AND extensions = $5 AND closed_at IS NULL`,
		deadline.UnixMicro(), actor, tx.Now.UnixMicro(), id, f.Extensions)
	if err != nil {
		return Channel{}, fmt.Errorf("campaign: extending the channel of request %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return Channel{}, err
	} else if n != 1 {
		return Channel{}, apperr.New(apperr.Conflict, KeyNoExtension)
	}
	f.Extensions++
	f.Deadline = deadline
	return f, nil
}

// Close closes the channel of an approved or fundraising request id with
// c, which must pass c.Validate() (apperr.Invalid on field "reason" or
// "cause"), and an optional public note of at most MaxCloseNote runes
// (apperr.Invalid KeyFundraisingInvalid on field "note"). The change of
// state Close is recorded with c.PublicKey() as its reason, and the closing
// in the channel's row; a request closed before its channel opened gets a
// row opened and closed at once. It returns apperr.NotFound, or
// apperr.Conflict KeyTransition in any other state (a second click on
// "close" included).
func (s Store) Close(ctx context.Context, tx *store.Tx, id int64, c Closing, note, actor string) (Channel, error) {
	if err := c.Validate(); err != nil {
		return Channel{}, err
	}
	var v validator
	v.text("note", note, false, 0, MaxCloseNote)
	if v.errs != nil {
		return Channel{}, &apperr.Error{Code: apperr.Invalid, Key: KeyFundraisingInvalid, Fields: v.errs}
	}
	note = strings.TrimSpace(note)
	r, err := load(ctx, tx, id)
	if err != nil {
		return Channel{}, err
	}
	if note != "" {
		// The note is public: it may not undo the masking (R-PUB-1).
		req, err := s.open(ctx, tx, r)
		if err != nil {
			return Channel{}, err
		}
		if RevealsIdentity(note, req.Filing) {
			return Channel{}, &apperr.Error{Code: apperr.Invalid, Key: KeyFundraisingInvalid,
				Fields: []apperr.FieldError{{Field: "note", Key: KeyRevealsIdentity}}}
		}
	}
	prior := r.State
	if _, err := s.Apply(ctx, tx, id, Close, actor, c.PublicKey()); err != nil {
		return Channel{}, err
	}
	now := tx.Now.UnixMicro()
	closed := int64(0)
	if prior == Fundraising {
		res, err := tx.ExecContext(ctx, `UPDATE request_fundraising SET closed_at = $1, close_reason = $2, close_cause = $3,
			closed_by = $4, close_note = $5 WHERE request_id = $6 AND closed_at IS NULL`,
			now, c.Reason, nullable(string(c.Cause)), actor, nullable(note), id)
		if err != nil {
			return Channel{}, fmt.Errorf("campaign: closing the channel of request %d: %w", id, err)
		}
		if closed, err = res.RowsAffected(); err != nil {
			return Channel{}, err
		}
	}
	// Closed before it opened, or opened by Apply(Open) alone, without
	// OpenFundraising: the closing is recorded all the same.
	if closed == 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO request_fundraising (request_id, opened_at, deadline, extensions,
			closed_at, close_reason, close_cause, closed_by, close_note) VALUES ($1, $2, $2, 0, $2, $3, $4, $5, $6)`,
			id, now, c.Reason, nullable(string(c.Cause)), actor, nullable(note)); err != nil {
			return Channel{}, fmt.Errorf("campaign: closing request %d: %w", id, err)
		}
	}
	return s.Fundraising(ctx, tx, id)
}

// CloseExpired closes, with PeriodEnded and actor SystemActor, every
// fundraising request whose deadline is at or before now, and returns their
// ids in order. Run again, it finds nothing more to close.
func (s Store) CloseExpired(ctx context.Context, tx *store.Tx, now time.Time) ([]int64, error) {
	ids, err := store.All(ctx, tx, func(rows *sql.Rows) (int64, error) {
		var id int64
		err := rows.Scan(&id)
		return id, err
	}, `SELECT f.request_id FROM request_fundraising f JOIN requests r ON r.id = f.request_id
		WHERE f.closed_at IS NULL AND f.deadline <= $1 AND r.state = $2 ORDER BY f.request_id`, now.UnixMicro(), Fundraising)
	if err != nil {
		return nil, err
	}
	// Close after the rows are closed: a transaction runs one query at a time.
	for _, id := range ids {
		if _, err := s.Close(ctx, tx, id, Closing{Reason: PeriodEnded}, "", SystemActor); err != nil {
			return nil, fmt.Errorf("campaign: closing expired request %d: %w", id, err)
		}
	}
	return ids, nil
}

// CloseIfReached closes request id with TargetReached, actor SystemActor,
// when it is fundraising and raised is at least its target, and reports
// whether it closed it. Any other state is no error: a donation confirmed
// after the channel closed must not fail for it.
func (s Store) CloseIfReached(ctx context.Context, tx *store.Tx, id int64, raised money.Fen) (bool, error) {
	var state State
	var target int64
	err := tx.QueryRowContext(ctx, "SELECT state, target_fen FROM requests WHERE id = $1", id).Scan(&state, &target)
	if errors.Is(err, sql.ErrNoRows) {
		return false, apperr.Wrap(err, apperr.NotFound, "")
	}
	if err != nil {
		return false, err
	}
	if state != Fundraising || raised < money.Fen(target) {
		return false, nil
	}
	if _, err := s.Close(ctx, tx, id, Closing{Reason: TargetReached}, "", SystemActor); err != nil {
		return false, err
	}
	return true, nil
}

// Listed returns up to limit published requests for the home page: the
// fundraising ones first, newest opened first; then those approved and
// waiting for their channel; then the closed and settling ones, most
// recently closed first.
func (s Store) Listed(ctx context.Context, tx *store.Tx, limit int) ([]Card, error) {
	if limit <= 0 {
		return nil, nil
	}
	out := []Card{} // never nil: an empty list is an empty list, not null
	err := store.Each(ctx, tx, func(rows *sql.Rows) error {
		var c Card
		var target int64
		var deadline sql.NullInt64
		if err := rows.Scan(&c.ID, &c.Title, &target, &c.State, &deadline); err != nil {
			return err
		}
		c.Target = money.Fen(target)
		if deadline.Valid {
			c.Deadline = time.UnixMicro(deadline.Int64).UTC()
		}
		out = append(out, c)
		return nil
	}, `SELECT r.id, r.title, r.target_fen, r.state, f.deadline
		FROM requests r LEFT JOIN request_fundraising f ON f.request_id = r.id
		WHERE r.state IN ($1, $2, $3, $4)
		ORDER BY CASE r.state WHEN $1 THEN 0 WHEN $2 THEN 1 ELSE 2 END,
			COALESCE(f.closed_at, f.opened_at, r.updated_at) DESC, r.id DESC
		LIMIT $5`, Fundraising, Approved, Closed, Settling, limit)
	if err != nil {
		return nil, err
	}
	return out, nil
}
