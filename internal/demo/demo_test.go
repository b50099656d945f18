package demo

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/bank"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/charity"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/hospital"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payout"
	"github.com/carefund/carefund/internal/reconcile"
	"github.com/carefund/carefund/internal/review"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/staff/stafftest"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/upload"
	"github.com/carefund/carefund/internal/vault"
)

// newDonations is a donation service on db as the server makes one. Its
// merchants leave out the sandbox, as with --payment wechatpay: the
// demonstration payments are the sandbox's all the same.
func newDonations(t *testing.T, db *store.DB, v *vault.Vault) *donation.Service {
	t.Helper()
	l := ledger.New(db, ledger.Options{})
	g := store.NewGroup(db, 0)
	t.Cleanup(func() { g.Close(); l.Close() })
	return &donation.Service{DB: db, Ledger: l, Campaigns: campaign.Store{Vault: v}, Orders: g,
		Merchant: map[string]string{"wechatpay": "1900000001"}}
}

func newVault() *vault.Vault {
	keys := &keyring.Keys{}
	rand.Read(keys.Master[:])
	rand.Read(keys.Index[:])
	return vault.New(keys)
}

// counted are the tables loading writes to; loading again must add to none.
var counted = []string{"staff", "charities", "users", "identities", "data_keys", "requests", "request_events",
	"request_versions", "request_materials", "request_fundraising", "request_updates", "review_screenings",
	"review_decisions", "audit_log", "meta", "donation_orders", "donations", "donation_quarantine", "request_totals",
	"shares", "share_counts", "ledger_entries", "ledger_postings",
	"payouts", "payout_events", "payout_usage", "payout_materials", "payout_outcomes", "payout_outcome_copies",
	"bank_transfers", "bank_transfer_conflicts", "bank_outcomes", "sandbox_bank_transfers", "sandbox_bank_events",
	"sandbox_bank_bookings", "custody_accounts", "custody_changes", "reconcile_settlements", "reconcile_runs",
	"reconcile_refusals", "reconcile_differences", "reconcile_in_transit", "staff_proposals", "complaints", "complaint_events"}

func counts(t *testing.T, db *store.DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	err := db.Read(context.Background(), func(tx *store.Tx) error {
		for _, table := range counted {
			var n int
			if err := tx.QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
				return err
			}
			out[table] = n
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLoadOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sealer := stafftest.Sealer(t)
		v := newVault()
		donations := newDonations(t, db, v)
		var after map[string]int
		for i, want := range []bool{true, false} {
			loaded, err := Load(ctx, db, sealer, v, donations)
			if err != nil || loaded != want {
				t.Fatalf("Load #%d = %v, %v; want %v", i+1, loaded, err, want)
			}
			// Loading twice adds nothing.
			now := counts(t, db)
			if after != nil && !mapsEqual(after, now) {
				t.Errorf("the second load changed the row counts:\n%v\n%v", after, now)
			}
			after = now
		}
		if after["requests"] == 0 || after["request_materials"] == 0 {
			t.Errorf("nothing loaded: %v", after)
		}
		// Two complaints about a fundraising request, one resolved with a
		// public response (R-DISC-2).
		var published int
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT count(*) FROM complaints WHERE published = 1 AND response = $1", demoComplaintResponse).Scan(&published)
		}); err != nil || after["complaints"] != 3 || published != 1 {
			t.Errorf("demo complaints: %d, published %d, %v", after["complaints"], published, err)
		}
		// The referral list has its demonstration organisations.
		var orgs []charity.Org
		if err := db.Read(ctx, func(tx *store.Tx) (err error) { orgs, err = charity.List(ctx, tx); return err }); err != nil || len(orgs) == 0 {
			t.Errorf("charities after the demo load: %d (%v)", len(orgs), err)
		}
		for _, o := range orgs {
			if !o.IsDemo() {
				t.Errorf("%q is not marked as a demonstration entry", o.Name)
			}
		}
		// So does the hospital directory.
		var hs []hospital.Hospital
		if err := db.Read(ctx, func(tx *store.Tx) (err error) { hs, err = hospital.Active(ctx, tx); return err }); err != nil || len(hs) != len(hospital.Demo()) {
			t.Errorf("hospitals after the demo load: %d (%v)", len(hs), err)
		}
		for _, h := range hs {
			if !h.IsDemo() {
				t.Errorf("%q is not marked as a demonstration entry", h.Name)
			}
		}
		// Every demonstration account signs in with the published password
		// and the code from its derivable secret; there are two reviewers
		// to show four-eyes approval (R-REV-3).
		reviewers := 0
		for _, a := range StaffAccounts() {
			now := time.Now()
			s, err := staff.Authenticate(ctx, db, sealer, a.Username, StaffPassword, staff.CodeAt(Secret(a.Username), now), now,
				func(context.Context, *store.Tx, int64, string, string) error { return nil })
			if err != nil || s.Role != a.Role {
				t.Errorf("%s: %+v, %v", a.Username, s, err)
			}
			if a.Role == staff.Reviewer {
				reviewers++
			}
		}
		if reviewers < 2 {
			t.Errorf("%d demonstration reviewers, want 2", reviewers)
		}
	})
}

// TestLoadAfterEarlierVersion: a database that got the demonstration staff
// from a version without requests gets the requests, and the second
// reviewer, when next started with --demo.
func TestLoadAfterEarlierVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sealer := stafftest.Sealer(t)
		v := newVault()
		if err := db.Write(ctx, func(tx *store.Tx) error {
			if _, _, err := staff.CreateWithSecret(ctx, tx, sealer, "demo-reviewer", staff.Reviewer, StaffPassword, Secret("demo-reviewer")); err != nil {
				return err
			}
			return tx.SetMeta(ctx, metaBase, "2025-01-01T00:00:00Z")
		}); err != nil {
			t.Fatal(err)
		}
		if loaded, err := Load(ctx, db, sealer, v, newDonations(t, db, v)); err != nil || !loaded {
			t.Fatalf("Load = %v, %v", loaded, err)
		}
		c := counts(t, db)
		// The specs' requests and the earlier history's.
		if c["requests"] != len(specs)+1 || c["staff"] != len(StaffAccounts()) || c["charities"] != 0 {
			t.Errorf("after the upgrade: %v; want %d requests, %d staff, the charities not seeded again", c, len(specs)+1, len(StaffAccounts()))
		}
	})
}

// demoData reads back what Load stored.
type demoData struct {
	requests  []campaign.Request
	versions  map[int64][]campaign.Version
	materials map[int64][]material.Material
	updates   map[int64][]campaign.Update // public view
	channels  map[int64]campaign.Channel
	decisions map[int64][]review.DecisionRecord
	cards     []campaign.Card
	phones    []string
	ids       []account.Identity
}

func readBack(t *testing.T, db *store.DB, v *vault.Vault) demoData {
	t.Helper()
	ctx := context.Background()
	cs, ms, acc := campaign.Store{Vault: v}, material.Store{Vault: v}, &account.Service{Vault: v}
	d := demoData{versions: map[int64][]campaign.Version{}, materials: map[int64][]material.Material{},
		updates: map[int64][]campaign.Update{}, channels: map[int64]campaign.Channel{}, decisions: map[int64][]review.DecisionRecord{}}
	err := db.Read(ctx, func(tx *store.Tx) error {
		var users []int64
		rows, err := tx.QueryContext(ctx, "SELECT id FROM users ORDER BY id")
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			users = append(users, id)
		}
		rows.Close()
		for _, uid := range users {
			u, err := acc.Get(ctx, tx, uid)
			if err != nil {
				return err
			}
			d.phones = append(d.phones, u.Phone)
			id, err := acc.VerifiedIdentity(ctx, tx, uid)
			if apperr.CodeOf(err) == apperr.NotFound {
				continue // a donor: only publishers verify their names
			}
			if err != nil {
				return err
			}
			d.ids = append(d.ids, id)
			if u.Phone == Phone(historySeq) {
				continue // the earlier history's, see TestDemoHistoryReports
			}
			rs, err := cs.ListByPublisher(ctx, tx, uid)
			if err != nil {
				return err
			}
			d.requests = append(d.requests, rs...)
		}
		for _, r := range d.requests {
			if d.versions[r.ID], err = cs.Versions(ctx, tx, r.ID); err != nil {
				return err
			}
			if d.materials[r.ID], err = ms.List(ctx, tx, r.ID); err != nil {
				return err
			}
			if d.updates[r.ID], err = cs.Updates(ctx, tx, r.ID, true); err != nil {
				return err
			}
			if d.decisions[r.ID], err = review.Decisions(ctx, tx, r.ID); err != nil {
				return err
			}
			ch, err := cs.Fundraising(ctx, tx, r.ID)
			if err == nil {
				d.channels[r.ID] = ch
			} else if apperr.CodeOf(err) != apperr.NotFound {
				return err
			}
		}
		d.cards, err = cs.Listed(ctx, tx, 100)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDemoRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := newVault()
		if _, err := Load(ctx, db, stafftest.Sealer(t), v, newDonations(t, db, v)); err != nil {
			t.Fatal(err)
		}
		d := readBack(t, db, v)
		if len(d.requests) != len(specs) {
			t.Fatalf("%d requests read back, %d loaded", len(d.requests), len(specs))
		}

		t.Run("EveryState", func(t *testing.T) {
			// R-PUB-4: the life cycle, as far as this issue reaches. The
			// home page lists several fundraising requests.
			want := map[campaign.State]int{campaign.Draft: 1, campaign.InReview: 2, campaign.NeedsInfo: 1, campaign.Rejected: 1,
				campaign.Approved: 1, campaign.Fundraising: 3, campaign.Closed: 3, campaign.Completed: 1, campaign.Suspended: 1}
			got := map[campaign.State]int{}
			for _, r := range d.requests {
				got[r.State]++
			}
			for st, n := range want {
				if got[st] < n {
					t.Errorf("%d requests %s, want at least %d", got[st], st, n)
				}
			}
			fundraising := 0
			for _, c := range d.cards {
				if c.State == campaign.Fundraising {
					fundraising++
				}
			}
			if fundraising < 3 || d.cards[0].State != campaign.Fundraising {
				t.Errorf("the home page lists %d fundraising requests first: %+v", fundraising, d.cards)
			}
		})

		t.Run("MarkedAndValid", func(t *testing.T) {
			for _, r := range d.requests {
				f := r.Filing
				if !strings.HasPrefix(f.Title, TitlePrefix) || !strings.Contains(f.Story, Notice) {
					t.Errorf("request %d is not marked as demonstration data: %q", r.ID, f.Title)
				}
				// Well-formed (GB 11643 check digit) but nobody's: born
				// 1 January 1900 in region 110101.
				id, err := idcard.Parse(f.PatientID, time.Now())
				if err != nil || !idcard.IsDemo(id.Number) || id.Birth.Month() != time.January || id.Birth.Day() != 1 ||
					!strings.HasPrefix(id.Number, "110101") {
					t.Errorf("request %d: the patient's ID number is not a demonstration number (%v)", r.ID, err)
				}
				// R-REQ-1, R-REQ-2: every filing is complete, its breakdown
				// adds up and all ten disclosures are answered.
				if err := f.Validate(time.Now()); err != nil {
					t.Errorf("request %d: %v", r.ID, err)
				}
			}
			for _, p := range d.phones {
				if _, err := idcard.ParsePhone(p); err != nil || !strings.HasPrefix(p, PhonePrefix) {
					t.Errorf("a demonstration phone number %s (%v)", idcard.MaskPhone(p), err)
				}
			}
			// R-ACC-1: every publisher is verified, with a demonstration number,
			// and so is the patient who applies for the burns request's
			// payouts himself (payouts.go). The donors (DonorPhone) give
			// without verifying their names. The earlier history
			// (history.go) has a publisher more.
			const patients = 1
			publishers := len(specs) + 1
			if len(d.ids) != publishers+patients || len(d.phones) != publishers+patients+donors {
				t.Errorf("%d identities for %d users; want one for each of the %d publishers and %d patient, and %d donors",
					len(d.ids), len(d.phones), publishers, patients, donors)
			}
			for _, id := range d.ids {
				if !idcard.IsDemo(id.Number) || id.Verifier != account.DemoVerifier {
					t.Errorf("identity %d is not a demonstration identity", id.ID)
				}
			}
		})

		t.Run("NoIDNumberInPublic", func(t *testing.T) {
			// R-PUB-1: the public text has the masked name, never an ID
			// number, nor the name unmasked in the story or an update.
			idLike := regexp.MustCompile(`[0-9]{17}[0-9X]`)
			published := 0
			for _, r := range d.requests {
				given := string([]rune(r.Filing.PatientName)[1:])
				var public []any
				for _, ver := range d.versions[r.ID] {
					published++
					public = append(public, ver.Published)
				}
				for _, u := range d.updates[r.ID] {
					public = append(public, u.Body)
				}
				for i, p := range public {
					b, err := json.Marshal(p)
					if err != nil {
						t.Fatal(err)
					}
					if idLike.Match(b) || strings.Contains(string(b), r.Filing.PatientID) ||
						utf8.RuneCountInString(given) > 1 && strings.Contains(string(b), given) {
						t.Errorf("request %d: public text %d shows the patient's ID number or name", r.ID, i)
					}
				}
			}
			if published == 0 {
				t.Error("no published versions")
			}
		})

		t.Run("Materials", func(t *testing.T) {
			// R-REQ-3, R-REQ-4: every submitted request has the materials
			// a filing needs, as generated PNG images.
			for _, r := range d.requests {
				if r.State == campaign.Draft {
					continue
				}
				if err := material.Missing(d.materials[r.ID], material.Required(r.Filing.Relationship, r.Filing.Target, 0)); err != nil {
					t.Errorf("request %d: %v", r.ID, err)
				}
				for _, m := range d.materials[r.ID] {
					if m.ContentType != string(upload.PNG) {
						t.Errorf("request %d material %d: %s", r.ID, m.ID, m.ContentType)
					}
				}
			}
		})

		t.Run("CertificateAndFourEyes", func(t *testing.T) {
			waiting, open := 0, 0
			for _, r := range d.requests {
				if !campaign.NeedsCertificate(r.Filing.Target) {
					continue
				}
				o := material.Opening(d.materials[r.ID], campaign.Opening{Target: r.Filing.Target})
				err := campaign.CanOpenFundraising(o)
				switch r.State {
				case campaign.Approved:
					// R-REQ-4: approved, the certificate reviewed but not
					// yet published, so the channel stays shut.
					if e := apperr.As(err); e == nil || e.Key != campaign.KeyCertificateUnpublished {
						t.Errorf("request %d above the cap: %v, want %s", r.ID, err, campaign.KeyCertificateUnpublished)
					}
					waiting++
				case campaign.Fundraising:
					if err != nil {
						t.Errorf("request %d is fundraising above the cap: %v", r.ID, err)
					}
					open++
				}
				// R-REV-2: every required material was reviewed before
				// the first approval.
				for _, dr := range d.decisions[r.ID] {
					if dr.Decision != review.Approved {
						continue
					}
					err := material.Unreviewed(d.materials[r.ID], material.Required(r.Filing.Relationship, r.Filing.Target, 0), "approve")
					if err != nil {
						t.Errorf("request %d was approved with material unreviewed: %v", r.ID, err)
					}
					for _, m := range d.materials[r.ID] {
						// A material filed after the approval (a batch's
						// expense list, R-DISB-3) is reviewed after it.
						if m.ReviewedAt.After(dr.At) && !m.UploadedAt.After(dr.At) {
							t.Errorf("request %d: material %d reviewed after the approval", r.ID, m.ID)
						}
					}
					break
				}
				// R-REV-3: two different reviewers approve above the cap.
				var approvers []int64
				for _, dr := range d.decisions[r.ID] {
					if dr.Decision == review.Approved && !slices.Contains(approvers, dr.StaffID) {
						approvers = append(approvers, dr.StaffID)
					}
				}
				want := 2
				if r.State == campaign.InReview {
					want = 1 // waiting for the second reviewer
				}
				if len(approvers) != want {
					t.Errorf("request %d (%s) above the cap: approved by %d reviewers, want %d", r.ID, r.State, len(approvers), want)
				}
			}
			if waiting == 0 || open == 0 {
				t.Errorf("above the cap: %d waiting for the certificate, %d fundraising; want both", waiting, open)
			}
		})

		t.Run("ClosingsVersionsUpdates", func(t *testing.T) {
			// R-PUB-4: one closing of each kind.
			var closings []campaign.Closing
			for _, ch := range d.channels {
				if ch.Closed {
					closings = append(closings, ch.Closing)
				}
			}
			for _, c := range []campaign.Closing{{Reason: campaign.TargetReached}, {Reason: campaign.PeriodEnded},
				{Reason: campaign.PurposeGone, Cause: campaign.Recovered}} {
				if !slices.Contains(closings, c) {
					t.Errorf("no request closed with %+v; closings %+v", c, closings)
				}
			}
			// R-REQ-6: a request amended after publication has a second
			// version that says what changed.
			amended := false
			for _, vs := range d.versions {
				if len(vs) > 1 && slices.Contains(vs[len(vs)-1].Changes, "story") {
					amended = true
				}
			}
			if !amended {
				t.Error("no request has a second published version with its changes")
			}
			// R-REV-4: an update taken down keeps its place and a public
			// reason; its text is gone from the public view.
			down := 0
			for _, us := range d.updates {
				for _, u := range us {
					if u.TakenDown {
						down++
						if u.Body != "" || u.TakedownReason == "" {
							t.Errorf("taken-down update %d: body %q, reason %q", u.ID, u.Body, u.TakedownReason)
						}
					}
				}
			}
			if down == 0 {
				t.Error("no update taken down")
			}
		})
	})
}

// TestRecordDemoIdentityRefusesRealNumbers: only demonstration ID numbers
// are recorded without the identity check (R-ACC-1).
func TestRecordDemoIdentityRefusesRealNumbers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		acc := &account.Service{Vault: newVault()}
		first17 := "11010519800101001"
		c, err := idcard.CheckChar(first17)
		if err != nil {
			t.Fatal(err)
		}
		err = db.Write(ctx, func(tx *store.Tx) error {
			u, err := acc.EnsureUser(ctx, tx, Phone(1))
			if err != nil {
				return err
			}
			again, err := acc.EnsureUser(ctx, tx, Phone(1))
			if err != nil || again.ID != u.ID {
				t.Errorf("EnsureUser twice: %d then %d (%v)", u.ID, again.ID, err)
			}
			if err := acc.RecordDemoIdentity(ctx, tx, u.ID, "张三", first17+string(c)); err == nil {
				t.Error("a real-looking ID number was recorded as a demonstration identity")
			}
			if err := acc.RecordDemoIdentity(ctx, tx, u.ID, "张三", demoID(1)); err != nil {
				return err
			}
			err = acc.RecordDemoIdentity(ctx, tx, u.ID, "张三", demoID(2))
			if e := apperr.As(err); e == nil || e.Key != "identity.already" {
				t.Errorf("a second identity: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestDemoDonations: the requests still fundraising have 5 to 40
// donations each, made through the donation service and the ledger — some
// anonymous, some with messages, some through share links — so their
// progress bars are part-filled; the "target reached" request reached its
// target through its donations, which closed it (R-PUB-4); the ledger
// verifies; and making the donations again after a failure adds nothing
// (R-DON-1). On the same load, checkPayouts checks the money going out.
func TestDemoDonations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := newVault()
		svc := newDonations(t, db, v)
		if _, err := Load(ctx, db, stafftest.Sealer(t), v, svc); err != nil {
			t.Fatal(err)
		}
		d := readBack(t, db, v)
		fundraising, reached := 0, 0
		var anonymous, messages, shared int
		for _, r := range d.requests {
			var raised money.Fen
			var n int
			var recent []donation.Public
			err := db.Read(ctx, func(tx *store.Tx) error {
				var err error
				if raised, n, err = donation.Totals(ctx, tx, r.ID); err != nil {
					return err
				}
				recent, err = donation.Recent(ctx, tx, r.ID, 100)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			balance, err := svc.Ledger.Balance(ctx, "request:"+strconv.FormatInt(r.ID, 10))
			if err != nil {
				t.Fatal(err)
			}
			// What left by payouts (approved, being paid or paid) is not
			// on the request any more; a failed or returned payout's money
			// is back.
			var out int64
			if err := db.Read(ctx, func(tx *store.Tx) error {
				return tx.QueryRowContext(ctx, `SELECT coalesce(sum(amount_fen), 0) FROM payouts
					WHERE request_id = $1 AND state IN ('approved', 'paying', 'paid')`, r.ID).Scan(&out)
			}); err != nil {
				t.Fatal(err)
			}
			if balance+money.Fen(out) != raised {
				t.Errorf("request %d: the ledger holds %s and paid out %s, the totals say %s", r.ID, balance, money.Fen(out), raised)
			}
			ch := d.channels[r.ID]
			switch {
			case r.State == campaign.Fundraising:
				fundraising++
				if n < 5 || n > 40 || raised <= 0 || raised >= r.Filing.Target {
					t.Errorf("fundraising request %d: %d donations, %s of %s; want 5 to 40, part of the target",
						r.ID, n, raised, r.Filing.Target)
				}
			case ch.Closed && ch.Closing.Reason == campaign.TargetReached:
				reached++
				if raised < r.Filing.Target {
					t.Errorf("request %d closed at its target with %s of %s", r.ID, raised, r.Filing.Target)
				}
			default:
				if n != 0 {
					t.Errorf("request %d (%s) has %d donations, want none", r.ID, r.State, n)
				}
			}
			if len(recent) != n {
				t.Errorf("request %d: %d public donations, %d counted", r.ID, len(recent), n)
			}
			for _, p := range recent {
				if p.Anonymous {
					anonymous++
					if p.DonorUserID != 0 {
						t.Errorf("an anonymous donation shows its donor %d", p.DonorUserID)
					}
				}
				if p.Message != "" {
					messages++
				}
			}
		}
		if fundraising < 3 || reached != 1 {
			t.Errorf("%d fundraising requests with donations, %d closed at the target; want 3 or more and 1", fundraising, reached)
		}
		if anonymous == 0 || messages == 0 {
			t.Errorf("%d anonymous donations, %d messages; want some of each", anonymous, messages)
		}
		var visits int
		err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(c.visits), 0) FROM share_counts c
				WHERE c.donations > 0`).Scan(&shared, &visits)
		})
		if err != nil || shared == 0 || visits == 0 {
			t.Errorf("%d share links brought donations, %d visits (%v); want some", shared, visits, err)
		}
		if n := countRows(t, db, "donation_quarantine"); n != 0 {
			t.Errorf("%d demonstration payments quarantined", n)
		}
		if _, err := ledger.Verify(ctx, db); err != nil {
			t.Errorf("ledger.Verify: %v", err)
		}
		t.Run("Payouts", func(t *testing.T) { checkPayouts(t, db, v, svc) })

		// A load that failed after some donations is run again: the fixed
		// keys make nothing twice.
		before := counts(t, db)
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, "DELETE FROM meta WHERE key = $1", metaDonations)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if loaded, err := Load(ctx, db, stafftest.Sealer(t), v, svc); err != nil || !loaded {
			t.Fatalf("Load after losing the donations' mark = %v, %v", loaded, err)
		}
		if after := counts(t, db); !mapsEqual(before, after) {
			t.Errorf("making the donations again changed the row counts:\n%v\n%v", before, after)
		}
	})
}

func countRows(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	ctx := context.Background()
	if err := db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// checkPayouts checks that the demonstration loaded on db shows the way
// money goes out: a payout in every state, to the patient's account, to a
// directory hospital and in a batch whose expense list is published
// (R-DISB-3), a usage update posted and one overdue (R-DISB-4), the custody
// account's record reported to the ministry (R-FUND-3), its statements
// reconciled with a difference left open (R-FUND-4), and the ledger
// mirroring custody afterwards (R-FUND-1). It runs on TestDemoDonations'
// load: a load of its own would double the time the demo's tests take.
func checkPayouts(t *testing.T, db *store.DB, v *vault.Vault, svc *donation.Service) {
	ctx := context.Background()
	type row struct {
		state    payout.State
		payee    payout.PayeeKind
		batch    bool
		reason   string
		paid     int64
		hasUsage bool
	}
	var rows []row
	err := db.Read(ctx, func(tx *store.Tx) error {
		return store.Each(ctx, tx, func(r *sql.Rows) error {
			var x row
			var reason sql.NullString
			var paid sql.NullInt64
			var batch, usage int
			if err := r.Scan(&x.state, &x.payee, &batch, &reason, &paid, &usage); err != nil {
				return err
			}
			x.batch, x.reason, x.paid, x.hasUsage = batch == 1, reason.String, paid.Int64, usage > 0
			rows = append(rows, x)
			return nil
		}, `SELECT p.state, p.payee_kind, p.batch, p.reason, p.paid_at,
			(SELECT count(*) FROM payout_usage u WHERE u.payout_id = p.id) FROM payouts p ORDER BY p.id`)
	})
	if err != nil {
		t.Fatal(err)
	}
	byState := map[payout.State]int{}
	var hospitalPaid, batchPaid, usagePosted, overdue, failedClosed, returned, rejectedWhy int
	for _, x := range rows {
		byState[x.state]++
		switch {
		case x.state == payout.Paid && x.payee == payout.ToHospital:
			hospitalPaid++
		case x.state == payout.Paid && x.batch:
			batchPaid++
		case x.state == payout.Failed && x.reason == bank.ReasonAccountClosed:
			failedClosed++
		case x.state == payout.Returned:
			returned++
		case x.state == payout.Rejected && x.reason != "":
			rejectedWhy++
		}
		if x.state == payout.Paid && x.hasUsage {
			usagePosted++
		}
		if x.state == payout.Paid && !x.hasUsage && !time.Now().Before(payout.UsageDueBy(time.UnixMicro(x.paid))) {
			overdue++
		}
	}
	for _, s := range payout.States {
		if byState[s] == 0 {
			t.Errorf("no demonstration payout is %s: %v", s, byState)
		}
	}
	// The first approval leaves a payout in review with its first
	// approver, waiting for the second officer (R-STAFF-1).
	var firstOnly int
	if err := db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM payouts WHERE state = 'in_review'
			AND first_approver IS NOT NULL`).Scan(&firstOnly)
	}); err != nil {
		t.Fatal(err)
	}
	if firstOnly == 0 || byState[payout.InReview] < 2 {
		t.Errorf("%d payouts in review, %d of them first-approved; want one of each", byState[payout.InReview], firstOnly)
	}
	// R-DISB-3, R-DISB-4
	if hospitalPaid == 0 || batchPaid == 0 || usagePosted == 0 || overdue != 1 || failedClosed == 0 || returned == 0 || rejectedWhy == 0 {
		t.Errorf("paid to a hospital %d, in a batch %d, usage posted %d, overdue %d, failed (account closed) %d, returned %d, rejected with a reason %d",
			hospitalPaid, batchPaid, usagePosted, overdue, failedClosed, returned, rejectedWhy)
	}
	// What the public sees of the burns request's payouts: the
	// hospital by name, the batch's published expense list, never an
	// account number or a person's name (R-DISB-2, R-PII-1).
	var burns int64
	if err := db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT request_id FROM payouts WHERE payee_kind = 'hospital' ORDER BY id LIMIT 1").Scan(&burns)
	}); err != nil {
		t.Fatal(err)
	}
	ps := &payout.Service{DB: db, Ledger: svc.Ledger, Vault: v, Campaigns: campaign.Store{Vault: v}, Materials: material.Store{Vault: v}}
	pub, err := ps.Public(ctx, burns)
	if err != nil {
		t.Fatal(err)
	}
	var toHospital, withList bool
	for _, p := range pub {
		toHospital = toHospital || p.Hospital != ""
		withList = withList || len(p.ExpenseList) > 0
	}
	raw, _ := json.Marshal(pub)
	secret := []string{"62284800", "马强", "马超"} // the accounts loadPayouts files, the people
	for _, h := range hospital.Demo() {
		secret = append(secret, h.Account)
	}
	leaked := slices.ContainsFunc(secret, func(s string) bool { return strings.Contains(string(raw), s) })
	if !toHospital || !withList || leaked {
		t.Errorf("the public payouts of request %d: %s; want a hospital by name and an expense list, no account or name", burns, raw)
	}
	// R-FUND-3: the custody account's opening, reported and in effect.
	bs := &bank.Service{DB: db, Vault: v}
	changes, err := bs.CustodyChanges(ctx)
	if err != nil || len(changes) == 0 || changes[0].ReportRef == "" {
		t.Errorf("custody changes %+v (%v): want one reported to the ministry", changes, err)
	}
	// R-FUND-4: statements reconciled, a difference open.
	rs := &reconcile.Service{DB: db}
	runs, err := rs.Runs(ctx)
	if err != nil || len(runs) == 0 {
		t.Errorf("%d reconciliation runs (%v)", len(runs), err)
	}
	open, err := rs.Differences(ctx, true)
	if err != nil || len(open) == 0 {
		t.Errorf("%d open differences (%v); want one for finance to resolve", len(open), err)
	}
	// R-FUND-1: what carefund verify checks holds after the demo.
	if _, err := ledger.Verify(ctx, db); err != nil {
		t.Errorf("ledger.Verify: %v", err)
	}
	if _, err := audit.Verify(ctx, db); err != nil {
		t.Errorf("audit.Verify: %v", err)
	}
	if _, err := donation.Verify(ctx, db); err != nil {
		t.Errorf("donation.Verify: %v", err)
	}
	c, ok, err := rs.CheckCustody(ctx)
	if err != nil || !ok || c.Run.Closing == nil || c.Gap() != 0 {
		t.Errorf("custody check: %+v, %v, %v; want the ledger to mirror the last statement", c, ok, err)
	}

	// A load that lost the payouts' mark (as one stopped half-way
	// would) adds nothing: every step sees what was done and does
	// not do it again.
	before := counts(t, db)
	if err := db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM meta WHERE key = $1", metaPayouts)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if loaded, err := Load(ctx, db, stafftest.Sealer(t), v, svc); err != nil || !loaded {
		t.Fatalf("Load after losing the payouts' mark = %v, %v", loaded, err)
	}
	if after := counts(t, db); !mapsEqual(before, after) {
		t.Errorf("making the payouts again changed the row counts:\n%v\n%v", before, after)
	}
}

// The bank's history the demonstration plays lies wholly in the past, on
// working days before the cut-off, whatever the day of the week and the
// hour it is loaded at: the first payout is overdue for its usage update
// and the later ones are not (R-DISB-4), and the day of the last step is
// over, so its statement can be reconciled.
func TestPayoutTimelineAnyHour(t *testing.T) {
	base := time.Date(2026, 12, 7, 0, 0, 0, 0, bank.Zone) // a Monday
	for h := range 14 * 24 * 4 {
		now := base.Add(time.Duration(h) * 15 * time.Minute)
		start := pastStart(now)
		paid := payday(start)
		ev := bank.Schedule(bank.HabitReturn, paid)
		due := ev[len(ev)-1].Due
		open := openDay(due)
		for _, at := range []time.Time{start, paid, open} {
			y, m, d := at.In(bank.Zone).Date()
			clock := at.Sub(time.Date(y, m, d, 0, 0, 0, 0, bank.Zone))
			if !bank.WorkingDay(at) || clock+bank.Processing >= bank.CutOff {
				t.Fatalf("loaded at %s: a step at %s, not a working day before the cut-off", now, at)
			}
		}
		switch {
		case now.Before(payout.UsageDueBy(start.Add(bank.Processing))):
			t.Fatalf("loaded at %s: the first payout, paid %s, is not overdue", now, start)
		case !now.Before(payout.UsageDueBy(paid).AddDate(0, 0, -7)):
			t.Fatalf("loaded at %s: the payouts paid %s are overdue within a week", now, paid)
		case !(start.Before(paid) && paid.Before(due) && due.Before(open)):
			t.Fatalf("loaded at %s: steps out of order: %s %s %s %s", now, start, paid, due, open)
		case !bank.Day(open).Before(bank.Day(now).AddDate(0, 0, -1)):
			t.Fatalf("loaded at %s: the last step, %s, is not days in the past", now, open)
		}
	}
}
