package bench

import (
	"context"
	"strings"

	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/store"
)

// benchPhone is the bench publisher's phone number.
const benchPhone = "13800000000"

// benchFiling is the request the workloads donate to and read: a parent
// filing for a child with leukaemia that passes campaign.Validate.
func benchFiling() campaign.Filing {
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
		PatientID:         "11010519491231002X", // the example number of GB 11643-1999: valid, and nobody's
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

// openRequest files the bench request for a publisher, takes it through
// screening, approval, publication and the opening of its channel in one
// transaction, as the staff would one step at a time, and raises its
// target out of reach. It returns the request's and the publisher's ids.
// The benchmark's database is its own, so skipping the people of review
// changes nothing that is measured.
func openRequest(ctx context.Context, p *platform.Platform) (request, publisher int64, err error) {
	cs := p.Campaigns
	err = p.DB.Write(ctx, func(tx *store.Tx) error {
		u, err := p.Accounts.EnsureUser(ctx, tx, benchPhone)
		if err != nil {
			return err
		}
		r, err := cs.CreateDraft(ctx, tx, u.ID, benchFiling())
		if err != nil {
			return err
		}
		id := r.ID
		if _, err := cs.Submit(ctx, tx, id, u.ID, r.Revision, tx.Now); err != nil {
			return err
		}
		for _, ev := range []campaign.Event{campaign.Screen, campaign.ScreenPass, campaign.Approve} {
			if _, err := cs.Apply(ctx, tx, id, ev, "staff:bench", "bench"); err != nil {
				return err
			}
		}
		if _, _, err := cs.Publish(ctx, tx, id, "staff:bench"); err != nil {
			return err
		}
		if _, err := cs.OpenFundraising(ctx, tx, id, campaign.Opening{}, 0, "staff:bench"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE requests SET target_fen = $1 WHERE id = $2", int64(hugeTarget), id); err != nil {
			return err
		}
		request, publisher = id, u.ID
		return nil
	})
	return request, publisher, err
}
