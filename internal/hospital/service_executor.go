package hospital

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// Executor returns the executor of staff.KindHospital proposals, to
// register with staff.Approvals.Register: inside the approving transaction
// it adds or changes the entry from the proposal's sealed draft, checked
// again (the directory may have changed since), or deactivates the entry,
// and logs what it did in the audit log with the approver as actor. A
// proposal that no longer holds (the entry was deactivated meanwhile, or
// another took its credit code) fails here and stays pending, for the
// approver to reject.
func Executor(v *vault.Vault) staff.Executor {
	return func(ctx context.Context, tx *store.Tx, p staff.Proposal) error {
		var c Change
		if err := json.Unmarshal(p.Payload, &c); err != nil {
			return apperr.Wrap(err, apperr.Invalid, "hospital.payload_invalid")
		}
		id := c.HospitalID
		switch c.Action {
		case ActionAdd, ActionChange:
			d, err := loadDraft(ctx, tx, v, c.DraftID)
			if err != nil {
				return err
			}
			if d.ID != c.HospitalID || (d.ID == 0) != (c.Action == ActionAdd) {
				return apperr.New(apperr.Invalid, "hospital.payload_invalid")
			}
			d.Reason = p.Reason
			if d, err = CheckDraft(ctx, tx, v, d); err != nil {
				return err
			}
			if id, err = apply(ctx, tx, v, d); err != nil {
				return err
			}
			if err := vouch(ctx, tx, id, p); err != nil {
				return err
			}
		case ActionDeactivate:
			if err := deactivate(ctx, tx, id); err != nil {
				return err
			}
		default:
			return apperr.New(apperr.Invalid, "hospital.payload_invalid")
		}
		_, err := audit.Append(ctx, tx, audit.Record{
			Actor:  fmt.Sprintf("staff:%d", p.DecidedBy),
			Action: "hospital." + c.Action,
			Object: fmt.Sprintf("hospital:%d", id),
			Result: audit.ResultOK,
			Detail: fmt.Sprintf("proposal:%d proposed by staff:%d", p.ID, p.ProposedBy),
		})
		return err
	}
}
