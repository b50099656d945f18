package review

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/staff/stafftest"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/blacklist"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/rules"
	"github.com/carefund/carefund/internal/screen"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/vault"
)

// fixture is a migrated database with the account service, the request
// store and a way to make users, staff and requests.
type fixture struct {
	t      *testing.T
	db     *store.DB
	acc    *account.Service
	sms    *account.LogSender
	cs     campaign.Store
	phones int
	ids    int
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	keys := &keyring.Keys{}
	rand.Read(keys.Master[:])
	rand.Read(keys.Index[:])
	v := vault.New(keys)
	sms := &account.LogSender{}
	f := &fixture{t: t, db: db, sms: sms, cs: campaign.Store{Vault: v},
		acc: &account.Service{DB: db, Vault: v, SMS: sms, Verifier: account.SandboxVerifier{}, CodeKey: []byte("test code key")}}
	f.write(func(ctx context.Context, tx *store.Tx) error { return rules.Seed(ctx, tx) })
	return f
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

// idNumber returns a new valid ID number.
func (f *fixture) idNumber() string {
	f.t.Helper()
	f.ids++
	first17 := fmt.Sprintf("110105198001%02d%03d", f.ids%28+1, f.ids)
	c, err := idcard.CheckChar(first17)
	if err != nil {
		f.t.Fatal(err)
	}
	return first17 + string(c)
}

// user signs a new user in; with verify, it also verifies them with a new
// ID number, which it returns.
func (f *fixture) user(verify bool) (account.User, string) {
	f.t.Helper()
	ctx := context.Background()
	f.phones++
	phone := fmt.Sprintf("135%08d", f.phones)
	if err := f.acc.SendCode(ctx, phone, "192.0.2.1"); err != nil {
		f.t.Fatalf("SendCode: %v", err)
	}
	code, _ := f.sms.Last(phone)
	u, _, err := f.acc.SignIn(ctx, phone, code, "192.0.2.1", "")
	if err != nil {
		f.t.Fatalf("SignIn: %v", err)
	}
	if !verify {
		return u, ""
	}
	number := f.idNumber()
	var ruleIDs []int64
	f.write(func(ctx context.Context, tx *store.Tx) error {
		for _, k := range account.ConsentKinds {
			v, err := rules.Current(ctx, tx, k)
			if err != nil {
				return err
			}
			ruleIDs = append(ruleIDs, v.ID)
		}
		return nil
	})
	if _, err := f.acc.Verify(ctx, u.ID, account.VerifyInput{Name: "李四海", Number: number, Consent: "yes", Truthful: "yes", Rules: ruleIDs}, "192.0.2.1"); err != nil {
		f.t.Fatalf("Verify: %v", err)
	}
	return u, number
}

func (f *fixture) staff(name string, role staff.Role) staff.Staff {
	f.t.Helper()
	var s staff.Staff
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		s, _, err = staff.Create(ctx, tx, stafftest.Sealer(f.t), name, role, "correct horse battery")
		return err
	})
	return s
}

// filing is a valid filing for the patient with the ID number, asking for
// target, which the hospital's estimate supports exactly.
func filing(patientID string, target money.Fen) campaign.Filing {
	f := campaigntest.Filing()
	f.PatientID, f.Target, f.EstimatedCosts = patientID, target, target
	f.Use = []campaign.UseItem{
		{Label: "化疗费用", Amount: target - 100_000_00},
		{Label: "骨髓移植", Amount: 100_000_00},
	}
	return f
}

// submit files a request of publisher for the patient.
func (f *fixture) submit(publisher int64, patientID string, target money.Fen) int64 {
	f.t.Helper()
	var id int64
	f.write(func(ctx context.Context, tx *store.Tx) error {
		r, err := f.cs.CreateDraft(ctx, tx, publisher, filing(patientID, target))
		if err != nil {
			return err
		}
		id = r.ID
		_, err = f.cs.Submit(ctx, tx, r.ID, publisher, r.Revision, time.Now())
		return err
	})
	return id
}

func (f *fixture) screen(id int64) screen.Result {
	f.t.Helper()
	var res screen.Result
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		res, err = Screen(ctx, tx, f.cs, id, "system")
		return err
	})
	return res
}

func (f *fixture) request(id int64) campaign.Request {
	f.t.Helper()
	var r campaign.Request
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		r, err = f.cs.Get(ctx, tx, id)
		return err
	})
	return r
}

func (f *fixture) events(id int64) []campaign.EventRecord {
	f.t.Helper()
	var es []campaign.EventRecord
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		es, err = f.cs.Events(ctx, tx, id)
		return err
	})
	return es
}

func (f *fixture) queue() []QueueItem {
	f.t.Helper()
	var q []QueueItem
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		q, err = Queue(ctx, tx, 100)
		return err
	})
	return q
}

func (f *fixture) decisions(id int64) []DecisionRecord {
	f.t.Helper()
	var ds []DecisionRecord
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		ds, err = Decisions(ctx, tx, id)
		return err
	})
	return ds
}

// do runs one review step in its own transaction and returns its error.
func (f *fixture) do(fn func(ctx context.Context, tx *store.Tx) error) error {
	return f.try(fn)
}

func eventNames(es []campaign.EventRecord) string {
	var names []string
	for _, e := range es {
		names = append(names, string(e.Event))
	}
	return strings.Join(names, ",")
}

func wantErr(t *testing.T, what string, err error, code apperr.Code, key string) {
	t.Helper()
	e := apperr.As(err)
	if e == nil || e.Code != code || e.Key != key {
		t.Errorf("%s: %v, want %s %s", what, err, code, key)
	}
}

func queued(q []QueueItem) []int64 {
	var ids []int64
	for _, it := range q {
		ids = append(ids, it.RequestID)
	}
	return ids
}

// R-REV-1: a clean request passes the machine screen into the human review
// queue; the screening is stored with keys and arguments only.
func TestScreenCleanRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		pub, _ := f.user(true)
		patient := f.idNumber()
		id := f.submit(pub.ID, patient, 300_000_00)

		res := f.screen(id)
		if res.Level != screen.Low {
			t.Errorf("level %s (score %d, reasons %+v), want low", res.Level, res.Score, res.Reasons(true))
		}
		if got := f.request(id).State; got != campaign.InReview {
			t.Errorf("state %s, want in_review", got)
		}
		if got := eventNames(f.events(id)); got != "submit,screen,screen_pass" {
			t.Errorf("events %s", got)
		}
		if q := queued(f.queue()); len(q) != 1 || q[0] != id {
			t.Errorf("queue %v, want [%d]", q, id)
		}
		var raw string
		f.write(func(ctx context.Context, tx *store.Tx) error {
			sc, err := LastScreening(ctx, tx, id)
			if err != nil {
				return err
			}
			if sc.Level != res.Level || sc.Score != res.Score || len(sc.Verdicts) != len(res.Verdicts) {
				t.Errorf("stored %+v, ran %+v", sc.Result, res)
			}
			return tx.QueryRowContext(ctx, "SELECT verdicts FROM review_screenings WHERE request_id = $1", id).Scan(&raw)
		})
		for _, personal := range []string{patient, "张小明", "急性淋巴细胞白血病", "救救我的女儿", "北京大学"} {
			if strings.Contains(raw, personal) {
				t.Errorf("the stored verdicts hold personal data: %s", raw)
			}
		}
		// Screening twice is refused: the request has moved on.
		err := f.do(func(ctx context.Context, tx *store.Tx) error {
			_, err := Screen(ctx, tx, f.cs, id, "system")
			return err
		})
		wantErr(t, "screening again", err, apperr.Conflict, campaign.KeyTransition)
		// Screenings are never changed.
		if err := f.do(func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE review_screenings SET level = 'low'")
			return err
		}); err == nil {
			t.Error("a screening was changed")
		}
	})
}

// R-BL-1: a blacklisted patient or publisher is blocked outright; the
// requester sees that a person is listed, the entry's reason is for staff
// only.
func TestScreenBlacklisted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const why = "多次虚构病情筹款"
		f := newFixture(t, db)
		for _, who := range []string{"patient", "publisher"} {
			t.Run(who, func(t *testing.T) {
				pub, pubID := f.user(true)
				patient := f.idNumber()
				listed := patient
				if who == "publisher" {
					listed = pubID
				}
				f.write(func(ctx context.Context, tx *store.Tx) error {
					_, err := blacklist.Add(ctx, tx, blacklist.Change{Index: f.acc.IDIndex(listed), Masked: idcard.MaskID(listed),
						Reason: why, Evidence: "投诉 #12"}, "staff:1")
					return err
				})
				id := f.submit(pub.ID, patient, 300_000_00)
				res := f.screen(id)
				if res.Level != screen.Blocked {
					t.Fatalf("level %s, want blocked", res.Level)
				}
				if got := f.request(id).State; got != campaign.Rejected {
					t.Errorf("state %s, want rejected", got)
				}
				es := f.events(id)
				if got := eventNames(es); got != "submit,screen,screen_reject" {
					t.Errorf("events %s", got)
				}
				last := es[len(es)-1]
				if !strings.Contains(last.Reason, "screen.blacklist.blocked") || strings.Contains(last.Reason, why) || strings.Contains(last.Reason, "_staff") {
					t.Errorf("the rejection's reason %q must name the public reason only", last.Reason)
				}
				for _, r := range res.Reasons(false) {
					if strings.Contains(strings.Join(r.Args, " "), why) {
						t.Errorf("the requester sees the blacklist reason: %+v", r)
					}
				}
				found := false
				for _, r := range res.Reasons(true) {
					found = found || (r.StaffOnly && strings.Contains(strings.Join(r.Args, " "), why))
				}
				if !found {
					t.Errorf("staff do not see the blacklist reason: %+v", res.Reasons(true))
				}
				if q := f.queue(); len(q) != 0 {
					t.Errorf("a blocked request is in the queue: %+v", q)
				}
			})
		}
	})
}

// R-REV-1: a second open request for the same patient is blocked, whoever
// files it.
func TestScreenDuplicatePatient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		alice, _ := f.user(true)
		bob, _ := f.user(true)
		patient := f.idNumber()
		first := f.submit(alice.ID, patient, 300_000_00)
		if res := f.screen(first); res.Level == screen.Blocked {
			t.Fatalf("the first request is blocked: %+v", res.Reasons(true))
		}
		second := f.submit(bob.ID, patient, 200_000_00)
		res := f.screen(second)
		if res.Level != screen.Blocked {
			t.Errorf("level %s, want blocked", res.Level)
		}
		if got := f.request(second).State; got != campaign.Rejected {
			t.Errorf("state %s, want rejected", got)
		}
		var keys []string
		for _, r := range res.Reasons(false) {
			keys = append(keys, r.Key)
		}
		if !strings.Contains(strings.Join(keys, ","), "screen.duplicate.patient_open") {
			t.Errorf("public reasons %v", keys)
		}
	})
}

// R-RISK-1: the queue puts the riskiest first and, within a level, the
// oldest submission first.
func TestQueueOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		quiet, _ := f.user(true)
		unverified, _ := f.user(false)
		busy, _ := f.user(true)

		oldLow := f.submit(quiet.ID, f.idNumber(), 300_000_00)
		medium := f.submit(unverified.ID, f.idNumber(), 300_000_00)
		// Three earlier filings by the same person make the fourth High:
		// the same publisher, and the same phone (R-RISK-1).
		for range 3 {
			f.submit(busy.ID, f.idNumber(), 300_000_00)
		}
		high := f.submit(busy.ID, f.idNumber(), 300_000_00)
		newLow := f.submit(quiet.ID, f.idNumber(), 300_000_00)

		want := map[int64]screen.Level{oldLow: screen.Low, medium: screen.Medium, high: screen.High, newLow: screen.Low}
		for _, id := range []int64{oldLow, medium, high, newLow} {
			if res := f.screen(id); res.Level != want[id] {
				t.Errorf("request %d: level %s (score %d), want %s", id, res.Level, res.Score, want[id])
			}
		}
		got := queued(f.queue())
		order := []int64{high, medium, oldLow, newLow}
		if fmt.Sprint(got) != fmt.Sprint(order) {
			t.Errorf("queue %v, want %v", got, order)
		}
	})
}

// R-REV-2: a reviewer asks for more material; the requester answers and the
// request is back in the queue; a rejection keeps its reason for the
// requester.
func TestNeedsInfoThenReject(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		pub, _ := f.user(true)
		rv := f.staff("reviewer1", staff.Reviewer)
		id := f.submit(pub.ID, f.idNumber(), 300_000_00)
		f.screen(id)

		err := f.do(func(ctx context.Context, tx *store.Tx) error { return AskInfo(ctx, tx, f.cs, id, rv, "请补充") })
		wantErr(t, "deciding without a claim", err, apperr.Forbidden, KeyNotClaimed)
		f.write(func(ctx context.Context, tx *store.Tx) error { return Claim(ctx, tx, id, rv) })
		err = f.do(func(ctx context.Context, tx *store.Tx) error { return AskInfo(ctx, tx, f.cs, id, rv, "   ") })
		wantErr(t, "empty questions", err, apperr.Invalid, KeyInvalid)

		const questions = "请上传医院出具的费用预估单。"
		f.write(func(ctx context.Context, tx *store.Tx) error { return AskInfo(ctx, tx, f.cs, id, rv, questions) })
		r := f.request(id)
		if r.State != campaign.NeedsInfo {
			t.Fatalf("state %s, want needs_info", r.State)
		}
		if ds := f.decisions(id); len(ds) != 1 || ds[0].Decision != NeedsInfo || ds[0].Text != questions || ds[0].StaffID != rv.ID {
			t.Errorf("decisions %+v", ds)
		}
		if q := f.queue(); len(q) != 0 {
			t.Errorf("a request waiting for the requester is in the queue: %+v", q)
		}

		// The requester answers and submits again.
		f.write(func(ctx context.Context, tx *store.Tx) error {
			fl := r.Filing
			fl.Story += "已补充费用预估单。"
			r, err := f.cs.SaveDraft(ctx, tx, id, pub.ID, r.Revision, fl)
			if err != nil {
				return err
			}
			_, err = f.cs.Submit(ctx, tx, id, pub.ID, r.Revision, time.Now())
			return err
		})
		q := f.queue()
		if len(q) != 1 || q[0].RequestID != id || q[0].ClaimedBy != 0 {
			t.Fatalf("queue %+v, want the request back, unclaimed", q)
		}

		f.write(func(ctx context.Context, tx *store.Tx) error { return Claim(ctx, tx, id, rv) })
		const reason = "诊断证明与医院记录不符。"
		f.write(func(ctx context.Context, tx *store.Tx) error { return Reject(ctx, tx, f.cs, id, rv, reason) })
		if got := f.request(id).State; got != campaign.Rejected {
			t.Errorf("state %s, want rejected", got)
		}
		ds := f.decisions(id)
		if last := ds[len(ds)-1]; last.Decision != Rejected || last.Text != reason {
			t.Errorf("last decision %+v", last)
		}
		es := f.events(id)
		if last := es[len(es)-1]; last.Event != campaign.Reject || last.Reason != reason {
			t.Errorf("last event %+v", last)
		}
		if err := f.do(func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, "DELETE FROM review_decisions")
			return err
		}); err == nil {
			t.Error("a decision was deleted")
		}
	})
}

// R-REV-3: a high-risk request or one above ¥500,000 needs the approval of
// two different reviewers; an ordinary one needs one.
func TestFourEyes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r1 := f.staff("reviewer1", staff.Reviewer)
		r2 := f.staff("reviewer2", staff.Reviewer)
		pub, _ := f.user(true)
		busy, _ := f.user(true)
		for range 3 {
			f.submit(busy.ID, f.idNumber(), 300_000_00)
		}
		over := f.submit(pub.ID, f.idNumber(), 600_000_00)
		risky := f.submit(busy.ID, f.idNumber(), 300_000_00)
		plain := f.submit(pub.ID, f.idNumber(), 300_000_00)
		for _, id := range []int64{over, risky, plain} {
			f.screen(id)
		}

		approve := func(id int64, rv staff.Staff) (bool, error) {
			var done bool
			err := f.do(func(ctx context.Context, tx *store.Tx) (err error) {
				if err := Claim(ctx, tx, id, rv); err != nil {
					return err
				}
				done, err = Approve(ctx, tx, f.cs, id, rv)
				return err
			})
			return done, err
		}
		for name, id := range map[string]int64{"OverCap": over, "HighRisk": risky} {
			t.Run(name, func(t *testing.T) {
				if done, err := approve(id, r1); err != nil || done {
					t.Fatalf("first approval: %v, %v; want recorded, not done", done, err)
				}
				if got := f.request(id).State; got != campaign.InReview {
					t.Errorf("after one approval: %s", got)
				}
				_, err := approve(id, r1)
				wantErr(t, "the same reviewer twice", err, apperr.Forbidden, KeySameReviewer)
				if done, err := approve(id, r2); err != nil || !done {
					t.Fatalf("second approval: %v, %v", done, err)
				}
				if got := f.request(id).State; got != campaign.Approved {
					t.Errorf("after two approvals: %s", got)
				}
			})
		}
		t.Run("Ordinary", func(t *testing.T) {
			if done, err := approve(plain, r1); err != nil || !done {
				t.Fatalf("approval: %v, %v", done, err)
			}
			if got := f.request(plain).State; got != campaign.Approved {
				t.Errorf("state %s", got)
			}
		})
	})
}

// R-REV-3: a reviewer related to a request cannot claim it; only admins
// record the relation; one claim at a time.
func TestClaimRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r1 := f.staff("reviewer1", staff.Reviewer)
		r2 := f.staff("reviewer2", staff.Reviewer)
		admin := f.staff("admin1", staff.Admin)
		fin := f.staff("finance1", staff.Finance)
		pub, _ := f.user(true)
		relative, relativeID := f.user(true)
		other, _ := f.user(true)
		own := f.submit(pub.ID, f.idNumber(), 300_000_00)
		forRelative := f.submit(other.ID, relativeID, 300_000_00)
		free := f.submit(other.ID, f.idNumber(), 300_000_00)
		for _, id := range []int64{own, forRelative, free} {
			f.screen(id)
		}

		err := f.do(func(ctx context.Context, tx *store.Tx) error {
			return AddConflict(ctx, tx, r2, r1.ID, pub.ID, "本人账号")
		})
		wantErr(t, "a reviewer recording a conflict", err, apperr.Forbidden, KeyNotAdmin)
		f.write(func(ctx context.Context, tx *store.Tx) error {
			return AddConflict(ctx, tx, admin, r1.ID, pub.ID, "本人账号")
		})
		f.write(func(ctx context.Context, tx *store.Tx) error {
			return AddConflict(ctx, tx, admin, r1.ID, pub.ID, "again")
		})
		f.write(func(ctx context.Context, tx *store.Tx) error {
			return AddConflict(ctx, tx, admin, r1.ID, relative.ID, "亲属")
		})

		claim := func(id int64, s staff.Staff) error {
			return f.do(func(ctx context.Context, tx *store.Tx) error { return Claim(ctx, tx, id, s) })
		}
		wantErr(t, "claiming a request one filed", claim(own, r1), apperr.Forbidden, KeyConflict)
		wantErr(t, "claiming a request for a relative", claim(forRelative, r1), apperr.Forbidden, KeyConflict)
		wantErr(t, "a finance clerk claiming", claim(free, fin), apperr.Forbidden, KeyNotReviewer)
		if err := claim(own, r2); err != nil {
			t.Errorf("an unrelated reviewer: %v", err)
		}
		if err := claim(free, r1); err != nil {
			t.Errorf("an unrelated request: %v", err)
		}
		if err := claim(free, r1); err != nil {
			t.Errorf("claiming again what one holds: %v", err)
		}
		wantErr(t, "claiming what another holds", claim(free, r2), apperr.Conflict, KeyClaimed)
		err = f.do(func(ctx context.Context, tx *store.Tx) error { return Release(ctx, tx, free, r2) })
		wantErr(t, "releasing another's claim", err, apperr.Forbidden, KeyNotClaimed)
		f.write(func(ctx context.Context, tx *store.Tx) error { return Release(ctx, tx, free, r1) })
		if err := claim(free, r2); err != nil {
			t.Errorf("claiming a released request: %v", err)
		}
	})
}
