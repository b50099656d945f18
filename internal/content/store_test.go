package content

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/screen"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

func rec(action, object string) audit.Record {
	return audit.Record{Actor: "staff:1", Action: action, Object: object, Result: audit.ResultOK}
}

func check(t *testing.T, db *store.DB, c Candidate) Decision {
	t.Helper()
	var d Decision
	err := db.Write(context.Background(), func(tx *store.Tx) error {
		var err error
		d, err = Check(context.Background(), tx, c)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func code(err error) apperr.Code {
	var e *apperr.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func audited(t *testing.T, db *store.DB, action string) int {
	t.Helper()
	entries, err := (&audit.Log{DB: db}).Browse(context.Background(), audit.Filter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// TestWordListChanges proves that the maintained word list (R-CONT-1) is
// changed by staff with a record of who and when, that a removal is a new
// row and not a delete, that each change is audited, and that Check uses
// the list in force.
func TestWordListChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// R-CONT-1
		ctx := context.Background()
		at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		db.SetClock(func() time.Time { return at })
		s := &Service{DB: db}
		own := screen.Term{Category: screen.CategoryRumour, Text: "神药"}
		if d := check(t, db, Candidate{PlaceUpdate, "1", "这是神药"}); d.Action != ActionPass {
			t.Fatalf("before the term is added: %s", d.Action)
		}
		if err := s.AddTerm(ctx, rec("content.term.add", "rumour"), own, "staff:1"); err != nil {
			t.Fatal(err)
		}
		if err := s.AddTerm(ctx, rec("content.term.add", "rumour"), own, "staff:1"); code(err) != apperr.Conflict {
			t.Fatalf("adding it twice: %v, want a conflict", err)
		}
		if d := check(t, db, Candidate{PlaceUpdate, "2", "这是神药"}); d.Action != ActionHold ||
			!slices.Equal(d.Categories, []screen.Category{screen.CategoryRumour}) || d.RecordID == 0 {
			t.Fatalf("after the term is added: %+v", d)
		}
		water := screen.Term{Category: screen.CategoryHype, Text: "水军"}
		if err := s.RemoveTerm(ctx, rec("content.term.remove", "hype"), water, "staff:2"); err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveTerm(ctx, rec("content.term.remove", "hype"), water, "staff:2"); code(err) != apperr.Conflict {
			t.Fatalf("removing it twice: %v, want a conflict", err)
		}
		if d := check(t, db, Candidate{PlaceUpdate, "3", "请了水军"}); d.Action != ActionPass {
			t.Fatalf("a removed term still holds: %s", d.Action)
		}
		w, err := s.WordList(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(w.Changes) != 2 || !w.Changes[0].Removed || w.Changes[0].ChangedBy != "staff:2" ||
			!w.Changes[0].ChangedAt.Equal(at) || w.Changes[1].Removed || w.Changes[1].ChangedBy != "staff:1" {
			t.Fatalf("history = %+v", w.Changes)
		}
		if got := audited(t, db, "content.term."); got != 2 {
			t.Errorf("audit records of the list = %d, want 2", got)
		}
		// The history cannot be rewritten.
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, "DELETE FROM content_terms")
			return err
		})
		if err == nil {
			t.Error("a change of the word list was deleted")
		}
		if err := s.AddTerm(ctx, rec("content.term.add", ""), screen.Term{Category: "x", Text: " "}, "staff:1"); code(err) != apperr.Invalid {
			t.Errorf("a bad term: %v, want invalid", err)
		}
	})
}

// TestHandlingRecord proves the handling record (R-CONT-1): a flagged text
// is recorded with place, ref and categories, held texts are hidden from
// public pages until cleared, an illegal text is refused and recorded, a
// passed text leaves no record, and who cleared what, when, is kept.
func TestHandlingRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// R-CONT-1
		ctx := context.Background()
		at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		db.SetClock(func() time.Time { return at })
		s := &Service{DB: db, Texts: map[Place]TextFunc{
			PlaceDonationMessage: func(ctx context.Context, tx *store.Tx, ref string) (Text, error) {
				return Text{Body: "text of " + ref}, nil
			},
		}}
		if d := check(t, db, Candidate{PlaceDonationMessage, "o1", "早日康复"}); d.Action != ActionPass || d.RecordID != 0 {
			t.Fatalf("a harmless message: %+v", d)
		}
		held := check(t, db, Candidate{PlaceDonationMessage, "o2", "我们有水军帮你刷榜"})
		if held.Action != ActionHold {
			t.Fatalf("hype: %+v", held)
		}
		refused := check(t, db, Candidate{PlaceDonationMessage, "o3", "出售枪支"})
		if refused.Action != ActionRefuse {
			t.Fatalf("illegal: %+v", refused)
		}
		st, err := s.Statuses(ctx, PlaceDonationMessage, []string{"o1", "o2", "o3"})
		if err != nil {
			t.Fatal(err)
		}
		if !st["o1"].Public() || st["o2"].Public() || !st["o2"].Held {
			t.Fatalf("statuses = %+v", st)
		}
		q, err := s.Queue(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(q) != 1 || q[0].Ref != "o2" || q[0].Text.Body != "text of o2" ||
			!slices.Equal(q[0].Categories, []screen.Category{screen.CategoryHype}) || !slices.Contains(q[0].Terms, "水军") {
			t.Fatalf("queue = %+v", q)
		}
		at = at.Add(time.Hour)
		if err := s.Clear(ctx, rec("content.clear", "content:1"), held.RecordID, "advertising a friend's shop, harmless", "staff:3"); err != nil {
			t.Fatal(err)
		}
		if err := s.Clear(ctx, rec("content.clear", "content:1"), held.RecordID, "", "staff:3"); code(err) != apperr.Conflict {
			t.Fatalf("clearing twice: %v", err)
		}
		if err := s.Clear(ctx, rec("content.clear", "content:1"), refused.RecordID, "", "staff:3"); code(err) != apperr.Conflict {
			t.Fatalf("clearing a refused text: %v", err)
		}
		st, err = s.Statuses(ctx, PlaceDonationMessage, []string{"o2"})
		if err != nil {
			t.Fatal(err)
		}
		if !st["o2"].Public() {
			t.Fatalf("a cleared text is not public: %+v", st["o2"])
		}
		h, err := s.Handling(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Records) != 2 {
			t.Fatalf("records = %+v", h.Records)
		}
		r, f := h.Records[1], h.Records[0]
		if r.State != StateCleared || r.HandledBy != "staff:3" || !r.HandledAt.Equal(at) || r.Note == "" || r.Place != PlaceDonationMessage {
			t.Errorf("cleared record = %+v", r)
		}
		if f.State != StateRefused || f.Action != ActionRefuse || !slices.Equal(f.Categories, []screen.Category{screen.CategoryIllegal}) {
			t.Errorf("refused record = %+v", f)
		}
		if got := audited(t, db, "content.clear"); got != 1 {
			t.Errorf("audit records of clearing = %d, want 1", got)
		}
	})
}

// TestTakeDown proves takedowns (R-CONT-1): staff take any public text
// down with a public reason that its page shows in its place, the takedown
// ends a hold, it is audited, it cannot be undone or replaced, and it
// needs a reason.
func TestTakeDown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// R-CONT-1
		ctx := context.Background()
		s := &Service{DB: db}
		held := check(t, db, Candidate{PlaceUpdate, "7", "紧急扩散！"})
		if held.Action != ActionHold {
			t.Fatalf("rumour: %+v", held)
		}
		if err := s.TakeDown(ctx, rec("content.takedown", "update:7"), PlaceUpdate, "7", "  ", "staff:1"); code(err) != apperr.Invalid {
			t.Fatalf("no reason: %v", err)
		}
		if err := s.TakeDown(ctx, rec("content.takedown", "x"), "elsewhere", "7", "reason", "staff:1"); code(err) != apperr.Invalid {
			t.Fatalf("no such place: %v", err)
		}
		if err := s.TakeDown(ctx, rec("content.takedown", "update:7"), PlaceUpdate, "7", "散布未经证实的消息", "staff:1"); err != nil {
			t.Fatal(err)
		}
		// Any public text, flagged or not.
		if err := s.TakeDown(ctx, rec("content.takedown", "donation_message:o9"), PlaceDonationMessage, "o9", "广告", "staff:1"); err != nil {
			t.Fatal(err)
		}
		if err := s.TakeDown(ctx, rec("content.takedown", "update:7"), PlaceUpdate, "7", "another", "staff:2"); code(err) != apperr.Conflict {
			t.Fatalf("a second takedown: %v", err)
		}
		st, err := s.Statuses(ctx, PlaceUpdate, []string{"7", "8"})
		if err != nil {
			t.Fatal(err)
		}
		if got := st["7"]; !got.TakenDown || got.Held || got.Reason != "散布未经证实的消息" || got.Public() {
			t.Fatalf("status of the taken-down text = %+v", got)
		}
		if !st["8"].Public() {
			t.Fatal("another text is hidden")
		}
		q, err := s.Queue(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(q) != 0 {
			t.Fatalf("a taken-down text is still in the queue: %+v", q)
		}
		h, err := s.Handling(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Records) != 1 || h.Records[0].State != StateTakenDown || h.Records[0].HandledBy != "staff:1" || len(h.Takedowns) != 2 {
			t.Fatalf("handling = %+v", h)
		}
		if got := audited(t, db, "content.takedown"); got != 2 {
			t.Errorf("audit records of takedowns = %d, want 2", got)
		}
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE content_takedowns SET reason = 'x'")
			return err
		})
		if err == nil {
			t.Error("a takedown's reason was changed")
		}
	})
}
