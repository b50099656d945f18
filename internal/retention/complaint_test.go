package retention

import (
	"bytes"
	"context"
	"crypto/rand"
	"image"
	"image/png"
	"reflect"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/complaint"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/staff/stafftest"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/vault"
)

// TestComplaintsAnonymized (R-PII-2): a complaint's contact details and
// evidence are anonymized the retention period after it was closed,
// whether or not it concerns a request, and not a day sooner; an open one
// never. The statistics and the published response stay; the fixed
// records accept that change only from a marked, closed complaint.
func TestComplaintsAnonymized(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 8, 2, 0, 0, 0, time.UTC) // a Tuesday, 10:00 in Shanghai
		db.SetClock(func() time.Time { return now })
		keys := &keyring.Keys{}
		rand.Read(keys.Master[:])
		rand.Read(keys.Index[:])
		v := vault.New(keys)
		cs := campaign.Store{Vault: v}
		var req int64
		var h staff.Staff
		write(t, db, func(tx *store.Tx) error {
			user, err := campaigntest.User(ctx, tx, v, "publisher")
			if err != nil {
				return err
			}
			if req, err = campaigntest.Fundraising(ctx, tx, cs, user, campaigntest.Filing(), 0); err != nil {
				return err
			}
			h, _, err = staff.Create(ctx, tx, stafftest.Sealer(t), "handler1", staff.Complaints, "correct horse battery")
			return err
		})
		cs2 := &complaint.Service{DB: db, Vault: v}
		var img bytes.Buffer
		if err := png.Encode(&img, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
			t.Fatal(err)
		}
		submit := func(in complaint.Input, client string) (complaint.Receipt, int64) {
			t.Helper()
			r, err := cs2.Submit(ctx, in, complaint.SubmitMeta{ClientKey: client})
			if err != nil {
				t.Fatal(err)
			}
			var id int64
			read(t, db, func(tx *store.Tx) error {
				return tx.QueryRowContext(ctx, "SELECT id FROM complaints WHERE number = $1", r.Number).Scan(&id)
			})
			return r, id
		}
		rec := func(action string) audit.Record {
			return audit.Record{Actor: h.Actor(), Action: action, Object: "complaint", Result: audit.ResultOK, Source: "192.0.2.1"}
		}
		ra, a := submit(complaint.Input{Category: complaint.CategoryFalseInfo, RequestID: req, Text: "病历是假的",
			ContactName: "李四", ContactPhone: "13812345678",
			Evidence: []complaint.Evidence{{Name: "李四的截图.png", Data: img.Bytes()}}}, "c1")
		_, b := submit(complaint.Input{Category: complaint.CategoryPrivacy, Text: "泄露了我的信息", ContactEmail: "lisi@example.com"}, "c2")
		_, c := submit(complaint.Input{Category: complaint.CategoryOther, Text: "还没处理完", ContactPhone: "13900000000"}, "c3")
		now = now.Add(2 * time.Hour)
		resp := "经核查，部分病历与医院记录不符，已暂停筹款。"
		if err := cs2.Resolve(ctx, rec("complaint.resolve"), a, complaint.OutcomeUpheld, resp, true, h); err != nil {
			t.Fatal(err)
		}
		if err := cs2.Dismiss(ctx, rec("complaint.dismiss"), b, "不属于本平台处理范围。", h); err != nil {
			t.Fatal(err)
		}
		closed := now
		from, to := closed.AddDate(0, -1, 0), closed.AddDate(0, 1, 0)
		stats, err := cs2.Stats(ctx, from, to)
		if err != nil {
			t.Fatal(err)
		}

		// Before it is marked, neither the evidence nor an open complaint's
		// mark can change.
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE complaint_evidence SET data_sealed = $1 WHERE complaint_id = $2", Tombstone, a)
			return err
		}); err == nil {
			t.Error("evidence of a complaint not anonymized was changed")
		}
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE complaints SET anonymized_at = 1, contact_sealed = $1 WHERE id = $2", Tombstone, c)
			return err
		}); err == nil {
			t.Error("an open complaint was anonymized")
		}
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE complaints SET contact_masked = 'x' WHERE id = $1", a)
			return err
		}); err == nil {
			t.Error("the contact of a complaint not anonymized was changed")
		}

		s := &Service{DB: db, Campaigns: cs, Years: 3}
		type state struct {
			contact, evidence []byte
			masked, name      string
			marked            bool
			shredded          bool
		}
		look := func(id int64) state {
			t.Helper()
			var st state
			var at *int64
			read(t, db, func(tx *store.Tx) error {
				if err := tx.QueryRowContext(ctx, `SELECT c.contact_sealed, c.contact_masked, c.anonymized_at, k.master_fingerprint = $1
					FROM complaints c JOIN data_keys k ON k.id = c.key_id WHERE c.id = $2`, vault.ShreddedFingerprint, id).
					Scan(&st.contact, &st.masked, &at, &st.shredded); err != nil {
					return err
				}
				err := tx.QueryRowContext(ctx, "SELECT data_sealed, name FROM complaint_evidence WHERE complaint_id = $1", id).Scan(&st.evidence, &st.name)
				if err != nil && id == a {
					return err
				}
				return nil
			})
			st.marked = at != nil
			return st
		}

		// Three years less a day after closing: untouched.
		now = closed.AddDate(3, 0, -1)
		res, err := s.Run(ctx, Batch)
		if err != nil {
			t.Fatal(err)
		}
		if res.Complaints != 0 {
			t.Errorf("a day early: %d complaints anonymized", res.Complaints)
		}
		for _, id := range []int64{a, b} {
			if st := look(id); st.marked || st.shredded || bytes.Equal(st.contact, Tombstone) || st.masked == complaint.AnonymizedContact {
				t.Errorf("complaint %d a day early: %+v", id, st)
			}
		}
		if st := look(a); bytes.Equal(st.evidence, Tombstone) || st.name != "李四的截图.png" {
			t.Errorf("evidence a day early: %q", st.name)
		}

		// A day later: contact and evidence hold nothing personal, with or
		// without a request; the open one is left.
		now = closed.AddDate(3, 0, 0)
		if res, err = s.Run(ctx, Batch); err != nil {
			t.Fatal(err)
		}
		if res.Complaints != 2 {
			t.Errorf("at three years: %d complaints anonymized, want 2", res.Complaints)
		}
		for _, id := range []int64{a, b} {
			st := look(id)
			if !st.marked || !st.shredded || !bytes.Equal(st.contact, Tombstone) || st.masked != complaint.AnonymizedContact {
				t.Errorf("complaint %d at three years: %+v", id, st)
			}
		}
		if st := look(a); !bytes.Equal(st.evidence, Tombstone) || st.name != complaint.AnonymizedEvidenceName {
			t.Errorf("evidence at three years: %q", st.name)
		}
		if st := look(c); st.marked || st.shredded || st.masked == complaint.AnonymizedContact {
			t.Errorf("open complaint: %+v", st)
		}
		// The statistics and the published response stay.
		after, err := cs2.Stats(ctx, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(after, stats) {
			t.Errorf("Stats after = %+v, before %+v", after, stats)
		}
		got, err := cs2.Responses(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Number != ra.Number || got[0].Response != resp || got[0].Outcome != complaint.OutcomeUpheld {
			t.Errorf("Responses = %+v", got)
		}
		// The secret went with the key: tracking finds nothing, and fails no worse.
		if _, err := cs2.Track(ctx, ra.Number, ra.Secret, 0); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("Track of an anonymized complaint: %v", err)
		}
		var audited int
		read(t, db, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE actor = 'system' AND action = 'retention.anonymize'
				AND object LIKE 'complaint:%'`).Scan(&audited)
		})
		if audited != 2 {
			t.Errorf("%d audit records, want 2", audited)
		}
		// Once only: a second run clears nothing, and the mark never moves.
		if res, err = s.Run(ctx, Batch); err != nil || res.Complaints != 0 {
			t.Errorf("second run: %+v, %v", res, err)
		}
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE complaints SET anonymized_at = anonymized_at + 1 WHERE id = $1", a)
			return err
		}); err == nil {
			t.Error("the mark of an anonymized complaint moved")
		}
	})
}

func write(t *testing.T, db *store.DB, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := db.Write(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, db *store.DB, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := db.Read(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}
