package demo

import (
	"context"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/complaint"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// metaComplaints marks the demonstration complaints as loaded.
const metaComplaints = "demo_complaints_loaded_at"

// The demonstration complaints' texts and the response to the first.
const (
	demoComplaintResolved = "求助人在朋友圈说善款会用于购买商业保险，和求助页面写的治疗用途不一致，请核实。"
	demoComplaintOpen     = "这位患者的病情更新已经两个月没有了，想了解善款的使用情况。"
	demoComplaintResponse = "经核查，求助人在朋友圈的说法有误，已更正；善款仍只用于本求助页面所列的治疗费用，拨付直接付至医院账户。感谢您的监督。"
)

// loadComplaints files two complaints about the first fundraising
// demonstration request through the complaint service, as a visitor would,
// and resolves the first with a public response through the demonstration
// complaints handler, so that the request page shows a response and the
// console's queue has work (R-COMP-1, R-DISC-2). Fixed idempotency keys
// make a second run file nothing.
func loadComplaints(ctx context.Context, db *store.DB, v *vault.Vault) (bool, error) {
	var done bool
	var requestID int64
	var handler staff.Staff
	if err := db.Read(ctx, func(tx *store.Tx) (err error) {
		if done, err = hasMeta(ctx, tx, metaComplaints); err != nil || done {
			return err
		}
		if err := tx.QueryRowContext(ctx, "SELECT coalesce(min(id), 0) FROM requests WHERE state = 'fundraising'").Scan(&requestID); err != nil {
			return err
		}
		handler, err = staff.GetByUsername(ctx, tx, "demo-complaints")
		return err
	}); err != nil || done || requestID == 0 {
		return false, err
	}
	s := &complaint.Service{DB: db, Vault: v}
	first, err := s.Submit(ctx, complaint.Input{Category: complaint.CategoryFalseInfo, RequestID: requestID, Text: demoComplaintResolved,
		ContactName: "王女士", ContactPhone: Phone(900)}, complaint.SubmitMeta{ClientKey: "demo", IdempotencyKey: "demo-complaint-1"})
	if err != nil {
		return false, err
	}
	if _, err := s.Submit(ctx, complaint.Input{Category: complaint.CategoryMisuse, RequestID: requestID, Text: demoComplaintOpen,
		ContactEmail: "donor@carefund.example"}, complaint.SubmitMeta{ClientKey: "demo", IdempotencyKey: "demo-complaint-2"}); err != nil {
		return false, err
	}
	var id int64
	if err := db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT id FROM complaints WHERE number = $1", first.Number).Scan(&id)
	}); err != nil {
		return false, err
	}
	rec := audit.Record{Actor: handler.Actor(), Action: "complaint.resolve", Object: "complaint:" + strconv.FormatInt(id, 10), Result: audit.ResultOK,
		Detail: "demonstration data"}
	err = s.Resolve(ctx, rec, id, complaint.OutcomePartly, demoComplaintResponse, true, handler)
	if err != nil && apperr.CodeOf(err) != apperr.Conflict {
		return false, err
	}
	err = db.Write(ctx, func(tx *store.Tx) error { return tx.SetMeta(ctx, metaComplaints, tx.Now.Format(time.RFC3339)) })
	return err == nil, err
}
