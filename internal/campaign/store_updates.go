package campaign

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/content"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// requestKey returns the data key of request id, or apperr.NotFound. It
// locks nothing, so that it runs in read-only transactions too.
func (s Store) requestKey(ctx context.Context, tx *store.Tx, id int64) (*vault.RecordKey, error) {
	var keyID int64
	err := tx.QueryRowContext(ctx, "SELECT key_id FROM requests WHERE id = $1", id).Scan(&keyID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.Wrap(err, apperr.NotFound, "")
	}
	if err != nil {
		return nil, err
	}
	return s.Vault.Key(ctx, tx, keyID)
}

// PostUpdate stores an update by the publisher of request id, after running
// the wording screen on it (R-REV-4). The body must be valid text of 1 to
// MaxUpdate runes once trimmed (apperr.Invalid KeyUpdateInvalid on field
// "body"). It returns apperr.NotFound when the request is not the
// publisher's, and apperr.Conflict KeyUpdateNotPublished unless the request
// is approved, fundraising, closed or settling.
//
// The body is sealed under the request's key with the update's id in its
// associated data; the id is known only once the row exists, so the row is
// inserted with an empty body and sealed in the same transaction (the
// database lets an empty body be set once, and nothing after).
func (s Store) PostUpdate(ctx context.Context, tx *store.Tx, id, publisherUserID int64, body string) (Update, error) {
	return s.post(ctx, tx, id, publisherUserID, body, nil)
}

// NoteChange posts the public note of a change the publisher made to a
// published request (R-REQ-6), as PostUpdate does, but screens the changed
// text along with the note (changed), so that the patrol sees a change with
// risky wording first (R-REV-4). The changed text itself is published as the
// request's new version, not in the note.
func (s Store) NoteChange(ctx context.Context, tx *store.Tx, id, publisherUserID int64, note string, changed []string) (Update, error) {
	return s.post(ctx, tx, id, publisherUserID, note, changed)
}

func (s Store) post(ctx context.Context, tx *store.Tx, id, publisherUserID int64, body string, alsoScreen []string) (Update, error) {
	var v validator
	v.text("body", body, true, 1, MaxUpdate)
	if v.errs != nil {
		return Update{}, &apperr.Error{Code: apperr.Invalid, Key: KeyUpdateInvalid, Fields: v.errs}
	}
	body = strings.TrimSpace(body)
	r, err := own(ctx, tx, id, publisherUserID)
	if err != nil {
		return Update{}, err
	}
	if !publishable(r.State) {
		return Update{}, apperr.New(apperr.Conflict, KeyUpdateNotPublished)
	}
	req, err := s.open(ctx, tx, r)
	if err != nil {
		return Update{}, err
	}
	// An update is public: it may not undo the masking (R-PUB-1).
	if RevealsIdentity(body, req.Filing) {
		return Update{}, &apperr.Error{Code: apperr.Invalid, Key: KeyUpdateInvalid,
			Fields: []apperr.FieldError{{Field: "body", Key: KeyRevealsIdentity}}}
	}
	key, err := s.Vault.Key(ctx, tx, r.keyID)
	if err != nil {
		return Update{}, err
	}
	flagged, reasons, err := wordingReasons(append([]string{body}, alsoScreen...)...)
	if err != nil {
		return Update{}, err
	}
	// R-CONT-1: an illegal text is refused; any other finding holds the
	// update off the public page until staff clear it.
	screened := strings.Join(append([]string{body}, alsoScreen...), "\n")
	act, err := content.Screen(ctx, tx, screened)
	if err != nil {
		return Update{}, err
	}
	if act == content.ActionRefuse {
		return Update{}, content.Refusal("body")
	}
	if act == content.ActionHold && !flagged {
		flagged, reasons = true, append(reasons, keyContentHeld)
	}
	names, err := json.Marshal(reasons)
	if err != nil {
		return Update{}, err
	}
	level := levelOK
	if flagged {
		level = levelFlagged
	}
	u := Update{RequestID: id, Body: body, PostedBy: "user:" + strconv.FormatInt(publisherUserID, 10), PostedAt: tx.Now,
		Flagged: flagged, Reasons: reasons}
	if err := tx.QueryRowContext(ctx, `INSERT INTO request_updates (request_id, body_sealed, posted_by, posted_at,
		screen_level, screen_reasons) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		id, []byte{}, u.PostedBy, tx.Now.UnixMicro(), level, string(names)).Scan(&u.ID); err != nil {
		return Update{}, fmt.Errorf("campaign: posting an update on request %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE request_updates SET body_sealed = $1 WHERE id = $2",
		key.SealString(updateAAD(u.ID), body), u.ID); err != nil {
		return Update{}, fmt.Errorf("campaign: sealing update %d: %w", u.ID, err)
	}
	if act == content.ActionHold {
		if _, err := content.Check(ctx, tx, content.Candidate{Place: content.PlaceUpdate,
			Ref: strconv.FormatInt(u.ID, 10), Text: screened}); err != nil {
			return Update{}, err
		}
		u.Held = true
	}
	return u, nil
}

// updateColumns are the columns scanUpdate reads, in its order.
const updateColumns = `u.id, u.request_id, u.body_sealed, u.posted_by, u.posted_at, u.screen_level, u.screen_reasons,
	u.checked_by, u.checked_at, u.taken_down_by, u.taken_down_at, u.takedown_reason`

func scanUpdate(sc scanner, extra ...any) (sealedUpdate, error) {
	var u sealedUpdate
	var posted int64
	var level, reasons string
	var checkedBy, downBy, downReason sql.NullString
	var checkedAt, downAt sql.NullInt64
	dest := append([]any{&u.ID, &u.RequestID, &u.sealed, &u.PostedBy, &posted, &level, &reasons,
		&checkedBy, &checkedAt, &downBy, &downAt, &downReason}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return sealedUpdate{}, err
	}
	u.PostedAt = time.UnixMicro(posted).UTC()
	u.Flagged = level == levelFlagged
	if err := json.Unmarshal([]byte(reasons), &u.Reasons); err != nil {
		return sealedUpdate{}, fmt.Errorf("campaign: update %d: screen reasons: %w", u.ID, err)
	}
	if checkedAt.Valid {
		u.Checked, u.CheckedBy, u.CheckedAt = true, checkedBy.String, time.UnixMicro(checkedAt.Int64).UTC()
	}
	if downAt.Valid {
		u.TakenDown, u.TakenDownBy, u.TakenDownAt = true, downBy.String, time.UnixMicro(downAt.Int64).UTC()
		u.TakedownReason = downReason.String
	}
	return u, nil
}

// Updates returns the updates of request id, oldest first, or
// apperr.NotFound when there is no such request. With public true it
// returns what anyone may see: a taken-down update stays in the list, with
// its date, TakenDown and the public reason, but without its body, so that
// nothing vanishes without a trace (R-REQ-6, R-REV-4); the screen's verdict
// and the staff who checked or took down an update are left out.
func (s Store) Updates(ctx context.Context, tx *store.Tx, id int64, public bool) ([]Update, error) {
	key, err := s.requestKey(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	out := []Update{} // never nil: an empty list is an empty list, not null
	list, err := store.All(ctx, tx, func(rows *sql.Rows) (sealedUpdate, error) { return scanUpdate(rows) },
		"SELECT "+updateColumns+" FROM request_updates u WHERE u.request_id = $1 ORDER BY u.id", id)
	if err != nil {
		return nil, err
	}
	refs := make([]string, len(list))
	for i, su := range list {
		refs[i] = strconv.FormatInt(su.ID, 10)
	}
	// The content screen's holds and takedowns (R-CONT-1), after the
	// rows are closed: a transaction runs one query at a time.
	st, err := content.Statuses(ctx, tx, content.PlaceUpdate, refs)
	if err != nil {
		return nil, err
	}
	for _, su := range list {
		c := st[strconv.FormatInt(su.ID, 10)]
		su.Held = c.Held
		if c.TakenDown && !su.TakenDown {
			su.TakenDown, su.TakedownReason = true, c.Reason
		}
		if public {
			su.Flagged, su.Reasons, su.CheckedBy, su.TakenDownBy = false, nil, "", ""
			if su.TakenDown {
				out = append(out, su.Update)
				continue
			}
			if su.Held {
				// Off the public page until staff clear it.
				continue
			}
		}
		u, err := su.open(key)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// PatrolQueue returns up to limit updates nobody has checked or taken down
// yet, across requests: those the wording screen flagged first, then the
// oldest first (R-REV-4).
func (s Store) PatrolQueue(ctx context.Context, tx *store.Tx, limit int) ([]Update, error) {
	if limit <= 0 {
		return nil, nil
	}
	raw, err := store.All(ctx, tx, func(rows *sql.Rows) (sealedUpdate, error) {
		var keyID int64
		su, err := scanUpdate(rows, &keyID)
		su.keyID = keyID
		return su, err
	}, "SELECT "+updateColumns+`, r.key_id
		FROM request_updates u JOIN requests r ON r.id = u.request_id
		WHERE u.checked_at IS NULL AND u.taken_down_at IS NULL
		ORDER BY CASE u.screen_level WHEN $1 THEN 0 ELSE 1 END, u.posted_at, u.id
		LIMIT $2`, levelFlagged, limit)
	if err != nil {
		return nil, err
	}
	// Unseal after the rows are closed: a transaction runs one query at a
	// time. Several updates of one request share its key.
	keys := map[int64]*vault.RecordKey{}
	out := make([]Update, 0, len(raw))
	for _, su := range raw {
		key := keys[su.keyID]
		if key == nil {
			if key, err = s.Vault.Key(ctx, tx, su.keyID); err != nil {
				return nil, err
			}
			keys[su.keyID] = key
		}
		u, err := su.open(key)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// loadUpdate reads update updateID of request requestID, locking it on
// PostgreSQL, or returns apperr.NotFound: an update of another request is
// as good as none.
func loadUpdate(ctx context.Context, tx *store.Tx, requestID, updateID int64) (sealedUpdate, error) {
	q := "SELECT " + updateColumns + " FROM request_updates u WHERE u.id = $1 AND u.request_id = $2"
	if tx.Dialect == store.Postgres {
		q += " FOR UPDATE"
	}
	u, err := scanUpdate(tx.QueryRowContext(ctx, q, updateID, requestID))
	if errors.Is(err, sql.ErrNoRows) {
		return sealedUpdate{}, apperr.Wrap(err, apperr.NotFound, "")
	}
	return u, err
}

// CheckUpdate records that staff member actor looked at the update and
// found nothing to take down, which takes it out of the patrol queue. A
// second check keeps the first (a double click); it returns
// apperr.NotFound when request requestID has no such update.
func (s Store) CheckUpdate(ctx context.Context, tx *store.Tx, requestID, updateID int64, actor string) error {
	u, err := loadUpdate(ctx, tx, requestID, updateID)
	if err != nil {
		return err
	}
	if u.Checked {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "UPDATE request_updates SET checked_by = $1, checked_at = $2 WHERE id = $3",
		actor, tx.Now.UnixMicro(), updateID); err != nil {
		return fmt.Errorf("campaign: checking update %d: %w", updateID, err)
	}
	// A check in the patrol clears the content screen's hold (R-CONT-1).
	return content.Resolve(ctx, tx, content.PlaceUpdate, strconv.FormatInt(updateID, 10), content.StateCleared, actor, "")
}

// TakeDown hides the update's text from the public with a public reason of
// 1 to MaxTakedown runes (apperr.Invalid KeyUpdateInvalid on field
// "reason"); the update stays listed, with the reason (R-REV-4). A takedown
// counts as a check when the update was not checked yet. It returns
// apperr.NotFound as CheckUpdate, and apperr.Conflict KeyUpdateAlreadyDown
// when the update is already taken down: a takedown is never undone or
// replaced.
func (s Store) TakeDown(ctx context.Context, tx *store.Tx, requestID, updateID int64, reason, actor string) error {
	var v validator
	v.text("reason", reason, true, 1, MaxTakedown)
	if v.errs != nil {
		return &apperr.Error{Code: apperr.Invalid, Key: KeyUpdateInvalid, Fields: v.errs}
	}
	reason = strings.TrimSpace(reason)
	u, err := loadUpdate(ctx, tx, requestID, updateID)
	if err != nil {
		return err
	}
	if u.TakenDown {
		return apperr.New(apperr.Conflict, KeyUpdateAlreadyDown)
	}
	now := tx.Now.UnixMicro()
	if _, err := tx.ExecContext(ctx, `UPDATE request_updates SET taken_down_by = $1, taken_down_at = $2, takedown_reason = $3,
		checked_by = COALESCE(checked_by, $1), checked_at = COALESCE(checked_at, $2) WHERE id = $4`,
		actor, now, reason, updateID); err != nil {
		return fmt.Errorf("campaign: taking down update %d: %w", updateID, err)
	}
	return content.Resolve(ctx, tx, content.PlaceUpdate, strconv.FormatInt(updateID, 10), content.StateTakenDown, actor, reason)
}

// UpdateText returns the text of update ref (its id) for the content
// screen's queue (R-CONT-1, content.TextFunc), with the request's review
// page as its link; an unknown update is apperr.NotFound.
func (s Store) UpdateText(ctx context.Context, tx *store.Tx, ref string) (content.Text, error) {
	id, err := strconv.ParseInt(ref, 10, 64)
	if err != nil {
		return content.Text{}, apperr.Wrap(err, apperr.NotFound, "")
	}
	var keyID int64
	su, err := scanUpdate(tx.QueryRowContext(ctx, "SELECT "+updateColumns+`, r.key_id
		FROM request_updates u JOIN requests r ON r.id = u.request_id WHERE u.id = $1`, id), &keyID)
	if errors.Is(err, sql.ErrNoRows) {
		return content.Text{}, apperr.Wrap(err, apperr.NotFound, "")
	}
	if err != nil {
		return content.Text{}, err
	}
	key, err := s.Vault.Key(ctx, tx, keyID)
	if err != nil {
		return content.Text{}, err
	}
	u, err := su.open(key)
	if err != nil {
		return content.Text{}, err
	}
	return content.Text{Body: u.Body, Link: "/staff/review/" + strconv.FormatInt(u.RequestID, 10)}, nil
}
