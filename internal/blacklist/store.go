package blacklist

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/translog"
)

const entryColumns = "id, person_index, masked, reason, evidence, listed_at, listed_by, status, appeal, decision"

// Lookup returns the entry in force for the person with the ID-number
// index, or nil when there is none.
func Lookup(ctx context.Context, tx *store.Tx, index string) (*Entry, error) {
	e, err := scanEntry(tx.QueryRowContext(ctx, "SELECT "+entryColumns+
		" FROM blacklist_entries WHERE person_index = $1 AND status <> 'lifted'", index))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// Check returns apperr.Forbidden "blacklist.listed" when the person with the
// ID-number index is on the list in force, so they may not request help or
// publish (R-BL-1), and nil otherwise.
func Check(ctx context.Context, tx *store.Tx, index string) error {
	e, err := Lookup(ctx, tx, index)
	if err != nil {
		return err
	}
	if e != nil {
		return apperr.New(apperr.Forbidden, "blacklist.listed")
	}
	return nil
}

// Get returns the entry with the ID, in force or not, or apperr.NotFound.
func Get(ctx context.Context, tx *store.Tx, id int64) (Entry, error) {
	e, err := scanEntry(tx.QueryRowContext(ctx, "SELECT "+entryColumns+" FROM blacklist_entries WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, apperr.New(apperr.NotFound, "blacklist.not_found")
	}
	return e, err
}

// List returns the entries with the status, or all of them for an empty
// status, newest first.
func List(ctx context.Context, tx *store.Tx, status Status) ([]Entry, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Entry, error) { return scanEntry(rows) },
		"SELECT "+entryColumns+" FROM blacklist_entries WHERE $1 = '' OR status = $1 ORDER BY id DESC", string(status))
}

// History returns the steps of the entry, oldest first.
func History(ctx context.Context, tx *store.Tx, id int64) ([]Event, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Event, error) {
		var ev Event
		var at int64
		if err := rows.Scan(&at, &ev.Actor, &ev.Action, &ev.Text); err != nil {
			return ev, err
		}
		ev.At = time.UnixMicro(at).UTC()
		return ev, nil
	}, "SELECT at, actor, action, text FROM blacklist_events WHERE entry_id = $1 ORDER BY id", id)
}

// record adds a step to entry e's history and logs it in the transparency
// log (issue 17) in the same transaction, by the entry's blind index as
// the list shares it (Shared), never the masked number or the texts.
func record(ctx context.Context, tx *store.Tx, e Entry, actor, action, text string) error {
	var id int64
	if err := tx.QueryRowContext(ctx, "INSERT INTO blacklist_events (entry_id, at, actor, action, text) VALUES ($1, $2, $3, $4, $5) RETURNING id",
		e.ID, tx.Now.UnixMicro(), actor, action, text).Scan(&id); err != nil {
		return err
	}
	source := translog.BlacklistSource(id)
	data, err := translog.Record{
		Type:      translog.TypeBlacklist,
		Source:    source,
		At:        tx.Now.Unix(),
		Blacklist: &translog.Blacklist{Entry: e.ID, Action: action, Digest: e.Index},
	}.Data()
	if err != nil {
		return err
	}
	return translog.Enqueue(ctx, tx, translog.Pending{Source: source, Data: data})
}

// Add lists a person. Outside tests it runs only as the executor of an
// approved proposal. It returns the Validate errors, and apperr.Conflict
// "blacklist.already_listed" when the person has an entry in force.
func Add(ctx context.Context, tx *store.Tx, c Change, by string) (Entry, error) {
	c = normalize(c)
	c.Action = ActionAdd
	if err := Validate(c); err != nil {
		return Entry{}, err
	}
	if by == "" {
		return Entry{}, errors.New("blacklist: Add needs an actor")
	}
	if cur, err := Lookup(ctx, tx, c.Index); err != nil {
		return Entry{}, err
	} else if cur != nil {
		return Entry{}, apperr.New(apperr.Conflict, "blacklist.already_listed")
	}
	e := Entry{Index: c.Index, Masked: c.Masked, Reason: c.Reason, Evidence: c.Evidence,
		ListedAt: tx.Now.UTC().Truncate(time.Microsecond), ListedBy: by, Status: Listed}
	if err := tx.QueryRowContext(ctx, `INSERT INTO blacklist_entries (person_index, masked, reason, evidence, listed_at, listed_by, status)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		e.Index, e.Masked, e.Reason, e.Evidence, e.ListedAt.UnixMicro(), by, string(Listed)).Scan(&e.ID); err != nil {
		return Entry{}, err
	}
	return e, record(ctx, tx, e, by, ActionAdd, e.Reason)
}

// transition moves the entry from one of the statuses in from to status to,
// recording text as the appeal or the decision. wrong is the error for an
// entry in force in another status.
func transition(ctx context.Context, tx *store.Tx, id int64, from []Status, to Status, wrong *apperr.Error, set string, args ...any) (Entry, error) {
	e, err := Get(ctx, tx, id)
	if err != nil {
		return Entry{}, err
	}
	if !e.Status.InForce() {
		return Entry{}, apperr.New(apperr.Conflict, "blacklist.not_in_force")
	}
	ok := false
	for _, s := range from {
		ok = ok || e.Status == s
	}
	if !ok {
		return Entry{}, wrong
	}
	q := "UPDATE blacklist_entries SET status = $2, " + set + " WHERE id = $1 AND status = $3"
	res, err := tx.ExecContext(ctx, q, append([]any{id, string(to), string(e.Status)}, args...)...)
	if err != nil {
		return Entry{}, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return Entry{}, err
	} else if n != 1 {
		return Entry{}, apperr.New(apperr.Conflict, "blacklist.changed")
	}
	return Get(ctx, tx, id)
}

// Lift takes the entry out of force, whatever its appeal status, with the
// decision's text; the entry and its history stay. Outside tests it runs
// only as the executor of an approved proposal. It returns apperr.Invalid
// for a missing or long decision (field "reason"), apperr.NotFound, and
// apperr.Conflict "blacklist.not_in_force" for an entry lifted already.
func Lift(ctx context.Context, tx *store.Tx, id int64, decision, by string) (Entry, error) {
	decision, err := decisionText(decision)
	if err != nil {
		return Entry{}, err
	}
	e, err := transition(ctx, tx, id, []Status{Listed, Appealed, Upheld}, Lifted, apperr.New(apperr.Conflict, "blacklist.not_in_force"),
		"decision = $4, decided_by = $5, decided_at = $6", decision, by, tx.Now.UnixMicro())
	if err != nil {
		return Entry{}, err
	}
	return e, record(ctx, tx, e, by, ActionLift, decision)
}

// Uphold rejects an appeal: the entry stays in force, with the decision's
// text, and the person may appeal again later. It returns apperr.Invalid
// for a missing or long decision (field "reason"), apperr.NotFound, and
// apperr.Conflict "blacklist.no_appeal" when there is no appeal to decide.
func Uphold(ctx context.Context, tx *store.Tx, id int64, decision, by string) (Entry, error) {
	decision, err := decisionText(decision)
	if err != nil {
		return Entry{}, err
	}
	e, err := transition(ctx, tx, id, []Status{Appealed}, Upheld, apperr.New(apperr.Conflict, "blacklist.no_appeal"),
		"decision = $4, decided_by = $5, decided_at = $6", decision, by, tx.Now.UnixMicro())
	if err != nil {
		return Entry{}, err
	}
	return e, record(ctx, tx, e, by, "uphold", decision)
}

// RecordAppeal records the listed person's appeal against the entry. The
// caller has checked that the appellant is that person. It returns
// apperr.Invalid for a missing or long text (field "appeal"),
// apperr.NotFound, apperr.Conflict "blacklist.appeal_pending" while an
// appeal waits for its decision, and "blacklist.not_in_force" for a lifted
// entry.
func RecordAppeal(ctx context.Context, tx *store.Tx, id int64, appeal string) (Entry, error) {
	appeal = strings.TrimSpace(appeal)
	e := apperr.New(apperr.Invalid, "blacklist.invalid")
	text(e, "appeal", appeal, MaxAppeal, "blacklist.appeal_required")
	if len(e.Fields) > 0 {
		return Entry{}, e
	}
	entry, err := transition(ctx, tx, id, []Status{Listed, Upheld}, Appealed, apperr.New(apperr.Conflict, "blacklist.appeal_pending"),
		"appeal = $4, appealed_at = $5", appeal, tx.Now.UnixMicro())
	if err != nil {
		return Entry{}, err
	}
	return entry, record(ctx, tx, entry, "appellant", "appeal", appeal)
}

// ShareList returns every entry as Shared, lifted ones included so that a
// partner learns of a lifting too, oldest first.
func ShareList(ctx context.Context, tx *store.Tx) ([]Shared, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Shared, error) {
		var s Shared
		var at int64
		var status string
		if err := rows.Scan(&s.Index, &at, &status); err != nil {
			return s, err
		}
		s.ListedAt, s.Status = time.UnixMicro(at).UTC(), Status(status)
		return s, nil
	}, "SELECT person_index, listed_at, status FROM blacklist_entries ORDER BY id")
}
