package hospital_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"slices"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/hospital"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/payeeid"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/staff/stafftest"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/vault"
)

type fixture struct {
	t   *testing.T
	db  *store.DB
	v   *vault.Vault
	svc *hospital.Service
	st  *staff.Service
	who map[string]staff.Staff
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	keys := &keyring.Keys{}
	rand.Read(keys.Master[:])
	rand.Read(keys.Index[:])
	v := vault.New(keys)
	approvals := staff.NewApprovals()
	approvals.Register(staff.KindHospital, hospital.Executor(v))
	f := &fixture{t: t, db: db, v: v, svc: &hospital.Service{DB: db, Vault: v, Approvals: approvals},
		st: &staff.Service{DB: db, Approvals: approvals}, who: map[string]staff.Staff{}}
	for name, role := range map[string]staff.Role{"fay": staff.Finance, "fred": staff.Finance, "adam": staff.Admin,
		"rita": staff.Reviewer, "aud": staff.Auditor} {
		if err := db.Write(context.Background(), func(tx *store.Tx) (err error) {
			f.who[name], _, err = staff.Create(context.Background(), tx, stafftest.Sealer(t), name, role, "correct horse battery")
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func rec(s staff.Staff, action string) audit.Record {
	return audit.Record{Actor: s.Actor(), Action: action, Object: "hospital", Result: audit.ResultOK}
}

// propose proposes d as member name and returns the proposal.
func (f *fixture) propose(name string, d hospital.Draft) staff.Proposal {
	f.t.Helper()
	p, err := f.svc.Propose(context.Background(), rec(f.who[name], "hospital.propose"), f.who[name], d)
	if err != nil {
		f.t.Fatalf("propose: %v %v", err, fieldsOf(err))
	}
	return p
}

func (f *fixture) decide(name string, id int64, approve bool) error {
	return f.st.Decide(context.Background(), rec(f.who[name], "approval.decide"), f.who[name], id, approve, "")
}

func (f *fixture) list(activeOnly bool) []hospital.Hospital {
	f.t.Helper()
	all, err := f.svc.List(context.Background(), activeOnly)
	if err != nil {
		f.t.Fatal(err)
	}
	return all
}

func (f *fixture) payee(id int64) (hospital.Hospital, error) {
	var h hospital.Hospital
	err := f.db.Read(context.Background(), func(tx *store.Tx) (err error) {
		h, err = hospital.Payee(context.Background(), tx, f.v, id)
		return err
	})
	return h, err
}

// R-STAFF-1: nobody adds, changes or deactivates a directory entry alone.
// Only finance proposes; the proposer cannot approve; a reviewer or an
// auditor cannot approve; a second finance officer or an admin can, and
// only then does the directory change.
func TestFourEyes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		d := good()
		for _, name := range []string{"rita", "aud", "adam"} {
			if _, err := f.svc.Propose(ctx, rec(f.who[name], "hospital.propose"), f.who[name], d); apperr.CodeOf(err) != apperr.Forbidden {
				t.Errorf("%s proposed: %v", name, err)
			}
		}
		p := f.propose("fay", d)
		if p.Status != staff.Pending || p.Kind != staff.KindHospital || len(f.list(false)) != 0 {
			t.Fatalf("proposal %+v; directory %v", p, f.list(false))
		}
		for _, name := range []string{"fay", "rita", "aud"} {
			if err := f.decide(name, p.ID, true); apperr.CodeOf(err) != apperr.Forbidden {
				t.Errorf("%s approved: %v", name, err)
			}
		}
		if len(f.list(false)) != 0 {
			t.Fatal("the directory changed without a second person")
		}
		if err := f.decide("fred", p.ID, true); err != nil {
			t.Fatal(err)
		}
		all := f.list(true)
		if len(all) != 1 || all[0].Name != "测试人民医院" || !all[0].Active {
			t.Fatalf("after approval: %+v", all)
		}
		h := all[0]

		// A change waits too, and is made when an admin approves it.
		c := good()
		c.ID, c.BankName, c.Account = h.ID, "中国农业银行杭州分行", "19001234000000555"
		p = f.propose("fred", c)
		if got, _ := f.payee(h.ID); got.Account != "3560123456789012" {
			t.Errorf("changed before approval: %q", got.Account)
		}
		if err := f.decide("adam", p.ID, true); err != nil {
			t.Fatal(err)
		}
		// R-REF-3, R-STAFF-1: whoever proposed or approved an account
		// vouched for it, and Payee says who, so that none of them takes a
		// step on a payout to it.
		vouched, err := f.payee(h.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []int64{f.who["fay"].ID, f.who["fred"].ID, f.who["adam"].ID}
		slices.Sort(want)
		if !slices.Equal(vouched.Vouchers, want) {
			t.Errorf("vouchers %v, want %v (fay proposed, fred approved and proposed the change, adam approved it)", vouched.Vouchers, want)
		}
		if got, err := f.payee(h.ID); err != nil || got.Account != "19001234000000555" || got.BankName != "中国农业银行杭州分行" {
			t.Errorf("after the change: %+v %v", got, err)
		}

		// A second entry with the same credit code or account is refused.
		dup := good()
		dup.Account = "19001234000000555"
		if _, err := f.svc.Propose(ctx, rec(f.who["fay"], "hospital.propose"), f.who["fay"], dup); apperr.CodeOf(err) != apperr.Conflict ||
			strings.Join(fieldsOf(err), " ") != "credit_code=hospital.credit_code_taken account=hospital.account_taken" {
			t.Errorf("a duplicate: %v %v", err, fieldsOf(err))
		}

		// Deactivation: four eyes too.
		if _, err := f.svc.ProposeDeactivation(ctx, rec(f.who["fay"], "hospital.deactivate.propose"), f.who["fay"], h.ID, " "); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("deactivation without a reason: %v", err)
		}
		p, err = f.svc.ProposeDeactivation(ctx, rec(f.who["fay"], "hospital.deactivate.propose"), f.who["fay"], h.ID, "医院来函更换账户")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.decide("fay", p.ID, true); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("own deactivation approved: %v", err)
		}
		if len(f.list(true)) != 1 {
			t.Error("deactivated before approval")
		}
		if err := f.decide("fred", p.ID, true); err != nil {
			t.Fatal(err)
		}
		if all := f.list(false); len(all) != 1 || all[0].Active || all[0].DeactivatedAt.IsZero() {
			t.Errorf("after deactivation: %+v", all)
		}
		// A deactivated entry is not changed any more.
		if _, err := f.svc.Propose(ctx, rec(f.who["fay"], "hospital.propose"), f.who["fay"], c); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("a change of a deactivated entry: %v", err)
		}
		// Each approved action is in the audit log, the approver as actor.
		for _, action := range []string{"hospital.add", "hospital.change", "hospital.deactivate"} {
			var n int
			if err := db.Read(ctx, func(tx *store.Tx) error {
				es, err := audit.List(ctx, tx, audit.Filter{Action: action})
				n = len(es)
				return err
			}); err != nil || n != 1 {
				t.Errorf("%s: %d audit entries, %v", action, n, err)
			}
		}
	})
}

// R-STAFF-1: a proposal that no longer holds when it is approved fails and
// stays pending: here two additions of one hospital, the second approved
// after the first.
func TestStaleProposal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p1, p2 := f.propose("fay", good()), f.propose("fay", good())
		if err := f.decide("fred", p1.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := f.decide("fred", p2.ID, true); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("the second addition: %v", err)
		}
		if n := len(f.list(false)); n != 1 {
			t.Errorf("%d entries", n)
		}
	})
}

// R-PII-1: the account number is sealed at rest (entry, draft and
// proposal hold no plain number), found by blind index, masked in every
// list, and seeing it in full is written to the audit log, for finance and
// admins only.
func TestAccountSealed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		const plain = "3560123456789012"
		p := f.propose("fay", good())
		if strings.Contains(string(p.Payload), plain) || !strings.Contains(string(p.Payload), payeeid.MaskAccount(plain)) {
			t.Errorf("the proposal's payload: %s", p.Payload)
		}
		if err := f.decide("fred", p.ID, true); err != nil {
			t.Fatal(err)
		}
		h := f.list(false)[0]
		if h.Masked != payeeid.MaskAccount(plain) || h.Account != "" {
			t.Errorf("listed as %q / %q", h.Masked, h.Account)
		}
		if err := db.Read(ctx, func(tx *store.Tx) error {
			for _, q := range []string{"SELECT account_sealed FROM hospitals", "SELECT account_sealed FROM hospital_drafts",
				"SELECT payload FROM staff_proposals"} {
				rows, err := tx.QueryContext(ctx, q)
				if err != nil {
					return err
				}
				for rows.Next() {
					var b []byte
					if err := rows.Scan(&b); err != nil {
						return err
					}
					if bytes.Contains(b, []byte(plain)) || len(b) == 0 {
						t.Errorf("%s: %d bytes, plain inside: %v", q, len(b), bytes.Contains(b, []byte(plain)))
					}
				}
				if err := rows.Close(); err != nil {
					return err
				}
			}
			var index string
			if err := tx.QueryRowContext(ctx, "SELECT account_index FROM hospitals").Scan(&index); err != nil {
				return err
			}
			if index != f.v.BlindIndex(hospital.AccountIndexDomain, plain) {
				t.Errorf("blind index %s", index)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}

		for _, name := range []string{"aud", "rita"} {
			if _, err := f.svc.Reveal(ctx, rec(f.who[name], "pii.view.hospital_account"), h.ID, f.who[name]); apperr.CodeOf(err) != apperr.Forbidden {
				t.Errorf("%s saw the number: %v", name, err)
			}
		}
		if _, err := f.svc.Reveal(ctx, rec(f.who["fay"], "pii.view.hospital_account"), 9999, f.who["fay"]); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("an unknown entry: %v", err)
		}
		count := func() int {
			var n int
			if err := db.Read(ctx, func(tx *store.Tx) error {
				es, err := audit.List(ctx, tx, audit.Filter{Action: "pii.view.hospital_account"})
				n = len(es)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(); n != 0 {
			t.Errorf("refused views recorded as views: %d", n)
		}
		got, err := f.svc.Reveal(ctx, rec(f.who["adam"], "pii.view.hospital_account"), h.ID, f.who["adam"])
		if err != nil || got != plain {
			t.Fatalf("revealed %q, %v", got, err)
		}
		if n := count(); n != 1 {
			t.Errorf("a view recorded %d times", n)
		}
	})
}

// R-DISB-2: only an active directory entry is a payee, with its number
// unsealed for the transfer; an unknown or deactivated one is refused, and
// Active offers only active entries, masked.
func TestPayee(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		n, err := f.svc.Seed(ctx)
		if err != nil || n != len(hospital.Demo()) {
			t.Fatalf("seeded %d, %v", n, err)
		}
		if n, err := f.svc.Seed(ctx); err != nil || n != 0 {
			t.Fatalf("seeded again %d, %v", n, err)
		}
		all := f.list(true)
		first := all[0]
		got, err := f.payee(first.ID)
		if err != nil || got.Account == "" || payeeid.MaskAccount(got.Account) != first.Masked || !got.Active {
			t.Fatalf("payee %+v, %v", got, err)
		}
		if _, err := f.payee(99999); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("an unknown hospital: %v", err)
		}
		p, err := f.svc.ProposeDeactivation(ctx, rec(f.who["fay"], "hospital.deactivate.propose"), f.who["fay"], first.ID, "关闭")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.decide("adam", p.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := f.payee(first.ID); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("a deactivated hospital is a payee: %v", err)
		}
		var active []hospital.Hospital
		if err := db.Read(ctx, func(tx *store.Tx) (err error) {
			active, err = hospital.Active(ctx, tx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(active) != len(all)-1 {
			t.Errorf("%d active, want %d", len(active), len(all)-1)
		}
		for _, h := range active {
			if h.ID == first.ID || h.Account != "" || !h.Active {
				t.Errorf("offered %+v", h)
			}
		}
		// The history stays readable.
		if h, err := f.svc.Get(ctx, first.ID); err != nil || h.Active || h.Name != first.Name {
			t.Errorf("history %+v, %v", h, err)
		}
	})
}
