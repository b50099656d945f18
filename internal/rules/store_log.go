package rules

import (
	"context"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/translog"
)

// logMilestones adds to the transparency log, in tx, each public state v has
// reached that is not logged yet (issue 17): the source names the version
// and the state, so each is logged once.
func logMilestones(ctx context.Context, tx *store.Tx, v Version) error {
	for _, m := range Milestones(v) {
		source := translog.RulesSource(string(v.Kind), v.Number(), string(m.State))
		if has, err := translog.Has(ctx, tx, source); err != nil || has {
			if err != nil {
				return err
			}
			continue
		}
		data, err := translog.Record{
			Type:   translog.TypeRulesVersion,
			Source: source,
			At:     m.At.Unix(),
			Rules:  &translog.Rules{Kind: string(v.Kind), Version: v.Number(), State: string(m.State), SHA256: Digest(v)},
		}.Data()
		if err != nil {
			return err
		}
		if err := translog.Enqueue(ctx, tx, translog.Pending{Source: source, Data: data}); err != nil {
			return err
		}
	}
	return nil
}

// logAll logs the public states of every version not logged yet: those of
// an installation that ran before the log existed.
func logAll(ctx context.Context, tx *store.Tx) error {
	vs, err := queryVersions(ctx, tx, "SELECT "+versionColumns+" FROM rules_versions ORDER BY id")
	if err != nil {
		return err
	}
	for _, v := range vs {
		if err := logMilestones(ctx, tx, v); err != nil {
			return err
		}
	}
	return nil
}
