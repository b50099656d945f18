package blacklist

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
)

// Executor returns the executor of staff.KindBlacklist proposals, to
// register with staff.Approvals.Register: it decodes the proposal's Change
// and adds or lifts the entry, inside the approving transaction, and logs
// what it did in the audit log with the approver as actor. The proposer is
// recorded as the entry's ListedBy (or the lifting's decider); the proposal
// keeps who approved.
//
// Approvals cannot check a payload when it is proposed, so callers run
// Validate on the Change before staff.Approvals.Propose; a payload that is
// wrong all the same fails here and the proposal stays pending.
func Executor() staff.Executor {
	return func(ctx context.Context, tx *store.Tx, p staff.Proposal) error {
		var c Change
		if err := json.Unmarshal(p.Payload, &c); err != nil {
			return apperr.Wrap(err, apperr.Invalid, "blacklist.payload_invalid")
		}
		if err := Validate(c); err != nil {
			return err
		}
		proposer := fmt.Sprintf("staff:%d", p.ProposedBy)
		var e Entry
		var err error
		switch normalize(c).Action {
		case ActionAdd:
			e, err = Add(ctx, tx, c, proposer)
		case ActionLift:
			e, err = Lift(ctx, tx, c.EntryID, c.Reason, proposer)
		}
		if err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Record{
			Actor:  fmt.Sprintf("staff:%d", p.DecidedBy),
			Action: "blacklist." + normalize(c).Action,
			Object: fmt.Sprintf("blacklist:%d", e.ID),
			Result: audit.ResultOK,
			Detail: fmt.Sprintf("proposal:%d proposed by %s", p.ID, proposer),
		})
		return err
	}
}
