// Package campaigntest builds what tests of the packages above campaign
// share: a filing that passes Validate, and a publisher's account row.
// (Package campaign's own tests keep theirs: they cannot import this.)
package campaigntest

import (
	"context"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// PatientID is the example number of GB 11643-1999: valid, and nobody's.
const PatientID = "11010519491231002X"

// Filing returns a filing that passes campaign.Validate: a parent filing
// for a child with leukaemia, ¥300,000 in two lines of use, every disclosure
// answered. Each call returns a fresh copy; tests change what they need.
func Filing() campaign.Filing {
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
		PatientID:         PatientID,
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
