package incident

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/store"
)

// Open validates in, finds the people affected in the audit log, and stores
// the incident, open, as opened by by (an audit Actor, e.g. "staff:3"). It
// returns apperr.Invalid with field messages when in is wrong.
func Open(ctx context.Context, tx *store.Tx, in Input, by string) (Incident, error) {
	if err := in.Validate(); err != nil {
		return Incident{}, err
	}
	if by == "" {
		return Incident{}, errors.New("incident: Open needs the actor who opens it")
	}
	inc := Incident{
		Type:         in.Type,
		Title:        strings.TrimSpace(in.Title),
		Description:  strings.TrimSpace(in.Description),
		Status:       StatusOpen,
		OpenedBy:     by,
		OpenedAt:     tx.Now,
		SuspectActor: strings.TrimSpace(in.SuspectActor),
		From:         in.From.UTC().Truncate(time.Microsecond),
		To:           in.To.UTC().Truncate(time.Microsecond),
	}
	var err error
	inc.Affected, err = audit.Objects(ctx, tx, audit.Filter{Actor: inc.SuspectActor, Action: "pii.", From: inc.From, To: inc.To})
	if err != nil {
		return Incident{}, err
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO incidents (kind, title, description, status, opened_by, opened_at, suspect_actor, scope_from, scope_to)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		inc.Type, inc.Title, inc.Description, inc.Status, inc.OpenedBy, inc.OpenedAt.UnixMicro(), inc.SuspectActor,
		inc.From.UnixMicro(), inc.To.UnixMicro()).Scan(&inc.ID); err != nil {
		return Incident{}, fmt.Errorf("incident: storing: %w", err)
	}
	for _, o := range inc.Affected {
		if _, err := tx.ExecContext(ctx, "INSERT INTO incident_affected (incident_id, object) VALUES ($1, $2)", inc.ID, o); err != nil {
			return Incident{}, fmt.Errorf("incident %d: storing the people affected: %w", inc.ID, err)
		}
	}
	return inc, nil
}

// AddStep records a remediation, a notice or a note on incident id. It
// returns apperr.Invalid for a wrong kind or text ("kind", "text"),
// apperr.NotFound for no such incident and apperr.Conflict once it is
// closed.
func AddStep(ctx context.Context, tx *store.Tx, id int64, kind, text, by string) (Incident, error) {
	var fields []apperr.FieldError
	if !slices.Contains(Kinds, kind) {
		fields = append(fields, apperr.FieldError{Field: "kind", Key: "incident.kind_invalid"})
	}
	text = strings.TrimSpace(text)
	switch {
	case !validText(text):
		fields = append(fields, apperr.FieldError{Field: "text", Key: "incident.chars"})
	case text == "":
		fields = append(fields, apperr.FieldError{Field: "text", Key: "incident.text_empty"})
	case utf8.RuneCountInString(text) > MaxText:
		fields = append(fields, apperr.FieldError{Field: "text", Key: "incident.text_long", Args: []any{MaxText}})
	}
	if len(fields) > 0 {
		return Incident{}, &apperr.Error{Code: apperr.Invalid, Key: "incident.invalid", Fields: fields}
	}
	if by == "" {
		return Incident{}, errors.New("incident: AddStep needs the actor who adds it")
	}
	status, err := lockStatus(ctx, tx, id)
	if err != nil {
		return Incident{}, err
	}
	if status == StatusClosed {
		return Incident{}, apperr.New(apperr.Conflict, "incident.closed")
	}
	if err := addStep(ctx, tx, id, kind, text, by); err != nil {
		return Incident{}, err
	}
	return Get(ctx, tx, id)
}

// SetStatus moves incident id forward to s. Moving back, or to where it is,
// returns apperr.Conflict; so does moving to contained or closed before a
// remediation step, and to notified or closed before the authority and
// every person affected were told (CheckNotified, R-PII-3). An unknown s
// returns apperr.Invalid, no such incident apperr.NotFound.
func SetStatus(ctx context.Context, tx *store.Tx, id int64, s Status, by string) (Incident, error) {
	if s.rank() < 0 {
		return Incident{}, apperr.New(apperr.Invalid, "incident.status_unknown")
	}
	if by == "" {
		return Incident{}, errors.New("incident: SetStatus needs the actor who sets it")
	}
	cur, err := lockStatus(ctx, tx, id)
	if err != nil {
		return Incident{}, err
	}
	if s.rank() <= cur.rank() {
		return Incident{}, apperr.New(apperr.Conflict, "incident.status_backward")
	}
	n, err := stepCounts(ctx, tx, id)
	if err != nil {
		return Incident{}, err
	}
	if (s == StatusContained || s == StatusClosed) && n[KindRemediation] == 0 {
		return Incident{}, apperr.New(apperr.Conflict, "incident.needs_remediation")
	}
	if s == StatusNotified || s == StatusClosed {
		inc, err := Get(ctx, tx, id)
		if err != nil {
			return Incident{}, err
		}
		if err := CheckNotified(inc.Affected, inc.Notices); err != nil {
			return Incident{}, err
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE incidents SET status = $1 WHERE id = $2", s, id); err != nil {
		return Incident{}, fmt.Errorf("incident %d: setting the status: %w", id, err)
	}
	if err := addStep(ctx, tx, id, KindStatus, string(s), by); err != nil {
		return Incident{}, err
	}
	return Get(ctx, tx, id)
}

// RecordNotice records a notice of incident id to the authority or to one
// person affected, sent by by, and adds its step to the incident's record
// (KindNoticeRegulator or KindNoticePeople). It returns apperr.Invalid with
// field messages for wrong input (NoticeInput.Validate), apperr.NotFound
// for no such incident and apperr.Conflict once it is closed.
func RecordNotice(ctx context.Context, tx *store.Tx, id int64, in NoticeInput, by string) (Incident, error) {
	if by == "" {
		return Incident{}, errors.New("incident: RecordNotice needs the actor who sent it")
	}
	status, err := lockStatus(ctx, tx, id)
	if err != nil {
		return Incident{}, err
	}
	if status == StatusClosed {
		return Incident{}, apperr.New(apperr.Conflict, "incident.closed")
	}
	affected, err := affectedOf(ctx, tx, id)
	if err != nil {
		return Incident{}, err
	}
	if err := in.Validate(affected, tx.Now); err != nil {
		return Incident{}, err
	}
	n := Notice{Audience: in.Audience, Recipient: strings.TrimSpace(in.Recipient), Reference: strings.TrimSpace(in.Reference),
		Channel: in.Channel, SentAt: in.SentAt.UTC().Truncate(time.Microsecond), SentBy: by, Outcome: in.Outcome,
		Note: strings.TrimSpace(in.Note)}
	if _, err := tx.ExecContext(ctx, `INSERT INTO incident_notices
		(incident_id, audience, recipient, reference, channel, sent_at, sent_by, outcome, note, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		id, n.Audience, n.Recipient, n.Reference, n.Channel, n.SentAt.UnixMicro(), n.SentBy, n.Outcome, n.Note,
		tx.Now.UnixMicro()); err != nil {
		return Incident{}, fmt.Errorf("incident %d: recording a notice: %w", id, err)
	}
	kind := KindNoticePeople
	if n.Audience == AudienceAuthority {
		kind = KindNoticeRegulator
	}
	text := n.Recipient + " · " + n.Channel + " · " + n.Outcome + " · " + n.SentAt.Format(time.RFC3339)
	if n.Reference != "" {
		text += " · " + n.Reference
	}
	if err := addStep(ctx, tx, id, kind, text, by); err != nil {
		return Incident{}, err
	}
	return Get(ctx, tx, id)
}

// affectedOf returns the objects incident id affects.
func affectedOf(ctx context.Context, tx *store.Tx, id int64) ([]string, error) {
	var out []string
	err := each(ctx, tx, "SELECT object FROM incident_affected WHERE incident_id = $1", []any{id}, func(rows *sql.Rows) error {
		var o string
		err := rows.Scan(&o)
		out = append(out, o)
		return err
	})
	return out, err
}

// lockStatus returns incident id's status, locking its row on PostgreSQL so
// that two admins' changes queue (SQLite has one writer).
func lockStatus(ctx context.Context, tx *store.Tx, id int64) (Status, error) {
	q := "SELECT status FROM incidents WHERE id = $1"
	if tx.Dialect == store.Postgres {
		q += " FOR UPDATE"
	}
	var s Status
	err := tx.QueryRowContext(ctx, q, id).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.New(apperr.NotFound, "incident.not_found")
	}
	return s, err
}

// stepCounts returns how many steps of each kind incident id has.
func stepCounts(ctx context.Context, tx *store.Tx, id int64) (map[string]int, error) {
	n := map[string]int{}
	err := each(ctx, tx, "SELECT kind, count(*) FROM incident_steps WHERE incident_id = $1 GROUP BY kind", []any{id}, func(rows *sql.Rows) error {
		var kind string
		var c int
		err := rows.Scan(&kind, &c)
		n[kind] = c
		return err
	})
	return n, err
}

func addStep(ctx context.Context, tx *store.Tx, id int64, kind, text, by string) error {
	if _, err := tx.ExecContext(ctx, "INSERT INTO incident_steps (incident_id, at, by_actor, kind, text) VALUES ($1, $2, $3, $4, $5)",
		id, tx.Now.UnixMicro(), by, kind, text); err != nil {
		return fmt.Errorf("incident %d: adding a step: %w", id, err)
	}
	return nil
}

// Get returns incident id with the people affected and its steps, or
// apperr.NotFound.
func Get(ctx context.Context, tx *store.Tx, id int64) (Incident, error) {
	incs, err := load(ctx, tx, id)
	if err != nil {
		return Incident{}, err
	}
	if len(incs) == 0 {
		return Incident{}, apperr.New(apperr.NotFound, "incident.not_found")
	}
	return incs[0], nil
}

// List returns every incident, newest first, with the people affected and
// the steps. Incidents are rare; there is no paging.
func List(ctx context.Context, tx *store.Tx) ([]Incident, error) {
	return load(ctx, tx, 0)
}

// load reads incident id, or every incident when id is 0, with their
// affected objects and steps, newest first.
func load(ctx context.Context, tx *store.Tx, id int64) ([]Incident, error) {
	where, args := "", []any(nil)
	if id != 0 {
		where, args = " WHERE id = $1", []any{id}
	}
	var incs []Incident
	err := each(ctx, tx, `SELECT id, kind, title, description, status, opened_by, opened_at, suspect_actor, scope_from, scope_to
		FROM incidents`+where+" ORDER BY id DESC", args, func(rows *sql.Rows) error {
		var inc Incident
		var opened, from, to int64
		err := rows.Scan(&inc.ID, &inc.Type, &inc.Title, &inc.Description, &inc.Status, &inc.OpenedBy, &opened,
			&inc.SuspectActor, &from, &to)
		inc.OpenedAt, inc.From, inc.To = micros(opened), micros(from), micros(to)
		incs = append(incs, inc)
		return err
	})
	if err != nil || len(incs) == 0 {
		return nil, err
	}
	byID := map[int64]*Incident{}
	for i := range incs {
		byID[incs[i].ID] = &incs[i]
	}
	if id != 0 {
		where = " WHERE incident_id = $1"
	}
	if err := each(ctx, tx, "SELECT incident_id, object FROM incident_affected"+where+" ORDER BY incident_id, object", args, func(rows *sql.Rows) error {
		var id int64
		var o string
		if err := rows.Scan(&id, &o); err != nil {
			return err
		}
		if inc := byID[id]; inc != nil {
			inc.Affected = append(inc.Affected, o)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	for i := range incs {
		// Sorted here, not in SQL: PostgreSQL's order depends on the
		// database's collation.
		slices.Sort(incs[i].Affected)
	}
	err = each(ctx, tx, "SELECT incident_id, at, by_actor, kind, text FROM incident_steps"+where+" ORDER BY incident_id, id", args, func(rows *sql.Rows) error {
		var id, at int64
		var s Step
		if err := rows.Scan(&id, &at, &s.By, &s.Kind, &s.Text); err != nil {
			return err
		}
		s.At = micros(at)
		if inc := byID[id]; inc != nil {
			inc.Steps = append(inc.Steps, s)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each(ctx, tx, `SELECT incident_id, id, audience, recipient, reference, channel, sent_at, sent_by, outcome, note, recorded_at
		FROM incident_notices`+where+" ORDER BY incident_id, id", args, func(rows *sql.Rows) error {
		var id, sent, recorded int64
		var n Notice
		if err := rows.Scan(&id, &n.ID, &n.Audience, &n.Recipient, &n.Reference, &n.Channel, &sent, &n.SentBy, &n.Outcome,
			&n.Note, &recorded); err != nil {
			return err
		}
		n.SentAt, n.RecordedAt = micros(sent), micros(recorded)
		if inc := byID[id]; inc != nil {
			inc.Notices = append(inc.Notices, n)
		}
		return nil
	})
	return incs, err
}

func each(ctx context.Context, tx *store.Tx, q string, args []any, fn func(*sql.Rows) error) error {
	return store.Each(ctx, tx, fn, q, args...)
}
