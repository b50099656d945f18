package campaigntest_test

import (
	"context"
	"testing"

	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/vault"
)

func TestFundraising(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := vault.New(&keyring.Keys{})
		cs := campaign.Store{Vault: v}
		ctx := context.Background()
		var id int64
		err := db.Write(ctx, func(tx *store.Tx) error {
			u, err := campaigntest.User(ctx, tx, v, "publisher")
			if err != nil {
				return err
			}
			id, err = campaigntest.Fundraising(ctx, tx, cs, u, campaigntest.Filing(), 0)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var st campaign.State
		db.Read(ctx, func(tx *store.Tx) error { st, err = cs.State(ctx, tx, id); return err })
		if err != nil || st != campaign.Fundraising {
			t.Fatalf("state %q, %v; want fundraising", st, err)
		}
	})
}
