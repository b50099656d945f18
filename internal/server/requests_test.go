package server

import (
	"context"
	"testing"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/review"
	"github.com/carefund/carefund/internal/rules"
	"github.com/carefund/carefund/internal/store"
)

// testPatientID is the patient of testFiling.
const testPatientID = campaigntest.PatientID

// testFiling returns a filing that passes campaign.Validate, for a parent
// filing for a child; tests change what they need.
func testFiling() campaign.Filing { return campaigntest.Filing() }

// verify gives user a verified real name (R-ACC-1) with consent to every
// current rule, as the verification page does.
func (f *fixture) verify(t *testing.T, userID int64, name, number string) {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	if err := f.db.Read(ctx, func(tx *store.Tx) error {
		for _, k := range account.ConsentKinds {
			v, err := rules.Current(ctx, tx, k)
			if err != nil {
				return err
			}
			ids = append(ids, v.ID)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.accounts.Verify(ctx, userID, account.VerifyInput{Name: name, Number: number,
		Consent: "yes", Truthful: "yes", Rules: ids}, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
}

// inReview files fl for user through the domain, submits it and runs the
// machine screen, and returns the request's id: a request waiting in the
// review queue (or rejected, if the screen blocks it).
func (f *fixture) inReview(t *testing.T, userID int64, fl campaign.Filing) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	if err := f.db.Write(ctx, func(tx *store.Tx) error {
		r, err := f.s.campaigns.CreateDraft(ctx, tx, userID, fl)
		if err != nil {
			return err
		}
		r, err = f.s.campaigns.Submit(ctx, tx, r.ID, userID, r.Revision, tx.Now)
		if err != nil {
			return err
		}
		id = r.ID
		_, err = review.Screen(ctx, tx, f.s.campaigns, id, "system")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// requestState returns the state of request id.
func (f *fixture) requestState(t *testing.T, id int64) campaign.State {
	t.Helper()
	ctx := context.Background()
	var st campaign.State
	if err := f.db.Read(ctx, func(tx *store.Tx) error {
		r, err := f.s.campaigns.Get(ctx, tx, id)
		st = r.State
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return st
}
