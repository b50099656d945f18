package blacklist_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/blacklist"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/translog"
)

// R-BL-1, R-PII-1 (issue 17): every step of an entry's history is in the
// transparency log once, under its event's id, by the digest the list
// shares, never the ID number, its masked form or the texts.
func TestBlacklistChangesLogged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := change(t, 5)
		var e blacklist.Entry
		mustWrite(t, db, func(ctx context.Context, tx *store.Tx) (err error) {
			e, err = blacklist.Add(ctx, tx, a, "staff:1")
			return err
		})
		mustWrite(t, db, func(ctx context.Context, tx *store.Tx) error {
			_, err := blacklist.RecordAppeal(ctx, tx, e.ID, "我已还清并公开致歉")
			return err
		})
		mustWrite(t, db, func(ctx context.Context, tx *store.Tx) error {
			_, err := blacklist.Uphold(ctx, tx, e.ID, "证据充分", "staff:2")
			return err
		})
		mustWrite(t, db, func(ctx context.Context, tx *store.Tx) error {
			_, err := blacklist.Lift(ctx, tx, e.ID, "期满解除", "staff:2")
			return err
		})
		var recs []translog.LoggedRecord
		var raw []string
		if err := db.Read(context.Background(), func(tx *store.Tx) (err error) {
			if recs, err = translog.Records(context.Background(), tx, translog.TypeBlacklist); err != nil {
				return err
			}
			raw = raw[:0]
			return store.Each(context.Background(), tx, func(rows *sql.Rows) error {
				var b []byte
				err := rows.Scan(&b)
				raw = append(raw, string(b))
				return err
			}, "SELECT data FROM translog_pending")
		}); err != nil {
			t.Fatal(err)
		}
		actions := []string{"add", "appeal", "uphold", "lift"}
		if len(recs) != len(actions) {
			t.Fatalf("%d records, want %d: %+v", len(recs), len(actions), recs)
		}
		for i, r := range recs {
			if r.Blacklist.Entry != e.ID || r.Blacklist.Action != actions[i] || r.Blacklist.Digest != a.Index ||
				!strings.HasPrefix(r.Source, "blacklist:") {
				t.Errorf("record %d: %+v %+v", i, r.Record, r.Blacklist)
			}
		}
		for _, data := range raw {
			for _, secret := range []string{idcard.Demo(5), idcard.Demo(5)[14:], a.Masked, a.Reason, a.Evidence, "我已还清", "证据充分", "期满解除"} {
				if strings.Contains(data, secret) {
					t.Errorf("log entry %s holds %q", data, secret)
				}
			}
		}
	})
}
