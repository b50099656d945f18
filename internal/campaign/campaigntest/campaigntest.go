// Package campaigntest builds what tests of the packages above campaign
// share: a filing that passes Validate, and a publisher's account row.
// (Package campaign's own tests keep theirs: they cannot import this.)
package campaigntest

import (
	"context"
	"time"

	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// PatientID is the patient's ID number in Filing.
const PatientID = campaign.ExamplePatientID

// Filing returns a filing that passes campaign.Validate (campaign.Example);
// each call returns a fresh copy, and tests change what they need.
func Filing() campaign.Filing { return campaign.Example() }

// User inserts a user row for name directly, its phone sealed as package
// account seals it, and returns its id: the sign-in flow is account's
// business, and these tests need only someone to file.
func User(ctx context.Context, tx *store.Tx, v *vault.Vault, name string) (int64, error) {
	key, err := v.NewKey(ctx, tx)
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO users (phone_index, key_id, phone_sealed, created_at, signed_in_at)
		VALUES ($1, $2, $3, $4, $4) RETURNING id`, v.BlindIndex("phone", name), key.ID,
		key.SealString("users.phone:"+name, name), tx.Now.UnixMicro()).Scan(&id)
	return id, err
}

// Fundraising files f for publisher, takes it through screening and
// approval as a reviewer would, publishes version 1 and opens its channel for period (the
// default when zero): a request donors can give to. It returns its id.
func Fundraising(ctx context.Context, tx *store.Tx, cs campaign.Store, publisher int64, f campaign.Filing, period time.Duration) (int64, error) {
	r, err := cs.CreateDraft(ctx, tx, publisher, f)
	if err != nil {
		return 0, err
	}
	if r, err = cs.Submit(ctx, tx, r.ID, publisher, r.Revision, tx.Now); err != nil {
		return 0, err
	}
	for _, ev := range []campaign.Event{campaign.Screen, campaign.ScreenPass, campaign.Approve} {
		if _, err := cs.Apply(ctx, tx, r.ID, ev, "staff:1", "test"); err != nil {
			return 0, err
		}
	}
	if _, _, err := cs.Publish(ctx, tx, r.ID, "staff:1"); err != nil {
		return 0, err
	}
	if _, err := cs.OpenFundraising(ctx, tx, r.ID, campaign.Opening{}, period, "staff:1"); err != nil {
		return 0, err
	}
	return r.ID, nil
}
