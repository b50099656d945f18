package jobs

import (
	"context"
	"testing"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/staff/stafftest"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/winddown"
)

// TestWindDownJob (R-WIND-1): the platform lists the wind-down job; once
// the wind-down is approved (four eyes, through the platform's approvals),
// a request found raising money afterwards is closed by the job with
// wind_down and the public pages are marked changed; run again, the job
// changes nothing.
func TestWindDownJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := newPlatform(t, db, &clock{})
		var found bool
		for _, j := range Platform(p, nil) {
			found = found || j.Name == WindDownJob && j.Every == WindDownEvery
		}
		if !found {
			t.Fatal("the platform does not run the wind-down job")
		}
		first := fundraising(t, p, campaigntest.PatientID)
		var adm1, adm2 staff.Staff
		if err := db.Write(ctx, func(tx *store.Tx) (err error) {
			if adm1, _, err = staff.Create(ctx, tx, stafftest.Sealer(t), "adm1", staff.Admin, "correct horse battery"); err != nil {
				return err
			}
			adm2, _, err = staff.Create(ctx, tx, stafftest.Sealer(t), "adm2", staff.Admin, "correct horse battery")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		rec := audit.Record{Actor: "staff", Action: "winddown", Object: "platform", Result: audit.ResultOK}
		w, err := p.WindDown.Propose(ctx, rec, adm1, winddown.Proposal{Reason: "撤销指定", Notice: "平台停止服务",
			WithdrawnOn: "2026-01-05", MinistryRef: "民函1号"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.WindDown.Decide(ctx, rec, adm2, w.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		if st := stateOf(t, p, first); st != campaign.Closed {
			t.Fatalf("first request %s after approval, want closed", st)
		}
		c, err := idcard.CheckChar("11010519800101123")
		if err != nil {
			t.Fatal(err)
		}
		late := fundraising(t, p, "11010519800101123"+string(c))
		changed := 0
		if err := WindDown(ctx, p.WindDown, func() { changed++ }); err != nil {
			t.Fatal(err)
		}
		if st := stateOf(t, p, late); st != campaign.Closed || changed != 1 {
			t.Fatalf("after the job: the late request is %s, changed %d; want closed, 1", st, changed)
		}
		if err := WindDown(ctx, p.WindDown, func() { changed++ }); err != nil || changed != 1 {
			t.Fatalf("the job again: %v, changed %d", err, changed)
		}
	})
}
