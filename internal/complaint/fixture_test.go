package complaint

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/staff/stafftest"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// t0 is a Tuesday morning in Shanghai, 2026-12-08 10:00.
var t0 = time.Date(2026, 12, 8, 10, 0, 0, 0, Shanghai)

// fixture is a complaint service on a fresh database with a fake clock,
// one fundraising request and staff of the roles that handle complaints.
type fixture struct {
	t          *testing.T
	db         *store.DB
	s          *Service
	now        time.Time
	req        int64
	user       int64
	h1, h2, h3 staff.Staff // complaints handlers
	adm        staff.Staff
	aud        staff.Staff
	rev        staff.Staff
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	keys := &keyring.Keys{}
	rand.Read(keys.Master[:])
	rand.Read(keys.Index[:])
	f := &fixture{t: t, db: db, now: t0}
	db.SetClock(func() time.Time { return f.now })
	v := vault.New(keys)
	f.s = &Service{DB: db, Vault: v}
	cs := campaign.Store{Vault: v}
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		f.user, err = campaigntest.User(ctx, tx, v, "publisher")
		if err != nil {
			return err
		}
		f.req, err = campaigntest.Fundraising(ctx, tx, cs, f.user, campaigntest.Filing(), 0)
		return err
	})
	f.h1, f.h2, f.h3 = f.staff("handler1", staff.Complaints), f.staff("handler2", staff.Complaints), f.staff("handler3", staff.Complaints)
	f.adm = f.staff("admin1", staff.Admin)
	f.aud = f.staff("auditor1", staff.Auditor)
	f.rev = f.staff("reviewer1", staff.Reviewer)
	return f
}

func (f *fixture) write(fn func(ctx context.Context, tx *store.Tx) error) {
	f.t.Helper()
	ctx := context.Background()
	if err := f.db.Write(ctx, func(tx *store.Tx) error { return fn(ctx, tx) }); err != nil {
		f.t.Fatal(err)
	}
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

// rec is an audit record of by's action.
func rec(by staff.Staff, action string) audit.Record {
	return audit.Record{Actor: by.Actor(), Action: action, Object: "complaint", Result: audit.ResultOK, Source: "192.0.2.1"}
}

// input is a valid complaint about the fixture's request.
func (f *fixture) input(text string) Input {
	return Input{Category: CategoryFalseInfo, RequestID: f.req, Text: text, ContactName: "李四", ContactPhone: "13812345678"}
}

// submit files in from client and fails the test on an error.
func (f *fixture) submit(in Input, client string) Receipt {
	f.t.Helper()
	r, err := f.s.Submit(context.Background(), in, SubmitMeta{ClientKey: client})
	if err != nil {
		f.t.Fatalf("Submit: %v", err)
	}
	return r
}

// id returns the id of complaint number.
func (f *fixture) id(number string) int64 {
	f.t.Helper()
	var id int64
	if err := f.db.Read(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRowContext(context.Background(), "SELECT id FROM complaints WHERE number = $1", number).Scan(&id)
	}); err != nil {
		f.t.Fatal(err)
	}
	return id
}

// count counts rows of table.
func (f *fixture) count(table string) int {
	f.t.Helper()
	var n int
	if err := f.db.Read(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&n)
	}); err != nil {
		f.t.Fatal(err)
	}
	return n
}
