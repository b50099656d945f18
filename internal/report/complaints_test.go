package report

import (
	"context"
	"crypto/rand"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/complaint"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/staff/stafftest"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/vault"
)

// R-DISC-3, R-RPT-1: complaints filed through the complaint service in
// 2025-h1, 2025-h2 and 2026-h1, on a fake clock, some acknowledged,
// resolved and dismissed, one escalated and one still open at each
// half-year's end, appear in the six-monthly reports and in the annual
// report (and its CSV export) exactly as they were handled: received by
// category, closed by outcome, acknowledged and handled in time, escalated,
// open at the period's end.
func TestComplaintFiguresTieOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		keys := &keyring.Keys{}
		rand.Read(keys.Master[:])
		rand.Read(keys.Index[:])
		v := vault.New(keys)
		clock := beijing(2025, time.March, 3, 10) // a Monday
		db.SetClock(func() time.Time { return clock })
		cs := &complaint.Service{DB: db, Vault: v}
		var handler staff.Staff
		var req int64
		if err := db.Write(ctx, func(tx *store.Tx) (err error) {
			if handler, _, err = staff.Create(ctx, tx, stafftest.Sealer(t), "handler1", staff.Complaints, "correct horse battery"); err != nil {
				return err
			}
			if _, _, err = staff.Create(ctx, tx, stafftest.Sealer(t), "admin1", staff.Admin, "correct horse battery"); err != nil {
				return err
			}
			user, err := campaigntest.User(ctx, tx, v, "publisher")
			if err != nil {
				return err
			}
			req, err = campaigntest.Fundraising(ctx, tx, campaign.Store{Vault: v}, user, campaigntest.Filing(), 0)
			return err
		}); err != nil {
			t.Fatal(err)
		}

		n := 0
		file := func(c complaint.Category) int64 {
			t.Helper()
			n++
			in := complaint.Input{Category: c, Text: fmt.Sprintf("complaint %d", n), ContactPhone: "13812345678"}
			if c.NeedsRequest() {
				in.RequestID = req
			}
			r, err := cs.Submit(ctx, in, complaint.SubmitMeta{ClientKey: fmt.Sprintf("client-%d", n)})
			if err != nil {
				t.Fatal(err)
			}
			var id int64
			if err := db.Read(ctx, func(tx *store.Tx) error {
				return tx.QueryRowContext(ctx, "SELECT id FROM complaints WHERE number = $1", r.Number).Scan(&id)
			}); err != nil {
				t.Fatal(err)
			}
			return id
		}
		rec := func(action string) audit.Record {
			return audit.Record{Actor: handler.Actor(), Action: action, Object: "complaint", Result: audit.ResultOK}
		}
		ack := func(id int64) {
			t.Helper()
			if err := cs.Acknowledge(ctx, rec("complaint.acknowledge"), id, handler); err != nil {
				t.Fatal(err)
			}
		}
		resolve := func(id int64, o complaint.Outcome) {
			t.Helper()
			if err := cs.Resolve(ctx, rec("complaint.resolve"), id, o, "已核实并处理。", false, handler); err != nil {
				t.Fatal(err)
			}
		}
		dismiss := func(id int64) {
			t.Helper()
			if err := cs.Dismiss(ctx, rec("complaint.dismiss"), id, "不属于受理范围。", handler); err != nil {
				t.Fatal(err)
			}
		}

		// 2025-h1: one, acknowledged within the hour, not upheld in 2 days.
		c0 := file(complaint.CategoryOther)
		clock = clock.Add(time.Hour)
		ack(c0)
		clock = beijing(2025, time.March, 5, 10)
		resolve(c0, complaint.OutcomeNotUpheld)

		// 2025-h2.
		clock = beijing(2025, time.September, 1, 10) // Monday
		c1 := file(complaint.CategoryFalseInfo)
		clock = beijing(2025, time.September, 1, 15)
		ack(c1)
		clock = beijing(2025, time.September, 3, 10)
		resolve(c1, complaint.OutcomeUpheld) // 48 hours
		clock = beijing(2025, time.October, 13, 10)
		c2 := file(complaint.CategoryPrivacy)
		clock = beijing(2025, time.October, 13, 16)
		dismiss(c2) // acknowledged with it; 6 hours
		clock = beijing(2025, time.November, 3, 10)
		c3 := file(complaint.CategoryStaff)
		clock = beijing(2025, time.November, 3, 11)
		ack(c3)
		// Seven working days later the handling clock has run out.
		clock = beijing(2025, time.November, 18, 10)
		if got, err := cs.Escalate(ctx); err != nil || got != 1 {
			t.Fatalf("escalated %d clocks (%v), want 1", got, err)
		}
		clock = beijing(2025, time.November, 20, 10)
		resolve(c3, complaint.OutcomePartly) // late: 408 hours
		// Received on the year's last Monday, handled only in the new year:
		// open at 2025's end.
		clock = beijing(2025, time.December, 29, 10)
		c4 := file(complaint.CategoryOther)

		// 2026-h1.
		clock = beijing(2026, time.January, 5, 10)
		ack(c4)
		clock = beijing(2026, time.January, 6, 10)
		resolve(c4, complaint.OutcomeUpheld)
		clock = beijing(2026, time.February, 2, 10)
		c5 := file(complaint.CategoryFalseInfo)
		ack(c5)
		clock = beijing(2026, time.February, 4, 10)
		resolve(c5, complaint.OutcomePartly) // 48 hours
		clock = beijing(2026, time.March, 2, 10)
		c6 := file(complaint.CategoryMisuse)
		clock = beijing(2026, time.March, 2, 15)
		dismiss(c6) // 5 hours
		clock = beijing(2026, time.June, 29, 10)
		file(complaint.CategoryPayout) // open at the half-year's end
		clock = beijing(2026, time.July, 15, 12)

		cats := func(kv ...any) map[complaint.Category]int {
			m := map[complaint.Category]int{}
			for i := 0; i < len(kv); i += 2 {
				m[kv[i].(complaint.Category)] = kv[i+1].(int)
			}
			return m
		}
		outs := func(kv ...any) map[complaint.Outcome]int {
			m := map[complaint.Outcome]int{}
			for i := 0; i < len(kv); i += 2 {
				m[kv[i].(complaint.Outcome)] = kv[i+1].(int)
			}
			return m
		}
		h2025 := complaint.Stats{Received: 4,
			ByCategory: cats(complaint.CategoryFalseInfo, 1, complaint.CategoryPrivacy, 1, complaint.CategoryStaff, 1, complaint.CategoryOther, 1),
			ByOutcome:  outs(complaint.OutcomeUpheld, 1, complaint.OutcomeDismissed, 1, complaint.OutcomePartly, 1),
			Open:       1, AckedInTime: 3, HandledInTime: 2, Escalated: 1, MedianHandleHours: 48}
		h2026 := complaint.Stats{Received: 3,
			ByCategory: cats(complaint.CategoryFalseInfo, 1, complaint.CategoryMisuse, 1, complaint.CategoryPayout, 1),
			ByOutcome:  outs(complaint.OutcomePartly, 1, complaint.OutcomeDismissed, 1),
			Open:       1, AckedInTime: 2, HandledInTime: 2, Escalated: 0, MedianHandleHours: 26}
		y2025 := complaint.Stats{Received: 5,
			ByCategory: cats(complaint.CategoryFalseInfo, 1, complaint.CategoryPrivacy, 1, complaint.CategoryStaff, 1, complaint.CategoryOther, 2),
			ByOutcome:  outs(complaint.OutcomeNotUpheld, 1, complaint.OutcomeUpheld, 1, complaint.OutcomeDismissed, 1, complaint.OutcomePartly, 1),
			Open:       1, AckedInTime: 4, HandledInTime: 3, Escalated: 1, MedianHandleHours: 48}

		svc := &Service{DB: db}
		check := func(name string, r Report, err error, want complaint.Stats) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r.Complaints, want) {
				t.Errorf("%s complaints %+v, want %+v", name, r.Complaints, want)
			}
			// The export (R-RPT-1) carries the same figures.
			lines := map[string]string{}
			for _, l := range r.Lines() {
				lines[l.Section+"."+l.Key] = l.Value()
			}
			for k, v := range map[string]int{"complaints.complaints": want.Received, "complaints.open": want.Open,
				"complaints.handled_in_time": want.HandledInTime, "complaints.escalated": want.Escalated,
				"complaints.category.other":    want.ByCategory[complaint.CategoryOther],
				"complaints.outcome.dismissed": want.ByOutcome[complaint.OutcomeDismissed]} {
				if lines[k] != fmt.Sprint(v) {
					t.Errorf("%s export: %s = %q, want %d", name, k, lines[k], v)
				}
			}
		}
		r, err := svc.HalfYear(ctx, HalfYear{2025, 2}, By{})
		check("2025-h2", r, err, h2025)
		r, err = svc.HalfYear(ctx, HalfYear{2026, 1}, By{})
		check("2026-h1", r, err, h2026)
		r, err = svc.Annual(ctx, 2025, By{Actor: "staff:7"})
		check("2025", r, err, y2025)
		// The complaint service's own figures agree with the reports'.
		if st, err := cs.Stats(ctx, YearStart(2025), YearEnd(2025)); err != nil || !reflect.DeepEqual(st, y2025) {
			t.Errorf("the complaint service counts %+v (%v) for 2025, want %+v", st, err, y2025)
		}
	})
}
