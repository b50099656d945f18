package rules

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/store"
)

func fromMicros(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMicro(n.Int64).UTC()
}

func nullMicros(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: micros(t), Valid: true}
}

func scanVersion(row scanner) (Version, error) {
	var (
		v                                          Version
		tzh, ten, bzh, ben, szh, sen               string
		createdAt                                  int64
		reportedAt, effectiveAt, supersededAt, wAt sql.NullInt64
	)
	err := row.Scan(&v.ID, &v.Kind, &v.Major, &v.Minor, &tzh, &ten, &bzh, &ben, &szh, &sen,
		&v.State, &v.CreatedBy, &createdAt, &reportedAt, &v.ReportRef, &v.ReportedBy,
		&effectiveAt, &v.EffectiveBy, &supersededAt, &wAt, &v.WithdrawnBy)
	if err != nil {
		return v, err
	}
	v.Title = map[i18n.Lang]string{i18n.ZH: tzh, i18n.EN: ten}
	v.Body = map[i18n.Lang]string{i18n.ZH: bzh, i18n.EN: ben}
	v.Summary = map[i18n.Lang]string{i18n.ZH: szh, i18n.EN: sen}
	v.CreatedAt = time.UnixMicro(createdAt).UTC()
	v.ReportedAt = fromMicros(reportedAt)
	v.EffectiveAt = fromMicros(effectiveAt)
	v.SupersededAt = fromMicros(supersededAt)
	v.WithdrawnAt = fromMicros(wAt)
	return v, nil
}

// queryVersions returns the versions a query selects.
func queryVersions(ctx context.Context, tx *store.Tx, query string, args ...any) ([]Version, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Version, error) { return scanVersion(rows) }, query, args...)
}

// queryVersion returns the one version a query selects, or a NotFound error.
func queryVersion(ctx context.Context, tx *store.Tx, query string, args ...any) (Version, error) {
	v, err := scanVersion(tx.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return v, apperr.New(apperr.NotFound, "rules.not_found")
	}
	return v, err
}

func insertVersion(ctx context.Context, tx *store.Tx, v Version) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO rules_versions
		(kind, major, minor, title_zh, title_en, body_zh, body_en, summary_zh, summary_en,
		 state, created_by, created_at, effective_at, effective_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
		v.Kind, v.Major, v.Minor, v.Title[i18n.ZH], v.Title[i18n.EN], v.Body[i18n.ZH], v.Body[i18n.EN],
		v.Summary[i18n.ZH], v.Summary[i18n.EN], v.State, v.CreatedBy, micros(v.CreatedAt),
		nullMicros(v.EffectiveAt), v.EffectiveBy).Scan(&id)
	return id, err
}

// Seed stores the embedded first version (1.0) of every document that has no
// version yet, in force from now. It is idempotent: a kind with any version,
// in whatever state, is left alone. Run it at install. It also logs in the
// transparency log every public state of a version not logged yet: the
// first versions, and the history of an installation older than the log.
func Seed(ctx context.Context, tx *store.Tx) error {
	for _, k := range Kinds {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM rules_versions WHERE kind = $1", k).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		d, err := Embedded(k)
		if err != nil {
			return err
		}
		v := Version{
			Kind: k, Major: 1, Minor: 0, Title: d.Title, Body: d.Body,
			Summary: map[i18n.Lang]string{}, State: StateEffective,
			CreatedBy: seedActor, CreatedAt: tx.Now, EffectiveAt: tx.Now, EffectiveBy: seedActor,
		}
		if _, err := insertVersion(ctx, tx, v); err != nil {
			return fmt.Errorf("rules: seeding %s: %w", k, err)
		}
	}
	return logAll(ctx, tx)
}

// Current returns the version of k in force. It returns a NotFound error for
// an unknown kind or one with no version in force (Seed has not run).
func Current(ctx context.Context, tx *store.Tx, k Kind) (Version, error) {
	if !k.Valid() {
		return Version{}, apperr.New(apperr.NotFound, "rules.not_found")
	}
	return queryVersion(ctx, tx, "SELECT "+versionColumns+" FROM rules_versions WHERE kind = $1 AND state = 'effective'", k)
}

// History returns every version of k that is, was or is about to be in force
// (reported, effective, superseded), newest first. Drafts and withdrawn
// versions were never public and are left out.
func History(ctx context.Context, tx *store.Tx, k Kind) ([]Version, error) {
	if !k.Valid() {
		return nil, apperr.New(apperr.NotFound, "rules.not_found")
	}
	return queryVersions(ctx, tx, "SELECT "+versionColumns+" FROM rules_versions WHERE kind = $1 AND state IN "+
		publicStates+" ORDER BY major DESC, minor DESC", k)
}

// Pending returns the draft or reported version of k waiting to take effect,
// and whether there is one. There is at most one per kind.
func Pending(ctx context.Context, tx *store.Tx, k Kind) (Version, bool, error) {
	if !k.Valid() {
		return Version{}, false, apperr.New(apperr.NotFound, "rules.not_found")
	}
	v, err := queryVersion(ctx, tx, "SELECT "+versionColumns+" FROM rules_versions WHERE kind = $1 AND state IN ('draft', 'reported')", k)
	if apperr.CodeOf(err) == apperr.NotFound {
		return Version{}, false, nil
	}
	return v, err == nil, err
}

// Get returns the version with the id, in any state; NotFound if there is none.
// Callers showing versions to the public must not show drafts or withdrawn
// versions.
func Get(ctx context.Context, tx *store.Tx, id int64) (Version, error) {
	return queryVersion(ctx, tx, "SELECT "+versionColumns+" FROM rules_versions WHERE id = $1", id)
}

// getForUpdate is Get that, on PostgreSQL, locks the row, so that two staff
// moving the same version at once are serialized.
func getForUpdate(ctx context.Context, tx *store.Tx, id int64) (Version, error) {
	q := "SELECT " + versionColumns + " FROM rules_versions WHERE id = $1"
	if tx.Dialect == store.Postgres {
		q += " FOR UPDATE"
	}
	return queryVersion(ctx, tx, q, id)
}

// Draft proposes a new version of k, numbered from the version in force: a
// major version bumps Major (Minor 0), a minor one bumps Minor. A kind with no
// version in force gets 1.0 either way. Titles (at most 100 runes), bodies (at
// most 50,000 runes) and, for all but 1.0, summaries of what changed are
// required in every language; otherwise it returns an Invalid error with
// FieldErrors named "title_zh", "title_en", "body_zh", "body_en",
// "summary_zh", "summary_en". A kind may have only one pending (draft or
// reported) version: another one is refused with Conflict "rules.pending".
func Draft(ctx context.Context, tx *store.Tx, k Kind, major bool, title, body, summary map[i18n.Lang]string, by string) (Version, error) {
	if !k.Valid() {
		return Version{}, apperr.New(apperr.NotFound, "rules.not_found")
	}
	if err := checkActor(by); err != nil {
		return Version{}, err
	}
	v := Version{Kind: k, Major: 1, Minor: 0, State: StateDraft, CreatedBy: by, CreatedAt: tx.Now}
	cur, err := Current(ctx, tx, k)
	switch {
	case err == nil && major:
		v.Major = cur.Major + 1
	case err == nil:
		v.Major, v.Minor = cur.Major, cur.Minor+1
	case apperr.CodeOf(err) != apperr.NotFound:
		return Version{}, err
	}
	if err := validateDraft(title, body, summary, v.Major == 1 && v.Minor == 0); err != nil {
		return Version{}, err
	}
	if _, ok, err := Pending(ctx, tx, k); err != nil {
		return Version{}, err
	} else if ok {
		return Version{}, apperr.New(apperr.Conflict, "rules.pending")
	}
	v.Title, v.Body, v.Summary = cleanMap(title, true), cleanMap(body, false), cleanMap(summary, true)
	if v.ID, err = insertVersion(ctx, tx, v); err != nil {
		return Version{}, err
	}
	return v, nil
}

// RecordReport records that draft id was reported to the Ministry of Civil
// Affairs on reportedOn under the reference ref (R-RULES-3, M10), moving it to
// "reported". reportedOn must be set and not after the transaction's time (a
// caller parsing a date should read it as midnight in China Standard Time);
// ref is required, at most 100 runes. Invalid errors name the fields
// "reported_on" and "report_ref". A version that is not a draft is refused
// with Conflict "rules.not_draft". A minor draft may be reported too: telling
// the ministry more than required is never wrong.
func RecordReport(ctx context.Context, tx *store.Tx, id int64, reportedOn time.Time, ref, by string) (Version, error) {
	if err := checkActor(by); err != nil {
		return Version{}, err
	}
	ref = strings.TrimSpace(ref)
	var errs []apperr.FieldError
	switch {
	case reportedOn.IsZero():
		errs = append(errs, apperr.FieldError{Field: "reported_on", Key: "rules.field_required"})
	case reportedOn.After(tx.Now):
		errs = append(errs, apperr.FieldError{Field: "reported_on", Key: "rules.report_date_future"})
	}
	errs = checkText(errs, "report_ref", ref, true, MaxRef)
	if len(errs) > 0 {
		return Version{}, &apperr.Error{Code: apperr.Invalid, Fields: errs}
	}
	v, err := getForUpdate(ctx, tx, id)
	if err != nil {
		return Version{}, err
	}
	if v.State != StateDraft {
		return Version{}, apperr.New(apperr.Conflict, "rules.not_draft")
	}
	// The ministry cannot have been told of a text before it was written:
	// the report is dated the draft's day (China time) or later.
	cst := time.FixedZone("CST", 8*3600)
	c := v.CreatedAt.In(cst)
	if reportedOn.Before(time.Date(c.Year(), c.Month(), c.Day(), 0, 0, 0, 0, cst)) {
		return Version{}, &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: "reported_on", Key: "rules.report_before_draft"}}}
	}
	v.State = StateReported
	v.ReportedAt = reportedOn.UTC().Truncate(time.Microsecond)
	v.ReportRef, v.ReportedBy = ref, by
	_, err = tx.ExecContext(ctx, `UPDATE rules_versions SET state = 'reported', reported_at = $1, report_ref = $2, reported_by = $3
		WHERE id = $4`, micros(v.ReportedAt), v.ReportRef, v.ReportedBy, v.ID)
	if err != nil {
		return Version{}, err
	}
	return v, logMilestones(ctx, tx, v)
}

// MakeEffective brings pending version id into force now; the version in
// force so far becomes superseded and stays readable. A minor draft (or the
// first 1.0) may take effect directly; a major change only once reported
// (RecordReport), else Conflict "rules.not_reported" (R-RULES-3). A version
// that is not pending is refused with Conflict "rules.not_pending".
func MakeEffective(ctx context.Context, tx *store.Tx, id int64, by string) (Version, error) {
	if err := checkActor(by); err != nil {
		return Version{}, err
	}
	v, err := getForUpdate(ctx, tx, id)
	if err != nil {
		return Version{}, err
	}
	switch {
	case v.CreatedBy == by:
		// Four eyes: whoever drafted a version, and chose whether it is a
		// major change (which asks everyone to agree again), does not
		// also put it in force.
		return Version{}, apperr.New(apperr.Forbidden, "rules.own_draft")
	case v.State != StateDraft && v.State != StateReported:
		return Version{}, apperr.New(apperr.Conflict, "rules.not_pending")
	case v.IsMajorChange() && v.State != StateReported:
		return Version{}, apperr.New(apperr.Conflict, "rules.not_reported")
	}
	old, err := Current(ctx, tx, v.Kind)
	if err != nil && apperr.CodeOf(err) != apperr.NotFound {
		return Version{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE rules_versions SET state = 'superseded', superseded_at = $1
		WHERE kind = $2 AND state = 'effective'`, micros(tx.Now), v.Kind); err != nil {
		return Version{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE rules_versions SET state = 'effective', effective_at = $1, effective_by = $2
		WHERE id = $3`, micros(tx.Now), by, v.ID); err != nil {
		return Version{}, err
	}
	v.State, v.EffectiveAt, v.EffectiveBy = StateEffective, tx.Now, by
	if old.ID != 0 {
		if old, err = Get(ctx, tx, old.ID); err != nil {
			return Version{}, err
		}
		if err := logMilestones(ctx, tx, old); err != nil {
			return Version{}, err
		}
	}
	return v, logMilestones(ctx, tx, v)
}

// Withdraw abandons pending version id, freeing its kind for another draft.
// The version is kept (a reported one shows the ministry's record) but never
// shown in History. A version that is not pending is refused with Conflict
// "rules.not_pending".
func Withdraw(ctx context.Context, tx *store.Tx, id int64, by string) (Version, error) {
	if err := checkActor(by); err != nil {
		return Version{}, err
	}
	v, err := getForUpdate(ctx, tx, id)
	if err != nil {
		return Version{}, err
	}
	if v.State != StateDraft && v.State != StateReported {
		return Version{}, apperr.New(apperr.Conflict, "rules.not_pending")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE rules_versions SET state = 'withdrawn', withdrawn_at = $1, withdrawn_by = $2
		WHERE id = $3`, micros(tx.Now), by, v.ID); err != nil {
		return Version{}, err
	}
	v.State, v.WithdrawnAt, v.WithdrawnBy = StateWithdrawn, tx.Now, by
	return v, logMilestones(ctx, tx, v)
}

// RecordConsent records that subject agreed, now, to each of the versions
// (R-RULES-2). Each must be the version of its kind in force at this moment:
// a version superseded while the person was reading the page is refused with
// Conflict "rules.changed", so the page can show the new text and ask again.
// An unknown id is NotFound. Recording the same consent twice (a double
// click, a retried request) keeps the first; an empty list records nothing.
func RecordConsent(ctx context.Context, tx *store.Tx, subject string, versionIDs []int64, source string) error {
	if !checkIdent(subject, true) || !checkIdent(source, false) {
		return errors.New("rules: a consent needs a well-formed subject and source")
	}
	seen := make(map[int64]bool, len(versionIDs))
	for _, id := range versionIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		v, err := Get(ctx, tx, id)
		if err != nil {
			return err
		}
		if v.State != StateEffective {
			return apperr.New(apperr.Conflict, "rules.changed")
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO rules_consents (subject, version_id, kind, major, minor, at, source)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (subject, version_id) DO NOTHING`,
			subject, v.ID, v.Kind, v.Major, v.Minor, micros(tx.Now), source)
		if err != nil {
			return err
		}
	}
	return nil
}

// Needed returns the versions in force of the kinds (all of Kinds when none
// are given) that subject has not yet agreed to at their current major
// version, in the order asked. Agreeing to 2.0 covers 2.1 (a minor change
// only clarifies) but not 3.0 (a major change alters rights or duties, so the
// person is asked again). Service may start when it returns nothing.
func Needed(ctx context.Context, tx *store.Tx, subject string, kinds ...Kind) ([]Version, error) {
	if len(kinds) == 0 {
		kinds = Kinds
	}
	var need []Version
	for _, k := range kinds {
		cur, err := Current(ctx, tx, k)
		if err != nil {
			return nil, err
		}
		var n int
		err = tx.QueryRowContext(ctx, `SELECT count(*) FROM rules_consents WHERE subject = $1 AND kind = $2 AND major = $3`,
			subject, k, cur.Major).Scan(&n)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			need = append(need, cur)
		}
	}
	return need, nil
}

// Consents returns every consent subject has given, oldest first.
func Consents(ctx context.Context, tx *store.Tx, subject string) ([]Consent, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Consent, error) {
		var c Consent
		var at int64
		if err := rows.Scan(&c.Subject, &c.VersionID, &c.Kind, &c.Major, &c.Minor, &at, &c.Source); err != nil {
			return c, err
		}
		c.At = time.UnixMicro(at).UTC()
		return c, nil
	}, `SELECT subject, version_id, kind, major, minor, at, source
		FROM rules_consents WHERE subject = $1 ORDER BY at, id`, subject)
}

// inList appends to args the values of list and returns the placeholders
// that name them, "$3, $4", for an IN clause.
func inList[T any](args []any, list []T) ([]any, string) {
	var b strings.Builder
	for i, v := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		args = append(args, v)
		fmt.Fprintf(&b, "$%d", len(args))
	}
	return args, b.String()
}

// Uncovered returns the ids of the versions in force of the kinds that are
// covered neither by versionIDs (the versions a form showed and the person
// agreed to) nor by a consent subject gave before at their current major
// version (Needed's rule), oldest kind first. One query, so that it can sit
// in a busy transaction (a donor's order). subject may be "" for a person
// without an account, who has agreed to nothing before. A version in
// versionIDs that is no longer in force covers nothing: the person is asked
// again (R-RULES-2).
func Uncovered(ctx context.Context, tx *store.Tx, subject string, versionIDs []int64, kinds ...Kind) ([]int64, error) {
	if len(kinds) == 0 {
		return nil, nil
	}
	args, ks := inList([]any{subject}, kinds)
	q := `SELECT v.id FROM rules_versions v WHERE v.state = 'effective' AND v.kind IN (` + ks + `)
		AND NOT EXISTS (SELECT 1 FROM rules_consents c WHERE c.subject = $1 AND c.kind = v.kind AND c.major = v.major)`
	if len(versionIDs) > 0 {
		var ids string
		args, ids = inList(args, versionIDs)
		q += ` AND v.id NOT IN (` + ids + `)`
	}
	return store.All(ctx, tx, func(rows *sql.Rows) (int64, error) {
		var id int64
		err := rows.Scan(&id)
		return id, err
	}, q+" ORDER BY v.id", args...)
}

// RecordCovered records that subject agreed, now, to those of versionIDs that
// are the versions in force of the kinds, in one statement; the others (a
// version superseded meanwhile, a document not asked about) are left out.
// Call Uncovered first, in the same transaction, to refuse an agreement that
// does not cover every kind. Recording the same consent twice keeps the
// first.
func RecordCovered(ctx context.Context, tx *store.Tx, subject string, versionIDs []int64, source string, kinds ...Kind) error {
	if !checkIdent(subject, true) || !checkIdent(source, false) {
		return errors.New("rules: a consent needs a well-formed subject and source")
	}
	if len(versionIDs) == 0 || len(kinds) == 0 {
		return nil
	}
	args, ks := inList([]any{subject, micros(tx.Now), source}, kinds)
	args, ids := inList(args, versionIDs)
	_, err := tx.ExecContext(ctx, `INSERT INTO rules_consents (subject, version_id, kind, major, minor, at, source)
		SELECT CAST($1 AS TEXT), v.id, v.kind, v.major, v.minor, CAST($2 AS BIGINT), CAST($3 AS TEXT)
		FROM rules_versions v WHERE v.state = 'effective' AND v.kind IN (`+ks+`) AND v.id IN (`+ids+`)
		ON CONFLICT (subject, version_id) DO NOTHING`, args...)
	return err
}

// Standing returns, for each of the kinds in order, the version in force
// and the consent subject gave to it (or to an earlier minor version of the
// same major version), if any: what a form shows as "you agreed on … to
// version …" instead of asking again. subject "" has agreed to nothing.
func Standing(ctx context.Context, tx *store.Tx, subject string, kinds ...Kind) ([]Agreement, error) {
	out := make([]Agreement, 0, len(kinds))
	for _, k := range kinds {
		cur, err := Current(ctx, tx, k)
		if err != nil {
			return nil, err
		}
		a := Agreement{Version: cur}
		if subject != "" {
			var (
				c  Consent
				at int64
			)
			err := tx.QueryRowContext(ctx, `SELECT subject, version_id, kind, major, minor, at, source FROM rules_consents
				WHERE subject = $1 AND kind = $2 AND major = $3 ORDER BY at DESC, id DESC LIMIT 1`, subject, k, cur.Major).
				Scan(&c.Subject, &c.VersionID, &c.Kind, &c.Major, &c.Minor, &at, &c.Source)
			switch {
			case err == nil:
				c.At = time.UnixMicro(at).UTC()
				a.Given = &c
			case !errors.Is(err, sql.ErrNoRows):
				return nil, err
			}
		}
		out = append(out, a)
	}
	return out, nil
}
