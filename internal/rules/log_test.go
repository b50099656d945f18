package rules

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/translog"
)

// loggedRules returns the rules records in the log, by source.
func loggedRules(t *testing.T, db *store.DB) map[string]translog.Rules {
	t.Helper()
	out := map[string]translog.Rules{}
	must(t, db, func(ctx context.Context, tx *store.Tx) error {
		recs, err := translog.Records(ctx, tx, translog.TypeRulesVersion)
		clear(out)
		for _, r := range recs {
			if _, dup := out[r.Source]; dup {
				t.Errorf("%s logged twice", r.Source)
			}
			out[r.Source] = *r.Rules
		}
		return err
	})
	return out
}

func sources(m map[string]translog.Rules) []string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	slices.Sort(s)
	return s
}

// R-RULES-1 (issue 17): every public state a rules version reaches is in
// the transparency log once, with the digest of its text: the embedded
// 1.0 texts as Seed installs them, a minor version taking effect and the
// one it supersedes, a major one reported then in force, one withdrawn
// after its report. Drafts, and a draft withdrawn unreported, are not.
func TestRulesVersionsLogged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		seed(t, db)
		logged := loggedRules(t, db)
		if len(logged) != len(Kinds) {
			t.Fatalf("after Seed: %v", sources(logged))
		}
		for _, k := range Kinds {
			v := current(t, db, k)
			got, ok := logged["rules:"+string(k)+":1.0:effective"]
			if !ok || got != (translog.Rules{Kind: string(k), Version: "1.0", State: "effective", SHA256: Digest(v)}) {
				t.Errorf("%s 1.0: logged %+v", k, got)
			}
		}

		minor := effective(t, db, draft(t, db, Fees, false))
		major := effective(t, db, report(t, db, draft(t, db, Privacy, true)))
		unreported := draft(t, db, Fees, false)
		must(t, db, func(ctx context.Context, tx *store.Tx) error {
			_, err := Withdraw(ctx, tx, unreported.ID, staff)
			return err
		})
		reported := report(t, db, draft(t, db, Privacy, false))
		must(t, db, func(ctx context.Context, tx *store.Tx) error {
			_, err := Withdraw(ctx, tx, reported.ID, staff)
			return err
		})
		seed(t, db) // finds nothing left to log

		logged = loggedRules(t, db)
		want := []string{
			"rules:fees:1.0:effective", "rules:fees:1.0:superseded", "rules:fees:1.1:effective",
			"rules:funds-refunds:1.0:effective",
			"rules:privacy:1.0:effective", "rules:privacy:1.0:superseded", "rules:privacy:2.0:effective", "rules:privacy:2.0:reported",
			"rules:privacy:2.1:reported", "rules:privacy:2.1:withdrawn",
			"rules:publishing-rules:1.0:effective", "rules:service-agreement:1.0:effective",
		}
		if got := sources(logged); !slices.Equal(got, want) {
			t.Fatalf("logged\n%v\nwant\n%v", got, want)
		}
		if logged["rules:fees:1.1:effective"].SHA256 != Digest(minor) || logged["rules:privacy:2.0:reported"].SHA256 != Digest(major) {
			t.Errorf("digests: %+v", logged)
		}
	})
}

// An installation that ran before the log existed: Seed logs the history
// it finds, each state once, as if it had been logged as it happened.
func TestSeedLogsEarlierHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		effective(t, db, draft(t, db, Fees, false))
		storetest.Exec(t, db, "DELETE FROM translog_pending")
		seed(t, db)
		if got := sources(loggedRules(t, db)); len(got) != len(Kinds)+2 || !slices.Contains(got, "rules:fees:1.0:superseded") {
			t.Errorf("logged %v", got)
		}
	})
}

func TestDigest(t *testing.T) {
	v := Version{Body: map[i18n.Lang]string{i18n.ZH: "正文", i18n.EN: "body"}}
	sum := sha256.Sum256([]byte("正文\nbody"))
	if got := Digest(v); got != hex.EncodeToString(sum[:]) {
		t.Errorf("Digest = %s", got)
	}
}

func TestMilestones(t *testing.T) {
	at := time.Unix(1_800_000_000, 0).UTC()
	for _, tt := range []struct {
		name string
		v    Version
		want []State
	}{
		{"draft", Version{}, nil},
		{"in force", Version{EffectiveAt: at}, []State{StateEffective}},
		{"reported, in force, superseded", Version{ReportedAt: at, EffectiveAt: at, SupersededAt: at}, []State{StateReported, StateEffective, StateSuperseded}},
		{"withdrawn unreported", Version{WithdrawnAt: at}, nil},
		{"withdrawn after its report", Version{ReportedAt: at, WithdrawnAt: at}, []State{StateReported, StateWithdrawn}},
	} {
		var got []State
		for _, m := range Milestones(tt.v) {
			got = append(got, m.State)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
