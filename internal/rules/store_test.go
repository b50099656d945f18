package rules

import (
	"context"
	"slices"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

const staff = "staff:1"

// approver puts versions in force: never whoever drafted them.
const approver = "staff:9"

// write runs fn in a write transaction and returns its error.
func write(t *testing.T, db *store.DB, fn func(ctx context.Context, tx *store.Tx) error) error {
	t.Helper()
	ctx := context.Background()
	return db.Write(ctx, func(tx *store.Tx) error { return fn(ctx, tx) })
}

// must runs fn in a write transaction and fails the test on error.
func must(t *testing.T, db *store.DB, fn func(ctx context.Context, tx *store.Tx) error) {
	t.Helper()
	if err := write(t, db, fn); err != nil {
		t.Fatal(err)
	}
}

func seed(t *testing.T, db *store.DB) {
	t.Helper()
	must(t, db, func(ctx context.Context, tx *store.Tx) error { return Seed(ctx, tx) })
}

func texts(zh, en string) map[i18n.Lang]string {
	return map[i18n.Lang]string{i18n.ZH: zh, i18n.EN: en}
}

// draft proposes a new version of k with placeholder texts.
func draft(t *testing.T, db *store.DB, k Kind, major bool) Version {
	t.Helper()
	var v Version
	must(t, db, func(ctx context.Context, tx *store.Tx) (err error) {
		v, err = Draft(ctx, tx, k, major, texts("新标题", "New title"), texts("## 新正文\n\n内容", "## New body\n\ntext"),
			texts("修改说明", "What changed"), staff)
		return err
	})
	return v
}

// report records draft v as reported to the ministry yesterday.
func report(t *testing.T, db *store.DB, v Version) Version {
	t.Helper()
	must(t, db, func(ctx context.Context, tx *store.Tx) (err error) {
		v, err = RecordReport(ctx, tx, v.ID, tx.Now, "民函〔2025〕12号", staff)
		return err
	})
	return v
}

func effective(t *testing.T, db *store.DB, v Version) Version {
	t.Helper()
	must(t, db, func(ctx context.Context, tx *store.Tx) (err error) {
		v, err = MakeEffective(ctx, tx, v.ID, approver)
		return err
	})
	return v
}

func current(t *testing.T, db *store.DB, k Kind) Version {
	t.Helper()
	var v Version
	must(t, db, func(ctx context.Context, tx *store.Tx) (err error) {
		v, err = Current(ctx, tx, k)
		return err
	})
	return v
}

func wantCode(t *testing.T, err error, code apperr.Code, key string) {
	t.Helper()
	e := apperr.As(err)
	if e == nil || e.Code != code || e.Key != key {
		t.Fatalf("got %v, want %s %s", err, code, key)
	}
}

// R-RULES-1: Seed gives all five documents a version 1.0 in force, in both
// languages, with the real embedded text; running it again changes nothing.
func TestSeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seed(t, db)
		seed(t, db)
		for _, k := range Kinds {
			v := current(t, db, k)
			if v.Number() != "1.0" || v.State != StateEffective || v.EffectiveAt.IsZero() {
				t.Errorf("%s: %s %s effective %v, want 1.0 in force", k, v.Number(), v.State, v.EffectiveAt)
			}
			for _, l := range i18n.Langs {
				if v.Title[l] == "" {
					t.Errorf("%s: no %s title", k, l)
				}
			}
			if n := utf8.RuneCountInString(v.Body[i18n.ZH]); n <= 300 {
				t.Errorf("%s: zh body has %d runes, want a substantive document", k, n)
			}
			if n := len(v.Body[i18n.EN]); n <= 1500 {
				t.Errorf("%s: en body has %d bytes, want a substantive document", k, n)
			}
			d, _ := Embedded(k)
			if v.Body[i18n.ZH] != d.Body[i18n.ZH] || v.Title[i18n.EN] != d.Title[i18n.EN] {
				t.Errorf("%s: stored text differs from the embedded text", k)
			}
		}
		var n int
		err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT count(*) FROM rules_versions").Scan(&n)
		})
		if err != nil || n != len(Kinds) {
			t.Errorf("after two Seeds: %d versions (%v), want %d", n, err, len(Kinds))
		}
	})
}

// R-RULES-1: old versions stay readable after a new one takes effect, newest
// first; drafts are not public.
func TestHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		first := current(t, db, Privacy)
		minor := effective(t, db, draft(t, db, Privacy, false))
		major := effective(t, db, report(t, db, draft(t, db, Privacy, true)))
		pending := draft(t, db, Privacy, false)

		var hist []Version
		must(t, db, func(ctx context.Context, tx *store.Tx) (err error) {
			hist, err = History(ctx, tx, Privacy)
			return err
		})
		var got []string
		for _, v := range hist {
			got = append(got, v.Number()+" "+string(v.State))
		}
		want := []string{"2.0 effective", "1.1 superseded", "1.0 superseded"}
		if len(got) != len(want) {
			t.Fatalf("History = %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("History = %v, want %v", got, want)
			}
		}
		if hist[2].Body[i18n.ZH] != first.Body[i18n.ZH] || hist[2].SupersededAt.IsZero() {
			t.Errorf("the superseded 1.0 lost its text or its end date")
		}
		if hist[1].Summary[i18n.EN] != "What changed" || hist[1].ID != minor.ID || hist[0].ID != major.ID {
			t.Errorf("History rows do not match the versions made: %+v", hist[:2])
		}
		if current(t, db, Privacy).ID != major.ID {
			t.Errorf("Current is not the newest effective version")
		}
		must(t, db, func(ctx context.Context, tx *store.Tx) error {
			v, err := Get(ctx, tx, pending.ID)
			if err != nil || v.State != StateDraft || v.Number() != "2.1" {
				t.Errorf("Get(draft) = %s %s, %v; want 2.1 draft", v.Number(), v.State, err)
			}
			_, err = Get(ctx, tx, 999999)
			wantCode(t, err, apperr.NotFound, "rules.not_found")
			_, err = Current(ctx, tx, "nope")
			wantCode(t, err, apperr.NotFound, "rules.not_found")
			_, err = History(ctx, tx, "nope")
			wantCode(t, err, apperr.NotFound, "rules.not_found")
			return nil
		})
	})
}

func TestDraft(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Run("first version without seed", func(t *testing.T) {
			// With nothing in force, a draft is 1.0, needs no summary and
			// no report: it is not a change to anything.
			var v Version
			must(t, db, func(ctx context.Context, tx *store.Tx) (err error) {
				v, err = Draft(ctx, tx, Fees, true, texts(" 收费标准 ", "Fees"), texts("正文", "Body"), nil, staff)
				return err
			})
			if v.Number() != "1.0" || v.State != StateDraft || v.Title[i18n.ZH] != "收费标准" {
				t.Fatalf("Draft = %s %s %q, want a 1.0 draft with a trimmed title", v.Number(), v.State, v.Title[i18n.ZH])
			}
			v = effective(t, db, v)
			if v.State != StateEffective || current(t, db, Fees).ID != v.ID {
				t.Errorf("1.0 did not take effect")
			}
			seed(t, db) // must leave Fees alone
			if current(t, db, Fees).ID != v.ID {
				t.Errorf("Seed replaced a kind that already had a version")
			}
		})
		t.Run("numbering", func(t *testing.T) {
			seed(t, db)
			if v := draft(t, db, ServiceAgreement, false); v.Number() != "1.1" {
				t.Errorf("minor draft = %s, want 1.1", v.Number())
			} else {
				effective(t, db, v)
			}
			if v := draft(t, db, ServiceAgreement, true); v.Number() != "2.0" || !v.IsMajorChange() {
				t.Errorf("major draft = %s, want 2.0", v.Number())
			}
		})
		t.Run("one pending version per kind", func(t *testing.T) {
			pending := draft(t, db, PublishingRules, false)
			err := write(t, db, func(ctx context.Context, tx *store.Tx) error {
				_, err := Draft(ctx, tx, PublishingRules, true, texts("a", "a"), texts("b", "b"), texts("c", "c"), staff)
				return err
			})
			wantCode(t, err, apperr.Conflict, "rules.pending")
			must(t, db, func(ctx context.Context, tx *store.Tx) error {
				v, err := Withdraw(ctx, tx, pending.ID, staff)
				if err == nil && (v.State != StateWithdrawn || v.WithdrawnAt.IsZero()) {
					t.Errorf("Withdraw = %s at %v", v.State, v.WithdrawnAt)
				}
				return err
			})
			// The withdrawn draft frees both the kind and its number.
			if v := draft(t, db, PublishingRules, false); v.Number() != "1.1" {
				t.Errorf("draft after withdrawal = %s, want 1.1", v.Number())
			}
			err = write(t, db, func(ctx context.Context, tx *store.Tx) error {
				_, err := Withdraw(ctx, tx, pending.ID, staff)
				return err
			})
			wantCode(t, err, apperr.Conflict, "rules.not_pending")
		})
		t.Run("invalid", func(t *testing.T) {
			err := write(t, db, func(ctx context.Context, tx *store.Tx) error {
				_, err := Draft(ctx, tx, Privacy, false, texts("", "Title"), texts("正文", ""), texts("说明", ""), staff)
				return err
			})
			got := fieldKeys(err)
			want := map[string]string{"title_zh": "rules.field_required", "body_en": "rules.field_required", "summary_en": "rules.field_required"}
			if apperr.CodeOf(err) != apperr.Invalid || len(got) != len(want) {
				t.Fatalf("Draft = %v, want Invalid with %v", err, want)
			}
			for f, k := range want {
				if got[f] != k {
					t.Errorf("field %s = %q, want %q", f, got[f], k)
				}
			}
			err = write(t, db, func(ctx context.Context, tx *store.Tx) error {
				_, err := Draft(ctx, tx, "nope", false, texts("a", "a"), texts("b", "b"), texts("c", "c"), staff)
				return err
			})
			wantCode(t, err, apperr.NotFound, "rules.not_found")
			err = write(t, db, func(ctx context.Context, tx *store.Tx) error {
				_, err := Draft(ctx, tx, Privacy, false, texts("a", "a"), texts("b", "b"), texts("c", "c"), " ")
				return err
			})
			if err == nil {
				t.Errorf("Draft by nobody succeeded")
			}
		})
	})
}

// R-RULES-3: a major change takes effect only after its report to the ministry
// is recorded, with the date and reference stored; a minor one needs none.
func TestMajorChangeIsReported(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		old := current(t, db, ServiceAgreement)
		v := draft(t, db, ServiceAgreement, true)

		err := write(t, db, func(ctx context.Context, tx *store.Tx) error {
			_, err := MakeEffective(ctx, tx, v.ID, approver)
			return err
		})
		wantCode(t, err, apperr.Conflict, "rules.not_reported")
		if current(t, db, ServiceAgreement).ID != old.ID {
			t.Fatalf("the refused major change is in force")
		}
		// Nor does whoever drafted it put it in force (four eyes).
		err = write(t, db, func(ctx context.Context, tx *store.Tx) error {
			_, err := MakeEffective(ctx, tx, v.ID, staff)
			return err
		})
		wantCode(t, err, apperr.Forbidden, "rules.own_draft")

		// The database refuses it too, whatever code path tries.
		err = write(t, db, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE rules_versions SET state = 'superseded', superseded_at = $1 WHERE id = $2", 1, old.ID)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, "UPDATE rules_versions SET state = 'effective', effective_at = $1, effective_by = 'x' WHERE id = $2", micros(tx.Now), v.ID)
			return err
		})
		if err == nil {
			t.Fatalf("the database let an unreported major change take effect")
		}

		for _, tt := range []struct {
			name   string
			on     func(now time.Time) time.Time
			ref    string
			fields map[string]string
		}{
			{"no date", func(time.Time) time.Time { return time.Time{} }, "民函〔2025〕1号", map[string]string{"reported_on": "rules.field_required"}},
			{"future date", func(now time.Time) time.Time { return now.Add(48 * time.Hour) }, "民函〔2025〕1号", map[string]string{"reported_on": "rules.report_date_future"}},
			{"no reference", func(now time.Time) time.Time { return now.Add(-time.Hour) }, "  ", map[string]string{"report_ref": "rules.field_required"}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				err := write(t, db, func(ctx context.Context, tx *store.Tx) error {
					_, err := RecordReport(ctx, tx, v.ID, tt.on(tx.Now), tt.ref, staff)
					return err
				})
				if apperr.CodeOf(err) != apperr.Invalid {
					t.Fatalf("RecordReport = %v, want Invalid", err)
				}
				for f, k := range tt.fields {
					if got := fieldKeys(err)[f]; got != k {
						t.Errorf("field %s = %q, want %q", f, got, k)
					}
				}
			})
		}

		// A report is never dated before the draft's day (China time)…
		must(t, db, func(ctx context.Context, tx *store.Tx) error {
			_, err := RecordReport(ctx, tx, v.ID, time.Now().AddDate(0, 0, -2), "民函〔2025〕11号", "staff:2")
			if fieldKeys(err)["reported_on"] != "rules.report_before_draft" {
				t.Errorf("a report dated before the draft: %v", err)
			}
			return nil
		})
		// …and its date is kept as given: midnight of today, China time.
		cst := time.FixedZone("CST", 8*3600)
		n := time.Now().In(cst)
		reportedOn := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, cst).UTC()
		must(t, db, func(ctx context.Context, tx *store.Tx) error {
			r, err := RecordReport(ctx, tx, v.ID, reportedOn, " 民函〔2025〕12号 ", "staff:2")
			if err == nil && (r.State != StateReported || r.ReportRef != "民函〔2025〕12号") {
				t.Errorf("RecordReport = %s %q", r.State, r.ReportRef)
			}
			return err
		})
		err = write(t, db, func(ctx context.Context, tx *store.Tx) error {
			_, err := RecordReport(ctx, tx, v.ID, reportedOn, "again", staff)
			return err
		})
		wantCode(t, err, apperr.Conflict, "rules.not_draft")

		// Reported but not yet in force: public (announced), not current.
		var hist []Version
		must(t, db, func(ctx context.Context, tx *store.Tx) (err error) {
			hist, err = History(ctx, tx, ServiceAgreement)
			return err
		})
		if len(hist) != 2 || hist[0].State != StateReported || current(t, db, ServiceAgreement).ID != old.ID {
			t.Errorf("after the report: history %d versions, first %s", len(hist), hist[0].State)
		}

		got := effective(t, db, v)
		if got.State != StateEffective || got.EffectiveBy != approver {
			t.Errorf("MakeEffective = %s by %q", got.State, got.EffectiveBy)
		}
		must(t, db, func(ctx context.Context, tx *store.Tx) error {
			stored, err := Get(ctx, tx, v.ID)
			if err != nil {
				return err
			}
			if !stored.ReportedAt.Equal(reportedOn) || stored.ReportRef != "民函〔2025〕12号" || stored.ReportedBy != "staff:2" {
				t.Errorf("stored report = %v %q %q, want %v 民函〔2025〕12号 staff:2", stored.ReportedAt, stored.ReportRef, stored.ReportedBy, reportedOn)
			}
			prev, err := Get(ctx, tx, old.ID)
			if err == nil && prev.State != StateSuperseded {
				t.Errorf("the previous version is %s, want superseded", prev.State)
			}
			return err
		})
		err = write(t, db, func(ctx context.Context, tx *store.Tx) error {
			_, err := MakeEffective(ctx, tx, v.ID, approver)
			return err
		})
		wantCode(t, err, apperr.Conflict, "rules.not_pending")

		// A minor change takes effect without a report.
		if m := effective(t, db, draft(t, db, ServiceAgreement, false)); m.Number() != "2.1" || !m.ReportedAt.IsZero() {
			t.Errorf("minor change = %s reported %v", m.Number(), m.ReportedAt)
		}
	})
}

// R-RULES-1: no version is ever deleted or rewritten, and its state moves
// only forward, so what someone agreed to stays exactly readable.
func TestVersionsImmutable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		v := current(t, db, Fees)
		d := draft(t, db, Fees, false)
		for _, tt := range []struct {
			name string
			sql  string
			id   int64
		}{
			{"rewrite body", "UPDATE rules_versions SET body_zh = 'x' WHERE id = $1", v.ID},
			{"renumber", "UPDATE rules_versions SET minor = 9 WHERE id = $1", v.ID},
			{"rewrite draft", "UPDATE rules_versions SET title_en = 'x' WHERE id = $1", d.ID},
			{"delete", "DELETE FROM rules_versions WHERE id = $1", v.ID},
			{"delete draft", "DELETE FROM rules_versions WHERE id = $1", d.ID},
			{"back to draft", "UPDATE rules_versions SET state = 'draft', effective_at = NULL WHERE id = $1", v.ID},
			{"move effective date", "UPDATE rules_versions SET effective_at = 1 WHERE id = $1", v.ID},
			{"forge a report on the version in force", "UPDATE rules_versions SET reported_at = 1, report_ref = 'x' WHERE id = $1", v.ID},
		} {
			t.Run(tt.name, func(t *testing.T) {
				err := write(t, db, func(ctx context.Context, tx *store.Tx) error {
					_, err := tx.ExecContext(ctx, tt.sql, tt.id)
					return err
				})
				if err == nil {
					t.Errorf("the database allowed it")
				}
			})
		}
		if got := current(t, db, Fees); got.Body[i18n.ZH] != v.Body[i18n.ZH] || got.Number() != "1.0" {
			t.Errorf("the version in force changed")
		}
	})
}

// R-RULES-2: service starts only after explicit consent to the current rules,
// recorded with who, which version, when and where; a new minor version does
// not ask again, a new major one does; a stale page's consent is refused.
func TestConsent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		const who = "user:5"
		needed := func(kinds ...Kind) []Version {
			t.Helper()
			var vs []Version
			must(t, db, func(ctx context.Context, tx *store.Tx) (err error) {
				vs, err = Needed(ctx, tx, who, kinds...)
				return err
			})
			return vs
		}
		ids := func(vs []Version) []int64 {
			var out []int64
			for _, v := range vs {
				out = append(out, v.ID)
			}
			return out
		}
		consent := func(vs []int64) error {
			return write(t, db, func(ctx context.Context, tx *store.Tx) error {
				return RecordConsent(ctx, tx, who, vs, "web:/requests/new")
			})
		}

		all := needed()
		if len(all) != len(Kinds) {
			t.Fatalf("Needed before any consent = %d versions, want %d", len(all), len(Kinds))
		}
		for i, v := range all {
			if v.Kind != Kinds[i] {
				t.Errorf("Needed[%d] = %s, want %s", i, v.Kind, Kinds[i])
			}
		}
		if got := needed(ServiceAgreement, Privacy); len(got) != 2 || got[1].Kind != Privacy {
			t.Errorf("Needed(two kinds) = %v", ids(got))
		}

		if err := consent(ids(all)); err != nil {
			t.Fatal(err)
		}
		if err := consent(ids(all)); err != nil { // a double submit is harmless
			t.Fatalf("a repeated consent: %v", err)
		}
		if got := needed(); len(got) != 0 {
			t.Errorf("Needed after consenting = %v, want none", ids(got))
		}
		var cs []Consent
		must(t, db, func(ctx context.Context, tx *store.Tx) (err error) {
			cs, err = Consents(ctx, tx, who)
			return err
		})
		if len(cs) != len(Kinds) {
			t.Fatalf("Consents = %d, want %d (a repeat is not a second consent)", len(cs), len(Kinds))
		}
		for _, c := range cs {
			if c.Subject != who || c.Source != "web:/requests/new" || c.At.IsZero() || c.Major != 1 || c.Minor != 0 || c.VersionID == 0 {
				t.Errorf("consent = %+v", c)
			}
		}

		// A minor change does not ask again.
		old := current(t, db, Privacy)
		effective(t, db, draft(t, db, Privacy, false))
		if got := needed(); len(got) != 0 {
			t.Errorf("Needed after a minor change = %v, want none", ids(got))
		}
		// The page the person read is stale: refused, so they see the new text.
		wantCode(t, consent([]int64{old.ID}), apperr.Conflict, "rules.changed")

		// A major change does.
		major := effective(t, db, report(t, db, draft(t, db, Privacy, true)))
		got := needed()
		if len(got) != 1 || got[0].ID != major.ID {
			t.Fatalf("Needed after a major change = %v, want [%d]", ids(got), major.ID)
		}
		must(t, db, func(ctx context.Context, tx *store.Tx) error {
			vs, err := Needed(ctx, tx, "user:6")
			if err == nil && len(vs) != len(Kinds) {
				t.Errorf("another subject needs %d, want %d: consents are per subject", len(vs), len(Kinds))
			}
			return err
		})
		if err := consent([]int64{major.ID}); err != nil {
			t.Fatal(err)
		}
		if got := needed(); len(got) != 0 {
			t.Errorf("Needed after agreeing to 2.0 = %v", ids(got))
		}

		// Pending versions cannot be agreed to; unknown ones do not exist.
		pending := draft(t, db, Privacy, false)
		wantCode(t, consent([]int64{pending.ID}), apperr.Conflict, "rules.changed")
		wantCode(t, consent([]int64{987654}), apperr.NotFound, "rules.not_found")
		if err := consent(nil); err != nil {
			t.Errorf("consent to nothing: %v", err)
		}
		if err := write(t, db, func(ctx context.Context, tx *store.Tx) error {
			return RecordConsent(ctx, tx, "", []int64{major.ID}, "web")
		}); err == nil {
			t.Errorf("a consent without a subject was recorded")
		}
	})
}

// R-RULES-2: a recorded consent is never changed or removed.
func TestConsentsAppendOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		v := current(t, db, ServiceAgreement)
		must(t, db, func(ctx context.Context, tx *store.Tx) error {
			return RecordConsent(ctx, tx, "donor-session:abc", []int64{v.ID}, "web:/donate")
		})
		for _, q := range []string{
			"UPDATE rules_consents SET at = 0",
			"UPDATE rules_consents SET subject = 'user:7'",
			"DELETE FROM rules_consents",
		} {
			t.Run(q, func(t *testing.T) {
				err := write(t, db, func(ctx context.Context, tx *store.Tx) error {
					_, err := tx.ExecContext(ctx, q)
					return err
				})
				if err == nil {
					t.Errorf("the database allowed %q", q)
				}
			})
		}
		var cs []Consent
		must(t, db, func(ctx context.Context, tx *store.Tx) (err error) {
			cs, err = Consents(ctx, tx, "donor-session:abc")
			return err
		})
		if len(cs) != 1 || cs[0].VersionID != v.ID {
			t.Errorf("Consents = %+v, want the one recorded", cs)
		}
	})
}

// R-RULES-2: Uncovered names the versions in force that neither the
// versions agreed to now nor an earlier consent at the same major version
// cover; RecordCovered records only versions in force of the kinds asked;
// a minor change asks nobody again, a major one does; Standing shows what
// was agreed to and when.
func TestUncoveredAndRecordCovered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		kinds := []Kind{ServiceAgreement, Fees, FundsRefunds}
		sa, fees, funds := current(t, db, ServiceAgreement), current(t, db, Fees), current(t, db, FundsRefunds)
		uncovered := func(subject string, ids ...int64) []int64 {
			t.Helper()
			var out []int64
			must(t, db, func(ctx context.Context, tx *store.Tx) (err error) {
				out, err = Uncovered(ctx, tx, subject, ids, kinds...)
				return err
			})
			return out
		}
		if got := uncovered(""); !slices.Equal(got, []int64{sa.ID, fees.ID, funds.ID}) {
			t.Errorf("nothing agreed: uncovered %v, want all three", got)
		}
		if got := uncovered("", sa.ID, funds.ID); !slices.Equal(got, []int64{fees.ID}) {
			t.Errorf("two agreed: uncovered %v, want the fees", got)
		}
		if got := uncovered("", sa.ID, fees.ID, funds.ID); len(got) != 0 {
			t.Errorf("all agreed: uncovered %v", got)
		}
		privacy := current(t, db, Privacy)
		must(t, db, func(ctx context.Context, tx *store.Tx) error {
			// The privacy rules are not asked about: not recorded.
			return RecordCovered(ctx, tx, "user:9", []int64{sa.ID, fees.ID, funds.ID, privacy.ID}, "web", kinds...)
		})
		var cs []Consent
		must(t, db, func(ctx context.Context, tx *store.Tx) (err error) { cs, err = Consents(ctx, tx, "user:9"); return err })
		if len(cs) != 3 {
			t.Fatalf("recorded %+v, want the three asked about", cs)
		}
		if got := uncovered("user:9"); len(got) != 0 {
			t.Errorf("agreed before: uncovered %v", got)
		}
		// A minor change covers; a major change asks again, and a
		// superseded version agreed to now covers nothing.
		minor := effective(t, db, draft(t, db, Fees, false))
		if got := uncovered("user:9"); len(got) != 0 {
			t.Errorf("after a minor change: uncovered %v", got)
		}
		major := effective(t, db, report(t, db, draft(t, db, Fees, true)))
		if got := uncovered("user:9", fees.ID, minor.ID); !slices.Equal(got, []int64{major.ID}) {
			t.Errorf("after a major change: uncovered %v, want %d", got, major.ID)
		}
		must(t, db, func(ctx context.Context, tx *store.Tx) error {
			return RecordCovered(ctx, tx, "order:abc", []int64{fees.ID, sa.ID}, "api", kinds...)
		})
		must(t, db, func(ctx context.Context, tx *store.Tx) (err error) {
			cs, err = Consents(ctx, tx, "order:abc")
			return err
		})
		if len(cs) != 1 || cs[0].VersionID != sa.ID {
			t.Errorf("recorded %+v, want only the version in force", cs)
		}
		var st []Agreement
		must(t, db, func(ctx context.Context, tx *store.Tx) (err error) {
			st, err = Standing(ctx, tx, "user:9", kinds...)
			return err
		})
		if len(st) != 3 || st[0].Given == nil || st[0].Given.VersionID != sa.ID || st[1].Given != nil || st[1].Version.ID != major.ID {
			t.Errorf("Standing = %+v", st)
		}
	})
}
