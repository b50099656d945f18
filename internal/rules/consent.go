package rules

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/store"
)

// Consent is one person's agreement to one version of one document
// (R-RULES-2): who, which version, when, and from where.
type Consent struct {
	// Subject names who agreed: "user:5" for a signed-in user,
	// "donor-session:…" for a donor without an account.
	Subject   string
	VersionID int64
	Kind      Kind
	Major     int
	Minor     int
	At        time.Time
	// Source says where the consent was given, such as the form's page
	// ("web:/requests/new").
	Source string
}

// checkIdent reports whether s is a usable subject or source: valid UTF-8,
// no NUL, not too long, and present when required. They come from the
// calling code, not from a form, so a bad one is a bug, not a user error.
func checkIdent(s string, required bool) bool {
	if required && strings.TrimSpace(s) == "" {
		return false
	}
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0) && utf8.RuneCountInString(s) <= maxActor
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
