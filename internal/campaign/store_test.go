package campaign

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/vault"
)

// fixture is a store on a fresh database with two users.
type fixture struct {
	t          *testing.T
	db         *store.DB
	s          Store
	alice, bob int64
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	keys := &keyring.Keys{}
	rand.Read(keys.Master[:])
	rand.Read(keys.Index[:])
	f := &fixture{t: t, db: db, s: Store{Vault: vault.New(keys)}}
	f.alice = f.user("alice")
	f.bob = f.user("bob")
	return f
}

// user inserts a user row directly: the sign-in flow is package account's.
func (f *fixture) user(name string) int64 {
	f.t.Helper()
	var id int64
	f.write(func(ctx context.Context, tx *store.Tx) error {
		key, err := f.s.Vault.NewKey(ctx, tx)
		if err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO users (phone_index, key_id, phone_sealed, created_at, signed_in_at)
			VALUES ($1, $2, $3, $4, $4) RETURNING id`, f.s.Vault.BlindIndex("phone", name), key.ID,
			key.SealString("users.phone:"+name, name), tx.Now.UnixMicro()).Scan(&id)
	})
	return id
}

func (f *fixture) write(fn func(ctx context.Context, tx *store.Tx) error) {
	f.t.Helper()
	if err := f.try(fn); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) try(fn func(ctx context.Context, tx *store.Tx) error) error {
	ctx := context.Background()
	return f.db.Write(ctx, func(tx *store.Tx) error { return fn(ctx, tx) })
}

func (f *fixture) create(user int64, fl Filing) Request {
	f.t.Helper()
	var r Request
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		r, err = f.s.CreateDraft(ctx, tx, user, fl)
		return err
	})
	return r
}

func (f *fixture) get(id int64) Request {
	f.t.Helper()
	var r Request
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		r, err = f.s.Get(ctx, tx, id)
		return err
	})
	return r
}

func (f *fixture) events(id int64) []EventRecord {
	f.t.Helper()
	var es []EventRecord
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		es, err = f.s.Events(ctx, tx, id)
		return err
	})
	return es
}

// submitted creates a valid request of user and submits it.
func (f *fixture) submitted(user int64, fl Filing) Request {
	f.t.Helper()
	draft := f.create(user, fl)
	var r Request
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		r, err = f.s.Submit(ctx, tx, draft.ID, user, draft.Revision, today)
		return err
	})
	return r
}

// apply moves request id through events, failing the test on a refusal.
func (f *fixture) apply(id int64, evs ...Event) Request {
	f.t.Helper()
	var r Request
	for _, ev := range evs {
		f.write(func(ctx context.Context, tx *store.Tx) (err error) {
			r, err = f.s.Apply(ctx, tx, id, ev, "staff:7", "test")
			return err
		})
	}
	return r
}

// approved creates a valid request of user and takes it to Approved.
func (f *fixture) approved(user int64, fl Filing) Request {
	f.t.Helper()
	r := f.submitted(user, fl)
	return f.apply(r.ID, Screen, ScreenPass, Approve)
}

// wantErr fails unless err is an *apperr.Error with code and key.
func wantErr(t *testing.T, err error, code apperr.Code, key string) {
	t.Helper()
	e := apperr.As(err)
	if e == nil || e.Code != code || e.Key != key {
		t.Fatalf("error = %v, want %s %q", err, code, key)
	}
}

// rawRow returns every column of one row as text, bytes included as they
// are stored.
func rawRow(t *testing.T, db *store.DB, query string, args ...any) [][]byte {
	t.Helper()
	var out [][]byte
	ctx := context.Background()
	err := db.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			for _, v := range vals {
				if b, ok := v.([]byte); ok {
					out = append(out, b)
				} else {
					out = append(out, fmt.Append(nil, v))
				}
			}
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no rows", query)
	}
	return out
}

// R-PII-1: a draft comes back as it was saved, and the database holds the
// patient's name, ID number, diagnosis, story and family finances only
// sealed.
func TestDraftRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		fl := valid()
		fl.Disclosures[Debts] = Disclosure{Answered: true, Yes: true, Detail: "欠亲戚八万元", Amount: 80_000_00}
		r := f.create(f.alice, fl)
		if r.State != Draft || r.Revision != 1 || r.PublisherUserID != f.alice || r.ID == 0 {
			t.Fatalf("CreateDraft = %+v", r)
		}
		got := f.get(r.ID)
		if !reflect.DeepEqual(got.Filing, fl) {
			t.Errorf("Get filing = %+v\nwant %+v", got.Filing, fl)
		}
		if got.State != Draft || got.Revision != 1 || !got.CreatedAt.Equal(r.CreatedAt) || !got.SubmittedAt.IsZero() {
			t.Errorf("Get = %+v, want the created draft", got)
		}
		if got.PatientIndex != f.s.PatientIndex(patientID, today) || got.PatientIndex == "" {
			t.Errorf("PatientIndex = %q, want the blind index of the ID number", got.PatientIndex)
		}

		// The same request published, so that the versions are checked too.
		a := f.approved(f.bob, fl)
		f.write(func(ctx context.Context, tx *store.Tx) error {
			_, _, err := f.s.Publish(ctx, tx, a.ID, "staff:7")
			return err
		})
		secrets := []string{fl.PatientName, patientID, patientID[:14], fl.Diagnosis, "欠亲戚", "化疗"}
		for _, q := range []string{
			"SELECT * FROM requests WHERE id = " + strconv.FormatInt(r.ID, 10),
			"SELECT * FROM requests WHERE id = " + strconv.FormatInt(a.ID, 10),
			"SELECT * FROM request_versions WHERE request_id = " + strconv.FormatInt(a.ID, 10),
			"SELECT * FROM request_events WHERE request_id = " + strconv.FormatInt(a.ID, 10),
		} {
			for _, col := range rawRow(t, db, q) {
				for _, s := range secrets {
					if bytes.Contains(col, []byte(s)) {
						t.Errorf("%s: a column holds %q in plain text", q, s)
					}
				}
			}
		}
		// The title is public and kept plain for lists.
		found := false
		for _, col := range rawRow(t, db, "SELECT title FROM requests WHERE id = $1", r.ID) {
			found = found || string(col) == fl.Title
		}
		if !found {
			t.Errorf("title column does not hold the title")
		}
	})
}

// R-PII-1: a sealed filing opens only in its own row: one copied into
// another request does not show that request another patient's data.
func TestSealedFilingBoundToRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a := f.create(f.alice, valid())
		b := f.create(f.bob, Filing{Title: "另一位"})
		f.write(func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE requests SET filing_sealed = (SELECT filing_sealed FROM requests WHERE id = $1)
				WHERE id = $2`, a.ID, b.ID)
			return err
		})
		err := f.try(func(ctx context.Context, tx *store.Tx) error {
			_, err := f.s.Get(ctx, tx, b.ID)
			return err
		})
		if err == nil {
			t.Fatal("Get of a request holding another request's sealed filing succeeded")
		}
	})
}

// A draft is saved as it is typed: nothing is validated but its size, and
// an ID number typed with spaces is kept in its one spelling once valid.
func TestDraftSavedAsTyped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		fl := Filing{Title: "救\xff救", PatientID: "1101", Story: "短"}
		r := f.create(f.alice, fl)
		if got := f.get(r.ID); got.Filing.PatientID != "1101" || got.PatientIndex != "" {
			t.Errorf("draft with a partial ID: PatientID %q, PatientIndex %q", got.Filing.PatientID, got.PatientIndex)
		}
		fl.PatientID = "110105 19491231 002x"
		id, rev := r.ID, r.Revision
		f.write(func(ctx context.Context, tx *store.Tx) (err error) {
			r, err = f.s.SaveDraft(ctx, tx, id, f.alice, rev, fl)
			return err
		})
		if got := f.get(r.ID); got.Filing.PatientID != patientID || got.PatientIndex != f.s.PatientIndex(patientID, today) {
			t.Errorf("draft with a spaced ID: PatientID %q, PatientIndex %q", got.Filing.PatientID, got.PatientIndex)
		}
		huge := Filing{Story: strings.Repeat("长", MaxFilingBytes/3+1)}
		err := f.try(func(ctx context.Context, tx *store.Tx) error {
			_, err := f.s.CreateDraft(ctx, tx, f.alice, huge)
			return err
		})
		wantErr(t, err, apperr.TooLarge, KeyDraftTooLarge)
	})
}

func TestSaveDraft(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := f.create(f.alice, Filing{Title: "第一稿"})
		edit := Filing{Title: "第二稿", Diagnosis: "白血病"}

		t.Run("Saves", func(t *testing.T) {
			var got Request
			f.write(func(ctx context.Context, tx *store.Tx) (err error) {
				got, err = f.s.SaveDraft(ctx, tx, r.ID, f.alice, r.Revision, edit)
				return err
			})
			if got.Revision != r.Revision+1 || got.Filing.Title != "第二稿" {
				t.Errorf("SaveDraft = revision %d title %q, want %d 第二稿", got.Revision, got.Filing.Title, r.Revision+1)
			}
			if stored := f.get(r.ID); !reflect.DeepEqual(stored, got) {
				t.Errorf("Get = %+v\nwant %+v", stored, got)
			}
		})
		tests := []struct {
			name     string
			id, user int64
			revision int
			code     apperr.Code
			key      string
		}{
			// The first form's revision: another tab saved since.
			{"StaleRevision", r.ID, f.alice, r.Revision, apperr.Conflict, KeyStaleDraft},
			{"FutureRevision", r.ID, f.alice, r.Revision + 5, apperr.Conflict, KeyStaleDraft},
			// Another user's draft does not exist for them.
			{"AnotherUsersDraft", r.ID, f.bob, r.Revision + 1, apperr.NotFound, ""},
			{"NoSuchRequest", r.ID + 1000, f.alice, 1, apperr.NotFound, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := f.try(func(ctx context.Context, tx *store.Tx) error {
					_, err := f.s.SaveDraft(ctx, tx, tt.id, tt.user, tt.revision, Filing{Title: "覆盖"})
					return err
				})
				wantErr(t, err, tt.code, tt.key)
				if got := f.get(r.ID); got.Filing.Title != "第二稿" || got.Revision != r.Revision+1 {
					t.Errorf("after a refused save: title %q revision %d", got.Filing.Title, got.Revision)
				}
			})
		}
		t.Run("SubmittedNotEditable", func(t *testing.T) {
			s := f.submitted(f.alice, valid())
			err := f.try(func(ctx context.Context, tx *store.Tx) error {
				_, err := f.s.SaveDraft(ctx, tx, s.ID, f.alice, s.Revision, edit)
				return err
			})
			wantErr(t, err, apperr.Conflict, KeyNotEditable)
		})
	})
}

// R-REQ-1, R-REQ-2: submitting an incomplete filing returns every field
// error at once and changes nothing.
func TestSubmitInvalid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tests := []struct {
			name   string
			filing Filing
		}{
			{"Empty", Filing{}},
			{"DisclosureMissing", func() Filing { fl := valid(); delete(fl.Disclosures, Housing); return fl }()},
			{"DebtsYesWithoutAmount", func() Filing {
				fl := valid()
				fl.Disclosures[Debts] = Disclosure{Answered: true, Yes: true, Detail: "借款"}
				fl.Story = "短"
				return fl
			}()},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := f.create(f.alice, tt.filing)
				err := f.try(func(ctx context.Context, tx *store.Tx) error {
					_, err := f.s.Submit(ctx, tx, r.ID, f.alice, r.Revision, today)
					return err
				})
				got := fields(t, err)
				want := fields(t, tt.filing.Validate(today))
				if !maps.Equal(got, want) {
					t.Errorf("Submit field errors = %v\nwant %v", got, want)
				}
				after := f.get(r.ID)
				if after.State != Draft || after.Revision != r.Revision || !after.SubmittedAt.IsZero() {
					t.Errorf("after a refused submit: state %s revision %d submitted %v", after.State, after.Revision, after.SubmittedAt)
				}
				if es := f.events(r.ID); len(es) != 0 {
					t.Errorf("events = %+v, want none", es)
				}
			})
		}
	})
}

// A second submit (a double click, a replayed form) is refused and records
// nothing.
func TestDoubleSubmit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := f.submitted(f.alice, valid())
		if r.State != Submitted || r.SubmittedAt.IsZero() || r.Revision != 2 {
			t.Fatalf("Submit = state %s submitted %v revision %d", r.State, r.SubmittedAt, r.Revision)
		}
		for _, rev := range []int{r.Revision - 1, r.Revision} {
			err := f.try(func(ctx context.Context, tx *store.Tx) error {
				_, err := f.s.Submit(ctx, tx, r.ID, f.alice, rev, today)
				return err
			})
			wantErr(t, err, apperr.Conflict, KeyAlreadySubmitted)
		}
		got := f.get(r.ID)
		if got.State != Submitted || got.Revision != r.Revision || !got.SubmittedAt.Equal(r.SubmittedAt) {
			t.Errorf("after a second submit: %+v", got)
		}
		want := []EventRecord{{From: Draft, To: Submitted, Event: Submit, Actor: "user:" + strconv.FormatInt(f.alice, 10), At: r.UpdatedAt}}
		if es := f.events(r.ID); !reflect.DeepEqual(es, want) {
			t.Errorf("events = %+v\nwant %+v", es, want)
		}
		// Another user cannot submit it, even knowing its id.
		err := f.try(func(ctx context.Context, tx *store.Tx) error {
			_, err := f.s.Submit(ctx, tx, r.ID, f.bob, r.Revision, today)
			return err
		})
		wantErr(t, err, apperr.NotFound, "")
	})
}

// R-REV-2: a request the reviewer asked more of is edited and submitted
// again, back to the same human review; its first submission time stays.
func TestNeedsInfoResubmit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := f.submitted(f.alice, valid())
		first := r.SubmittedAt
		r = f.apply(r.ID, Screen, ScreenPass, AskInfo)
		fl := valid()
		fl.Story += "补充：已附上最新的费用清单。"
		id, rev := r.ID, r.Revision
		f.write(func(ctx context.Context, tx *store.Tx) (err error) {
			saved, err := f.s.SaveDraft(ctx, tx, id, f.alice, rev, fl)
			if err != nil {
				return err
			}
			r, err = f.s.Submit(ctx, tx, id, f.alice, saved.Revision, today)
			return err
		})
		if r.State != InReview || !r.SubmittedAt.Equal(first) || r.Filing.Story != fl.Story {
			t.Errorf("resubmitted: state %s submitted %v", r.State, r.SubmittedAt)
		}
	})
}

// The life cycle is Transition's; each change is recorded with who and why.
func TestApply(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := f.create(f.alice, Filing{})
		tests := []struct {
			name string
			ev   Event
		}{
			{"NotInLifeCycle", Approve},
			{"SubmitGoesThroughSubmit", Submit},
			{"ResumeGoesThroughResume", Resumed},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := f.try(func(ctx context.Context, tx *store.Tx) error {
					_, err := f.s.Apply(ctx, tx, r.ID, tt.ev, "staff:7", "")
					return err
				})
				wantErr(t, err, apperr.Conflict, KeyTransition)
			})
		}
		err := f.try(func(ctx context.Context, tx *store.Tx) error {
			_, err := f.s.Apply(ctx, tx, r.ID+1000, Screen, "staff:7", "")
			return err
		})
		wantErr(t, err, apperr.NotFound, "")

		t.Run("SuspendAndResume", func(t *testing.T) {
			a := f.approved(f.bob, valid())
			f.apply(a.ID, Open, Suspend)
			var got Request
			f.write(func(ctx context.Context, tx *store.Tx) (err error) {
				got, err = f.s.Resume(ctx, tx, a.ID, "staff:8", "举报不实")
				return err
			})
			if got.State != Fundraising {
				t.Errorf("Resume = %s, want %s", got.State, Fundraising)
			}
			var trail []string
			for _, e := range f.events(a.ID) {
				trail = append(trail, fmt.Sprintf("%s-%s->%s", e.From, e.Event, e.To))
			}
			want := []string{"draft-submit->submitted", "submitted-screen->screening", "screening-screen_pass->in_review",
				"in_review-approve->approved", "approved-open->fundraising", "fundraising-suspend->suspended",
				"suspended-resume->fundraising"}
			if !slices.Equal(trail, want) {
				t.Errorf("events = %v\nwant %v", trail, want)
			}
			if es := f.events(a.ID); es[len(es)-1].Actor != "staff:8" || es[len(es)-1].Reason != "举报不实" {
				t.Errorf("last event = %+v", es[len(es)-1])
			}
			err := f.try(func(ctx context.Context, tx *store.Tx) error {
				_, err := f.s.Resume(ctx, tx, a.ID, "staff:8", "")
				return err
			})
			wantErr(t, err, apperr.Conflict, KeyTransition)
		})
	})
}

// R-REQ-5, R-REV-1: the requests of one patient are found across publishers
// by the blind index of the ID number, however it was typed; drafts and
// finished requests are not open.
func TestOpenForPatient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a := f.submitted(f.alice, valid())
		spaced := valid()
		spaced.PatientID = "110105 19491231 002x"
		b := f.submitted(f.bob, spaced)
		f.create(f.bob, valid()) // a draft: not open
		rejected := f.submitted(f.bob, valid())
		f.apply(rejected.ID, Screen, ScreenReject)
		other := valid()
		other.PatientID = idcard.Demo(42)
		c := f.submitted(f.alice, other)
		funded := f.approved(f.alice, valid())
		f.apply(funded.ID, Open)

		tests := []struct {
			name   string
			index  string
			except int64
			want   []int64
		}{
			{"SamePatient", a.PatientIndex, a.ID, []int64{b.ID, funded.ID}},
			{"ExceptOther", a.PatientIndex, b.ID, []int64{a.ID, funded.ID}},
			{"OtherPatient", c.PatientIndex, c.ID, nil},
			{"ByNumber", f.s.PatientIndex(patientID, today), 0, []int64{a.ID, b.ID, funded.ID}},
			{"NoIndex", "", 0, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var got []int64
				f.write(func(ctx context.Context, tx *store.Tx) (err error) {
					got, err = f.s.OpenForPatient(ctx, tx, tt.index, tt.except)
					return err
				})
				if !slices.Equal(got, tt.want) {
					t.Errorf("OpenForPatient = %v, want %v", got, tt.want)
				}
			})
		}
		if a.PatientIndex != b.PatientIndex || a.PatientIndex == c.PatientIndex {
			t.Errorf("indexes: same patient %v, other patient differs %v", a.PatientIndex == b.PatientIndex, a.PatientIndex != c.PatientIndex)
		}
	})
}

func TestListByPublisher(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a1 := f.create(f.alice, Filing{Title: "一"})
		f.create(f.bob, Filing{Title: "二"})
		a2 := f.submitted(f.alice, valid())
		var got []Request
		f.write(func(ctx context.Context, tx *store.Tx) (err error) {
			got, err = f.s.ListByPublisher(ctx, tx, f.alice)
			return err
		})
		if len(got) != 2 || got[0].ID != a2.ID || got[1].ID != a1.ID || got[1].Filing.Title != "一" || got[0].State != Submitted {
			t.Errorf("ListByPublisher = %+v, want %d then %d", got, a2.ID, a1.ID)
		}
	})
}

// R-REQ-6: each publication of a changed text is a new version listing
// exactly the changed fields; the old version stays readable, unchanged.
func TestPublishVersions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		publish := func(id int64) (int, []string) {
			t.Helper()
			var n int
			var cs []string
			f.write(func(ctx context.Context, tx *store.Tx) (err error) {
				n, cs, err = f.s.Publish(ctx, tx, id, "staff:7")
				return err
			})
			return n, cs
		}
		versions := func(id int64) []Version {
			t.Helper()
			var vs []Version
			f.write(func(ctx context.Context, tx *store.Tx) (err error) {
				vs, err = f.s.Versions(ctx, tx, id)
				return err
			})
			return vs
		}

		draft := f.create(f.alice, valid())
		err := f.try(func(ctx context.Context, tx *store.Tx) error {
			_, _, err := f.s.Publish(ctx, tx, draft.ID, "staff:7")
			return err
		})
		wantErr(t, err, apperr.Conflict, KeyNotPublishable)

		r := f.approved(f.alice, valid())
		if n, cs := publish(r.ID); n != 1 || len(cs) != 0 {
			t.Fatalf("first Publish = %d %v, want 1 []", n, cs)
		}
		v1 := versions(r.ID)
		// Publishing the same text again adds no version.
		if n, cs := publish(r.ID); n != 1 || cs != nil {
			t.Errorf("Publish unchanged = %d %v, want 1 nil", n, cs)
		}

		edit := valid()
		edit.Story += "最新进展：第一期化疗已经结束。"
		edit.Use[0].Amount -= 10_000_00
		edit.Use[1].Amount += 10_000_00
		f.write(func(ctx context.Context, tx *store.Tx) error {
			_, err := f.s.Amend(ctx, tx, r.ID, r.Revision, edit, today)
			return err
		})
		n, cs := publish(r.ID)
		if want := []string{"story", "use.0.amount", "use.1.amount"}; n != 2 || !slices.Equal(cs, want) {
			t.Errorf("second Publish = %d %v, want 2 %v", n, cs, want)
		}
		vs := versions(r.ID)
		if len(vs) != 2 {
			t.Fatalf("%d versions, want 2", len(vs))
		}
		if !reflect.DeepEqual(vs[0], v1[0]) {
			t.Errorf("version 1 changed:\n%+v\nwas %+v", vs[0], v1[0])
		}
		if !reflect.DeepEqual(vs[0].Published, valid().Public()) || vs[0].Number != 1 || len(vs[0].Changes) != 0 || vs[0].By != "staff:7" {
			t.Errorf("version 1 = %+v, want the first text", vs[0])
		}
		if !reflect.DeepEqual(vs[1].Published, edit.Public()) || !slices.Equal(vs[1].Changes, cs) {
			t.Errorf("version 2 = %+v, want the edited text", vs[1])
		}
		if vs[1].Published.Patient != "张*明" {
			t.Errorf("published patient = %q, want the masked name", vs[1].Published.Patient)
		}
	})
}

func TestAmend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := f.approved(f.alice, valid())
		draft := f.create(f.alice, valid())
		otherPatient := valid()
		otherPatient.PatientID = idcard.Demo(7)
		bad := valid()
		bad.Story = ""
		tests := []struct {
			name     string
			id       int64
			revision int
			filing   Filing
			code     apperr.Code
			key      string
		}{
			{"OtherPatient", r.ID, r.Revision, otherPatient, apperr.Conflict, KeyPatientFixed},
			{"Invalid", r.ID, r.Revision, bad, apperr.Invalid, KeyInvalid},
			{"Stale", r.ID, r.Revision - 1, valid(), apperr.Conflict, KeyStaleDraft},
			{"Draft", draft.ID, draft.Revision, valid(), apperr.Conflict, KeyNotEditable},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := f.try(func(ctx context.Context, tx *store.Tx) error {
					_, err := f.s.Amend(ctx, tx, tt.id, tt.revision, tt.filing, today)
					return err
				})
				wantErr(t, err, tt.code, tt.key)
			})
		}
	})
}

// R-REQ-6: the database itself refuses to change or delete a published
// version or a recorded event, whoever asks, staff with SQL access included.
func TestHistoryAppendOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := f.approved(f.alice, valid())
		f.write(func(ctx context.Context, tx *store.Tx) error {
			_, _, err := f.s.Publish(ctx, tx, r.ID, "staff:7")
			return err
		})
		id := strconv.FormatInt(r.ID, 10)
		stmts := []string{
			"UPDATE request_versions SET changes = '[\"story\"]' WHERE request_id = " + id,
			"UPDATE request_versions SET published_sealed = published_sealed WHERE request_id = " + id,
			"DELETE FROM request_versions WHERE request_id = " + id,
			"UPDATE request_events SET reason = 'forged' WHERE request_id = " + id,
			"DELETE FROM request_events WHERE request_id = " + id,
			"DELETE FROM requests WHERE id = " + id,
			"UPDATE requests SET publisher_user_id = " + strconv.FormatInt(f.bob, 10) + " WHERE id = " + id,
		}
		if db.Dialect() == store.Postgres {
			stmts = append(stmts, "TRUNCATE request_versions CASCADE", "TRUNCATE request_events")
		}
		for _, q := range stmts {
			err := f.try(func(ctx context.Context, tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, q)
				return err
			})
			// Every trigger's message says "never"; a typo in a statement
			// would fail for another reason and not pass for this one.
			if err == nil || !strings.Contains(err.Error(), "never") {
				t.Errorf("%s: error %v, want refused by a trigger", q, err)
			}
		}
		if n := len(f.events(r.ID)); n != 4 {
			t.Errorf("%d events, want 4", n)
		}
	})
}

// Every key Store returns has a message in both languages.
func TestStoreKeysInCatalog(t *testing.T) {
	for _, k := range []string{KeyStaleDraft, KeyAlreadySubmitted, KeyNotEditable, KeyDraftTooLarge, KeyNotPublishable,
		KeyPatientFixed, KeyTransition} {
		if !i18n.Has(k) {
			t.Errorf("%s is not in the catalog", k)
		}
	}
}

// TestStateAndLatestVersion: what a public page reads of a request without
// unsealing its filing: the state, and only the newest published version,
// whose number counts the versions (R-REQ-6).
func TestStateAndLatestVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		user := f.user("publisher")
		draft := f.create(user, valid())
		r := f.approved(user, valid())
		err := f.try(func(ctx context.Context, tx *store.Tx) error {
			if st, err := f.s.State(ctx, tx, draft.ID); err != nil || st != Draft {
				t.Errorf("State(draft) = %v, %v", st, err)
			}
			if _, err := f.s.State(ctx, tx, 999_999); apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("State(unknown) = %v, want NotFound", err)
			}
			if _, err := f.s.LatestVersion(ctx, tx, r.ID); apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("LatestVersion before publication = %v, want NotFound", err)
			}
			if _, _, err := f.s.Publish(ctx, tx, r.ID, "staff:7"); err != nil {
				return err
			}
			cur, err := f.s.Get(ctx, tx, r.ID)
			if err != nil {
				return err
			}
			changed := cur.Filing
			changed.Story += "治疗已经开始。"
			if _, err := f.s.Amend(ctx, tx, r.ID, cur.Revision, changed, today); err != nil {
				return err
			}
			if _, _, err := f.s.Publish(ctx, tx, r.ID, "user:1"); err != nil {
				return err
			}
			v, err := f.s.LatestVersion(ctx, tx, r.ID)
			if err != nil {
				return err
			}
			if v.Number != 2 || v.Published.Story != changed.Public().Story {
				t.Errorf("LatestVersion = version %d, story %q", v.Number, v.Published.Story)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
