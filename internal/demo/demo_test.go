package demo

import (
	"context"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/staff/stafftest"

	"github.com/carefund/carefund/internal/charity"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

func TestLoadOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sealer := stafftest.Sealer(t)
		for i, want := range []bool{true, false} {
			loaded, err := Load(ctx, db, sealer)
			if err != nil || loaded != want {
				t.Errorf("Load #%d = %v, %v; want %v", i+1, loaded, err, want)
			}
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
		// Every demonstration account signs in with the published password
		// and the code from its derivable secret.
		for _, a := range StaffAccounts() {
			now := time.Now()
			s, err := staff.Authenticate(ctx, db, sealer, a.Username, StaffPassword, staff.CodeAt(Secret(a.Username), now), now,
				func(context.Context, *store.Tx, int64, string, string) error { return nil })
			if err != nil || s.Role != a.Role {
				t.Errorf("%s: %+v, %v", a.Username, s, err)
			}
		}
	})
}
