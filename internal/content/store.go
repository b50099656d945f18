package content

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/screen"
	"github.com/carefund/carefund/internal/store"
)

// termChanges returns every change of the word list, oldest first.
func termChanges(ctx context.Context, tx *store.Tx) ([]TermChange, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (TermChange, error) {
		var c TermChange
		var cat, change string
		var at int64
		err := rows.Scan(&c.ID, &cat, &c.Term.Text, &change, &c.ChangedBy, &at)
		c.Term.Category, c.Removed, c.ChangedAt = screen.Category(cat), change == "remove", time.UnixMicro(at).UTC()
		return c, err
	}, "SELECT id, category, term, change, changed_by, changed_at FROM content_terms ORDER BY id")
}

// insertTermChange appends a change of the word list.
func insertTermChange(ctx context.Context, tx *store.Tx, t screen.Term, removed bool, by string) error {
	change := "add"
	if removed {
		change = "remove"
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO content_terms (category, term, change, changed_by, changed_at)
		VALUES ($1, $2, $3, $4, $5)`, string(t.Category), t.Text, change, by, tx.Now.UnixMicro())
	if err != nil {
		return fmt.Errorf("content: changing the word list: %w", err)
	}
	return nil
}

// Check screens a public text against the word list in force (R-CONT-1),
// inside the caller's transaction, and writes a handling record when it
// finds something: held for staff, or refused. The caller publishes a
// passed text, keeps a held one off public pages (Statuses says which),
// and refuses a refused one with Refusal, committing its transaction so
// that the record stays. A text of no known place, or with an empty ref,
// is apperr.Invalid KeyPlace: a caller's mistake, not the writer's.
func Check(ctx context.Context, tx *store.Tx, c Candidate) (Decision, error) {
	if !c.Place.Valid() || c.Ref == "" || len(c.Ref) > 100 {
		return Decision{}, apperr.New(apperr.Invalid, KeyPlace)
	}
	changes, err := termChanges(ctx, tx)
	if err != nil {
		return Decision{}, err
	}
	f := screen.Harm(c.Text, Terms(changes))
	d := Decision{Action: f.Action(), Categories: f.Categories}
	if d.Action == ActionPass {
		return d, nil
	}
	state := StateHeld
	if d.Action == ActionRefuse {
		state = StateRefused
	}
	terms := make([]string, len(f.Terms))
	for i, t := range f.Terms {
		terms[i] = t.Text
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO content_records (place, ref, categories, terms, action, state, screened_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		string(c.Place), c.Ref, joinCategories(f.Categories), strings.Join(terms, "\n"), string(d.Action), state,
		tx.Now.UnixMicro()).Scan(&d.RecordID)
	if err != nil {
		return Decision{}, fmt.Errorf("content: recording the screening of %s %s: %w", c.Place, c.Ref, err)
	}
	return d, nil
}

// Statuses returns, for the texts of place with the given refs, those a
// public page may not show as they are: held ones and taken-down ones,
// with the public reason, and cleared ones. A ref not in the map is
// public and was never held.
func Statuses(ctx context.Context, tx *store.Tx, place Place, refs []string) (map[string]Status, error) {
	out := map[string]Status{}
	for len(refs) > 0 {
		n := min(len(refs), 200)
		batch := refs[:n]
		refs = refs[n:]
		args := []any{string(place)}
		marks := make([]string, len(batch))
		for i, r := range batch {
			args = append(args, r)
			marks[i] = "$" + strconv.Itoa(i+2)
		}
		in := strings.Join(marks, ", ")
		err := store.Each(ctx, tx, func(rows *sql.Rows) error {
			var ref, state string
			if err := rows.Scan(&ref, &state); err != nil {
				return err
			}
			s := out[ref]
			s.Held = s.Held || state == StateHeld
			s.Cleared = !s.Held && (s.Cleared || state == StateCleared)
			out[ref] = s
			return nil
		}, "SELECT ref, state FROM content_records WHERE place = $1 AND state IN ('held', 'cleared') AND ref IN ("+in+")", args...)
		if err != nil {
			return nil, err
		}
		err = store.Each(ctx, tx, func(rows *sql.Rows) error {
			var ref, reason string
			if err := rows.Scan(&ref, &reason); err != nil {
				return err
			}
			// A takedown ends a hold: the page shows the reason.
			out[ref] = Status{TakenDown: true, Reason: reason}
			return nil
		}, "SELECT ref, reason FROM content_takedowns WHERE place = $1 AND ref IN ("+in+")", args...)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// recordColumns are the columns scanRecord reads, in its order.
const recordColumns = `id, place, ref, categories, terms, action, state, screened_at, handled_by, handled_at, note`

func scanRecord(sc interface{ Scan(...any) error }) (Record, error) {
	var r Record
	var place, cats, terms, action string
	var screened int64
	var by, note sql.NullString
	var at sql.NullInt64
	if err := sc.Scan(&r.ID, &place, &r.Ref, &cats, &terms, &action, &r.State, &screened, &by, &at, &note); err != nil {
		return Record{}, err
	}
	r.Place, r.Categories, r.Action = Place(place), splitCategories(cats), Action(action)
	if terms != "" {
		r.Terms = strings.Split(terms, "\n")
	}
	r.ScreenedAt = time.UnixMicro(screened).UTC()
	r.HandledBy, r.Note = by.String, note.String
	if at.Valid {
		r.HandledAt = time.UnixMicro(at.Int64).UTC()
	}
	return r, nil
}

// records returns up to limit records, newest first, only the held ones
// (oldest first then) with held.
func records(ctx context.Context, tx *store.Tx, held bool, limit int) ([]Record, error) {
	q := "SELECT " + recordColumns + " FROM content_records ORDER BY id DESC LIMIT $1"
	if held {
		q = "SELECT " + recordColumns + " FROM content_records WHERE state = 'held' ORDER BY id LIMIT $1"
	}
	return store.All(ctx, tx, func(rows *sql.Rows) (Record, error) { return scanRecord(rows) }, q, limit)
}

// loadRecord reads record id, locking it on PostgreSQL, or returns
// apperr.NotFound.
func loadRecord(ctx context.Context, tx *store.Tx, id int64) (Record, error) {
	q := "SELECT " + recordColumns + " FROM content_records WHERE id = $1"
	if tx.Dialect == store.Postgres {
		q += " FOR UPDATE"
	}
	r, err := scanRecord(tx.QueryRowContext(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, apperr.Wrap(err, apperr.NotFound, "")
	}
	return r, err
}

// handle marks the held records of place and ref, or the one record id
// when id is not 0, as handled in state.
func handle(ctx context.Context, tx *store.Tx, id int64, place Place, ref, state, by, note string) error {
	var n sql.NullString
	if note != "" {
		n = sql.NullString{String: note, Valid: true}
	}
	q, args := `UPDATE content_records SET state = $1, handled_by = $2, handled_at = $3, note = $4
		WHERE state = 'held' AND place = $5 AND ref = $6`, []any{state, by, tx.Now.UnixMicro(), n, string(place), ref}
	if id != 0 {
		q, args = `UPDATE content_records SET state = $1, handled_by = $2, handled_at = $3, note = $4
		WHERE state = 'held' AND id = $5`, []any{state, by, tx.Now.UnixMicro(), n, id}
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("content: handling %s %s: %w", place, ref, err)
	}
	return nil
}

// Takedown is a public text taken down.
type Takedown struct {
	ID      int64
	Place   Place
	Ref     string
	Reason  string
	TakenBy string
	TakenAt time.Time
}

// takedown returns the takedown of place and ref, or nil.
func takedown(ctx context.Context, tx *store.Tx, place Place, ref string) (*Takedown, error) {
	var t Takedown
	var p string
	var at int64
	err := tx.QueryRowContext(ctx, `SELECT id, place, ref, reason, taken_by, taken_at FROM content_takedowns
		WHERE place = $1 AND ref = $2`, string(place), ref).Scan(&t.ID, &p, &t.Ref, &t.Reason, &t.TakenBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	t.Place, t.TakenAt = Place(p), time.UnixMicro(at).UTC()
	return &t, nil
}

// insertTakedown records a takedown.
func insertTakedown(ctx context.Context, tx *store.Tx, place Place, ref, reason, by string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO content_takedowns (place, ref, reason, taken_by, taken_at)
		VALUES ($1, $2, $3, $4, $5)`, string(place), ref, reason, by, tx.Now.UnixMicro())
	if err != nil {
		return fmt.Errorf("content: taking down %s %s: %w", place, ref, err)
	}
	return nil
}

// takedowns returns up to limit takedowns, newest first.
func takedowns(ctx context.Context, tx *store.Tx, limit int) ([]Takedown, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Takedown, error) {
		var t Takedown
		var p string
		var at int64
		err := rows.Scan(&t.ID, &p, &t.Ref, &t.Reason, &t.TakenBy, &at)
		t.Place, t.TakenAt = Place(p), time.UnixMicro(at).UTC()
		return t, err
	}, "SELECT id, place, ref, reason, taken_by, taken_at FROM content_takedowns ORDER BY id DESC LIMIT $1", limit)
}

// Screen returns what Check would do with text, without recording
// anything: for a caller that records the screening only once the text's
// row exists (Check, after its insert), or refuses it before.
func Screen(ctx context.Context, tx *store.Tx, text string) (Action, error) {
	changes, err := termChanges(ctx, tx)
	if err != nil {
		return "", err
	}
	return screen.Harm(text, Terms(changes)).Action(), nil
}

// Resolve ends the hold of the text of place with ref, if any, as staff
// member by did elsewhere (the patrol of updates): state is StateCleared
// or StateTakenDown, note the reason or the note. It records nothing when
// the text was not held.
func Resolve(ctx context.Context, tx *store.Tx, place Place, ref, state, by, note string) error {
	if state != StateCleared && state != StateTakenDown {
		return fmt.Errorf("content: resolving %s %s: no state %q", place, ref, state)
	}
	return handle(ctx, tx, 0, place, ref, state, by, note)
}
