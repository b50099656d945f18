package blacklist_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/staff/stafftest"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/blacklist"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// index stands in for account.Service.IDIndex: any stable 64-hex function
// of the number will do here.
func index(number string) string {
	sum := sha256.Sum256([]byte("id-number\x00" + number))
	return hex.EncodeToString(sum[:])
}

// change returns an addition for the demo person seq.
func change(t *testing.T, seq int) blacklist.Change {
	t.Helper()
	idx, masked, err := blacklist.Person(idcard.Demo(seq), time.Now(), index)
	if err != nil {
		t.Fatal(err)
	}
	return blacklist.Change{Action: blacklist.ActionAdd, Index: idx, Masked: masked,
		Reason: "重复筹款并虚构病情", Evidence: "投诉 #12、#15；医院回函编号 2024-031"}
}

func write(t *testing.T, db *store.DB, fn func(ctx context.Context, tx *store.Tx) error) error {
	t.Helper()
	return db.Write(context.Background(), func(tx *store.Tx) error { return fn(context.Background(), tx) })
}

func mustWrite(t *testing.T, db *store.DB, fn func(ctx context.Context, tx *store.Tx) error) {
	t.Helper()
	if err := write(t, db, fn); err != nil {
		t.Fatal(err)
	}
}

func lookup(t *testing.T, db *store.DB, idx string) *blacklist.Entry {
	t.Helper()
	var e *blacklist.Entry
	if err := db.Read(context.Background(), func(tx *store.Tx) (err error) {
		e, err = blacklist.Lookup(context.Background(), tx, idx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return e
}

func createStaff(t *testing.T, db *store.DB, username string, role staff.Role) staff.Staff {
	t.Helper()
	var s staff.Staff
	mustWrite(t, db, func(ctx context.Context, tx *store.Tx) (err error) {
		s, _, err = staff.Create(ctx, tx, stafftest.Sealer(t), username, role, "correct horse battery")
		return err
	})
	return s
}

func fieldsOf(err error) []string {
	e := apperr.As(err)
	if e == nil {
		return nil
	}
	var fs []string
	for _, f := range e.Fields {
		fs = append(fs, f.Field+"="+f.Key)
	}
	return fs
}

// R-BL-1: every change goes through four eyes; an entry in force stops the
// person, lifting takes it out of force and keeps it with its history, and
// the appeal path works.
func TestFourEyes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		approvals := staff.NewApprovals()
		approvals.Register(staff.KindBlacklist, blacklist.Executor())
		reviewer := createStaff(t, db, "rita", staff.Reviewer)
		admin := createStaff(t, db, "adam", staff.Admin)
		c := change(t, 7)

		propose := func(t *testing.T, c blacklist.Change) staff.Proposal {
			t.Helper()
			if err := blacklist.Validate(c); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			var p staff.Proposal
			mustWrite(t, db, func(ctx context.Context, tx *store.Tx) (err error) {
				p, err = approvals.Propose(ctx, tx, reviewer, staff.KindBlacklist, "blacklist", c, "见证据")
				return err
			})
			return p
		}
		approve := func(t *testing.T, p staff.Proposal) error {
			t.Helper()
			return write(t, db, func(ctx context.Context, tx *store.Tx) error {
				_, err := approvals.Decide(ctx, tx, admin, p.ID, true, "同意")
				return err
			})
		}

		var entryID int64
		t.Run("AddNeedsApproval", func(t *testing.T) {
			p := propose(t, c)
			if e := lookup(t, db, c.Index); e != nil {
				t.Fatalf("listed before approval: %+v", e)
			}
			if err := approve(t, p); err != nil {
				t.Fatal(err)
			}
			e := lookup(t, db, c.Index)
			if e == nil {
				t.Fatal("Lookup after approval = nil")
			}
			if e.Status != blacklist.Listed || e.Masked != idcard.MaskID(idcard.Demo(7)) || e.Reason != c.Reason ||
				e.Evidence != c.Evidence || e.ListedBy != reviewer.Actor() || e.ListedAt.IsZero() {
				t.Errorf("entry = %+v", e)
			}
			entryID = e.ID
			if got := e.ScreenEntry(); got == nil || got.ID != e.ID || got.Reason != c.Reason {
				t.Errorf("ScreenEntry() = %+v", got)
			}
			err := db.Read(ctx, func(tx *store.Tx) error { return blacklist.Check(ctx, tx, c.Index) })
			if apperr.CodeOf(err) != apperr.Forbidden {
				t.Errorf("Check(listed) = %v, want forbidden", err)
			}
			err = db.Read(ctx, func(tx *store.Tx) error { return blacklist.Check(ctx, tx, change(t, 8).Index) })
			if err != nil {
				t.Errorf("Check(not listed) = %v", err)
			}
			var logged []audit.Entry
			mustWrite(t, db, func(ctx context.Context, tx *store.Tx) (err error) {
				logged, err = audit.List(ctx, tx, audit.Filter{Action: "blacklist."})
				return err
			})
			if len(logged) != 1 || logged[0].Actor != admin.Actor() || logged[0].Action != "blacklist.add" {
				t.Errorf("audit = %+v, want one blacklist.add by the approver", logged)
			}
		})

		t.Run("AddTwiceConflicts", func(t *testing.T) {
			p := propose(t, c)
			if err := approve(t, p); apperr.CodeOf(err) != apperr.Conflict {
				t.Fatalf("approving a second listing = %v, want conflict", err)
			}
			var got staff.Proposal
			mustWrite(t, db, func(ctx context.Context, tx *store.Tx) (err error) {
				got, err = staff.GetProposal(ctx, tx, p.ID)
				return err
			})
			if got.Status != staff.Pending {
				t.Errorf("proposal status = %s, want pending (the failed approval rolled back)", got.Status)
			}
		})

		t.Run("BadPayloadNotApplied", func(t *testing.T) {
			bad := change(t, 9)
			bad.Reason = ""
			var p staff.Proposal
			mustWrite(t, db, func(ctx context.Context, tx *store.Tx) (err error) {
				p, err = approvals.Propose(ctx, tx, reviewer, staff.KindBlacklist, "blacklist", bad, "见证据")
				return err
			})
			if err := approve(t, p); apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("approving a change without reason = %v, want invalid", err)
			}
			if e := lookup(t, db, bad.Index); e != nil {
				t.Errorf("listed from an invalid change: %+v", e)
			}
		})

		t.Run("Appeal", func(t *testing.T) {
			steps := []struct {
				name string
				fn   func(ctx context.Context, tx *store.Tx) (blacklist.Entry, error)
				code apperr.Code
				want blacklist.Status
			}{
				{"UpholdWithoutAppeal", func(ctx context.Context, tx *store.Tx) (blacklist.Entry, error) {
					return blacklist.Uphold(ctx, tx, entryID, "维持", admin.Actor())
				}, apperr.Conflict, blacklist.Listed},
				{"EmptyAppeal", func(ctx context.Context, tx *store.Tx) (blacklist.Entry, error) {
					return blacklist.RecordAppeal(ctx, tx, entryID, "  ")
				}, apperr.Invalid, blacklist.Listed},
				{"Appeal", func(ctx context.Context, tx *store.Tx) (blacklist.Entry, error) {
					return blacklist.RecordAppeal(ctx, tx, entryID, "款项已全部用于治疗，可提供发票")
				}, "", blacklist.Appealed},
				{"AppealAgainWhilePending", func(ctx context.Context, tx *store.Tx) (blacklist.Entry, error) {
					return blacklist.RecordAppeal(ctx, tx, entryID, "再次申诉")
				}, apperr.Conflict, blacklist.Appealed},
				{"Uphold", func(ctx context.Context, tx *store.Tx) (blacklist.Entry, error) {
					return blacklist.Uphold(ctx, tx, entryID, "发票与筹款金额不符，维持", admin.Actor())
				}, "", blacklist.Upheld},
			}
			for _, s := range steps {
				t.Run(s.name, func(t *testing.T) {
					err := write(t, db, func(ctx context.Context, tx *store.Tx) error { _, err := s.fn(ctx, tx); return err })
					if apperr.CodeOf(err) != s.code {
						t.Fatalf("err = %v, want code %q", err, s.code)
					}
					if e := lookup(t, db, c.Index); e == nil || e.Status != s.want {
						t.Errorf("after %s: entry %+v, want status %s", s.name, e, s.want)
					}
				})
			}
		})

		t.Run("Lift", func(t *testing.T) {
			p := propose(t, blacklist.Change{Action: blacklist.ActionLift, EntryID: entryID, Reason: "复核后确认款项用途属实"})
			if lookup(t, db, c.Index) == nil {
				t.Fatal("lifted before approval")
			}
			if err := approve(t, p); err != nil {
				t.Fatal(err)
			}
			if e := lookup(t, db, c.Index); e != nil {
				t.Fatalf("Lookup after lifting = %+v, want nil", e)
			}
			var e blacklist.Entry
			var hist []blacklist.Event
			var lifted []blacklist.Entry
			mustWrite(t, db, func(ctx context.Context, tx *store.Tx) (err error) {
				if e, err = blacklist.Get(ctx, tx, entryID); err != nil {
					return err
				}
				if lifted, err = blacklist.List(ctx, tx, blacklist.Lifted); err != nil {
					return err
				}
				hist, err = blacklist.History(ctx, tx, entryID)
				return err
			})
			if e.Status != blacklist.Lifted || e.Decision != "复核后确认款项用途属实" || e.Reason != c.Reason || e.Appeal == "" {
				t.Errorf("lifted entry = %+v", e)
			}
			if len(lifted) != 1 || lifted[0].ID != entryID {
				t.Errorf("List(lifted) = %+v", lifted)
			}
			var actions []string
			for _, h := range hist {
				actions = append(actions, h.Action)
			}
			if want := []string{"add", "appeal", "uphold", "lift"}; !slices.Equal(actions, want) {
				t.Errorf("history %v, want %v", actions, want)
			}
		})

		t.Run("LiftedIsFinal", func(t *testing.T) {
			for name, fn := range map[string]func(ctx context.Context, tx *store.Tx) error{
				"Appeal": func(ctx context.Context, tx *store.Tx) error {
					_, err := blacklist.RecordAppeal(ctx, tx, entryID, "申诉")
					return err
				},
				"Lift": func(ctx context.Context, tx *store.Tx) error {
					_, err := blacklist.Lift(ctx, tx, entryID, "再次移出", admin.Actor())
					return err
				},
			} {
				if err := write(t, db, fn); apperr.CodeOf(err) != apperr.Conflict {
					t.Errorf("%s on a lifted entry = %v, want conflict", name, err)
				}
			}
			if err := write(t, db, func(ctx context.Context, tx *store.Tx) error {
				_, err := blacklist.Lift(ctx, tx, 9999, "x", admin.Actor())
				return err
			}); apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("Lift(unknown) = %v, want not found", err)
			}
		})

		t.Run("ListAgainAfterLifting", func(t *testing.T) {
			if err := approve(t, propose(t, c)); err != nil {
				t.Fatal(err)
			}
			if e := lookup(t, db, c.Index); e == nil || e.ID == entryID {
				t.Errorf("Lookup = %+v, want a new entry", e)
			}
		})
	})
}

// R-BL-1: the database itself refuses to delete an entry or its history, to
// rewrite why someone was listed, or to change a lifted entry.
func TestDatabaseRefusesChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var listed, lifted blacklist.Entry
		mustWrite(t, db, func(ctx context.Context, tx *store.Tx) (err error) {
			if listed, err = blacklist.Add(ctx, tx, change(t, 1), "staff:1"); err != nil {
				return err
			}
			if lifted, err = blacklist.Add(ctx, tx, change(t, 2), "staff:1"); err != nil {
				return err
			}
			lifted, err = blacklist.Lift(ctx, tx, lifted.ID, "误列", "staff:2")
			return err
		})
		tests := []struct{ name, query string }{
			{"DeleteEntry", "DELETE FROM blacklist_entries WHERE id = $1"},
			{"DeleteAll", "DELETE FROM blacklist_entries WHERE id = $1 OR id > 0"},
			{"DeleteHistory", "DELETE FROM blacklist_events WHERE entry_id = $1"},
			{"UpdateHistory", "UPDATE blacklist_events SET text = 'x' WHERE entry_id = $1"},
			{"RewriteReason", "UPDATE blacklist_entries SET reason = 'x' WHERE id = $1"},
			{"ChangePerson", "UPDATE blacklist_entries SET person_index = '" + strings.Repeat("0", 64) + "' WHERE id = $1"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := write(t, db, func(ctx context.Context, tx *store.Tx) error {
					_, err := tx.ExecContext(ctx, tt.query, listed.ID)
					return err
				})
				// The guard's own message, not some other failure.
				if err == nil || !strings.Contains(err.Error(), "never") {
					t.Errorf("%s = %v, want refused by a trigger", tt.query, err)
				}
			})
		}
		t.Run("Unlift", func(t *testing.T) {
			err := write(t, db, func(ctx context.Context, tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, "UPDATE blacklist_entries SET status = 'listed' WHERE id = $1", lifted.ID)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), "never") {
				t.Errorf("putting a lifted entry back in force = %v, want refused by a trigger", err)
			}
		})
		if e := lookup(t, db, listed.Index); e == nil || e.Reason != listed.Reason {
			t.Errorf("entry after refused changes = %+v", e)
		}
	})
}

// R-BL-1: the shared list carries the blind index, the date and the status,
// never the masked number, the reason or the evidence.
func TestShareList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, b := change(t, 3), change(t, 4)
		var lifted blacklist.Entry
		mustWrite(t, db, func(ctx context.Context, tx *store.Tx) (err error) {
			if _, err = blacklist.Add(ctx, tx, a, "staff:1"); err != nil {
				return err
			}
			if lifted, err = blacklist.Add(ctx, tx, b, "staff:1"); err != nil {
				return err
			}
			_, err = blacklist.Lift(ctx, tx, lifted.ID, "误列", "staff:2")
			return err
		})
		var shared []blacklist.Shared
		if err := db.Read(context.Background(), func(tx *store.Tx) (err error) {
			shared, err = blacklist.ShareList(context.Background(), tx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(shared) != 2 || shared[0].Index != a.Index || shared[0].Status != blacklist.Listed ||
			shared[1].Index != b.Index || shared[1].Status != blacklist.Lifted || shared[0].ListedAt.IsZero() {
			t.Errorf("ShareList() = %+v", shared)
		}
		out, err := json.Marshal(shared)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{a.Masked, b.Masked, a.Reason, a.Evidence, "误列", idcard.Demo(3), idcard.Demo(3)[14:]} {
			if strings.Contains(string(out), secret) {
				t.Errorf("shared list %s holds %q", out, secret)
			}
		}
	})
}

func TestValidate(t *testing.T) {
	ok := blacklist.Change{Action: "add", Index: strings.Repeat("ab", 32), Masked: "110***********002x",
		Reason: "虚构病情", Evidence: "投诉 #3"}
	with := func(f func(c *blacklist.Change)) blacklist.Change {
		c := ok
		f(&c)
		return c
	}
	tests := []struct {
		name   string
		c      blacklist.Change
		fields []string
	}{
		{"Add", ok, nil},
		{"Lift", blacklist.Change{Action: "lift", EntryID: 3, Reason: "误列"}, nil},
		{"UnknownAction", with(func(c *blacklist.Change) { c.Action = "delete" }), []string{"action=blacklist.action_unknown"}},
		{"PlainNumberAsIndex", with(func(c *blacklist.Change) { c.Index = idcard.Demo(1) }), []string{"index=blacklist.index_invalid"}},
		{"UnmaskedNumber", with(func(c *blacklist.Change) { c.Masked = idcard.Demo(1) }), []string{"masked=blacklist.masked_invalid"}},
		{"NoReason", with(func(c *blacklist.Change) { c.Reason = " \n" }), []string{"reason=blacklist.reason_required"}},
		{"LongReason", with(func(c *blacklist.Change) { c.Reason = strings.Repeat("长", blacklist.MaxReason+1) }), []string{"reason=blacklist.text_long"}},
		{"ReasonAtLimit", with(func(c *blacklist.Change) { c.Reason = strings.Repeat("长", blacklist.MaxReason) }), nil},
		{"BadUTF8", with(func(c *blacklist.Change) { c.Evidence = "\xff" }), []string{"evidence=blacklist.text_invalid"}},
		{"NoEvidence", with(func(c *blacklist.Change) { c.Evidence = "" }), []string{"evidence=blacklist.evidence_required"}},
		{"AllWrong", blacklist.Change{Action: "add"}, []string{"index=blacklist.index_invalid", "masked=blacklist.masked_invalid",
			"reason=blacklist.reason_required", "evidence=blacklist.evidence_required"}},
		{"LiftWithoutEntry", blacklist.Change{Action: "lift", Reason: "x"}, []string{"entry_id=blacklist.entry_required"}},
		{"LiftWithoutDecision", blacklist.Change{Action: "lift", EntryID: 1}, []string{"reason=blacklist.decision_required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := blacklist.Validate(tt.c)
			if tt.fields == nil {
				if err != nil {
					t.Errorf("Validate() = %v, want nil", err)
				}
				return
			}
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("Validate() = %v, want invalid", err)
			}
			if got := fieldsOf(err); !slices.Equal(got, tt.fields) {
				t.Errorf("fields = %v, want %v", got, tt.fields)
			}
			for _, f := range apperr.As(err).Fields {
				if !i18n.Has(f.Key) {
					t.Errorf("key %s has no message", f.Key)
				}
			}
		})
	}
}

func TestPerson(t *testing.T) {
	number := idcard.Demo(5)
	idx, masked, err := blacklist.Person(" "+number[:6]+" "+number[6:]+" ", time.Now(), index)
	if err != nil {
		t.Fatal(err)
	}
	if idx != index(number) || masked != idcard.MaskID(number) {
		t.Errorf("Person() = %q, %q", idx, masked)
	}
	bad := number[:17] + "0"
	if number[17] == '0' {
		bad = number[:17] + "1"
	}
	_, _, err = blacklist.Person(bad, time.Now(), index)
	if got := fieldsOf(err); len(got) != 1 || !strings.HasPrefix(got[0], "id_number=") {
		t.Errorf("Person(bad check digit) fields = %v, want one for id_number", got)
	}
}

// Every key the package returns has a message in both languages.
func TestMessages(t *testing.T) {
	for _, k := range []string{"blacklist.listed", "blacklist.not_found", "blacklist.already_listed", "blacklist.not_in_force",
		"blacklist.changed", "blacklist.no_appeal", "blacklist.appeal_pending", "blacklist.appeal_required",
		"blacklist.payload_invalid", "blacklist.invalid"} {
		if !i18n.Has(k) {
			t.Errorf("%s has no message", k)
		}
	}
}
