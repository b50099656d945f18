package complaint

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/content"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

func ids(cs []Complaint) []int64 {
	var out []int64
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

// TestStaffSubjectExcluded: a complaint about a staff member never goes to
// that staff member: they cannot be assigned it, the queue hides it from
// them, they cannot open it, and the escalation never picks them
// (R-COMP-1).
func TestStaffSubjectExcluded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		in := Input{Category: CategoryStaff, StaffRef: " Handler1 ", Text: "客服态度恶劣", ContactPhone: "13812345678"}
		about := f.id(f.submit(in, "c1").Number)
		other := f.id(f.submit(f.input("别的投诉"), "c2").Number)

		// R-COMP-1: the queue hides it from the subject, not from others.
		q, err := f.s.Queue(ctx, Filter{}, f.h1)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(ids(q), about) || !slices.Contains(ids(q), other) {
			t.Errorf("the subject's queue = %v; want %d hidden, %d shown", ids(q), about, other)
		}
		if q, _ := f.s.Queue(ctx, Filter{}, f.h2); !slices.Contains(ids(q), about) {
			t.Errorf("another handler's queue = %v, want %d", ids(q), about)
		}
		// R-COMP-1: the subject cannot open it, nor act on it.
		if _, err := f.s.Get(ctx, rec(f.h1, "complaint.view"), about, f.h1); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("subject opens it: %v", err)
		}
		if err := f.s.Acknowledge(ctx, rec(f.h1, "complaint.ack"), about, f.h1); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("subject acknowledges it: %v", err)
		}
		// R-COMP-1: Assign refuses the subject.
		err = f.s.Assign(ctx, rec(f.h2, "complaint.assign"), about, f.h1.ID, f.h2)
		if !hasField(err, FieldAssignee, KeySubject) {
			t.Errorf("assigning the subject: %v", err)
		}
		// A reviewer may not take complaints.
		if err := f.s.Assign(ctx, rec(f.h2, "complaint.assign"), about, f.rev.ID, f.h2); !hasField(err, FieldAssignee, KeyAssignee) {
			t.Errorf("assigning a reviewer: %v", err)
		}
		hs, err := f.s.Handlers(ctx, about, f.h2)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hs {
			if h.ID == f.h1.ID {
				t.Errorf("Handlers offers the subject")
			}
		}
		// The schema refuses it too, should a bug get past the service.
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE complaints SET assigned_to = $1 WHERE id = $2", f.h1.ID, about)
			return err
		})
		if err == nil {
			t.Error("the schema let the subject be assigned")
		}
		// R-COMP-1, R-COMP-2: the escalations pass the subject by, even
		// when the subject would be first in line.
		f.now = endOf(2026, 12, 31)
		if _, err := f.s.Escalate(ctx); err != nil {
			t.Fatal(err)
		}
		var d Detail
		if d, err = f.s.Get(ctx, rec(f.h2, "complaint.view"), about, f.h2); err != nil {
			t.Fatal(err)
		}
		if d.AssignedTo == f.h1.ID || d.AssignedTo == 0 {
			t.Errorf("escalated to %d, subject %d", d.AssignedTo, f.h1.ID)
		}
		// A subject linked later loses the complaint they held.
		if err := f.s.Assign(ctx, rec(f.h2, "complaint.assign"), other, f.h3.ID, f.h2); err != nil {
			t.Fatal(err)
		}
		if err := f.s.SetSubject(ctx, rec(f.h2, "complaint.subject"), other, f.h3.ID, f.h2); err != nil {
			t.Fatal(err)
		}
		if d, _ := f.s.Get(ctx, rec(f.h2, "complaint.view"), other, f.h2); d.AssignedTo != 0 || d.SubjectStaffID != f.h3.ID {
			t.Errorf("after SetSubject: assigned %d, subject %d", d.AssignedTo, d.SubjectStaffID)
		}
		if _, err := f.s.Get(ctx, rec(f.h3, "complaint.view"), other, f.h3); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("the subject linked later still sees it: %v", err)
		}
	})
}

// TestClocksAndEscalation: a complaint received on a Friday before a
// holiday is due to be acknowledged by the end of the next working day;
// the job escalates each clock once when it runs out, on a fake clock, to
// another handler and then to an admin, and Track shows the clocks
// (R-COMP-2).
func TestClocksAndEscalation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		// An admin adds a holiday on Monday 2026-12-14 (audited).
		if err := f.s.SetDay(ctx, rec(f.adm, "complaint.calendar"), Day{Day: "2026-12-14", Name: "测试假日"}, f.adm); err != nil {
			t.Fatal(err)
		}
		// Friday 2026-12-11, 17:00 in Shanghai.
		f.now = sh(2026, 12, 11, 17, 0)
		r := f.submit(f.input("周五下午的投诉"), "c")
		id := f.id(r.Number)
		p, err := f.s.Track(ctx, r.Number, r.Secret, 0)
		if err != nil {
			t.Fatal(err)
		}
		// R-COMP-2: the weekend and the Monday holiday do not count.
		if want := endOf(2026, 12, 15); !p.AckDue.Equal(want) {
			t.Errorf("ack due %v, want %v", p.AckDue.In(Shanghai), want.In(Shanghai))
		}
		if want := endOf(2026, 12, 23); !p.HandleDue.Equal(want) {
			t.Errorf("handle due %v, want %v", p.HandleDue.In(Shanghai), want.In(Shanghai))
		}
		if err := f.s.Assign(ctx, rec(f.h1, "complaint.assign"), id, f.h1.ID, f.h1); err != nil {
			t.Fatal(err)
		}
		escalate := func() int {
			t.Helper()
			n, err := f.s.Escalate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		// A second before the acknowledgement clock runs out: nothing.
		f.now = endOf(2026, 12, 15).Add(-time.Second)
		if n := escalate(); n != 0 {
			t.Fatalf("escalated %d before the clock ran out", n)
		}
		if p, _ := f.s.Track(ctx, r.Number, r.Secret, 0); p.AckOverdue {
			t.Error("overdue before the clock ran out")
		}
		// The clock runs out: escalated once, to the next handler.
		f.now = endOf(2026, 12, 15)
		if n := escalate(); n != 1 {
			t.Fatalf("escalated %d clocks, want 1", n)
		}
		if n := escalate(); n != 0 {
			t.Fatalf("a second run escalated %d more", n)
		}
		d, err := f.s.Get(ctx, rec(f.h2, "complaint.view"), id, f.h2)
		if err != nil {
			t.Fatal(err)
		}
		if d.Level != 1 || d.AssignedTo != f.h2.ID || d.AckEscalatedAt.IsZero() {
			t.Errorf("after the ack clock: level %d assigned %d", d.Level, d.AssignedTo)
		}
		if p, _ := f.s.Track(ctx, r.Number, r.Secret, 0); !p.AckOverdue || p.HandleOverdue {
			t.Errorf("Track overdue = %v, %v; want the ack clock only", p.AckOverdue, p.HandleOverdue)
		}
		if q, _ := f.s.Queue(ctx, Filter{Overdue: true}, f.h3); !slices.Contains(ids(q), id) {
			t.Error("the overdue filter misses it")
		}
		// Acknowledged late; the handling clock runs out a week later:
		// to an admin.
		if err := f.s.Acknowledge(ctx, rec(f.h2, "complaint.ack"), id, f.h2); err != nil {
			t.Fatal(err)
		}
		f.now = endOf(2026, 12, 23)
		if n := escalate(); n != 1 {
			t.Fatalf("handle clock: escalated %d, want 1", n)
		}
		d, _ = f.s.Get(ctx, rec(f.adm, "complaint.view"), id, f.adm)
		if d.Level != 2 || d.AssignedTo != f.adm.ID {
			t.Errorf("after the handle clock: level %d assigned %d, want 2 and the admin %d", d.Level, d.AssignedTo, f.adm.ID)
		}
		var kinds []EventKind
		for _, e := range d.Events {
			kinds = append(kinds, e.Kind)
		}
		want := []EventKind{EventReceived, EventAssigned, EventEscalated, EventAcknowledged, EventEscalated}
		if !slices.Equal(kinds, want) {
			t.Errorf("events %v, want %v", kinds, want)
		}
		// Each escalation is in the audit log.
		var n int
		db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT count(*) FROM audit_log WHERE action = 'complaint.escalate'").Scan(&n)
		})
		if n != 2 {
			t.Errorf("%d escalations audited, want 2", n)
		}
		if f.now = f.now.Add(30 * 24 * time.Hour); escalate() != 0 {
			t.Error("escalated again a month later")
		}
	})
}

// TestResolvePublishes: a resolved complaint about a request publishes its
// response for the request's page (R-DISC-2), with the dispute routes
// (R-DISP-1); the complainant's status page shows it; a dismissal and an
// unpublished resolution stay off the page.
func TestResolvePublishes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		r1 := f.submit(f.input("信息不实：病历是假的"), "c1")
		r2 := f.submit(f.input("重复投诉"), "c2")
		r3 := f.submit(f.input("不公开的处理"), "c3")
		id1, id2, id3 := f.id(r1.Number), f.id(r2.Number), f.id(r3.Number)
		if err := f.s.Note(ctx, rec(f.h1, "complaint.note"), id1, "已联系医院核实", f.h1); err != nil {
			t.Fatal(err)
		}
		// R-CONT-1: the screen of every public text refuses a response with
		// illegal content, next to the field, and keeps the handling record.
		if err := f.s.Resolve(ctx, rec(f.h1, "complaint.resolve"), id1, OutcomeUpheld, "可以出售毒品筹钱", true, f.h1); !hasField(err, FieldResponse, content.KeyRefused) {
			t.Errorf("illegal response: %v", err)
		}
		var refusals int
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM content_records WHERE place = $1 AND ref = $2", string(content.PlaceComplaintResponse), r1.Number).Scan(&refusals)
		}); err != nil || refusals != 1 {
			t.Errorf("handling records of the refused response: %d, %v", refusals, err)
		}
		// A response with a rumour's wording is stored but held off the
		// request page until a reviewer clears it.
		r4 := f.submit(f.input("转发的消息"), "c4")
		if err := f.s.Resolve(ctx, rec(f.h1, "complaint.resolve"), f.id(r4.Number), OutcomePartly, "紧急扩散：已核实", true, f.h1); err != nil {
			t.Fatalf("held response: %v", err)
		}
		if err := f.s.Resolve(ctx, rec(f.h1, "complaint.resolve"), id1, OutcomeDismissed, "x", true, f.h1); !hasField(err, FieldOutcome, KeyOutcome) {
			t.Errorf("dismissed as a resolution: %v", err)
		}
		f.now = f.now.Add(2 * time.Hour)
		resp := "经核查，部分病历与医院记录不符，已暂停筹款并移交调查。"
		if err := f.s.Resolve(ctx, rec(f.h1, "complaint.resolve"), id1, OutcomeUpheld, resp, true, f.h1); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Dismiss(ctx, rec(f.h1, "complaint.dismiss"), id2, "与 "+r1.Number+" 重复。", f.h1); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Resolve(ctx, rec(f.h1, "complaint.resolve"), id3, OutcomeNotUpheld, "未发现问题。", false, f.h1); err != nil {
			t.Fatal(err)
		}
		// R-DISC-2: only the published response is on the request's page.
		got, err := f.s.Responses(ctx, f.req)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Number != r1.Number || got[0].Response != resp || got[0].Outcome != OutcomeUpheld || !got[0].At.Equal(f.now) {
			t.Fatalf("Responses = %+v", got)
		}
		// R-DISP-1: with how to take it further.
		if !slices.Equal(got[0].Disputes, DisputeRoutes) || len(DisputeRoutes) < 3 {
			t.Errorf("disputes = %v", got[0].Disputes)
		}
		// The complainant sees the outcome, the response and the routes.
		p, err := f.s.Track(ctx, r1.Number, r1.Secret, 0)
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != StatusResolved || p.Response != resp || !p.Published || !slices.Equal(p.Disputes, DisputeRoutes) || p.AcknowledgedAt.IsZero() {
			t.Errorf("Track = %+v", p)
		}
		// Closed: nothing more happens to it.
		if err := f.s.Note(ctx, rec(f.h1, "complaint.note"), id1, "再补充", f.h1); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("note on a closed complaint: %v", err)
		}
		// Every action is in the audit log with its transaction (three
		// resolutions: the published, the held and the unpublished one).
		entries, err := (&audit.Log{DB: db}).Browse(ctx, audit.Filter{Actor: f.h1.Actor()})
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]int{}
		for _, e := range entries {
			actions[e.Action]++
		}
		if actions["complaint.resolve"] != 3 || actions["complaint.dismiss"] != 1 || actions["complaint.note"] != 1 {
			t.Errorf("audited actions %v", actions)
		}
	})
}

// TestStats: the statistics count the complaints received in the period
// by category and outcome, and the clocks kept (R-COMP-2, for R-DISC-3).
func TestStats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		a := f.id(f.submit(f.input("一"), "c1").Number)
		f.submit(Input{Category: CategoryPrivacy, Text: "二", ContactEmail: "x@example.com"}, "c2")
		f.now = f.now.Add(time.Hour)
		if err := f.s.Acknowledge(ctx, rec(f.h1, "complaint.ack"), a, f.h1); err != nil {
			t.Fatal(err)
		}
		f.now = f.now.Add(24 * time.Hour)
		if err := f.s.Resolve(ctx, rec(f.h1, "complaint.resolve"), a, OutcomePartly, "部分属实。", true, f.h1); err != nil {
			t.Fatal(err)
		}
		s, err := f.s.Stats(ctx, sh(2026, 12, 1, 0, 0), sh(2027, 1, 1, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if s.Received != 2 || s.ByCategory[CategoryFalseInfo] != 1 || s.ByCategory[CategoryPrivacy] != 1 ||
			s.ByOutcome[OutcomePartly] != 1 || s.Open != 1 || s.AckedInTime != 1 || s.HandledInTime != 1 || s.MedianHandleHours != 25 {
			t.Errorf("Stats = %+v", s)
		}
		if s, _ := f.s.Stats(ctx, sh(2026, 11, 1, 0, 0), sh(2026, 12, 1, 0, 0)); s.Received != 0 {
			t.Errorf("November: %+v", s)
		}
	})
}
