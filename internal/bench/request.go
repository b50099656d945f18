package bench

import (
	"context"

	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/store"
)

// benchPhone is the bench publisher's phone number.
const benchPhone = "13800000000"

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
		r, err := cs.CreateDraft(ctx, tx, u.ID, campaign.Example())
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
