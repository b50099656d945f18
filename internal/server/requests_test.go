package server

import (
	"context"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/review"
	"github.com/carefund/carefund/internal/rules"
	"github.com/carefund/carefund/internal/store"
)

// testPatientID is the example number of GB 11643-1999: valid, and nobody's.
const testPatientID = "11010519491231002X"

// testFiling returns a filing that passes campaign.Validate, for a parent
// filing for a child; tests change what they need.
func testFiling() campaign.Filing {
	d := map[campaign.Topic]campaign.Disclosure{}
	for _, t := range campaign.Topics {
		d[t] = campaign.Disclosure{Answered: true}
	}
	d[campaign.MedicalInsurance] = campaign.Disclosure{Answered: true, Yes: true, Detail: "城乡居民医保，报销比例约 50%"}
	d[campaign.Income] = campaign.Disclosure{Answered: true, Yes: true, Detail: "父亲务工", Amount: 36_000_00}
	return campaign.Filing{
		Title:             "救救我的女儿",
		Relationship:      campaign.Parent,
		RelationshipProof: true,
		PatientName:       "张小明",
		PatientID:         testPatientID,
		Diagnosis:         "急性淋巴细胞白血病",
		HospitalName:      "北京大学人民医院",
		HospitalCity:      "北京",
		Story:             strings.Repeat("孩子确诊后需要长期化疗，家里的积蓄已经全部花完。", 3),
		Target:            300_000_00,
		EstimatedCosts:    320_000_00,
		Use: []campaign.UseItem{
			{Label: "化疗费用", Amount: 200_000_00, Note: "医院预估"},
			{Label: "骨髓移植", Amount: 100_000_00},
		},
		Disclosures: d,
		Truthful:    "yes",
		Consent:     "on",
	}
}

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
