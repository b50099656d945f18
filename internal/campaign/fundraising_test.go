package campaign

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// bigFiling returns a valid filing whose target is above CapFen.
func bigFiling() Filing {
	fl := valid()
	fl.Target = CapFen + 100_000_00
	fl.Use = []UseItem{{Label: "骨髓移植", Amount: CapFen + 100_000_00}}
	return fl
}

// open opens the channel of approved request id, failing the test on a
// refusal.
func (f *fixture) open(id int64, o Opening, period time.Duration) Channel {
	f.t.Helper()
	var ch Channel
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		ch, err = f.s.OpenFundraising(ctx, tx, id, o, period, "staff:7")
		return err
	})
	return ch
}

// fundraising creates a valid request of user and opens its channel.
func (f *fixture) fundraising(user int64, period time.Duration) Channel {
	f.t.Helper()
	r := f.approved(user, valid())
	return f.open(r.ID, Opening{}, period)
}

func (f *fixture) channel(id int64) Channel {
	f.t.Helper()
	var ch Channel
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		ch, err = f.s.Fundraising(ctx, tx, id)
		return err
	})
	return ch
}

func (f *fixture) close(id int64, c Closing, note string) (Channel, error) {
	var ch Channel
	err := f.try(func(ctx context.Context, tx *store.Tx) (err error) {
		ch, err = f.s.Close(ctx, tx, id, c, note, "user:1")
		return err
	})
	return ch, err
}

func (f *fixture) closeExpired(now time.Time) []int64 {
	f.t.Helper()
	var ids []int64
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		ids, err = f.s.CloseExpired(ctx, tx, now)
		return err
	})
	return ids
}

// wantFields fails unless err is an Invalid *apperr.Error with key and
// errors on exactly the fields.
func wantFields(t *testing.T, err error, key string, fields ...string) {
	t.Helper()
	e := apperr.As(err)
	if e == nil || e.Code != apperr.Invalid || e.Key != key {
		t.Fatalf("error = %v, want Invalid %s", err, key)
	}
	var got []string
	for _, fe := range e.Fields {
		got = append(got, fe.Field)
	}
	if !slices.Equal(got, fields) {
		t.Errorf("fields = %v, want %v", got, fields)
	}
}

// R-PUB-4: the channel of an approved request opens for the default period
// of 30 days, or the period configured; opening is a recorded change of
// state, and only an approved request opens.
func TestOpenFundraising(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := f.approved(f.alice, valid())
		ch := f.open(r.ID, Opening{}, 0)
		if ch.RequestID != r.ID || ch.Extensions != 0 || ch.Closed || ch.OpenedAt.IsZero() {
			t.Errorf("channel = %+v", ch)
		}
		if got := ch.Deadline.Sub(ch.OpenedAt); got != DefaultPeriod {
			t.Errorf("period = %v, want %v", got, DefaultPeriod)
		}
		if got := f.channel(r.ID); got != ch {
			t.Errorf("read back %+v\nwant %+v", got, ch)
		}
		if st := f.get(r.ID).State; st != Fundraising {
			t.Errorf("state = %s, want %s", st, Fundraising)
		}
		es := f.events(r.ID)
		if last := es[len(es)-1]; last.Event != Open || last.To != Fundraising || last.Actor != "staff:7" {
			t.Errorf("last event = %+v", last)
		}

		t.Run("PeriodConfigurable", func(t *testing.T) {
			r := f.approved(f.alice, valid())
			ch := f.open(r.ID, Opening{}, 7*24*time.Hour)
			if got := ch.Deadline.Sub(ch.OpenedAt); got != 7*24*time.Hour {
				t.Errorf("period = %v, want 7 days", got)
			}
			if got := f.channel(r.ID).Deadline; !got.Equal(ch.Deadline) {
				t.Errorf("stored deadline %s, want %s", got, ch.Deadline)
			}
		})
		t.Run("OpenTwice", func(t *testing.T) {
			err := f.try(func(ctx context.Context, tx *store.Tx) error {
				_, err := f.s.OpenFundraising(ctx, tx, r.ID, Opening{}, 0, "staff:7")
				return err
			})
			wantErr(t, err, apperr.Conflict, KeyTransition)
		})
		t.Run("NotApproved", func(t *testing.T) {
			s := f.submitted(f.alice, valid())
			err := f.try(func(ctx context.Context, tx *store.Tx) error {
				_, err := f.s.OpenFundraising(ctx, tx, s.ID, Opening{}, 0, "staff:7")
				return err
			})
			wantErr(t, err, apperr.Conflict, KeyTransition)
			err = f.try(func(ctx context.Context, tx *store.Tx) error {
				_, err := f.s.Fundraising(ctx, tx, s.ID)
				return err
			})
			wantErr(t, err, apperr.NotFound, "")
		})
		t.Run("NoSuchRequest", func(t *testing.T) {
			err := f.try(func(ctx context.Context, tx *store.Tx) error {
				_, err := f.s.OpenFundraising(ctx, tx, r.ID+1000, Opening{}, 0, "staff:7")
				return err
			})
			wantErr(t, err, apperr.NotFound, "")
		})
	})
}

// R-REQ-4: above ¥500,000 the channel opens only once the medical
// institution's certificate is reviewed and published; R-REQ-5: a further
// request for the same patient above ¥500,000 also needs the reviewed list
// of expenses. The request's own target counts, whatever the caller passed.
func TestOpenFundraisingAboveCap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tests := []struct {
			name string
			o    Opening
			key  string // "" when the channel opens
		}{
			{"NoCertificate", Opening{}, KeyCertificateMissing},
			{"TargetUnderstated", Opening{Target: 1000_00, CertificateReviewed: true}, KeyCertificateUnpublished},
			{"Unpublished", Opening{CertificateReviewed: true}, KeyCertificateUnpublished},
			{"SecondWithoutExpenses", Opening{EarlierRequests: 1, CertificateReviewed: true, CertificatePublished: true},
				KeyExpenseListMissing},
			{"SecondWithExpenses", Opening{EarlierRequests: 1, CertificateReviewed: true, CertificatePublished: true,
				ExpenseListReviewed: true}, ""},
			{"Certified", Opening{CertificateReviewed: true, CertificatePublished: true}, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := f.approved(f.alice, bigFiling())
				err := f.try(func(ctx context.Context, tx *store.Tx) error {
					_, err := f.s.OpenFundraising(ctx, tx, r.ID, tt.o, 0, "staff:7")
					return err
				})
				want := Approved
				if tt.key == "" {
					want = Fundraising
					if err != nil {
						t.Fatalf("OpenFundraising = %v", err)
					}
				} else {
					wantErr(t, err, apperr.Conflict, tt.key)
				}
				if st := f.get(r.ID).State; st != want {
					t.Errorf("state = %s, want %s", st, want)
				}
			})
		}
	})
}

// R-PUB-4: a channel is extended once, while fundraising and before its
// deadline, by ExtensionPeriod; never twice, and never after the deadline.
func TestExtend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		extend := func(id int64) (Channel, error) {
			var ch Channel
			err := f.try(func(ctx context.Context, tx *store.Tx) (err error) {
				ch, err = f.s.Extend(ctx, tx, id, "staff:9")
				return err
			})
			return ch, err
		}
		ch := f.fundraising(f.alice, 0)
		got, err := extend(ch.RequestID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Extensions != 1 || !got.Deadline.Equal(ch.Deadline.Add(ExtensionPeriod)) || !got.OpenedAt.Equal(ch.OpenedAt) {
			t.Errorf("extended = %+v, from %+v", got, ch)
		}
		if stored := f.channel(ch.RequestID); stored != got {
			t.Errorf("stored %+v\nwant %+v", stored, got)
		}
		if !got.Deadline.Equal(Deadline(got.OpenedAt, 1)) {
			t.Errorf("deadline %s, want Deadline(opened, 1) = %s", got.Deadline, Deadline(got.OpenedAt, 1))
		}
		// The row says who extended it; the life cycle has no event for it.
		by := rawRow(t, db, "SELECT extended_by FROM request_fundraising WHERE request_id = $1", ch.RequestID)
		if string(by[0]) != "staff:9" {
			t.Errorf("extended_by = %s", by[0])
		}
		if es := f.events(ch.RequestID); es[len(es)-1].Event != Open {
			t.Errorf("last event = %+v, want the opening", es[len(es)-1])
		}

		t.Run("Twice", func(t *testing.T) {
			_, err := extend(ch.RequestID)
			wantErr(t, err, apperr.Conflict, KeyNoExtension)
			if stored := f.channel(ch.RequestID); stored != got {
				t.Errorf("stored %+v after a refused extension", stored)
			}
		})
		t.Run("AfterDeadline", func(t *testing.T) {
			short := f.fundraising(f.alice, time.Microsecond)
			time.Sleep(2 * time.Millisecond)
			_, err := extend(short.RequestID)
			wantErr(t, err, apperr.Conflict, KeyNoExtension)
		})
		t.Run("NotFundraising", func(t *testing.T) {
			r := f.approved(f.alice, valid())
			_, err := extend(r.ID)
			wantErr(t, err, apperr.Conflict, KeyNoExtension)
			closed := f.fundraising(f.alice, 0)
			if _, err := f.close(closed.RequestID, Closing{Reason: ClosedByRequester}, ""); err != nil {
				t.Fatal(err)
			}
			_, err = extend(closed.RequestID)
			wantErr(t, err, apperr.Conflict, KeyNoExtension)
		})
	})
}

// R-PUB-4: the channel closes for each reason (target reached, period
// ended, purpose achieved, purpose gone through recovery, death or
// treatment abandoned, the requester, staff, wind-down); the closing is
// recorded with who, why and the public note, and the change of state
// carries the public notice's key.
func TestClose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var closings []Closing
		for _, r := range CloseReasons {
			if r != PurposeGone {
				closings = append(closings, Closing{Reason: r})
			}
		}
		for _, g := range GoneCauses {
			closings = append(closings, Closing{Reason: PurposeGone, Cause: g})
		}
		for _, c := range closings {
			t.Run(c.PublicKey(), func(t *testing.T) {
				ch := f.fundraising(f.alice, 0)
				note := " 感谢大家的帮助 "
				got, err := f.close(ch.RequestID, c, note)
				if err != nil {
					t.Fatal(err)
				}
				if !got.Closed || got.Closing != c || got.ClosedBy != "user:1" || got.Note != strings.TrimSpace(note) ||
					got.ClosedAt.Before(got.OpenedAt) || !got.OpenedAt.Equal(ch.OpenedAt) || !got.Deadline.Equal(ch.Deadline) {
					t.Errorf("closed = %+v, from %+v", got, ch)
				}
				if stored := f.channel(ch.RequestID); stored != got {
					t.Errorf("stored %+v\nwant %+v", stored, got)
				}
				if st := f.get(ch.RequestID).State; st != Closed {
					t.Errorf("state = %s", st)
				}
				es := f.events(ch.RequestID)
				if last := es[len(es)-1]; last.Event != Close || last.Reason != c.PublicKey() || !i18n.Has(last.Reason) {
					t.Errorf("last event = %+v", last)
				}
			})
		}
	})
}

// R-PUB-4: a closing needs a valid reason, and a cause exactly when the
// purpose is gone; the note is short. Nothing changes on a refusal.
func TestCloseInvalid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ch := f.fundraising(f.alice, 0)
		tests := []struct {
			name  string
			c     Closing
			note  string
			key   string
			field string
		}{
			{"NoReason", Closing{}, "", KeyCloseReason, "reason"},
			{"UnknownReason", Closing{Reason: "bored"}, "", KeyCloseReason, "reason"},
			{"GoneWithoutCause", Closing{Reason: PurposeGone}, "", KeyCloseReason, "cause"},
			{"CauseWithoutGone", Closing{Reason: PurposeAchieved, Cause: Recovered}, "", KeyCloseReason, "cause"},
			{"NoteTooLong", Closing{Reason: PurposeAchieved}, strings.Repeat("谢", MaxCloseNote+1), KeyFundraisingInvalid, "note"},
			{"NoteUnreadable", Closing{Reason: PurposeAchieved}, "ok\xff", KeyFundraisingInvalid, "note"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := f.close(ch.RequestID, tt.c, tt.note)
				wantFields(t, err, tt.key, tt.field)
				if got := f.channel(ch.RequestID); got != ch {
					t.Errorf("channel changed: %+v", got)
				}
			})
		}
		if _, err := f.close(ch.RequestID, Closing{Reason: PurposeAchieved}, strings.Repeat("谢", MaxCloseNote)); err != nil {
			t.Errorf("a note of %d runes: %v", MaxCloseNote, err)
		}
	})
}

// R-PUB-4: a channel closes once: a second close (a double click) is
// refused and the first closing stays.
func TestDoubleClose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ch := f.fundraising(f.alice, 0)
		first, err := f.close(ch.RequestID, Closing{Reason: PurposeGone, Cause: Recovered}, "")
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.close(ch.RequestID, Closing{Reason: ClosedByStaff}, "")
		wantErr(t, err, apperr.Conflict, KeyTransition)
		if got := f.channel(ch.RequestID); got != first {
			t.Errorf("after a second close %+v\nwant %+v", got, first)
		}
		if n := len(f.events(ch.RequestID)); n != 6 {
			t.Errorf("%d events, want 6", n)
		}
	})
}

// R-PUB-4: an approved request whose purpose is gone before its channel
// opened closes too, and can no longer open.
func TestCloseBeforeOpening(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := f.approved(f.alice, valid())
		got, err := f.close(r.ID, Closing{Reason: PurposeGone, Cause: Died}, "")
		if err != nil {
			t.Fatal(err)
		}
		if !got.Closed || !got.OpenedAt.Equal(got.ClosedAt) || !got.Deadline.Equal(got.ClosedAt) ||
			got.Closing != (Closing{Reason: PurposeGone, Cause: Died}) {
			t.Errorf("closed = %+v", got)
		}
		err = f.try(func(ctx context.Context, tx *store.Tx) error {
			_, err := f.s.OpenFundraising(ctx, tx, r.ID, Opening{}, 0, "staff:7")
			return err
		})
		wantErr(t, err, apperr.Conflict, KeyTransition)
		// Opened by the bare change of state, without a channel row: the
		// closing is recorded all the same.
		bare := f.approved(f.alice, valid())
		f.apply(bare.ID, Open)
		if got, err := f.close(bare.ID, Closing{Reason: WindDown}, ""); err != nil || !got.Closed || got.Closing.Reason != WindDown {
			t.Errorf("closing a bare opening = %+v, %v", got, err)
		}
		// Not yet approved: nothing to close.
		s := f.submitted(f.alice, valid())
		_, err = f.close(s.ID, Closing{Reason: ClosedByRequester}, "")
		wantErr(t, err, apperr.Conflict, KeyTransition)
	})
}

// R-PUB-4: at the end of its period, exactly at the deadline and not a
// microsecond before, a channel closes with PeriodEnded by the system; an
// extended channel runs to its new deadline; running it again closes
// nothing more.
func TestCloseExpired(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a := f.fundraising(f.alice, time.Hour)
		b := f.fundraising(f.bob, 2*time.Hour)
		extended := f.fundraising(f.alice, time.Hour)
		f.write(func(ctx context.Context, tx *store.Tx) error {
			_, err := f.s.Extend(ctx, tx, extended.RequestID, "staff:9")
			return err
		})
		closed := f.fundraising(f.alice, time.Hour)
		if _, err := f.close(closed.RequestID, Closing{Reason: ClosedByRequester}, ""); err != nil {
			t.Fatal(err)
		}

		if ids := f.closeExpired(a.Deadline.Add(-time.Microsecond)); len(ids) != 0 {
			t.Errorf("a microsecond early: closed %v", ids)
		}
		if ids := f.closeExpired(a.Deadline); !slices.Equal(ids, []int64{a.RequestID}) {
			t.Errorf("at the deadline: closed %v, want [%d]", ids, a.RequestID)
		}
		if ids := f.closeExpired(a.Deadline); len(ids) != 0 {
			t.Errorf("again: closed %v", ids)
		}
		got := f.channel(a.RequestID)
		if !got.Closed || got.Closing != (Closing{Reason: PeriodEnded}) || got.ClosedBy != SystemActor {
			t.Errorf("expired channel = %+v", got)
		}
		es := f.events(a.RequestID)
		if last := es[len(es)-1]; last.Event != Close || last.Actor != SystemActor || last.Reason != "campaign.close.period_ended" {
			t.Errorf("last event = %+v", last)
		}

		later := b.Deadline.Add(time.Minute)
		if ids := f.closeExpired(later); !slices.Equal(ids, []int64{b.RequestID}) {
			t.Errorf("after b's deadline: closed %v, want [%d]", ids, b.RequestID)
		}
		if got := f.channel(closed.RequestID); got.Closing.Reason != ClosedByRequester {
			t.Errorf("a channel closed before stays as it was: %+v", got)
		}
		if got := f.channel(extended.RequestID); got.Closed {
			t.Errorf("extended channel closed at its first deadline: %+v", got)
		}
		ext := f.channel(extended.RequestID)
		if ids := f.closeExpired(ext.Deadline); !slices.Equal(ids, []int64{extended.RequestID}) {
			t.Errorf("at the extended deadline: closed %v", ids)
		}
	})
}

// R-PUB-4: the channel closes when the target is reached, not a fen
// before, and only while fundraising.
func TestCloseIfReached(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		reached := func(id int64, raised money.Fen) bool {
			t.Helper()
			var ok bool
			f.write(func(ctx context.Context, tx *store.Tx) (err error) {
				ok, err = f.s.CloseIfReached(ctx, tx, id, raised)
				return err
			})
			return ok
		}
		ch := f.fundraising(f.alice, 0)
		target := valid().Target
		if reached(ch.RequestID, target-1) {
			t.Error("closed a fen short of the target")
		}
		if f.channel(ch.RequestID).Closed {
			t.Error("channel closed a fen short")
		}
		if !reached(ch.RequestID, target) {
			t.Error("not closed at the target")
		}
		got := f.channel(ch.RequestID)
		if got.Closing != (Closing{Reason: TargetReached}) || got.ClosedBy != SystemActor {
			t.Errorf("closed = %+v", got)
		}
		if reached(ch.RequestID, target+1) {
			t.Error("closed twice")
		}
		r := f.approved(f.alice, valid())
		if reached(r.ID, target*2) {
			t.Error("closed a request whose channel never opened")
		}
		err := f.try(func(ctx context.Context, tx *store.Tx) error {
			_, err := f.s.CloseIfReached(ctx, tx, r.ID+1000, target)
			return err
		})
		wantErr(t, err, apperr.NotFound, "")
	})
}

// R-PUB-1: the home page lists published requests, those fundraising
// first (newest opened first); drafts and requests under review are not
// listed.
func TestListed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		approved := f.approved(f.alice, valid())
		older := f.fundraising(f.alice, 0)
		newer := f.fundraising(f.bob, 0)
		closed := f.fundraising(f.bob, 0)
		if _, err := f.close(closed.RequestID, Closing{Reason: PurposeAchieved}, ""); err != nil {
			t.Fatal(err)
		}
		f.create(f.alice, valid())
		f.submitted(f.bob, valid())

		list := func(limit int) []Card {
			var cards []Card
			err := db.Read(context.Background(), func(tx *store.Tx) (err error) {
				cards, err = f.s.Listed(context.Background(), tx, limit)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return cards
		}
		cards := list(10)
		var ids []int64
		for _, c := range cards {
			ids = append(ids, c.ID)
		}
		want := []int64{newer.RequestID, older.RequestID, approved.ID, closed.RequestID}
		if !slices.Equal(ids, want) {
			t.Fatalf("listed %v, want %v", ids, want)
		}
		fl := valid()
		if c := cards[0]; c.Title != fl.Title || c.Target != fl.Target || c.State != Fundraising || !c.Deadline.Equal(newer.Deadline) {
			t.Errorf("card = %+v", c)
		}
		if c := cards[2]; c.State != Approved || !c.Deadline.IsZero() {
			t.Errorf("approved card = %+v", c)
		}
		if c := cards[3]; c.State != Closed {
			t.Errorf("closed card = %+v", c)
		}
		if got := list(2); len(got) != 2 || got[0].ID != newer.RequestID {
			t.Errorf("limit 2: %+v", got)
		}
		if got := list(0); len(got) != 0 {
			t.Errorf("limit 0: %+v", got)
		}
	})
}

// R-PUB-4, R-REQ-6: a channel's row is never deleted, its opening time
// never changes, its deadline never moves back, and a closed channel is
// never changed.
func TestFundraisingAppendOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		open := strconv.FormatInt(f.fundraising(f.alice, 0).RequestID, 10)
		closed := f.fundraising(f.alice, 0)
		if _, err := f.close(closed.RequestID, Closing{Reason: PurposeAchieved}, ""); err != nil {
			t.Fatal(err)
		}
		done := strconv.FormatInt(closed.RequestID, 10)
		stmts := []string{
			"DELETE FROM request_fundraising WHERE request_id = " + open,
			"UPDATE request_fundraising SET opened_at = opened_at + 1 WHERE request_id = " + open,
			"UPDATE request_fundraising SET deadline = deadline - 1 WHERE request_id = " + open,
			"UPDATE request_fundraising SET close_reason = 'target_reached' WHERE request_id = " + done,
			"UPDATE request_fundraising SET closed_at = NULL, close_reason = NULL, closed_by = NULL WHERE request_id = " + done,
		}
		if db.Dialect() == store.Postgres {
			stmts = append(stmts, "TRUNCATE request_fundraising")
		}
		for _, q := range stmts {
			err := f.try(func(ctx context.Context, tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, q)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), "never") {
				t.Errorf("%s: error %v, want refused by a trigger", q, err)
			}
		}
	})
}

// Every key the fundraising channel and updates return has a message in
// both languages.
func TestFundraisingKeysInCatalog(t *testing.T) {
	for _, k := range []string{KeyFundraisingInvalid, KeyNoExtension, KeyUpdateInvalid, KeyUpdateNotPublished,
		KeyUpdateAlreadyDown, KeyCloseReason, KeyRequired, KeyTooLong, KeyTextInvalid, "screen.wording.review"} {
		if !i18n.Has(k) {
			t.Errorf("%s is not in the catalog", k)
		}
	}
}
