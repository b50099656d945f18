package retention

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/staff/stafftest"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/vault"
)

// TestFrom (R-PII-2, R-WIND-1): after a wind-down the period counts from
// the later of the request's completion and the wind-down's.
func TestFrom(t *testing.T) {
	own := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	wound := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name            string
		completed, down time.Time
		want            time.Time
	}{
		{"no wind-down", own, time.Time{}, own},
		{"wind-down completed later", own, wound, wound},
		{"wind-down completed earlier", wound, own, wound},
	} {
		if got := From(tt.completed, tt.down); !got.Equal(tt.want) {
			t.Errorf("%s: From = %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestWindDownDelaysRetention (R-PII-2, R-WIND-1, decision 0033): a request
// completed before the wind-down completed is due three years after the
// wind-down, not after its own completion.
func TestWindDownDelaysRetention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 8, 2, 0, 0, 0, time.UTC)
		db.SetClock(func() time.Time { return now })
		keys := &keyring.Keys{}
		rand.Read(keys.Master[:])
		rand.Read(keys.Index[:])
		v := vault.New(keys)
		cs := campaign.Store{Vault: v}
		var req int64
		write(t, db, func(tx *store.Tx) error {
			user, err := campaigntest.User(ctx, tx, v, "publisher")
			if err != nil {
				return err
			}
			if req, err = campaigntest.Fundraising(ctx, tx, cs, user, campaigntest.Filing(), 0); err != nil {
				return err
			}
			if _, err := cs.Close(ctx, tx, req, campaign.Closing{Reason: campaign.PurposeAchieved}, "", "staff:1"); err != nil {
				return err
			}
			for _, ev := range []campaign.Event{campaign.Settle, campaign.Complete} {
				if _, err := cs.Apply(ctx, tx, req, ev, "system", "test"); err != nil {
					return err
				}
			}
			return nil
		})
		completedAt := now
		s := &Service{DB: db, Campaigns: cs, Years: 3}
		next := func() Request {
			t.Helper()
			o, err := s.Overview(ctx, 10)
			if err != nil || len(o.Next) != 1 || o.Next[0].ID != req {
				t.Fatalf("Overview = %+v, %v", o, err)
			}
			return o.Next[0]
		}
		if r := next(); !r.DueAt.Equal(completedAt.AddDate(3, 0, 0)) || !r.WoundDownAt.IsZero() {
			t.Fatalf("without a wind-down: %+v", r)
		}

		// The platform winds down; it completes 90 days after the request did.
		wound := completedAt.AddDate(0, 0, 90)
		write(t, db, func(tx *store.Tx) error {
			var ids [2]int64
			for i, name := range []string{"admin1", "admin2"} {
				st, _, err := staff.Create(ctx, tx, stafftest.Sealer(t), name, staff.Admin, "correct horse battery")
				if err != nil {
					return err
				}
				ids[i] = st.ID
			}
			var p int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO staff_proposals (kind, object, payload, reason, proposed_by, proposed_at,
				status, decided_by, decided_at) VALUES ('wind_down', 'platform', '{}', 'withdrawn', $1, $2, 'approved', $3, $2) RETURNING id`,
				ids[0], completedAt.UnixMicro(), ids[1]).Scan(&p); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO wind_downs (proposal_id, live, reason, notice, withdrawn_on, ministry_ref,
				proposed_by, proposed_at, approved_by, approved_at, refund_from, deadline, completed_at)
				VALUES ($1, 1, 'withdrawn', 'notice', '2026-12-08', 'ref', $2, $3, $4, $3, $5, $6, $7)`,
				p, ids[0], completedAt.UnixMicro(), ids[1], completedAt.AddDate(0, 0, 30).UnixMicro(),
				completedAt.AddDate(0, 0, 60).UnixMicro(), wound.UnixMicro())
			return err
		})
		if r := next(); !r.DueAt.Equal(wound.AddDate(3, 0, 0)) || !r.WoundDownAt.Equal(wound) || !r.CompletedAt.Equal(completedAt) {
			t.Fatalf("after a wind-down: %+v, want due %s", r, wound.AddDate(3, 0, 0))
		}
		anonymized := func() bool {
			var at *int64
			read(t, db, func(tx *store.Tx) error {
				return tx.QueryRowContext(ctx, "SELECT anonymized_at FROM requests WHERE id = $1", req).Scan(&at)
			})
			return at != nil
		}
		// Three years after its own completion, and after the wind-down
		// less a day: not due.
		for _, at := range []time.Time{completedAt.AddDate(3, 0, 1), wound.AddDate(3, 0, -1)} {
			now = at
			if res, err := s.Run(ctx, Batch); err != nil || res.Anonymized != 0 || anonymized() {
				t.Fatalf("at %s: %+v, %v", at, res, err)
			}
		}
		// Three years after the wind-down completed: due.
		now = wound.AddDate(3, 0, 0)
		if res, err := s.Run(ctx, Batch); err != nil || res.Anonymized != 1 || !anonymized() {
			t.Fatalf("three years after the wind-down: %+v, %v", res, err)
		}
	})
}
