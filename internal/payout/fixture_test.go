package payout

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"image"
	"image/png"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/staff/stafftest"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// account is a payee's account number in the tests: a valid card number.
const account = "6222021234567890128"

// t0 is a Monday morning in China: the fixture's clock starts there.
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, China)

// fakeHospitals is a directory of verified hospitals.
type fakeHospitals map[int64]Hospital

func (h fakeHospitals) Hospital(_ context.Context, _ *store.Tx, id int64) (Hospital, error) {
	if x, ok := h[id]; ok {
		return x, nil
	}
	return Hospital{}, apperr.New(apperr.NotFound, "hospital.unknown")
}

func (h fakeHospitals) List(context.Context, *store.Tx) ([]Hospital, error) {
	var out []Hospital
	for _, x := range h {
		out = append(out, x)
	}
	return out, nil
}

// fixture is a payout service on a fresh database with a real ledger, one
// fundraising request with a publisher (the patient's parent), a verified
// hospital, and three finance officers.
type fixture struct {
	t          *testing.T
	db         *store.DB
	s          *Service
	now        time.Time
	publisher  int64
	req        int64
	hospital   Hospital
	f1, f2, f3 staff.Staff
	n          int
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	keys := &keyring.Keys{}
	rand.Read(keys.Master[:])
	rand.Read(keys.Index[:])
	l := ledger.New(db, ledger.Options{})
	t.Cleanup(l.Close)
	f := &fixture{t: t, db: db, now: t0}
	db.SetClock(func() time.Time { return f.now })
	f.hospital = Hospital{ID: 7, Name: "北京协和医院", CreditCode: "12100000400000624D", BankName: "工商银行北京东单支行",
		Account: "0200000709014412345"}
	f.s = &Service{DB: db, Ledger: l, Vault: nil, Hospitals: fakeHospitals{7: f.hospital},
		Now: func() time.Time { return f.now }}
	f.s.Vault = vault.New(keys)
	f.s.Campaigns = campaign.Store{Vault: f.s.Vault}
	f.s.Materials = material.Store{Vault: f.s.Vault}
	f.publisher = f.user("publisher")
	f.req = f.request(f.publisher)
	f.f1, f.f2, f.f3 = f.staff("fin1", staff.Finance), f.staff("fin2", staff.Finance), f.staff("fin3", staff.Finance)
	return f
}

func (f *fixture) write(fn func(ctx context.Context, tx *store.Tx) error) {
	f.t.Helper()
	ctx := context.Background()
	if err := f.db.Write(ctx, func(tx *store.Tx) error { return fn(ctx, tx) }); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) read(fn func(ctx context.Context, tx *store.Tx) error) {
	f.t.Helper()
	ctx := context.Background()
	if err := f.db.Read(ctx, func(tx *store.Tx) error { return fn(ctx, tx) }); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) user(name string) int64 {
	f.t.Helper()
	var id int64
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		id, err = campaigntest.User(ctx, tx, f.s.Vault, name)
		return err
	})
	return id
}

// idNumber returns a new valid ID number.
func (f *fixture) idNumber() string {
	f.t.Helper()
	f.n++
	first17 := fmt.Sprintf("110105201001%02d%03d", f.n%28+1, f.n)
	c, err := idcard.CheckChar(first17)
	if err != nil {
		f.t.Fatal(err)
	}
	return first17 + string(c)
}

// request files a request of a new patient for publisher and opens its
// fundraising.
func (f *fixture) request(publisher int64) int64 {
	f.t.Helper()
	fl := campaigntest.Filing()
	fl.PatientID = f.idNumber()
	var id int64
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		id, err = campaigntest.Fundraising(ctx, tx, f.s.Campaigns, publisher, fl, 0)
		return err
	})
	return id
}

// requester returns a new user verified as the patient of request id: the
// requester, who may act and designate accounts.
func (f *fixture) requester(id int64) int64 {
	f.t.Helper()
	u := f.user(fmt.Sprintf("patient-%d", id))
	f.write(func(ctx context.Context, tx *store.Tx) error {
		r, err := f.s.Campaigns.Get(ctx, tx, id)
		if err != nil {
			return err
		}
		key, err := f.s.Vault.NewKey(ctx, tx)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO identities (user_id, key_id, name_sealed, number_sealed, number_index,
			verifier, outcome, reason, source, created_at) VALUES ($1, $2, $3, $3, $4, 'test', 'verified', '', 'test', $5)`,
			u, key.ID, []byte{1}, r.PatientIndex, tx.Now.UnixMicro())
		return err
	})
	return u
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

// relate records staff member s as related to user u (review's conflicts).
func (f *fixture) relate(s staff.Staff, u int64) {
	f.t.Helper()
	f.write(func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO review_conflicts (staff_id, user_id, note, added_by, added_at)
			VALUES ($1, $2, 'test', 'staff:1', $3)`, s.ID, u, tx.Now.UnixMicro())
		return err
	})
}

// fund gives request id donations of amount: the ledger entry and the
// running total the donation service would write.
func (f *fixture) fund(id int64, amount money.Fen) {
	f.t.Helper()
	f.n++
	ctx := context.Background()
	if _, err := f.s.Ledger.Post(ctx, ledger.Transfer(fmt.Sprintf("test:donation:%d", f.n), "donation", "psp:sandbox",
		requestAccount(id), amount)); err != nil {
		f.t.Fatal(err)
	}
	f.write(func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO request_totals (request_id, raised_fen, donations) VALUES ($1, $2, 1)
			ON CONFLICT (request_id) DO UPDATE SET raised_fen = request_totals.raised_fen + excluded.raised_fen`, id, int64(amount))
		return err
	})
}

// material stores a small image of kind for request id; reviewed and
// published (with summary) as asked.
func (f *fixture) material(id int64, kind material.Kind, reviewed bool, summary string) int64 {
	f.t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		f.t.Fatal(err)
	}
	var mid int64
	f.write(func(ctx context.Context, tx *store.Tx) error {
		m, err := f.s.Materials.Add(ctx, tx, id, kind, bytes.NewReader(b.Bytes()), "file", "user:1")
		if err != nil {
			return err
		}
		mid = m.ID
		if reviewed {
			if err := f.s.Materials.MarkReviewed(ctx, tx, id, m.ID, "staff:1"); err != nil {
				return err
			}
		}
		if summary != "" {
			return f.s.Materials.Publicize(ctx, tx, id, m.ID, summary, "staff:1")
		}
		return nil
	})
	return mid
}

// app is an application to pay the requester's own account from f.req.
func (f *fixture) app(amount money.Fen) Application {
	f.n++
	return Application{RequestID: f.req, Key: fmt.Sprintf("form-%d", f.n), Amount: amount, Purpose: "化疗费用",
		Payee: ToRequester, BankName: "建设银行", AccountNumber: account}
}

func (f *fixture) apply(user int64, a Application) Payout {
	f.t.Helper()
	p, err := f.s.Apply(context.Background(), user, a)
	if err != nil {
		f.t.Fatalf("Apply: %s", describe(err))
	}
	return p
}

func rec(s staff.Staff, action string) audit.Record {
	return audit.Record{Actor: s.Actor(), Action: action, Object: "payout", Result: audit.ResultOK, Source: "192.0.2.1"}
}

// approve takes payout id through claim, first approval by f1 and second by
// f2.
func (f *fixture) approve(id int64) Payout {
	f.t.Helper()
	ctx := context.Background()
	if err := f.s.Claim(ctx, rec(f.f1, "payout.claim"), id, f.f1); err != nil {
		f.t.Fatalf("Claim: %s", describe(err))
	}
	if _, err := f.s.Approve(ctx, rec(f.f1, "payout.approve"), id, f.f1, ""); err != nil {
		f.t.Fatalf("first Approve: %s", describe(err))
	}
	p, err := f.s.Approve(ctx, rec(f.f2, "payout.approve"), id, f.f2, "")
	if err != nil {
		f.t.Fatalf("second Approve: %s", describe(err))
	}
	return p
}

// pay sends and settles payout id as paid, returning its transfer id.
func (f *fixture) pay(id int64) string {
	f.t.Helper()
	ctx := context.Background()
	tid := TransferID(id, 1)
	if err := f.s.Sending(ctx, id, tid); err != nil {
		f.t.Fatalf("Sending: %s", describe(err))
	}
	if err := f.s.Settle(ctx, tid, Outcome{Status: StatusPaid, At: f.now}); err != nil {
		f.t.Fatalf("Settle: %s", describe(err))
	}
	return tid
}

func (f *fixture) balance(name string) money.Fen {
	f.t.Helper()
	b, err := f.s.Ledger.Balance(context.Background(), name)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	f.read(func(ctx context.Context, tx *store.Tx) error { return tx.QueryRowContext(ctx, query, args...).Scan(&n) })
	return n
}

func (f *fixture) state(id int64) State {
	f.t.Helper()
	var s State
	f.read(func(ctx context.Context, tx *store.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT state FROM payouts WHERE id = $1", id).Scan(&s)
	})
	return s
}

func (f *fixture) verify() {
	f.t.Helper()
	if _, err := ledger.Verify(context.Background(), f.db); err != nil {
		f.t.Fatalf("ledger.Verify: %v", err)
	}
}

// wantErr fails unless err is described as want.
func wantErr(t *testing.T, what string, err error, want string) {
	t.Helper()
	if got := describe(err); got != want {
		t.Errorf("%s: got %q, want %q", what, got, want)
	}
}
