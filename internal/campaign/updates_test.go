package campaign

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// A clean update and one with wording typical of commission-taking, spelt
// with full-width letters and a space to slip past a naive filter.
const (
	cleanUpdate = "今天完成了第二次化疗，孩子精神不错，谢谢大家。"
	riskyUpdate = "捐款满一千元可以返 利，ＡＤＤ ME ON WECHAT。"
)

func (f *fixture) post(id, user int64, body string) Update {
	f.t.Helper()
	var u Update
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		u, err = f.s.PostUpdate(ctx, tx, id, user, body)
		return err
	})
	return u
}

// updates reads the updates of request id in a read-only transaction, as
// the public page does.
func (f *fixture) updates(id int64, public bool) []Update {
	f.t.Helper()
	var us []Update
	ctx := context.Background()
	if err := f.db.Read(ctx, func(tx *store.Tx) (err error) {
		us, err = f.s.Updates(ctx, tx, id, public)
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	return us
}

// patrol returns the ids of the patrol queue, checking that each update in
// it comes with its own text, unsealed with its own request's key.
func (f *fixture) patrol(limit int, bodies map[int64]string) []int64 {
	f.t.Helper()
	var us []Update
	ctx := context.Background()
	if err := f.db.Read(ctx, func(tx *store.Tx) (err error) {
		us, err = f.s.PatrolQueue(ctx, tx, limit)
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	var ids []int64
	for _, u := range us {
		if u.Body != bodies[u.ID] || u.Checked || u.TakenDown {
			f.t.Errorf("queued update = %+v, want body %q", u, bodies[u.ID])
		}
		ids = append(ids, u.ID)
	}
	return ids
}

// R-DISC-2: the publisher posts progress updates on a published request;
// they come back in order, and the database holds their text only sealed
// (R-PII-1). Nobody else posts on it, and nothing is posted before
// publication.
func TestPostUpdate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := f.approved(f.alice, valid())
		first := f.post(r.ID, f.alice, "  "+cleanUpdate+"\n")
		if first.Body != cleanUpdate || first.RequestID != r.ID || first.PostedBy != "user:"+strconv.FormatInt(f.alice, 10) ||
			first.Flagged || len(first.Reasons) != 0 || first.Checked || first.TakenDown {
			t.Errorf("posted = %+v", first)
		}
		f.open(r.ID, Opening{}, 0)
		second := f.post(r.ID, f.alice, strings.Repeat("好", MaxUpdate))
		got := f.updates(r.ID, false)
		if len(got) != 2 || !sameUpdate(got[0], first) || !sameUpdate(got[1], second) {
			t.Errorf("updates = %+v\nwant %+v, %+v", got, first, second)
		}
		sealed := rawRow(t, db, "SELECT body_sealed FROM request_updates WHERE id = $1", first.ID)[0]
		if len(sealed) == 0 || bytes.Contains(sealed, []byte("化疗")) {
			t.Errorf("body stored as %q, want sealed", sealed)
		}

		t.Run("NotTheirs", func(t *testing.T) {
			err := f.try(func(ctx context.Context, tx *store.Tx) error {
				_, err := f.s.PostUpdate(ctx, tx, r.ID, f.bob, cleanUpdate)
				return err
			})
			wantErr(t, err, apperr.NotFound, "")
			err = f.try(func(ctx context.Context, tx *store.Tx) error {
				_, err := f.s.PostUpdate(ctx, tx, r.ID+1000, f.alice, cleanUpdate)
				return err
			})
			wantErr(t, err, apperr.NotFound, "")
		})
		t.Run("NotPublished", func(t *testing.T) {
			for _, req := range []Request{f.create(f.alice, valid()), f.submitted(f.alice, valid())} {
				err := f.try(func(ctx context.Context, tx *store.Tx) error {
					_, err := f.s.PostUpdate(ctx, tx, req.ID, f.alice, cleanUpdate)
					return err
				})
				wantErr(t, err, apperr.Conflict, KeyUpdateNotPublished)
			}
		})
		t.Run("Body", func(t *testing.T) {
			for name, body := range map[string]string{
				"Empty":      " \n ",
				"TooLong":    strings.Repeat("好", MaxUpdate+1),
				"Unreadable": "ok\xff",
				"NUL":        "ok\x00",
			} {
				err := f.try(func(ctx context.Context, tx *store.Tx) error {
					_, err := f.s.PostUpdate(ctx, tx, r.ID, f.alice, body)
					return err
				})
				t.Run(name, func(t *testing.T) { wantFields(t, err, KeyUpdateInvalid, "body") })
			}
			if n := len(f.updates(r.ID, false)); n != 2 {
				t.Errorf("%d updates after refusals, want 2", n)
			}
		})
	})
}

func sameUpdate(a, b Update) bool {
	return a.ID == b.ID && a.RequestID == b.RequestID && a.Body == b.Body && a.PostedBy == b.PostedBy &&
		a.PostedAt.Equal(b.PostedAt) && a.Flagged == b.Flagged && slices.Equal(a.Reasons, b.Reasons) &&
		a.Checked == b.Checked && a.TakenDown == b.TakenDown
}

// R-REV-4: every new update is re-screened for risky wording, however it
// is disguised; the verdict is kept with reason keys only, never the
// phrase or the text.
func TestUpdateWordingScreen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := f.approved(f.alice, valid())
		risky := f.post(r.ID, f.alice, riskyUpdate)
		if !risky.Flagged || !slices.Equal(risky.Reasons, []string{"screen.wording.review", "screen.wording.phrase_staff"}) {
			t.Errorf("risky update = %+v", risky)
		}
		clean := f.post(r.ID, f.alice, cleanUpdate)
		if clean.Flagged || len(clean.Reasons) != 0 {
			t.Errorf("clean update = %+v", clean)
		}
		got := f.updates(r.ID, false)
		if !got[0].Flagged || !slices.Equal(got[0].Reasons, risky.Reasons) || got[1].Flagged {
			t.Errorf("stored verdicts: %+v", got)
		}
		row := rawRow(t, db, "SELECT screen_level, screen_reasons FROM request_updates WHERE id = $1", risky.ID)
		if string(row[0]) != "flagged" || bytes.Contains(row[1], []byte("返")) || bytes.Contains(row[1], []byte("wechat")) {
			t.Errorf("stored screen = %s %s", row[0], row[1])
		}
	})
}

// R-REV-4: the patrol queue holds the updates nobody has looked at,
// across requests, flagged ones first, then the oldest; a check or a
// takedown takes an update out of it.
func TestPatrolQueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a := f.approved(f.alice, valid())
		b := f.approved(f.bob, valid())
		u1 := f.post(a.ID, f.alice, cleanUpdate)
		u2 := f.post(b.ID, f.bob, riskyUpdate)
		u3 := f.post(b.ID, f.bob, cleanUpdate)
		u4 := f.post(a.ID, f.alice, riskyUpdate)
		bodies := map[int64]string{u1.ID: cleanUpdate, u2.ID: riskyUpdate, u3.ID: cleanUpdate, u4.ID: riskyUpdate}
		if got, want := f.patrol(10, bodies), []int64{u2.ID, u4.ID, u1.ID, u3.ID}; !slices.Equal(got, want) {
			t.Fatalf("queue %v, want %v", got, want)
		}
		if got, want := f.patrol(2, bodies), []int64{u2.ID, u4.ID}; !slices.Equal(got, want) {
			t.Errorf("queue of 2: %v, want %v", got, want)
		}
		check := func(requestID, updateID int64, actor string) error {
			return f.try(func(ctx context.Context, tx *store.Tx) error {
				return f.s.CheckUpdate(ctx, tx, requestID, updateID, actor)
			})
		}
		if err := check(b.ID, u2.ID, "staff:3"); err != nil {
			t.Fatal(err)
		}
		if err := check(b.ID, u2.ID, "staff:4"); err != nil {
			t.Errorf("a second check: %v", err)
		}
		if got := f.updates(b.ID, false)[0]; !got.Checked || got.CheckedBy != "staff:3" || got.CheckedAt.IsZero() {
			t.Errorf("checked update = %+v, want checked by staff:3", got)
		}
		wantErr(t, check(a.ID, u2.ID, "staff:3"), apperr.NotFound, "")
		f.write(func(ctx context.Context, tx *store.Tx) error {
			return f.s.TakeDown(ctx, tx, a.ID, u4.ID, "含有诱导私下转账的内容", "staff:3")
		})
		if got, want := f.patrol(10, bodies), []int64{u1.ID, u3.ID}; !slices.Equal(got, want) {
			t.Errorf("queue after a check and a takedown: %v, want %v", got, want)
		}
		if got := f.patrol(0, bodies); len(got) != 0 {
			t.Errorf("queue of 0: %v", got)
		}
	})
}

// R-REV-4, R-REQ-6: a takedown hides the text from the public with a
// public reason, but the update stays listed with the reason: nothing
// vanishes without a trace. Staff still read the text; a takedown is never
// repeated or undone.
func TestTakeDown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := f.approved(f.alice, valid())
		keep := f.post(r.ID, f.alice, cleanUpdate)
		down := f.post(r.ID, f.alice, riskyUpdate)
		takeDown := func(updateID int64, reason string) error {
			return f.try(func(ctx context.Context, tx *store.Tx) error {
				return f.s.TakeDown(ctx, tx, r.ID, updateID, reason, "staff:3")
			})
		}
		wantFields(t, takeDown(down.ID, "  "), KeyUpdateInvalid, "reason")
		wantFields(t, takeDown(down.ID, strings.Repeat("违", MaxTakedown+1)), KeyUpdateInvalid, "reason")
		wantErr(t, takeDown(down.ID+1000, "违规"), apperr.NotFound, "")
		const reason = "含有返利承诺，违反平台规则"
		if err := takeDown(down.ID, " "+reason+" "); err != nil {
			t.Fatal(err)
		}

		public := f.updates(r.ID, true)
		if len(public) != 2 {
			t.Fatalf("public list has %d updates, want 2 (the taken-down one stays)", len(public))
		}
		if p := public[0]; p.ID != keep.ID || p.Body != cleanUpdate || p.TakenDown {
			t.Errorf("public kept update = %+v", p)
		}
		p := public[1]
		if p.ID != down.ID || p.Body != "" || !p.TakenDown || p.TakedownReason != reason || p.TakenDownAt.IsZero() ||
			!p.PostedAt.Equal(down.PostedAt) {
			t.Errorf("public taken-down update = %+v", p)
		}
		if p.Flagged || p.Reasons != nil || p.TakenDownBy != "" || p.CheckedBy != "" {
			t.Errorf("public view shows staff details: %+v", p)
		}
		staff := f.updates(r.ID, false)[1]
		if staff.Body != riskyUpdate || !staff.TakenDown || staff.TakenDownBy != "staff:3" || !staff.Flagged ||
			!staff.Checked || staff.CheckedBy != "staff:3" {
			t.Errorf("staff view = %+v", staff)
		}
		wantErr(t, takeDown(down.ID, "再次撤下"), apperr.Conflict, KeyUpdateAlreadyDown)
		if got := f.updates(r.ID, false)[1]; got.TakedownReason != reason {
			t.Errorf("reason after a second takedown = %q", got.TakedownReason)
		}
	})
}

// R-REQ-6, R-REV-4: updates are never deleted, their text never changes
// once sealed, and neither who posted them, their screening, a check nor a
// takedown can be rewritten.
func TestUpdatesAppendOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := f.approved(f.alice, valid())
		u := f.post(r.ID, f.alice, cleanUpdate)
		other := f.post(r.ID, f.alice, riskyUpdate)
		f.write(func(ctx context.Context, tx *store.Tx) error {
			if err := f.s.CheckUpdate(ctx, tx, r.ID, u.ID, "staff:3"); err != nil {
				return err
			}
			return f.s.TakeDown(ctx, tx, r.ID, other.ID, "违规", "staff:3")
		})
		id, oid := strconv.FormatInt(u.ID, 10), strconv.FormatInt(other.ID, 10)
		type stmt struct {
			q    string
			args []any
		}
		stmts := []stmt{
			{"DELETE FROM request_updates WHERE id = " + id, nil},
			{"UPDATE request_updates SET body_sealed = body_sealed WHERE id = " + id, nil},
			{"UPDATE request_updates SET body_sealed = $1 WHERE id = " + id, []any{[]byte{1, 2, 3}}},
			{"UPDATE request_updates SET body_sealed = $1 WHERE id = " + id, []any{[]byte{}}},
			{"UPDATE request_updates SET posted_by = 'user:999' WHERE id = " + id, nil},
			{"UPDATE request_updates SET screen_level = 'ok' WHERE id = " + oid, nil},
			{"UPDATE request_updates SET checked_by = 'staff:4' WHERE id = " + id, nil},
			{"UPDATE request_updates SET checked_by = NULL, checked_at = NULL WHERE id = " + id, nil},
			{"UPDATE request_updates SET taken_down_by = NULL, taken_down_at = NULL, takedown_reason = NULL WHERE id = " + oid, nil},
			{"UPDATE request_updates SET takedown_reason = '无' WHERE id = " + oid, nil},
		}
		if db.Dialect() == store.Postgres {
			stmts = append(stmts, stmt{"TRUNCATE request_updates", nil})
		}
		for _, s := range stmts {
			err := f.try(func(ctx context.Context, tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, s.q, s.args...)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), "never") {
				t.Errorf("%s: error %v, want refused by a trigger", s.q, err)
			}
		}
		if got := f.updates(r.ID, false); len(got) != 2 || got[0].Body != cleanUpdate || got[1].TakedownReason != "违规" {
			t.Errorf("updates after the attempts: %+v", got)
		}
	})
}

// R-PII-1: a sealed body opens only as the update it was sealed for.
func TestUpdateBodyBoundToUpdate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := f.approved(f.alice, valid())
		u := f.post(r.ID, f.alice, cleanUpdate)
		sealed := rawRow(t, db, "SELECT body_sealed FROM request_updates WHERE id = $1", u.ID)[0]
		var keyID int64
		ctx := context.Background()
		err := db.Read(ctx, func(tx *store.Tx) error {
			if err := tx.QueryRowContext(ctx, "SELECT key_id FROM requests WHERE id = $1", r.ID).Scan(&keyID); err != nil {
				return err
			}
			key, err := f.s.Vault.Key(ctx, tx, keyID)
			if err != nil {
				return err
			}
			if body, err := key.OpenString(updateAAD(u.ID), sealed); err != nil || body != cleanUpdate {
				t.Errorf("open as itself = %q, %v", body, err)
			}
			if _, err := key.OpenString(updateAAD(u.ID+1), sealed); err == nil {
				t.Error("the body opened as another update")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
